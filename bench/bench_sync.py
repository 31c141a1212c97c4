"""Benchmarks of the sync engine against the loopback fakes; prints one JSON object.

Two targets, measured with the real ``PaymentService``, the real ``SyncEngine`` (default
``poll_interval_s`` = 2.0 s, 4 worker threads) and the real provider adapters, against the fakes
of ``tests/fakes`` on 127.0.0.1 (a temp data dir, ``POS_APP_SECRET_BACKEND=file``):

* latency: "Confirmation latency: from the fake marking a payment paid to the app's 'paid'
  event, p95 over 50 payments, at most poll interval + 300 ms". For each of ``--payments``
  sales (``--concurrency`` at a time, each timed on its own): ``start_qris``, wait for
  AWAITING_PAYMENT, sleep a random 0..2 s (so the mark lands at a random phase of the polling),
  mark it paid in the fake (midtrans: ``choose_method`` + ``settle``; pakasir: ``complete``;
  soundbox_platform: ``pay``, which queues the notification its heartbeat feed returns), take
  t0 = ``perf_counter()`` right after the fake's state changed; t1 = when the service's
  listener is called with PAID for that order (on the engine's thread). Reported per provider:
  p50/p95/max ms, ``target_ms`` = poll interval + 300, ``meets_target`` = p95 <= target.
* drain: "Draining 1,000 queued offline creates against a healthy fake: report the time; the
  engine must respect each back-end's rate limit while doing it". With the engine stopped,
  ``--drain`` QRIS sales of distinct amounts are written (``start_qris`` without ``start()``);
  then the engine starts and the time until every sale had AWAITING_PAYMENT is taken (from
  ``start()`` to the last AWAITING_PAYMENT event). Midtrans (no documented create limit):
  seconds, creates/s, and the fake's count of create requests, which must be exactly one per
  sale (no duplicate creates). Pakasir (100 creates per minute per project, which the engine
  honours through the adapter's ``max_creates_per_minute``): ``--pakasir-drain`` (150) sales,
  the most create requests the fake received in any 60 s window (must be <= 100) and its
  count of 429 answers (must be 0). Process CPU time is given too: time the engine spends
  on bookkeeping rather than waiting for the back-end or the rate limit.

Also reported, for both parts (``_sync_rig.EngineCounters``, counting wrappers on the engine
instance that change nothing): ``engine_loop_iterations_per_s`` (passes of the engine's
scheduling loop; each runs several SQL queries), ``engine_outbox_attempts`` (outbox entries
leased and handled, a create or a "not yet" reschedule) and ``db_write_transactions`` (commits,
each an fsync with ``synchronous=FULL``). For Pakasir also the most status checks
(``transactiondetail``) in any 60 s window, against seed 003's "1000 requests per minute per
project", which the fake does not enforce.

A provider whose fake or adapter cannot be imported is reported as ``{"skipped": why}``.

Run: .venv/bin/python bench/bench_sync.py [--only latency|drain] [--providers midtrans,pakasir,
     soundbox_platform] [--payments 50] [--concurrency 5] [--drain 1000] [--pakasir-drain 150]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

from _sync_rig import (
    PROVIDERS,
    EngineCounters,
    EventLog,
    available,
    cart_of,
    configure,
    distinct_amounts,
    mark_paid,
    ms,
    percentile,
    start_fake,
)

from pos_app.payments import PaymentService
from pos_app.settings import Settings
from pos_app.storage import open_database
from sync.events import EventKind
from tests.fakes.server import FakeBackend, max_in_window

LATENCY_SLACK_MS = 300
PAKASIR_LIMIT_PER_MIN = 100
PAKASIR_STATUS_LIMIT_PER_MIN = 1000
WAIT_EVENT_S = 30.0  # a create or a confirmation that takes longer counts as lost
DRAIN_TIMEOUT_S = 400.0  # well inside the QR lifetime (payment.invoice_ttl_s = 600)
ENDED = (EventKind.FAILED, EventKind.EXPIRED, EventKind.CANCELLED)


class Rig:
    """A till in a temp dir selling through ``provider`` against a fresh fake."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self._tmp = tempfile.TemporaryDirectory(prefix=f"pos-bench-sync-{provider}-")
        tmp = Path(self._tmp.name)
        self.fake: FakeBackend = start_fake(provider)
        self.settings = Settings.load(tmp)
        configure(self.settings, provider, self.fake)
        self.db = open_database(tmp / "pos.sqlite3")
        self.service = PaymentService(self.db, self.settings)  # poll_interval_s: the default
        self.log = EventLog()
        self.service.subscribe(self.log)
        self.counters = EngineCounters(self.service.engine)
        self._write_lock = threading.Lock()

    @property
    def poll_interval_s(self) -> float:
        # What the engine uses: its interval, never faster than the provider allows.
        provider = self.service.provider(self.provider)
        return max(self.service.engine.poll_interval_s, provider.min_poll_interval_s)

    def start_qris(self, amount: int) -> str:
        # The window writes sales on one writer thread; so do we.
        with self._write_lock:
            return self.service.start_qris(cart_of(amount)).id

    def close(self) -> None:
        self.service.stop()
        self.fake.stop()
        self.db.close()
        self._tmp.cleanup()


