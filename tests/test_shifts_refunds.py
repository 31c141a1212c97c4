"""Shifts (open, sell, close with a count; past midnight), refunds by line and voids, over a real
SQLite file and the real checkout."""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from pos_app.cart import Cart, Discount, Product, TaxConfig, TaxMode
from pos_app.checkout import CheckoutError, CheckoutService, Till
from pos_app.clock import zone
from pos_app.refunds import (
    NothingToRefund,
    NotRefundable,
    NotVoidable,
    PaidBack,
    ReasonMissing,
    RefundError,
    SoldLine,
    TooMuch,
    WrongPaidBack,
    refund_lines,
)
from pos_app.shifts import (
    DENOMINATIONS,
    BadCount,
    CashCount,
    NoOpenShift,
    NoteRequired,
    ShiftAlreadyOpen,
)
from pos_app.storage import catalog, refunds as refund_store, shifts as shift_store

WIB = zone("Asia/Jakarta")
KOPI = Product(sku="A", name="Kopi Susu", price=5000, stock=10)
ROTI = Product(sku="B", name="Roti Bakar", price=12000)


def _till(shift: shift_store.Shift | None = None) -> Till:
    return Till("K1", WIB, cashier="Sri", shift_id=shift.id if shift else None,
                business_date=shift.business_date if shift else None)


def _cart(*items: tuple[Product, int], tax: TaxConfig | None = None,
          order_discount: int = 0) -> Cart:
    cart = Cart(tax or TaxConfig())
    for product, n in items:
        cart.add(product, n)
    if order_discount:
        cart.set_order_discount(Discount.amount(order_discount))
    return cart


# -- shifts ---------------------------------------------------------------------------------
def test_count_adds_up_and_refuses_nonsense() -> None:
    count = CashCount({100_000: 2, 5_000: 3, 100: 7})
    assert count.total == 215_700
    assert count.as_json() == {"100000": 2, "5000": 3, "100": 7}
    assert DENOMINATIONS[0] == 100_000 and DENOMINATIONS[-1] == 100
    with pytest.raises(BadCount):
        CashCount({75_000: 1})
    with pytest.raises(BadCount):
        CashCount({1_000: -1})


def test_shift_close_arithmetic(db, clock) -> None:
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 200_000, clock())
    svc = CheckoutService(db, _till(shift), clock)
    svc.complete_cash_sale(_cart((KOPI, 2)), 20_000)  # 10.000 cash
    svc.complete_cash_sale(_cart((ROTI, 1)), 12_000)  # 12.000 cash
    paid = svc.complete_cash_sale(_cart((ROTI, 2)), 50_000)  # 24.000 cash
    refund_store.refund(db, paid.id, {1: 1}, reason="gosong", cashier="Sri", approved_by="Budi",
                        paid_back=PaidBack.CASH, tz=WIB, now=clock(), shift_id=shift.id)
    totals = shift_store.shift_totals(db, shift.id)
    assert (totals.cash_sales, totals.cash_orders, totals.cash_refunds) == (46_000, 3, 12_000)
    assert totals.expected_cash == 200_000 + 46_000 - 12_000
    count = CashCount({100_000: 2, 20_000: 1, 10_000: 1, 2_000: 1})  # 232.000: 2.000 short
    with pytest.raises(NoteRequired):
        shift_store.close_shift(db, shift.id, "Sri", count, "  ", clock())
    closed = shift_store.close_shift(db, shift.id, "Sri", count, "  kurang dua ribu ", clock())
    assert closed.expected_cash == 234_000 and closed.counted_cash == 232_000
    assert closed.difference == -2_000 and closed.note == "kurang dua ribu"
    assert shift_store.current_shift(db, "K1") is None
    with pytest.raises(NoOpenShift):
        shift_store.close_shift(db, shift.id, "Sri", count, "", clock())
    actions = [r["action"] for r in db.query("SELECT action FROM audit_log ORDER BY id")]
    assert actions[0] == "shift_opened" and actions[-1] == "shift_closed"


