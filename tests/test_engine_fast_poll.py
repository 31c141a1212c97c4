"""Fast polling while a QR is fresh: every ``fresh_poll_interval_s`` (0.7 s) for the QR's first
``fresh_window_s`` (60 s), then every ``poll_interval_s`` (2 s) -- never faster than a provider's
floor, an account's limit (orkut: 5 s) or a back-end's per-minute budget (Pakasir: 1000 status
checks a minute per project).

Schedules are checked on a hand-moved clock (``run_once`` on the test's thread, real SQLite,
the real adapters against their loopback fakes where a back-end is involved); that the engine's
own thread wakes up in time for a 0.7 s check is checked in real time.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from pos_app import qris
from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import from_iso, to_iso, utcnow, zone
from pos_app.storage.database import Database
from sync.engine import Route, SyncEngine
from sync.events import EventKind, SyncEvent
from sync.providers.base import (
    Confirmation,
    CreateRequest,
    FeedItem,
    FeedProvider,
    Invoice,
    PaymentRef,
    Provider,
    RemoteStatus,
    StatusResult,
)
from sync.providers.orkut.adapter import OrkutProvider
from sync.providers.pakasir.adapter import PakasirProvider
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from sync.unique_code import CodeMode
from tests.conftest import FakeClock
from tests.fakes.orkut import OrkutFake
from tests.fakes.pakasir import DEFAULT_API_KEY, DEFAULT_PROJECT, PakasirFake
from tests.fakes.server import max_in_window
from tests.waiting import WAIT_S, wait_for

WIB = zone("Asia/Jakarta")
#: the engine's step on the hand-moved clock: fine enough to see a 0.7 s schedule exactly
STEP_S = 0.05


def a_cart(amount: int) -> Cart:
    c = Cart()
    c.add(Product(sku=f"X{amount}", name="Es Teh", price=amount))
    return c


class Counting(Provider):
    """A polled back-end on this machine: records when each payment was asked about."""

    name = "counting"
    confirmation = Confirmation.POLL
    min_poll_interval_s = 0.0
    local_create = False

    def __init__(self, now: Callable[[], float], floor_s: float = 0.0) -> None:
        self.min_poll_interval_s = floor_s  # type: ignore[misc]  # per test: the floor varies
        self._now = now
        self.checks: dict[str, list[float]] = defaultdict(list)
        self.hold: dict[str, threading.Event] = {}

    def create(self, request: CreateRequest) -> Invoice:
        return Invoice(payable_amount=request.amount,
                       expires_at=request.created_at + timedelta(seconds=request.ttl_s),
                       provider_ref=f"REF-{request.order_id}",
                       qris=qris.to_dynamic(DEMO_STATIC_QRIS, request.amount))

    def check(self, ref: PaymentRef) -> StatusResult:
        self.checks[ref.order_id].append(self._now())
        gate = self.hold.get(ref.order_id)
        if gate is not None:
            gate.wait(WAIT_S)  # a back-end that hangs on this one payment
        return StatusResult(RemoteStatus.PENDING)


class HandRig:
    """An engine on a hand-moved clock; ``run(seconds)`` steps it ``STEP_S`` at a time."""

    def __init__(self, db: Database, clock: FakeClock, route_for: Callable[[str], Route],
                 **engine_kw: float) -> None:
        self.db, self.clock = db, clock
        self.t0 = clock()
        self.engine = SyncEngine(db, route_for=route_for, clock=clock, poll_interval_s=2.0,
                                 late_poll_interval_s=30.0, late_watch_s=1800.0, **engine_kw)
        self.events: list[SyncEvent] = []
        self.engine.add_listener(self.events.append)
        self.checkout = CheckoutService(db, Till("K1", WIB), clock)
        self.on_step: list[Callable[[], None]] = []  # run after every step

    def elapsed(self) -> float:
        return (self.clock() - self.t0).total_seconds()

    def sell(self, provider: str, amount: int = 15000) -> str:
        order, _ = self.checkout.open_qris_sale(a_cart(amount), provider, ttl_s=600)
        return order.id

    def run(self, seconds: float) -> None:
        for _ in range(round(seconds / STEP_S)):
            self.engine.run_once()
            for fn in self.on_step:
                fn()
            self.clock.advance(STEP_S)


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)]


# -- the schedule ------------------------------------------------------------------------------
def test_a_fresh_qr_is_checked_every_0_7_s_then_every_2_s(db, clock) -> None:
    rig: HandRig
    provider = Counting(lambda: rig.elapsed())
    rig = HandRig(db, clock, lambda name: Route(provider))
    oid = rig.sell("counting")
    rig.run(75)
    times = provider.checks[oid]
    assert [e.kind for e in rig.events if e.order_id == oid] == [EventKind.AWAITING_PAYMENT]
    assert times[0] == pytest.approx(0.7), "the first check after the QR follows the fresh rule"
    fresh = [g for t, g in zip(times, gaps(times), strict=False) if t < 60]
    later = [g for t, g in zip(times, gaps(times), strict=False) if t >= 60.2]
    assert fresh and all(g == pytest.approx(0.7) for g in fresh), fresh
    assert later and all(g == pytest.approx(2.0) for g in later), later
    assert len(times) == pytest.approx(86 + 7, abs=1), "60 s at 0.7 s, then 15 s at 2 s"


def test_the_old_behaviour_when_the_fresh_interval_is_the_normal_one(db, clock) -> None:
    rig: HandRig
    provider = Counting(lambda: rig.elapsed())
    rig = HandRig(db, clock, lambda name: Route(provider), fresh_poll_interval_s=2.0)
    oid = rig.sell("counting")
    rig.run(20)
    times = provider.checks[oid]
    assert times[0] == pytest.approx(2.0)
    assert all(g == pytest.approx(2.0) for g in gaps(times))


def test_a_provider_floor_above_the_fresh_interval_wins(db, clock) -> None:
    rig: HandRig
    provider = Counting(lambda: rig.elapsed(), floor_s=5.0)
    rig = HandRig(db, clock, lambda name: Route(provider))
    oid = rig.sell("counting")
    rig.run(40)
    times = provider.checks[oid]
    assert times[0] == pytest.approx(5.0)
    assert len(times) >= 7 and all(g == pytest.approx(5.0) for g in gaps(times))


class Feed(FeedProvider):
    """A feed back-end on this machine (like the soundbox platform's heartbeat)."""

    name = "feed"
    min_poll_interval_s = 0.5

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self.pulls: list[float] = []

    def create(self, request: CreateRequest) -> Invoice:
        return Invoice(payable_amount=request.amount,
                       expires_at=request.created_at + timedelta(seconds=request.ttl_s),
                       provider_ref=f"TX-{request.order_id}",
                       qris=qris.to_dynamic(DEMO_STATIC_QRIS, request.amount))

    def poll_feed(self) -> list[FeedItem]:
        self.pulls.append(self._now())
        return []

    def ack(self, item: FeedItem, *, ok: bool, reason: str = "ok") -> None:
        pass


def test_the_feed_is_pulled_at_the_fresh_interval_while_a_qr_is_fresh(db, clock) -> None:
    rig: HandRig
    feed = Feed(lambda: rig.elapsed())
    rig = HandRig(db, clock, lambda name: Route(feed))
    rig.sell("feed")
    rig.run(70)
    early = [g for t, g in zip(feed.pulls, gaps(feed.pulls), strict=False) if 1 < t < 59]
    late = [g for t, g in zip(feed.pulls, gaps(feed.pulls), strict=False) if t > 61]
    # The feed's schedule is kept in float seconds: on this stepped clock a pull may land one
    # step after its due time.
    assert early and all(0.7 - 1e-6 <= g <= 0.7 + STEP_S + 1e-6 for g in early), early
    assert late and all(2.0 - 1e-6 <= g <= 2.0 + STEP_S + 1e-6 for g in late), late


# -- orkut: 5 s per account, fresh or not ------------------------------------------------------
@pytest.fixture
def orkut_fake() -> Iterator[OrkutFake]:
    fake = OrkutFake()
    fake.start()
    # The fake's own 5 s limit runs on real time, this engine on a hand-moved clock: the test
    # counts the spacing itself, on the engine's clock.
    fake.min_interval_s = 0.0
    yield fake
    fake.stop()


def test_orkut_fresh_qrs_are_never_checked_faster_than_its_account_limit(db, orkut_fake) -> None:
    clock = FakeClock(utcnow())
    provider = OrkutProvider(orkut_fake.config(), clock=clock)
    route = Route(provider, account=provider.account_key, code_mode=CodeMode.ADD)
    rig = HandRig(db, clock, lambda name: route)
    seen: list[tuple[float, str]] = []

    def note_requests() -> None:
        for r in orkut_fake.requests[len(seen):]:
            seen.append((rig.elapsed(), r.path))

    rig.on_step.append(note_requests)
    orders = [rig.sell("orkut", 35000 + i * 1000) for i in range(3)]
    rig.run(61)
    provider.close()
    assert {e.order_id for e in rig.events if e.kind is EventKind.AWAITING_PAYMENT} == set(orders)
    account_calls = [t for t, path in seen if path.startswith("/kasir/orkut/")]
    checks = [t for t, path in seen if path == "/kasir/orkut/status-pembayaran"]
    assert len(checks) >= 5, "the QRs were checked"
    # Creates and checks share the account's one slot per 5 s (+ the engine's margin).
    assert min(gaps(account_calls)) >= 5.0, gaps(account_calls)


# -- pakasir: 1000 status checks a minute per project ------------------------------------------
@pytest.fixture
def pakasir_fake() -> Iterator[PakasirFake]:
    fake = PakasirFake()
    fake.start()
    yield fake
    fake.stop()


@pytest.mark.timeout(240)
def test_pakasir_many_fresh_qrs_stay_under_1000_checks_a_minute(db, pakasir_fake) -> None:
    clock = FakeClock(utcnow())
    provider = PakasirProvider({"base_url": pakasir_fake.base_url, "project": DEFAULT_PROJECT,
                                "api_key": DEFAULT_API_KEY}, clock=clock)
    rig = HandRig(db, clock, lambda name: Route(provider))
    details: list[float] = []
    counted = 0

    def note_details() -> None:
        nonlocal counted
        new = pakasir_fake.requests[counted:]
        counted += len(new)
        details.extend(rig.elapsed() for r in new if r.path == "/api/transactiondetail")

    rig.on_step.append(note_details)
    orders = [rig.sell("pakasir", 20000 + i * 500) for i in range(30)]
    rig.run(100)
    provider.close()
    shown = {e.order_id for e in rig.events if e.kind is EventKind.AWAITING_PAYMENT}
    assert shown == set(orders)
    # 30 fresh QRs at 0.7 s would be ~2,570 checks a minute: the project's budget binds.
    worst = max_in_window(details, 60.0)
    print(f"pakasir: {len(details)} checks, at most {worst} in any 60 s")
    assert worst <= 1000, f"{worst} status checks in one minute"
    assert worst >= 900, f"only {worst} checks in the busiest minute: was the budget used?"
    assert pakasir_fake.counters.get("rate_limited", 0) == 0
    # Every QR is still asked about regularly while the budget is shared.
    per_order: dict[str, int] = defaultdict(int)
    for r in pakasir_fake.requests_to("/api/transactiondetail"):
        per_order[r.query["order_id"]] += 1
    assert min(per_order[o] for o in orders) >= 30


# -- the engine's own thread, in real time -----------------------------------------------------
def run_real(db: Database, provider: Counting, sell: list[str], seconds: float,
             before: Callable[[list[str]], None] | None = None
             ) -> tuple[dict[str, list[float]], SyncEngine]:
    engine = SyncEngine(db, route_for=lambda name: Route(provider), poll_interval_s=2.0)
    checkout = CheckoutService(db, Till("K1", WIB))
    ids = [checkout.open_qris_sale(a_cart(15000 + i * 100), name, ttl_s=600)[0].id
           for i, name in enumerate(sell)]
    if before is not None:
        before(ids)
    engine.start()
    try:
        wait_for(lambda: len(provider.checks[ids[-1]]) >= 1, "the first check")
        time.sleep(seconds)
    finally:
        for gate in provider.hold.values():
            gate.set()
        engine.stop()
    return {oid: list(provider.checks[oid]) for oid in ids}, engine


def assert_on_time(times: list[float], interval_s: float = 0.7) -> None:
    """Checked every ``interval_s``: never early, and (median) within 0.1 s of the due time."""
    g = gaps(times)
    assert len(g) >= 3, times
    assert min(g) >= interval_s - 0.005, g
    assert statistics.median(g) <= interval_s + 0.1, g


def test_the_engine_thread_wakes_in_time_for_a_fresh_check(db) -> None:
    provider = Counting(time.monotonic)
    checks, _ = run_real(db, provider, ["counting"], 3.0)
    (times,) = checks.values()
    assert_on_time(times)


def test_a_check_that_hangs_does_not_delay_another_qrs_checks(db) -> None:
    provider = Counting(time.monotonic)

    def hang_first(ids: list[str]) -> None:
        provider.hold[ids[0]] = threading.Event()

    checks, _ = run_real(db, provider, ["counting", "counting"], 3.0, before=hang_first)
    hung, other = checks.values()
    assert len(hung) == 1, "still hanging"
    assert_on_time(other)


def test_an_old_expired_payment_does_not_hold_up_the_loop(db) -> None:
    """A payment past its late watch keeps its last ``next_check_at``; the loop must neither
    tick on it (every second, doing nothing) nor let it delay a fresh QR's check."""
    provider = Counting(time.monotonic)

    def age_first(ids: list[str]) -> None:
        long_ago = utcnow() - timedelta(hours=3)
        with db.transaction() as conn:
            conn.execute(
                "UPDATE payments SET status = 'expired', payable_amount = amount,"
                " expires_at = ?, next_check_at = ? WHERE order_id = ?",
                (to_iso(long_ago), to_iso(long_ago + timedelta(minutes=1)), ids[0]))

    checks, _ = run_real(db, provider, ["counting", "counting"], 3.0, before=age_first)
    old, fresh = checks.values()
    assert old == [], "outside its late watch: never checked again"
    assert_on_time(fresh)
    stale = db.scalar("SELECT next_check_at FROM payments WHERE status = 'expired'")
    assert from_iso(stale) < utcnow(), "its next_check_at stayed in the past"


def test_the_loop_sleeps_when_only_an_old_expired_payment_is_left(db) -> None:
    engine = SyncEngine(db, route_for=lambda name: Route(Counting(time.monotonic)))
    checkout = CheckoutService(db, Till("K1", WIB))
    order, _ = checkout.open_qris_sale(a_cart(15000), "counting", ttl_s=600)
    long_ago = utcnow() - timedelta(hours=3)
    with db.transaction() as conn:
        conn.execute(
            "UPDATE payments SET status = 'expired', payable_amount = amount, expires_at = ?,"
            " next_check_at = ? WHERE order_id = ?",
            (to_iso(long_ago), to_iso(long_ago + timedelta(minutes=1)), order.id))
        conn.execute("UPDATE outbox SET status = 'done'")
    passes = 0
    due_outbox = engine.due_outbox

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal passes
        passes += 1
        return due_outbox(*args, **kwargs)

    engine.due_outbox = counted  # type: ignore[method-assign]
    engine.start()
    try:
        time.sleep(2.5)
    finally:
        engine.stop()
    assert passes <= 2, f"{passes} passes of the loop in 2.5 s with nothing to do"
