"""Automatic backups: SQLite's online backup while the till sells, the newest 14 kept plus the
pinned ones, the day's backup once per store-local day, a second folder, and a restore of a
backup taken mid-sale through the real ``pos-app restore``."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pos_app import backups
from pos_app.backups import BackupError, DailyBackups, Kind
from pos_app.cart import Cart, Product
from pos_app.payments import PaymentService
from pos_app.settings import Settings
from pos_app.storage import open_database
from tests.cli_helpers import run

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def shop(data_dir: Path):  # type: ignore[no-untyped-def]
    db = open_database(data_dir / "pos.sqlite3", backup_dir=data_dir / "backups")
    service = PaymentService(db, Settings.load(data_dir))
    yield db, service
    db.close()


def sell(service: PaymentService, n: int) -> None:
    cart = Cart()
    cart.add(Product(sku=f"S{n % 7}", name=f"Barang {n % 7}", price=1000 + n), 1 + n % 3)
    service.pay_cash(cart, 100_000)


def check(path: Path) -> tuple[int, int]:
    """A backup is a sound database whose every order has its lines and its payment."""
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orders = con.execute("SELECT count(*) FROM orders").fetchone()[0]
        torn = con.execute(
            "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_lines l"
            " WHERE l.order_id = o.id) OR NOT EXISTS (SELECT 1 FROM payments p"
            " WHERE p.order_id = o.id)").fetchone()[0]
        return int(orders), int(torn)
    finally:
        con.close()


def test_backups_taken_while_the_till_sells_are_whole_and_restore(
        data_dir: Path, shop) -> None:  # type: ignore[no-untyped-def]
    db, service = shop
    stop = threading.Event()
    sold = [0]

    def till() -> None:
        while not stop.is_set():
            sell(service, sold[0])
            sold[0] += 1

    seller = threading.Thread(target=till)
    seller.start()
    taken = []
    try:
        start = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
        while len(taken) < 5:
            if sold[0] > 20 * (len(taken) + 1):
                taken.append(backups.take(data_dir, Kind.MANUAL,
                                          start + timedelta(seconds=len(taken))))
    finally:
        stop.set()
        seller.join()
    counts = []
    for path in taken:
        orders, torn = check(path)
        assert torn == 0
        counts.append(orders)
    assert counts == sorted(counts) and counts[0] > 0 and counts[-1] <= sold[0]
    assert backups.summary(taken[2])[0] == counts[2]
    db.close()
    r = run(data_dir, "restore", str(taken[2]))
    assert r.returncode == 0, r.stderr
    restored = open_database(data_dir / "pos.sqlite3")
    try:
        assert restored.scalar("SELECT count(*) FROM orders") == counts[2]
    finally:
        restored.close()


def test_the_newest_14_are_kept_and_pinned_ones_stay(data_dir: Path, shop) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2026, 11, 1, 13, 0, tzinfo=UTC)
    made = [backups.take(data_dir, Kind.DAILY, start + timedelta(days=d)) for d in range(20)]
    oldest = backups.list_backups(data_dir)[-1]
    pinned = backups.set_pinned(oldest, True)
    assert pinned.path.name.endswith("-pinned.sqlite3") and pinned.pinned
    gone = backups.prune(data_dir)
    assert len(gone) == 5  # 19 unpinned, 14 kept
    left = backups.list_backups(data_dir)
    assert len(left) == 15 and pinned.path in [b.path for b in left]
    assert [b.path for b in left if not b.pinned] == sorted(made[6:], reverse=True)
    assert backups.set_pinned(pinned, False).path == made[0]


def test_the_daily_backup_is_taken_once_a_store_local_day(data_dir: Path, shop) -> None:  # type: ignore[no-untyped-def]
    now = [datetime(2026, 12, 6, 16, 30, tzinfo=UTC)]  # 23:30 WIB on the 6th
    daily = DailyBackups(data_dir, WIB, clock=lambda: now[0])
    first = daily.check_now()
    assert first is not None and first.name == "pos-daily-20261206-163000.sqlite3"
    now[0] += timedelta(minutes=20)  # 23:50 WIB: the same day
    assert daily.check_now() is None
    now[0] += timedelta(minutes=20)  # 00:10 WIB on the 7th
    assert daily.check_now() is not None
    assert [b.kind for b in backups.list_backups(data_dir)] == [Kind.DAILY, Kind.DAILY]


def test_a_second_folder_gets_a_copy_and_a_missing_stick_is_no_failure(
        data_dir: Path, tmp_path: Path, shop, caplog) -> None:  # type: ignore[no-untyped-def]
    stick = tmp_path / "usb"
    stick.mkdir()
    path = backups.take(data_dir, Kind.SHIFT, datetime(2026, 12, 6, 10, tzinfo=UTC),
                        second_folder=stick)
    assert (stick / path.name).read_bytes() == path.read_bytes()
    gone = tmp_path / "unplugged"
    path2 = backups.take(data_dir, Kind.SHIFT, datetime(2026, 12, 6, 11, tzinfo=UTC),
                         second_folder=gone)
    assert path2.exists() and not gone.exists()
    assert "is not there" in caplog.text


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "pos-manual-20261206-100000.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError):
        backups.summary(junk)
