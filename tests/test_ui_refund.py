"""The refund, void and owed-refunds dialogs over a real SQLite file, real sales written by the
checkout, and a real TaskManager: what the cashier sees, what the owner is asked to approve,
and what is written."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from pos_app.cart import Cart, Discount, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import zone
from pos_app.money import format_rupiah
from pos_app.refunds import PaidBack
from pos_app.storage import refunds as refund_store, shifts as shift_store
from pos_app.storage.orders import OrderRecord
from pos_app.ui.refund_dialog import OwedRefundsDialog, RefundDialog, VoidDialog
from pos_app.ui.tasks import TaskManager

WIB = zone("Asia/Jakarta")
KOPI = Product(sku="A", name="Kopi Susu", price=5000)
ROTI = Product(sku="B", name="Roti Bakar", price=12000)


class Approver:
    """The window's owner approval, by hand: records what it was asked, answers when told."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, Callable[[str], None]]] = []

    def __call__(self, sentence: str, on_approved: Callable[[str], None]) -> None:
        self.asked.append((sentence, on_approved))

    @property
    def sentences(self) -> list[str]:
        return [s for s, _ in self.asked]

    def approve(self, owner: str = "Budi", which: int = -1) -> None:
        self.asked[which][1](owner)


@pytest.fixture
def tasks(qapp):
    manager = TaskManager()
    yield manager
    manager.shutdown()


@pytest.fixture
def checkout(db, clock) -> CheckoutService:
    return CheckoutService(db, Till("K1", WIB, cashier="Sri"), clock)


def _cart(*items: tuple[Product, int], order_discount: int = 0) -> Cart:
    cart = Cart()
    for product, n in items:
        cart.add(product, n)
    if order_discount:
        cart.set_order_discount(Discount.amount(order_discount))
    return cart


def _cash_sale(checkout: CheckoutService, *items: tuple[Product, int],
               order_discount: int = 0) -> OrderRecord:
    cart = _cart(*items, order_discount=order_discount)
    return checkout.complete_cash_sale(cart, cart.totals().total)


def _qris_sale(db, checkout: CheckoutService, *items: tuple[Product, int]) -> OrderRecord:
    order, payment = checkout.open_qris_sale(_cart(*items), "simulator", ttl_s=300)
    with db.transaction() as conn:  # the money arrived (what the sync engine's ledger does)
        conn.execute("UPDATE payments SET status = 'paid', paid_amount = ? WHERE id = ?",
                     (order.total, payment.id))
        conn.execute("UPDATE orders SET status = 'paid' WHERE id = ?", (order.id,))
    return order


def _refund_dialog(qtbot, db, tasks, clock, order_id: str, approver: Approver,
                   shift_id: str | None = None) -> RefundDialog:
    dlg = RefundDialog(db, tasks, order_id, WIB, "Sri", approver, shift_id=shift_id,
                       clock=clock)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.sale is not None and bool(dlg.steppers))
    return dlg


def _submit_and_approve(qtbot, dlg: RefundDialog, approver: Approver, owner: str = "Budi"):
    assert dlg.submit.isEnabled(), dlg.hint.text()
    qtbot.mouseClick(dlg.submit, Qt.MouseButton.LeftButton)
    approver.approve(owner)
    qtbot.waitUntil(lambda: dlg.refund is not None)
    assert dlg.result() == QDialog.DialogCode.Accepted
    return dlg.refund


def _reason_button(dlg: QDialog, text: str):
    from PySide6.QtWidgets import QPushButton

    return next(b for b in dlg.findChildren(QPushButton, "reasonButton") if b.text() == text)


