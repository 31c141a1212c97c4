""""Buka kasir" and "Tutup kasir" (pos_app/ui/shift_dialogs.py) as a cashier uses them: the
float typed three ways, refusals said in the dialog with nothing lost, the drawer counted note
by note with the keyboard only, the difference live, the close written to a real SQLite file
on the window's worker threads, and the Z report it produces."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from pos_app.cart import Cart, Product
from pos_app.shifts import DENOMINATIONS, CashCount
from pos_app.storage import shifts as shift_store
from pos_app.ui.shift_dialogs import CloseShiftDialog, OpenShiftDialog
from pos_app.ui.tasks import TaskManager
from tests.test_zreport import WIB, busy_shift
from tests.waiting import WAIT_MS

EXPECTED = 234_000  # busy_shift's: 200.000 float + 46.000 cash sales - 12.000 cash refund
SHORT_2000 = {100_000: 2, 20_000: 1, 10_000: 1, 1_000: 2}  # 232.000
EXACT = {100_000: 2, 20_000: 1, 10_000: 1, 2_000: 2}  # 234.000


@pytest.fixture
def tasks(qapp) -> Iterator[TaskManager]:
    manager = TaskManager()
    yield manager
    manager.shutdown()


def _done(qtbot, dlg: QDialog) -> None:
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=WAIT_MS)


def _type(widget: QWidget, text: str) -> None:
    for char in text:
        QTest.keyClick(widget, char)


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard"
    return widget


# -- Buka kasir -----------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["200000", "200.000", "Rp 200.000"])
def test_open_with_a_float_typed_any_way(qtbot, db, clock, tasks, typed: str) -> None:
    dlg = OpenShiftDialog(db, tasks, "K1", WIB, "Sri", clock=clock)
    qtbot.addWidget(dlg)
    dlg.show()
    opened: list[object] = []
    dlg.shiftOpened.connect(opened.append)
    qtbot.keyClicks(dlg.input, typed)
    QTest.keyClick(dlg.input, Qt.Key.Key_Return)  # Enter opens
    _done(qtbot, dlg)
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.shift is not None and opened == [dlg.shift]
    assert (dlg.shift.opening_float, dlg.shift.opened_by) == (200_000, "Sri")
    stored = shift_store.current_shift(db, "K1")
    assert stored is not None and stored.id == dlg.shift.id
    assert stored.opening_float == 200_000 and stored.opened_at == clock()


def test_quick_buttons_fill_the_float(qtbot, db, clock, tasks) -> None:
    dlg = OpenShiftDialog(db, tasks, "K1", WIB, "Sri", clock=clock)
    qtbot.addWidget(dlg)
    dlg.show()
    labels = [b.text() for b in dlg.quick_buttons]
    assert labels == ["Rp 0", "Rp 100.000", "Rp 200.000", "Rp 500.000"]
    qtbot.mouseClick(dlg.quick_buttons[3], Qt.MouseButton.LeftButton)
    assert dlg.input.text() == "500.000" and dlg.isVisible()  # a tap fills, never opens
    assert shift_store.current_shift(db, "K1") is None
    qtbot.mouseClick(dlg.quick_buttons[0], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    _done(qtbot, dlg)
    assert dlg.shift is not None and dlg.shift.opening_float == 0


@pytest.mark.parametrize(("typed", "said"), [
    ("-50.000", "Modal awal tidak boleh minus"),
    ("-Rp 50.000", "Modal awal tidak boleh minus"),
    ("50,000", "Jumlah tidak valid — ketik angka rupiah, mis. 200.000"),
    ("dua ratus", "Jumlah tidak valid — ketik angka rupiah, mis. 200.000"),
    ("", "Ketik modal awal, mis. 200.000"),
    ("99.999.999.999.999", "Jumlah terlalu besar"),
])
def test_a_bad_float_is_refused_and_kept(qtbot, db, clock, tasks, typed: str,
                                         said: str) -> None:
    dlg = OpenShiftDialog(db, tasks, "K1", WIB, "Sri", clock=clock)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.input.setText(typed)
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    assert dlg.problem.text() == said
    assert dlg.isVisible() and dlg.input.text() == typed and tasks.pending == 0
    assert shift_store.current_shift(db, "K1") is None
    dlg.input.setText(dlg.input.text() + " ")  # typing again clears the complaint
    assert dlg.problem.text() == ""


def test_a_second_open_is_refused_with_who_opened_it(qtbot, db, clock, tasks) -> None:
    first = shift_store.open_shift(db, "K1", WIB, "Budi", 100_000, clock())
    dlg = OpenShiftDialog(db, tasks, "K1", WIB, "Sri", clock=clock)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.input.setText("200.000")
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    assert not dlg.ok.isEnabled()  # busy while the worker writes
    QTest.keyClick(dlg, Qt.Key.Key_Escape)  # and Esc can't walk away from the write
    qtbot.waitUntil(lambda: dlg.problem.text() != "", timeout=WAIT_MS)
    assert dlg.problem.text() == "Kasir sudah dibuka oleh Budi"
    assert dlg.isVisible() and dlg.shift is None and dlg.input.text() == "200.000"
    assert dlg.ok.isEnabled()
    stored = shift_store.current_shift(db, "K1")
    assert stored is not None and stored.id == first.id
    QTest.keyClick(dlg, Qt.Key.Key_Escape)
    assert dlg.result() == QDialog.DialogCode.Rejected


# -- Tutup kasir ----------------------------------------------------------------------------
def _close_dialog(qtbot, db, clock, tasks, **kwargs) -> CloseShiftDialog:  # type: ignore[no-untyped-def]
    busy = busy_shift(db, clock)
    clock.advance(12 * 3600)  # 22:00 WIB
    dlg = CloseShiftDialog(db, tasks, busy.shift, WIB, "Budi", clock=clock,
                           store_name="Warung Bu Sri", **kwargs)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.activateWindow()
    qtbot.waitUntil(lambda: dlg.totals is not None, timeout=WAIT_MS)
    return dlg


def _row(dlg: CloseShiftDialog, value: int):  # type: ignore[no-untyped-def]
    return next(row for row in dlg.rows if row.value == value)


def _count(dlg: CloseShiftDialog, counts: dict[int, int]) -> None:
    for row in dlg.rows:
        row.edit.setText(str(counts[row.value]) if row.value in counts else "")


def test_the_shift_and_its_expected_cash_are_shown(qtbot, db, clock, tasks) -> None:
    dlg = _close_dialog(qtbot, db, clock, tasks)
    s = dlg.summary
    assert s["opened_by"].text() == "Sri" and s["opened_at"].text() == "27/11/2026 10:00"
    assert s["float"].text() == "Rp 200.000"
    assert dlg.summary_captions["cash"].text() == "Penjualan tunai (3x)"
    assert s["cash"].text() == "Rp 46.000"
    assert dlg.summary_captions["qris"].text() == "Penjualan QRIS (1x)"
    assert s["qris"].text() == "Rp 24.000"
    assert s["cash_refunds"].text() == "-Rp 12.000" and s["other_refunds"].text() == "Rp 12.000"
    assert s["voids"].text() == "1 transaksi"
    assert dlg.expected_label.text() == "Rp 234.000"
    # One row per denomination, largest first, notes and coins told apart.
    assert [row.label.text() for row in dlg.rows] == [
        "Rp 100.000", "Rp 50.000", "Rp 20.000", "Rp 10.000", "Rp 5.000", "Rp 2.000",
        "Rp 1.000", "Rp 500", "Rp 200", "Rp 100"]
    assert [row.value for row in dlg.rows] == list(DENOMINATIONS)
    kinds = [row.kind.text() for row in dlg.rows]
    assert kinds[:6] == ["lembar"] * 6 and kinds[6] == "lembar/koin"
    assert kinds[7:] == ["koin"] * 3
    # Nothing counted yet: the whole expected cash is missing.
    assert dlg.difference_label.text() == "Kurang Rp 234.000"


def test_the_counter_adds_up_and_the_difference_is_live(qtbot, db, clock, tasks) -> None:
    dlg = _close_dialog(qtbot, db, clock, tasks)
    hundred = _row(dlg, 100_000)
    qtbot.keyClicks(hundred.edit, "2x.-")  # digits only
    assert hundred.edit.text() == "2" and hundred.subtotal.text() == "Rp 200.000"
    qtbot.keyClicks(_row(dlg, 20_000).edit, "1")
    qtbot.keyClicks(_row(dlg, 10_000).edit, "1")
    qtbot.keyClicks(_row(dlg, 1_000).edit, "2")
    assert _row(dlg, 1_000).subtotal.text() == "Rp 2.000"
    assert dlg.counted_total == 232_000 and dlg.counted_label.text() == "Rp 232.000"
    assert dlg.difference == -2_000
    assert dlg.difference_label.text() == "Kurang Rp 2.000"
    assert dlg.difference_label.property("state") == "short"
    assert dlg.note_caption.text() == "Catatan (wajib: ada selisih)"

    qtbot.keyClicks(_row(dlg, 500).edit, "4")  # + 2.000: exact
    assert dlg.difference_label.text() == "Pas (Rp 0)"
    assert dlg.difference_label.property("state") == "ok"
    assert dlg.note_caption.text() == "Catatan (boleh kosong)"

    qtbot.keyClicks(_row(dlg, 100).edit, "10")  # + 1.000: over
    assert dlg.difference_label.text() == "Lebih Rp 1.000"
    assert dlg.difference_label.property("state") == "over"
    assert dlg.counts == {100_000: 2, 20_000: 1, 10_000: 1, 1_000: 2, 500: 4, 100: 10}

    _row(dlg, 100).edit.clear()
    assert dlg.difference == 0 and _row(dlg, 100).subtotal.text() == "Rp 0"


def test_a_difference_needs_a_note_then_the_close_is_written(qtbot, db, clock, tasks) -> None:
    printed: list[tuple[str, str]] = []
    dlg = _close_dialog(qtbot, db, clock, tasks, print_text=lambda *job: printed.append(job))
    closed_signal: list[tuple[object, str]] = []
    dlg.shiftClosed.connect(lambda shift, text: closed_signal.append((shift, text)))
    _count(dlg, SHORT_2000)
    qtbot.mouseClick(dlg.close_button, Qt.MouseButton.LeftButton)
    assert dlg.problem.text() == "Tulis catatan untuk selisih"
    assert dlg.note.property("state") == "error" and tasks.pending == 0
    assert shift_store.current_shift(db, "K1") is not None  # nothing written

    qtbot.keyClicks(dlg.note, "uang kecil untuk kembalian")
    assert dlg.problem.text() == "" and dlg.note.property("state") == ""
    qtbot.mouseClick(dlg.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.closed is not None, timeout=WAIT_MS)

    shift_id = dlg.shift.id
    row = db.query_one("SELECT status, closed_by, closed_at, expected_cash, counted_cash,"
                       " counts, note FROM shifts WHERE id = ?", (shift_id,))
    assert row["status"] == "closed" and row["closed_by"] == "Budi"
    assert row["closed_at"] == "2026-11-27T15:00:00.000Z"  # stored UTC: 22:00 WIB
    assert (row["expected_cash"], row["counted_cash"]) == (EXPECTED, 232_000)
    assert json.loads(row["counts"]) == {"100000": 2, "20000": 1, "10000": 1, "1000": 2}
    assert row["note"] == "uang kecil untuk kembalian"
    assert shift_store.current_shift(db, "K1") is None

    z = dlg.z_text
    assert "LAPORAN Z / TUTUP KASIR" in z and "Warung Bu Sri" in z
    lines = z.splitlines()
    assert any(ln.startswith("UANG SEHARUSNYA") and ln.endswith("Rp 234.000") for ln in lines)
    assert any(ln.startswith("UANG DIHITUNG") and ln.endswith("Rp 232.000") for ln in lines)
    assert any(ln.startswith("SELISIH (KURANG)") and ln.endswith("-Rp 2.000") for ln in lines)
    assert "uang kecil untuk kembalian" in z
    # Shown, signalled and printed at once; the report page waits for "Selesai".
    assert dlg.pages.currentIndex() == 1 and dlg.report_view.toPlainText() == z
    assert dlg.report_difference.text() == "Kurang Rp 2.000"
    assert dlg.report_notice.isHidden()
    assert closed_signal == [(dlg.closed, z)]
    assert printed == [(f"Z-{shift_id}", z)]
    assert dlg.print_status.text() == "Laporan Z dikirim ke printer"
    qtbot.mouseClick(dlg.reprint_button, Qt.MouseButton.LeftButton)
    assert len(printed) == 2
    QTest.keyClick(dlg, Qt.Key.Key_Escape)  # the shift is closed: Esc is "Selesai"
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.closed is not None and dlg.closed.difference == -2_000


def test_keyboard_only_count_and_close(qtbot, db, clock, tasks) -> None:
    dlg = _close_dialog(qtbot, db, clock, tasks)
    assert not dlg.reprint_button.isVisibleTo(dlg)  # no printer given: nothing to reprint
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dlg.rows[0].edit, timeout=WAIT_MS)
    typed = {100_000: "2", 20_000: "1", 10_000: "1", 2_000: "2"}
    for i, row in enumerate(dlg.rows):
        assert _focused() is row.edit, f"row {row.value} should have the keyboard"
        _type(row.edit, typed.get(row.value, ""))
        # Enter and Tab both go to the next row.
        QTest.keyClick(_focused(), Qt.Key.Key_Tab if i % 2 else Qt.Key.Key_Return)
    assert _focused() is dlg.note  # after the last row
    assert dlg.counts == EXACT and dlg.difference_label.text() == "Pas (Rp 0)"

    # Up goes back a row, and a count typed there replaces the one before.
    QTest.keyClick(dlg.note, Qt.Key.Key_Backtab)
    assert _focused() is dlg.rows[-1].edit
    QTest.keyClick(_focused(), Qt.Key.Key_Up)
    QTest.keyClick(_focused(), Qt.Key.Key_Up)
    QTest.keyClick(_focused(), Qt.Key.Key_Up)
    QTest.keyClick(_focused(), Qt.Key.Key_Up)
    assert _focused() is _row(dlg, 2_000).edit
    _type(_focused(), "3")
    assert _row(dlg, 2_000).edit.text() == "3" and dlg.difference_label.text() == "Lebih Rp 2.000"
    QTest.keyClick(_focused(), Qt.Key.Key_Backspace)
    _type(_focused(), "2")
    assert dlg.difference == 0 and dlg.isVisible()  # no row's Enter ever closed the shift

    dlg.note.setFocus()
    QTest.keyClick(dlg.note, Qt.Key.Key_Return)  # Enter in the note closes
    qtbot.waitUntil(lambda: dlg.closed is not None, timeout=WAIT_MS)
    assert dlg.closed is not None and dlg.closed.counted_cash == EXPECTED
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dlg.done_button, timeout=WAIT_MS)
    QTest.keyClick(_focused(), Qt.Key.Key_Return)  # and Enter on the report is "Selesai"
    _done(qtbot, dlg)
    assert dlg.result() == QDialog.DialogCode.Accepted


def test_a_sale_written_meanwhile_is_in_the_stored_figures(qtbot, db, clock, tasks) -> None:
    busy = busy_shift(db, clock)
    dlg = CloseShiftDialog(db, tasks, busy.shift, WIB, "Budi", clock=clock)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.totals is not None, timeout=WAIT_MS)
    assert dlg.expected_label.text() == "Rp 234.000"
    _count(dlg, EXACT)
    # Another window of the same till sells for cash while the drawer is being counted.
    cart = Cart()
    cart.add(Product(sku="C", name="Es Teh", price=5000), 1)
    busy.checkout.complete_cash_sale(cart, 5000)

    qtbot.mouseClick(dlg.close_button, Qt.MouseButton.LeftButton)
    # The count matched what was shown, not what the drawer should now hold: a note is asked
    # for, and the new figures shown.
    qtbot.waitUntil(lambda: dlg.problem.text() == "Tulis catatan untuk selisih", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: dlg.expected_label.text() == "Rp 239.000", timeout=WAIT_MS)
    assert dlg.closed is None and dlg.counts == EXACT
    dlg.note.setText("es teh terjual saat menghitung")
    qtbot.mouseClick(dlg.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.closed is not None, timeout=WAIT_MS)
    closed = dlg.closed
    assert closed is not None and closed.expected_cash == EXPECTED + 5_000
    assert closed.counted_cash == EXPECTED and closed.difference == -5_000
    lines = dlg.z_text.splitlines()
    assert any(ln.startswith("UANG SEHARUSNYA") and ln.endswith("Rp 239.000") for ln in lines)
    assert any(ln.startswith("Penjualan tunai (4x)") for ln in lines)
    assert dlg.report_notice.isHidden()  # the figures closed with are the ones shown
    assert dlg.report_difference.text() == "Kurang Rp 5.000"


def test_a_refused_close_keeps_what_was_typed(qtbot, db, clock, tasks) -> None:
    dlg = _close_dialog(qtbot, db, clock, tasks)
    _count(dlg, SHORT_2000)
    dlg.note.setText("kurang dua ribu")
    # Closed meanwhile from elsewhere (another window, the CLI).
    shift_store.close_shift(db, dlg.shift.id, "Sri", CashCount(EXACT), "", clock())
    qtbot.mouseClick(dlg.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.problem.text() != "", timeout=WAIT_MS)
    assert dlg.problem.text() == "Kasir belum dibuka"
    assert dlg.closed is None and dlg.isVisible() and dlg.pages.currentIndex() == 0
    assert dlg.counts == SHORT_2000 and dlg.note.text() == "kurang dua ribu"
    assert dlg.close_button.isEnabled()
    QTest.keyClick(dlg, Qt.Key.Key_Escape)
    assert dlg.result() == QDialog.DialogCode.Rejected


def test_cancel_writes_nothing(qtbot, db, clock, tasks) -> None:
    dlg = _close_dialog(qtbot, db, clock, tasks)
    _count(dlg, EXACT)
    qtbot.mouseClick(dlg.cancel, Qt.MouseButton.LeftButton)
    assert dlg.result() == QDialog.DialogCode.Rejected and dlg.closed is None
    assert shift_store.current_shift(db, "K1") is not None


def test_the_close_dialog_fits_a_1366x768_screen(qtbot, db, clock, tasks) -> None:
    dlg = _close_dialog(qtbot, db, clock, tasks)
    _count(dlg, SHORT_2000)
    size = dlg.sizeHint().expandedTo(dlg.minimumSizeHint())
    assert size.width() <= 1366 and size.height() <= 768 - 40  # room for the title bar
    for row in dlg.rows:  # a finger's worth of height per row
        assert row.edit.height() >= 40


# -- the Z report on the printer ------------------------------------------------------------
def _hub(db, data_dir, **printer_settings: str):  # type: ignore[no-untyped-def]
    from pos_app.settings import Settings
    from pos_app.ui.devices import DeviceHub

    settings = Settings.load(data_dir)
    for key, value in {"hardware.soundbox.port": "off", "hardware.speaker": "off",
                       **printer_settings}.items():
        settings.set(key, value)
    return DeviceHub(db, settings).start()


def test_the_z_report_prints_on_the_till_printer(qtbot, db, clock, tasks, data_dir) -> None:
    from tests.test_printer import FakeNetworkPrinter

    fake = FakeNetworkPrinter()
    hub = _hub(db, data_dir, **{"hardware.printer.connection": "network",
                                "hardware.printer.address": fake.address,
                                "hardware.printer.width_mm": "58"})
    try:
        assert hub.printing
        dlg = _close_dialog(qtbot, db, clock, tasks, print_text=hub.print_text)
        _count(dlg, EXACT)
        qtbot.mouseClick(dlg.close_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dlg.closed is not None, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: b"LAPORAN Z" in fake.received and b"\x1dV" in fake.received,
                        timeout=WAIT_MS)
        [paper] = fake.receipts()
        assert paper.texts == dlg.z_text.splitlines()  # line for line, spaces kept
        assert all(len(text) <= 32 for text in paper.texts)
        assert paper.events[-1] == "cut" and "kick" not in paper.events
    finally:
        hub.close()
        fake.stop()


def test_print_text_does_nothing_with_the_printer_off(db, data_dir) -> None:
    hub = _hub(db, data_dir)  # the default: no printer
    try:
        assert not hub.printing
        hub.print_text("Z-1", "LAPORAN Z\n")  # no printer, no error, no job
        assert hub.devices is not None and hub.devices.printer.pending == 0
    finally:
        hub.close()
