"""The sync engine's writes: every change of a payment's state as one SQLite transaction
(payment, order, outbox, audit, credits together), returning the events to report afterwards.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from pos_app.clock import from_iso, to_iso
from pos_app.order_state import (
    InvalidTransition,
    OrderEvent,
    OrderStatus,
    PaymentStatus,
    transition,
)
from pos_app.storage.announcements import owe
from pos_app.storage.database import Database
from pos_app.storage.orders import (
    OutboxKind,
    PaymentRecord,
    enqueue,
    load_payment,
    set_order_status,
    update_payment,
)
from sync.events import EventKind, SyncEvent
from sync.matching import OpenPayment, Verdict, decide_all
from sync.providers.base import Credit, Invoice, RemoteStatus, StatusResult

log = logging.getLogger(__name__)


def move_order(conn: sqlite3.Connection, order_id: str, event: OrderEvent,
               now: datetime) -> OrderStatus | None:
    row = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()
    try:
        new = transition(order_id, OrderStatus(row["status"]), event)
    except InvalidTransition as exc:
        log.warning("%s", exc)
        return None
    set_order_status(conn, order_id, new, now, paid=new is OrderStatus.PAID)
    return new


class Ledger:
    def __init__(self, db: Database, clock: Callable[[], datetime], *, late_poll_interval_s: float,
                 late_watch_s: float) -> None:
        self.db = db
        self.clock = clock
        self.late_poll_interval_s = late_poll_interval_s
        self.late_watch_s = late_watch_s

    def _status(self, conn: sqlite3.Connection, payment_id: str) -> PaymentStatus:
        row = conn.execute("SELECT status FROM payments WHERE id = ?", (payment_id,)).fetchone()
        return PaymentStatus(row[0])

    # -- create ---------------------------------------------------------------------------
    def created(self, payment: PaymentRecord, provider: str, invoice: Invoice, first_check_s: float,
                outbox_id: int) -> list[SyncEvent]:
        now = self.clock()
        with self.db.transaction() as conn:
            cancelled_meanwhile = self._status(conn, payment.id) is not PaymentStatus.PENDING
            update_payment(
                conn, payment.id, now,
                payable_amount=invoice.payable_amount,
                unique_code=invoice.payable_amount - payment.amount,
                provider_ref=invoice.provider_ref,
                qris=invoice.qris,
                checkout_url=invoice.checkout_url,
                expires_at=invoice.expires_at,
                next_check_at=now + timedelta(seconds=first_check_s),
                error=None,
            )
            conn.execute("UPDATE outbox SET status = 'done', updated_at = ? WHERE id = ?",
                         (to_iso(now), outbox_id))
            if cancelled_meanwhile:
                enqueue(conn, OutboxKind.CANCEL_PAYMENT, now, order_id=payment.order_id,
                        payment_id=payment.id, payload={"provider": provider})
                return []
        return [SyncEvent(EventKind.AWAITING_PAYMENT, payment.order_id, payment.id, {
            "provider": provider,
            "payable_amount": invoice.payable_amount,
            "qris": invoice.qris,
            "checkout_url": invoice.checkout_url,
            "expires_at": to_iso(invoice.expires_at),
        })]

    def failed(self, payment: PaymentRecord, reason: str, *, outbox_id: int | None = None,
               needs_login: bool = False) -> list[SyncEvent]:
        now = self.clock()
        with self.db.transaction() as conn:
            if self._status(conn, payment.id) is not PaymentStatus.PENDING:
                return []
            update_payment(conn, payment.id, now, status=PaymentStatus.FAILED, error=reason,
                           next_check_at=None)
            move_order(conn, payment.order_id, OrderEvent.CANCEL, now)
            if outbox_id is not None:
                conn.execute("UPDATE outbox SET status = 'failed', last_error = ?, updated_at = ?"
                             " WHERE id = ?", (reason, to_iso(now), outbox_id))
            self.db.audit(conn, "sync", "payment_failed", order_id=payment.order_id,
                          payment_id=payment.id, details=json.dumps({"error": reason}))
        log.error("payment for %s failed: %s", payment.order_id, reason)
        return [SyncEvent(EventKind.FAILED, payment.order_id, payment.id, {
            "error": reason, "provider": payment.provider, "needs_login": needs_login,
        })]

    # -- outcomes -------------------------------------------------------------------------
    def expired(self, payment: PaymentRecord) -> list[SyncEvent]:
        now = self.clock()
        with self.db.transaction() as conn:
            if self._status(conn, payment.id) is not PaymentStatus.PENDING:
                return []
            update_payment(conn, payment.id, now, status=PaymentStatus.EXPIRED,
                           next_check_at=now + timedelta(seconds=self.late_poll_interval_s))
            move_order(conn, payment.order_id, OrderEvent.EXPIRE, now)
            self.db.audit(conn, "sync", "payment_expired", order_id=payment.order_id,
                          payment_id=payment.id)
        return [SyncEvent(EventKind.EXPIRED, payment.order_id, payment.id, {
            "provider": payment.provider, "payable_amount": payment.payable_amount,
        })]

    def paid(self, payment: PaymentRecord, result: StatusResult, *, actor: str, action: str,
             note: str = "") -> list[SyncEvent]:
        """Money arrived for ``payment``: paid, or a late payment when it had already ended."""
        now = self.clock()
        expected = payment.payable_amount
        paid_amount = result.paid_amount if result.paid_amount is not None else expected
        if paid_amount != expected:
            # Never a false "paid": a different amount needs a person to look at it.
            reason = f"amount mismatch: expected {expected}, provider reports {paid_amount}"
            with self.db.transaction() as c:
                update_payment(c, payment.id, now, error=reason,
                               next_check_at=now + timedelta(seconds=self.late_poll_interval_s))
                self.db.audit(c, "sync", "payment_amount_mismatch", order_id=payment.order_id,
                              payment_id=payment.id, details=json.dumps({"reported": paid_amount}))
            log.error("payment %s: %s", payment.order_id, reason)
            return [SyncEvent(EventKind.RETRYING, payment.order_id, payment.id, {"error": reason})]
        with self.db.transaction() as c:
            current = self._status(c, payment.id)
            if current in (PaymentStatus.PAID, PaymentStatus.LATE, PaymentStatus.FAILED):
                return []  # already settled (another thread, another credit)
            late = current is not PaymentStatus.PENDING
            update_payment(
                c, payment.id, now,
                status=PaymentStatus.LATE if late else PaymentStatus.PAID,
                paid_amount=paid_amount,
                provider_ref=result.provider_ref or payment.provider_ref,
                paid_at=result.paid_at or now, next_check_at=None, error=None,
            )
            move_order(c, payment.order_id, OrderEvent.LATE_PAY if late else OrderEvent.PAY, now)
            if not late:
                enqueue(c, OutboxKind.SALE_COMPLETED, now, order_id=payment.order_id,
                        payment_id=payment.id,
                        payload={"method": "qris", "provider": payment.provider})
            if actor == "sync":
                # Confirmed by the back-end: said once on the soundbox or the speaker (a
                # cashier's manual confirmation came from the cashier's own eyes).
                owe(c, payment.id, payment.order_id, int(paid_amount or 0), now)
            details = {"paid_amount": paid_amount, "provider_ref": result.provider_ref,
                       "note": note}
            self.db.audit(c, actor, "late_payment_received" if late else action,
                          order_id=payment.order_id, payment_id=payment.id,
                          details=json.dumps(details))
        kind = EventKind.LATE_PAYMENT if late else EventKind.PAID
        return [SyncEvent(kind, payment.order_id, payment.id, {
            "paid_amount": paid_amount,
            "provider_ref": result.provider_ref or payment.provider_ref,
            "provider": payment.provider,
        })]

    def watch_later(self, payment: PaymentRecord, seconds: float, *,
                    error: str | None = None) -> None:
        now = self.clock()
        with self.db.transaction() as conn:
            fields: dict[str, object] = {"next_check_at": now + timedelta(seconds=seconds)}
            if error is not None:
                fields["error"] = error
            update_payment(conn, payment.id, now, **fields)

    # -- incoming credits -----------------------------------------------------------------
    def open_on_account(self, account: str) -> list[OpenPayment]:
        now = self.clock()
        rows = self.db.query(
            "SELECT id, order_id, payable_amount, created_at, expires_at, status FROM payments"
            " WHERE account = ? AND payable_amount IS NOT NULL AND ("
            " status = 'pending' OR (status IN ('expired', 'cancelled') AND expires_at >= ?))",
            (account, to_iso(now - timedelta(seconds=self.late_watch_s))),
        )
        return [
            OpenPayment(r["id"], r["order_id"], int(r["payable_amount"]), from_iso(r["created_at"]),
                        from_iso(r["expires_at"]), PaymentStatus(r["status"]))
            for r in rows
        ]

    def credits(self, account: str, credits: Sequence[Credit]) -> list[SyncEvent]:
        """Record credits never seen before and act on them; old ones are ignored (claimed once)."""
        now = self.clock()
        fresh: list[Credit] = []
        with self.db.transaction() as conn:
            for c in credits:
                cur = conn.execute(
                    "INSERT INTO credits (source, account, credit_id, amount, credited_at,"
                    " precision, description, seen_at, status)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'unmatched')"
                    " ON CONFLICT (source, credit_id) DO NOTHING",
                    (c.source, account, c.credit_id, c.amount, to_iso(c.credited_at),
                     c.precision.value, c.description[:200], to_iso(now)),
                )
                if cur.rowcount:
                    fresh.append(c)
        if not fresh:
            return []
        events: list[SyncEvent] = []
        for decision in decide_all(fresh, self.open_on_account(account)):
            c = decision.credit
            payment = (load_payment(self.db, decision.payment.payment_id)
                       if decision.payment else None)
            if decision.verdict in (Verdict.MATCH, Verdict.LATE) and payment is not None:
                try:
                    with self.db.transaction() as conn:
                        conn.execute(
                            "UPDATE credits SET status = ?, payment_id = ?, note = ?"
                            " WHERE source = ? AND credit_id = ?",
                            (decision.verdict.value, payment.id, decision.reason, c.source,
                             c.credit_id),
                        )
                except sqlite3.IntegrityError:
                    # The payment was already confirmed by another credit: a person must look.
                    self._mark_credit(c, Verdict.REVIEW,
                                      "payment already confirmed by another credit")
                    continue
                events += self.paid(
                    payment,
                    StatusResult(RemoteStatus.PAID, c.amount, c.credit_id, c.credited_at),
                    actor="sync", action="payment_confirmed",
                    note=f"credit {c.source}:{c.credit_id}",
                )
            else:
                self._mark_credit(c, decision.verdict, decision.reason)
                if decision.verdict is Verdict.REVIEW:
                    log.warning("credit %s:%s of %d needs review: %s",
                                c.source, c.credit_id, c.amount, decision.reason)
        return events

    def _mark_credit(self, c: Credit, verdict: Verdict, reason: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE credits SET status = ?, note = ? WHERE source = ? AND credit_id = ?",
                (verdict.value, reason, c.source, c.credit_id))
