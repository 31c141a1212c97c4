"""The sync engine under faults: every failure path backs off, settings problems end a sale with
a clear reason, ``stop`` leaves no thread on the database, and our QR lifetime wins.

Counts are taken over simulated time (``FakeClock``) where the engine allows it: without backoff
each of these loops would make one attempt per step (hundreds in a simulated minute).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import zone
from pos_app.order_state import OrderStatus, PaymentStatus
from pos_app.payments import PaymentService
from pos_app.settings import Settings
from pos_app.storage.orders import latest_payment, load_order
from sync.backoff import Backoff
from sync.engine import Route, SyncEngine
from sync.events import EventKind, SyncEvent
from sync.health import Health
from sync.providers.base import (
    ConfigMissing,
    CreateRequest,
    Credit,
    CreditSource,
    FeedItem,
    FeedProvider,
    Invoice,
    PaymentRef,
    ProviderConfigError,
    ProviderError,
    TransientError,
    UnknownProvider,
)
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS, SimulatorProvider
from sync.providers.static.adapter import StaticQrisProvider
from tests.waiting import WAIT_S, wait_for

WIB = zone("Asia/Jakarta")
#: without backoff a step of 0.5 s would make 120 attempts in a simulated minute; with it the
#: delays are at least 0.5, 1, 2, 4, 8, 16, 30 s: at most 7 retries after the first attempt
MAX_IN_60_S = 8


def a_cart(amount: int = 15000) -> Cart:
    c = Cart()
    c.add(Product(sku="X", name="Nasi Goreng", price=amount))
    return c


def sell(db, clock, provider: str, *, ttl_s: int = 600, amount: int = 15000) -> str:
    checkout = CheckoutService(db, Till("K1", WIB), clock)
    order, _ = checkout.open_qris_sale(a_cart(amount), provider, ttl_s=ttl_s)
    return order.id


def run_for(engine: SyncEngine, clock, seconds: float, step: float = 0.5) -> None:
    for _ in range(int(seconds / step)):
        clock.advance(step)
        engine.run_once()


class Factory:
    """A route factory that counts its calls and can be broken and mended."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.calls = 0
        self.error: Exception | None = None

    def __call__(self, name: str) -> Route:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.routes[name]


def engine_with(db, clock, factory, **kw) -> tuple[SyncEngine, list[SyncEvent]]:
    engine = SyncEngine(db, route_for=factory, clock=clock, poll_interval_s=2.0,
                        late_poll_interval_s=30.0, late_watch_s=1800.0, **kw)
    events: list[SyncEvent] = []
    engine.add_listener(events.append)
    return engine, events


# -- the backoff rule ---------------------------------------------------------------------
def test_backoff_grows_caps_and_forgets_on_success() -> None:
    now = [0.0]
    b = Backoff(lambda: now[0])
    delays = [b.failed("k") for _ in range(10)]
    assert 0.5 <= delays[0] <= 1.0 and 1.0 <= delays[1] <= 2.0
    assert all(d <= 60.0 for d in delays) and delays[-1] >= 30.0
    assert b.wait_for("k") == pytest.approx(delays[-1]) and b.failures("k") == 10
    assert b.wait_for("other") == 0.0
    now[0] += 61
    assert b.wait_for("k") == 0.0
    b.succeeded("k")
    assert b.failures("k") == 0 and 0.5 <= b.failed("k") <= 1.0
    assert b.failed("r", retry_after_s=120) >= 120


# -- settings that became invalid ---------------------------------------------------------
def test_bad_setting_fails_the_queued_sale_at_once_with_the_reason(
    data_dir: Path, db, clock
) -> None:
    # A hand-edited value the Settings parser refuses, read only when the route is built.
    (data_dir / "config.toml").write_text('[simulator]\npay_after_s = "soon"\n', encoding="utf-8")
    service = PaymentService(db, Settings.load(data_dir), clock=clock)
    builds = 0
    real_build = service._build_route

    def counted(name: str) -> Route:
        nonlocal builds
        builds += 1
        return real_build(name)

    service._build_route = counted  # type: ignore[method-assign]
    events: list[SyncEvent] = []
    service.subscribe(events.append)
    oid = sell(db, clock, "simulator")
    run_for(service.engine, clock, 60)
    pay = latest_payment(db, oid)
    assert pay.status is PaymentStatus.FAILED
    assert pay.error.startswith("simulator: setting simulator.pay_after_s: 'soon' must be a number")
    assert str(data_dir) not in pay.error, "the reason is one short line, without the file's path"
    assert load_order(db, oid).status is OrderStatus.CANCELLED
    assert [e.kind for e in events if e.order_id == oid] == [EventKind.FAILED]
    health = service.engine.health.get("simulator")
    assert health.state is Health.MISCONFIGURED and "pay_after_s" in (health.last_error or "")
    assert builds == 1, "one attempt for the sale; nothing else asks for the route"
    # The owner fixes it (`pos-app config set` in another process): the next sale works.
    (data_dir / "config.toml").write_text('[simulator]\npay_after_s = "never"\n', encoding="utf-8")
    oid2 = sell(db, clock, "simulator")
    clock.advance(0.5)
    service.engine.run_once()
    assert latest_payment(db, oid2).payable_amount == 15000
    assert service.engine.health.get("simulator").state is Health.OK
    service.stop()


