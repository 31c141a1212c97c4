"""The *Perangkat* page: the soundbox that announces payments, the PC speaker, and the receipt
printer with its cash drawer.

* The soundbox port is an editable combo: "Otomatis" (``auto``), "Mati" (``off``), the serial
  ports present now (``/dev/ttyACM0 — USB Serial``) or any path typed in (``/dev/pts/3`` of the
  soundbox emulator, ``COM3``). The ports are listed on a worker thread each time the page is
  shown and with "Muat ulang" (``serial.tools.list_ports`` reads sysfs, or the registry on
  Windows: file work, so not on the GUI thread, and never at import). A stored port that isn't
  present stays selected.
* The printer's address is checked against its connection by the Qt-free rule
  :func:`pos_app.settings_rules.printer_problem` (usb ``VID:PID``, serial a port with an
  optional ``@speed``, network ``host[:port]``); its placeholder and hint follow the
  connection, and it is disabled (kept, not cleared) while the printer is off.
* "Tes soundbox" / "Tes printer" only check the page's fields of that device and emit
  :attr:`DevicesPage.testSoundbox` / :attr:`DevicesPage.testPrinter`; the dialog re-emits them
  as ``deviceTestRequested`` for the main window, which owns the devices, tests them with
  :meth:`DevicesPage.device_values` (the form as typed, not yet saved) and answers with
  :meth:`DevicesPage.show_test_result`.
"""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pos_app.settings import KEYS
from pos_app.settings_rules import PRINTER_TEXTS, printer_problem, value_error
from pos_app.ui.i18n import register, tr
from pos_app.ui.settings.display import LANGUAGES
from pos_app.ui.settings.form import (
    COMBO_WIDTH,
    ERROR_STYLE,
    HINT_STYLE,
    INVALID,
    MIN_HEIGHT,
    OK_STYLE,
    Editor,
    Form,
    Page,
    configure_form,
    hint_label,
)
from pos_app.ui.tasks import TaskManagerClosed

__all__ = ["DEVICE_KEYS", "DevicesPage", "port_label", "serial_ports"]

log = logging.getLogger(__name__)

register({t.id: t.en for t in PRINTER_TEXTS})
register({
    "Perangkat": "Devices",
    "Soundbox": "Soundbox",
    "Port soundbox": "Soundbox port",
    "Otomatis (cari soundbox)": "Automatic (find the soundbox)",
    "Mati (tanpa soundbox)": "Off (no soundbox)",
    "Muat ulang": "Reload",
    "Otomatis mencari soundbox di port USB dengan ID di bawah. Bisa juga diketik, mis. "
    "COM3 atau /dev/ttyACM0.":
        "Automatic looks for the soundbox on the USB ports with the ids below. You can also "
        "type one, e.g. COM3 or /dev/ttyACM0.",
    "{count} port serial terpasang.": "{count} serial ports attached.",
    "Tidak ada port serial terpasang.": "No serial port attached.",
    "Daftar port tidak bisa dibaca.": "The list of ports could not be read.",
    "ID USB soundbox": "Soundbox USB ids",
    "VID:PID dipisah koma. Otomatis hanya mencoba perangkat ini.":
        "VID:PID, comma-separated. Automatic only tries these devices.",
    "Volume soundbox": "Soundbox volume",
    "Bahasa pengumuman": "Announcement language",
    "Speaker PC": "PC speaker",
    "Ucapkan pembayaran di speaker PC bila tidak ada soundbox":
        "Say the payment on the PC speaker when there is no soundbox",
    "Printer struk": "Receipt printer",
    "Sambungan": "Connection",
    "Tidak ada (mati)": "None (off)",
    "USB": "USB",
    "Serial (COM)": "Serial (COM)",
    "Jaringan (LAN/Wi-Fi)": "Network (LAN/Wi-Fi)",
    "Alamat printer": "Printer address",
    "/dev/ttyUSB0 atau COM3 (@9600)": "/dev/ttyUSB0 or COM3 (@9600)",
    "Pilih sambungan printer dulu.": "Choose the printer's connection first.",
    "VID:PID printer, seperti terlihat di lsusb atau Device Manager.":
        "The printer's VID:PID, as lsusb or Device Manager shows it.",
    "Port printer; kecepatan boleh ditambahkan, mis. COM3@19200.":
        "The printer's port; a speed may be added, e.g. COM3@19200.",
    "IP atau nama printer; tanpa :port dipakai 9100.":
        "The printer's IP or name; without :port, 9100 is used.",
    "Lebar kertas": "Paper width",
    "{mm} mm": "{mm} mm",
    "Laci uang": "Cash drawer",
    "Buka laci (lewat printer) setelah penjualan tunai":
        "Open the drawer (through the printer) after a cash sale",
    "Cetak otomatis": "Print automatically",
    "Cetak struk saat penjualan selesai (mati: hanya lewat Cetak ulang)":
        "Print the receipt when a sale is completed (off: only with Reprint)",
    "Tes soundbox": "Test soundbox",
    "Tes printer": "Test printer",
    "Menguji\u2026": "Testing\u2026",
    "Periksa isian yang ditandai merah.": "Check the fields marked in red.",
})

