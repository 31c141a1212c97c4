"""The *Perangkat* page of the Settings dialog (soundbox, PC speaker, receipt printer), the
receipt footer on *Toko*, and "Cetak ulang" in today's orders.

Every settings test drives the real dialog (pytest-qt, offscreen) against a real data dir and
checks what was written by re-loading ``config.toml`` with a fresh :class:`Settings`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QWidget,
)
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from pos_app.paths import config_path
from pos_app.settings import KEYS, Settings
from pos_app.settings_rules import PRINTER_TEXTS
from pos_app.ui import i18n
from pos_app.ui.settings import SettingsDialog, devices
from pos_app.ui.small_dialogs import HistoryDialog
from tests.test_ui_settings_dialog import choose, indonesian, type_into  # noqa: F401 (fixture)
from tests.waiting import WAIT_MS, qt_wait_for

DEVICE_TAB = "Perangkat"
W = TypeVar("W", bound=QWidget)


@pytest.fixture
def pty_path() -> Iterator[str]:
    """A real serial-like device (a pseudo-terminal), as the soundbox emulator uses."""
    main, sub = os.openpty()
    try:
        yield os.ttyname(sub)
    finally:
        os.close(main)
        os.close(sub)


class FakePorts:
    """What ``comports()`` reports (pyserial never lists a pty), and the threads it ran on."""

    def __init__(self) -> None:
        self.ports: list[ListPortInfo] = []
        self.threads: list[threading.Thread] = []

    def comports(self, include_links: bool = False) -> list[ListPortInfo]:
        self.threads.append(threading.current_thread())
        return list(self.ports)

    def add(self, device: str, description: str) -> None:
        info = ListPortInfo(device, skip_link_detection=True)
        info.description = description
        self.ports.append(info)


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> FakePorts:
    fake = FakePorts()
    monkeypatch.setattr(list_ports, "comports", fake.comports)
    return fake


def open_dialog(qtbot, data_dir: Path, *, devices_tab: bool = True) -> SettingsDialog:
    dlg = SettingsDialog(Settings.load(data_dir), screens_count=1)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg, timeout=WAIT_MS)
    if devices_tab:
        show_devices(qtbot, dlg)
    return dlg


def show_devices(qtbot, dlg: SettingsDialog) -> None:
    index = next(i for i in range(dlg.tabs.count()) if dlg.tabs.tabText(i) == DEVICE_TAB)
    dlg.tabs.setCurrentIndex(index)
    refresh = dlg.findChild(QPushButton, "devices.refreshPorts")
    assert refresh is not None
    # Showing the page lists the ports; wait for that listing to come back.
    qt_wait_for(qtbot, refresh.isEnabled, "the port list")


def editor(dlg: SettingsDialog, key: str, kind: type[W]) -> W:
    widget = dlg.editor(key)
    assert isinstance(widget, kind), (key, widget)
    return widget


def type_port(qtbot, dlg: SettingsDialog, text: str) -> None:
    port = editor(dlg, "hardware.soundbox.port", QComboBox)
    edit = port.lineEdit()
    assert edit is not None
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def click(qtbot, button: QPushButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def file_state(data_dir: Path) -> tuple[bytes, int] | None:
    path = config_path(data_dir)
    return (path.read_bytes(), path.stat().st_mtime_ns) if path.exists() else None


def port_items(dlg: SettingsDialog) -> dict[str, str]:
    port = editor(dlg, "hardware.soundbox.port", QComboBox)
    return {str(port.itemData(i)): port.itemText(i) for i in range(port.count())}


def device_button(dlg: SettingsDialog, device: str) -> QPushButton:
    button = dlg.findChild(QPushButton, f"deviceTest.{device}")
    assert button is not None
    return button


# --------------------------------------------------------------------------- loading


def test_page_shows_the_stored_values(qtbot, data_dir: Path, listed) -> None:
    s = Settings.load(data_dir)
    s.set("hardware.soundbox.port", "/dev/ttyACM7")  # not attached now
    s.set("hardware.soundbox.usb_ids", "1a86:7523")
    s.set("hardware.soundbox.volume", "35")
    s.set("hardware.announce_language", "en")
    s.set("hardware.speaker", "off")
    s.set("hardware.printer.connection", "network")
    s.set("hardware.printer.address", "192.168.1.50:9100")
    s.set("hardware.printer.width_mm", "80")
    s.set("hardware.printer.cash_drawer", "on")
    s.set("hardware.printer.auto_print", "off")
    s.set("store.receipt_footer", "Barang yang sudah dibeli tidak dapat ditukar")

    dlg = open_dialog(qtbot, data_dir)

    port = editor(dlg, "hardware.soundbox.port", QComboBox)
    assert port.currentText() == "/dev/ttyACM7" and port.currentData() == "/dev/ttyACM7"
    assert editor(dlg, "hardware.soundbox.usb_ids", QLineEdit).text() == "1a86:7523"
    assert editor(dlg, "hardware.soundbox.volume", QSpinBox).value() == 35
    assert editor(dlg, "hardware.soundbox.volume", QSpinBox).maximum() == 100
    assert editor(dlg, "hardware.announce_language", QComboBox).currentText() == "English"
    assert not editor(dlg, "hardware.speaker", QCheckBox).isChecked()
    assert editor(dlg, "hardware.printer.connection", QComboBox).currentData() == "network"
    address = editor(dlg, "hardware.printer.address", QLineEdit)
    assert address.text() == "192.168.1.50:9100" and address.isEnabled()
    assert editor(dlg, "hardware.printer.width_mm", QComboBox).currentText() == "80 mm"
    assert editor(dlg, "hardware.printer.cash_drawer", QCheckBox).isChecked()
    assert not editor(dlg, "hardware.printer.auto_print", QCheckBox).isChecked()
    footer = editor(dlg, "store.receipt_footer", QLineEdit)
    assert footer.text() == "Barang yang sudah dibeli tidak dapat ditukar"
    assert dlg.pending_changes() == {}


def test_defaults_and_the_printer_off(qtbot, data_dir: Path, listed) -> None:
    dlg = open_dialog(qtbot, data_dir)
    port = editor(dlg, "hardware.soundbox.port", QComboBox)
    assert port.currentData() == "auto" and port.currentText() == "Otomatis (cari soundbox)"
    assert editor(dlg, "hardware.soundbox.usb_ids", QLineEdit).text() == (
        KEYS["hardware.soundbox.usb_ids"].default)
    assert editor(dlg, "hardware.speaker", QCheckBox).isChecked()
    assert editor(dlg, "hardware.printer.connection", QComboBox).currentText() == (
        "Tidak ada (mati)")
    # Off: the address (and what only a printer uses) is disabled; "Tes printer" too.
    for key in ("hardware.printer.address", "hardware.printer.cash_drawer",
                "hardware.printer.auto_print"):
        assert not dlg.editor(key).isEnabled(), key
    assert not device_button(dlg, "printer").isEnabled()
    assert device_button(dlg, "soundbox").isEnabled()
    assert editor(dlg, "store.receipt_footer", QLineEdit).text() == (
        "Terima kasih atas kunjungan Anda")


def test_address_hint_follows_the_connection(qtbot, data_dir: Path, listed) -> None:
    dlg = open_dialog(qtbot, data_dir)
    connection = editor(dlg, "hardware.printer.connection", QComboBox)
    address = editor(dlg, "hardware.printer.address", QLineEdit)
    placeholders = {}
    for value in ("usb", "serial", "network"):
        choose(connection, value)
        assert address.isEnabled()
        placeholders[value] = address.placeholderText()
    assert placeholders == {"usb": "0416:5011", "serial": "/dev/ttyUSB0 atau COM3 (@9600)",
                            "network": "192.168.1.50:9100"}
    hints = " ".join(label.text() for label in dlg.findChildren(QLabel))
    assert "9100" in hints
    choose(connection, "off")
    assert not address.isEnabled()


def test_a_bad_switch_value_in_the_file_is_kept(qtbot, data_dir: Path, listed) -> None:
    config_path(data_dir).write_text('[hardware]\nspeaker = "kadang"\n', encoding="utf-8")
    dlg = open_dialog(qtbot, data_dir)
    speaker = editor(dlg, "hardware.speaker", QCheckBox)
    assert speaker.checkState() == Qt.CheckState.PartiallyChecked
    assert "kadang" in speaker.toolTip()
    type_into(qtbot, editor(dlg, "store.receipt_footer", QLineEdit), "Sampai jumpa")
    dlg.save_button.click()
    assert dlg.result() == QDialog.DialogCode.Accepted
    s = Settings.load(data_dir)
    assert s.get("store.receipt_footer") == "Sampai jumpa"
    assert s.get_raw("hardware.speaker") == "kadang"


# --------------------------------------------------------------------------- saving


def test_save_writes_the_device_settings(qtbot, data_dir: Path, listed, pty_path: str) -> None:
    dlg = open_dialog(qtbot, data_dir)
    usb_ids = editor(dlg, "hardware.soundbox.usb_ids", QLineEdit)
    type_into(qtbot, usb_ids, "1a86:7523, 303a:1001")
    type_port(qtbot, dlg, pty_path)  # the soundbox emulator's pty, typed in
    assert not usb_ids.isEnabled()  # only "auto" looks for the ids; kept all the same
    editor(dlg, "hardware.soundbox.volume", QSpinBox).setValue(60)
    choose(editor(dlg, "hardware.announce_language", QComboBox), "en")
    editor(dlg, "hardware.speaker", QCheckBox).setChecked(False)
    choose(editor(dlg, "hardware.printer.connection", QComboBox), "serial")
    type_into(qtbot, editor(dlg, "hardware.printer.address", QLineEdit), "COM3@19200")
    choose(editor(dlg, "hardware.printer.width_mm", QComboBox), "80")
    editor(dlg, "hardware.printer.cash_drawer", QCheckBox).setChecked(True)
    editor(dlg, "hardware.printer.auto_print", QCheckBox).setChecked(False)
    type_into(qtbot, editor(dlg, "store.receipt_footer", QLineEdit), "Sampai jumpa lagi")

    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        dlg.save_button.click()

    assert dlg.result() == QDialog.DialogCode.Accepted
    assert blocker.args == [[
        "store.receipt_footer", "hardware.soundbox.port", "hardware.soundbox.usb_ids",
        "hardware.soundbox.volume", "hardware.speaker", "hardware.announce_language",
        "hardware.printer.connection", "hardware.printer.address", "hardware.printer.width_mm",
        "hardware.printer.cash_drawer", "hardware.printer.auto_print"]]
    s = Settings.load(data_dir)
    assert s.get("hardware.soundbox.port") == pty_path
    assert s.get("hardware.soundbox.usb_ids") == ((0x1A86, 0x7523), (0x303A, 0x1001))
    assert s.get("hardware.soundbox.volume") == 60
    assert s.get("hardware.announce_language") == "en"
    assert s.get("hardware.speaker") is False
    assert s.get("hardware.printer.connection") == "serial"
    assert s.get("hardware.printer.address") == "COM3@19200"
    assert s.get("hardware.printer.width_mm") == "80"
    assert s.get("hardware.printer.cash_drawer") is True
    assert s.get("hardware.printer.auto_print") is False
    assert s.get("store.receipt_footer") == "Sampai jumpa lagi"


@pytest.mark.parametrize("typed", ["auto", "off", "OFF", "COM4"])
def test_port_words_and_names_are_accepted(qtbot, data_dir: Path, listed, typed: str) -> None:
    Settings.load(data_dir).set("hardware.soundbox.port", "/dev/ttyACM0")
    dlg = open_dialog(qtbot, data_dir)
    type_port(qtbot, dlg, typed)
    dlg.save_button.click()
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert Settings.load(data_dir).get("hardware.soundbox.port") == KEYS[
        "hardware.soundbox.port"].value_of(typed)


def test_a_bad_port_is_refused(qtbot, data_dir: Path, listed) -> None:
    dlg = open_dialog(qtbot, data_dir)
    type_port(qtbot, dlg, "ttyACM0")
    with qtbot.assertNotEmitted(dlg.saved):
        dlg.save_button.click()
    assert dlg.isVisible()
    assert dlg.error_text("hardware.soundbox.port").startswith("Tidak valid: ")
    assert file_state(data_dir) is None


@pytest.mark.parametrize(("connection", "address", "message"), [
    ("usb", "COM3", "Alamat USB ditulis VID:PID"),
    ("network", "192.168.1.300", "Alamat jaringan ditulis host atau host:port"),
    ("serial", "", "Wajib diisi: printer serial membutuhkan port"),
])
def test_a_bad_printer_address_is_refused(qtbot, data_dir: Path, listed, connection: str,
                                          address: str, message: str) -> None:
    Settings.load(data_dir).set("store.name", "Warung Lama")
    before = file_state(data_dir)
    dlg = open_dialog(qtbot, data_dir)
    dlg.tabs.setCurrentIndex(0)  # the error must bring its tab back into view
    type_into(qtbot, editor(dlg, "store.name", QLineEdit), "Warung Baru")
    choose(editor(dlg, "hardware.printer.connection", QComboBox), connection)
    type_into(qtbot, editor(dlg, "hardware.printer.address", QLineEdit), address)

    with qtbot.assertNotEmitted(dlg.saved):
        dlg.save_button.click()

    assert dlg.isVisible() and dlg.result() != QDialog.DialogCode.Accepted
    assert dlg.error_text("hardware.printer.address").startswith(message)
    assert dlg.tabs.tabText(dlg.tabs.currentIndex()) == DEVICE_TAB
    assert "Perangkat \u203a Printer struk \u203a Alamat printer" in dlg.summary.text()
    assert file_state(data_dir) == before  # not even the valid name change
    # Fixed and saved again, all of it is written.
    type_into(qtbot, editor(dlg, "hardware.printer.address", QLineEdit),
              {"usb": "0416:5011", "network": "192.168.1.50", "serial": "/dev/ttyUSB0"}[
                  connection])
    assert dlg.error_text("hardware.printer.address") == ""
    dlg.save_button.click()
    assert dlg.result() == QDialog.DialogCode.Accepted
    s = Settings.load(data_dir)
    assert s.get("hardware.printer.connection") == connection
    assert s.get("store.name") == "Warung Baru"


def test_printer_message_in_english(qtbot, data_dir: Path, listed) -> None:
    i18n.set_language("en")
    dlg = open_dialog(qtbot, data_dir, devices_tab=False)
    assert dlg.tabs.tabText(4) == "Devices"
    choose(editor(dlg, "hardware.printer.connection", QComboBox), "usb")
    type_into(qtbot, editor(dlg, "hardware.printer.address", QLineEdit), "usb1")
    dlg.save_button.click()
    assert dlg.error_text("hardware.printer.address") == (
        "A USB address is VID:PID (hexadecimal), e.g. 0416:5011.")


def test_an_address_kept_while_the_printer_is_off_is_not_checked(qtbot, data_dir: Path,
                                                                 listed) -> None:
    dlg = open_dialog(qtbot, data_dir)
    connection = editor(dlg, "hardware.printer.connection", QComboBox)
    choose(connection, "network")
    type_into(qtbot, editor(dlg, "hardware.printer.address", QLineEdit), "printer-dapur")
    choose(connection, "off")
    dlg.save_button.click()
    assert dlg.result() == QDialog.DialogCode.Accepted
    s = Settings.load(data_dir)
    assert s.get("hardware.printer.address") == "printer-dapur"
    assert s.get("hardware.printer.connection") == "off"


# --------------------------------------------------------------------------- ports


def test_ports_are_listed_when_the_page_is_shown_and_reloaded(
        qtbot, data_dir: Path, listed: FakePorts, pty_path: str) -> None:
    listed.add("/dev/ttyACM0", "USB Serial")
    dlg = open_dialog(qtbot, data_dir, devices_tab=False)
    assert listed.threads == []  # not listed before the page is shown
    show_devices(qtbot, dlg)
    assert port_items(dlg) == {"auto": "Otomatis (cari soundbox)",
                               "off": "Mati (tanpa soundbox)",
                               "/dev/ttyACM0": "/dev/ttyACM0 \u2014 USB Serial"}
    assert listed.threads and threading.main_thread() not in listed.threads
    assert "1 port serial terpasang" in " ".join(
        label.text() for label in dlg.findChildren(QLabel))

    # Plugged in while the dialog is open: "Muat ulang" shows it, the choice stays.
    listed.add(pty_path, "Soundbox emulator")
    refresh = dlg.findChild(QPushButton, "devices.refreshPorts")
    assert refresh is not None
    click(qtbot, refresh)
    qt_wait_for(qtbot, lambda: pty_path in port_items(dlg), "the new port")
    assert port_items(dlg)[pty_path] == f"{pty_path} \u2014 Soundbox emulator"
    port = editor(dlg, "hardware.soundbox.port", QComboBox)
    assert port.currentData() == "auto"
    assert dlg.pending_changes() == {}

    choose(port, pty_path)
    dlg.save_button.click()
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert Settings.load(data_dir).get("hardware.soundbox.port") == pty_path


def test_a_refresh_keeps_a_typed_port(qtbot, data_dir: Path, listed: FakePorts,
                                      pty_path: str) -> None:
    dlg = open_dialog(qtbot, data_dir)
    type_port(qtbot, dlg, pty_path)
    listed.add("/dev/ttyUSB0", "CP2102")
    refresh = dlg.findChild(QPushButton, "devices.refreshPorts")
    assert refresh is not None
    click(qtbot, refresh)
    qt_wait_for(qtbot, lambda: "/dev/ttyUSB0" in port_items(dlg), "the new port")
    assert editor(dlg, "hardware.soundbox.port", QComboBox).currentText() == pty_path
    assert dlg.pending_changes() == {"hardware.soundbox.port": pty_path}


# --------------------------------------------------------------------------- device tests


def test_test_buttons_ask_the_window(qtbot, data_dir: Path, listed) -> None:
    dlg = open_dialog(qtbot, data_dir)
    editor(dlg, "hardware.soundbox.volume", QSpinBox).setValue(40)

    with qtbot.waitSignal(dlg.deviceTestRequested, timeout=WAIT_MS) as blocker:
        click(qtbot, device_button(dlg, "soundbox"))
    assert blocker.args == ["soundbox"]
    assert dlg.device_test_status("soundbox") == "Menguji\u2026"
    # The window tests what the form says, before it is saved.
    values = dlg.device_values("soundbox")
    assert values["hardware.soundbox.volume"] == 40
    assert values["hardware.soundbox.port"] == "auto"
    assert values["hardware.speaker"] is True
    dlg.show_device_test_result("soundbox", True, "Soundbox menjawab di /dev/ttyACM0")
    assert dlg.device_test_status("soundbox") == "Soundbox menjawab di /dev/ttyACM0"

    choose(editor(dlg, "hardware.printer.connection", QComboBox), "network")
    type_into(qtbot, editor(dlg, "hardware.printer.address", QLineEdit), "192.168.1.50:9100")
    assert device_button(dlg, "printer").isEnabled()
    with qtbot.waitSignal(dlg.deviceTestRequested, timeout=WAIT_MS) as blocker:
        click(qtbot, device_button(dlg, "printer"))
    assert blocker.args == ["printer"]
    assert dlg.device_values("printer")["hardware.printer.address"] == "192.168.1.50:9100"
    dlg.show_device_test_result("printer", False, "Printer tidak menjawab")
    assert dlg.device_test_status("printer") == "Printer tidak menjawab"
    assert dlg.device_test_status("soundbox") == "Soundbox menjawab di /dev/ttyACM0"
    # An edit makes the shown result stale.
    type_into(qtbot, editor(dlg, "hardware.printer.address", QLineEdit), "192.168.1.51")
    assert dlg.device_test_status("printer") == ""
    assert file_state(data_dir) is None  # testing writes nothing


def test_no_test_with_a_bad_field(qtbot, data_dir: Path, listed) -> None:
    dlg = open_dialog(qtbot, data_dir)
    choose(editor(dlg, "hardware.printer.connection", QComboBox), "usb")
    type_into(qtbot, editor(dlg, "hardware.printer.address", QLineEdit), "0416")
    with qtbot.assertNotEmitted(dlg.deviceTestRequested):
        click(qtbot, device_button(dlg, "printer"))
    assert dlg.device_test_status("printer") == "Periksa isian yang ditandai merah."
    assert dlg.error_text("hardware.printer.address").startswith("Alamat USB")
    type_port(qtbot, dlg, "ttyACM0")
    with qtbot.assertNotEmitted(dlg.deviceTestRequested):
        click(qtbot, device_button(dlg, "soundbox"))
    assert dlg.error_text("hardware.soundbox.port").startswith("Tidak valid: ")


# --------------------------------------------------------------------------- layout, language


def test_the_dialog_fits_a_1366x768_screen(qtbot, data_dir: Path, listed) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font = app.font()
    # The till's own font (pos_app.ui.app): the page must fit with it, not only the default.
    till_font = QFont(["DejaVu Sans", "Noto Sans", "Segoe UI", "sans-serif"])
    till_font.setPixelSize(15)
    app.setFont(till_font)
    try:
        dlg = open_dialog(qtbot, data_dir)
        page = dlg.tabs.currentWidget()
        assert isinstance(page, QScrollArea)
        qt_wait_for(qtbot, lambda: page.widget().width() > 0, "the page laid out")
        assert dlg.width() <= 1366 and dlg.height() <= 700
        assert dlg.minimumSizeHint().height() <= 700
        # Nothing sideways: the page is as wide as the dialog and only scrolls down.
        inner = page.widget()
        assert inner.minimumSizeHint().width() <= page.viewport().width()
        assert not page.horizontalScrollBar().isVisible()
        for key in devices.DEVICE_KEYS["soundbox"] + devices.DEVICE_KEYS["printer"]:
            assert dlg.editor(key).minimumHeight() >= 40, key
        for device in ("soundbox", "printer"):
            assert device_button(dlg, device).minimumHeight() >= 40
    finally:
        app.setFont(font)


def test_every_text_of_the_page_has_english() -> None:
    catalogue = i18n.english_catalogue()
    texts = [*devices.PORT_CHOICES.values(), *devices.CONNECTIONS.values(),
             *devices.ADDRESS_HINTS.values(), devices.PORT_HINT,
             *(t.id for t in PRINTER_TEXTS)]
    assert sorted(t for t in texts if t not in catalogue) == []
    assert {catalogue[t.id] for t in PRINTER_TEXTS} == {t.en for t in PRINTER_TEXTS}


# --------------------------------------------------------------------------- Cetak ulang


ROWS = [
    {"id": "K1-0004", "status": "refunded", "total": 20000, "method": "QRIS", "time": "10:40"},
    {"id": "K1-0003", "status": "paid", "total": 15000, "method": "Tunai", "time": "10:30"},
    {"id": "K1-0002", "status": "late_payment", "total": 9000, "method": "QRIS",
     "time": "10:20"},
    {"id": "K1-0001", "status": "paid", "total": 5000, "method": "QRIS", "time": "10:10"},
]


def test_reprint_only_paid_orders_and_stay_open(qtbot) -> None:
    dlg = HistoryDialog(ROWS)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg, timeout=WAIT_MS)
    reprint = dlg.findChild(QPushButton, "reprintButton")
    assert reprint is dlg.reprint and reprint.text() == "Cetak ulang"
    enabled = {}
    for row, data in enumerate(ROWS):
        dlg.table.setCurrentCell(row, 1)
        enabled[data["status"]] = reprint.isEnabled()
    assert enabled == {"refunded": False, "paid": True, "late_payment": False}

    for row, order_id in ((1, "K1-0003"), (3, "K1-0001")):  # several, one after the other
        dlg.table.setCurrentCell(row, 0)
        with qtbot.waitSignal(dlg.reprintRequested, timeout=WAIT_MS) as blocker:
            click(qtbot, reprint)
        assert blocker.args == [order_id]
        assert dlg.isVisible() and dlg.chosen is None


def test_reprint_disabled_until_a_row_is_chosen(qtbot) -> None:
    dlg = HistoryDialog(ROWS)
    qtbot.addWidget(dlg)
    assert not dlg.reprint.isEnabled()
    with qtbot.assertNotEmitted(dlg.reprintRequested):
        dlg.reprint.click()


def test_reprint_in_english(qtbot) -> None:
    i18n.set_language("en")
    dlg = HistoryDialog(ROWS)
    qtbot.addWidget(dlg)
    assert dlg.reprint.text() == "Reprint"
