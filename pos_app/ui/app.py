"""Starting the window: QApplication, style, language, services, and the two screens."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from pos_app.cli.common import CliError, Exit, open_ctx
from pos_app.ui.i18n import register, tr

log = logging.getLogger(__name__)

register({
    "Kasir tidak bisa dibuka: data toko tidak bisa dipakai.":
        "The till can't open: the shop's data can't be used.",
    "Data toko rusak: penjualan tidak bisa disimpan.":
        "The shop's data is damaged: sales can't be saved.",
})


def resources_dir() -> Path:
    """``resources/``: next to the package in a work tree, under ``share/pos-app`` when
    installed as a wheel, at the top of a PyInstaller bundle."""
    candidates = [Path(__file__).resolve().parent.parent.parent / "resources",
                  Path(sys.prefix) / "share" / "pos-app" / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.insert(0, Path(bundle) / "resources")
    for path in candidates:
        if (path / "app.qss").exists():
            return path
    return candidates[0]


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


def keep_keyboard_on(window, app) -> None:  # type: ignore[no-untyped-def]
    """Give the keyboard back to the cashier window whenever one of our dialogs closes.

    A kiosk PC runs no window manager: X then hands the keyboard to whatever window is under
    the mouse pointer when a dialog closes -- often the customer display, which swallowed the
    next scans. With a window manager this only repeats what it does anyway; and focus that
    leaves for another program while no dialog of ours closed is left alone.
    """
    from PySide6.QtCore import QTimer

    last = [app.focusWindow()]

    def changed(now) -> None:  # type: ignore[no-untyped-def]
        before, last[0] = last[0], now
        ours = window.windowHandle()
        try:
            closed_dialog = before is not None and before is not ours and not before.isVisible()
        except RuntimeError:  # the dialog was deleted on close: closed all the same
            closed_dialog = True
        if closed_dialog and (now is None or now is not ours) and app.activeModalWidget() is None:
            QTimer.singleShot(0, window.activateWindow)

    app.focusWindowChanged.connect(changed)


def _verified(damaged: str | None, service, window) -> None:  # type: ignore[no-untyped-def]
    if damaged is None:
        service.start()
        return
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "pos-app",
                      tr("Data toko rusak: penjualan tidak bisa disimpan."), parent=window)
    box.setInformativeText(damaged)
    box.open()


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    # Our Qt-free modules first: once PySide6 is loaded, its "__feature__" import hook reads
    # the source of every module imported after it, which costs ~0.1 ms per module.
    import sync.events  # noqa: F401  (the window's event handlers)
    from pos_app.storage import catalog
    from pos_app.ui import i18n  # noqa: F401

    try:
        ctx = open_ctx(args, rotate_now=False, check=False)  # checked once on screen
    except CliError as exc:
        _show_open_error(str(exc))
        raise
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from pos_app.ui.i18n import set_language
    from pos_app.ui.main_window import CashierWindow
    from pos_app.ui.tasks import TaskManager
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("pos-app")
    apply_look(app)
    set_language(str(ctx.settings.get("ui.language")))
    demo = bool(args.demo) or ctx.settings.is_demo()
    if catalog.product_count(ctx.db) == 0 and demo:
        from pos_app.demo import demo_products

        catalog.upsert_products(ctx.db, demo_products())
    tasks = TaskManager()
    window = CashierWindow(ctx.settings, None, tasks, None, demo=demo, db=ctx.db)
    services: list = []
    # Maximised: with a window manager its title bar and panels take part of a 1366x768
    # screen, and a window of the full 768 pixels would lose its status bar below the edge.
    # Without one (a kiosk) the request is ignored and the window keeps the screen's size.
    area = app.primaryScreen().availableGeometry()
    window.resize(min(window.width(), area.width()), min(window.height(), area.height()))
    window.showMaximized()
    window.search_input.setFocus()
    if os.environ.get("POS_APP_EXIT_AFTER_SHOW"):
        # For bench/bench_startup.py: report the first event-loop turn with the window shown.
        def shown() -> None:
            print(f"shown {time.perf_counter() - started:.4f}", flush=True)
            app.quit()

        QTimer.singleShot(0, shown)

    def after_show() -> None:
        # The cashier can start typing while the rest comes up: the customer display (its
        # fonts and layouts take a while) and the sync engine.
        from pos_app.context import rotate_logs_later
        from pos_app.payments import PaymentService
        from pos_app.ui.customer_display import CustomerDisplay

        rotate_logs_later()
        service = PaymentService(ctx.db, ctx.settings, provider_override="simulator" if demo else None)
        services.append(service)
        window.attach_service(service)
        display = CustomerDisplay(store_name=str(ctx.settings.get("store.name")))
        window.attach_display(display)
        display.place(preferred_index=int(ctx.settings.get("ui.customer_display_screen")))
        display.show_idle(str(ctx.settings.get("store.name")))
        keep_keyboard_on(window, app)
        if display.covering_screen() is None:
            # One screen: the display is an ordinary window, kept behind the cashier's (on a
            # kiosk with no window manager it would otherwise cover the search box for good).
            window.raise_()
        window.activateWindow()
        # The integrity check runs first on the writer thread, so no sale is written before
        # it; a damaged file refuses writes from then on, and the engine is not started.
        tasks.write(ctx.db.verify, lambda damaged: _verified(damaged, service, window))

    QTimer.singleShot(0, after_show)
    try:
        return int(app.exec())
    finally:
        for service in services:
            service.stop(timeout_s=3)  # a gateway call still running is abandoned, not waited for
        tasks.shutdown()
        ctx.close()
        log.info("window closed")
    return Exit.OK
