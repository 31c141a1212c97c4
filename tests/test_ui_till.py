"""The till as a cashier uses it at speed: a wedge scanner typing into whatever has focus, taps
in between, a sale being written while the next item is scanned, the keys of the search box,
the day's history, the change after a cash sale and the "Harga bebas" key.

Each test here reproduces a defect found by using the till (issue 10); they drive the real
window (pytest-qt, offscreen) with a real SQLite file and the simulator through the real engine.
"""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from pos_app.cart import Product
from pos_app.storage import catalog
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.test_ui_cashier import INDOMIE, TEH, Till, cart_summary
from tests.waiting import WAIT_MS

WEDGE_DELAY_MS = 10  # a USB scanner in keyboard mode: about 10 ms between keys


@pytest.fixture
def till(data_dir: Path, qtbot):
    t = Till(data_dir, qtbot)
    yield t
    t.close()


def wedge_scan(code: str) -> None:
    """What a keyboard-wedge scanner does: type the code and Enter, ``WEDGE_DELAY_MS`` apart,
    each key into whatever widget has the keyboard focus at that moment."""
    for key in [*code, Qt.Key.Key_Return]:
        target = QApplication.focusWidget() or QApplication.activeWindow()
        assert target is not None, "nothing has the keyboard"
        QTest.keyClick(target, key, delay=WEDGE_DELAY_MS)


def quantities(t: Till) -> dict[str, int]:
    return {line.sku: line.quantity for line in t.window.cart.lines}


def test_scan_right_after_a_tile_tap_reaches_the_cart(till: Till, qtbot) -> None:
    w = till.window
    qtbot.waitUntil(lambda: w.grid.tile_for("MNM-001") is not None, timeout=WAIT_MS)
    qtbot.mouseClick(w.grid.tile_for("MNM-001"), Qt.MouseButton.LeftButton)
    assert quantities(till) == {"MNM-001": 1}
    wedge_scan(INDOMIE)
    qtbot.waitUntil(lambda: "MKN-001" in quantities(till), timeout=WAIT_MS)
    assert quantities(till) == {"MNM-001": 1, "MKN-001": 1}
    assert QApplication.focusWidget() is w.search_input


def test_fifty_wedge_scans_with_taps_in_between_lose_nothing(data_dir: Path, qtbot) -> None:
    t = Till(data_dir, qtbot)
    try:
        codes = [f"20000000{n:05d}" for n in range(50)]
        catalog.upsert_products(t.db, [
            Product(sku=f"SCAN-{n:02d}", barcode=code, name=f"Barang uji {n}",
                    category="Uji", price=1000 + n)
            for n, code in enumerate(codes)])
        w = t.window
        w.search("")
        w.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=WAIT_MS)
        rng = random.Random(10)
        taps = 0
        for code in codes:
            if rng.random() < 0.4:  # the cashier taps a tile between two scans
                # The whole catalogue again (not the hits of a half-typed code), then a tap on
                # one of the shop's other products.
                qtbot.waitUntil(lambda: w.tasks.pending == 0 and len(w.grid.shown) > 30,
                                timeout=WAIT_MS)
                product = rng.choice([p for p in w.grid.shown if not p.sku.startswith("SCAN")])
                tile = w.grid.tile_for(product.sku)
                assert tile is not None
                qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
                taps += 1
            wedge_scan(code)
        qtbot.waitUntil(lambda: sum(1 for s in quantities(t) if s.startswith("SCAN-")) == 50,
                        timeout=WAIT_MS)
        q = quantities(t)
        assert {s: n for s, n in q.items() if n != 1 and s.startswith("SCAN")} == {}
        assert sum(q.values()) == 50 + taps, (q, taps)
        assert w.search_input.text() == ""
    finally:
        t.close()


