"""Tracked stock follows paid sales, exactly once, whatever the path to "paid" (migration 5's
triggers): a cash sale, a QRIS confirmed, a late payment accepted -- and not a QRIS that
expired or was cancelled. Real SQLite, the real payment service and engine."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from pos_app.cart import Cart
from pos_app.payments import PaymentService
from pos_app.products import CatalogItem
from pos_app.settings import Settings
from pos_app.storage import catalog
from pos_app.storage.orders import latest_payment
from sync.events import EventKind, SyncEvent
from tests.waiting import WAIT_S


@pytest.fixture
def service(data_dir: Path, db):
    settings = Settings.load(data_dir)
    settings.set("simulator.pay_after_s", "never")
    catalog.save_item(db, CatalogItem("KOPI", "Kopi", 4000, stock=10, low_stock=2))
    catalog.save_item(db, CatalogItem("GULA", "Gula", 15000))  # stock not tracked
    svc = PaymentService(db, settings, poll_interval_s=0.1)
    yield svc
    svc.stop()


def stock(svc: PaymentService, sku: str) -> int | None:
    return svc.db.scalar("SELECT stock FROM products WHERE sku = ?", (sku,))


def cart(svc: PaymentService, kopi: int = 3) -> Cart:
    c = Cart()
    kopi_product = catalog.get_by_sku(svc.db, "KOPI")
    gula = catalog.get_by_sku(svc.db, "GULA")
    assert kopi_product is not None and gula is not None
    c.add(kopi_product, kopi)
    c.add(gula, 1)
    c.add_custom("Kerupuk", 2000)  # no product behind it: no stock to change
    return c


def wait_kind(q: queue.Queue[SyncEvent], kind: EventKind) -> None:
    while True:
        try:
            if q.get(timeout=WAIT_S).kind is kind:
                return
        except queue.Empty:
            raise AssertionError(f"no {kind} within {WAIT_S:g} s") from None


def test_cash_sale_takes_stock_once(service: PaymentService) -> None:
    service.pay_cash(cart(service), 100000)
    assert stock(service, "KOPI") == 7
    assert stock(service, "GULA") is None
    service.pay_cash(cart(service, kopi=8), 100000)  # more than is counted: never blocked
    assert stock(service, "KOPI") == -1
    assert catalog.get_by_sku(service.db, "KOPI").low_stock is True


def test_qris_takes_stock_when_paid_not_when_rung_up(service: PaymentService) -> None:
    q: queue.Queue[SyncEvent] = queue.Queue()
    service.subscribe(q.put)
    service.start()
    order = service.start_qris(cart(service))
    wait_kind(q, EventKind.AWAITING_PAYMENT)
    assert stock(service, "KOPI") == 10, "waiting for payment: nothing has left the shop"
    service.simulate_paid(order.id)
    wait_kind(q, EventKind.PAID)
    assert stock(service, "KOPI") == 7
    service.simulate_paid(order.id)  # a second "paid" for the same order changes nothing
    assert stock(service, "KOPI") == 7


def test_cancelled_or_expired_qris_leaves_stock_alone(service: PaymentService) -> None:
    q: queue.Queue[SyncEvent] = queue.Queue()
    service.subscribe(q.put)
    service.start()
    cancelled = service.start_qris(cart(service))
    wait_kind(q, EventKind.AWAITING_PAYMENT)
    assert service.cancel(cancelled.id)
    wait_kind(q, EventKind.CANCELLED)
    expired = service.start_qris(cart(service))
    wait_kind(q, EventKind.AWAITING_PAYMENT)
    engine = service.engine
    engine._emit_all(engine.ledger.expired(latest_payment(service.db, expired.id)))
    wait_kind(q, EventKind.EXPIRED)
    assert stock(service, "KOPI") == 10
    # ... and the late payment accepted as a sale takes it then.
    service.simulate_paid(expired.id)
    wait_kind(q, EventKind.LATE_PAYMENT)
    assert stock(service, "KOPI") == 10
    assert service.resolve_late(expired.id, True, "kasir")
    assert stock(service, "KOPI") == 7
