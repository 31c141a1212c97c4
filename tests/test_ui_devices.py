"""The devices at the real till window: the status bar shows the soundbox and the printer, a
paid QRIS sale is one ``announce`` frame on the (emulated) soundbox, a cash sale prints its
receipt on a (loopback) network printer and opens the drawer, Riwayat reprints, and a
printer that is off keeps the receipt until it is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from hardware.emulator import VirtualSoundbox
from hardware.protocol import Cmd
from hardware.soundbox import SoundboxState
from pos_app.ui.composition import connect
from pos_app.ui.devices import DeviceHub
from tests.test_printer import FakeNetworkPrinter
from tests.test_ui_cashier import INDOMIE, TEH, Till
from tests.waiting import WAIT_MS

DRAWER_KICK = b"\x1bp\x00"  # ESC p 0: pin 2


class DeviceTill(Till):
    """The cashier test's till, with a soundbox on an emulator and a network printer."""

    def __init__(self, data_dir: Path, qtbot, box: VirtualSoundbox,  # type: ignore[no-untyped-def]
                 printer: FakeNetworkPrinter) -> None:
        settings_pairs = {
            "hardware.soundbox.port": box.port, "hardware.speaker": "off",
            "hardware.printer.connection": "network", "hardware.printer.address": printer.address,
            "hardware.printer.width_mm": "58", "hardware.printer.cash_drawer": "on",
            "store.receipt_footer": "Sampai jumpa lagi",
        }
        from pos_app.settings import Settings

        settings = Settings.load(data_dir)
        for key, value in settings_pairs.items():
            settings.set(key, value)
        super().__init__(data_dir, qtbot, pay_after="never")
        self.box = box
        self.printer = printer
        self.hub = DeviceHub(self.db, self.settings, service=self.service, parent=self.window)
        self.hub.start()
        connect(self.window, devices=self.hub)

    def close(self) -> None:
        self.window.close()
        self.service.stop()
        self.hub.close()
        self.tasks.shutdown()
        self.db.close()


@pytest.fixture
def box(tmp_path: Path) -> Iterator[VirtualSoundbox]:
    with VirtualSoundbox(tmp_path) as b:
        yield b


@pytest.fixture
def printer() -> Iterator[FakeNetworkPrinter]:
    fake = FakeNetworkPrinter()
    yield fake
    fake.stop()


@pytest.fixture
def till(data_dir: Path, qtbot, box: VirtualSoundbox,  # type: ignore[no-untyped-def]
         printer: FakeNetworkPrinter) -> Iterator[DeviceTill]:
    t = DeviceTill(data_dir, qtbot, box, printer)
    yield t
    t.close()


def sell_cash(till: DeviceTill, qtbot, code: str, tendered: str) -> str:  # type: ignore[no-untyped-def]
    """Scan ``code``, pay cash (F4) with ``tendered``; the order id, once the sale is written."""
    w = till.window
    till.scan(code)
    qtbot.keyClick(w.search_input, Qt.Key.Key_F4)
    dlg = w.cash_dialog
    assert dlg is not None
    qtbot.keyClicks(dlg.input, tendered)
    qtbot.keyClick(dlg.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.receipt_dialog is not None, timeout=WAIT_MS)
    return (w.last_receipt or "").split("\n")[2].split()[0]


def paper(printer: FakeNetworkPrinter) -> bytes:
    return b"".join(bytes(c) for c in printer.connections)


def test_the_status_bar_follows_the_soundbox(till: DeviceTill, qtbot) -> None:  # type: ignore[no-untyped-def]
    status = till.window.device_status
    assert status is not None
    label = status.soundbox_label
    qtbot.waitUntil(lambda: label.isVisible() and label.text() == "Soundbox: terhubung",
                    timeout=WAIT_MS)
    # The corner is inside the window, on a 1366x768 screen.
    corner = status.mapTo(till.window, status.rect().bottomRight())
    assert till.window.rect().contains(corner)
    till.box.unplug()
    qtbot.waitUntil(lambda: label.text() == "Soundbox: terputus", timeout=WAIT_MS)
    assert label.property("state") == "warn"
    till.box.replug()
    qtbot.waitUntil(lambda: label.text() == "Soundbox: terhubung", timeout=WAIT_MS)
    assert status.printer_button.text() == "Printer: siap"
    # Auto-detect with nothing plugged in: said quietly, not "searching…" for ever.
    status.show_soundbox(SoundboxState.SEARCHING)
    assert label.text() == "Soundbox: belum terpasang" and label.property("state") == "idle"


