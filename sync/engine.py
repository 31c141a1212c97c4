"""The sync engine: works the outbox and watches open payments until they end.

Everything a provider is asked goes through here, on worker threads, never on the caller's:

* ``create_payment`` outbox entries -> ``Provider.create`` (retried with the *same* payment id
  on transient errors, with capped exponential backoff and jitter; given up when the QR's
  lifetime has passed or the back-end refuses);
* pending payments -> ``Provider.check`` about every ``poll_interval_s`` (never faster than the
  provider's ``min_poll_interval_s``), expired locally once their ``expires_at`` passes;
* expired and cancelled payments -> checked slowly for ``late_watch_s`` more, so money that
  arrives from a screenshot of an old QR becomes a *late payment* for the cashier, not a loss;
* ``cancel_payment`` entries -> ``Provider.cancel``.

Every state change is one SQLite transaction (payment, order, outbox, audit together) and is
then reported to listeners as a ``SyncEvent``. Listeners are called on the engine's threads.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from pos_app.clock import from_iso, to_iso, utcnow
from pos_app.order_state import InvalidTransition, OrderEvent, OrderStatus, PaymentStatus, transition
from pos_app.storage.database import Database
from pos_app.storage.orders import (
    OutboxEntry,
    OutboxKind,
    PaymentRecord,
    enqueue,
    finish_outbox,
    load_order,
    load_payment,
    reschedule_outbox,
    set_order_status,
    update_payment,
)
from sync.events import EventKind, SyncEvent
from sync.providers.base import (
    AuthExpired,
    CreateRequest,
    PaymentRef,
    Provider,
    ProviderError,
    RemoteStatus,
    StatusResult,
)

log = logging.getLogger(__name__)

Listener = Callable[[SyncEvent], None]
ProviderLookup = Callable[[str], Provider]

BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0
AUTH_RETRY_S = 300.0  # after a 401 we stop hammering; a new login wakes the engine


def backoff_delay(attempt: int, rng: random.Random, retry_after_s: float | None = None) -> float:
    """Capped exponential backoff with full jitter; a server's Retry-After is a floor."""
    delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2 ** max(0, attempt)))
    delay = delay / 2 + rng.random() * delay / 2
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, 3600.0))
    return delay