# -- refunds ------------------------------------------------------------------------------------
def test_partial_line_refund_is_shown_asked_and_written(qtbot, db, tasks, clock,
                                                        checkout) -> None:
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 0, clock())
    # 27.000 of nets, 1.000 off the order: 26.000 paid; one kopi is worth 26.000 * 5/27
    order = _cash_sale(checkout, (KOPI, 3), (ROTI, 1), order_discount=1000)
    assert order.total == 26_000
    approver = Approver()
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, approver, shift_id=shift.id)
    assert dlg.windowTitle() == f"Pengembalian dana — {order.id}"
    assert [s.spin.maximum() for s in dlg.steppers.values()] == [3, 1]
    assert dlg.amount_label.text() == format_rupiah(0)
    qtbot.mouseClick(dlg.steppers[1].plus, Qt.MouseButton.LeftButton)  # the big + key
    share = 26_000 * 5_000 // 27_000  # 4.814: the storage's own arithmetic
    assert dlg.amount_label.text() == format_rupiah(share) == "Rp 4.814"
    assert dlg.values[1].text() == "Rp 4.814" and dlg.values[2].text() == "—"
    assert not dlg.submit.isEnabled() and dlg.hint.text() == "Alasan wajib diisi"
    qtbot.mouseClick(_reason_button(dlg, "Salah pesan"), Qt.MouseButton.LeftButton)
    assert dlg.reason.text() == "Salah pesan"
    assert not dlg.manual_box.isVisibleTo(dlg)  # a cash sale: no choice
    refund = _submit_and_approve(qtbot, dlg, approver)
    assert approver.sentences == [
        f"Pengembalian Rp 4.814 untuk {order.id} (Salah pesan) — tunai dari laci"]
    stored = refund_store.refunds_of(db, order.id)
    assert [(r.amount, r.approved_by, r.cashier, r.reason, r.paid_back) for r in stored] == [
        (4_814, "Budi", "Sri", "Salah pesan", PaidBack.CASH)]
    assert refund.id == stored[0].id and [(x.line_no, x.quantity) for x in refund.lines] == [
        (1, 1)]
    assert db.scalar("SELECT shift_id FROM refunds") == shift.id


def test_all_gives_back_exactly_the_order_total(qtbot, db, tasks, clock, checkout) -> None:
    order = _cash_sale(checkout, (KOPI, 3), (ROTI, 2), order_discount=700)
    approver = Approver()
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, approver)
    qtbot.mouseClick(dlg.all_button, Qt.MouseButton.LeftButton)
    assert dlg.quantities == {1: 3, 2: 2}
    assert dlg.amount_label.text() == format_rupiah(order.total)
    dlg.reason.setText("Pelanggan batal")
    refund = _submit_and_approve(qtbot, dlg, approver)
    assert refund.amount == order.total == refund_store.refunded_amount(db, order.id)
    # opened again: nothing left to give back
    again = _refund_dialog(qtbot, db, tasks, clock, order.id, Approver())
    assert [s.spin.maximum() for s in again.steppers.values()] == [0, 0]
    assert again.hint.text() == "Semua barang transaksi ini sudah dikembalikan"
    assert not again.all_button.isEnabled() and not again.submit.isEnabled()


def test_reason_is_required_and_enter_does_not_submit(qtbot, db, tasks, clock,
                                                      checkout) -> None:
    order = _cash_sale(checkout, (KOPI, 2))
    approver = Approver()
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, approver)
    dlg.show()
    qtbot.waitExposed(dlg)
    spin = dlg.steppers[1].spin
    assert not dlg.submit.isEnabled()
    assert dlg.hint.text() == "Pilih barang dan jumlah yang dikembalikan"
    spin.setValue(1)
    dlg.reason.setText("   ")  # blanks are no reason
    assert dlg.hint.text() == "Alasan wajib diisi"
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    qtbot.keyClick(dlg.reason, Qt.Key.Key_Return)
    dlg.ask_approval()  # even asked directly: refused on the screen
    assert approver.asked == [] and dlg.problem.text() == "Alasan wajib diisi"
    assert dlg.isVisible()
    dlg.reason.setText("basi")  # typing clears the old refusal
    assert dlg.problem.text() == "" and dlg.submit.isEnabled()
    qtbot.keyClick(dlg.reason, Qt.Key.Key_Return)  # with a reason Enter asks the owner
    assert approver.sentences == [
        f"Pengembalian Rp 5.000 untuk {order.id} (basi) — tunai dari laci"]


