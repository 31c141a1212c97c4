"""The cashier window and the customer display together, driven like a cashier would
(pytest-qt, offscreen): real widgets, real SQLite, the simulator through the real sync engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_app import qris
from pos_app.demo import demo_products
from pos_app.order_state import OrderStatus
from pos_app.payments import PaymentService
from pos_app.settings import Settings
from pos_app.storage import catalog, open_database
from pos_app.storage.orders import latest_payment, load_order
from pos_app.ui.customer_display import CustomerDisplay, DisplayState
from pos_app.ui.main_window import CashierWindow
from pos_app.ui.tasks import TaskManager
from sync.events import EventKind
from tests.qr_decode import decode
from tests.waiting import WAIT_MS

INDOMIE = "089686010947"  # Indomie Goreng, Rp 3.500
TEH = "8998866200011"  # Teh Botol Sosro, Rp 6.000


class Till:
    """One running till: window + display + services on a data dir."""

    def __init__(self, data_dir: Path, qtbot, *, pay_after: str = "never",
                 demo: bool = True, idle_after_s: float = 0.3) -> None:
        """``demo``: sell through the simulator in demo mode; else through the provider the
        data dir's settings name."""
        self.settings = Settings.load(data_dir)
        self.settings.set("simulator.pay_after_s", pay_after)
        self.db = open_database(data_dir / "pos.sqlite3")
        if catalog.product_count(self.db) == 0:
            catalog.upsert_products(self.db, demo_products())
        self.service = PaymentService(self.db, self.settings,
                                      provider_override="simulator" if demo else None,
                                      poll_interval_s=0.1)
        self.tasks = TaskManager()
        self.display = CustomerDisplay(store_name="Warung Demo", idle_after_s=idle_after_s)
        self.window = CashierWindow(self.settings, self.service, self.tasks, self.display,
                                    demo=demo)
        qtbot.addWidget(self.window)
        qtbot.addWidget(self.display)
        self.service.start()
        self.window.show()
        self.display.place()
        self.window.activateWindow()
        qtbot.waitActive(self.window, timeout=WAIT_MS)
        self.qtbot = qtbot

    def scan(self, code: str) -> None:
        w = self.window
        self.qtbot.keyClicks(w.search_input, code)
        self.qtbot.keyClick(w.search_input, Qt.Key.Key_Return)
        # The box empties at Enter; the product is added when the lookup answers.
        self.qtbot.waitUntil(lambda: w.search_input.text() == "" and w.tasks.pending == 0,
                             timeout=WAIT_MS)

    def close(self) -> None:
        self.window.close()
        self.service.stop()
        self.tasks.shutdown()
        self.db.close()


@pytest.fixture
def till(data_dir: Path, qtbot):
    t = Till(data_dir, qtbot)
    yield t
    t.close()


def display_states(display: CustomerDisplay) -> list[DisplayState]:
    """Every state the customer display enters from now on, in order. Its idle timer (0.3 s
    here) moves on from PAID by itself, so on a slow machine ``display.state`` may already be
    IDLE by the time a test looks; the history still shows what the customer saw."""
    seen: list[DisplayState] = []

    def recording(show):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            show(*args, **kwargs)
            seen.append(display.state)
        return call

    for name in ("show_idle", "show_cart", "show_qris", "show_paid", "show_message"):
        setattr(display, name, recording(getattr(display, name)))
    return seen


def shown_paid_then_idle_at_most(seen: list[DisplayState]) -> bool:
    """PAID was shown, and since then at most the automatic return to IDLE."""
    return DisplayState.PAID in seen and seen[seen.index(DisplayState.PAID):] in (
        [DisplayState.PAID], [DisplayState.PAID, DisplayState.IDLE])


def cart_summary(t: Till) -> list[tuple[str, int]]:
    return [(line.product.name, line.quantity) for line in t.window.cart.lines]


