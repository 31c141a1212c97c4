"""Starting the window: the shop's data, QApplication, style and language; the till itself
(window, payments, customer display, and how they are joined) is ``pos_app/ui/composition.py``.

Errors are this module's own (:class:`AppOpenError`): the command line that calls :func:`run`
(``pos_app/cli/run_app.py``) turns them into its exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

# Our Qt-free modules before PySide6: once it is loaded, its "__feature__" import hook reads
# the source of every module imported after it (~0.1 ms each). sync.events and the catalogue
# are what the window's modules need first.
import sync.events  # noqa: F401
from pos_app.context import Access, AppContext, open_context
from pos_app.paths import ConfigFileError, DataDirError, resources_dir as resources_dir
from pos_app.settings import SettingsError
from pos_app.storage import catalog  # noqa: F401
from pos_app.storage.database import StorageError
from pos_app.ui.i18n import register, tr

log = logging.getLogger(__name__)

register({
    "Kasir tidak bisa dibuka: data toko tidak bisa dipakai.":
        "The till can't open: the shop's data can't be used.",
})


class AppOpenError(Exception):
    """The till can't use the shop's data (data dir, ``config.toml`` or database): one line,
    already shown on screen; ``pos-app`` prints it and exits with its usage-error code."""


def has_display() -> bool:
    """Whether Qt can open a window here (a missing X server would abort the process)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def style_sheet() -> str:
    path = resources_dir() / "app.qss"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def apply_look(app) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QFont

    font = QFont(["DejaVu Sans", "Noto Sans", "Segoe UI", "sans-serif"])
    font.setPixelSize(15)
    app.setFont(font)
    app.setStyleSheet(style_sheet())


def _show_open_error(detail: str) -> None:
    """The till can't open its data (damaged or empty database, read-only disk, bad setting):
    tell the person in front of the screen, not only the terminal nobody reads."""
    if os.environ.get("POS_APP_EXIT_AFTER_SHOW") or os.environ.get("QT_QPA_PLATFORM") in (
            "offscreen", "minimal"):
        return  # benches, tests, no one to click OK: the exit code and stderr say it
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    box = QMessageBox(QMessageBox.Icon.Critical, "pos-app",
                      tr("Kasir tidak bisa dibuka: data toko tidak bisa dipakai."))
    box.setInformativeText(detail)
    box.exec()
    del app


def open_data(data_dir: str | None) -> AppContext:
    """The shop's data for the till, or :class:`AppOpenError` (after telling the person in
    front of the screen). The integrity check is left to the window's writer thread, once
    the window is on screen."""
    try:
        return open_context(data_dir, rotate_now=False, access=Access.WRITE, check=False)
    except (SettingsError, DataDirError, ConfigFileError, StorageError) as exc:
        _show_open_error(str(exc))
        raise AppOpenError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Open the cashier window (``args``: ``data_dir``, ``demo``) until it is closed; the
    exit status of the Qt event loop. :class:`AppOpenError` when the data can't be used."""
    started = time.perf_counter()
    ctx = open_data(args.data_dir)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from pos_app.ui import qt_indonesian
    from pos_app.ui.composition import App
    from pos_app.ui.i18n import set_language

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("pos-app")
    apply_look(app)
    set_language(str(ctx.settings.get("ui.language")))
    qt_indonesian.install()  # Qt's own file dialog and buttons in Indonesian too
    # A fresh shop opens the first-run guide; `pos-app --demo` goes straight to the demo.
    till = App(ctx, app, demo=bool(args.demo) or ctx.settings.is_demo(),
               first_run=not args.demo)
    till.show()
    if os.environ.get("POS_APP_EXIT_AFTER_SHOW"):
        # For bench/bench_startup.py: report the first event-loop turn with the window shown.
        def shown() -> None:
            print(f"shown {time.perf_counter() - started:.4f}", flush=True)
            app.quit()

        QTimer.singleShot(0, shown)
    QTimer.singleShot(0, till.start)
    try:
        status = int(app.exec())
    finally:
        till.close()
        log.info("window closed")
    if till.pending_restore is not None:
        restore_and_restart(ctx.data_dir, Path(till.pending_restore))
    return status


def restore_and_restart(data_dir: Path, backup: Path) -> None:
    """The owner's restore from Settings, with the till closed (nothing has the database
    open), then the app started again the way it was started. A failed restore leaves the
    data as it was and says why at the next start's log; the app starts again either way."""
    from pos_app.backups import BackupError, restore
    from pos_app.clock import utcnow

    try:
        log.info("%s", restore(data_dir, backup, utcnow()))
    except BackupError as exc:
        log.error("restore refused: %s", exc)
    logging.shutdown()
    if os.environ.get("POS_APP_NO_RESTART"):  # tests: restore only
        return
    if getattr(sys, "frozen", False):  # the packaged app: its own binary, same arguments
        os.execv(sys.executable, sys.argv)
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