def test_tab_goes_from_quantity_to_quantity(qtbot, db, tasks, clock, checkout) -> None:
    order = _cash_sale(checkout, (KOPI, 2), (ROTI, 1))
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, Approver())
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    first, second = dlg.steppers[1].spin, dlg.steppers[2].spin
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    qtbot.keyClicks(first, "2")
    qtbot.keyClick(first, Qt.Key.Key_Tab)
    qtbot.waitUntil(second.hasFocus)
    assert dlg.quantities == {1: 2}
    assert dlg.steppers[1].plus.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_owner_cancelled_writes_nothing_and_one_approval_writes_once(qtbot, db, tasks, clock,
                                                                      checkout) -> None:
    order = _cash_sale(checkout, (ROTI, 2))
    approver = Approver()
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, approver)
    dlg.steppers[1].spin.setValue(1)
    dlg.reason.setText("gosong")
    dlg.ask_approval()  # the owner cancels: never calls back
    assert len(approver.asked) == 1
    qtbot.wait(50)
    assert db.scalar("SELECT count(*) FROM refunds") == 0
    assert dlg.isVisible() is False and dlg.result() == 0  # still open (never shown here)
    assert (dlg.quantities, dlg.reason.text(), dlg.submit.isEnabled()) == ({1: 1}, "gosong", True)
    dlg.ask_approval()  # asked again; a late answer to the first request is ignored
    approver.approve("Budi", which=0)
    qtbot.wait(50)
    assert db.scalar("SELECT count(*) FROM refunds") == 0
    approver.approve("Budi", which=1)
    approver.approve("Budi", which=1)  # a double answer writes once
    qtbot.waitUntil(lambda: dlg.refund is not None)
    qtbot.wait(50)
    assert db.scalar("SELECT count(*) FROM refunds") == 1


@pytest.mark.parametrize("how", list(PaidBack))
def test_qris_sale_is_paid_back_by_hand_as_chosen(qtbot, db, tasks, clock, checkout,
                                                  how: PaidBack) -> None:
    order = _qris_sale(db, checkout, (ROTI, 2))
    approver = Approver()
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, approver)
    assert dlg.manual_box.isVisibleTo(dlg) and not dlg.cash_note.isVisibleTo(dlg)
    assert any("QRIS tidak bisa dikembalikan otomatis" in label.text()
               for label in dlg.manual_box.findChildren(type(dlg.hint)))
    assert [b.text() for b in dlg.paid_back_buttons.values()] == [
        "Tunai dari laci", "Transfer (sudah ditransfer)",
        "Transfer nanti (dicatat sebagai utang)"]
    dlg.steppers[1].spin.setValue(1)
    dlg.reason.setText("Salah pesan")
    # nothing preselected: the cashier says how the customer gets the money
    assert not dlg.submit.isEnabled()
    assert dlg.hint.text() == "Pilih cara mengembalikan uang ke pelanggan"
    dlg.paid_back_buttons[how].click()
    refund = _submit_and_approve(qtbot, dlg, approver, owner="Ani")
    assert (refund.method, refund.paid_back, refund.amount, refund.approved_by) == (
        "qris", how, 12_000, "Ani")
    row = db.query_one("SELECT paid_back, paid_back_at FROM refunds")
    assert row["paid_back"] == how.value
    assert (row["paid_back_at"] is None) == (how is PaidBack.OWED)


def test_already_returned_quantities_limit_the_boxes(qtbot, db, tasks, clock, checkout) -> None:
    order = _cash_sale(checkout, (KOPI, 3), (ROTI, 1))
    first = refund_store.refund(db, order.id, {1: 2}, reason="x", cashier="Sri",
                                approved_by="Budi", paid_back=PaidBack.CASH, tz=WIB, now=clock())
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, Approver())
    assert [s.spin.maximum() for s in dlg.steppers.values()] == [1, 1]
    dlg.steppers[1].spin.setValue(3)  # typed too many: the box keeps what is left
    assert dlg.quantities[1] == 1
    assert "Sudah dikembalikan sebelumnya: Rp 10.000" in dlg.info.text()
    dlg.choose_all()
    assert dlg.amount_label.text() == format_rupiah(order.total - first.amount)
    dlg.clear_quantities()
    assert dlg.quantities == {} and dlg.amount_label.text() == "Rp 0"