def test_one_open_shift_per_till_even_from_two_threads(db, clock) -> None:
    errors: list[Exception] = []
    opened: list[shift_store.Shift] = []

    def go(name: str) -> None:
        try:
            opened.append(shift_store.open_shift(db, "K1", WIB, name, 0, clock()))
        except ShiftAlreadyOpen as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(f"k{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(opened) == 1 and len(errors) == 3
    assert opened[0].opened_by in errors[0].message_id
    # another till has its own drawer
    assert shift_store.open_shift(db, "K2", WIB, "Ani", 0, clock()).terminal_id == "K2"


def test_shift_past_midnight_keeps_its_day(db, clock) -> None:
    clock.now = datetime(2026, 12, 6, 15, 30, tzinfo=UTC)  # 22:30 WIB, 6 December
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 0, clock())
    svc = CheckoutService(db, _till(shift), clock)
    before = svc.complete_cash_sale(_cart((ROTI, 1)), 12_000)
    clock.now += timedelta(hours=3)  # 01:30 WIB, 7 December
    after = svc.complete_cash_sale(_cart((ROTI, 1)), 12_000)
    assert before.business_date == after.business_date == "2026-12-06"
    assert after.id.endswith("20261206-0002")
    assert shift_store.shifts_on(db, date(2026, 12, 6))[0].id == shift.id
    # without a shift (pos-app charge) the sale is on the local date
    lone = CheckoutService(db, Till("K1", WIB), clock).complete_cash_sale(_cart((ROTI, 1)), 12_000)
    assert lone.business_date == "2026-12-07"


def test_no_sale_into_a_closed_shift(db, clock) -> None:
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 0, clock())
    svc = CheckoutService(db, _till(shift), clock)
    shift_store.close_shift(db, shift.id, "Sri", CashCount(), "", clock())
    with pytest.raises(CheckoutError, match="shift is closed"):
        svc.complete_cash_sale(_cart((ROTI, 1)), 12_000)
    assert db.scalar("SELECT count(*) FROM orders") == 0


def test_sale_and_close_race_counts_each_sale_once(db, clock) -> None:
    """A sale written while the shift closes is either in the expected cash or refused."""
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 0, clock())
    svc = CheckoutService(db, _till(shift), clock)
    sold: list[int] = []

    def sell() -> None:
        for _ in range(30):
            try:
                sold.append(svc.complete_cash_sale(_cart((ROTI, 1)), 12_000).total)
            except CheckoutError:
                return

    t = threading.Thread(target=sell)
    t.start()
    closed = shift_store.close_shift(db, shift.id, "Sri", CashCount(), "uji", clock())
    t.join()
    in_shift = db.scalar("SELECT coalesce(sum(total), 0) FROM orders WHERE shift_id = ?",
                         (shift.id,))
    assert closed.expected_cash == in_shift == sum(sold)


# -- refunds --------------------------------------------------------------------------------
def test_line_shares_spread_discount_and_tax_and_add_up_exactly() -> None:
    lines = (SoldLine(1, "A", "Kopi", 3, 15_000), SoldLine(2, "B", "Roti", 1, 12_000))
    # 27.000 of nets, 1.000 order discount, 11 % added: 28.860 paid
    first = refund_lines(lines, 28_860, 0, {1: 1})
    assert first[0].amount == 28_860 * 5_000 // 27_000  # 5.344
    rest = refund_lines(
        (SoldLine(1, "A", "Kopi", 3, 15_000, 1), lines[1]), 28_860, first[0].amount, {1: 2, 2: 1})
    assert sum(r.amount for r in rest) + first[0].amount == 28_860
    with pytest.raises(TooMuch):
        refund_lines(lines, 28_860, 0, {1: 4})
    with pytest.raises(TooMuch):
        refund_lines(lines, 28_860, 0, {9: 1})
    with pytest.raises(NothingToRefund):
        refund_lines(lines, 28_860, 0, {1: 0})