def test_unknown_provider_in_the_outbox_fails_at_once(data_dir: Path, db, clock) -> None:
    service = PaymentService(db, Settings.load(data_dir), clock=clock)
    oid = sell(db, clock, "simulator")
    with db.transaction() as conn:
        conn.execute("UPDATE outbox SET payload = json_set(payload, '$.provider', 'foo')")
    run_for(service.engine, clock, 10)
    pay = latest_payment(db, oid)
    assert pay.status is PaymentStatus.FAILED and pay.error == "unknown provider 'foo'"
    assert service.engine.health.get("foo").state is Health.MISCONFIGURED
    service.stop()


def test_config_errors_are_one_hierarchy() -> None:
    from sync import errors

    assert issubclass(ConfigMissing, ProviderConfigError)
    assert issubclass(UnknownProvider, ProviderConfigError)
    assert issubclass(ProviderConfigError, ProviderError)
    assert issubclass(ProviderError, errors.SyncError)
    assert errors.UnknownProvider is UnknownProvider
    assert errors.ProviderConfigError is ProviderConfigError
    assert not ProviderConfigError("x").retryable


def test_simulator_refuses_a_pay_after_that_is_not_a_number() -> None:
    from sync.providers import build_provider

    not_a_number = "simulator: setting pay_after_s must be a number"
    with pytest.raises(ProviderConfigError, match=not_a_number):
        build_provider("simulator", {"pay_after_s": "soon"})
    assert build_provider("simulator", {"pay_after_s": None}).pay_after_s is None


def test_route_that_breaks_after_the_qr_is_shown_backs_off_and_expires_on_time(db, clock) -> None:
    factory = Factory({"simulator": Route(SimulatorProvider(pay_after_s=None, clock=clock))})
    engine, events = engine_with(db, clock, factory)
    oid = sell(db, clock, "simulator", ttl_s=120)
    engine.run_once()
    assert latest_payment(db, oid).payable_amount == 15000
    factory.calls = 0
    factory.error = ProviderConfigError(
        "simulator: setting pay_after_s must be a number", provider="simulator"
    )
    run_for(engine, clock, 60)
    assert 2 <= factory.calls <= MAX_IN_60_S, factory.calls
    pay = latest_payment(db, oid)
    assert pay.status is PaymentStatus.PENDING, (
        "the customer may have paid the QR on screen: never failed"
    )
    assert "pay_after_s" in (pay.error or "")
    assert engine.health.get("simulator").state is Health.MISCONFIGURED
    run_for(engine, clock, 61)
    assert latest_payment(db, oid).status is PaymentStatus.EXPIRED, "expires on time, route or not"
    assert [e.kind for e in events if e.order_id == oid][-1] is EventKind.EXPIRED
    # Mended: the next build succeeds and the provider is ok again.
    factory.error = None
    run_for(engine, clock, 90)
    assert engine.health.get("simulator").state is Health.OK


def test_a_bug_in_the_route_factory_backs_off(db, clock) -> None:
    factory = Factory({"simulator": Route(SimulatorProvider(pay_after_s=None, clock=clock))})
    engine, _ = engine_with(db, clock, factory)
    oid = sell(db, clock, "simulator", ttl_s=600)
    engine.run_once()
    factory.calls = 0
    factory.error = KeyError("boom")
    run_for(engine, clock, 60)
    assert 2 <= factory.calls <= MAX_IN_60_S, factory.calls
    assert "internal error" in (latest_payment(db, oid).error or "")