def test_refusal_keeps_what_was_typed_and_reads_the_lines_again(qtbot, db, tasks, clock,
                                                                 checkout) -> None:
    order = _cash_sale(checkout, (KOPI, 3), (ROTI, 1))
    approver = Approver()
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, approver)
    dlg.choose_all()
    dlg.reason.setText("rusak semua")
    dlg.ask_approval()
    # meanwhile another till gave back two kopi
    refund_store.refund(db, order.id, {1: 2}, reason="x", cashier="Ani", approved_by="Budi",
                        paid_back=PaidBack.CASH, tz=WIB, now=clock())
    approver.approve()
    qtbot.waitUntil(lambda: dlg.problem.text() != "")
    assert dlg.problem.text() == "Baris 1: sisa yang bisa dikembalikan 1"
    qtbot.waitUntil(lambda: dlg.steppers and dlg.steppers[1].spin.maximum() == 1)
    assert dlg.quantities == {1: 1, 2: 1} and dlg.reason.text() == "rusak semua"
    assert dlg.refund is None and dlg.result() == 0
    assert dlg.problem.text() == "Baris 1: sisa yang bisa dikembalikan 1"  # still said
    assert refund_store.refunded_amount(db, order.id) == 10_000


def test_unexpected_failure_says_so_and_logs(qtbot, db, tasks, clock, checkout, monkeypatch,
                                             caplog) -> None:
    order = _cash_sale(checkout, (ROTI, 1))
    approver = Approver()
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, approver)

    def broken(*_a, **_k):
        raise OSError("disk I/O error")

    monkeypatch.setattr(refund_store, "refund", broken)
    dlg.steppers[1].spin.setValue(1)
    dlg.reason.setText("x")
    dlg.ask_approval()
    with caplog.at_level(logging.ERROR, logger="pos_app.ui.refund_dialog"):
        approver.approve()
        qtbot.waitUntil(lambda: dlg.problem.text() != "")
    assert dlg.problem.text().startswith("Gagal menyimpan")
    assert any("refund of order" in r.getMessage() and r.exc_info for r in caplog.records)
    qtbot.waitUntil(lambda: bool(dlg.steppers))
    assert not dlg.busy and dlg.reason.text() == "x" and dlg.quantities == {1: 1}


def test_unpaid_order_cannot_be_refunded(qtbot, db, tasks, clock, checkout) -> None:
    order, _ = checkout.open_qris_sale(_cart((ROTI, 1)), "simulator", ttl_s=300)
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, Approver())
    dlg.choose_all()
    dlg.reason.setText("x")
    assert not dlg.submit.isEnabled()
    assert dlg.hint.text() == "Hanya transaksi lunas yang bisa dikembalikan"


def test_no_closing_while_the_refund_is_written(qtbot, db, tasks, clock, checkout) -> None:
    order = _cash_sale(checkout, (ROTI, 1))
    dlg = _refund_dialog(qtbot, db, tasks, clock, order.id, Approver())
    dlg.show()
    dlg.busy = True
    dlg.reject()
    assert dlg.isVisible()
    dlg.busy = False
    dlg.reject()
    assert not dlg.isVisible()