# -- latency ------------------------------------------------------------------------------------

def sell_and_flip(rig: Rig, amount: int, flip_after_s: float) -> dict[str, Any]:
    """One QRIS sale: ``start_qris``, wait for its QR, mark it paid in the fake
    ``flip_after_s`` after the QR was there (t0 right after the fake's state changed), and the
    time to the PAID event (``latency_s``). ``error`` instead when something never came."""
    t_sale = time.perf_counter()
    order_id = rig.start_qris(amount)
    created = rig.log.wait_for(order_id, (EventKind.AWAITING_PAYMENT, *ENDED), WAIT_EVENT_S)
    if created is None or created.kind is not EventKind.AWAITING_PAYMENT:
        return {"order_id": order_id, "error": f"no QR: {rig.log.kinds_of(order_id)}"}
    time.sleep(max(0.0, created.at + flip_after_s - time.perf_counter()))
    mark_paid(rig.provider, rig.fake, rig.db, order_id)
    t0 = time.perf_counter()
    paid = rig.log.wait_for(order_id, (EventKind.PAID, EventKind.LATE_PAYMENT, *ENDED),
                            WAIT_EVENT_S)
    if paid is None or paid.kind is not EventKind.PAID:
        return {"order_id": order_id, "error": f"not paid: {rig.log.kinds_of(order_id)}"}
    return {"order_id": order_id, "latency_s": paid.at - t0, "create_s": created.at - t_sale,
            "qr_age_s": t0 - created.at}


def one_payment(rig: Rig, amount: int, rng: random.Random) -> dict[str, Any]:
    # The mark lands at a random phase of the polling.
    result = sell_and_flip(rig, amount, rng.uniform(0.0, 2.0))
    result.pop("qr_age_s", None)
    return result


def bench_latency(provider: str, n: int, concurrency: int) -> dict[str, Any]:
    why = available(provider)
    if why:
        return {"skipped": why}
    rig = Rig(provider)
    try:
        rig.service.start()
        poll_s = rig.poll_interval_s
        target_ms = poll_s * 1000 + LATENCY_SLACK_MS
        amounts = distinct_amounts(n, start=15_000, step=500)
        t_start = time.perf_counter()
        cpu0 = time.process_time()
        rig.counters.reset()
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bench-cust") as pool:
            results = list(pool.map(lambda i: one_payment(rig, amounts[i], random.Random(1000 + i)),
                                    range(n)))
        wall = time.perf_counter() - t_start
        cpu = time.process_time() - cpu0
        ok = [r for r in results if "latency_s" in r]
        lat = [r["latency_s"] for r in ok]
        errors = [r for r in results if "error" in r]
        out: dict[str, Any] = {
            "payments": n,
            "concurrency": concurrency,
            "confirmed": len(ok),
            "errors": errors[:5],
            "latency_ms_p50": ms(statistics.median(lat)) if lat else None,
            "latency_ms_p95": ms(percentile(lat, 0.95)) if lat else None,
            "latency_ms_max": ms(max(lat)) if lat else None,
            "latency_ms_min": ms(min(lat)) if lat else None,
            "create_ms_p50": ms(statistics.median(r["create_s"] for r in ok)) if ok else None,
            "poll_interval_ms": round(poll_s * 1000),
            "target_ms": round(target_ms),
            "meets_target": (bool(lat) and len(ok) == n
                             and percentile(lat, 0.95) * 1000 <= target_ms),
            "wall_s": round(wall, 2),
            "process_cpu_s": round(cpu, 2),
            "retrying_events": rig.log.counts.get("retrying", 0),
            **rig.counters.snapshot(),
        }
        if provider == "midtrans":
            out["fake_status_queries"] = rig.fake.status_queries  # type: ignore[attr-defined]
        elif provider == "pakasir":
            out["fake_counters"] = dict(rig.fake.counters)  # type: ignore[attr-defined]
        elif provider == "soundbox_platform":
            out["fake_heartbeats"] = rig.fake.heartbeats  # type: ignore[attr-defined]
            out["fake_acks"] = len(rig.fake.acks)  # type: ignore[attr-defined]
        return out
    finally:
        rig.close()


# -- drain --------------------------------------------------------------------------------------