def test_random_refunds_never_give_back_more_than_paid(db, clock) -> None:
    rng = random.Random(12)
    svc = CheckoutService(db, _till(), clock)
    for _ in range(25):
        items = [(Product(sku=f"S{i}", name=f"P{i}", price=rng.randrange(500, 40_000, 100)),
                  rng.randint(1, 4)) for i in range(rng.randint(1, 4))]
        tax = TaxConfig(rng.choice(list(TaxMode)), 1100)
        cart = _cart(*items, tax=tax, order_discount=rng.choice([0, 0, 500, 2_000]))
        order = svc.complete_cash_sale(cart, cart.totals().total)
        back = 0
        while True:
            left = {s.line_no: s.left for s in refund_store.sold_lines(db, order.id) if s.left}
            if not left:
                break
            n = rng.choice(sorted(left))
            try:
                r = refund_store.refund(db, order.id, {n: rng.randint(1, left[n])}, reason="x",
                                        cashier="Sri", approved_by="Budi",
                                        paid_back=PaidBack.CASH, tz=WIB, now=clock())
            except Exception as exc:  # a share worth Rp 0 (a free line) is refused, nothing else
                assert "Rp 0" in getattr(exc, "message_id", ""), exc
                break
            back += r.amount
            assert back <= order.total
        if not left:
            assert back == order.total == refund_store.refunded_amount(db, order.id)


def test_refund_puts_stock_back_and_records_who(db, clock) -> None:
    catalog.upsert_products(db, [KOPI])
    svc = CheckoutService(db, _till(), clock)
    order = svc.complete_cash_sale(_cart((KOPI, 3)), 15_000)
    assert db.scalar("SELECT stock FROM products WHERE sku = 'A'") == 7
    r = refund_store.refund(db, order.id, {1: 2}, reason="  basi  ", cashier="Sri",
                            approved_by="Budi", paid_back=PaidBack.CASH, tz=WIB, now=clock())
    assert (r.amount, r.reason, r.approved_by) == (10_000, "basi", "Budi")
    assert db.scalar("SELECT stock FROM products WHERE sku = 'A'") == 9
    assert db.scalar("SELECT status FROM orders WHERE id = ?", (order.id,)) == "paid"
    audit = db.query_one("SELECT actor, details FROM audit_log WHERE action = 'order_refunded'")
    assert audit["actor"] == "Sri" and '"approved_by": "Budi"' in audit["details"]
    with pytest.raises(TooMuch):
        refund_store.refund(db, order.id, {1: 2}, reason="lagi", cashier="Sri",
                            approved_by="Budi", paid_back=PaidBack.CASH, tz=WIB, now=clock())
    with pytest.raises(ReasonMissing):
        refund_store.refund(db, order.id, {1: 1}, reason="  ", cashier="Sri",
                            approved_by="Budi", paid_back=PaidBack.CASH, tz=WIB, now=clock())
    with pytest.raises(WrongPaidBack):  # cash sales are given back in cash
        refund_store.refund(db, order.id, {1: 1}, reason="x", cashier="Sri",
                            approved_by="Budi", paid_back=PaidBack.OWED, tz=WIB, now=clock())
    assert [x.amount for x in refund_store.refunds_of(db, order.id)] == [10_000]


