"""The staff session at a real till window (pos_app/ui/staff_session.py): no sale without a
signed-in user and an open shift, owner-only actions behind an owner's PIN, a discount above
the limit approved for exactly that cart, F12 locks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pos_app.cart import Discount
from pos_app.clock import utcnow
from pos_app.staff import Role
from pos_app.storage import shifts as shift_store, staff as staff_store
from pos_app.ui.shift_dialogs import OpenShiftDialog
from pos_app.ui.staff.approve import OwnerApproval
from pos_app.ui.staff.sign_in import SignInDialog
from tests.test_ui_cashier import Till
from tests.waiting import WAIT_MS

INDOMIE = "089686010947"  # Rp 3.500 in the demo catalogue


@pytest.fixture
def staffed(data_dir: Path, qtbot):  # type: ignore[no-untyped-def]
    t = Till(data_dir, qtbot)
    now = utcnow()
    staff_store.add_user(t.db, "Bu Sari", Role.OWNER, "2468", now, actor="test")
    cashier = staff_store.add_user(t.db, "Dewi", Role.CASHIER, "1357", now, actor="test")
    session = t.window.enable_staff()
    session._signed_in(cashier)
    qtbot.waitUntil(lambda: isinstance(session._dialog, OpenShiftDialog), timeout=WAIT_MS)
    yield t
    t.close()


def _approve(qtbot, w, pin: str = "2468") -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(OwnerApproval)),
                    timeout=WAIT_MS)
    dlg = next(d for d in w.findChildren(OwnerApproval) if d.isVisible())
    qtbot.waitUntil(lambda: "Bu Sari" in dlg.user_buttons, timeout=WAIT_MS)
    assert "Dewi" not in dlg.user_buttons, "a cashier never approves"
    dlg.user_buttons["Bu Sari"].click()
    qtbot.keyClicks(dlg.pad, pin)
    qtbot.keyClick(dlg.pad, Qt.Key.Key_Return)


def test_no_sale_without_an_open_shift_then_sales_name_the_cashier(staffed, qtbot) -> None:  # type: ignore[no-untyped-def]
    w, session = staffed.window, staffed.window.session
    session._dialog.reject()  # the cashier closes "Buka kasir" without opening
    qtbot.waitUntil(lambda: session._dialog is None, timeout=WAIT_MS)
    staffed.scan(INDOMIE)
    w.pay_cash()
    assert w.cash_dialog is None, "no payment without an open shift"
    qtbot.waitUntil(lambda: isinstance(session._dialog, OpenShiftDialog), timeout=WAIT_MS)
    opening = session._dialog
    qtbot.keyClicks(opening.input, "50000")
    qtbot.keyClick(opening.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.shift is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: session._dialog is None, timeout=WAIT_MS)
    with qtbot.waitSignal(w.saleCompleted, timeout=WAIT_MS) as sold:
        w.complete_cash(5_000)
    row = staffed.db.query_one("SELECT cashier, cashier_id, shift_id FROM orders WHERE id = ?",
                               (sold.args[0],))
    assert (row["cashier"], row["shift_id"]) == ("Dewi", session.shift.id)
    assert row["cashier_id"] == staff_store.get_user(staffed.db, "Dewi").id
    assert shift_store.shift_totals(staffed.db, session.shift.id).expected_cash == 53_500


def test_a_discount_above_the_limit_needs_the_owner_for_that_very_cart(staffed, qtbot) -> None:  # type: ignore[no-untyped-def]
    w, session = staffed.window, staffed.window.session
    db = staffed.db
    shift = shift_store.open_shift(db, "K1", staffed.settings.timezone(), "Dewi", 0, utcnow())
    session._dialog.reject()
    session.shift = shift
    session._apply()
    for _ in range(10):
        staffed.scan(INDOMIE)  # 10 x 3.500 = 35.000
    w.cart.set_order_discount(Discount.amount(3_500))  # exactly 10 %: the default limit
    w.cart.set_quantity(w.cart.lines[0].sku, 1)  # ... now 100 % of one Indomie
    w.pay_cash()
    assert w.cash_dialog is None, "refused: the discount is now above the limit"
    _approve(qtbot, w)
    qtbot.waitUntil(lambda: w._discount_approved == (3_500, 3_500), timeout=WAIT_MS)
    w.pay_cash()
    assert w.cash_dialog is not None, "approved for exactly this cart"
    w.cash_dialog.reject()
    w.add_product(w.cart.lines[0].product)  # the cart changed: asked again
    w.cart.set_order_discount(Discount.amount(7_000))
    w.pay_cash()
    assert w.cash_dialog is None
    actions = [r["action"] for r in db.query("SELECT action FROM audit_log ORDER BY id")]
    assert "discount_approved" in actions and "owner_approved" in actions


def test_owner_only_screens_ask_an_owners_pin_and_f12_locks(staffed, qtbot) -> None:  # type: ignore[no-untyped-def]
    from pos_app.ui.products import ProductsDialog

    w, session = staffed.window, staffed.window.session
    session._dialog.reject()
    qtbot.waitUntil(lambda: session._dialog is None, timeout=WAIT_MS)
    w.open_products()
    assert not any(d.isVisible() for d in w.findChildren(ProductsDialog))
    _approve(qtbot, w, pin="0000")  # wrong: still closed
    dlg = next(d for d in w.findChildren(OwnerApproval) if d.isVisible())
    qtbot.waitUntil(lambda: "sisa 4" in dlg.pad.error_text(), timeout=WAIT_MS)
    assert not any(d.isVisible() for d in w.findChildren(ProductsDialog))
    qtbot.keyClicks(dlg.pad, "2468")
    qtbot.keyClick(dlg.pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(ProductsDialog)),
                    timeout=WAIT_MS)
    next(d for d in w.findChildren(ProductsDialog) if d.isVisible()).reject()
    qtbot.waitUntil(w.isActiveWindow, timeout=WAIT_MS)  # the keyboard is back: F-keys work
    qtbot.keyClick(w.search_input, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: isinstance(session._dialog, SignInDialog), timeout=WAIT_MS)
    assert session.user is None
    sign_in = session._dialog
    qtbot.waitUntil(lambda: sign_in.selected_name == "Dewi", timeout=WAIT_MS)  # who was here
    qtbot.keyClicks(sign_in.pad, "1357")
    qtbot.keyClick(sign_in.pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.user is not None and session.user.name == "Dewi",
                    timeout=WAIT_MS)


def test_riwayat_goes_back_a_day_for_a_customer_who_returns(staffed, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Yesterday's sale is refunded today: Riwayat's ‹ lists yesterday, and its refund goes
    out of today's drawer."""
    from datetime import timedelta

    from pos_app.cart import Cart
    from pos_app.checkout import CheckoutService, Till as SaleTill
    from pos_app.ui.refund_dialog import RefundDialog

    w, session, db = staffed.window, staffed.window.session, staffed.db
    tz = staffed.settings.timezone()
    yesterday = utcnow() - timedelta(days=1)
    cart = Cart()
    cart.add(_demo_product(db), 2)
    old = CheckoutService(db, SaleTill("K1", tz, cashier="Dewi"),
                          lambda: yesterday).complete_cash_sale(cart, 100_000)
    opening = session._dialog
    qtbot.keyClicks(opening.input, "100000")
    qtbot.keyClick(opening.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.shift is not None and session._dialog is None,
                    timeout=WAIT_MS)
    w.show_history()
    qtbot.waitUntil(lambda: w.history_dialog is not None, timeout=WAIT_MS)
    assert old.id not in [r["id"] for r in w.history_dialog.rows]
    assert not w.history_dialog.later.isEnabled()
    first = w.history_dialog
    first.earlier.click()
    qtbot.waitUntil(lambda: w.history_dialog is not None and w.history_dialog is not first,
                    timeout=WAIT_MS)
    back = w.history_dialog
    assert back.later.isEnabled() and back.windowTitle().startswith("Transaksi ")
    row = next(i for i, r in enumerate(back.rows) if r["id"] == old.id)
    back.table.selectRow(row)
    back.refund_button.click()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(RefundDialog)),
                    timeout=WAIT_MS)
    dlg = next(d for d in w.findChildren(RefundDialog) if d.isVisible())
    qtbot.waitUntil(lambda: 1 in dlg.steppers, timeout=WAIT_MS)
    dlg.choose_all()
    qtbot.keyClicks(dlg.reason, "rusak")
    dlg.submit.click()
    _approve(qtbot, w)
    qtbot.waitUntil(lambda: dlg.refund is not None, timeout=WAIT_MS)
    assert dlg.refund.amount == old.total
    totals = shift_store.shift_totals(db, session.shift.id)
    assert totals.cash_refunds == old.total and totals.expected_cash == 100_000 - old.total


