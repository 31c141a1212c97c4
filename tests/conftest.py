"""Shared fixtures: a real data dir and SQLite file per test, a controllable clock, and the one
``qapp`` fixture for Qt tests (created lazily, offscreen)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["POS_APP_SECRET_BACKEND"] = "file"  # never touch the developer's real keyring

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest_plugins = ["tests.pg_cluster"]  # pg_cluster, central_db: a throwaway PostgreSQL


class FakeClock:
    """A clock the test moves by hand; callable like ``utcnow``."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 27, 3, 0, 0, tzinfo=UTC)  # 10:00 WIB

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("POS_APP_DATA_DIR", str(d))
    return d


@pytest.fixture
def db(tmp_path: Path):
    from pos_app.storage import open_database

    database = open_database(tmp_path / "pos.sqlite3", backup_dir=tmp_path / "backups")
    yield database
    database.close()


@pytest.fixture(scope="session")
def qapp():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["pos-app-tests"])
    yield app


@pytest.fixture
def orderkuota():
    """A loopback fake of the Order Kuota back-end (seed 000), started and stopped."""
    from tests.fakes.orderkuota import OrderKuotaFake

    fake = OrderKuotaFake()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def midtrans():
    """A loopback fake of the Midtrans middleware (seed 002), started and stopped."""
    from tests.fakes.midtrans import MidtransFake

    fake = MidtransFake(app_code="kasir", api_key="mid-key-0123456789abcdef")
    fake.start()
    yield fake
    fake.stop()
