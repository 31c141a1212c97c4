"""The till's composition root: the parts of the cashier's screen, and how they are joined.

``pos_app.ui.app.run`` opens the shop's data and the Qt application and hands both to
:class:`App`, which makes the parts and joins them. Nothing else connects them:

1. ``App(...)``: the ``TaskManager`` (database threads) and the cashier window, from the
   settings and the database alone;
2. ``App.show()``: the window, maximised -- the cashier can type from here on;
3. ``App.start()``, in the first event-loop turn after ``show()``: the payment service (the
   sync engine), the customer display, the devices, and :func:`connect`, which joins them to
   the window
   through one :class:`~pos_app.ui.events.AppEvents`; then the database's integrity check on
   the writer thread, which starts the engine when the file is sound and checks the chosen
   payment provider's settings: a provider that can't work shows in the window's banner at
   once (its health changes, an event like any other), not at the first QRIS sale; then
   the day's backup, when it is still to be taken (``pos_app.backups``);
4. ``App.close()`` once the window has closed: the engine, the devices, the backups, the
   writer thread, the database.

How events flow (the events themselves are listed in ``pos_app/ui/events.py``)::

    sync engine threads --SyncEvent--> SyncBridge --GUI thread--> AppEvents.publish
    cashier window --report_cart / report_sale_completed / report_settings--> AppEvents
    AppEvents --> cashier window (QRIS dialog, status bar, provider banner)   [window.follow]
              --> customer display (cart, QR, "Terima kasih", settings)    [display.follow]
              --> devices: soundbox screen, receipt printer, drawer        [devices.follow]
    sync engine threads --PAID--> announcer (hardware/announcer.py): soundbox or speaker

The devices (``pos_app.ui.devices.DeviceHub``) are built in step 3 as well; each opens its
port on its own worker thread.

Start-up: what step 3 needs (payments and the engine, the customer display, the app events
and their values) is imported in step 3, after the window is on screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from pos_app.context import AppContext, rotate_logs_later
from pos_app.storage import catalog
from pos_app.ui.i18n import register, tr
from pos_app.ui.main_window import CashierWindow
from pos_app.ui.tasks import TaskManager

if TYPE_CHECKING:
    from PySide6.QtGui import QWindow

    from pos_app.backups import DailyBackups
    from pos_app.payments import PaymentService
    from pos_app.ui.customer_display import CustomerDisplay
    from pos_app.ui.devices import DeviceHub
    from pos_app.ui.events import AppEvents
    from pos_app.ui.staff_session import StaffSession

log = logging.getLogger(__name__)

register({
    "Data toko rusak: penjualan tidak bisa disimpan.":
        "The shop's data is damaged: sales can't be saved.",
})


def connect(window: CashierWindow, *, service: PaymentService | None = None,
            display: CustomerDisplay | None = None,
            devices: DeviceHub | None = None) -> AppEvents:
    """Join ``service``, ``display`` and ``devices`` to ``window`` through the window's app
    events (made with the first join): the engine's events reach them through a
    ``SyncBridge``, the window, the display and the devices follow the ones they act on, and
    the window sells through ``service``.

    Tests and benches that build ``CashierWindow(settings, service, tasks, display)`` get
    these same joins (the window calls this)."""
    from pos_app.ui.events import AppEvents

    events = window.events
    if events is None:
        events = AppEvents(window)
        window.follow(events)
    if service is not None:
        from pos_app.ui.bridge import SyncBridge

        window.attach_service(service, SyncBridge(service, events, window))
    if display is not None:
        display.follow(events)
        window.attach_display(display)
    if devices is not None:
        devices.follow(events)
        window.attach_devices(devices)
    return events


class App:
    """One till on screen: its parts, made and joined in order (see the module docstring)."""

    def __init__(self, ctx: AppContext, app: QApplication, *, demo: bool,
                 first_run: bool = False) -> None:
        """``first_run``: a fresh shop opens the first-run guide (``pos-app`` without
        ``--demo``)."""
        self.ctx = ctx
        self.first_run = first_run
        self.app = app
        self.demo = demo
        if catalog.product_count(ctx.db) == 0 and demo:
            catalog.seed_demo(ctx.db)  # marked as demo items: a shop leaves them behind
        self.tasks = TaskManager()
        self.window = CashierWindow(ctx.settings, None, self.tasks, None, demo=demo, db=ctx.db)
        #: PINs and shifts (pos_app.ui.staff_session), made in start(): after show(), like
        #: everything the window's first frame doesn't need; nothing sells before start()
        #: joins the payment service, which comes after it.
        self.session: StaffSession | None = None
        self.service: PaymentService | None = None
        self.display: CustomerDisplay | None = None
        self.devices: DeviceHub | None = None
        self.backups: DailyBackups | None = None
        self.events: AppEvents | None = None
        self._focus_watch: Callable[[QWindow | None], None] | None = None
        #: a backup to restore once everything is closed (see pos_app.ui.app.run)
        self.pending_restore: str | None = None
        self.window.restoreRequested.connect(self._restore_requested)

    def _restore_requested(self, path: str) -> None:
        log.info("restore of %s asked for: closing the till first", path)
        self.pending_restore = path
        self.window.close()

    def show(self) -> None:
        window = self.window
        # Maximised: with a window manager its title bar and panels take part of a 1366x768
        # screen, and a window of the full 768 pixels would lose its status bar below the
        # edge. Without one (a kiosk) the request is ignored: the window is given the whole
        # screen itself (a 1280x1024 kiosk would otherwise keep a black band below it).
        window.setGeometry(self.app.primaryScreen().availableGeometry())
        window.showMaximized()
        window.search_input.setFocus()

    def start(self) -> None:
        """The rest of the till, while the cashier can already type: the customer display
        (its fonts and layouts take a while), payments and the sync engine."""
        from pos_app.payments import PaymentService
        from pos_app.ui.customer_display import CustomerDisplay
        from pos_app.ui.devices import DeviceHub

        settings, window = self.ctx.settings, self.window
        self.session = window.enable_staff(first_run=self.first_run)
        rotate_logs_later()
        self.service = PaymentService(self.ctx.db, settings,
                                      provider_override="simulator" if self.demo else None)
        display = self.display = CustomerDisplay(store_name=str(settings.get("store.name")))
        display.place(preferred_index=int(settings.get("ui.customer_display_screen")))
        display.show_idle(str(settings.get("store.name")))
        # The soundbox, the speaker and the printer: each opens its port on its own thread.
        self.devices = DeviceHub(self.ctx.db, settings, service=self.service, parent=window)
        self.devices.start()
        # Joined once placed: a cart the cashier already started goes on the display.
        self.events = connect(window, service=self.service, display=display,
                              devices=self.devices)
        self._focus_watch = keep_keyboard_on(window, self.app)
        if display.covering_screen() is None:
            # One screen: the display is an ordinary window, kept behind the cashier's (on a
            # kiosk with no window manager it would otherwise cover the search box for good).
            window.raise_()
        window.activateWindow()
        self.session.begin()  # the PIN pad (or the first owner's account)
        # The integrity check runs first on the writer thread, so no sale is written before
        # it; a damaged file refuses writes from then on, and the engine is not started.
        self.tasks.write(self.ctx.db.verify, self._verified)

    def _verified(self, damaged: str | None) -> None:
        if damaged is None:
            assert self.service is not None
            self.service.start()
            # The day's backup (SQLite's online backup, on a thread of its own), once the
            # file is known to be sound.
            from pos_app.backups import DailyBackups

            settings = self.ctx.settings
            self.backups = DailyBackups(
                self.ctx.data_dir, settings.timezone(),
                second_folder=str(settings.get("backup.second_folder"))).start()
            # Reads the settings and the secret store, and records what it finds: the writer.
            self.tasks.write(self.service.check_provider, None, self._check_failed)
            return
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Critical, "pos-app",
                          tr("Data toko rusak: penjualan tidak bisa disimpan."),
                          parent=self.window)
        box.setInformativeText(damaged)
        box.open()

    @staticmethod
    def _check_failed(exc: BaseException) -> None:
        # check_provider returns the provider's problems; only a bug of its own gets here.
        log.error("checking the payment provider at start-up failed", exc_info=exc)

    def close(self) -> None:
        """After the window closed: the engine (a gateway call still running is abandoned,
        not waited for), the writer thread (a sale being committed finishes), the database."""
        if self._focus_watch is not None:
            self.app.focusWindowChanged.disconnect(self._focus_watch)
        if self.service is not None:
            self.service.stop(timeout_s=3)
        if self.devices is not None:  # after the engine: no PAID event can come any more
            self.devices.close()
        if self.backups is not None:
            self.backups.close()
        self.tasks.shutdown()
        self.ctx.close()


def keep_keyboard_on(window: CashierWindow,
                     app: QApplication) -> Callable[[QWindow | None], None]:
    """Give the keyboard back to the cashier window whenever one of our dialogs closes.

    A kiosk PC runs no window manager: X then hands the keyboard to whatever window is under
    the mouse pointer when a dialog closes -- often the customer display, which swallowed the
    next scans. With a window manager this only repeats what it does anyway; and focus that
    leaves for another program while no dialog of ours closed is left alone. Returns the
    slot connected to ``app.focusWindowChanged`` (to disconnect when the till closes).
    """
    last: list[QWindow | None] = [app.focusWindow()]

    def changed(now: QWindow | None) -> None:
        before, last[0] = last[0], now
        ours = window.windowHandle()
        try:
            closed_dialog = before is not None and before is not ours and not before.isVisible()
        except RuntimeError:  # the dialog was deleted on close: closed all the same
            closed_dialog = True
        if closed_dialog and (now is None or now is not ours) and app.activeModalWidget() is None:
            QTimer.singleShot(0, window.activateWindow)

    app.focusWindowChanged.connect(changed)
    return changed