# -- provider calls that fail, with every exception type ----------------------------------
class Crashing(SimulatorProvider):
    def __init__(self, clock, exc: Exception) -> None:
        super().__init__(pay_after_s=None, clock=clock)
        self.exc = exc
        self.checks = 0

    def check(self, ref: PaymentRef):  # type: ignore[no-untyped-def]
        self.checks += 1
        raise self.exc


@pytest.mark.parametrize(
    "exc", [RuntimeError("adapter bug"), TransientError("HTTP 503 from the server")]
)
def test_failing_checks_back_off(db, clock, exc: Exception) -> None:
    provider = Crashing(clock, exc)
    engine, events = engine_with(db, clock, Factory({"simulator": Route(provider)}))
    oid = sell(db, clock, "simulator", ttl_s=600)
    engine.run_once()
    provider.checks = 0
    run_for(engine, clock, 60)
    assert 2 <= provider.checks <= MAX_IN_60_S, provider.checks
    assert latest_payment(db, oid).status is PaymentStatus.PENDING
    assert any(e.kind is EventKind.RETRYING for e in events)
    assert engine.health.get("simulator").state in (Health.DEGRADED, Health.DOWN)


def test_a_crash_outside_the_provider_backs_off_the_unit_of_work(db, clock) -> None:
    factory = Factory({"simulator": Route(SimulatorProvider(pay_after_s=None, clock=clock))})
    engine, _ = engine_with(db, clock, factory)
    oid = sell(db, clock, "simulator", ttl_s=600)
    attempts = 0

    def locked(*_a, **_k):  # type: ignore[no-untyped-def]
        nonlocal attempts
        attempts += 1
        raise sqlite3.OperationalError("database is locked")

    real, engine.ledger.created = engine.ledger.created, locked  # type: ignore[method-assign]
    run_for(engine, clock, 60)
    assert 2 <= attempts <= MAX_IN_60_S, attempts
    engine.ledger.created = real  # type: ignore[method-assign]
    run_for(engine, clock, 61)
    assert latest_payment(db, oid).payable_amount == 15000, (
        "it goes through once the database is back"
    )


class BrokenFeed(FeedProvider):
    name = "feedy"
    min_poll_interval_s = 2.0

    def __init__(self, clock, exc: Exception) -> None:
        self.clock = clock
        self.exc = exc
        self.polls = 0

    def create(self, request: CreateRequest) -> Invoice:
        return Invoice(request.amount, request.expires_at,
                       provider_ref=f"T-{request.payment_id}", qris="x")

    def poll_feed(self) -> list[FeedItem]:
        self.polls += 1
        raise self.exc

    def ack(self, item: FeedItem, *, ok: bool, reason: str = "ok") -> None:
        pass


@pytest.mark.parametrize("exc", [ValueError("adapter bug"), TransientError("timed out")])
def test_failing_feed_backs_off(db, clock, exc: Exception) -> None:
    feed = BrokenFeed(clock, exc)
    engine, _ = engine_with(db, clock, Factory({"feedy": Route(feed)}))
    sell(db, clock, "feedy", ttl_s=600)
    engine.run_once()
    feed.polls = 0
    run_for(engine, clock, 60)
    # Unbacked: one pull per 2 s poll interval = 30.
    assert 2 <= feed.polls <= MAX_IN_60_S, feed.polls


class BrokenStatement(CreditSource):
    name = "statement"

    def __init__(self, exc: Exception) -> None:
        self.exc = exc
        self.reads = 0

    def fetch_credits(self, since: datetime) -> list[Credit]:
        self.reads += 1
        raise self.exc


@pytest.mark.parametrize("exc", [KeyError("data"), TransientError("HTTP 502 from the server")])
def test_failing_statement_backs_off(db, clock, exc: Exception) -> None:
    source = BrokenStatement(exc)
    static = StaticQrisProvider(DEMO_STATIC_QRIS, clock, by_mutasi=True)
    route = Route(static, account="acct", credit_source=source)
    engine, _ = engine_with(db, clock, Factory({"static": route}))
    sell(db, clock, "static", ttl_s=600)
    engine.run_once()
    source.reads = 0
    run_for(engine, clock, 120)
    # Unbacked: one read per min_interval_s (5 s) = 24.
    assert 2 <= source.reads <= 10, source.reads


