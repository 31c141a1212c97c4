"""The sync engine: works the outbox and watches open payments until they end.

Everything a provider is asked goes through here, on worker threads, never on the caller's:

* ``create_payment`` outbox entries -> (a unique code when the provider is paid into a shared
  merchant account) -> ``Provider.create``, retried with the *same* payment id on transient
  errors, with capped exponential backoff and jitter, ``Retry-After`` honoured; given up when the
  QR's lifetime has passed or the back-end refuses (4xx other than 429, wrong credentials);
* pending payments -> ``Provider.check`` every ``fresh_poll_interval_s`` (0.7 s) while the QR
  is younger than ``fresh_window_s`` (60 s: most customers pay within the first minute), then
  about every ``poll_interval_s`` (2 s); never faster than the provider's
  ``min_poll_interval_s``, nor than an account's limit, nor than a back-end's per-minute budget
  (Pakasir's ``max_checks_per_minute``); expired locally once their ``expires_at`` passes;
  credits a check returns (orkut) go through the matcher;
* merchant accounts with a statement (``static`` + ``payment.mutasi_source``) -> the credit
  source is read at most every ``min_interval_s`` (5 s) while a payment is open, and new credits
  are matched (``sync.matching``) and claimed once (``credits`` table);
* feed providers (soundbox platform) -> their feed is pulled while a payment is open (at the
  fresh interval while one of its QRs is fresh), each notification applied and acknowledged;
* expired and cancelled payments -> checked slowly for ``late_watch_s`` more, so money that
  arrives from a screenshot of an old QR becomes a *late payment* for the cashier;
* ``cancel_payment`` entries -> ``Provider.cancel``;
* ``fall_back``: a gateway that can't make a sale's QR (unreachable, down) is replaced, for that
  sale, by the shop's own static QRIS made dynamic on this till (no network needed).

Per-provider health (ok / degraded / down / needs login / misconfigured) is kept in
``sync.health``, with the :class:`~sync.errors.Problem` behind it; a provider that refused its
credentials (a login's token, or an API key) is not called again until somebody logs in or
changes its settings (no 401 loops). Listeners get ``SyncEvent``s on the engine's threads.

Every failure path backs off (``sync.backoff``: capped exponential with jitter), whatever was
raised: a provider error, settings that became invalid, a bug in an adapter, a locked database.
Nothing is retried in a tight loop:

* a provider whose route cannot be built (``ProviderConfigError``: missing or invalid settings,
  an unknown name; or a bug in its factory) is built again only after its backoff, and is shown
  as ``down`` with the reason. A payment that still needs its QR from it fails at once with that
  reason: the customer is at the till, and no retry can make the QR before a person changes the
  settings (then the cashier simply rings the sale again). A payment that already shows its QR
  is *not* failed — the customer may have paid it — it is checked again after the backoff and
  expires locally as usual;
* an exception that escapes one unit of work (an outbox entry, a payment's check, a side poll)
  backs that unit off; the loop itself backs off when an iteration fails.

``stop`` waits (bounded) for the work that is running and cancels the work that is queued, so
that once it returns no engine thread touches the database.

A QR is payable for ``payment.invoice_ttl_s`` (the outbox entry's ``ttl_s``) on every back-end:
the engine keeps the earlier of that deadline and the provider's own ``expires_at``; money that
arrives later is a late payment.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from pos_app.clock import from_iso, to_iso, utcnow
from pos_app.order_state import OrderEvent, OrderStatus, PaymentStatus
from pos_app.storage.database import Database
from pos_app.storage.orders import (
    OutboxEntry,
    OutboxKind,
    PaymentRecord,
    due_outbox,
    enqueue,
    finish_outbox,
    load_payment,
    pending_outbox,
    reschedule_outbox,
    update_payment,
)
from sync.backoff import BASE_S as BACKOFF_BASE_S, CAP_S as BACKOFF_CAP_S, Backoff, backoff_delay
from sync.errors import ConfigMissing, KeyRefused, problem_of
from sync.events import EventKind, SyncEvent
from sync.health import Health, HealthBook, ProviderHealth
from sync.ledger import Ledger, move_order
from sync.providers.base import (
    AuthExpired,
    Confirmation,
    CreateRequest,
    CreditSource,
    FeedProvider,
    InternalError,
    PaymentRef,
    Provider,
    ProviderConfigError,
    ProviderError,
    Rejected,
    RemoteStatus,
    StatusResult,
)
from sync.ratelimit import Spacer
from sync.unique_code import CodeMode, NoCodeAvailable, allocate

log = logging.getLogger(__name__)

Listener = Callable[[SyncEvent], None]
T = TypeVar("T")

AUTH_RETRY_S = 300.0
#: how long ``stop`` waits for running work: a little over the longest provider call (sync.http:
#: 5 s to connect, 10 s to read)
STOP_WAIT_S = 12.0
LEASE_S = 120.0
#: a little over a back-end's per-account limit, so that network jitter never lands two calls
#: closer together than the limit at the other end
ACCOUNT_MARGIN_S = 0.2
#: use this share of a documented per-minute limit, so jitter never pushes us over it
RATE_SHARE = 0.95  # longer than any single provider call (timeouts are 10 s)


@dataclass(frozen=True)
class Route:
    """How payments of one provider name are made and confirmed."""

    provider: Provider
    #: the merchant account the money lands in, when "paid" is learned from its credits
    account: str | None = None
    #: the statement to read for that account (static + mutasi source); None for orkut, whose
    #: checks return the credits themselves
    credit_source: CreditSource | None = None
    code_mode: CodeMode = CodeMode.OFF


def _alive(owner: str) -> bool:
    """Whether the engine holding a lease still runs (a ``kill -9`` leaves its lease behind)."""
    try:
        pid = int(owner.split("-", 1)[0])
    except ValueError:
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _warm_qr(payload: str | None) -> None:
    """Encode the QR here, on a worker thread, so that the window and the customer display
    only scale a cached matrix (encoding takes ~9 ms, too long for the GUI thread)."""
    if not payload:
        return
    try:
        from pos_app.qr_render import qr_matrix

        qr_matrix(payload)
    except Exception:  # the display encodes it itself then; never fail a payment over this
        log.warning("could not pre-encode the QR", exc_info=True)


def _internal(name: str, exc: BaseException, what: str) -> InternalError:
    """A bug's exception as a provider error: its type only (its text may hold anything)."""
    return InternalError(f"{name}: internal error {what} ({type(exc).__name__})")


