"""The sync engine with real SQLite and the in-process providers, on a clock the test moves."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from pos_app import qris
from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import zone
from pos_app.order_state import OrderStatus, PaymentStatus
from pos_app.storage.orders import latest_payment, load_order, pending_outbox
from sync.engine import SyncEngine, backoff_delay
from sync.events import EventKind, SyncEvent
from sync.providers.base import (
    Confirmation,
    CreateRequest,
    Invoice,
    PaymentRef,
    Provider,
    Rejected,
    RemoteStatus,
    StatusResult,
    TransientError,
)
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS, SimulatorProvider
from sync.providers.static.adapter import StaticQrisProvider
from tests.waiting import WAIT_S

WIB = zone("Asia/Jakarta")


def a_cart(amount: int = 15000) -> Cart:
    c = Cart()
    c.add(Product(sku="X", name="Nasi Goreng", price=amount))
    return c


class Rig:
    def __init__(self, db, clock, providers: dict[str, Provider]) -> None:
        self.db = db
        self.clock = clock
        self.providers = providers
        self.engine = SyncEngine(db, providers.__getitem__, clock=clock, poll_interval_s=2.0,
                                 late_poll_interval_s=30.0, late_watch_s=1800.0)
        self.events: list[SyncEvent] = []
        self.engine.add_listener(self.events.append)
        self.checkout = CheckoutService(db, Till("K1", WIB), clock)

    def sell(self, provider: str, amount: int = 15000, ttl_s: int = 600) -> str:
        order, _ = self.checkout.open_qris_sale(a_cart(amount), provider, ttl_s=ttl_s)
        return order.id

    def kinds(self, order_id: str) -> list[str]:
        return [e.kind.value for e in self.events if e.order_id == order_id]

    def step(self, seconds: float = 0.0) -> int:
        self.clock.advance(seconds)
        return self.engine.run_once()


def test_simulator_pays_after_delay(db, clock) -> None:
    rig = Rig(db, clock, {"simulator": SimulatorProvider(pay_after_s=3.0, clock=clock)})
    oid = rig.sell("simulator")
    rig.step()
    assert rig.kinds(oid) == ["awaiting_payment"]
    ev = rig.events[0]
    assert ev.data["payable_amount"] == 15000
    parsed = qris.parse(ev.data["qris"])
    assert parsed.is_dynamic and parsed.amount == 15000
    rig.step(2.0)
    assert rig.kinds(oid) == ["awaiting_payment"], "not paid before pay_after_s"
    rig.step(2.0)
    assert rig.kinds(oid) == ["awaiting_payment", "paid"]
    order = load_order(db, oid)
    assert order.status is OrderStatus.PAID and order.paid_at is not None
    pay = latest_payment(db, oid)
    assert pay.status is PaymentStatus.PAID and pay.paid_amount == 15000
    assert [e.kind.value for e in pending_outbox(db)] == ["sale_completed"]
    rig.step(2.0)
    assert pending_outbox(db) == [] and rig.engine.pending_count() == (0, 0)
    rows = db.query("SELECT action FROM audit_log WHERE order_id = ?", (oid,))
    actions = [r["action"] for r in rows]
    assert actions == ["qris_requested", "payment_confirmed"]


def test_expiry_then_late_payment(db, clock) -> None:
    sim = SimulatorProvider(pay_after_s=None, clock=clock)
    rig = Rig(db, clock, {"simulator": sim})
    oid = rig.sell("simulator", ttl_s=60)
    rig.step()
    for _ in range(31):
        rig.step(2.0)
    assert rig.kinds(oid) == ["awaiting_payment", "expired"]
    assert load_order(db, oid).status is OrderStatus.EXPIRED
    assert rig.engine.pending_count() == (0, 0), "an expired order is not pending"
    # The customer pays from a screenshot 10 minutes later.
    clock.advance(600)
    sim.pay_now(oid)
    rig.step(31)
    assert rig.kinds(oid)[-1] == "late_payment"
    assert load_order(db, oid).status is OrderStatus.LATE_PAYMENT
    assert latest_payment(db, oid).status is PaymentStatus.LATE


def test_late_watch_ends(db, clock) -> None:
    sim = SimulatorProvider(pay_after_s=None, clock=clock)
    rig = Rig(db, clock, {"simulator": sim})
    oid = rig.sell("simulator", ttl_s=60)
    rig.step()
    rig.step(61)
    assert rig.kinds(oid)[-1] == "expired"
    clock.advance(1900)  # past late_watch_s
    sim.pay_now(oid)
    assert rig.step(1) == 0, "nothing is watched after the late-watch window"
    assert load_order(db, oid).status is OrderStatus.EXPIRED


def test_cancel_tells_provider_and_never_pays(db, clock) -> None:
    sim = SimulatorProvider(pay_after_s=3.0, clock=clock)
    rig = Rig(db, clock, {"simulator": sim})
    oid = rig.sell("simulator")
    rig.step()
    assert rig.engine.cancel(oid, actor="kasir-1") is True
    rig.step(5)
    assert rig.kinds(oid) == ["awaiting_payment", "cancelled"]
    assert load_order(db, oid).status is OrderStatus.CANCELLED
    assert oid in sim._cancelled, "the provider was told"
    assert rig.engine.cancel(oid) is False, "cancelling twice is a no-op"
    audit = db.query_one("SELECT actor FROM audit_log WHERE action = 'payment_cancelled'")
    assert audit["actor"] == "kasir-1"


def test_cancel_before_create_is_sent_drops_the_create(db, clock) -> None:
    calls: list[str] = []

    class Recording(SimulatorProvider):
        def create(self, request: CreateRequest) -> Invoice:
            calls.append(request.order_id)
            return super().create(request)

    rig = Rig(db, clock, {"simulator": Recording(clock=clock)})
    oid = rig.sell("simulator")
    assert rig.engine.cancel(oid)
    rig.step()
    assert calls == [] and rig.engine.pending_count() == (0, 0)


class Flaky(Provider):
    """Fails ``failures`` times with a transient error, then creates; records every request."""

    name = "flaky"
    confirmation = Confirmation.POLL
    min_poll_interval_s = 0.0

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or TransientError("HTTP 503 from gateway")
        self.requests: list[CreateRequest] = []
        self.status = RemoteStatus.PENDING
        self.paid_amount: int | None = None

    def create(self, request: CreateRequest) -> Invoice:
        self.requests.append(request)
        if len(self.requests) <= self.failures:
            raise self.error
        payable = request.amount + 123
        return Invoice(payable_amount=payable,
                       expires_at=request.created_at + timedelta(seconds=600),
                       provider_ref="REF-1", qris=qris.to_dynamic(DEMO_STATIC_QRIS, payable))

    def check(self, ref: PaymentRef) -> StatusResult:
        return StatusResult(self.status, self.paid_amount, "REF-1")


def test_transient_create_errors_retry_with_the_same_ids(db, clock) -> None:
    flaky = Flaky(failures=3)
    rig = Rig(db, clock, {"flaky": flaky})
    oid = rig.sell("flaky")
    rig.step()
    for _ in range(20):
        rig.step(5)
    assert len(flaky.requests) == 4
    assert {(r.order_id, r.payment_id, r.idempotency_key) for r in flaky.requests} == {
        (oid, flaky.requests[0].payment_id, flaky.requests[0].payment_id)}
    assert rig.kinds(oid) == ["retrying", "retrying", "retrying", "awaiting_payment"]
    pay = latest_payment(db, oid)
    assert pay.payable_amount == 15123 and pay.unique_code == 123, (
        "the back-end's amount is the one charged"
    )


def test_rejected_create_fails_without_retry(db, clock) -> None:
    flaky = Flaky(failures=99, error=Rejected("HTTP 400: invalid amount"))
    rig = Rig(db, clock, {"flaky": flaky})
    oid = rig.sell("flaky")
    rig.step()
    rig.step(60)
    assert len(flaky.requests) == 1
    assert rig.kinds(oid) == ["failed"]
    assert "invalid amount" in rig.events[-1].data["error"]
    assert load_order(db, oid).status is OrderStatus.CANCELLED
    assert rig.engine.pending_count() == (0, 0)


def test_transient_errors_give_up_when_the_qr_would_have_expired(db, clock) -> None:
    flaky = Flaky(failures=10_000)
    rig = Rig(db, clock, {"flaky": flaky})
    oid = rig.sell("flaky", ttl_s=120)
    for _ in range(100):
        rig.step(10)
    assert rig.kinds(oid)[-1] == "failed"
    assert rig.engine.pending_count() == (0, 0)


def test_wrong_amount_is_never_paid(db, clock) -> None:
    flaky = Flaky(failures=0)
    rig = Rig(db, clock, {"flaky": flaky})
    oid = rig.sell("flaky")
    rig.step()
    flaky.status, flaky.paid_amount = RemoteStatus.PAID, 15000  # we asked for 15123
    rig.step(3)
    assert "paid" not in rig.kinds(oid)
    assert latest_payment(db, oid).status is PaymentStatus.PENDING
    assert "amount mismatch" in latest_payment(db, oid).error


def test_static_manual_confirmation_is_audited(db, clock) -> None:
    static = StaticQrisProvider(DEMO_STATIC_QRIS, clock=clock)
    rig = Rig(db, clock, {"static": static})
    oid = rig.sell("static", amount=27500)
    rig.step()
    ev = rig.events[-1]
    assert ev.kind is EventKind.AWAITING_PAYMENT
    assert qris.parse(ev.data["qris"]).amount == 27500
    assert qris.parse(ev.data["qris"]).merchant.name == "WARUNG DEMO POS-APP"
    rig.step(30)
    assert rig.kinds(oid) == ["awaiting_payment"], "static never confirms by itself"
    assert rig.engine.confirm_manually(oid, actor="kasir-2", note="cek m-banking") is True
    assert rig.kinds(oid)[-1] == "paid"
    row = db.query_one(
        "SELECT actor, details FROM audit_log WHERE action = 'payment_confirmed_manually'"
    )
    assert row["actor"] == "kasir-2" and json.loads(row["details"])["note"] == "cek m-banking"
    assert rig.engine.confirm_manually(oid, actor="kasir-2") is False, "only once"


def test_backoff_is_capped_and_honours_retry_after() -> None:
    import random

    rng = random.Random(1)
    delays = [backoff_delay(n, rng) for n in range(12)]
    assert all(0.5 <= d <= 60 for d in delays)
    assert delays[-1] >= 30, "grows to the cap"
    assert backoff_delay(0, rng, retry_after_s=20) >= 20


def test_background_thread_reports_paid(db) -> None:
    sim = SimulatorProvider(pay_after_s=0.2)
    engine = SyncEngine(db, {"simulator": sim}.__getitem__, poll_interval_s=0.1)
    got: list[SyncEvent] = []
    done = threading.Event()

    def listen(ev: SyncEvent) -> None:
        got.append(ev)
        if ev.kind is EventKind.PAID:
            done.set()

    engine.add_listener(listen)
    checkout = CheckoutService(db, Till("K1", WIB))
    engine.start()
    try:
        order, _ = checkout.open_qris_sale(a_cart(), "simulator", ttl_s=600)
        engine.wake()
        assert done.wait(WAIT_S), f"no PAID event within {WAIT_S:g} s: {[e.kind for e in got]}"
    finally:
        engine.stop()
    assert [e.kind for e in got] == [EventKind.AWAITING_PAYMENT, EventKind.PAID]
    assert load_order(db, order.id).status is OrderStatus.PAID


def test_hanging_provider_does_not_block_others(db) -> None:
    release = threading.Event()
    entered = threading.Event()

    class Hanging(SimulatorProvider):
        name = "hanging"

        def create(self, request: CreateRequest) -> Invoice:
            entered.set()
            release.wait(2 * WAIT_S)  # longer than the test waits for the other sale
            return super().create(request)

    providers = {"simulator": SimulatorProvider(pay_after_s=0.1), "hanging": Hanging()}
    engine = SyncEngine(db, providers.__getitem__, poll_interval_s=0.1)
    paid = threading.Event()
    engine.add_listener(lambda ev: paid.set() if ev.kind is EventKind.PAID else None)
    checkout = CheckoutService(db, Till("K1", WIB))
    engine.start()
    try:
        checkout.open_qris_sale(a_cart(), "hanging", ttl_s=600)
        engine.wake()
        assert entered.wait(WAIT_S), "the engine never called the hanging back-end"
        checkout.open_qris_sale(a_cart(2000), "simulator", ttl_s=600)
        engine.wake()
        assert paid.wait(WAIT_S), "a hanging back-end must not hold up another's sale"
    finally:
        release.set()
        engine.stop()