# -- voids --------------------------------------------------------------------------------------
def test_void_cancels_the_qris_first_then_voids(qtbot, db, tasks, clock, checkout) -> None:
    order, _ = checkout.open_qris_sale(_cart((ROTI, 2)), "simulator", ttl_s=300)
    approver = Approver()
    calls: list[tuple[str, object]] = []

    def cancel(order_id: str) -> bool:
        calls.append((order_id, db.scalar("SELECT voided_by FROM orders WHERE id = ?",
                                          (order_id,))))
        return True

    dlg = VoidDialog(db, tasks, order.id, WIB, "Sri", approver, cancel=cancel)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.order is not None)
    assert dlg.windowTitle() == f"Void transaksi — {order.id}"
    assert dlg.amount_label.text() == "Rp 24.000" and "menunggu" in dlg.info.text()
    assert not dlg.submit.isEnabled() and dlg.hint.text() == "Alasan wajib diisi"
    qtbot.mouseClick(_reason_button(dlg, "Pelanggan batal"), Qt.MouseButton.LeftButton)
    assert dlg.submit.isEnabled()
    qtbot.mouseClick(dlg.submit, Qt.MouseButton.LeftButton)
    assert approver.sentences == [f"Void Rp 24.000 untuk {order.id} (Pelanggan batal)"]
    assert calls == []  # nothing before the owner approves
    approver.approve("Budi")
    qtbot.waitUntil(lambda: dlg.result() == QDialog.DialogCode.Accepted)
    assert calls == [(order.id, None)]  # cancelled while not voided yet
    row = db.query_one("SELECT voided_by, void_reason FROM orders WHERE id = ?", (order.id,))
    assert tuple(row) == ("Budi", "Pelanggan batal") and dlg.approved_by == "Budi"


def test_void_refuses_a_paid_sale(qtbot, db, tasks, clock, checkout) -> None:
    order = _cash_sale(checkout, (ROTI, 1))
    dlg = VoidDialog(db, tasks, order.id, WIB, "Sri", Approver())
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.order is not None)
    dlg.reason.setText("x")
    assert not dlg.submit.isEnabled()
    assert dlg.hint.text() == "Hanya transaksi yang belum dibayar yang bisa di-void"


def test_void_refused_by_the_storage_is_said_and_kept(qtbot, db, tasks, clock,
                                                      checkout) -> None:
    order, _ = checkout.open_qris_sale(_cart((ROTI, 1)), "simulator", ttl_s=300)
    approver = Approver()
    dlg = VoidDialog(db, tasks, order.id, WIB, "Sri", approver)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.order is not None)
    dlg.reason.setText("batal")
    dlg.ask_approval()
    refund_store.void(db, order.id, reason="lain", cashier="Ani", approved_by="Budi")
    approver.approve()
    qtbot.waitUntil(lambda: dlg.problem.text() != "")
    assert dlg.problem.text() == "Hanya transaksi yang belum dibayar yang bisa di-void"
    assert dlg.reason.text() == "batal" and dlg.result() == 0


# -- owed refunds -------------------------------------------------------------------------------
def test_owed_refunds_are_listed_and_marked_paid(qtbot, db, tasks, clock, checkout) -> None:
    owed = []
    for product in (ROTI, KOPI):
        order = _qris_sale(db, checkout, (product, 1))
        owed.append(refund_store.refund(db, order.id, {1: 1}, reason="salah", cashier="Sri",
                                        approved_by="Budi", paid_back=PaidBack.OWED, tz=WIB,
                                        now=clock()))
        clock.advance(60)
    dlg = OwedRefundsDialog(db, tasks, WIB, "Budi", clock=clock)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.loaded)
    assert dlg.table.rowCount() == 2
    assert [dlg.table.item(0, c).text() for c in range(4)] == [
        "27-11-2026 10:00", owed[0].order_id, "Rp 12.000", "Budi"]
    assert dlg.summary.text() == "Belum dibayar: Rp 17.000 untuk 2 pengembalian"
    dlg.table.selectRow(1)
    with qtbot.waitSignal(dlg.changed):
        qtbot.mouseClick(dlg.transferred, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1)
    assert dlg.table.item(0, 1).text() == owed[0].order_id
    assert db.scalar("SELECT paid_back FROM refunds WHERE id = ?", (owed[1].id,)) == "transfer"
    with qtbot.waitSignal(dlg.changed):
        qtbot.mouseClick(dlg.paid_cash, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 0)
    assert dlg.summary.text() == "Tidak ada pengembalian yang belum dibayar"
    assert not dlg.transferred.isEnabled()
    assert db.scalar("SELECT paid_back FROM refunds WHERE id = ?", (owed[0].id,)) == "cash"
    actors = [r["actor"] for r in db.query(
        "SELECT actor FROM audit_log WHERE action = 'refund_paid_back'")]
    assert actors == ["Budi", "Budi"]