def drain(provider: str, n: int) -> tuple[Rig, dict[str, Any], list[str]]:
    """Queue ``n`` sales offline, start the engine, wait until all have a QR (or ended)."""
    rig = Rig(provider)
    amounts = distinct_amounts(n, start=10_000, step=100)
    t0 = time.perf_counter()
    orders = [rig.start_qris(a) for a in amounts]
    write_s = time.perf_counter() - t0
    queued, _ = rig.service.engine.pending_count()
    cpu0 = time.process_time()
    t_start = time.perf_counter()
    rig.counters.reset()
    rig.service.start()
    done = rig.log.wait_all(
        orders, EventKind.AWAITING_PAYMENT, DRAIN_TIMEOUT_S,
        give_up=lambda: set(orders) <= rig.log.orders_with_any(
            (EventKind.AWAITING_PAYMENT, *ENDED)))
    t_end = time.perf_counter()
    cpu = time.process_time() - cpu0
    got = [s.at for o in orders if (s := rig.log.first(o, EventKind.AWAITING_PAYMENT)) is not None]
    last = max(got) if got else t_end
    failed = [o for o in orders if rig.log.first(o, EventKind.FAILED) is not None]
    out = {
        "sales": n,
        "queued_outbox_entries": queued,
        "offline_write_s": round(write_s, 2),
        "all_awaiting_payment": done,
        "awaiting_payment": len(got),
        "failed": len(failed),
        "failed_example": (rig.log.by_order[failed[0]][-1].data.get("error") if failed else None),
        "drain_s": round(last - t_start, 2),
        "first_qr_after_s": round(min(got) - t_start, 3) if got else None,
        "creates_per_s": round(len(got) / (last - t_start), 1) if got else None,
        "process_cpu_s": round(cpu, 2),
        "process_cpu_ms_per_create": round(cpu * 1000 / max(1, len(got)), 2),
        "retrying_events": rig.log.counts.get("retrying", 0),
        **rig.counters.snapshot(),
        "timed_out": not done and t_end - t_start >= DRAIN_TIMEOUT_S,
    }
    return rig, out, orders


def bench_drain_midtrans(n: int) -> dict[str, Any]:
    why = available("midtrans")
    if why:
        return {"skipped": why}
    rig, out, _orders = drain("midtrans", n)
    try:
        fake: Any = rig.fake
        charge_requests = len(fake.requests_to("/charge", "POST"))
        out.update({
            "fake_charge_requests": charge_requests,
            "fake_charges_created": fake.charges_created,
            "fake_duplicates_refused": fake.duplicates_refused,
            "fake_status_queries_during_drain": fake.status_queries,
            "documented_create_limit": None,
            "no_duplicate_creates": charge_requests == n and fake.charges_created == n
            and fake.duplicates_refused == 0,
        })
        return out
    finally:
        rig.close()


def bench_drain_pakasir(n: int) -> dict[str, Any]:
    why = available("pakasir")
    if why:
        return {"skipped": why}
    rig, out, _orders = drain("pakasir", n)
    try:
        fake: Any = rig.fake
        creates = sorted(r.at for r in fake.requests_to("/api/transactioncreate/qris", "POST"))
        gaps = [b - a for a, b in itertools.pairwise(creates)]
        span = creates[-1] - creates[0] if len(creates) > 1 else 0.0
        worst = max_in_window(creates, 60.0)
        counters = dict(fake.counters)
        details = [r.at for r in fake.requests_to("/api/transactiondetail", "GET")]
        limit = PAKASIR_LIMIT_PER_MIN
        # How close the drain came to the limit: the shortest time holding limit + 1 creates.
        spans = [creates[i + limit] - creates[i] for i in range(len(creates) - limit)]
        out.update({
            "limit_per_min": PAKASIR_LIMIT_PER_MIN,
            "engine_max_creates_per_minute": getattr(rig.service.provider("pakasir"),
                                                     "max_creates_per_minute", None),
            "fake_create_requests": len(creates),
            "fake_counters": counters,
            "max_creates_in_any_60s_window": worst,
            "min_span_of_101_creates_s": round(min(spans), 3) if spans else None,
            "achieved_rate_per_min": round((len(creates) - 1) * 60.0 / span, 1) if span else None,
            "create_gap_ms_min": ms(min(gaps)) if gaps else None,
            "create_gap_ms_median": ms(statistics.median(gaps)) if gaps else None,
            "fake_429s": counters.get("rate_limited", 0),
            # Not enforced by the fake; seed 003: "Status Check: 1000 requests per minute".
            "status_checks_limit_per_min": PAKASIR_STATUS_LIMIT_PER_MIN,
            "max_status_checks_in_any_60s_window": max_in_window(details, 60.0),
            "no_duplicate_creates": len(creates) == n and counters.get("created", 0) == n,
            "meets_target": worst <= PAKASIR_LIMIT_PER_MIN and counters.get("rate_limited", 0) == 0
            and out["all_awaiting_payment"],
        })
        return out
    finally:
        rig.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=["latency", "drain"])
    ap.add_argument("--providers", default=",".join(PROVIDERS),
                    help="for the latency part (comma separated)")
    ap.add_argument("--payments", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=5)
    ap.add_argument("--drain", type=int, default=1000, help="midtrans creates to drain")
    ap.add_argument("--pakasir-drain", type=int, default=150, help="pakasir creates to drain")
    a = ap.parse_args()
    # The engine logs every retry; the JSON says what matters.
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    t0 = time.perf_counter()
    result: dict[str, Any] = {
        "bench": "sync",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
    }
    if a.only in (None, "latency"):
        result["latency"] = {p: bench_latency(p, a.payments, a.concurrency)
                             for p in a.providers.split(",") if p}
    if a.only in (None, "drain"):
        result["drain"] = {"midtrans": bench_drain_midtrans(a.drain),
                           "pakasir": bench_drain_pakasir(a.pakasir_drain)}
    result["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    result["bench_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
