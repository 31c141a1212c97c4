"""The *Pemeriksaan* dialog: the checks run off the GUI thread, one row per check with its marker,
what was found and what to do; "Periksa lagi" runs them again; the report can be copied."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_app.clock import utcnow
from pos_app.doctor import CHECK_NAMES, Check, Status, run_checks
from pos_app.paths import backup_dir, db_path
from pos_app.settings import Settings
from pos_app.storage.database import open_database
from pos_app.ui import i18n
from pos_app.ui.doctor_screen import DoctorDialog
from pos_app.ui.tasks import TaskManager

WAIT_MS = 15000


@pytest.fixture
def parts(data_dir: Path, qapp) -> Iterator[tuple[Path, Settings, object, TaskManager]]:  # type: ignore[no-untyped-def]
    db = open_database(db_path(data_dir), backup_dir=backup_dir(data_dir, create=False))
    tasks = TaskManager()
    yield data_dir, Settings.load(data_dir), db, tasks
    tasks.shutdown()
    db.close()


class Runner:
    """The real checks (no serial ports to search), counted, each run on which thread."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def __call__(self, target, **kw) -> list[Check]:  # type: ignore[no-untyped-def]
        self.threads.append(threading.current_thread().name)
        return run_checks(target, list_ports=list, **kw)


def open_dialog(qtbot, parts, runner) -> DoctorDialog:  # type: ignore[no-untyped-def]
    data_dir, settings, db, tasks = parts
    dialog = DoctorDialog(data_dir, settings, db, tasks, runner=runner, start=False)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.checked, timeout=WAIT_MS):
        dialog.rerun()
    return dialog


def test_rows_show_each_check_and_rerun_runs_again(qtbot, parts) -> None:  # type: ignore[no-untyped-def]
    runner = Runner()
    dialog = open_dialog(qtbot, parts, runner)
    assert runner.threads and runner.threads[0].startswith("db-reader"), "not on the GUI thread"
    assert list(dialog.rows) == list(CHECK_NAMES)
    backup = dialog.rows["backup"]
    assert backup.marker.text() == "● Masalah" and backup.property("state") == "fail"
    assert backup.detail.text() == "Belum ada cadangan data"
    assert backup.fix.isVisibleTo(dialog) and "Cadangkan sekarang" in backup.fix.text()
    provider = dialog.rows["provider"]
    # Demo mode is amber: a till that "pays" every QRIS through the simulator is not a shop's.
    assert provider.marker.text() == "● Perhatian" and provider.detail.text().startswith(
        "Mode demo")
    assert provider.fix.isVisibleTo(dialog) and "Pengaturan" in provider.fix.text()
    assert "1 bermasalah" in dialog.summary.text()
    assert dialog.summary.property("state") == "fail"

    # The owner makes a backup and checks again: the row turns green.
    data_dir, _settings, db, _tasks = parts
    db.backup_to(backup_dir(data_dir) / f"pos-manual-{utcnow():%Y%m%d-%H%M%S}.sqlite3")
    with qtbot.waitSignal(dialog.checked, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.rerun_button, qtbot_left())
        assert dialog.rows["backup"].marker.text() == "● Memeriksa"  # while it runs
        assert not dialog.rerun_button.isEnabled()
    assert len(runner.threads) == 2
    assert dialog.rows["backup"].marker.text() == "● Baik"
    assert dialog.summary.property("state") == "warn"  # the demo mode remains


def qtbot_left():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_copy_report_for_the_maintainer(qtbot, parts) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QGuiApplication

    dialog = open_dialog(qtbot, parts, Runner())
    qtbot.mouseClick(dialog.copy_button, qtbot_left())
    text = QGuiApplication.clipboard().text()
    first, *lines = text.splitlines()
    assert first.startswith("pos-app ") and "Warung Demo, till K1" in first
    assert "FAIL  backup    no backup yet" in lines
    assert lines[-1] == "9 checks: 7 ok, 1 warn, 1 fail"
    assert "disalin" in dialog.status.text()


def test_english_ui_shows_the_english_texts(qtbot, parts) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("en")
    try:
        dialog = open_dialog(qtbot, parts, Runner())
        backup = dialog.rows["backup"]
        assert backup.marker.text() == "● Problem" and backup.detail.text() == "no backup yet"
        assert backup.fix.text().startswith("What to do: Take one now")
    finally:
        i18n.set_language("id")


def test_a_run_that_fails_is_said_and_can_be_retried(qtbot, parts) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def runner(target, **kw) -> list[Check]:  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("no threads left")
        return [Check(name, Status.OK, "fine", "Nothing to do.", "baik", "-")
                for name in CHECK_NAMES]

    data_dir, settings, db, tasks = parts
    dialog = DoctorDialog(data_dir, settings, db, tasks, runner=runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.rerun_button.isEnabled(), timeout=WAIT_MS)
    assert "no threads left" in dialog.summary.text()
    with qtbot.waitSignal(dialog.checked, timeout=WAIT_MS):
        dialog.rerun_button.click()
    assert all(row.detail.text() == "baik" for row in dialog.rows.values())