def test_a_paid_qris_sale_is_one_announce_frame(till: DeviceTill, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = till.window
    till.scan(INDOMIE)
    w.pay_qris()
    qtbot.waitUntil(lambda: w.qris_dialog is not None and w.qris_dialog.order_id is not None,
                    timeout=WAIT_MS)
    order_id = w.qris_dialog.order_id  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: till.box.showing is not None, timeout=WAIT_MS)  # the QR, on its screen
    till.service.simulate_paid(order_id)
    assert till.box.wait_spoken(1, WAIT_MS / 1000)
    qtbot.waitUntil(lambda: "Dibacakan: Rp 3.500" in w.statusBar().currentMessage(),
                    timeout=WAIT_MS)
    qtbot.wait(500)
    frames = [f for f in till.box.frames if f.cmd is Cmd.ANNOUNCE]
    assert len(frames) == 1 and frames[0].args["amount"] == 3500
    assert till.box.spoken_ids() == {frames[0].args["event_id"]: 1}


def test_a_cash_sale_prints_and_opens_the_drawer_and_riwayat_reprints(
        till: DeviceTill, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = till.window
    order_id = sell_cash(till, qtbot, TEH, "10.000")
    qtbot.waitUntil(lambda: order_id.encode() in paper(till.printer)
                    and DRAWER_KICK in paper(till.printer), timeout=WAIT_MS)
    first = paper(till.printer)
    for text in (b"Teh Botol", b"Tunai", b"Kembali", b"Sampai jumpa lagi"):
        assert text in first, text
    assert b"CETAK ULANG" not in first
    w.reprint(order_id)
    qtbot.waitUntil(lambda: b"CETAK ULANG" in paper(till.printer), timeout=WAIT_MS)
    assert paper(till.printer).count(DRAWER_KICK) == 1  # a reprint opens no drawer


def test_a_printer_that_is_off_keeps_the_receipt_until_it_is_back(
        data_dir: Path, qtbot, box: VirtualSoundbox) -> None:  # type: ignore[no-untyped-def]
    off = FakeNetworkPrinter(on=False)
    t = DeviceTill(data_dir, qtbot, box, off)
    try:
        w = t.window
        sell_cash(t, qtbot, TEH, "6.000")  # the sale is done, whatever the printer does
        button = w.device_status.printer_button  # type: ignore[union-attr]
        qtbot.waitUntil(lambda: "klik untuk coba lagi" in button.text(), timeout=WAIT_MS)
        assert "tidak tersambung" in button.text() and button.isEnabled()
        off.power_on()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # "Coba lagi"
        qtbot.waitUntil(lambda: b"Teh Botol" in paper(off), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: button.text() == "Printer: siap", timeout=WAIT_MS)
    finally:
        t.close()
        off.stop()


def test_the_settings_test_buttons_use_the_devices(till: DeviceTill, qtbot) -> None:  # type: ignore[no-untyped-def]
    from pos_app.ui.settings import SettingsDialog

    w = till.window
    qtbot.waitUntil(lambda: till.hub.devices is not None and till.hub.devices.soundbox.connected,
                    timeout=WAIT_MS)
    w.open_settings()
    dlg = next(d for d in w.findChildren(SettingsDialog) if d.isVisible())
    dlg.deviceTestRequested.emit("soundbox")
    qtbot.waitUntil(lambda: "Tes soundbox berhasil" in dlg.device_test_status("soundbox"),
                    timeout=WAIT_MS)
    assert any(s.event_id.startswith("test-") for s in till.box.spoken)
    dlg.deviceTestRequested.emit("printer")
    qtbot.waitUntil(lambda: "Struk tes tercetak" in dlg.device_test_status("printer"),
                    timeout=WAIT_MS)
    assert b"TES-PRINTER" in paper(till.printer)
    dlg.reject()


def test_new_device_settings_rebuild_the_devices_and_keep_one_announcer(
        till: DeviceTill, qtbot) -> None:  # type: ignore[no-untyped-def]
    hub, w = till.hub, till.window
    qtbot.waitUntil(lambda: hub.devices is not None and hub.devices.soundbox.connected,
                    timeout=WAIT_MS)
    announcer, old = hub.announcer, hub.devices
    till.settings.set("hardware.soundbox.volume", 40)
    assert w.events is not None
    w.events.report_settings(["hardware.soundbox.volume"], till.settings)
    assert hub.announcer is announcer and hub.devices is not old
    qtbot.waitUntil(lambda: till.box.volume == 40, timeout=WAIT_MS)  # the new link's hello
    till.scan(INDOMIE)
    w.pay_qris()
    qtbot.waitUntil(lambda: w.qris_dialog is not None and w.qris_dialog.order_id is not None,
                    timeout=WAIT_MS)
    till.service.simulate_paid(w.qris_dialog.order_id)  # type: ignore[union-attr]
    assert till.box.wait_spoken(1, WAIT_MS / 1000)
    qtbot.wait(500)
    assert len([f for f in till.box.frames if f.cmd is Cmd.ANNOUNCE]) == 1