def _demo_product(db):  # type: ignore[no-untyped-def]
    from pos_app.storage import catalog

    return catalog.search(db, "")[0]


def test_a_demo_account_signed_in_when_the_shop_gets_its_owner_is_signed_out(  # type: ignore[no-untyped-def]
        data_dir: Path, qtbot) -> None:
    """The guide, opened from the menu by "Kasir Demo", made the shop its own owner: the demo
    accounts retire, and no one sells on as the retired one."""
    from pos_app.staff import Role as R
    from pos_app.ui.staff_session import DEMO_CASHIER, DEMO_PIN

    t = Till(data_dir, qtbot)
    try:
        now = utcnow()
        staff_store.ensure_demo_user(t.db, DEMO_CASHIER, R.CASHIER, DEMO_PIN, now)
        session = t.window.enable_staff()
        session._signed_in(staff_store.sign_in(t.db, DEMO_CASHIER, DEMO_PIN, now))
        qtbot.waitUntil(lambda: session._dialog is not None, timeout=WAIT_MS)
        session._dialog.reject()  # no shift for this test
        staff_store.add_user(t.db, "Bu Sari", R.OWNER, "2468", now, actor="test")
        session._begin()  # what the guide's end does
        qtbot.waitUntil(lambda: isinstance(session._dialog, SignInDialog), timeout=WAIT_MS)
        assert session.user is None
        assert not staff_store.get_user(t.db, DEMO_CASHIER).active
    finally:
        t.close()