def _needs_login(exc: ProviderError) -> bool:
    """Credentials refused that a login (or an activation) renews; a refused API key is not
    one: the owner corrects it in Settings."""
    return isinstance(exc, AuthExpired) and not isinstance(exc, KeyRefused)


class SyncEngine:
    def __init__(
        self,
        db: Database,
        provider_for: Callable[[str], Provider] | None = None,
        *,
        route_for: Callable[[str], Route] | None = None,
        terminal_id: str = "K1",
        clock: Callable[[], datetime] = utcnow,
        poll_interval_s: float = 2.0,
        fresh_poll_interval_s: float = 0.7,
        fresh_window_s: float = 60.0,
        late_poll_interval_s: float = 30.0,
        late_watch_s: float = 1800.0,
        workers: int = 4,
        rng: random.Random | None = None,
    ) -> None:
        if route_for is None:
            if provider_for is None:
                raise ValueError("give provider_for or route_for")
            lookup = provider_for
            route_for = lambda name: Route(lookup(name))  # noqa: E731
        self.db = db
        self.engine_id = f"{os.getpid()}-{id(self):x}"
        self.route_for = route_for
        self.terminal_id = terminal_id
        self.clock = clock
        self.poll_interval_s = poll_interval_s
        # Most customers pay within the first minute of seeing the QR: checking faster then
        # cuts the wait for "diterima" where it matters, at a cost that ends with the minute.
        self.fresh_poll_interval_s = fresh_poll_interval_s
        self.fresh_window_s = fresh_window_s
        self.late_poll_interval_s = late_poll_interval_s
        self.late_watch_s = late_watch_s
        self.ledger = Ledger(db, clock, late_poll_interval_s=late_poll_interval_s,
                             late_watch_s=late_watch_s)
        self.health = HealthBook(db, clock)
        # Spacing follows the engine's clock, so that tests with a hand-moved clock see it too.
        self.spacer = Spacer(lambda: self.clock().timestamp())
        #: account key -> until when status checks leave its slots to a create that is waiting
        self._create_waiting: dict[str, float] = {}
        self._rng = rng or random.Random()
        # Failures of anything but a provider call's own retry schedule: routes, units of work.
        self.backoff = Backoff(lambda: self.clock().timestamp(), self._rng)
        self._route_errors: dict[str, ProviderError] = {}
        self._listeners: list[Listener] = []
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        # Tasks running on the executor; ``stop`` waits for none. Shares ``_flight_lock``.
        self._running = 0
        self._closing = False
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._stop = False
        self._wake = False
        self._in_flight: set[tuple[str, Any]] = set()
        self._flight_lock = threading.Lock()
        self._idle = threading.Condition(self._flight_lock)
        self._next_feed: dict[str, float] = {}
        self._slots: dict[tuple[str, tuple[str, Any]], float] = {}
        self.last_errors: dict[str, str] = {}

    def provider_for(self, name: str) -> Provider:
        return self._route(name).provider

    def _route(self, name: str, *, fresh: bool = False) -> Route:
        """``route_for(name)``, remembering failure: a route that could not be built is built
        again only after its backoff (the same error is raised meanwhile), so a provider with
        bad settings costs a few attempts a minute, not one per loop. Whatever the factory
        raises comes out as a ``ProviderError``. ``fresh`` builds now regardless (a new sale's
        create: the owner may just have fixed the settings); that costs one attempt per sale.
        """
        key = ("route", name)
        with self._flight_lock:
            cached = self._route_errors.get(name)
        if cached is not None and not fresh and self.backoff.wait_for(key) > 0:
            raise cached.with_traceback(None)
        try:
            route = self.route_for(name)
        except ProviderError as exc:
            error: ProviderError = exc
        except Exception as exc:  # a bug in the factory must not spin the loop either
            error = _internal(name, exc, "building the provider")
            if cached is None:
                log.error("building provider %s failed", name, exc_info=True)
        else:
            if cached is not None:
                with self._flight_lock:
                    self._route_errors.pop(name, None)
                self.backoff.succeeded(key)
                log.info("provider %s is usable again", name)
                self._note_ok(name)
            return route
        delay = self.backoff.failed(key, error.retry_after_s)
        with self._flight_lock:
            self._route_errors[name] = error
        if cached is None or str(cached) != str(error):
            log.error("provider %s cannot be used (next try in %.0f s): %s", name, delay, error)
        self._note_error(name, error)
        raise error.with_traceback(None)

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

    def _emit_all(self, events: list[SyncEvent]) -> None:
        for ev in events:
            self.emit(ev)

    def _health_event(self, change: ProviderHealth | None) -> None:
        if change is not None:
            self.emit(SyncEvent(EventKind.PROVIDER_STATE, "", None, {
                "provider": change.provider,
                "state": change.state.value,
                "error": change.last_error,
                "problem": change.problem.value if change.problem else None,
                "missing": list(change.missing),
            }))

    def _note_error(self, provider: str, exc: ProviderError) -> None:
        self.last_errors[provider] = str(exc)
        if isinstance(exc, KeyRefused):
            self._health_event(self.health.key_refused(provider, str(exc)))
        elif isinstance(exc, AuthExpired):
            self._health_event(self.health.auth_failed(provider, str(exc)))
        elif isinstance(exc, ProviderConfigError):
            missing = tuple(exc.keys) if isinstance(exc, ConfigMissing) else ()
            self._health_event(self.health.config_error(provider, str(exc),
                                                        problem=problem_of(exc), missing=missing))
        elif exc.retryable or isinstance(exc, InternalError):
            self._health_event(self.health.transient(provider, str(exc), problem_of(exc)))

    def check_provider(self, name: str) -> ProviderError | None:
        """Build ``name``'s route now -- the till checks its chosen provider as it starts -- so
        that missing or invalid settings show in its health (and, as an event, on screen) at
        once rather than at the first QRIS sale; the first later success clears them. Returns
        the problem, or None."""
        try:
            self._route(name, fresh=True)
        except ProviderError as exc:
            return exc
        return None

    def _note_ok(self, provider: str) -> None:
        self.last_errors.pop(provider, None)
        self._health_event(self.health.success(provider))

    def reset_provider(self, provider: str) -> None:
        """After a new login or new settings: call the provider again at once."""
        with self._flight_lock:
            self._route_errors.pop(provider, None)
        self.backoff.succeeded(("route", provider))
        self._health_event(self.health.reset(provider))
        with self.db.transaction() as conn:
            conn.execute("UPDATE payments SET next_check_at = ?"
                         " WHERE provider = ? AND status = 'pending'",
                         (to_iso(self.clock()), provider))
        self.wake()

    # -- helpers -------------------------------------------------------------------------
    def _is_fresh(self, created_at: datetime) -> bool:
        """Whether a QR made for a payment created at ``created_at`` is still in its first
        ``fresh_window_s``. The payment's ``created_at`` stands for the QR's time: the QR follows
        it within a create call, and a create that was retried for long only shortens the fast
        window (the schema keeps no separate moment for the QR)."""
        return (self.clock() - created_at).total_seconds() < self.fresh_window_s

    def _poll_interval(self, provider: Provider, payment: PaymentRecord) -> float:
        """How long until pending ``payment`` is checked again: the fresh interval while its QR
        is fresh, else the normal one; never below the provider's floor."""
        interval = self.poll_interval_s
        if self._is_fresh(payment.created_at):
            interval = min(interval, self.fresh_poll_interval_s)
        return max(interval, provider.min_poll_interval_s)

    def _feed_interval(self, name: str, provider: Provider) -> float:
        """How often ``name``'s feed is pulled: one pull serves every payment on it, so it goes
        at the fresh interval while the newest of its pending QRs is fresh."""
        newest = self.db.scalar(
            "SELECT max(created_at) FROM payments WHERE provider = ? AND status = 'pending'"
            " AND payable_amount IS NOT NULL", (name,))
        interval = self.poll_interval_s
        if newest and self._is_fresh(from_iso(newest)):
            interval = min(interval, self.fresh_poll_interval_s)
        return max(interval, provider.min_poll_interval_s)

    @staticmethod
    def _ref(p: PaymentRecord) -> PaymentRef:
        assert p.payable_amount is not None and p.expires_at is not None
        return PaymentRef(
            order_id=p.order_id, payment_id=p.id, amount=p.amount,
            payable_amount=p.payable_amount, created_at=p.created_at, expires_at=p.expires_at,
            provider_ref=p.provider_ref, qris=p.qris,
        )

    def _gate(self, key: str, interval_s: float, item: tuple[str, Any]) -> float:
        """Book a slot for ``item`` under a rate limit; 0 when its slot has come.

        Each waiting item books its own future slot once and is rescheduled to it, instead of
        every waiting item retrying at the same next free moment (a thundering herd of writes)."""
        now = self.clock().timestamp()
        with self._flight_lock:
            slot = self._slots.pop((key, item), None)
        if slot is None:
            slot = now + self.spacer.book(key, interval_s)
        if slot <= now + 0.001:
            return 0.0
        with self._flight_lock:
            self._slots[(key, item)] = slot
        return slot - now

    def _claim(self, key: tuple[str, Any]) -> bool:
        with self._flight_lock:
            if key in self._in_flight:
                return False
            self._in_flight.add(key)
            return True

    def _release(self, key: tuple[str, Any]) -> None:
        with self._flight_lock:
            self._in_flight.discard(key)

    def _call(self, name: str, what: str, fn: Callable[[], T]) -> T:
        """One provider call. A ``ProviderError`` is noted in ``name``'s health and raised again;
        anything else is a bug in the adapter: logged with its traceback, noted, and raised as
        an ``InternalError`` (which the caller backs off like any failure)."""
        try:
            return fn()
        except ProviderError as exc:
            self._note_error(name, exc)
            raise
        except Exception as exc:
            log.exception("provider %s crashed %s", name, what)
            error = _internal(name, exc, what)
            self._note_error(name, error)
            raise error from None

    # -- outbox --------------------------------------------------------------------------
    def _lease(self, entry: OutboxEntry) -> bool:
        """Take the entry for this engine for a while; False if another live engine holds it."""
        now = self.clock()
        with self.db.transaction() as conn:
            row = conn.execute("SELECT lease_owner, leased_until, status FROM outbox WHERE id = ?",
                               (entry.id,)).fetchone()
            if row is None or row["status"] != "pending":
                return False
            owner, until = row["lease_owner"], row["leased_until"]
            held = owner and owner != self.engine_id and until and until >= to_iso(now)
            if held and _alive(owner):
                return False
            conn.execute("UPDATE outbox SET lease_owner = ?, leased_until = ? WHERE id = ?",
                         (self.engine_id, to_iso(now + timedelta(seconds=LEASE_S)), entry.id))
            return True

    def handle_outbox(self, entry: OutboxEntry) -> None:
        if not self._lease(entry):
            return
        if entry.kind is OutboxKind.CREATE_PAYMENT:
            self._create(entry)
        elif entry.kind is OutboxKind.CANCEL_PAYMENT:
            self._cancel_remote(entry)
        else:
            # ``sale_completed``: the hook for a head-office upload; with none configured the
            # sale is complete locally, so the entry is done.
            with self.db.transaction() as conn:
                finish_outbox(conn, entry.id, self.clock())

    def _create(self, entry: OutboxEntry) -> None:
        assert entry.payment_id is not None and entry.order_id is not None
        payment = load_payment(self.db, entry.payment_id)
        now = self.clock()
        if (payment is None or payment.status is not PaymentStatus.PENDING
                or payment.payable_amount is not None):
            # Cancelled before it was sent, or created already (a crash after the commit).
            with self.db.transaction() as conn:
                finish_outbox(conn, entry.id, now)
            return
        name = str(entry.payload.get("provider") or payment.provider)
        ttl_s = int(entry.payload.get("ttl_s", 600))
        deadline = payment.created_at + timedelta(seconds=ttl_s)
        try:
            route = self._route(name, fresh=True)
        except ProviderError as exc:
            # Settings or name wrong (or a bug): failed at once, with the reason; a transient
            # error of the factory is retried like a transient create.
            self._create_failed(entry, payment, exc, deadline)
            return
        provider = route.provider
        if self.health.blocked(name):
            health = self.health.get(name)
            reason = health.last_error or f"{name}: credentials refused"
            self._emit_all(self.ledger.failed(payment, reason, outbox_id=entry.id,
                                              needs_login=health.state is Health.NEEDS_LOGIN))
            return
        # Respect the back-end's create rate (Pakasir: 100/min per project) when draining a queue.
        per_minute = getattr(provider, "max_creates_per_minute", None)
        if per_minute:
            spacing = 60.0 / (float(per_minute) * RATE_SHARE)
            wait = self._gate(f"create:{name}", spacing, ("outbox", entry.id))
            if wait > 0:
                with self.db.transaction() as conn:
                    conn.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ?",
                                 (to_iso(now + timedelta(seconds=wait)), entry.id))
                return
        if route.account is not None and not provider.local_create:
            # One account, one limit: a create counts against it like a status check does.
            key = f"account:{route.account}"
            interval = provider.min_poll_interval_s + ACCOUNT_MARGIN_S
            wait = self.spacer.try_acquire(key, interval)
            if wait > 0:
                # A customer is waiting for this QR: status checks on the account yield the next
                # slot to it (they would otherwise win it, having less to do before asking).
                self._create_waiting[key] = self.clock().timestamp() + wait + 2 * interval
                with self.db.transaction() as conn:
                    conn.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ?",
                                 (to_iso(self.clock() + timedelta(seconds=wait)), entry.id))
                return
            self._create_waiting.pop(key, None)
        amount = payment.reserved_amount or payment.amount
        if route.account is not None and payment.reserved_amount is None:
            try:
                with self.db.transaction() as conn:
                    already = conn.execute("SELECT reserved_amount FROM payments WHERE id = ?",
                                           (payment.id,)).fetchone()[0]
                    if already is not None:
                        amount = int(already)  # reserved by an earlier attempt that crashed
                    else:
                        amount = allocate(conn, account=route.account, amount=payment.amount,
                                          mode=route.code_mode, terminal_id=self.terminal_id,
                                          now=now, reserve_after_expiry_s=self.late_watch_s)
                        update_payment(conn, payment.id, now, account=route.account,
                                       reserved_amount=amount, unique_code=amount - payment.amount)
            except NoCodeAvailable as exc:
                self._emit_all(self.ledger.failed(payment, str(exc), outbox_id=entry.id))
                return
        try:
            invoice = provider.create(
                CreateRequest(
                    order_id=payment.order_id, payment_id=payment.id, amount=amount,
                    ttl_s=ttl_s,
                    created_at=payment.created_at, note=str(entry.payload.get("note", "")),
                )
            )
            if route.account is not None and invoice.payable_amount != amount:
                raise Rejected(f"{name} changed the amount {amount} to {invoice.payable_amount}"
                               " on a shared account; the unique code would no longer identify"
                               " this sale")
        except ProviderError as exc:
            self._note_error(name, exc)
            if exc.retry_after_s and route.account:
                self.spacer.push_back(f"account:{route.account}", exc.retry_after_s)
            self._create_failed(entry, payment, exc, deadline)
            return
        except Exception as exc:  # an adapter bug must not kill the engine or lose the sale
            log.exception("provider %s crashed on create", name)
            error = _internal(name, exc, "on create")
            self._note_error(name, error)
            self._create_failed(entry, payment, error, deadline)
            return
        if not provider.local_create:
            self._note_ok(name)
        if invoice.expires_at > deadline:
            # payment.invoice_ttl_s is the QR's lifetime on every back-end; a provider's longer
            # expiry (the soundbox platform's) would keep the sale open past it. Its shorter one
            # wins. Money after our deadline is a late payment.
            invoice = replace(invoice, expires_at=deadline)
        _warm_qr(invoice.qris or invoice.checkout_url)
        # The first check follows the same rule as the later ones (the QR is fresh now).
        events = self.ledger.created(payment, name, invoice,
                                     self._poll_interval(provider, payment), entry.id)
        if not events:
            self.wake()  # cancelled meanwhile: a cancel entry is queued
        self._emit_all(events)

    def _create_failed(self, entry: OutboxEntry, payment: PaymentRecord, exc: ProviderError,
                       deadline: datetime) -> None:
        now = self.clock()
        current = load_payment(self.db, payment.id)
        if current is None or current.status is not PaymentStatus.PENDING:
            # Cancelled, or replaced by the shop's static QRIS (fall_back), while this attempt
            # was out: nothing to retry, and nothing to tell the dialog (it shows the new QR).
            with self.db.transaction() as conn:
                finish_outbox(conn, entry.id, now)
            return
        if exc.retryable and now < deadline:
            delay = backoff_delay(entry.attempts, self._rng, exc.retry_after_s)
            next_at = min(now + timedelta(seconds=delay), deadline)
            with self.db.transaction() as conn:
                reschedule_outbox(conn, entry.id, now, next_at, str(exc))
            log.warning("create for %s failed (attempt %d), retrying at %s: %s",
                        payment.order_id, entry.attempts + 1, to_iso(next_at), exc)
            self.emit(SyncEvent(EventKind.RETRYING, payment.order_id, payment.id,
                                {"error": str(exc), "attempt": entry.attempts + 1}))
            return
        reason = str(exc) if not exc.retryable else f"gave up after the QR lifetime: {exc}"
        self._emit_all(self.ledger.failed(payment, reason, outbox_id=entry.id,
                                          needs_login=_needs_login(exc)))

    def _cancel_remote(self, entry: OutboxEntry) -> None:
        assert entry.payment_id is not None
        payment = load_payment(self.db, entry.payment_id)
        now = self.clock()
        if payment is None or payment.payable_amount is None or payment.expires_at is None:
            with self.db.transaction() as conn:
                finish_outbox(conn, entry.id, now)
            return
        name = payment.provider or ""
        try:
            provider = self.provider_for(name)
            self._call(name, "on cancel", lambda: provider.cancel(self._ref(payment)))
        except ProviderError as exc:
            if exc.retryable and entry.attempts < 8:
                delay = backoff_delay(entry.attempts, self._rng, exc.retry_after_s)
                next_at = now + timedelta(seconds=delay)
                with self.db.transaction() as conn:
                    reschedule_outbox(conn, entry.id, now, next_at, str(exc))
                return
            with self.db.transaction() as conn:
                finish_outbox(conn, entry.id, now, failed_error=str(exc))
            # A refused cancel may mean it was paid meanwhile: look again soon.
            self.ledger.watch_later(payment, 1.0)
            return
        with self.db.transaction() as conn:
            finish_outbox(conn, entry.id, now)

    # -- payments ------------------------------------------------------------------------
    def check_payment(self, payment: PaymentRecord) -> None:
        if payment.payable_amount is None or payment.expires_at is None:
            return
        name = payment.provider or ""
        try:
            route = self._route(name)
        except ProviderError as exc:
            # Settings broken after the QR was shown: the customer may have paid it, so the
            # payment is not failed. Look again when the route may be built again; expire on time.
            wait = max(self.backoff.wait_for(("route", name)), 1.0)
            self._retry_check(payment, wait, str(exc))
            return
        provider = route.provider
        if self.health.blocked(name):
            self._retry_check(payment, AUTH_RETRY_S, None, event=False)
            return
        by_mutasi = provider.confirmation is Confirmation.MUTASI
        if by_mutasi and route.account and not provider.local_create:
            # One account, one limit (seed 001: no faster than every 5 s per account).
            account_key = f"account:{route.account}"
            interval = provider.min_poll_interval_s + ACCOUNT_MARGIN_S
            if self._create_waiting.get(account_key, 0.0) > self.clock().timestamp():
                self.ledger.watch_later(payment, self.spacer.wait_for(account_key) + interval)
                return
            wait = self.spacer.try_acquire(account_key, interval)
            if wait > 0:
                self.ledger.watch_later(payment, wait)
                return
        per_minute = getattr(provider, "max_checks_per_minute", None)
        if per_minute:
            spacing = 60.0 / (float(per_minute) * RATE_SHARE)
            wait = self._gate(f"checks:{name}", spacing, ("payment", payment.id))
            if wait > 0:
                self.ledger.watch_later(payment, wait)
                return
        key = ("check", payment.id)
        try:
            result = self._call(name, "on check", lambda: provider.check(self._ref(payment)))
        except ProviderError as exc:
            if exc.retry_after_s and route.account:
                self.spacer.push_back(f"account:{route.account}", exc.retry_after_s)
            # Credentials refused (a login's token or an API key): no 401 loop.
            refused = isinstance(exc, AuthExpired)
            delay = AUTH_RETRY_S if refused else self.backoff.failed(key, exc.retry_after_s)
            self._retry_check(payment, delay, str(exc), needs_login=_needs_login(exc))
            return
        self.backoff.succeeded(key)
        if provider.confirmation is not Confirmation.MANUAL and not provider.local_create:
            self._note_ok(name)
        if result.credits and route.account:
            self._emit_all(self.ledger.credits(route.account, result.credits))
            payment = load_payment(self.db, payment.id) or payment
            if payment.status in (PaymentStatus.PAID, PaymentStatus.LATE):
                return
        self.apply_status(payment, result, provider)

    def _retry_check(self, payment: PaymentRecord, delay: float, error: str | None, *,
                     event: bool = True, needs_login: bool = False) -> None:
        """Check ``payment`` again in ``delay`` seconds — but no later than its expiry while it is
        pending, so that it still expires on time — and tell listeners it is being retried."""
        if payment.status is PaymentStatus.PENDING and payment.expires_at is not None:
            to_expiry = (payment.expires_at - self.clock()).total_seconds()
            if to_expiry > 0:
                delay = min(delay, to_expiry + 0.001)
        self.ledger.watch_later(payment, delay, error=error)
        if event and error is not None and payment.status is PaymentStatus.PENDING:
            self.emit(SyncEvent(EventKind.RETRYING, payment.order_id, payment.id,
                                {"error": error, "needs_login": needs_login}))
        self._expire_if_due(payment)

    def _expire_if_due(self, payment: PaymentRecord) -> None:
        expires_at = payment.expires_at
        if payment.status is PaymentStatus.PENDING and expires_at and self.clock() >= expires_at:
            self._emit_all(self.ledger.expired(payment))

    def apply_status(self, payment: PaymentRecord, result: StatusResult,
                     provider: Provider) -> None:
        now = self.clock()
        pending = payment.status is PaymentStatus.PENDING
        if result.status is RemoteStatus.PAID:
            self._emit_all(self.ledger.paid(payment, result, actor="sync",
                                            action="payment_confirmed"))
        elif result.status is RemoteStatus.PENDING and now < (payment.expires_at or now):
            interval = (self._poll_interval(provider, payment) if pending
                        else self.late_poll_interval_s)
            self.ledger.watch_later(payment, interval)
        elif pending and result.status in (RemoteStatus.PENDING, RemoteStatus.EXPIRED):
            self._emit_all(self.ledger.expired(payment))
        elif pending and result.status in (RemoteStatus.CANCELLED, RemoteStatus.FAILED):
            reason = result.detail or f"provider reports {result.status.value}"
            self._emit_all(self.ledger.failed(payment, reason))
        else:
            # Expired/cancelled here and still nothing paid: look again later, until the
            # late-watch window closes.
            self.ledger.watch_later(payment, self.late_poll_interval_s)

    # -- statements and feeds ------------------------------------------------------------
    def poll_credit_source(self, name: str) -> bool:
        """Read one account's statement if a payment is open on it and its limit allows."""
        try:
            route = self._route(name)
        except ProviderError:
            return False  # noted, and built again after its backoff
        source = route.credit_source
        if source is None or route.account is None:
            return False
        open_payments = self.ledger.open_on_account(route.account)
        # Its health is kept under the source's name (below): a refused token stops the reads.
        if not open_payments or self.health.blocked(source.name):
            return False
        if self.spacer.try_acquire(f"mutasi:{source.account_key}", source.min_interval_s) > 0:
            return False
        since = min(p.created_at for p in open_payments) - timedelta(minutes=2)
        health_key = source.name
        key = ("mutasi", source.account_key)
        try:
            credits = self._call(health_key, "reading the statement",
                                 lambda: source.fetch_credits(since))
        except ProviderError as exc:
            # Never sooner than min_interval_s (the slot taken above), later after each failure.
            self.spacer.push_back(f"mutasi:{source.account_key}",
                                  self.backoff.failed(key, exc.retry_after_s))
            return True
        self.backoff.succeeded(key)
        self._note_ok(health_key)
        self._emit_all(self.ledger.credits(route.account, credits))
        return True

    def poll_feed(self, name: str) -> bool:
        try:
            route = self._route(name)
        except ProviderError:
            return False  # noted, and built again after its backoff
        provider = route.provider
        if not isinstance(provider, FeedProvider) or self.health.blocked(name):
            return False
        stamp = to_iso(self.clock() - timedelta(seconds=self.late_watch_s))
        has_open = self.db.scalar(
            "SELECT count(*) FROM payments WHERE provider = ? AND payable_amount IS NOT NULL AND"
            " (status = 'pending' OR (status IN ('expired', 'cancelled') AND expires_at >= ?))",
            (name, stamp))
        if not has_open:
            return False
        now_m = self.clock().timestamp()
        if now_m < self._next_feed.get(name, 0.0):
            return False
        interval = self._feed_interval(name, provider)
        self._next_feed[name] = now_m + interval
        key = ("feed", name)
        try:
            items = self._call(name, "pulling the feed", provider.poll_feed)
        except ProviderError as exc:
            delay = self.backoff.failed(key, exc.retry_after_s)
            self._next_feed[name] = now_m + max(interval, delay)
            return True
        self.backoff.succeeded(key)
        self._note_ok(name)
        for item in items:
            row = self.db.query_one(
                "SELECT id FROM payments WHERE provider = ? AND provider_ref = ?",
                (name, item.provider_ref))
            payment = load_payment(self.db, row["id"]) if row else None
            if payment is None:
                log.warning("%s: notification for unknown transaction %s", name, item.provider_ref)
                self._ack(provider, item, ok=False, reason="unknown transaction")
                continue
            self.apply_status(payment, item.result, provider)
            self._ack(provider, item, ok=True)
        return True

    def _ack(self, provider: FeedProvider, item: Any, *, ok: bool, reason: str = "ok") -> None:
        # The platform re-delivers unacked commands, and applying one is idempotent: a failed ack
        # is only worth a line in the log (the next feed pull backs off if the platform is down).
        try:
            provider.ack(item, ok=ok, reason=reason)
        except ProviderError as exc:
            log.warning("%s: ack of %s failed: %s", provider.name, item.ack_id, exc)
        except Exception as exc:
            log.warning("%s: ack of %s crashed (%s)", provider.name, item.ack_id,
                        type(exc).__name__, exc_info=True)

    def _active_providers(self) -> list[str]:
        stamp = to_iso(self.clock() - timedelta(seconds=self.late_watch_s))
        rows = self.db.query(
            "SELECT DISTINCT provider FROM payments"
            " WHERE method = 'qris' AND payable_amount IS NOT NULL AND"
            " (status = 'pending' OR (status IN ('expired', 'cancelled') AND expires_at >= ?))",
            (stamp,))
        return [r[0] for r in rows if r[0]]

    # -- cashier actions -------------------------------------------------------------------
    def _latest_qris(self, conn: sqlite3.Connection, order_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM payments WHERE order_id = ? AND method = 'qris'"
            " ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (order_id,),
        ).fetchone()
        return row

    def cancel(self, order_id: str, actor: str = "cashier") -> bool:
        """Cancel the open QRIS payment of an order; tells the provider through the outbox."""
        now = self.clock()
        with self.db.transaction() as conn:
            row = self._latest_qris(conn, order_id)
            if row is None or row["status"] != PaymentStatus.PENDING.value:
                return False
            update_payment(conn, row["id"], now, status=PaymentStatus.CANCELLED,
                           next_check_at=now + timedelta(seconds=self.late_poll_interval_s))
            move_order(conn, order_id, OrderEvent.CANCEL, now)
            # A create that never left the building is simply dropped.
            conn.execute(
                "UPDATE outbox SET status = 'done', last_error = 'cancelled before sending',"
                " updated_at = ? WHERE payment_id = ? AND kind = ? AND status = 'pending'",
                (to_iso(now), row["id"], OutboxKind.CREATE_PAYMENT.value),
            )
            if row["payable_amount"] is not None:
                enqueue(conn, OutboxKind.CANCEL_PAYMENT, now, order_id=order_id,
                        payment_id=row["id"], payload={"provider": row["provider"]})
            self.db.audit(conn, actor, "payment_cancelled", order_id=order_id,
                          payment_id=row["id"])
        self.emit(SyncEvent(EventKind.CANCELLED, order_id, row["id"],
                            {"provider": row["provider"]}))
        self.wake()
        return True

    def confirm_manually(self, order_id: str, actor: str, note: str = "") -> bool:
        """The cashier saw the money arrive (``static`` without mutasi): audited confirmation."""
        with self.db.lock:
            row = self._latest_qris(self.db.conn, order_id)
        payment = load_payment(self.db, row["id"]) if row else None
        if (payment is None or payment.status is not PaymentStatus.PENDING
                or payment.payable_amount is None):
            return False
        result = StatusResult(RemoteStatus.PAID, payment.payable_amount, None, self.clock())
        self._emit_all(self.ledger.paid(payment, result, actor=actor,
                                        action="payment_confirmed_manually", note=note))
        return True

    def fall_back(self, order_id: str, to: str, *, actor: str, ttl_s: int) -> str | None:
        """The gateway can't make this order's QR (unreachable, down): make it with ``to`` -- the
        shop's own static QRIS, made dynamic on this till -- instead. Returns the new payment's
        id; ``None`` when the order's QRIS can't be switched any more (it ended, or the
        gateway's QR came meanwhile: the customer may be paying that one).

        One transaction: the gateway's attempt is cancelled quietly (no event: the dialog stays
        open for the new QR) with its create dropped from the outbox, the order retries
        (``awaiting_payment`` again), a new pending payment of ``to`` with its create entry, and
        an audit ``qris_fallback`` naming the gateway and its last error. The new QR is then made
        here and now (``to`` needs no network), with a unique code when its payments are matched
        on a statement, exactly as a sale through ``to`` would be.

        Never both routes paid for one sale: the gateway's payment gets no QR after this (an
        attempt still in flight that succeeds is cancelled at the gateway at once: see
        ``Ledger.created``), and money for it anyway is a late payment, never a second sale.
        """
        now = self.clock()
        new_id = str(uuid.uuid4())
        with self.db.transaction() as conn:
            row = self._latest_qris(conn, order_id)
            if (row is None or row["status"] != PaymentStatus.PENDING.value
                    or row["payable_amount"] is not None or row["provider"] == to):
                return None
            gateway = str(row["provider"])
            last = conn.execute(
                "SELECT last_error FROM outbox WHERE payment_id = ? AND kind = ?"
                " ORDER BY id DESC LIMIT 1",
                (row["id"], OutboxKind.CREATE_PAYMENT.value)).fetchone()
            gateway_error = row["error"] or (last[0] if last else None)
            update_payment(conn, row["id"], now, status=PaymentStatus.CANCELLED,
                           error=f"replaced by {to}: {gateway} could not make the QR",
                           next_check_at=None)
            conn.execute(
                "UPDATE outbox SET status = 'done', last_error = ?, updated_at = ?"
                " WHERE payment_id = ? AND kind = ? AND status = 'pending'",
                (f"replaced by {to}", to_iso(now), row["id"], OutboxKind.CREATE_PAYMENT.value))
            move_order(conn, order_id, OrderEvent.RETRY, now)
            stamp = to_iso(now)
            conn.execute(
                "INSERT INTO payments (id, order_id, method, provider, amount, status,"
                " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                (new_id, order_id, row["method"], to, row["amount"],
                 PaymentStatus.PENDING.value, stamp, stamp))
            entry_id = enqueue(conn, OutboxKind.CREATE_PAYMENT, now, order_id=order_id,
                               payment_id=new_id,
                               payload={"provider": to, "amount": row["amount"], "ttl_s": ttl_s,
                                        "fallback_from": gateway})
            self.db.audit(conn, actor, "qris_fallback", order_id=order_id, payment_id=new_id,
                          details=json.dumps({"gateway": gateway, "gateway_payment_id": row["id"],
                                              "gateway_error": gateway_error, "to": to}))
        log.warning("order %s: %s could not make the QR; the shop's %s QRIS takes over",
                    order_id, gateway, to)
        entry = next((e for e in pending_outbox(self.db) if e.id == entry_id), None)
        if entry is not None:
            # On the caller's thread: no network, and the engine's workers may all be waiting
            # on the gateway that is down. The loop can't take it meanwhile (claimed).
            self._run_inline(("outbox", entry_id), partial(self.handle_outbox, entry))
        self.wake()
        return new_id

    def resolve_late(self, order_id: str, *, accept: bool, actor: str, note: str = "") -> bool:
        """The cashier's decision on a late payment: keep the money (paid) or give it back."""
        now = self.clock()
        with self.db.transaction() as conn:
            row = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()
            if row is None or row["status"] != OrderStatus.LATE_PAYMENT.value:
                return False
            move_order(conn, order_id, OrderEvent.ACCEPT_LATE if accept else OrderEvent.REFUND, now)
            if accept:
                pay = self._latest_qris(conn, order_id)
                enqueue(conn, OutboxKind.SALE_COMPLETED, now, order_id=order_id,
                        payment_id=pay["id"] if pay else None,
                        payload={"method": "qris", "late": True})
            action = "late_payment_accepted" if accept else "late_payment_refunded"
            self.db.audit(conn, actor, action, order_id=order_id,
                          details=json.dumps({"note": note}))
        kind = EventKind.PAID if accept else EventKind.REFUNDED
        self.emit(SyncEvent(kind, order_id, None, {"late": True}))
        return True

    # -- scheduling ----------------------------------------------------------------------
    def due_payments(self, now: datetime, *, all_open: bool = False) -> list[PaymentRecord]:
        stamp = to_iso(now)
        late_from = to_iso(now - timedelta(seconds=self.late_watch_s))
        due_clause = "" if all_open else " AND (next_check_at IS NULL OR next_check_at <= :now)"
        rows = self.db.query(
            "SELECT id FROM payments WHERE method = 'qris' AND payable_amount IS NOT NULL AND ("
            " status = 'pending' OR"
            " (status IN ('expired', 'cancelled') AND expires_at >= :late_from))"
            f"{due_clause} ORDER BY created_at",
            {"now": stamp, "late_from": late_from},
        )
        return [p for p in (load_payment(self.db, r["id"]) for r in rows) if p is not None]

    def due_outbox(self, now: datetime, *, all_pending: bool = False) -> list[OutboxEntry]:
        return pending_outbox(self.db) if all_pending else due_outbox(self.db, now)

    def pending_count(self) -> tuple[int, int]:
        """(outbox entries pending, payments pending)."""
        outbox = int(self.db.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'"))
        payments = int(self.db.scalar(
            "SELECT count(*) FROM payments WHERE status = 'pending' AND method = 'qris'"))
        return outbox, payments

    def _side_polls(self) -> int:
        done = 0
        for name in self._active_providers():
            done += self._run_inline(("side", name), partial(self._side_poll_one, name))
        return done

    def _guarded(self, key: tuple[str, Any], fn: Callable[[], int | None]) -> int:
        """Run one unit of work (an outbox entry, a payment's check, a side poll); never raises.

        Whatever escapes it — a bug, a broken database — backs that unit off (capped exponential)
        so that it is not run again at once, and again, while it keeps failing. Returns how much
        was done (``fn``'s count, 1 when it returns None, 0 when it failed)."""
        try:
            result = fn()
        except Exception as exc:
            if self._stop:
                # Stopping: the database may be closing under a task that outlived stop().
                log.debug("sync task %s ended while stopping: %s", key, type(exc).__name__)
                return 0
            delay = self.backoff.failed(key)
            log.error("sync task %s failed (next try in %.1f s)", key, delay, exc_info=True)
            return 0
        self.backoff.succeeded(key)
        return 1 if result is None else int(result)

    def _run_inline(self, key: tuple[str, Any], fn: Callable[[], int | None]) -> int:
        if self.backoff.wait_for(key) > 0 or not self._claim(key):
            return 0
        try:
            return self._guarded(key, fn)
        finally:
            self._release(key)

    def run_once(self, *, full_pass: bool = False) -> int:
        """Do the work that is due now, on the calling thread. Returns how much was done."""
        now = self.clock()
        done = 0
        for entry in self.due_outbox(now, all_pending=full_pass):
            done += self._run_inline(("outbox", entry.id), partial(self.handle_outbox, entry))
        done += self._side_polls()
        for payment in self.due_payments(now, all_open=full_pass):
            done += self._run_inline(("payment", payment.id), partial(self.check_payment, payment))
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
        with self._flight_lock:
            self._closing = False
            self._executor = ThreadPoolExecutor(max_workers=self._workers,
                                                thread_name_prefix="sync-io")
        self._thread = threading.Thread(target=self._loop, name="sync-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = STOP_WAIT_S) -> None:
        """Stop the loop, drop the work that is queued and wait (up to ``timeout_s``) for the
        work that is running, so that once this returns no engine thread touches the database:
        the caller closes it next (``PaymentService.stop``, then the context). A provider call
        ends within its own HTTP timeouts; work still running after ``timeout_s`` is abandoned
        with a warning, and its failure on the closed database is not reported."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._idle:
            # From here on a task that a worker picks up does nothing (see _submit's run).
            self._closing = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        with self._idle:
            idle = self._idle.wait_for(lambda: self._running == 0,
                                       timeout=max(0.0, deadline - time.monotonic()))
            running = self._running
        if not idle or (thread is not None and thread.is_alive()):
            log.warning("sync engine stopped with %d task(s) still running after %g s",
                        running, timeout_s)

    def wake(self) -> None:
        with self._cond:
            self._wake = True
            self._cond.notify_all()

    def _submit(self, key: tuple[str, Any], fn: Callable[[], int | None]) -> bool:
        if not self._claim(key):
            return False

        def run() -> None:
            with self._idle:
                closing = self._closing
                if not closing:
                    self._running += 1
            if closing:  # picked up after stop() began: the database may be closing
                self._release(key)
                return
            try:
                self._guarded(key, fn)
            finally:
                self._release(key)
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()
                self.wake()

        def dropped(future: Future[None]) -> None:
            if future.cancelled():  # by stop(): run() never ran
                self._release(key)

        with self._flight_lock:
            executor = None if self._closing else self._executor
            future = None
            if executor is not None:
                try:
                    future = executor.submit(run)
                except RuntimeError:  # shut down meanwhile
                    future = None
        if future is None:
            self._release(key)
            return False
        future.add_done_callback(dropped)
        return True

    def _next_due_in(self, now: datetime, *, after_now: bool = False) -> float:
        """Seconds until the next outbox entry or payment check is due (5 s when none is).

        ``after_now`` leaves out what is due already: the loop asks that when everything due is
        in flight or backing off, so that a check due in 0.7 s is still made on time instead of
        at the loop's next 1 s look. Payments are counted on the same terms as
        ``due_payments`` (an expired one past its late watch is never due again, and its stale
        ``next_check_at`` must not keep the loop awake)."""
        stamp = to_iso(now)
        after = " AND {col} > :now" if after_now else ""
        stamps = [
            self.db.scalar(
                "SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'"
                + after.format(col="next_attempt_at"), {"now": stamp}),
            self.db.scalar(
                "SELECT min(next_check_at) FROM payments"
                " WHERE method = 'qris' AND payable_amount IS NOT NULL"
                " AND next_check_at IS NOT NULL AND (status = 'pending' OR"
                " (status IN ('expired', 'cancelled') AND expires_at >= :late_from))"
                + after.format(col="next_check_at"),
                {"now": stamp,
                 "late_from": to_iso(now - timedelta(seconds=self.late_watch_s))}),
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
                wait = self._loop_once(full_pass=first)
                first = False
                self.backoff.succeeded(("loop",))
            except Exception:
                if self._stop:
                    return
                wait = self.backoff.failed(("loop",))
                log.exception("sync loop iteration failed (next try in %.1f s)", wait)
                with self._cond:  # a finishing task's wake() does not cut this short
                    self._cond.wait_for(lambda: self._stop, timeout=wait)
                continue
            with self._cond:
                if not self._wake and not self._stop:
                    self._cond.wait(timeout=max(0.02, wait))

    def _loop_once(self, *, full_pass: bool) -> float:
        """Hand what is due to the workers; return how long to sleep (a finishing task wakes us)."""
        now = self.clock()
        submitted = 0
        backing_off: list[float] = []

        def submit(key: tuple[str, Any], fn: Callable[[], int | None]) -> None:
            nonlocal submitted
            pause = self.backoff.wait_for(key)
            if pause > 0:
                backing_off.append(pause)
            else:
                submitted += self._submit(key, fn)

        for entry in self.due_outbox(now, all_pending=full_pass):
            submit(("outbox", entry.id), partial(self.handle_outbox, entry))
        active = self._active_providers()
        for name in active:
            if self._side_due_in(name) <= 0:
                submit(("side", name), partial(self._side_poll_one, name))
        for payment in self.due_payments(now, all_open=full_pass):
            submit(("payment", payment.id), partial(self.check_payment, payment))
        side_waits = [self._side_due_in(n) for n in active]
        wait = min([self._next_due_in(self.clock()), 5.0, *(w for w in side_waits if w > 0)])
        if wait <= 0.0 and not submitted:
            # Everything due is in flight (a finishing task wakes us) or backing off; what falls
            # due meanwhile (a fresh QR's next check, 0.7 s on) must not wait for them.
            wait = min([1.0, *backing_off, self._next_due_in(self.clock(), after_now=True)])
        return wait

    def _side_due_in(self, name: str) -> float:
        """Seconds until this provider's statement or feed may be read (inf: it has neither)."""
        try:
            route = self._route(name)
        except ProviderError:
            return float("inf")
        now = self.clock().timestamp()
        waits: list[float] = []
        if route.credit_source is not None:
            waits.append(self.spacer.wait_for(f"mutasi:{route.credit_source.account_key}"))
        if isinstance(route.provider, FeedProvider):
            waits.append(max(0.0, self._next_feed.get(name, 0.0) - now))
        return min(waits) if waits else float("inf")

    def _side_poll_one(self, name: str) -> int:
        try:
            route = self._route(name)
        except ProviderError:
            return 0  # noted, and built again after its backoff
        done = 0
        if route.credit_source is not None:
            done += self.poll_credit_source(name)
        if isinstance(route.provider, FeedProvider):
            done += self.poll_feed(name)
        return done


__all__ = ["BACKOFF_BASE_S", "BACKOFF_CAP_S", "Health", "Route", "SyncEngine", "backoff_delay"]
