"""The devices at the till, joined to the app events, and their state in the status bar.

:class:`DeviceHub` builds ``hardware.devices.Devices`` from the settings and makes them follow
the till's events:

* the engine's PAID events reach the announcer directly (an engine listener, not through the
  GUI thread: the sentence must not wait for a busy window);
* ``qr_shown`` puts the QR on a soundbox with a screen; ``qr_cleared`` and ``sale_completed``
  clear it;
* ``sale_completed`` prints the receipt (``hardware.printer.auto_print``) and, after a cash
  sale, opens the cash drawer; ``receipt_wanted`` (Riwayat's "Cetak ulang") prints a copy;
* :meth:`DeviceHub.print_text` prints a plain-text document (the Z report at "Tutup kasir");
* ``settings_changed`` with device settings builds the devices afresh (the old ones are closed
  on a thread of their own: closing waits for their workers).

The devices report on their own threads; the hub's signals bring the reports to the GUI
thread, where :class:`DeviceStatus` (a permanent widget of the status bar) shows them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, SignalInstance
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from hardware.announcer import Announcer
from hardware.devices import DeviceCallbacks, Devices, DeviceSettings
from hardware.printer import PrinterFault, PrinterState, build_printer
from hardware.receipt_escpos import ReceiptData, ReceiptLine, TextDocument
from hardware.soundbox import SoundboxError, SoundboxLink, SoundboxState
from hardware.speaker import SpeakerState
from pos_app.settings import Settings
from pos_app.storage.database import Database
from pos_app.ui.i18n import register, tr
from pos_app.ui.props import no_focus, set_state

if TYPE_CHECKING:
    from pos_app.payments import PaymentService
    from pos_app.ui.events import AppEvents, QrCleared, QrShown, ReceiptWanted, SaleCompleted

log = logging.getLogger(__name__)

register({
    "Soundbox: terhubung": "Soundbox: connected",
    "Soundbox: belum terpasang": "Soundbox: not plugged in",
    "Soundbox: terputus": "Soundbox: disconnected",
    "Soundbox: terputus — speaker PC yang bicara": "Soundbox: disconnected — the PC speaker speaks",
    "Speaker: tidak ada kartu suara": "Speaker: no sound card",
    "Printer: siap": "Printer: ready",
    "Printer: mencetak…": "Printer: printing…",
    "Printer: {reason} — klik untuk coba lagi": "Printer: {reason} — click to retry",
    "Printer: {reason} — {n} struk menunggu, klik untuk coba lagi":
        "Printer: {reason} — {n} receipts waiting, click to retry",
    "kertas habis": "out of paper",
    "tidak tersambung": "not connected",
    "pengaturan salah": "wrong settings",
    "struk gagal dicetak": "a receipt could not be printed",
    "Tes soundbox berhasil: {label}": "Soundbox test done: {label}",
    "Soundbox tidak menjawab: {error}": "The soundbox did not answer: {error}",
    "Struk tes tercetak": "The test receipt printed",
    "Printer: {reason}": "Printer: {reason}",
    "Soundbox mati (port: off)": "The soundbox is off (port: off)",
    "Soundbox tidak ditemukan": "No soundbox found",
    "Printer mati (Pengaturan → Perangkat)": "The printer is off (Settings → Devices)",
})

_FAULT_TEXT = {
    PrinterFault.OFFLINE: "tidak tersambung",
    PrinterFault.PAPER_OUT: "kertas habis",
    PrinterFault.CONFIG: "pengaturan salah",
    PrinterFault.RECEIPT: "struk gagal dicetak",
}

#: auto gives each candidate port 1 s to answer hello
CONNECT_WAIT_S = 4.0

#: the settings the devices are built from: a change to any of them builds them afresh
DEVICE_KEYS_PREFIX = "hardware."


class DeviceHub(QObject):
    soundbox_changed = Signal(object, object)  # SoundboxState, detail (English) or None
    speaker_changed = Signal(object, object)  # SpeakerState, detail
    printer_changed = Signal(object, object)  # PrinterState, detail
    said = Signal(object)  # SaidEvent
    test_done = Signal(str, bool, str)  # device, ok, text for the owner

    def __init__(self, db: Database, settings: Settings, *,
                 service: PaymentService | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.settings = settings
        self.service = service
        self.devices: Devices | None = None
        self.announcer: Announcer | None = None
        self._generation = 0
        # Reads an order for its receipt; runs Settings' device tests (both wait on things).
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="devices")

    # -- life ------------------------------------------------------------------------------
    def start(self) -> DeviceHub:
        # One announcer for the till's whole life: new settings give it new devices, so that
        # two announcers can never read (and say) the same owed payment.
        self.announcer = Announcer(self.db, soundbox=None, speaker=None,
                                   on_said=self.said.emit).start()
        if self.service is not None:
            self.service.engine.add_listener(self.announcer.on_sync_event)
        self.devices = self._build()
        return self

    def _build(self) -> Devices:
        self._generation += 1
        gen = self._generation

        def current(signal: SignalInstance) -> Callable[[object, str | None], None]:
            # A replaced device still closing must not paint over the new one's state.
            return lambda state, detail: gen == self._generation and signal.emit(state, detail)

        devices = Devices(DeviceSettings.of(self.settings), self.announcer, DeviceCallbacks(
            soundbox=current(self.soundbox_changed), speaker=current(self.speaker_changed),
            printer=current(self.printer_changed)))
        devices.start()
        # The state as it is now (the workers report changes only).
        self.soundbox_changed.emit(devices.soundbox.state, None)
        self.speaker_changed.emit(devices.speaker.state, None)
        self.printer_changed.emit(devices.printer.state, None)
        return devices

    def _retire(self, devices: Devices) -> None:
        """Close replaced devices on a thread of their own (closing joins their workers),
        handing the receipts their printer still owed to the new printer."""

        def close_and_hand_over() -> None:
            left = devices.close()
            documents = devices.printer.left_documents  # what close() left besides receipts
            current = self.devices
            for receipt in left:
                if current is not None:
                    current.printer.print_receipt(receipt)
                else:
                    log.error("receipt %s not printed: the till closed", receipt.order_id)
            for doc in documents:
                if current is not None:
                    current.printer.print_text(doc)
                else:
                    log.error("document %s not printed: the till closed", doc.doc_id)

        threading.Thread(target=close_and_hand_over, name="devices-retire", daemon=True).start()

    def close(self) -> None:
        """When the till closes, after the window and the engine: queued receipts reach the
        printer first (it gets a few seconds to print them; what it can't is logged)."""
        self._reader.shutdown(wait=True)
        devices, self.devices = self.devices, None
        if devices is not None:
            devices.close()
        if self.announcer is not None:
            if self.service is not None:
                self.service.engine.remove_listener(self.announcer.on_sync_event)
            self.announcer.close()

    @property
    def printing(self) -> bool:
        """A printer is set up (it may be waiting for paper or a cable, but it takes jobs)."""
        return self.devices is not None and self.devices.printer.state is not PrinterState.OFF

    # -- the till's events -----------------------------------------------------------------
    def follow(self, events: AppEvents) -> None:
        events.qr_shown.connect(self._qr_shown)
        events.qr_cleared.connect(self._qr_cleared)
        events.sale_completed.connect(self._sale_completed)
        events.receipt_wanted.connect(self._receipt_wanted)
        events.settings_changed.connect(self._settings_changed)

    def _qr_shown(self, shown: QrShown) -> None:
        if self.devices is not None and shown.payload and shown.is_qris:
            self.devices.soundbox.show_qr(shown.payload, shown.amount, shown.expires_at)

    def _qr_cleared(self, _cleared: QrCleared) -> None:
        if self.devices is not None:
            self.devices.soundbox.clear()

    def _sale_completed(self, sale: SaleCompleted) -> None:
        devices = self.devices
        if devices is None:
            return
        devices.soundbox.clear()
        if devices.config.auto_print:
            self.print_receipt(sale.order_id, reprint=False)
        if devices.config.cash_drawer and sale.method.value == "cash":
            devices.printer.kick_drawer()

    def _receipt_wanted(self, wanted: ReceiptWanted) -> None:
        self.print_receipt(wanted.order_id, reprint=wanted.reprint)

    def print_receipt(self, order_id: str, *, reprint: bool) -> None:
        """Queue the receipt of ``order_id``: the order is read on the hub's reader thread
        (never the GUI thread), and the printer keeps the job until it is printed."""
        if self.devices is None or self.devices.printer.state is PrinterState.OFF:
            return
        store = (str(self.settings.get("store.name")), str(self.settings.get("store.address")),
                 str(self.settings.get("store.receipt_footer")), self.settings.timezone())

        def read_and_queue() -> None:
            from hardware.receipt_escpos import receipt_data
            from pos_app.storage.orders import latest_payment, load_order

            order = load_order(self.db, order_id)
            if order is None:
                log.error("receipt for %s: no such order", order_id)
                return
            data = receipt_data(order, latest_payment(self.db, order_id), *store,
                                reprint=reprint)
            devices = self.devices
            if devices is not None:
                devices.printer.print_receipt(data)

        future = self._reader.submit(read_and_queue)
        future.add_done_callback(_log_failure)

    def print_text(self, doc_id: str, text: str) -> None:
        """Queue a plain-text document (the Z report: ``doc_id`` ``Z-<shift id>``), one printed
        line per line of ``text``, laid out by its maker for the paper (ASCII, 32 columns fit
        both widths). Nothing happens when printing is off. Queued through the hub's thread,
        so it prints after the receipts asked for before it, and the GUI thread never waits."""
        if self.devices is None or self.devices.printer.state is PrinterState.OFF:
            return
        doc = TextDocument.from_text(doc_id, text)

        def queue() -> None:
            devices = self.devices
            if devices is not None:
                devices.printer.print_text(doc)

        self._reader.submit(queue).add_done_callback(_log_failure)

    def _settings_changed(self, changed: object) -> None:
        keys = getattr(changed, "keys", frozenset())
        if not any(k.startswith(DEVICE_KEYS_PREFIX) for k in keys):
            return
        old = self.devices
        self.devices = self._build()
        if old is not None:
            self._retire(old)

    # -- Settings' "Tes" buttons -----------------------------------------------------------
    def test(self, device: str, values: Mapping[str, Any] | None = None) -> None:
        """Say a test sentence on the soundbox, or print a test receipt, with the values the
        owner typed on the devices page (``values``; unsaved yet) over the saved ones. The
        result comes back as ``test_done``; the work runs on the hub's thread."""
        typed = _Overlay(self.settings, values or {})
        job = self._test_printer if device == "printer" else self._test_soundbox
        self._reader.submit(job, device, typed).add_done_callback(_log_failure)

    def _test_soundbox(self, device: str, typed: _Overlay) -> None:
        import time

        config = DeviceSettings.of(typed).soundbox
        lang = str(typed.get("hardware.announce_language"))
        if config.port == "off":
            self.test_done.emit(device, False, tr("Soundbox mati (port: off)"))
            return
        current = self.devices.soundbox if self.devices is not None else None
        same = current is not None and current.connected and (
            current.config.port == config.port
            or (current.info is not None and current.info.port == config.port))
        link = current if same and current is not None else SoundboxLink(config).start()
        try:
            if not link.wait_connected(CONNECT_WAIT_S):
                self.test_done.emit(device, False, tr("Soundbox tidak ditemukan"))
                return
            try:
                link.announce(f"test-{time.time_ns():x}", 10000, lang).result(timeout=6)
            except (SoundboxError, FutureTimeout) as exc:
                self.test_done.emit(device, False, tr("Soundbox tidak menjawab: {error}",
                                                      error=str(exc) or type(exc).__name__))
                return
            info = link.info
            self.test_done.emit(device, True, tr("Tes soundbox berhasil: {label}",
                                                 label=info.label if info else "soundbox"))
        finally:
            if link is not current:
                link.close()

    def _test_printer(self, device: str, typed: _Overlay) -> None:
        """A printer of its own for the test (the till's opens its device per job too), so
        that the result is what happened on paper, not just "queued"."""
        import threading

        config = DeviceSettings.of(typed).printer
        printed = threading.Event()
        failed: list[str] = []

        def state(st: PrinterState, reason: str | None) -> None:
            if st is PrinterState.ERROR:
                failed.append(reason or "?")
                printed.set()

        printer = build_printer(config, on_state=state, on_printed=lambda _id: printed.set())
        if printer.state is PrinterState.OFF:
            self.test_done.emit(device, False, tr("Printer mati (Pengaturan → Perangkat)"))
            printer.close()
            return
        printer.print_receipt(test_receipt(str(typed.get("store.name")),
                                           str(typed.get("store.address"))))
        printed.wait(10)
        printer.close(timeout_s=0.5)
        if failed or not printed.is_set():
            reason = _FAULT_TEXT.get(printer.status.fault, "tidak tersambung")
            self.test_done.emit(device, False, tr("Printer: {reason}", reason=tr(reason)))
        else:
            self.test_done.emit(device, True, tr("Struk tes tercetak"))


class _Overlay:
    """Settings as typed on the page, over the saved ones (``get`` like ``Settings.get``)."""

    def __init__(self, settings: Settings, values: Mapping[str, Any]) -> None:
        self._settings = settings
        self._values = dict(values)

    def get(self, key: str) -> Any:
        return self._values[key] if key in self._values else self._settings.get(key)


def _log_failure(future: Future[None]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("device work failed", exc_info=exc)


def test_receipt(store_name: str, address: str) -> ReceiptData:
    """What "Tes printer" prints: a receipt that says it is a test."""
    from datetime import datetime

    return ReceiptData(store_name=store_name, address=address, order_id="TES-PRINTER",
                       when=f"{datetime.now():%d/%m/%Y %H:%M}",
                       lines=(ReceiptLine("Tes printer", 1, 1000, 1000),), subtotal=1000,
                       order_discount=0, tax_mode="off", tax_rate_bp=0, tax=0, total=1000,
                       footer="Printer siap dipakai")


class DeviceStatus(QWidget):
    """The status bar's device corner: the soundbox (or the speaker standing in) and the
    printer. Hidden parts: a device switched off. A printer error is a button: retry now."""

    def __init__(self, hub: DeviceHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.setObjectName("deviceStatus")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 6, 0)
        self.soundbox_label = QLabel(objectName="soundboxStatus")
        self.speaker_label = QLabel(objectName="speakerStatus")
        self.printer_button = QPushButton(objectName="printerStatus")
        self.printer_button.setFlat(True)
        no_focus(self.printer_button)
        self.printer_button.clicked.connect(self._retry_printer)
        for w in (self.soundbox_label, self.speaker_label, self.printer_button):
            w.hide()
            row.addWidget(w)
        self._soundbox: SoundboxState = SoundboxState.OFF
        self._speaker: SpeakerState = SpeakerState.READY
        hub.soundbox_changed.connect(self.show_soundbox)
        hub.speaker_changed.connect(self.show_speaker)
        hub.printer_changed.connect(self.show_printer)
        devices = hub.devices
        if devices is not None:  # started before this widget: what they are now
            self.show_soundbox(devices.soundbox.state)
            self.show_speaker(devices.speaker.state)
            self.show_printer(devices.printer.state)

    def show_soundbox(self, state: SoundboxState, _detail: str | None = None) -> None:
        self._soundbox = state
        # The speaker stands in only if it can: not when it is off or has no sound card.
        speaker_on = (bool(self.hub.devices and self.hub.devices.config.speaker)
                      and self._speaker is not SpeakerState.NO_SOUND_CARD)
        text = {
            SoundboxState.CONNECTED: tr("Soundbox: terhubung"),
            # auto: it keeps looking, quietly; "searching…" forever read as stuck
            SoundboxState.SEARCHING: tr("Soundbox: belum terpasang"),
            SoundboxState.DISCONNECTED: tr("Soundbox: terputus — speaker PC yang bicara")
            if speaker_on else tr("Soundbox: terputus"),
        }.get(state)
        self.soundbox_label.setVisible(text is not None)
        if text is not None:
            self.soundbox_label.setText(text)
            # Searching is not a fault: a till without a soundbox (yet) says so quietly.
            set_state(self.soundbox_label, state={SoundboxState.CONNECTED: "ok",
                                                  SoundboxState.SEARCHING: "idle"}.get(
                                                      state, "warn"))

    def show_speaker(self, state: SpeakerState, _detail: str | None = None) -> None:
        self._speaker = state
        self.show_soundbox(self._soundbox)
        missing = state is SpeakerState.NO_SOUND_CARD
        self.speaker_label.setVisible(missing)
        if missing:
            self.speaker_label.setText(tr("Speaker: tidak ada kartu suara"))
            set_state(self.speaker_label, state="warn")

    def show_printer(self, state: PrinterState, detail: str | None = None) -> None:
        b = self.printer_button
        b.setVisible(state is not PrinterState.OFF)
        if state is PrinterState.READY:
            b.setText(tr("Printer: siap"))
        elif state is PrinterState.PRINTING:
            b.setText(tr("Printer: mencetak…"))
        elif state is PrinterState.ERROR:
            printer = self.hub.devices.printer if self.hub.devices else None
            status = printer.status if printer is not None else None
            waiting = status.pending if status is not None else 0
            reason = tr(_FAULT_TEXT.get(status.fault if status else None, "tidak tersambung"))
            b.setText(tr("Printer: {reason} — {n} struk menunggu, klik untuk coba lagi",
                         reason=reason, n=waiting) if waiting > 1
                      else tr("Printer: {reason} — klik untuk coba lagi", reason=reason))
        set_state(b, state="warn" if state is PrinterState.ERROR else "ok")

    def _retry_printer(self) -> None:
        if self.hub.devices is not None:
            self.hub.devices.printer.retry_now()

