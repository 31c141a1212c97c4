"""Shared rig for the sync-engine benchmarks (``bench_sync.py``, ``bench_sync_gui.py``).

Nothing here measures by itself. It starts the loopback fakes of ``tests/fakes`` (HTTP servers
on 127.0.0.1 only), points a temp data dir's settings at one of them (the real provider
adapters, not stand-ins), makes carts with distinct amounts, and records the engine's events
per order with ``time.perf_counter()`` timestamps taken on the engine's thread the moment a
listener is called.

``POS_APP_SECRET_BACKEND=file`` is set before anything of the app is imported (no keyring),
and ``NO_PROXY`` covers 127.0.0.1 so no HTTP proxy of the environment can see the traffic.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ["POS_APP_SECRET_BACKEND"] = "file"
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _stats import percentile  # noqa: E402,F401 - re-exported for the benches

from pos_app.cart import Cart, Product  # noqa: E402
from pos_app.settings import Settings  # noqa: E402
from pos_app.storage.database import Database  # noqa: E402
from sync.events import EventKind, SyncEvent  # noqa: E402
from tests.fakes.server import FakeBackend  # noqa: E402

PROVIDERS = ("midtrans", "pakasir", "soundbox_platform")




def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 1)


# -- fakes ----------------------------------------------------------------------------------

def available(provider: str) -> str | None:
    """None when the provider's fake and adapter can be imported; else why not."""
    for module in (f"tests.fakes.{provider}", f"sync.providers.{provider}"):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            return f"{module} cannot be imported: {exc}"
    return None


def start_fake(provider: str) -> FakeBackend:
    """Start the provider's fake on 127.0.0.1 (an ephemeral port) and return it."""
    if provider == "midtrans":
        from tests.fakes.midtrans import MidtransFake

        fake: FakeBackend = MidtransFake()
    elif provider == "pakasir":
        from tests.fakes.pakasir import PakasirFake

        fake = PakasirFake()
    elif provider == "soundbox_platform":
        from tests.fakes.soundbox_platform import SoundboxPlatformFake

        # Its default ttl (300 s) is shorter than a long bench; the store's ttl decides anyway.
        fake = SoundboxPlatformFake(ttl_s=3600)
    else:
        raise ValueError(provider)
    url = fake.start()
    if not url.startswith("http://127.0.0.1:"):
        fake.stop()
        raise RuntimeError(f"fake listens on {url}, not on 127.0.0.1")
    _quiet_resets(fake)
    return fake