def test_scan_and_click_build_the_cart(till: Till, qtbot) -> None:
    w = till.window
    qtbot.waitUntil(lambda: len(w.grid.shown) > 0, timeout=WAIT_MS)
    till.scan(INDOMIE)
    till.scan(INDOMIE)
    assert cart_summary(till) == [("Indomie Goreng", 2)]
    # Search as you type, then click a tile.
    qtbot.keyClicks(w.search_input, "teh bot")
    qtbot.waitUntil(lambda: [p.name for p in w.grid.shown] == ["Teh Botol Sosro 450ml"],
                    timeout=WAIT_MS)
    tile = w.grid.tile_for("MNM-001")
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert cart_summary(till) == [("Indomie Goreng", 2), ("Teh Botol Sosro 450ml", 1)]
    assert w.cart_panel.total.text() == "Rp 13.000"
    assert w.cart_panel.table.rowCount() == 2
    # The customer sees the cart too.
    assert till.display.state is DisplayState.CART
    assert "Rp 13.000" in till.display.findChild(type(w.cart_panel.total), "totalLabel").text()
    # An unknown code tells the cashier and adds nothing.
    w.search_input.clear()
    qtbot.keyClicks(w.search_input, "1234567890123")
    qtbot.keyClick(w.search_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "tidak ditemukan" in w.statusBar().currentMessage(), timeout=WAIT_MS)
    assert len(w.cart.lines) == 2
    # A scan into a box that still holds a search word still finds the barcode.
    w.search_input.setText("kopi")
    till.scan(TEH)
    assert cart_summary(till)[-1] == ("Teh Botol Sosro 450ml", 2)
    # Keyboard +/- on the selected line.
    qtbot.keyClick(w.search_input, Qt.Key.Key_Plus)
    assert cart_summary(till)[-1] == ("Teh Botol Sosro 450ml", 3)