class SyncEngine:
    def __init__(
        self,
        db: Database,
        provider_for: ProviderLookup,
        *,
        clock: Callable[[], datetime] = utcnow,
        poll_interval_s: float = 2.0,
        late_poll_interval_s: float = 30.0,
        late_watch_s: float = 1800.0,
        workers: int = 4,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.provider_for = provider_for
        self.clock = clock
        self.poll_interval_s = poll_interval_s
        self.late_poll_interval_s = late_poll_interval_s
        self.late_watch_s = late_watch_s
        self._rng = rng or random.Random()
        self._listeners: list[Listener] = []
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._stop = False
        self._wake = False
        self._in_flight: set[tuple[str, Any]] = set()
        self._flight_lock = threading.Lock()
        self.last_errors: dict[str, str] = {}

    # -- listeners -----------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, event: SyncEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not stop payments
                log.exception("sync listener failed on %s", event.kind)

    # -- helpers -------------------------------------------------------------------------
    def _poll_interval(self, provider: Provider) -> float:
        return max(self.poll_interval_s, provider.min_poll_interval_s)

    @staticmethod
    def _ref(p: PaymentRecord) -> PaymentRef:
        assert p.payable_amount is not None and p.expires_at is not None
        return PaymentRef(
            order_id=p.order_id, payment_id=p.id, amount=p.amount, payable_amount=p.payable_amount,
            created_at=p.created_at, expires_at=p.expires_at, provider_ref=p.provider_ref, qris=p.qris,
        )

    def _move_order(self, conn, order_id: str, event: OrderEvent, now: datetime) -> OrderStatus | None:  # type: ignore[no-untyped-def]
        row = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()
        try:
            new = transition(order_id, OrderStatus(row["status"]), event)
        except InvalidTransition as exc:
            log.warning("%s", exc)
            return None
        set_order_status(conn, order_id, new, now, paid=new is OrderStatus.PAID)
        return new

    def _claim(self, key: tuple[str, Any]) -> bool:
        with self._flight_lock:
            if key in self._in_flight:
                return False
            self._in_flight.add(key)
            return True

    def _release(self, key: tuple[str, Any]) -> None:
        with self._flight_lock:
            self._in_flight.discard(key)

    # -- outbox --------------------------------------------------------------------------
    def handle_outbox(self, entry: OutboxEntry) -> None:
        if entry.kind is OutboxKind.CREATE_PAYMENT:
            self._create(entry)
        elif entry.kind is OutboxKind.CANCEL_PAYMENT:
            self._cancel_remote(entry)
        elif entry.kind is OutboxKind.SALE_COMPLETED:
            # The hook for head-office upload; with no head office configured the sale is
            # already complete locally, so the entry is done.
            with self.db.transaction() as conn:
                finish_outbox(conn, entry.id, self.clock())
        else:  # pragma: no cover - enum is closed
            log.error("unknown outbox kind %s", entry.kind)

    def _create(self, entry: OutboxEntry) -> None:
        assert entry.payment_id is not None and entry.order_id is not None
        payment = load_payment(self.db, entry.payment_id)
        now = self.clock()
        if payment is None or payment.status is not PaymentStatus.PENDING or payment.payable_amount is not None:
            # Cancelled before it was sent, or created already (a crash after the commit).
            with self.db.transaction() as conn:
                finish_outbox(conn, entry.id, now)
            return
        provider_name = str(entry.payload.get("provider") or payment.provider)
        ttl_s = int(entry.payload.get("ttl_s", 600))
        deadline = payment.created_at + timedelta(seconds=ttl_s)
        try:
            provider = self.provider_for(provider_name)
            invoice = provider.create(
                CreateRequest(
                    order_id=payment.order_id, payment_id=payment.id, amount=payment.amount,
                    ttl_s=max(1, int((deadline - now).total_seconds())) if now < deadline else ttl_s,
                    created_at=payment.created_at, note=str(entry.payload.get("note", "")),
                )
            )
        except ProviderError as exc:
            self._create_failed(entry, payment, exc, deadline)
            return
        except Exception as exc:  # an adapter bug must not kill the engine or lose the sale
            log.exception("provider %s crashed on create", provider_name)
            self._create_failed(entry, payment, ProviderError(f"internal error: {type(exc).__name__}"), deadline)
            return
        now = self.clock()
        with self.db.transaction() as conn:
            current = conn.execute("SELECT status FROM payments WHERE id = ?", (payment.id,)).fetchone()
            cancelled_meanwhile = PaymentStatus(current["status"]) is not PaymentStatus.PENDING
            update_payment(
                conn, payment.id, now,
                payable_amount=invoice.payable_amount,
                unique_code=invoice.payable_amount - payment.amount,
                provider_ref=invoice.provider_ref, qris=invoice.qris, checkout_url=invoice.checkout_url,
                expires_at=invoice.expires_at,
                next_check_at=now + timedelta(seconds=self._poll_interval(provider)),
                error=None,
            )
            finish_outbox(conn, entry.id, now)
            if cancelled_meanwhile:
                enqueue(conn, OutboxKind.CANCEL_PAYMENT, now, order_id=payment.order_id,
                        payment_id=payment.id, payload={"provider": provider_name})
        self.last_errors.pop(provider_name, None)
        if cancelled_meanwhile:
            self.wake()
            return
        self.emit(SyncEvent(EventKind.AWAITING_PAYMENT, payment.order_id, payment.id, {
            "provider": provider_name,
            "payable_amount": invoice.payable_amount,
            "qris": invoice.qris,
            "checkout_url": invoice.checkout_url,
            "expires_at": to_iso(invoice.expires_at),
        }))

    def _create_failed(self, entry: OutboxEntry, payment: PaymentRecord, exc: ProviderError, deadline: datetime) -> None:
        now = self.clock()
        provider_name = payment.provider or "?"
        self.last_errors[provider_name] = str(exc)
        if exc.retryable and now < deadline:
            next_at = now + timedelta(seconds=backoff_delay(entry.attempts, self._rng, exc.retry_after_s))
            if next_at > deadline:
                next_at = deadline
            with self.db.transaction() as conn:
                reschedule_outbox(conn, entry.id, now, next_at, str(exc))
            log.warning("create for %s failed (attempt %d), retrying at %s: %s",
                        payment.order_id, entry.attempts + 1, to_iso(next_at), exc)
            self.emit(SyncEvent(EventKind.RETRYING, payment.order_id, payment.id,
                                {"error": str(exc), "attempt": entry.attempts + 1}))
            return
        reason = str(exc) if not exc.retryable else f"gave up after the QR lifetime: {exc}"
        with self.db.transaction() as conn:
            update_payment(conn, payment.id, now, status=PaymentStatus.FAILED, error=reason, next_check_at=None)
            self._move_order(conn, payment.order_id, OrderEvent.CANCEL, now)
            finish_outbox(conn, entry.id, now, failed_error=reason)
            self.db.audit(conn, "sync", "payment_failed", order_id=payment.order_id,
                          payment_id=payment.id, details=json.dumps({"error": reason}))
        log.error("payment for %s failed: %s", payment.order_id, reason)
        self.emit(SyncEvent(EventKind.FAILED, payment.order_id, payment.id,
                            {"error": reason, "provider": provider_name,
                             "needs_login": isinstance(exc, AuthExpired)}))

    def _cancel_remote(self, entry: OutboxEntry) -> None:
        assert entry.payment_id is not None
        payment = load_payment(self.db, entry.payment_id)
        now = self.clock()
        if payment is None or payment.payable_amount is None or payment.expires_at is None:
            with self.db.transaction() as conn:
                finish_outbox(conn, entry.id, now)
            return
        try:
            self.provider_for(payment.provider or "").cancel(self._ref(payment))
        except ProviderError as exc:
            if exc.retryable and entry.attempts < 8:
                next_at = now + timedelta(seconds=backoff_delay(entry.attempts, self._rng, exc.retry_after_s))
                with self.db.transaction() as conn:
                    reschedule_outbox(conn, entry.id, now, next_at, str(exc))
                return
            with self.db.transaction() as conn:
                finish_outbox(conn, entry.id, now, failed_error=str(exc))
            return
        with self.db.transaction() as conn:
            finish_outbox(conn, entry.id, now)

    # -- payments ------------------------------------------------------------------------
    def check_payment(self, payment: PaymentRecord) -> None:
        if payment.payable_amount is None or payment.expires_at is None:
            return
        provider = self.provider_for(payment.provider or "")
        try:
            result = provider.check(self._ref(payment))
        except ProviderError as exc:
            now = self.clock()
            self.last_errors[payment.provider or "?"] = str(exc)
            delay = AUTH_RETRY_S if isinstance(exc, AuthExpired) else backoff_delay(2, self._rng, exc.retry_after_s)
            with self.db.transaction() as conn:
                update_payment(conn, payment.id, now, next_check_at=now + timedelta(seconds=delay), error=str(exc))
            self.emit(SyncEvent(EventKind.RETRYING, payment.order_id, payment.id,
                                {"error": str(exc), "needs_login": isinstance(exc, AuthExpired)}))
            return
        except Exception as exc:
            log.exception("provider %s crashed on check", payment.provider)
            now = self.clock()
            with self.db.transaction() as conn:
                update_payment(conn, payment.id, now, next_check_at=now + timedelta(seconds=10),
                               error=f"internal error: {type(exc).__name__}")
            return
        self.apply_status(payment, result, provider)

    def apply_status(self, payment: PaymentRecord, result: StatusResult, provider: Provider) -> None:
        now = self.clock()
        if result.status is RemoteStatus.PAID:
            self._paid(payment, result, now, actor="sync", action="payment_confirmed")
        elif result.status is RemoteStatus.PENDING and now < (payment.expires_at or now):
            with self.db.transaction() as conn:
                nxt = now + timedelta(seconds=self._poll_interval(provider))
                if payment.status is not PaymentStatus.PENDING:
                    nxt = now + timedelta(seconds=self.late_poll_interval_s)
                update_payment(conn, payment.id, now, next_check_at=nxt)
        elif payment.status is PaymentStatus.PENDING and result.status in (
            RemoteStatus.PENDING, RemoteStatus.EXPIRED
        ):
            self._expire(payment, now)
        elif payment.status is PaymentStatus.PENDING and result.status in (
            RemoteStatus.CANCELLED, RemoteStatus.FAILED
        ):
            reason = result.detail or f"provider reports {result.status.value}"
            with self.db.transaction() as conn:
                update_payment(conn, payment.id, now, status=PaymentStatus.FAILED, error=reason, next_check_at=None)
                self._move_order(conn, payment.order_id, OrderEvent.CANCEL, now)
                self.db.audit(conn, "sync", "payment_failed", order_id=payment.order_id,
                              payment_id=payment.id, details=json.dumps({"error": reason}))
            self.emit(SyncEvent(EventKind.FAILED, payment.order_id, payment.id,
                                {"error": reason, "provider": payment.provider}))
        else:
            # Expired/cancelled here and still nothing paid: look again later, until the
            # late-watch window closes.
            with self.db.transaction() as conn:
                update_payment(conn, payment.id, now,
                               next_check_at=now + timedelta(seconds=self.late_poll_interval_s))

    def _expire(self, payment: PaymentRecord, now: datetime) -> None:
        with self.db.transaction() as conn:
            update_payment(conn, payment.id, now, status=PaymentStatus.EXPIRED,
                           next_check_at=now + timedelta(seconds=self.late_poll_interval_s))
            self._move_order(conn, payment.order_id, OrderEvent.EXPIRE, now)
            self.db.audit(conn, "sync", "payment_expired", order_id=payment.order_id, payment_id=payment.id)
        self.emit(SyncEvent(EventKind.EXPIRED, payment.order_id, payment.id, {
            "provider": payment.provider, "payable_amount": payment.payable_amount,
        }))

    def _paid(self, payment: PaymentRecord, result: StatusResult, now: datetime, *, actor: str, action: str,
              note: str = "") -> None:
        expected = payment.payable_amount
        if result.paid_amount is not None and result.paid_amount != expected:
            # Never a false "paid": a different amount needs a person to look at it.
            reason = f"amount mismatch: expected {expected}, provider reports {result.paid_amount}"
            with self.db.transaction() as conn:
                update_payment(conn, payment.id, now, error=reason,
                               next_check_at=now + timedelta(seconds=self.late_poll_interval_s))
                self.db.audit(conn, "sync", "payment_amount_mismatch", order_id=payment.order_id,
                              payment_id=payment.id, details=json.dumps({"reported": result.paid_amount}))
            log.error("payment %s: %s", payment.order_id, reason)
            self.emit(SyncEvent(EventKind.RETRYING, payment.order_id, payment.id, {"error": reason}))
            return
        late = payment.status is not PaymentStatus.PENDING
        paid_at = result.paid_at or now
        with self.db.transaction() as conn:
            current = conn.execute("SELECT status FROM payments WHERE id = ?", (payment.id,)).fetchone()
            if PaymentStatus(current["status"]) in (PaymentStatus.PAID, PaymentStatus.LATE):
                return  # another thread got there first
            update_payment(
                conn, payment.id, now,
                status=PaymentStatus.LATE if late else PaymentStatus.PAID,
                paid_amount=result.paid_amount if result.paid_amount is not None else expected,
                provider_ref=result.provider_ref or payment.provider_ref,
                paid_at=paid_at, next_check_at=None, error=None,
            )
            self._move_order(conn, payment.order_id, OrderEvent.LATE_PAY if late else OrderEvent.PAY, now)
            if not late:
                enqueue(conn, OutboxKind.SALE_COMPLETED, now, order_id=payment.order_id,
                        payment_id=payment.id, payload={"method": "qris", "provider": payment.provider})
            self.db.audit(conn, actor, "late_payment_received" if late else action,
                          order_id=payment.order_id, payment_id=payment.id,
                          details=json.dumps({"paid_amount": result.paid_amount if result.paid_amount is not None else expected,
                                              "provider_ref": result.provider_ref, "note": note}))
        self.emit(SyncEvent(EventKind.LATE_PAYMENT if late else EventKind.PAID, payment.order_id, payment.id, {
            "paid_amount": result.paid_amount if result.paid_amount is not None else expected,
            "provider_ref": result.provider_ref or payment.provider_ref,
            "provider": payment.provider,
        }))

    # -- cashier actions -------------------------------------------------------------------
    def cancel(self, order_id: str, actor: str = "cashier") -> bool:
        """Cancel the open QRIS payment of an order; tells the provider through the outbox."""
        now = self.clock()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM payments WHERE order_id = ? AND method = 'qris' ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (order_id,),
            ).fetchone()
            if row is None or row["status"] != PaymentStatus.PENDING.value:
                return False
            update_payment(conn, row["id"], now, status=PaymentStatus.CANCELLED,
                           next_check_at=now + timedelta(seconds=self.late_poll_interval_s))
            self._move_order(conn, order_id, OrderEvent.CANCEL, now)
            # A create that never left the building is simply dropped.
            conn.execute(
                "UPDATE outbox SET status = 'done', last_error = 'cancelled before sending', updated_at = ?"
                " WHERE payment_id = ? AND kind = ? AND status = 'pending'",
                (to_iso(now), row["id"], OutboxKind.CREATE_PAYMENT.value),
            )
            if row["payable_amount"] is not None:
                enqueue(conn, OutboxKind.CANCEL_PAYMENT, now, order_id=order_id, payment_id=row["id"],
                        payload={"provider": row["provider"]})
            self.db.audit(conn, actor, "payment_cancelled", order_id=order_id, payment_id=row["id"])
        self.emit(SyncEvent(EventKind.CANCELLED, order_id, row["id"], {"provider": row["provider"]}))
        self.wake()
        return True

    def confirm_manually(self, order_id: str, actor: str, note: str = "") -> bool:
        """The cashier saw the money arrive (``static`` without mutasi): audited confirmation."""
        with self.db.lock:
            row = self.db.conn.execute(
                "SELECT id FROM payments WHERE order_id = ? AND method = 'qris' ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (order_id,),
            ).fetchone()
        payment = load_payment(self.db, row["id"]) if row else None
        if payment is None or payment.status is not PaymentStatus.PENDING or payment.payable_amount is None:
            return False
        self._paid(payment, StatusResult(RemoteStatus.PAID, payment.payable_amount, None, self.clock()),
                   self.clock(), actor=actor, action="payment_confirmed_manually", note=note)
        return True

    # -- scheduling ----------------------------------------------------------------------
    def due_payments(self, now: datetime, *, all_open: bool = False) -> list[PaymentRecord]:
        stamp = to_iso(now)
        late_from = to_iso(now - timedelta(seconds=self.late_watch_s))
        due_clause = "" if all_open else " AND (next_check_at IS NULL OR next_check_at <= :now)"
        rows = self.db.query(
            "SELECT id FROM payments WHERE method = 'qris' AND payable_amount IS NOT NULL AND ("
            " status = 'pending' OR (status IN ('expired', 'cancelled') AND expires_at >= :late_from))"
            f"{due_clause} ORDER BY created_at",
            {"now": stamp, "late_from": late_from},
        )
        out = []
        for r in rows:
            p = load_payment(self.db, r["id"])
            if p is not None:
                out.append(p)
        return out

    def due_outbox(self, now: datetime, *, all_pending: bool = False) -> list[OutboxEntry]:
        from pos_app.storage.orders import due_outbox, pending_outbox

        return pending_outbox(self.db) if all_pending else due_outbox(self.db, now)

    def pending_count(self) -> tuple[int, int]:
        """(outbox entries pending, payments pending)."""
        outbox = int(self.db.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'"))
        payments = int(self.db.scalar("SELECT count(*) FROM payments WHERE status = 'pending' AND method = 'qris'"))
        return outbox, payments

    def run_once(self, *, full_pass: bool = False) -> int:
        """Do the work that is due now, on the calling thread. Returns how much was done."""
        now = self.clock()
        done = 0
        for entry in self.due_outbox(now, all_pending=full_pass):
            key = ("outbox", entry.id)
            if self._claim(key):
                try:
                    self.handle_outbox(entry)
                    done += 1
                finally:
                    self._release(key)
        for payment in self.due_payments(now, all_open=full_pass):
            key = ("payment", payment.id)
            if self._claim(key):
                try:
                    self.check_payment(payment)
                    done += 1
                finally:
                    self._release(key)
        return done

    def run_until_idle(self, timeout_s: float | None, *, tick_s: float = 0.1) -> bool:
        """One full pass, then keep working until nothing is pending. False on timeout."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        self.run_once(full_pass=True)
        while True:
            if self.pending_count() == (0, 0):
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            if not self.run_once():
                time.sleep(tick_s)

    # -- background thread ---------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop = False
        self._executor = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="sync-io")
        self._thread = threading.Thread(target=self._loop, name="sync-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def wake(self) -> None:
        with self._cond:
            self._wake = True
            self._cond.notify_all()

    def _submit(self, key: tuple[str, Any], fn: Callable[[], None]) -> bool:
        if not self._claim(key):
            return False

        def run() -> None:
            try:
                fn()
            except Exception:
                log.exception("sync task %s failed", key)
            finally:
                self._release(key)
                self.wake()

        assert self._executor is not None
        self._executor.submit(run)
        return True

    def _next_due_in(self, now: datetime) -> float:
        stamps = [
            self.db.scalar("SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'"),
            self.db.scalar(
                "SELECT min(next_check_at) FROM payments WHERE method = 'qris' AND payable_amount IS NOT NULL"
                " AND status IN ('pending', 'expired', 'cancelled') AND next_check_at IS NOT NULL"
            ),
        ]
        waits = [(from_iso(s) - now).total_seconds() for s in stamps if s]
        return max(0.0, min(waits)) if waits else 5.0

    def _loop(self) -> None:
        first = True
        while True:
            with self._cond:
                if self._stop:
                    return
                self._wake = False
            try:
                now = self.clock()
                submitted = 0
                for entry in self.due_outbox(now, all_pending=first):
                    submitted += self._submit(("outbox", entry.id), lambda e=entry: self.handle_outbox(e))
                for payment in self.due_payments(now, all_open=first):
                    submitted += self._submit(("payment", payment.id), lambda p=payment: self.check_payment(p))
                first = False
                wait = min(self._next_due_in(self.clock()), 5.0)
                if wait <= 0.0 and not submitted:
                    # Everything due is already in flight; a finishing task wakes us.
                    wait = 1.0
            except Exception:
                log.exception("sync loop iteration failed")
                wait = 1.0
            with self._cond:
                if not self._wake and not self._stop:
                    self._cond.wait(timeout=max(0.02, wait))
