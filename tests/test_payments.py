"""The payment service as the CLI and the window use it: real settings, real SQLite, threads."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from pos_app.cart import Cart, Product
from pos_app.order_state import InsufficientCash, OrderStatus
from pos_app.payments import PaymentService
from pos_app.settings import Settings
from pos_app.storage.orders import load_order
from sync.events import EventKind, SyncEvent
from sync.providers.base import ConfigMissing
from tests.waiting import WAIT_S


@pytest.fixture
def service(data_dir: Path, db):
    settings = Settings.load(data_dir)
    settings.set("simulator.pay_after_s", "never")
    svc = PaymentService(db, settings, poll_interval_s=0.1)
    yield svc
    svc.stop()


def cart() -> Cart:
    c = Cart()
    c.add(Product(sku="A", name="Kopi", price=4000), 3)
    return c


def collect(svc: PaymentService) -> queue.Queue[SyncEvent]:
    q: queue.Queue[SyncEvent] = queue.Queue()
    svc.subscribe(q.put)
    return q


def next_kind(q: queue.Queue[SyncEvent], timeout: float = WAIT_S) -> EventKind:
    try:
        return q.get(timeout=timeout).kind
    except queue.Empty:
        raise AssertionError(f"no sync event within {timeout:g} s") from None


def test_simulate_paid_button(service: PaymentService) -> None:
    q = collect(service)
    service.start()
    order = service.start_qris(cart())
    assert next_kind(q) is EventKind.CREATED
    assert next_kind(q) is EventKind.AWAITING_PAYMENT
    service.simulate_paid(order.id)
    assert next_kind(q) is EventKind.PAID
    assert load_order(service.db, order.id).status is OrderStatus.PAID


def test_cancel_from_the_till(service: PaymentService) -> None:
    q = collect(service)
    service.start()
    order = service.start_qris(cart())
    assert [next_kind(q), next_kind(q)] == [EventKind.CREATED, EventKind.AWAITING_PAYMENT]
    assert service.cancel(order.id)
    assert next_kind(q) is EventKind.CANCELLED
    assert load_order(service.db, order.id).status is OrderStatus.CANCELLED


def test_cash_sale_reports_paid(service: PaymentService) -> None:
    q = collect(service)
    order = service.pay_cash(cart(), 20000)
    assert [next_kind(q), next_kind(q)] == [EventKind.CREATED, EventKind.PAID]
    assert order.status is OrderStatus.PAID
    with pytest.raises(InsufficientCash):
        service.pay_cash(cart(), 10000)


def test_unconfigured_provider_writes_no_sale(service: PaymentService) -> None:
    with pytest.raises(ConfigMissing) as info:
        service.start_qris(cart(), provider="static")
    assert info.value.keys == ["payment.static_qris"]
    assert service.db.scalar("SELECT count(*) FROM orders") == 0


@pytest.mark.parametrize(("accept", "status", "kind"), [
    (True, OrderStatus.PAID, EventKind.PAID), (False, OrderStatus.REFUNDED, EventKind.REFUNDED)])
def test_resolve_late_payment(service: PaymentService, accept: bool, status: OrderStatus,
                              kind: EventKind) -> None:
    """The window decides on a late payment through the service, not through its engine."""
    from pos_app.storage.orders import latest_payment

    q = collect(service)
    service.start()
    order = service.start_qris(cart())
    assert [next_kind(q), next_kind(q)] == [EventKind.CREATED, EventKind.AWAITING_PAYMENT]
    assert not service.resolve_late(order.id, accept, "kasir"), "not a late payment (yet)"
    engine = service.engine
    engine._emit_all(engine.ledger.expired(latest_payment(service.db, order.id)))
    assert next_kind(q) is EventKind.EXPIRED
    service.simulate_paid(order.id)  # the customer pays the expired QR anyway
    assert next_kind(q) is EventKind.LATE_PAYMENT
    assert service.resolve_late(order.id, accept, "kasir")
    assert next_kind(q) is kind
    assert load_order(service.db, order.id).status is status
    assert not service.resolve_late(order.id, accept, "kasir"), "decided once"
    action = "late_payment_accepted" if accept else "late_payment_refunded"
    row = service.db.query_one("SELECT actor FROM audit_log WHERE action = ?", (action,))
    assert row is not None and row["actor"] == "kasir"