def test_pay_cash_with_change(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    till.scan(INDOMIE)
    shown = display_states(till.display)
    qtbot.keyClick(w.search_input, Qt.Key.Key_F4)
    dlg = w.cash_dialog
    assert dlg is not None and dlg.isVisible()
    assert [b.property("amount") for b in dlg.quick_buttons][:2] == [9500, 10000]
    qtbot.keyClicks(dlg.input, "20.000")
    assert dlg.change.text() == "Rp 10.500"
    qtbot.keyClick(dlg.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.receipt_dialog is not None, timeout=WAIT_MS)
    assert w.cart.is_empty
    # paid, how and the change, big above the receipt
    assert w.receipt_dialog.paid.isVisibleTo(w.receipt_dialog)  # type: ignore[union-attr]
    assert w.receipt_dialog.paid.text() == (  # type: ignore[union-attr]
        "✓ Lunas — Tunai Rp 9.500   Kembalian Rp 10.500")
    receipt = w.last_receipt
    assert "Tunai" in receipt and "Rp 20.000" in receipt
    assert "Kembali" in receipt and "Rp 10.500" in receipt
    order_id = receipt.split("\n")[2].split()[0]
    order = load_order(till.db, order_id)
    assert order.status is OrderStatus.PAID and order.total == 9500
    assert latest_payment(till.db, order_id).change_given == 10500
    assert shown_paid_then_idle_at_most(shown), shown


def test_cash_dialog_refuses_too_little(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    w.pay_cash()
    dlg = w.cash_dialog
    qtbot.keyClicks(dlg.input, "5000")
    assert not dlg.pay.isEnabled() and "kurang" in dlg.problem.text()
    qtbot.keyClick(dlg.input, Qt.Key.Key_Return)
    assert dlg.isVisible() and till.db.scalar("SELECT count(*) FROM orders") == 0


def test_pay_qris_with_simulator_updates_both_windows(till: Till, qtbot) -> None:
    w = till.window
    till.scan(INDOMIE)
    till.scan(TEH)
    qtbot.keyClick(w.search_input, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: w.qris_dialog is not None and w.qris_dialog.payload is not None,
                    timeout=WAIT_MS)
    dlg = w.qris_dialog
    assert qris.parse(dlg.payload).amount == 9500
    assert dlg.amount_label.text() == "Rp 9.500"
    assert dlg.countdown.text().startswith("Berlaku")
    # The customer display shows the same QR, decodable by an independent decoder.
    qtbot.waitUntil(lambda: till.display.state is DisplayState.QRIS, timeout=WAIT_MS)
    QApplication.processEvents()
    assert decode(till.display.grab().toImage()) == [dlg.payload]
    assert decode(dlg.qr.grab_qimage()) == [dlg.payload]
    shown = display_states(till.display)
    with qtbot.waitSignal(w.saleCompleted, timeout=WAIT_MS) as sale:
        dlg.simulate_button.click()
        qtbot.waitUntil(lambda: dlg.final is EventKind.PAID, timeout=WAIT_MS)
        assert shown_paid_then_idle_at_most(shown), shown
        assert "LUNAS" in dlg.status.text()
    order = load_order(till.db, sale.args[0])
    assert order.status is OrderStatus.PAID and order.total == 9500
    assert w.cart.is_empty
    qtbot.waitUntil(lambda: w.last_receipt is not None and "QRIS (simulator)" in w.last_receipt,
                    timeout=WAIT_MS)
    # Back to idle for the next customer.
    qtbot.waitUntil(lambda: till.display.state is DisplayState.IDLE, timeout=WAIT_MS)


def test_a_paid_qris_dialog_closing_after_the_till_shut_down_is_no_error(till: Till,
                                                                       qtbot) -> None:
    """The window closed (its threads gone) while a paid QRIS dialog was still up: the dialog
    closes by itself a moment later, and its receipt has no one to be shown to."""
    w = till.window
    till.scan(TEH)
    w.pay_qris()
    qtbot.waitUntil(lambda: w.qris_dialog is not None and w.qris_dialog.payload is not None,
                    timeout=WAIT_MS)
    dlg = w.qris_dialog
    dlg.simulate_button.click()
    qtbot.waitUntil(lambda: dlg.final is EventKind.PAID, timeout=WAIT_MS)
    till.tasks.shutdown()
    with qtbot.waitSignal(w.saleCompleted, timeout=WAIT_MS):
        dlg.accept()  # pytest-qt fails the test on an exception raised in a slot
    assert w.receipt_dialog is None


def test_cancel_qris(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    w.pay_qris()
    qtbot.waitUntil(lambda: w.qris_dialog is not None and w.qris_dialog.payload is not None,
                    timeout=WAIT_MS)
    dlg = w.qris_dialog
    order_id = dlg.order_id
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)  # Esc cancels, and tells the provider
    qtbot.waitUntil(lambda: dlg.final is EventKind.CANCELLED, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: w.qris_dialog is None, timeout=WAIT_MS)
    assert load_order(till.db, order_id).status is OrderStatus.CANCELLED
    assert till.display.state in (DisplayState.MESSAGE, DisplayState.CART)
    assert cart_summary(till) == [("Teh Botol Sosro 450ml", 1)], \
        "the cart stays for another try or cash"
    # A cancelled payment can't be paid any more, even if the simulator says so.
    till.service.simulate_paid(order_id)
    qtbot.wait(500)
    assert load_order(till.db, order_id).status in (OrderStatus.CANCELLED, OrderStatus.LATE_PAYMENT)
    assert load_order(till.db, order_id).status is not OrderStatus.PAID


def test_orders_survive_a_restart(data_dir: Path, qtbot) -> None:
    first = Till(data_dir, qtbot)
    first.scan(TEH)
    first.window.complete_cash(10000)
    qtbot.waitUntil(lambda: first.window.receipt_dialog is not None, timeout=WAIT_MS)
    first.scan(INDOMIE)
    first.window.pay_qris()
    qtbot.waitUntil(lambda: first.window.qris_dialog is not None
                    and first.window.qris_dialog.payload is not None, timeout=WAIT_MS)
    pending_id = first.window.qris_dialog.order_id
    first.close()  # closed with a QRIS still open

    second = Till(data_dir, qtbot, pay_after="0")
    try:
        second.window.show_history()
        qtbot.waitUntil(lambda: second.window.history_dialog is not None, timeout=WAIT_MS)
        rows = second.window.history_dialog.rows
        assert len(rows) == 2
        assert {r["total"] for r in rows} == {6000, 3500}
        # The pending QRIS resumes on its own after the restart and gets paid.
        qtbot.waitUntil(lambda: load_order(second.db, pending_id).status is OrderStatus.PAID,
                        timeout=WAIT_MS)
    finally:
        second.close()


def test_static_qris_manual_confirmation(data_dir: Path, qtbot,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from sync.providers.simulator.adapter import DEMO_STATIC_QRIS

    settings = Settings.load(data_dir)
    settings.set("payment.static_qris", DEMO_STATIC_QRIS)
    settings.set("payment.provider", "static")
    t = Till(data_dir, qtbot)
    t.service.provider_override = None
    t.window.demo = False
    try:
        t.scan(TEH)
        t.window.pay_qris()
        qtbot.waitUntil(lambda: t.window.qris_dialog is not None
                        and t.window.qris_dialog.payload is not None,
                        timeout=WAIT_MS)
        dlg = t.window.qris_dialog
        assert dlg.confirm_button.isVisible() and not dlg.simulate_button.isVisible()
        parsed = qris.parse(dlg.payload)
        assert parsed.amount == 6000 and parsed.merchant.name == "WARUNG DEMO POS-APP"
        qtbot.wait(300)
        assert dlg.final is None, "static never confirms by itself"
        asked = []
        monkeypatch.setattr(QMessageBox, "question",
                            lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.Yes)
        dlg.confirm_button.click()
        qtbot.waitUntil(lambda: dlg.final is EventKind.PAID, timeout=WAIT_MS)
        assert asked, "the cashier is asked to check the bank app first"
        row = t.db.query_one(
            "SELECT actor FROM audit_log WHERE action = 'payment_confirmed_manually'")
        assert row is not None and row["actor"] == t.window.cashier
    finally:
        t.close()


def test_window_in_english(data_dir: Path, qtbot) -> None:
    from pos_app.ui import i18n

    i18n.set_language("en")
    try:
        t = Till(data_dir, qtbot)
        try:
            assert t.window.cash_button.text() == "Cash (F4)"
            assert t.window.search_input.placeholderText() == "Search or scan a barcode (F2)"
        finally:
            t.close()
    finally:
        i18n.set_language("id")


def test_late_payment_accepted_from_history(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    w.pay_qris()
    qtbot.waitUntil(lambda: w.qris_dialog is not None and w.qris_dialog.payload is not None,
                    timeout=WAIT_MS)
    order_id = w.qris_dialog.order_id
    # The QR runs out (forced here instead of waiting ten minutes) ...
    engine = till.service.engine
    engine._emit_all(engine.ledger.expired(latest_payment(till.db, order_id)))
    qtbot.waitUntil(lambda: w.qris_dialog is None or w.qris_dialog.final is EventKind.EXPIRED,
                    timeout=WAIT_MS)
    # ... and the customer pays anyway, from a screenshot.
    till.service.simulate_paid(order_id)
    qtbot.waitUntil(lambda: load_order(till.db, order_id).status is OrderStatus.LATE_PAYMENT,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "terlambat" in w.statusBar().currentMessage(), timeout=WAIT_MS)
    if w.qris_dialog is not None:
        w.qris_dialog.close_button.click()
    w.show_history()
    qtbot.waitUntil(lambda: w.history_dialog is not None, timeout=WAIT_MS)
    dlg = w.history_dialog
    row = [r["id"] for r in dlg.rows].index(order_id)
    dlg.table.setCurrentCell(row, 0)
    assert dlg.accept_late.isEnabled() and dlg.late_hint.isVisible()
    dlg.accept_late.click()
    qtbot.waitUntil(lambda: load_order(till.db, order_id).status is OrderStatus.PAID,
                    timeout=WAIT_MS)


def test_provider_trouble_banner(till: Till, qtbot) -> None:
    from sync.events import SyncEvent

    w = till.window

    def state(name: str) -> SyncEvent:
        return SyncEvent(EventKind.PROVIDER_STATE, "", None, {"provider": "pakasir", "state": name})

    assert not w.health_banner.isVisible()
    w.events.publish(state("down"))
    assert w.health_banner.isVisible() and "tunai" in w.health_banner.text()
    w.events.publish(state("needs_login"))
    # Pakasir's API key is typed in (seed 003): refused, it is fixed in Settings, not by a login.
    assert "Kunci API Pakasir ditolak" in w.health_banner.text()
    w.events.publish(state("ok"))
    assert not w.health_banner.isVisible()


def test_tile_takes_a_tap_on_its_name_or_price(till: Till, qtbot) -> None:
    """The labels inside a tile ignore the mouse, so a tap anywhere on the tile sells the item."""
    w = till.window
    qtbot.keyClicks(w.search_input, "teh bot")
    qtbot.waitUntil(lambda: [p.name for p in w.grid.shown] == ["Teh Botol Sosro 450ml"],
                    timeout=WAIT_MS)
    tile = w.grid.tile_for("MNM-001")
    assert tile is not None
    for label in (tile.name, tile.price):
        qtbot.mouseClick(label, Qt.MouseButton.LeftButton)
    assert cart_summary(till) == [("Teh Botol Sosro 450ml", 2)]


def test_plus_minus_delete_in_the_empty_search_box(till: Till, qtbot) -> None:
    w = till.window
    till.scan(INDOMIE)
    till.scan(TEH)
    qtbot.keyClick(w.search_input, Qt.Key.Key_Plus)
    qtbot.keyClick(w.search_input, Qt.Key.Key_Plus)
    assert cart_summary(till) == [("Indomie Goreng", 1), ("Teh Botol Sosro 450ml", 3)]
    qtbot.keyClick(w.search_input, Qt.Key.Key_Minus)
    assert cart_summary(till) == [("Indomie Goreng", 1), ("Teh Botol Sosro 450ml", 2)]
    w.cart_panel.select_sku(w.cart.lines[0].sku)
    qtbot.keyClick(w.search_input, Qt.Key.Key_Delete)
    assert cart_summary(till) == [("Teh Botol Sosro 450ml", 2)]
    # With text in the box the keys type: "+" is part of a search, not a quantity change.
    qtbot.keyClicks(w.search_input, "c+")
    assert w.search_input.text() == "c+"
    qtbot.keyClick(w.search_input, Qt.Key.Key_Minus)
    assert w.search_input.text() == "c+-"
    assert cart_summary(till) == [("Teh Botol Sosro 450ml", 2)]


def test_empty_cart_shows_the_hint_then_the_lines(till: Till, qtbot) -> None:
    panel = till.window.cart_panel
    assert panel.empty_hint.isVisible()
    assert panel._table is None  # made with the first line (start-up time)
    assert panel.selected_sku() is None
    till.scan(INDOMIE)
    assert panel.table.isVisible() and not panel.empty_hint.isVisible()
    assert panel.table.rowCount() == 1 and panel.table.item(0, 2).text() == "Rp 3.500"
    till.window.clear_cart()
    assert panel.empty_hint.isVisible() and not panel.table.isVisible()
    assert panel.total.text() == "Rp 0"


def test_language_switches_live_from_settings(till: Till, qtbot) -> None:
    """Choosing English in Settings changes the open window and the customer display at once."""
    from pos_app.ui import i18n

    w = till.window
    till.scan(INDOMIE)
    try:
        till.settings.set("ui.language", "en")
        w._settings_saved(["ui.language"])
        assert w.cash_button.text() == "Cash (F4)"
        assert w.search_input.placeholderText() == "Search or scan a barcode (F2)"
        assert w.cart_panel.total_label.text() == "TOTAL"
        assert w.cart_panel.items.text() == "Items: 1"
        assert w.cart_panel.table.horizontalHeaderItem(1).text() == "Qty"
        assert w.cart_panel.table.horizontalHeaderItem(2).text() == "Subtotal"
        assert w.windowTitle().startswith("Cashier")
        assert till.display.windowTitle() == "Customer display"
        w.clear_cart()
        assert w.cart_panel.empty_hint.text().startswith("Cart is empty")
        till.settings.set("ui.language", "id")
        w._settings_saved(["ui.language"])
        assert w.cash_button.text() == "Tunai (F4)"
        assert w.cart_panel.empty_hint.text().startswith("Keranjang kosong")
    finally:
        i18n.set_language("id")


def test_f5_twice_before_the_qr_opens_is_one_sale(till: Till, qtbot) -> None:
    w = till.window
    till.scan(INDOMIE)
    # Both presses land before the writer thread's answer (it is delivered by the event loop,
    # which keyClick does not run): the second must not write a second sale of the same cart.
    qtbot.keyClick(w.search_input, Qt.Key.Key_F5)
    qtbot.keyClick(w.search_input, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: w.qris_dialog is not None, timeout=WAIT_MS)
    qtbot.keyClick(w.search_input, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: w.tasks.pending == 0, timeout=WAIT_MS)
    assert till.db.scalar("SELECT count(*) FROM orders") == 1


def test_cash_enter_twice_is_one_sale(till: Till, qtbot) -> None:
    w = till.window
    till.scan(TEH)
    w.pay_cash()
    w.complete_cash(10000)
    w.pay_cash()  # F4 again while the first sale is still being written
    w.complete_cash(10000)
    qtbot.waitUntil(lambda: w.tasks.pending == 0 and w.cart.is_empty, timeout=WAIT_MS)
    assert till.db.scalar("SELECT count(*) FROM orders") == 1


def test_misconfigured_provider_banner_sends_the_owner_to_settings(till: Till) -> None:
    w = till.window
    w._provider_state("static", "misconfigured")
    assert w.health_banner.isVisible()
    banner = w.health_banner.text()
    assert "Pengaturan" in banner and "tidak bisa dihubungi" not in banner


def test_search_box_keeps_no_undo_history_after_a_scan(till: Till) -> None:
    """Qt keeps every edit of a cleared line edit for Ctrl+Z: a till scanning all day grew by
    ~0.8 KB per barcode until the box started afresh after each scan."""
    till.scan(INDOMIE)
    till.scan(TEH)
    assert not till.window.search_input.isUndoAvailable()


def test_discount_and_history_dialogs_are_freed_when_closed(till: Till, qtbot) -> None:
    import shiboken6

    w = till.window
    till.scan(TEH)
    w.edit_discount()
    dlg = w.discount_dialog
    assert dlg is not None
    dlg.reject()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dlg), timeout=WAIT_MS)
    assert w.discount_dialog is None
    w.show_history()
    qtbot.waitUntil(lambda: w.history_dialog is not None, timeout=WAIT_MS)
    history = w.history_dialog
    history.reject()
    qtbot.waitUntil(lambda: not shiboken6.isValid(history), timeout=WAIT_MS)
    assert w.history_dialog is None


def test_app_events_of_a_cash_and_a_qris_sale(till: Till, qtbot) -> None:
    """What a soundbox or a printer will listen to: paid, then completed, for either method."""
    from pos_app.order_state import PaymentMethod

    w = till.window
    seen: list[tuple[str, object]] = []
    for name in ("qr_shown", "payment_paid", "sale_completed", "qr_cleared"):
        getattr(w.events, name).connect(lambda value, _name=name: seen.append((_name, value)))
    till.scan(TEH)
    w.complete_cash(10000)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=WAIT_MS)
    (paid_name, paid), (done_name, done) = seen
    assert (paid_name, done_name) == ("payment_paid", "sale_completed")
    assert (paid.method, paid.amount, done.method, done.total) == (
        PaymentMethod.CASH, 6000, PaymentMethod.CASH, 6000)
    assert paid.order_id == done.order_id
    assert load_order(till.db, done.order_id).status is OrderStatus.PAID

    seen.clear()
    till.scan(INDOMIE)
    w.pay_qris()
    qtbot.waitUntil(lambda: w.qris_dialog is not None and w.qris_dialog.payload is not None,
                    timeout=WAIT_MS)
    dlg = w.qris_dialog
    dlg.simulate_button.click()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    assert [name for name, _value in seen] == ["qr_shown", "payment_paid", "sale_completed"]
    assert {value.order_id for _name, value in seen} == {dlg.order_id}
    assert seen[0][1].payload == dlg.payload and seen[1][1].method is PaymentMethod.QRIS
    assert seen[2][1].total == 3500 and w.events.till_order is None


def test_saved_provider_settings_reset_payments_on_the_writer_thread(
        till: Till, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing the old adapters and writing their reset happen off the GUI thread; a QRIS sale
    started right after saving is written after the reset, with the owner's provider."""
    import threading

    from sync.providers.simulator.adapter import DEMO_STATIC_QRIS

    w = till.window
    threads: list[threading.Thread] = []
    forget = till.service.forget_providers

    def recording() -> None:
        threads.append(threading.current_thread())
        forget()

    monkeypatch.setattr(till.service, "forget_providers", recording)
    till.scan(TEH)
    till.settings.set("payment.static_qris", DEMO_STATIC_QRIS)
    till.settings.set("payment.provider", "static")
    w._settings_saved(["payment.provider", "payment.static_qris"])
    assert w.demo, "demo mode ends when the reset is done, not before"
    w.pay_qris()
    qtbot.waitUntil(lambda: w.qris_dialog is not None and w.qris_dialog.payload is not None,
                    timeout=WAIT_MS)
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    dlg = w.qris_dialog
    assert dlg.confirm_button.isVisible() and not dlg.simulate_button.isVisible()
    assert qris.parse(dlg.payload).merchant.name == "WARUNG DEMO POS-APP"
    assert not w.demo and not w.demo_banner.isVisible()
    assert latest_payment(till.db, dlg.order_id).provider == "static"