def test_a_failing_loop_iteration_backs_off(db) -> None:
    engine = SyncEngine(db, {}.__getitem__, poll_interval_s=0.1)
    passes: list[float] = []

    def broken(*_a, **_k):  # type: ignore[no-untyped-def]
        passes.append(time.monotonic())
        raise sqlite3.OperationalError("disk I/O error")

    engine.due_outbox = broken  # type: ignore[method-assign]
    engine.start()
    try:
        wait_for(lambda: passes, "the engine loop's first (failing) pass")
        for _ in range(10):  # tasks finishing elsewhere must not cut the backoff short
            engine.wake()
            time.sleep(0.15)
    finally:
        engine.stop()
    # Backoff 0.5-1 s, then 1-2 s, 2-4 s ...: how many passes at most fit into the time this
    # took (3 in the usual 1.5 s; more only if a slow machine made the test itself slower).
    elapsed = time.monotonic() - passes[0]
    allowed, spent, delay = 1, 0.0, 0.5
    while spent + delay <= elapsed:
        allowed, spent, delay = allowed + 1, spent + delay, delay * 2
    assert 1 <= len(passes) <= allowed, (len(passes), f"{elapsed:.2f} s")


# -- stop ---------------------------------------------------------------------------------
class Slow(SimulatorProvider):
    """A create that takes ``hold_s``, or (``hold_s=None``) until the test sets ``release``."""

    def __init__(self, hold_s: float | None) -> None:
        super().__init__(pay_after_s=None)
        self.hold_s = hold_s
        self.entered = threading.Event()
        self.release = threading.Event()
        self.created: list[str] = []
        self.worker: threading.Thread | None = None

    def create(self, request: CreateRequest) -> Invoice:
        self.worker = threading.current_thread()
        self.entered.set()
        if self.hold_s is None:
            self.release.wait(2 * WAIT_S)
        else:
            time.sleep(self.hold_s)
        self.created.append(request.order_id)
        return super().create(request)


def test_stop_waits_for_running_work_and_drops_queued_work(db, caplog) -> None:
    slow = Slow(0.4)
    engine = SyncEngine(db, {"simulator": slow}.__getitem__, poll_interval_s=0.1, workers=1)
    checkout = CheckoutService(db, Till("K1", WIB))
    first, _ = checkout.open_qris_sale(a_cart(), "simulator", ttl_s=600)
    second, _ = checkout.open_qris_sale(a_cart(2000), "simulator", ttl_s=600)
    engine.start()
    assert slow.entered.wait(WAIT_S), "the engine never called create"
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG, logger="sync.engine"):
        engine.stop(timeout_s=WAIT_S)
    # back when the running create was done (0.4 s), not at its timeout (that also warns)
    assert time.monotonic() - started < WAIT_S
    assert slow.created == [first.id], "the running create finished; the queued one never started"
    assert latest_payment(db, first.id).payable_amount == 15000, (
        "its result was written before stop returned"
    )
    assert latest_payment(db, second.id).payable_amount is None
    time.sleep(0.5)
    assert slow.created == [first.id], "nothing runs after stop returned"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_stop_gives_up_after_its_timeout_and_stays_quiet(tmp_path: Path, caplog) -> None:
    from pos_app.storage import open_database

    db = open_database(tmp_path / "pos.sqlite3", backup_dir=tmp_path / "backups")
    slow = Slow(None)  # runs until released
    engine = SyncEngine(db, {"simulator": slow}.__getitem__, poll_interval_s=0.1)
    CheckoutService(db, Till("K1", WIB)).open_qris_sale(a_cart(), "simulator", ttl_s=600)
    engine.start()
    assert slow.entered.wait(WAIT_S), "the engine never called create"
    try:
        with caplog.at_level(logging.DEBUG, logger="sync.engine"):
            engine.stop(timeout_s=0.2)
            assert slow.created == [], "stop gave up at its timeout, with the create still running"
            db.close()  # what the CLI does next
            slow.release.set()  # the abandoned create returns and meets a closed database
            wait_for(lambda: not slow.worker.is_alive(), "the abandoned create's worker to finish")
    finally:
        slow.release.set()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == ["sync engine stopped with 1 task(s) still running after 0.2 s"]


# -- our QR lifetime wins -----------------------------------------------------------------
class LongLived(SimulatorProvider):
    """A back-end that keeps its QR payable longer than we asked (or shorter, by ``extra_s``)."""

    def __init__(self, clock, extra_s: float) -> None:
        super().__init__(pay_after_s=None, clock=clock)
        self.extra_s = extra_s

    def create(self, request: CreateRequest) -> Invoice:
        inv = super().create(request)
        return Invoice(inv.payable_amount, inv.expires_at + timedelta(seconds=self.extra_s),
                       inv.provider_ref, inv.qris)


