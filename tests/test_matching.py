"""Unique codes and credit matching: equal amounts are told apart, one credit confirms one order,
credits older than an order never confirm it, ambiguity goes to a person, late money is shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import zone
from pos_app.order_state import OrderStatus, PaymentStatus
from pos_app.storage.orders import latest_payment, load_order
from sync.engine import Route, SyncEngine
from sync.matching import OpenPayment, Verdict, decide, decide_all
from sync.providers.base import Credit, CreditSource, TimePrecision
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from sync.providers.static.adapter import StaticQrisProvider
from sync.unique_code import CodeMode, NoCodeAvailable, allocate, block_for, candidates

T0 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def op(
    pid: str, amount: int, created: datetime = T0, status: PaymentStatus = PaymentStatus.PENDING
) -> OpenPayment:
    expires = created + timedelta(minutes=10)
    return OpenPayment(pid, f"order-{pid}", amount, created, expires, status)


def credit(
    cid: str, amount: int, at: datetime, precision: TimePrecision = TimePrecision.SECOND
) -> Credit:
    return Credit("orkut", cid, amount, at, precision)


# -- pure matching ----------------------------------------------------------------------------
def test_exact_amount_only() -> None:
    payments = [op("a", 15001), op("b", 15011)]
    exact = credit("c1", 15011, T0 + timedelta(seconds=30))
    assert decide(exact, payments).payment.payment_id == "b"
    unknown = credit("c2", 15000, T0 + timedelta(seconds=30))
    assert decide(unknown, payments).verdict is Verdict.UNMATCHED


def test_credit_older_than_order_never_confirms() -> None:
    p = op("a", 15001)
    old = credit("c", 15001, T0 - timedelta(minutes=5))
    d = decide(old, [p])
    assert d.verdict is Verdict.UNMATCHED and "older" in d.reason


def test_minute_precision_grace() -> None:
    p = op("a", 15001, created=T0 + timedelta(seconds=50))  # order at 10:00:50 WIB
    # The statement says 10:00 (minute precision): it may well be 10:00:55.
    assert decide(credit("c", 15001, T0, TimePrecision.MINUTE), [p]).verdict is Verdict.MATCH
    # Two minutes earlier is too early, whatever the precision.
    early = credit("d", 15001, T0 - timedelta(minutes=2), TimePrecision.MINUTE)
    assert decide(early, [p]).verdict is Verdict.UNMATCHED


def test_ambiguous_goes_to_review() -> None:
    d = decide(credit("c", 20000, T0 + timedelta(seconds=5)), [op("a", 20000), op("b", 20000)])
    assert d.verdict is Verdict.REVIEW and d.payment is None


def test_one_credit_one_order_and_late() -> None:
    payments = [op("a", 15001), op("x", 9001, status=PaymentStatus.EXPIRED)]
    ds = decide_all([credit("c1", 15001, T0 + timedelta(seconds=10)),
                     credit("c2", 15001, T0 + timedelta(seconds=20)),
                     credit("c3", 9001, T0 + timedelta(minutes=15))], payments)
    assert [d.verdict for d in ds] == [Verdict.MATCH, Verdict.UNMATCHED, Verdict.LATE]


# -- unique codes -----------------------------------------------------------------------------
def test_codes_partition_by_terminal() -> None:
    assert block_for("K1") == 1 and block_for("K12") == 2 and 0 <= block_for("KASIR") < 10
    k1 = set(candidates(15000, CodeMode.ADD, block_for("K1")))
    k2 = set(candidates(14990, CodeMode.ADD, block_for("K2")))
    assert k1 and k2 and not (k1 & k2), "two tills never make the same payable amount"
    assert min(k1) == 15001 and max(k1) - 15000 <= 999
    assert all(p < 15000 for p in candidates(15000, CodeMode.SUBTRACT, 1))
    assert candidates(15000, CodeMode.OFF, 1) == [15000]


def _sell(db, amount: int, clock, terminal: str = "K1") -> str:
    cart = Cart()
    cart.add(Product(sku="X", name="Barang", price=amount))
    checkout = CheckoutService(db, Till(terminal, zone("Asia/Jakarta")), clock)
    order, payment = checkout.open_qris_sale(cart, "static", ttl_s=600)
    return payment.id


def test_allocate_distinct_amounts_in_db(db, clock) -> None:
    got = []
    for _ in range(3):
        pid = _sell(db, 15000, clock)
        with db.transaction() as conn:
            payable = allocate(conn, account="acct", amount=15000, mode=CodeMode.ADD,
                               terminal_id="K1", now=clock(), reserve_after_expiry_s=1800)
            conn.execute("UPDATE payments SET account = 'acct', reserved_amount = ? WHERE id = ?",
                         (payable, pid))
        got.append(payable)
    assert got == [15001, 15011, 15021]
    with db.transaction() as conn, pytest.raises(NoCodeAvailable):
        conn.execute("UPDATE payments SET reserved_amount = 15000 WHERE id = ?", (pid,))
        allocate(conn, account="acct", amount=15000, mode=CodeMode.OFF, terminal_id="K1",
                 now=clock(), reserve_after_expiry_s=1800)


# -- end to end through the engine: static QRIS + a statement ---------------------------------
class FakeStatement(CreditSource):
    name = "orkut"
    min_interval_s = 5.0

    def __init__(self) -> None:
        self.lines: list[Credit] = []
        self.calls = 0

    @property
    def account_key(self) -> str:
        return "orkut:warung"

    def fetch_credits(self, since: datetime) -> list[Credit]:
        self.calls += 1
        return [c for c in self.lines if c.credited_at >= since]


@pytest.fixture
def rig(db, clock):
    statement = FakeStatement()
    provider = StaticQrisProvider(DEMO_STATIC_QRIS, clock=clock, by_mutasi=True)
    route = Route(provider, account=statement.account_key, credit_source=statement,
                  code_mode=CodeMode.ADD)
    engine = SyncEngine(db, route_for=lambda name: route, terminal_id="K1", clock=clock,
                        poll_interval_s=2.0)
    events = []
    engine.add_listener(events.append)
    return engine, statement, events


def _order_of(db, payment_id: str) -> str:
    return db.scalar("SELECT order_id FROM payments WHERE id = ?", (payment_id,))


def test_two_same_amount_orders_get_different_payable_amounts(db, clock, rig) -> None:
    engine, statement, events = rig
    p1, p2 = _sell(db, 15000, clock), _sell(db, 15000, clock)
    engine.run_once()
    a1 = latest_payment(db, _order_of(db, p1)).payable_amount
    a2 = latest_payment(db, _order_of(db, p2)).payable_amount
    assert {a1, a2} == {15001, 15011}
    # The QR shown carries exactly that amount.
    from pos_app import qris

    assert qris.parse(latest_payment(db, _order_of(db, p2)).qris).amount == a2


def test_one_credit_confirms_one_order_only(db, clock, rig) -> None:
    engine, statement, events = rig
    p1, p2 = _sell(db, 15000, clock), _sell(db, 15000, clock)
    engine.run_once()
    o1, o2 = _order_of(db, p1), _order_of(db, p2)
    clock.advance(30)
    statement.lines.append(Credit("orkut", "R1", 15011, clock(), TimePrecision.SECOND))
    clock.advance(6)
    engine.run_once()
    assert load_order(db, o2).status is OrderStatus.PAID
    assert load_order(db, o1).status is OrderStatus.AWAITING_PAYMENT
    # The same credit seen again (next poll, or another till) confirms nothing more.
    clock.advance(6)
    engine.run_once()
    assert db.scalar("SELECT count(*) FROM credits") == 1
    assert db.scalar("SELECT count(*) FROM payments WHERE status = 'paid'") == 1
    row = db.query_one("SELECT status, payment_id FROM credits WHERE credit_id = 'R1'")
    assert (row["status"], row["payment_id"]) == ("matched", p2)


def test_credit_older_than_order_does_not_confirm(db, clock, rig) -> None:
    engine, statement, events = rig
    ten_minutes_ago = clock() - timedelta(minutes=10)
    statement.lines.append(Credit("orkut", "OLD", 15001, ten_minutes_ago, TimePrecision.MINUTE))
    clock.advance(1)
    pid = _sell(db, 15000, clock)
    engine.run_once()
    assert latest_payment(db, _order_of(db, pid)).payable_amount == 15001
    clock.advance(6)
    engine.run_once()
    assert load_order(db, _order_of(db, pid)).status is OrderStatus.AWAITING_PAYMENT


def test_late_payment_after_expiry_shows_for_the_cashier(db, clock, rig) -> None:
    engine, statement, events = rig
    pid = _sell(db, 15000, clock)
    oid = _order_of(db, pid)
    engine.run_once()
    clock.advance(601)
    engine.run_once()
    assert load_order(db, oid).status is OrderStatus.EXPIRED
    clock.advance(120)
    statement.lines.append(Credit("orkut", "LATE1", 15001, clock(), TimePrecision.SECOND))
    clock.advance(6)
    engine.run_once()
    assert load_order(db, oid).status is OrderStatus.LATE_PAYMENT
    assert [e.kind.value for e in events if e.order_id == oid][-1] == "late_payment"
    # The cashier accepts it: now it is a sale.
    assert engine.resolve_late(oid, accept=True, actor="kasir") is True
    assert load_order(db, oid).status is OrderStatus.PAID


def test_statement_polled_no_faster_than_its_limit(db, clock, rig) -> None:
    engine, statement, events = rig
    _sell(db, 15000, clock)
    engine.run_once()
    for _ in range(10):
        clock.advance(0.5)
        engine.run_once()
    assert statement.calls <= 2, "at most every 5 s per account (real time spacing)"