def test_qris_refund_is_owed_until_marked(db, clock) -> None:
    svc = CheckoutService(db, _till(), clock)
    order, payment = svc.open_qris_sale(_cart((ROTI, 2)), "simulator", ttl_s=300)
    with pytest.raises(NotRefundable):  # not paid yet
        refund_store.refund(db, order.id, {1: 1}, reason="x", cashier="Sri", approved_by="Budi",
                            paid_back=PaidBack.OWED, tz=WIB, now=clock())
    with db.transaction() as conn:
        conn.execute("UPDATE payments SET status = 'paid', paid_amount = 24000 WHERE id = ?",
                     (payment.id,))
        conn.execute("UPDATE orders SET status = 'paid' WHERE id = ?", (order.id,))
    r = refund_store.refund(db, order.id, {1: 1}, reason="salah pesan", cashier="Sri",
                            approved_by="Budi", paid_back=PaidBack.OWED, tz=WIB, now=clock())
    assert (r.method, r.paid_back, r.amount) == ("qris", PaidBack.OWED, 12_000)
    assert refund_store.mark_paid_back(db, r.id, PaidBack.TRANSFER, actor="Budi", now=clock())
    assert not refund_store.mark_paid_back(db, r.id, PaidBack.CASH, actor="Budi", now=clock())
    row = db.query_one("SELECT paid_back, paid_back_at FROM refunds WHERE id = ?", (r.id,))
    assert row["paid_back"] == "transfer" and row["paid_back_at"]


def test_void_unpaid_only(db, clock) -> None:
    svc = CheckoutService(db, _till(), clock)
    order, _ = svc.open_qris_sale(_cart((ROTI, 1)), "simulator", ttl_s=300)
    refund_store.void(db, order.id, reason="pelanggan batal", cashier="Sri", approved_by="Budi")
    row = db.query_one("SELECT voided_by, void_reason FROM orders WHERE id = ?", (order.id,))
    assert tuple(row) == ("Budi", "pelanggan batal")
    with pytest.raises(NotVoidable):  # once
        refund_store.void(db, order.id, reason="lagi", cashier="Sri", approved_by="Budi")
    paid = svc.complete_cash_sale(_cart((ROTI, 1)), 12_000)
    with pytest.raises(NotVoidable):  # a paid sale is refunded, not voided
        refund_store.void(db, paid.id, reason="x", cashier="Sri", approved_by="Budi")


def test_owed_refund_paid_in_cash_leaves_todays_drawer(db, clock) -> None:
    first = shift_store.open_shift(db, "K1", WIB, "Sri", 0, clock())
    svc = CheckoutService(db, _till(first), clock)
    order, payment = svc.open_qris_sale(_cart((ROTI, 1)), "simulator", ttl_s=300)
    with db.transaction() as conn:
        conn.execute("UPDATE payments SET status = 'paid', paid_amount = 12000 WHERE id = ?",
                     (payment.id,))
        conn.execute("UPDATE orders SET status = 'paid' WHERE id = ?", (order.id,))
    r = refund_store.refund(db, order.id, {1: 1}, reason="x", cashier="Sri", approved_by="Budi",
                            paid_back=PaidBack.OWED, tz=WIB, now=clock(), shift_id=first.id,
                            expected_amount=12_000)
    closed = shift_store.close_shift(db, first.id, "Sri", CashCount(), "", clock())
    assert closed.expected_cash == 0  # owed: nothing left this drawer
    second = shift_store.open_shift(db, "K1", WIB, "Ani", 50_000, clock())
    assert refund_store.mark_paid_back(db, r.id, PaidBack.CASH, actor="Budi", now=clock(),
                                       shift_id=second.id)
    assert shift_store.shift_totals(db, second.id).expected_cash == 38_000
    assert shift_store.get_shift(db, first.id).expected_cash == 0  # stored at close, unchanged


def test_refund_refused_when_the_amount_approved_changed(db, clock) -> None:
    svc = CheckoutService(db, _till(), clock)
    order = svc.complete_cash_sale(_cart((KOPI, 3)), 15_000)
    with pytest.raises(RefundError, match="not the 4000 approved"):
        refund_store.refund(db, order.id, {1: 1}, reason="x", cashier="Sri", approved_by="Budi",
                            paid_back=PaidBack.CASH, tz=WIB, now=clock(), expected_amount=4_000)
    assert refund_store.refunded_amount(db, order.id) == 0