@pytest.mark.parametrize("extra_s, lifetime_s", [(3600, 300), (-120, 180)])
def test_the_earlier_expiry_wins(db, clock, extra_s: float, lifetime_s: int) -> None:
    factory = Factory({"simulator": Route(LongLived(clock, extra_s))})
    engine, events = engine_with(db, clock, factory)
    oid = sell(db, clock, "simulator", ttl_s=300)
    created = latest_payment(db, oid).created_at
    engine.run_once()
    pay = latest_payment(db, oid)
    assert pay.expires_at == created + timedelta(seconds=lifetime_s)
    awaiting = [e for e in events if e.kind is EventKind.AWAITING_PAYMENT][0]
    expected = (created + timedelta(seconds=lifetime_s)).strftime("%Y-%m-%dT%H:%M:%S")
    assert awaiting.data["expires_at"].startswith(expected)
    run_for(engine, clock, lifetime_s + 2.0, step=2.0)
    assert latest_payment(db, oid).status is PaymentStatus.EXPIRED


def test_soundbox_platform_expires_at_our_ttl_and_a_later_payment_is_late(db, clock) -> None:
    from sync.providers.soundbox_platform.adapter import SoundboxPlatformProvider
    from tests.fakes.soundbox_platform import SoundboxPlatformFake

    fake = SoundboxPlatformFake(clock=clock, ttl_s=3600)  # the platform's own lifetime: an hour
    fake.start()
    provider = SoundboxPlatformProvider(fake.config(), clock=clock, timeout=2.0)
    try:
        engine, events = engine_with(db, clock, Factory({"soundbox_platform": Route(provider)}))
        oid = sell(db, clock, "soundbox_platform", ttl_s=300, amount=18000)
        created = latest_payment(db, oid).created_at
        engine.run_once()
        [tx] = fake.transactions.values()
        assert tx.expires_at >= created + timedelta(seconds=3500), "the platform's QR lives an hour"
        pay = latest_payment(db, oid)
        assert pay.expires_at == created + timedelta(seconds=300), "ours: payment.invoice_ttl_s"
        assert provider.heartbeat_body()["state"] == "awaiting_payment"
        run_for(engine, clock, 302, step=2.0)
        assert latest_payment(db, oid).status is PaymentStatus.EXPIRED
        assert load_order(db, oid).status is OrderStatus.EXPIRED
        assert provider.heartbeat_body()["state"] == "idle", (
            "the device stops showing the QR at our expiry"
        )
        # The customer pays the platform's still-open QR after our expiry: a late payment.
        fake.pay(tx.transaction_id)
        run_for(engine, clock, 4, step=2.0)
        assert latest_payment(db, oid).status is PaymentStatus.LATE
        assert load_order(db, oid).status is OrderStatus.LATE_PAYMENT
        assert [e.kind for e in events if e.order_id == oid][-1] is EventKind.LATE_PAYMENT
    finally:
        provider.close()
        fake.stop()


def test_one_broken_provider_does_not_hold_up_another(db, clock) -> None:
    routes = {"simulator": Route(SimulatorProvider(pay_after_s=5.0, clock=clock)),
              "feedy": Route(BrokenFeed(clock, TransientError("timed out")))}
    broken: set[str] = set()

    def factory(name: str) -> Route:
        if name in broken:
            raise ValueError(f"{name}: a value the adapter refuses")
        return routes[name]

    engine, _ = engine_with(db, clock, factory)
    feed_order = sell(db, clock, "feedy", ttl_s=600)
    sim_order = sell(db, clock, "simulator", ttl_s=600, amount=2000)
    engine.run_once()
    broken.add("feedy")  # its side poll and its checks now fail to get a route
    run_for(engine, clock, 10)
    assert load_order(db, sim_order).status is OrderStatus.PAID
    assert latest_payment(db, feed_order).status is PaymentStatus.PENDING


def test_simulator_forgets_old_sales(clock) -> None:  # type: ignore[no-untyped-def]
    """A demo till runs all day: the simulator must not keep every sale it was told about."""
    from sync.providers.simulator.adapter import SimulatorProvider

    sim = SimulatorProvider(pay_after_s=None, clock=clock)
    for i in range(100):
        sim.pay_now(f"K1-{i}")
        clock.advance(600)
    assert len(sim._paid_now) < 40