def test_item_scanned_while_a_cash_sale_is_written_stays_in_the_cart(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    gate = threading.Event()
    w.tasks.write(gate.wait)  # the writer is busy: the cash sale waits its turn
    try:
        w.complete_cash(10000)
        # The next customer's first item, while the sale is being written (lookups run on
        # the reader thread, which is free).
        qtbot.keyClicks(w.search_input, INDOMIE)
        qtbot.keyClick(w.search_input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "MKN-001" in quantities(till), timeout=WAIT_MS)
    finally:
        gate.set()
    qtbot.waitUntil(lambda: w.tasks.pending == 0 and w.receipt_dialog is not None,
                    timeout=WAIT_MS)
    assert cart_summary(till) == [("Indomie Goreng", 1)]
    lines = till.db.query("SELECT sku, quantity FROM order_lines")
    assert [(r["sku"], r["quantity"]) for r in lines] == [("MNM-001", 1)]


def test_plus_after_adding_by_name_changes_the_added_line(till: Till, qtbot) -> None:
    w = till.window
    till.scan(INDOMIE)
    qtbot.keyClicks(w.search_input, "teh botol")
    qtbot.keyClick(w.search_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "MNM-001" in quantities(till), timeout=WAIT_MS)
    qtbot.keyClick(w.search_input, Qt.Key.Key_Plus)
    assert quantities(till) == {"MKN-001": 1, "MNM-001": 2}


def test_arrow_keys_pick_among_search_hits(till: Till, qtbot) -> None:
    w = till.window
    qtbot.keyClicks(w.search_input, "indomie")
    qtbot.waitUntil(lambda: len(w.grid.shown) == 2, timeout=WAIT_MS)
    second = w.grid.shown[1]
    qtbot.keyClick(w.search_input, Qt.Key.Key_Down)
    qtbot.keyClick(w.search_input, Qt.Key.Key_Down)
    assert w.grid.highlighted() is not None and w.grid.highlighted().sku == second.sku
    qtbot.keyClick(w.search_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.cart.is_empty, timeout=WAIT_MS)
    assert quantities(till) == {second.sku: 1}
    assert w.search_input.text() == ""


def test_quantity_typed_before_a_scan_or_for_the_selected_line(till: Till, qtbot) -> None:
    w = till.window
    qtbot.keyClicks(w.search_input, "3*")
    till.scan(INDOMIE)
    assert quantities(till) == {"MKN-001": 3}
    qtbot.keyClicks(w.search_input, "5*")
    qtbot.keyClick(w.search_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: quantities(till) == {"MKN-001": 5}, timeout=WAIT_MS)
    assert w.search_input.text() == ""


def test_focus_returns_to_the_search_box_when_a_dialog_closes(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    qtbot.keyClick(w.search_input, Qt.Key.Key_F9)
    dlg = w.discount_dialog
    assert dlg is not None
    qtbot.waitUntil(lambda: dlg.input.hasFocus(), timeout=WAIT_MS)  # type "10%" at once
    qtbot.keyClick(dlg.input, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w.discount_dialog is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.search_input, timeout=WAIT_MS)


def test_discount_errors_are_indonesian(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    w.edit_discount()
    dlg = w.discount_dialog
    for typed in ("", "abc", "150%"):
        dlg.input.setText(typed)
        qtbot.keyClick(dlg.input, Qt.Key.Key_Return)
        assert dlg.isVisible()
        text = dlg.problem.text()
        assert text, typed
        for english in ("empty", "enter", "amount", "must", "percent", "number"):
            assert english not in text.lower(), (typed, text)
    dlg.input.setText("10%")
    qtbot.keyClick(dlg.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.cart_panel.total.text() == "Rp 5.400", timeout=WAIT_MS)


def test_line_discount_larger_than_the_line_is_refused_in_indonesian(till: Till, qtbot,
                                                                     monkeypatch) -> None:
    w = till.window
    till.scan(TEH)
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: said.append(text))
    w.edit_discount()
    dlg = w.discount_dialog
    dlg.line.setChecked(True)
    dlg.input.setText("9000")
    qtbot.keyClick(dlg.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(said) or bool(dlg.problem.text()), timeout=WAIT_MS)
    shown = " ".join(said) + dlg.problem.text()
    assert "melebihi" in shown and "gross" not in shown


def history_dialog(t: Till, qtbot):
    t.window.show_history()
    qtbot.waitUntil(lambda: t.window.history_dialog is not None, timeout=WAIT_MS)
    return t.window.history_dialog


def test_history_reads_like_a_cashier_speaks(till: Till, qtbot) -> None:
    w = till.window
    catalog.upsert_products(till.db, [Product(sku="TV-1", barcode="1234500000017",
                                               name="Televisi 32 inci", price=1_014_000)])
    till.scan("1234500000017")
    w.complete_cash(1_014_000)
    qtbot.waitUntil(lambda: w.cart.is_empty and w.tasks.pending == 0, timeout=WAIT_MS)
    till.scan(TEH)
    w.pay_qris()
    qtbot.waitUntil(lambda: w.qris_dialog is not None and w.qris_dialog.payload is not None,
                    timeout=WAIT_MS)
    w.qris_dialog.simulate_button.click()
    qtbot.waitUntil(lambda: w.qris_dialog is None and w.cart.is_empty, timeout=WAIT_MS)
    dlg = history_dialog(till, qtbot)
    qtbot.waitExposed(dlg)
    table = dlg.table
    methods = {table.item(r, 3).text() for r in range(table.rowCount())}
    assert methods == {"Tunai", "QRIS (Simulator)"}
    total_column = 4
    texts = [table.item(r, total_column).text() for r in range(table.rowCount())]
    assert "Rp 1.014.000" in texts
    metrics = table.fontMetrics()
    needed = max(metrics.horizontalAdvance(t) for t in texts)
    assert table.columnWidth(total_column) >= needed
    assert table.viewport().width() >= sum(table.columnWidth(c) for c in range(5)) - 2
    assert "Rp 1.020.000" in dlg.day_total.text() and "2" in dlg.day_total.text()


def test_disabled_buttons_look_disabled(till: Till, qtbot) -> None:
    till.scan(TEH)
    dlg = history_dialog(till, qtbot)
    qtbot.waitExposed(dlg)
    button = dlg.accept_late  # a primary button, disabled until a late payment is chosen
    assert not button.isEnabled()
    disabled = button.grab().toImage().pixelColor(6, button.height() // 2)
    button.setEnabled(True)
    enabled = button.grab().toImage().pixelColor(6, button.height() // 2)
    assert disabled != enabled
    assert disabled.saturation() < enabled.saturation()


def test_enter_closes_the_receipt(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    w.complete_cash(6000)
    qtbot.waitUntil(lambda: w.receipt_dialog is not None, timeout=WAIT_MS)
    receipt = w.receipt_dialog
    assert receipt.isVisible()
    qtbot.keyClick(w.search_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.receipt_dialog is None, timeout=WAIT_MS)


def test_clearing_the_cart_asks_in_indonesian(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    qtbot.keyClick(w.search_input, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w.clear_question is not None, timeout=WAIT_MS)
    box = w.clear_question
    texts = sorted(b.text().replace("&", "") for b in box.buttons())
    assert texts == ["Tidak", "Ya, kosongkan"], texts
    yes = next(b for b in box.buttons() if b.text().replace("&", "") == "Ya, kosongkan")
    yes.click()
    qtbot.waitUntil(lambda: w.cart.is_empty, timeout=WAIT_MS)


def test_change_shown_big_on_both_screens_until_the_next_item(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    till.scan(INDOMIE)
    w.complete_cash(20000)
    qtbot.waitUntil(lambda: w.change_banner.isVisible(), timeout=WAIT_MS)
    assert w.change_banner.text() == "Kembalian Rp 10.500"
    qtbot.waitUntil(lambda: "Kembalian Rp 10.500" in till.display.paid_change_label.text(),
                    timeout=WAIT_MS)
    assert till.display.paid_change_label.isVisibleTo(till.display)
    till.scan(TEH)
    assert not w.change_banner.isVisible()


def test_free_price_key_sells_an_item_not_in_the_list(till: Till, qtbot) -> None:
    w = till.window
    qtbot.keyClick(w.search_input, Qt.Key.Key_F6)
    dlg = w.custom_dialog
    assert dlg is not None
    qtbot.waitUntil(lambda: dlg.amount.hasFocus(), timeout=WAIT_MS)
    qtbot.keyClicks(dlg.amount, "12.500")
    dlg.name.setText("Kerupuk kaleng")
    qtbot.keyClick(dlg.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.cart.is_empty, timeout=WAIT_MS)
    assert cart_summary(till) == [("Kerupuk kaleng", 1)]
    assert w.cart_panel.total.text() == "Rp 12.500"
    w.complete_cash(20000)
    qtbot.waitUntil(lambda: w.cart.is_empty and w.tasks.pending == 0, timeout=WAIT_MS)
    row = till.db.query_one("SELECT sku, name, unit_price FROM order_lines")
    assert row["sku"].startswith("CUSTOM-") and row["name"] == "Kerupuk kaleng"
    assert row["unit_price"] == 12500


def test_free_price_refuses_nonsense_in_indonesian(till: Till, qtbot) -> None:
    w = till.window
    w.sell_free_price()
    dlg = w.custom_dialog
    for typed in ("", "0", "abc", "99.999.999.999.999"):
        dlg.amount.setText(typed)
        qtbot.keyClick(dlg.amount, Qt.Key.Key_Return)
        assert dlg.isVisible() and dlg.problem.text(), typed
    assert w.cart.is_empty


def test_nothing_the_cashier_must_see_is_cut_off(till: Till, qtbot) -> None:
    """At 1366x768 with a title bar (about 740 px left) and at 1280x1024 the status bar and
    the pay buttons stay inside the window."""
    w = till.window
    hint = w.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 700, hint
    for width, height in ((1366, 730), (1280, 990)):
        w.resize(width, height)
        QApplication.processEvents()
        assert w.statusBar().geometry().bottom() <= w.height()
        for b in (w.cash_button, w.qris_button, w.free_price_button):
            top_left = b.mapTo(w, b.rect().topLeft())
            assert top_left.y() >= 0 and top_left.y() + b.height() <= w.statusBar().y(), b


def test_simulator_outside_demo_mode_says_it_is_not_real_money(data_dir: Path, qtbot) -> None:
    t = Till(data_dir, qtbot)
    try:
        t.window.demo = False
        t.settings.set("payment.provider", "simulator")
        t.window._settings_saved(["payment.provider"])
        qtbot.waitUntil(lambda: t.window.tasks.pending == 0, timeout=WAIT_MS)
        assert t.window.demo_banner.isVisible()
        assert "tidak ada uang sungguhan" in t.window.demo_banner.text()
        assert "memasang QRIS toko Anda" in t.window.demo_banner.text()
        # the shop's QRIS saved (the first-run guide): the banner asks for what is missing
        t.settings.set("payment.static_qris", DEMO_STATIC_QRIS)
        t.window._settings_saved(["payment.static_qris"])
        qtbot.waitUntil(lambda: t.window.tasks.pending == 0, timeout=WAIT_MS)
        assert "QRIS toko sudah tersimpan" in t.window.demo_banner.text()
        assert "Pengaturan → Pembayaran" in t.window.demo_banner.text()
    finally:
        t.close()



def test_products_screen_changes_reach_the_grid_at_once(till: Till, qtbot) -> None:
    from pos_app.products import CatalogItem
    from pos_app.ui.products import ProductsDialog

    w = till.window
    qtbot.keyClick(w.search_input, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: w.findChild(ProductsDialog) is not None, timeout=WAIT_MS)
    dlg = w.findChild(ProductsDialog)
    catalog.save_item(till.db, CatalogItem("", "Kerupuk Udang", 8000, category="Camilan Baru",
                                           barcodes=("7770001",), stock=2, low_stock=3))
    dlg.catalogChanged.emit()
    qtbot.waitUntil(lambda: any(p.name == "Kerupuk Udang" for p in w.grid.shown),
                    timeout=WAIT_MS)
    tile = next(t for t in w.grid._tiles if t.product and t.product.name == "Kerupuk Udang")
    assert tile.property("lowStock") is True and "Stok tinggal 2" in tile.price.text()
    qtbot.waitUntil(lambda: "Camilan Baru" in [b.text() for b in
                                              w.categories._group.buttons()], timeout=WAIT_MS)
    dlg.reject()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.search_input, timeout=WAIT_MS)