def test_receipts_name_the_cashier(db, clock) -> None:
    from hardware.receipt_escpos import receipt_data, receipt_layout
    from pos_app.receipt import StoreHeader, render_receipt
    from pos_app.storage.orders import latest_payment

    order = CheckoutService(db, _till(), clock).complete_cash_sale(_cart((ROTI, 1)), 20_000)
    payment = latest_payment(db, order.id)
    assert "Kasir: Sri" in render_receipt(order, payment, StoreHeader("Warung"), WIB)
    data = receipt_data(order, payment, "Warung", "", "", WIB)
    assert any(line.text.startswith("Kasir: Sri") for line in receipt_layout(data, 58))
    lone = CheckoutService(db, Till("K1", WIB), clock).complete_cash_sale(_cart((ROTI, 1)),
                                                                          20_000)
    assert "Kasir" not in render_receipt(lone, None, StoreHeader("Warung"), WIB)


def test_a_shift_forgotten_open_sells_nothing_more(db, clock) -> None:
    clock.now = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 08:00 WIB
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 0, clock())
    svc = CheckoutService(db, _till(shift), clock)
    clock.now += timedelta(hours=19, minutes=59)  # 03:59 the next night: still the shift's
    assert svc.complete_cash_sale(_cart((ROTI, 1)), 12_000).business_date == "2026-03-10"
    clock.now = datetime(2026, 3, 13, 3, 0, tzinfo=UTC)  # three days later
    with pytest.raises(CheckoutError, match="20 hours"):
        svc.complete_cash_sale(_cart((ROTI, 1)), 12_000)
    assert db.scalar("SELECT count(*) FROM orders") == 1


def test_a_refund_after_midnight_counts_on_its_shifts_day(db, clock) -> None:
    from pos_app.reports import daily_report

    clock.now = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 18:00 WIB
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 100_000, clock())
    svc = CheckoutService(db, _till(shift), clock)
    order = svc.complete_cash_sale(_cart((ROTI, 1)), 12_000)
    clock.now += timedelta(hours=6, minutes=30)  # 00:30 WIB, 11 March
    r = refund_store.refund(db, order.id, {1: 1}, reason="x", cashier="Sri", approved_by="Budi",
                            paid_back=PaidBack.CASH, tz=WIB, now=clock(), shift_id=shift.id)
    assert r.business_date == date(2026, 3, 10)
    day = daily_report(db, date(2026, 3, 10), WIB)
    assert day["refunds"]["amount"] == 12_000 and day["net_after_refunds"] == 0
    assert day["shifts"][0]["cash_refunds"] == 12_000
    assert daily_report(db, date(2026, 3, 11), WIB)["refunds"]["amount"] == 0


def test_a_voided_order_paid_after_all_is_a_sale_not_a_void(db, clock) -> None:
    from pos_app.reports import daily_report

    svc = CheckoutService(db, _till(), clock)
    order, payment = svc.open_qris_sale(_cart((ROTI, 1)), "simulator", ttl_s=300)
    with db.transaction() as conn:
        conn.execute("UPDATE orders SET status = 'expired' WHERE id = ?", (order.id,))
        conn.execute("UPDATE payments SET status = 'expired' WHERE id = ?", (payment.id,))
    refund_store.void(db, order.id, reason="batal", cashier="Sri", approved_by="Budi")
    day = daily_report(db, date.fromisoformat(order.business_date), WIB)
    assert day["voids"]["count"] == 1 and day["reconciliation"]["unconfirmed_sales"] == []
    with db.transaction() as conn:  # the money came after all, and the owner accepted it
        conn.execute("UPDATE orders SET status = 'paid' WHERE id = ?", (order.id,))
        conn.execute("UPDATE payments SET status = 'late', paid_amount = 12000 WHERE id = ?",
                     (payment.id,))
    day = daily_report(db, date.fromisoformat(order.business_date), WIB)
    assert day["voids"]["count"] == 0 and day["collected"] == 12_000