def _quiet_resets(fake: FakeBackend) -> None:
    """Keep socketserver's traceback for a client that closed a kept-alive connection (the
    engine's HTTP clients, when the service stops) off stderr; other errors still print."""
    server = getattr(fake, "_server", None)
    if server is None:
        return
    default = server.handle_error

    def handle_error(request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        default(request, client_address)

    server.handle_error = handle_error


def configure(settings: Settings, provider: str, fake: FakeBackend) -> None:
    """Make ``provider`` (with the fake's credentials) this till's QRIS back-end."""
    values: dict[str, str]
    if provider == "midtrans":
        values = {"base_url": fake.base_url, "app_code": fake.app_code,  # type: ignore[attr-defined]
                  "api_key": fake.api_key}  # type: ignore[attr-defined]
    elif provider == "pakasir":
        from tests.fakes.pakasir import DEFAULT_API_KEY, DEFAULT_PROJECT

        values = {"base_url": fake.base_url, "project": DEFAULT_PROJECT, "api_key": DEFAULT_API_KEY}
    elif provider == "soundbox_platform":
        values = {k: str(v) for k, v in fake.config().items() if v}  # type: ignore[attr-defined]
    else:
        raise ValueError(provider)
    settings.set("payment.provider", provider)
    for key, value in values.items():
        settings.set(f"providers.{provider}.{key}", value)


def provider_ref(db: Database, order_id: str) -> str | None:
    """The back-end's reference of an order's QRIS payment (soundbox: its transaction id)."""
    row = db.query_one("SELECT provider_ref FROM payments WHERE order_id = ? AND method = 'qris'"
                       " ORDER BY created_at DESC LIMIT 1", (order_id,))
    return str(row[0]) if row and row[0] else None


def mark_paid(provider: str, fake: FakeBackend, db: Database, order_id: str) -> None:
    """The customer pays ``order_id`` at the back-end (returns once the fake's state changed)."""
    if provider == "midtrans":
        fake.choose_method(order_id)  # type: ignore[attr-defined]  # the customer picks QRIS...
        fake.settle(order_id)  # type: ignore[attr-defined]  # ...and pays
    elif provider == "pakasir":
        fake.complete(order_id)  # type: ignore[attr-defined]
    elif provider == "soundbox_platform":
        ref = provider_ref(db, order_id)
        if ref is None:
            raise RuntimeError(f"no transaction id for {order_id}")
        fake.pay(ref)  # type: ignore[attr-defined]  # queues the payment_notification
    else:
        raise ValueError(provider)


# -- carts ----------------------------------------------------------------------------------

def cart_of(amount: int, sku: str = "BENCH-1") -> Cart:
    """A one-line cart of exactly ``amount`` rupiah (tax off, the default)."""
    cart = Cart()
    cart.add(Product(sku=sku, name=f"Barang bench {amount}", price=amount, category="Bench"), 1)
    if cart.totals().total != amount:
        raise RuntimeError(f"cart total {cart.totals().total} != {amount}: is tax.mode off?")
    return cart


def distinct_amounts(n: int, start: int = 10_000, step: int = 100) -> list[int]:
    return [start + i * step for i in range(n)]


# -- engine bookkeeping ---------------------------------------------------------------------

class EngineCounters:
    """Counts, without changing behaviour, how often the engine does its bookkeeping.

    Wraps three attributes of one engine instance (and its database): ``due_outbox`` (called
    once per iteration of the engine's scheduling loop), ``handle_outbox`` (one attempt at an
    outbox entry: a lease, and a create or a reschedule) and ``db.transaction`` (one write
    transaction: a commit with ``synchronous=FULL``, i.e. an fsync of the WAL).
    """

    def __init__(self, engine: Any) -> None:
        self.loop_iterations = 0
        self.outbox_attempts = 0
        self.write_transactions = 0
        self._t0 = time.perf_counter()
        due, handle, transaction = engine.due_outbox, engine.handle_outbox, engine.db.transaction

        def counted_due(*a: Any, **k: Any) -> Any:
            self.loop_iterations += 1
            return due(*a, **k)

        def counted_handle(*a: Any, **k: Any) -> Any:
            self.outbox_attempts += 1
            return handle(*a, **k)

        def counted_transaction(*a: Any, **k: Any) -> Any:
            self.write_transactions += 1
            return transaction(*a, **k)

        engine.due_outbox = counted_due
        engine.handle_outbox = counted_handle
        engine.db.transaction = counted_transaction

    def reset(self) -> None:
        self.loop_iterations = self.outbox_attempts = self.write_transactions = 0
        self._t0 = time.perf_counter()

    def snapshot(self) -> dict[str, Any]:
        wall = max(1e-9, time.perf_counter() - self._t0)
        return {
            "engine_loop_iterations": self.loop_iterations,
            "engine_loop_iterations_per_s": round(self.loop_iterations / wall, 1),
            "engine_outbox_attempts": self.outbox_attempts,
            "db_write_transactions": self.write_transactions,
        }


# -- events ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Seen:
    kind: EventKind
    at: float  # time.perf_counter() when the listener was called
    data: dict[str, Any]


class EventLog:
    """A ``PaymentService`` listener: every event per order, timestamped, and waitable."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.by_order: dict[str, list[Seen]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.orders_with: dict[EventKind, set[str]] = defaultdict(set)
        self.provider_states: list[tuple[float, dict[str, Any]]] = []

    def __call__(self, ev: SyncEvent) -> None:
        now = time.perf_counter()
        with self._cond:
            self.counts[ev.kind.value] += 1
            if ev.kind is EventKind.PROVIDER_STATE:
                self.provider_states.append((now, dict(ev.data)))
            else:
                self.by_order[ev.order_id].append(Seen(ev.kind, now, dict(ev.data)))
                self.orders_with[ev.kind].add(ev.order_id)
            self._cond.notify_all()

    def first(self, order_id: str, kind: EventKind) -> Seen | None:
        with self._cond:
            return next((s for s in self.by_order.get(order_id, []) if s.kind is kind), None)

    def wait_for(self, order_id: str, kinds: Iterable[EventKind], timeout_s: float) -> Seen | None:
        """The first event of ``order_id`` of one of ``kinds`` (waits up to ``timeout_s``)."""
        wanted = set(kinds)
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                hit = next((s for s in self.by_order.get(order_id, []) if s.kind in wanted), None)
                left = deadline - time.monotonic()
                if hit is not None or left <= 0:
                    return hit
                self._cond.wait(min(left, 0.5))

    def wait_all(self, order_ids: Iterable[str], kind: EventKind, timeout_s: float,
                 *, give_up: Callable[[], bool] = lambda: False, poll_s: float = 0.02) -> bool:
        """True once every order has had ``kind``; False on timeout or when ``give_up()``.

        Polls (every ``poll_s``) instead of waking on every event, so that a thousand events
        do not make this thread compete with the engine's for the GIL; callers take the times
        from the events' own timestamps, not from when this returns.
        """
        ids = set(order_ids)
        deadline = time.monotonic() + timeout_s
        while True:
            with self._cond:
                if ids <= self.orders_with[kind]:
                    return True
            if time.monotonic() >= deadline or give_up():
                return False
            time.sleep(poll_s)

    def orders_with_any(self, kinds: Iterable[EventKind]) -> set[str]:
        """The orders that have had at least one event of ``kinds``."""
        with self._cond:
            return set().union(*(self.orders_with[k] for k in kinds))

    def kinds_of(self, order_id: str) -> list[str]:
        with self._cond:
            return [s.kind.value for s in self.by_order.get(order_id, [])]
