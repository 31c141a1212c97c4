"""Turning a cart into a sale: the one-transaction writes behind "Bayar".

A completed cash sale writes the order, its lines, the payment and an outbox entry in one
SQLite transaction. A QRIS sale writes the order (awaiting payment), its lines, a pending
payment and the ``create_payment`` outbox entry in one transaction, then the sync engine takes
it from there — so a sale rung up while the internet is down is never lost, and a crash between
"Bayar QRIS" and the gateway's answer resumes instead of charging twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pos_app.cart import Cart
from pos_app.clock import from_iso, local_date, to_iso, utcnow
from pos_app.order_state import CashTender, OrderStatus, PaymentMethod, PaymentStatus
from pos_app.shifts import too_old
from pos_app.storage.database import Database
from pos_app.storage.orders import (
    OrderRecord,
    OutboxKind,
    PaymentRecord,
    allocate_order_id,
    enqueue,
    latest_payment,
    load_order,
)


def _new_id() -> str:
    return str(uuid.uuid4())


class CheckoutError(Exception):
    """A sale can't be written as asked (empty cart, too little cash ...)."""


@dataclass(frozen=True)
class Till:
    """Where and by whom a sale is rung up. ``cashier``/``cashier_id`` are the signed-in user
    (empty for ``pos-app charge``); ``shift_id``/``business_date`` the open shift, whose day
    its sales belong to even after midnight (``pos_app.shifts``)."""

    terminal_id: str
    tz: ZoneInfo
    cashier: str = ""
    cashier_id: str | None = None
    shift_id: str | None = None
    business_date: date | None = None


class CheckoutService:
    def __init__(self, db: Database, till: Till, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.till = till
        self.clock = clock

    def _insert_order(self, conn, till: Till, cart: Cart,  # type: ignore[no-untyped-def]
                      status: OrderStatus, now: datetime, note: str) -> tuple[str, int]:
        """``till``: read once by the caller (the window may sign someone else in meanwhile),
        so the order and its audit row name the same cashier."""
        if cart.is_empty:
            raise CheckoutError("the cart is empty")
        totals = cart.totals()
        business_date = till.business_date or local_date(now, till.tz)
        if till.shift_id is not None:
            row = conn.execute("SELECT status, opened_at FROM shifts WHERE id = ?",
                               (till.shift_id,)).fetchone()
            if row is None or row["status"] != "open":
                raise CheckoutError("the shift is closed: open the till again (Buka kasir)")
            if too_old(from_iso(row["opened_at"]), now):
                raise CheckoutError("the shift is more than 20 hours old: close it (Tutup kasir)")
        order_id, seq = allocate_order_id(conn, till.terminal_id, business_date)
        stamp = to_iso(now)
        conn.execute(
            "INSERT INTO orders (id, uuid, terminal_id, business_date, seq, status, subtotal,"
            " line_discounts, order_discount, tax_mode, tax_rate_bp, tax, total, note, cashier,"
            " cashier_id, shift_id, created_at, updated_at, paid_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                order_id, _new_id(), till.terminal_id,
                business_date.isoformat(), seq, status.value, totals.subtotal,
                totals.line_discounts, totals.order_discount, cart.tax_config.mode.value,
                cart.tax_config.rate_bp,
                totals.tax, totals.total, note, till.cashier, till.cashier_id, till.shift_id,
                stamp, stamp,
                stamp if status is OrderStatus.PAID else None,
            ),
        )
        conn.executemany(
            "INSERT INTO order_lines (order_id, line_no, sku, name, category, unit_price,"
            " quantity, discount, net) VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (order_id, n, line.product.sku, line.product.name, line.product.category,
                 line.product.price, line.quantity, line.discount_amount, line.net)
                for n, line in enumerate(cart.lines, start=1)
            ],
        )
        # Tracked stock follows the order once it is paid: triggers of migration 5.
        return order_id, totals.total

    def complete_cash_sale(self, cart: Cart, tendered: int, *, note: str = "") -> OrderRecord:
        now = self.clock()
        total = cart.totals().total
        tender = CashTender(total=total, tendered=tendered)  # raises InsufficientCash
        payment_id = _new_id()
        with self.db.transaction() as conn:
            order_id, _ = self._insert_order(conn, self.till, cart, OrderStatus.PAID, now, note)
            stamp = to_iso(now)
            conn.execute(
                "INSERT INTO payments (id, order_id, method, provider, amount, payable_amount,"
                " tendered, change_given, paid_amount, status, created_at, updated_at, paid_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (payment_id, order_id, PaymentMethod.CASH.value, None, total, total, tendered,
                 tender.change, total, PaymentStatus.PAID.value, stamp, stamp, stamp),
            )
            enqueue(conn, OutboxKind.SALE_COMPLETED, now, order_id=order_id, payment_id=payment_id,
                    payload={"method": "cash", "total": total})
        order = load_order(self.db, order_id)
        assert order is not None
        return order

    def open_qris_sale(
        self, cart: Cart, provider: str, *, ttl_s: int, note: str = ""
    ) -> tuple[OrderRecord, PaymentRecord]:
        now, till = self.clock(), self.till
        payment_id = _new_id()
        with self.db.transaction() as conn:
            order_id, total = self._insert_order(conn, till, cart, OrderStatus.AWAITING_PAYMENT,
                                                 now, note)
            stamp = to_iso(now)
            conn.execute(
                "INSERT INTO payments (id, order_id, method, provider, amount, status,"
                " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                (payment_id, order_id, PaymentMethod.QRIS.value, provider, total,
                 PaymentStatus.PENDING.value, stamp, stamp),
            )
            enqueue(conn, OutboxKind.CREATE_PAYMENT, now, order_id=order_id, payment_id=payment_id,
                    payload={"provider": provider, "amount": total, "ttl_s": ttl_s})
            details = json.dumps({"provider": provider, "amount": total})
            self.db.audit(conn, till.cashier or "cashier", "qris_requested", order_id=order_id,
                          payment_id=payment_id, details=details)
        order = load_order(self.db, order_id)
        payment = latest_payment(self.db, order_id)
        assert order is not None and payment is not None
        return order, payment