SOUNDBOX = "soundbox"
PRINTER = "printer"
PORT_KEY = "hardware.soundbox.port"
USB_IDS_KEY = "hardware.soundbox.usb_ids"
VOLUME_KEY = "hardware.soundbox.volume"
LANGUAGE_KEY = "hardware.announce_language"
SPEAKER_KEY = "hardware.speaker"
CONNECTION_KEY = "hardware.printer.connection"
ADDRESS_KEY = "hardware.printer.address"
WIDTH_KEY = "hardware.printer.width_mm"
DRAWER_KEY = "hardware.printer.cash_drawer"
AUTO_PRINT_KEY = "hardware.printer.auto_print"

DEVICE_KEYS: dict[str, tuple[str, ...]] = {
    SOUNDBOX: (PORT_KEY, USB_IDS_KEY, VOLUME_KEY, LANGUAGE_KEY, SPEAKER_KEY),
    PRINTER: (CONNECTION_KEY, ADDRESS_KEY, WIDTH_KEY, DRAWER_KEY, AUTO_PRINT_KEY),
}
"""The keys a device test needs, by device (what :meth:`DevicesPage.device_values` returns)."""

# Untranslated source texts, translated with tr() when the widgets are built.
PORT_CHOICES: dict[str, str] = {
    "auto": "Otomatis (cari soundbox)",
    "off": "Mati (tanpa soundbox)",
}
CONNECTIONS: dict[str, str] = {
    "off": "Tidak ada (mati)",
    "usb": "USB",
    "serial": "Serial (COM)",
    "network": "Jaringan (LAN/Wi-Fi)",
}
ADDRESS_HINTS: dict[str, str] = {
    "off": "Pilih sambungan printer dulu.",
    "usb": "VID:PID printer, seperti terlihat di lsusb atau Device Manager.",
    "serial": "Port printer; kecepatan boleh ditambahkan, mis. COM3@19200.",
    "network": "IP atau nama printer; tanpa :port dipakai 9100.",
}
PORT_HINT = ("Otomatis mencari soundbox di port USB dengan ID di bawah. Bisa juga diketik, mis. "
             "COM3 atau /dev/ttyACM0.")


def serial_ports() -> list[tuple[str, str]]:
    """(device, description) of the serial ports present now, sorted by device. Reads sysfs
    (or the Windows registry): call it on a worker thread."""
    from serial.tools import list_ports  # only when listing, not when the dialog is built

    ports: list[tuple[str, str]] = []
    for port in list_ports.comports():
        description = str(port.description or "")
        # pyserial says "n/a" for a port without one (a built-in /dev/ttyS0).
        ports.append((str(port.device), "" if description in ("n/a", port.device)
                      else description))
    return sorted(ports)


def port_label(device: str, description: str) -> str:
    """How a present port is offered: "/dev/ttyACM0 — USB Serial" (the path alone without a
    description)."""
    return f"{device} \u2014 {description}" if description else device


def _address_placeholder(connection: str) -> str:
    if connection == "serial":
        return tr("/dev/ttyUSB0 atau COM3 (@9600)")
    return {"usb": "0416:5011", "network": "192.168.1.50:9100"}.get(connection, "")


class DevicesPage(Page, QObject):
    """The *Perangkat* tab. A QObject as well, for its two signals; Page comes first in the
    bases because QObject's ``__init__`` would otherwise call ``Page.__init__`` without the
    form (PySide's cooperative multiple inheritance)."""

    title = "Perangkat"

    testSoundbox = Signal()
    """"Tes soundbox" was pressed and the soundbox's fields parse."""
    testPrinter = Signal()
    """"Tes printer" was pressed and the printer's fields (and address rule) pass."""

    def __init__(self, form: Form) -> None:
        QObject.__init__(self)
        Page.__init__(self, form)
        self._ports_seq = 0  # bumped by every listing: an older answer is dropped
        self._port_extra: tuple[str, str] | None = None  # (label, data) of a stored value
        self.test_buttons: dict[str, QPushButton] = {}
        self.test_status: dict[str, QLabel] = {}
        self.boxes: dict[str, QGroupBox] = {}

    # ------------------------------------------------------------------ building

    def build(self, layout: QFormLayout) -> None:
        sound = self._group(layout, SOUNDBOX, tr("Soundbox"))
        self.refresh_button = QPushButton(tr("Muat ulang"))
        self.refresh_button.setObjectName("devices.refreshPorts")
        self.refresh_button.setMinimumHeight(MIN_HEIGHT)
        self.refresh_button.setAutoDefault(False)  # Enter in a field means Simpan
        self.refresh_button.clicked.connect(self.refresh_ports)
        self.port_hint = hint_label(tr(PORT_HINT))
        port = self._port_editor()
        self._add(sound, SOUNDBOX, PORT_KEY, tr("Port soundbox"), port,
                  inline=self.refresh_button, extra=self.port_hint)
        port.changed.connect(self._update_rows)
        self._add(sound, SOUNDBOX, USB_IDS_KEY, tr("ID USB soundbox"),
                  self.form.line(max_width=COMBO_WIDTH),
                  hint=tr("VID:PID dipisah koma. Otomatis hanya mencoba perangkat ini."))
        self._add(sound, SOUNDBOX, VOLUME_KEY, tr("Volume soundbox"), _volume_editor())
        self._add(sound, SOUNDBOX, LANGUAGE_KEY, tr("Bahasa pengumuman"),
                  self.form.combo(LANGUAGES.items()))
        self._add(sound, SOUNDBOX, SPEAKER_KEY, tr("Speaker PC"), self.form.switch(
            tr("Ucapkan pembayaran di speaker PC bila tidak ada soundbox")))
        self._add_test_row(sound, SOUNDBOX, tr("Tes soundbox"), self.testSoundbox)

        printer = self._group(layout, PRINTER, tr("Printer struk"))
        connection = self.form.combo((v, tr(label)) for v, label in CONNECTIONS.items())
        self._add(printer, PRINTER, CONNECTION_KEY, tr("Sambungan"), connection)
        connection.changed.connect(self._update_rows)
        self.address_hint = hint_label("")
        self._add(printer, PRINTER, ADDRESS_KEY, tr("Alamat printer"),
                  self.form.line(max_width=COMBO_WIDTH), extra=self.address_hint)
        self._add(printer, PRINTER, WIDTH_KEY, tr("Lebar kertas"), self.form.combo(
            (v, tr("{mm} mm", mm=v)) for v in KEYS[WIDTH_KEY].choices or ()))
        self._add(printer, PRINTER, DRAWER_KEY, tr("Laci uang"), self.form.switch(
            tr("Buka laci (lewat printer) setelah penjualan tunai")))
        self._add(printer, PRINTER, AUTO_PRINT_KEY, tr("Cetak otomatis"), self.form.switch(
            tr("Cetak struk saat penjualan selesai (mati: hanya lewat Cetak ulang)")))
        self._add_test_row(printer, PRINTER, tr("Tes printer"), self.testPrinter)

        self._align_labels()
        # Listed again each time the page comes into view: a soundbox may have been plugged in
        # since (see eventFilter).
        self.boxes[SOUNDBOX].installEventFilter(self)

    def _group(self, page_layout: QFormLayout, device: str, title: str) -> QFormLayout:
        box = QGroupBox(title)
        box.setObjectName(f"devices.{device}")
        layout = QFormLayout(box)
        configure_form(layout)
        # Ten rows, two boxes and two test rows: tighter than the other pages, so less of the
        # page is below the fold of the dialog on a 1366x768 screen (the rest scrolls).
        layout.setVerticalSpacing(8)
        layout.setContentsMargins(12, 8, 12, 8)
        page_layout.addRow(box)
        self.boxes[device] = box
        return layout

    def _align_labels(self) -> None:
        """One label width for both boxes, so their fields line up in one column."""
        labels: list[QWidget] = []
        for box in self.boxes.values():
            layout = box.layout()
            assert isinstance(layout, QFormLayout)
            for row in range(layout.rowCount()):
                item = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
                if item is not None and item.widget() is not None:
                    labels.append(item.widget())
        width = max((label.sizeHint().width() for label in labels), default=0)
        for label in labels:
            label.setMinimumWidth(width)

    def _add(self, layout: QFormLayout, device: str, key: str, label: str, editor: Editor,
             **kwargs: Any) -> None:
        self.add(layout, key, label, editor, group=self.boxes[device].title(), **kwargs)
        # An edit makes the last test result stale (it described the old values).
        editor.changed.connect(lambda *_: self._clear_status(device))

    def _add_test_row(self, layout: QFormLayout, device: str, text: str,
                      signal: SignalInstance) -> None:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        row = QHBoxLayout()
        button = QPushButton(text)
        button.setObjectName(f"deviceTest.{device}")
        button.setMinimumHeight(MIN_HEIGHT)
        button.setMinimumWidth(140)
        button.setAutoDefault(False)
        button.clicked.connect(lambda: self._request_test(device, signal))
        row.addWidget(button)
        row.addStretch(1)
        column.addLayout(row)
        status = QLabel()
        status.setObjectName(f"deviceTestStatus.{device}")
        status.setWordWrap(True)
        status.setTextFormat(Qt.TextFormat.PlainText)  # the window's text may quote a device
        status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status.hide()
        column.addWidget(status)
        layout.addRow(QLabel(), box)
        self.test_buttons[device], self.test_status[device] = button, status

    def _port_editor(self) -> Editor:
        port = QComboBox()
        port.setMaximumWidth(COMBO_WIDTH)
        port.setEditable(True)
        # Typing a path must not add it to the list; the text is read as typed.
        port.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.port_combo = port
        self._fill_ports([])

        def read() -> str:
            text = port.currentText().strip()
            found = port.findText(text)  # "/dev/ttyACM0 — USB Serial" -> "/dev/ttyACM0"
            return str(port.itemData(found)) if found >= 0 else text

        def write(value: Any, text: str) -> None:
            self._port_extra = None
            if port.findData(text) < 0 and text:
                # A port not attached now, or a bad hand edit: shown, and kept by a refresh.
                shown = tr("{value} (tidak valid)", value=text) if value is INVALID else text
                self._port_extra = (shown, text)
                port.addItem(shown, text)
            port.setCurrentIndex(port.findData(text))

        return Editor(port, read, write, port.editTextChanged)

    # ------------------------------------------------------------------ loading, ports

    def load(self) -> None:
        super().load()
        usb_ids = self.fields[USB_IDS_KEY].editor
        if isinstance(usb_ids, QLineEdit):
            usb_ids.setCursorPosition(0)  # show the first ids, not the end of the list
        for device in self.test_status:
            self._clear_status(device)
        self._update_rows()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and watched is self.boxes.get(SOUNDBOX):
            self.refresh_ports()
        return False

    def refresh_ports(self) -> None:
        """List the serial ports again (on a worker thread); the choice stays as it is."""
        services = self.form.services
        self._ports_seq += 1
        seq = self._ports_seq

        def current() -> bool:
            return (services.alive() and shiboken6.isValid(self.port_combo)
                    and seq == self._ports_seq)

        def done(ports: list[tuple[str, str]]) -> None:
            if current():
                self._fill_ports(ports)
                self.port_hint.setText(tr(PORT_HINT) + " " + (
                    tr("{count} port serial terpasang.", count=len(ports)) if ports
                    else tr("Tidak ada port serial terpasang.")))
                self._ports_listed()

        def failed(exc: BaseException) -> None:
            if current():
                log.warning("listing serial ports failed: %s", exc)
                self.port_hint.setText(tr(PORT_HINT) + " " + tr("Daftar port tidak bisa dibaca."))
                self._ports_listed()

        try:
            services.tasks().read(serial_ports, done, failed)
        except TaskManagerClosed:
            return  # the window is closing: nobody would see the list
        self.refresh_button.setEnabled(False)

    def _ports_listed(self) -> None:
        self.refresh_button.setEnabled(True)
        self.form.relayout(self.port_combo)

    def _fill_ports(self, ports: list[tuple[str, str]]) -> None:
        """Offer auto, off and ``ports``; what the field reads stays the same."""
        port = self.port_combo
        f = self.fields.get(PORT_KEY)
        value = f.read() if f is not None else ""
        typed = port.currentIndex() < 0 or port.currentText() != port.itemText(
            port.currentIndex())
        # Not an edit: no "changed" (which would clear the field's error).
        port.blockSignals(True)
        try:
            port.clear()
            for choice, label in PORT_CHOICES.items():
                port.addItem(tr(label), choice)
            for device, description in ports:
                port.addItem(port_label(device, description), device)
            if self._port_extra is not None and port.findData(self._port_extra[1]) < 0:
                port.addItem(*self._port_extra)
            index = -1 if typed and f is not None else port.findData(value)
            port.setCurrentIndex(index)
            if index < 0:
                port.setEditText(value)
        finally:
            port.blockSignals(False)

    # ------------------------------------------------------------------ live updates

    def _update_rows(self) -> None:
        """Disable what the chosen port / connection doesn't use (kept, not cleared)."""
        port = self.fields[PORT_KEY].read().lower()
        self.fields[USB_IDS_KEY].editor.setEnabled(port == "auto")  # only auto probes ids
        self.fields[VOLUME_KEY].editor.setEnabled(port != "off")
        connection = self.fields[CONNECTION_KEY].read()
        on = connection in CONNECTIONS and connection != "off"
        for key in (ADDRESS_KEY, WIDTH_KEY, DRAWER_KEY, AUTO_PRINT_KEY):
            self.fields[key].editor.setEnabled(on)
        self.test_buttons[PRINTER].setEnabled(on)
        address = self.fields[ADDRESS_KEY].editor
        assert isinstance(address, QLineEdit)
        address.setPlaceholderText(_address_placeholder(connection))
        self.address_hint.setText(tr(ADDRESS_HINTS.get(connection, ADDRESS_HINTS["off"])))
        self.form.relayout(address)

    # ------------------------------------------------------------------ rules

    def validate(self, errors: dict[str, str]) -> dict[str, str]:
        changes = super().validate(errors)
        self._check_printer(errors)
        return changes

    def _check_printer(self, errors: dict[str, str]) -> None:
        if CONNECTION_KEY in errors or ADDRESS_KEY in errors:
            return  # the field's own message says more
        problem = printer_problem(self.form.values())
        if problem is not None:
            errors[ADDRESS_KEY] = tr(problem.id)

    # ------------------------------------------------------------------ device tests

    def device_values(self, device: str) -> dict[str, Any]:
        """``device``'s keys (:data:`DEVICE_KEYS`) with the typed values of the *form* (what
        ``Settings.get`` would return once saved). Raises ``SettingsError`` for a field that
        doesn't parse (never after a test signal: those are checked before)."""
        return {key: KEYS[key].value_of(self.fields[key].read()) for key in DEVICE_KEYS[device]}

    def show_test_result(self, device: str, ok: bool, text: str) -> None:
        """Show the result of ``device``'s test under its "Tes" button."""
        status = self.test_status[device]  # KeyError for a device this page doesn't have
        if not shiboken6.isValid(status):
            return  # the dialog is gone; the answer came too late
        status.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        status.setText(text)
        status.show()
        self.form.relayout(status)

    def _request_test(self, device: str, signal: SignalInstance) -> None:
        errors: dict[str, str] = {}
        for key in DEVICE_KEYS[device]:
            self.form.clear_error(key)
            detail = value_error(key, self.fields[key].read())
            if detail is not None:
                errors[key] = self.invalid_message(key, detail)
        if device == PRINTER:
            self._check_printer(errors)
        for key, message in errors.items():
            self.form.show_error(key, message)
        if errors:
            self.show_test_result(device, False, tr("Periksa isian yang ditandai merah."))
            return
        status = self.test_status[device]
        status.setStyleSheet(HINT_STYLE)
        status.setText(tr("Menguji\u2026"))
        status.show()
        self.form.relayout(status)
        signal.emit()

    def _clear_status(self, device: str) -> None:
        status = self.test_status.get(device)
        if status is not None and not status.isHidden():
            status.clear()
            status.hide()
            self.form.relayout(status)


def _volume_editor() -> Editor:
    key = KEYS[VOLUME_KEY]
    volume = QSpinBox()
    low, high = key.bounds or (0, 100)
    volume.setRange(low, high)
    volume.setSingleStep(10)
    volume.setMaximumWidth(160)

    def write(value: Any, _text: str) -> None:
        # A bad hand edit shows the default; unchanged, it is not written (see Page.validate).
        volume.setValue(value if isinstance(value, int) else int(key.default))

    return Editor(volume, lambda: str(volume.value()), write, volume.valueChanged)
