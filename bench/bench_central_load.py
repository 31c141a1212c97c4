"""Ten tills selling into one central PostgreSQL (issue 14's number); prints one JSON object.

Not a test: run by hand. The issue asks: "10 simulated tills selling 10 sales/s in total for 10
minutes against one PostgreSQL: upload lag p95 < 5 s, no sale missing or duplicated at the end,
till-side sale commit p99 unchanged." This bench does exactly that, through the app's own code.

Set-up
  A throwaway PostgreSQL cluster (``tests.pg_cluster``'s ``PgCluster``: initdb + pg_ctl in a
  temporary directory, SCRAM passwords, 127.0.0.1 at a free port, the same server options as
  the tests' cluster, fsync off -- the central box's disk is not what is measured, and here it
  would share one disk with ten tills that in a shop each have their own; as root the
  programs run as ``postgres``). ``apply_schema`` as the superuser; a ``pos_owner`` login
  (``bench_owner``) makes one enrolment code per till (``make_code``: outlets ``Toko Bandung``
  and ``Toko Bogor``, tills ``K1``..``K5`` in each, so order numbers clash across outlets as in
  a real chain) and each till redeems its own (``redeem``): one login role and password per
  till, row-level security on. Each till then gets what ``pos-app central enroll`` writes:
  ``central.url`` (no credentials), ``central.outlet``, ``central.user``, the secret
  ``central.password`` (``POS_APP_SECRET_BACKEND=file``: into the till's own ``config.toml``),
  and ``sync.central.mark_enrolled``.

Each till is its own process (spawned), as on a shop's PC: its own data dir and SQLite file
(``open_database``), a catalogue of 30 products, an open shift, and a ``PaymentService`` with
the ``simulator`` gateway started as the app starts it -- so the uploader is the real
``CentralSync`` built by ``pos_app.central.till.central_sync`` from those settings, woken by
the service's listener on PAID events, and polling every 5 s otherwise. The seller (the
process's main thread, standing in for the window's writer thread) rings up a sale every
``tills / rate`` seconds (1 s by default) on an absolute schedule, each till offset by a
fraction of the interval, with +-25 % jitter: 1-4 distinct products, 1-3 of each. Two sales in
three are cash (``pay_cash``: one transaction, PAID at once); every third is QRIS
(``start_qris``): the engine makes the QR (``Ledger.created``), the simulator gateway reports
it paid 3 s later and the engine's poll writes it paid (``Ledger.paid``) -- the real code path
of a polled gateway, only the gateway is simulated.

What is measured
* ``commit_ms``: each sale's till-side transaction, from asking for it (``Database.transaction``
  entered, so waiting for the database lock behind the uploader counts) to its COMMIT returning
  (``synchronous=FULL``: fsync included) -- the seller thread's outermost transaction only.
  ``call_ms`` is the whole ``pay_cash``/``start_qris`` call (the transaction, reading the order
  back, emitting events). p50/p99/max over every sale.
* ``baseline``: the same seller, the same number of sales, the same rate and tills, right
  before, on tills that are *not* enrolled (the triggers record nothing and no uploader
  runs). ``ratio_*`` is enrolled over baseline: "commit p99 unchanged" is read here as
  ``ratio_p99 <= 1.25`` (a run-to-run tolerance; both numbers are printed).
* ``lag_s``: per sale, from the moment it is paid on the till (cash: its COMMIT; QRIS: the PAID
  event the engine emits right after the paid transaction's COMMIT) to central having it paid.
  ``seen``: the owner polls ``pos.orders`` every 200 ms (rows whose ``uploaded_at`` is at most
  30 s older than the newest seen) and notes when each uuid is first seen ``paid`` -- an upper
  bound, up to one poll late. ``uploaded_at``: ``pos.orders.uploaded_at`` of that row
  (``now()`` of the upload's transaction, i.e. its start) -- a lower bound. Both clocks are this
  machine's. p50/p95/p99/max over every paid sale.
* At the end the sellers stop, the tills wait (at most ``DRAIN_TIMEOUT_S``) until no QRIS is
  pending and their change log is empty, and stop. Then every till's SQLite file is compared
  with central (as the owner): each local order exactly once by uuid (``missing``,
  ``duplicated``, ``extra``, ``wrong_till``, ``stale_status``), and per till the order count,
  the sum of totals, line and payment counts (and payment amounts) and shifts.
* ``uploads``: non-empty ``CentralSync.upload_once`` calls (timed by wrapping the method in the
  till's process): batches, change rows per batch, ms per batch. ``errors``: warnings and
  errors the ``sync`` loggers wrote in the tills (an upload that failed is one line and one
  backoff), with a few samples, and any ``last_error`` left in ``central_state``.
* ``machine``: CPUs, load average (1/5/15 min) before, between the phases and after, any
  ``bench_central_chain`` seen running at those moments, versions. The tills, PostgreSQL and the
  poller share this machine's CPUs and disk, which a shop's tills do not: the commit numbers
  are a worst case for contention, and the comparison with the baseline is what counts.

Run:  .venv/bin/python bench/bench_central_load.py [--duration 600] [--tills 10] [--rate 10]
      [--keep DIR] [--seed 1]
``--keep DIR`` puts the cluster (stopped at the end) and the tills' data dirs in DIR and leaves
them there. The cluster is stopped on Ctrl-C and on failure too. A run takes twice
``--duration`` (baseline, then the enrolled tills) plus about half a minute.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import multiprocessing as mp
import os
import platform
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
# Before anything reads a secret: the tills' passwords go to their own config.toml, never to
# this machine's keyring (inherited by the spawned tills).
os.environ["POS_APP_SECRET_BACKEND"] = "file"

from _stats import percentile  # noqa: E402

from pos_app.cart import Cart, Product  # noqa: E402

DBNAME = "pos_central"
OWNER = "bench_owner"
OUTLETS = ("Toko Bandung", "Toko Bogor")
#: a sale in three is QRIS (the third, sixth ...)
QRIS_EVERY = 3
#: +- this share of the interval, so that ten tills on one schedule do not march in step
JITTER = 0.25
POLL_S = 0.2
#: the poller re-reads rows this much older than the newest upload it saw: an upload's
#: ``uploaded_at`` is its transaction's start, and transactions commit in any order
POLL_OVERLAP_S = 30.0
#: how long a till waits, after its last sale, for its QRIS to be paid and its log to empty
DRAIN_TIMEOUT_S = 120.0
READY_TIMEOUT_S = 180.0
START_MARGIN_S = 2.0
TARGETS = {"lag_p95_s": 5.0, "missing": 0, "duplicated": 0, "commit_p99_ratio": 1.25}

log = logging.getLogger("bench_central_load")


# --------------------------------------------------------------------------- the catalogue


def products() -> list[Product]:
    """Thirty products of a warung, Rp 2.000-60.000 in steps of 500; every fifth tracks stock
    (plenty of it), so migration 5's stock triggers run as they do in a shop."""
    rng = random.Random(14)
    kinds = ("Minuman", "Makanan", "Rokok", "Sembako", "Jajanan")
    return [Product(sku=f"P{n:03d}", barcode=f"899{n:010d}", name=f"Barang {n}",
                    category=kinds[n % len(kinds)], price=rng.randrange(4, 121) * 500,
                    stock=1_000_000 if n % 5 == 0 else None) for n in range(1, 31)]


def random_cart(rng: random.Random, catalogue: list[Product]) -> Cart:
    cart = Cart()
    for product in rng.sample(catalogue, rng.randint(1, 4)):
        cart.add(product, rng.randint(1, 3))
    return cart


def tendered_for(rng: random.Random, total: int) -> int:
    """Exact money half the time, else the total rounded up to the next Rp 5.000."""
    return total if rng.random() < 0.5 else -(-total // 5000) * 5000


# --------------------------------------------------------------------------- the cluster


def start_cluster(base: Path) -> Any:
    """A cluster in ``base`` (new, empty), started as ``tests.pg_cluster`` starts its own;
    returns it running. SystemExit when it can't start."""
    from tests.pg_cluster import _start, find_bindir

    bindir = find_bindir()
    if bindir is None:
        sys.exit("PostgreSQL is not installed (no initdb; scripts/bootstrap.sh installs it)")
    try:
        return _start(bindir, base)
    except RuntimeError as exc:
        sys.exit(str(exc))


@dataclass(frozen=True)
class Central:
    """The central database: the superuser's and the owner's URLs, and the tills' base URL
    (no credentials: each till adds its own role)."""

    superuser_url: str
    owner_url: str
    till_url: str
    server_version: str


def make_central(cluster: Any) -> Central:
    import psycopg
    from psycopg import sql

    from pos_app.central.schema import apply_schema

    owner_password = secrets.token_urlsafe(18)
    with cluster.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DBNAME)))
        version = str(conn.execute("SHOW server_version").fetchone()[0])
    with psycopg.connect(cluster.url(DBNAME)) as conn:
        apply_schema(conn)  # as the superuser, as `pos-app central init` would be run
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE pos_owner").format(
            sql.Identifier(OWNER), sql.Literal(owner_password)))
        conn.commit()
    return Central(cluster.url(DBNAME), cluster.url(DBNAME, OWNER, owner_password),
                   cluster.url(DBNAME, user=None), version)


# --------------------------------------------------------------------------- preparing tills


@dataclass(frozen=True)
class TillSpec:
    """What a till's process needs (picklable: it crosses to a spawned process)."""

    index: int
    outlet_id: str | None  # None: not enrolled (the baseline)
    terminal_id: str
    data_dir: str
    shift_id: str
    business_date: str
    catalogue: tuple[Product, ...]
    interval_s: float
    phase_s: float
    sales: int
    seed: int

    @property
    def enrolled(self) -> bool:
        return self.outlet_id is not None

    @property
    def name(self) -> str:
        return f"{self.outlet_id or 'baseline'}/{self.terminal_id}"


def layout(tills: int) -> list[tuple[str, str]]:
    """(outlet name, terminal id) per till: two outlets of half the tills each (one outlet for
    a single till), terminals K1, K2 ... within each."""
    outlets = OUTLETS[: 2 if tills > 1 else 1]
    per = math.ceil(tills / len(outlets))
    return [(outlets[i // per], f"K{i % per + 1}") for i in range(tills)]


def prepare_tills(root: Path, central: Central | None, args: argparse.Namespace,
                  seed: int) -> list[TillSpec]:
    """Data dirs with a catalogue and an open shift; enrolled the real way when ``central``
    is given (owner's code, till's redeem, the settings `central enroll` writes, then
    ``mark_enrolled``)."""
    from pos_app.central.connect import connect, strip_credentials
    from pos_app.central.enroll import make_code, redeem
    from pos_app.clock import utcnow
    from pos_app.settings import Settings
    from pos_app.storage import catalog, open_database, shifts as shift_store
    from sync.central import mark_enrolled

    catalogue = tuple(products())
    interval = args.tills / args.rate
    sales = int(args.duration * args.rate / args.tills)
    specs = []
    for i, (outlet_name, terminal) in enumerate(layout(args.tills)):
        data_dir = root / f"till{i + 1:02d}"
        settings = Settings.load(data_dir)
        settings.set("store.terminal_id", terminal)
        settings.set("store.name", outlet_name)
        db = open_database(data_dir / "pos.sqlite3", backup_dir=data_dir / "backups")
        try:
            catalog.upsert_products(db, list(catalogue))
            shift = shift_store.open_shift(db, terminal, settings.timezone(), f"Kasir {i + 1}",
                                           200_000, utcnow())
            outlet_id = None
            if central is not None:
                import psycopg

                with psycopg.connect(central.owner_url) as owner:
                    code = make_code(owner, outlet_name)
                creds = redeem(central.till_url, outlet_name, code, terminal)
                settings.set("central.url", strip_credentials(central.till_url))
                settings.set("central.outlet", creds.outlet_id)
                settings.set("central.user", creds.role)
                settings.set("central.password", creds.password)
                with connect(central.till_url, user=creds.role, password=creds.password) as c:
                    c.execute("SELECT pos.my_outlet()")  # as `central enroll`: they do work
                mark_enrolled(db, creds.outlet_id, terminal)
                outlet_id = creds.outlet_id
        finally:
            db.close()
        specs.append(TillSpec(
            index=i, outlet_id=outlet_id, terminal_id=terminal, data_dir=str(data_dir),
            shift_id=shift.id, business_date=shift.business_date.isoformat(),
            catalogue=catalogue, interval_s=interval, phase_s=interval * i / args.tills,
            sales=sales, seed=seed + i))
    return specs


# --------------------------------------------------------------------------- one till's process


class _Captured(logging.Handler):
    """Warnings and errors of the app's loggers in a till: counted per logger, a few kept."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: dict[str, int] = {}
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.name] = self.counts.get(record.name, 0) + 1
        if len(self.samples) < 5:
            self.samples.append(f"{record.name}: {record.getMessage()}"[:300])


def _timed_transactions(db: Any, seller: int, last: dict[str, float]) -> None:
    """Wrap ``db.transaction`` (this process's instance only) to time the seller thread's
    outermost transactions: entered -> COMMIT returned, into ``last``."""
    original = db.transaction
    depth = threading.local()

    @contextmanager
    def timed() -> Iterator[Any]:
        mine = threading.get_ident() == seller and not getattr(depth, "n", 0)
        t0 = time.perf_counter()
        depth.n = getattr(depth, "n", 0) + 1
        try:
            with original() as conn:
                yield conn
        finally:
            depth.n -= 1
        if mine:
            last["ms"] = (time.perf_counter() - t0) * 1000
            last["epoch"] = time.time()

    db.transaction = timed


def _counted_uploads(uploads: list[tuple[float, int, int]]) -> None:
    """Time every non-empty ``CentralSync.upload_once`` of this process (ms, changes, rows)."""
    from sync.central import CentralSync, UploadResult

    original = CentralSync.upload_once

    def upload_once(self: CentralSync) -> UploadResult:
        t0 = time.perf_counter()
        result = original(self)
        if result.changes:
            uploads.append(((time.perf_counter() - t0) * 1000, result.changes, result.rows))
        return result

    CentralSync.upload_once = upload_once  # type: ignore[method-assign]


def run_till(spec: TillSpec, queue: Any, go: Any, stop: Any, start_at: Any) -> None:
    """A till's process: report ready, sell on schedule from ``start_at``, drain, report."""
    try:
        queue.put(("result", spec.index, _till(spec, queue, go, stop, start_at)))
    except KeyboardInterrupt:
        queue.put(("error", spec.index, "interrupted"))
    except BaseException:
        queue.put(("error", spec.index, traceback.format_exc()))


def _till(spec: TillSpec, queue: Any, go: Any, stop: Any, start_at: Any) -> dict[str, Any]:
    from pos_app.checkout import Till
    from pos_app.payments import PaymentService
    from pos_app.settings import Settings
    from pos_app.storage import open_database
    from sync.central import central_status
    from sync.events import EventKind

    captured = _Captured()
    for name in ("sync", "pos_app"):
        logging.getLogger(name).addHandler(captured)
        logging.getLogger(name).propagate = False  # counted here, not printed 6,000 times
    uploads: list[tuple[float, int, int]] = []
    _counted_uploads(uploads)

    data_dir = Path(spec.data_dir)
    settings = Settings.load(data_dir)
    db = open_database(data_dir / "pos.sqlite3", backup_dir=data_dir / "backups")
    service = PaymentService(db, settings, provider_override="simulator")
    tz = settings.timezone()
    service.use_till(Till(spec.terminal_id, tz, cashier=f"Kasir {spec.index + 1}",
                          shift_id=spec.shift_id,
                          business_date=date.fromisoformat(spec.business_date)))
    paid_at: dict[str, float] = {}

    def on_event(event: Any) -> None:
        if event.kind is EventKind.PAID:
            paid_at.setdefault(event.order_id, time.time())

    service.subscribe(on_event)
    last: dict[str, float] = {}
    _timed_transactions(db, threading.get_ident(), last)
    service.start()
    try:
        if (service.central is not None) != spec.enrolled:
            raise RuntimeError(f"{spec.name}: the uploader is "
                               f"{'running' if service.central else 'missing'}")
        rng = random.Random(spec.seed)
        catalogue = list(spec.catalogue)
        queue.put(("ready", spec.index, None))
        while not go.wait(0.2):  # the bench may be stopped before the start is given
            if stop.is_set():
                raise KeyboardInterrupt
        t_start = start_at.value
        sales: list[dict[str, Any]] = []
        behind_max = 0.0
        for k in range(spec.sales):
            due = (t_start + spec.phase_s + k * spec.interval_s
                   + rng.uniform(-JITTER, JITTER) * spec.interval_s)
            wait = due - time.time()
            if wait > 0 and stop.wait(wait):
                break
            if stop.is_set():
                break
            behind_max = max(behind_max, -wait)
            cart = random_cart(rng, catalogue)
            qris = k % QRIS_EVERY == QRIS_EVERY - 1
            last.clear()
            t0 = time.perf_counter()
            if qris:
                order = service.start_qris(cart)
            else:
                order = service.pay_cash(cart, tendered_for(rng, cart.totals().total))
            call_ms = (time.perf_counter() - t0) * 1000
            sales.append({"uuid": order.uuid, "id": order.id, "qris": qris,
                          "txn_ms": last["ms"], "call_ms": call_ms, "commit": last["epoch"]})
        selling_end = time.time()
        # Drain: the last QRIS get paid, the uploader ships what waits; bounded.
        waiting = awaiting = 0
        while not stop.is_set() and time.time() < selling_end + DRAIN_TIMEOUT_S:
            awaiting = int(db.scalar("SELECT count(*) FROM orders"
                                     " WHERE status = 'awaiting_payment'"))
            waiting = int(db.scalar("SELECT count(*) FROM central_changes"))
            if awaiting == 0 and waiting == 0:
                break
            time.sleep(0.1)
        drain_s = time.time() - selling_end
    finally:
        service.stop()
    status = central_status(db)
    db.close()
    for sale in sales:
        # Cash is paid by its own commit; QRIS when the engine's paid transaction committed.
        sale["paid"] = sale["commit"] if not sale["qris"] else paid_at.get(sale["id"])
    return {"sales": sales, "uploads": uploads, "behind_max_s": behind_max,
            "drain_s": drain_s, "awaiting_left": awaiting, "changes_left": waiting,
            "warnings": captured.counts, "samples": captured.samples,
            "last_error": status.last_error}


# --------------------------------------------------------------------------- a phase


class Poller:
    """The owner's view of central: when each order uuid was first seen paid (this machine's
    clock) and that row's ``uploaded_at``; every ``POLL_S`` on a thread of its own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.first_paid: dict[str, tuple[float, float]] = {}
        self.poll_ms: list[float] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        import psycopg

        newest = 0.0
        conn: Any = None
        while not self._stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self.url, autocommit=True)
                t0 = time.perf_counter()
                rows = conn.execute(
                    "SELECT uuid::text, status, extract(epoch FROM uploaded_at)::float8"
                    " FROM pos.orders WHERE uploaded_at >= to_timestamp(%s)",
                    (max(0.0, newest - POLL_OVERLAP_S),)).fetchall()
                seen = time.time()
                self.poll_ms.append((time.perf_counter() - t0) * 1000)
                for uuid, status, uploaded in rows:
                    newest = max(newest, uploaded)
                    if status == "paid" and uuid not in self.first_paid:
                        self.first_paid[uuid] = (seen, uploaded)
            except Exception as exc:  # noted, and the next poll tries again
                if len(self.errors) < 5:
                    self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                conn = None
            self._stop.wait(POLL_S)
        if conn is not None:
            conn.close()


def run_phase(specs: list[TillSpec], poller: Poller | None) -> dict[int, dict[str, Any]]:
    """Every till in its own spawned process, selling from one common start; their results.
    On Ctrl-C or failure the tills are told to stop, then ended if they don't."""
    ctx = mp.get_context("spawn")  # a fresh interpreter per till, as on a shop's PC
    queue = ctx.Queue()
    go, stop = ctx.Event(), ctx.Event()
    start_at = ctx.Value("d", 0.0)
    procs = [ctx.Process(target=run_till, args=(s, queue, go, stop, start_at),
                         name=f"till-{s.index + 1}") for s in specs]
    results: dict[int, dict[str, Any]] = {}
    failures: list[str] = []
    try:
        for p in procs:
            p.start()
        ready = 0
        deadline = time.time() + READY_TIMEOUT_S
        while ready < len(procs):
            kind, index, payload = queue.get(timeout=max(1.0, deadline - time.time()))
            if kind == "ready":
                ready += 1
            else:
                raise RuntimeError(f"till {index + 1} failed before selling: {payload}")
        if poller is not None:
            poller.start()
        start_at.value = time.time() + START_MARGIN_S
        go.set()
        longest = max(s.phase_s + s.sales * s.interval_s for s in specs)
        deadline = start_at.value + longest + DRAIN_TIMEOUT_S + 60
        while len(results) + len(failures) < len(procs):
            kind, index, payload = queue.get(timeout=max(1.0, deadline - time.time()))
            if kind == "result":
                results[index] = payload
            else:
                failures.append(f"till {index + 1}: {payload}")
        if failures:
            raise RuntimeError("; ".join(failures))
        return results
    finally:
        stop.set()
        until = time.time() + 60  # each stops its service (up to 15 s) and reports
        for p in procs:
            p.join(max(0.1, until - time.time()))
        for p in procs:
            if p.is_alive():  # our own child, by its handle
                p.terminate()
                p.join(5)


# --------------------------------------------------------------------------- checking central


def verify(specs: list[TillSpec], central: Central) -> dict[str, Any]:
    """Every local order of every till in central exactly once, with the same status, lines,
    payments and totals per till; nothing there that no till has."""
    import psycopg

    from pos_app.storage import open_database

    local: dict[str, tuple[str, str, int]] = {}  # uuid -> (till, status, total)
    local_lines: dict[str, int] = {}
    local_pays: dict[str, tuple[int, int]] = {}
    per_till: dict[str, dict[str, int]] = {}
    for spec in specs:
        db = open_database(Path(spec.data_dir) / "pos.sqlite3", read_only=True)
        try:
            for r in db.query("SELECT uuid, status, total FROM orders"):
                local[r["uuid"]] = (spec.name, r["status"], int(r["total"]))
            for r in db.query("SELECT o.uuid, count(*) FROM order_lines l"
                              " JOIN orders o ON o.id = l.order_id GROUP BY o.uuid"):
                local_lines[r[0]] = int(r[1])
            for r in db.query("SELECT o.uuid, count(*), sum(p.amount) FROM payments p"
                              " JOIN orders o ON o.id = p.order_id GROUP BY o.uuid"):
                local_pays[r[0]] = (int(r[1]), int(r[2]))
            shifts = int(db.scalar("SELECT count(*) FROM shifts"))
            left = int(db.scalar("SELECT count(*) FROM central_changes"))
        finally:
            db.close()
        per_till[spec.name] = {"shifts_local": shifts, "changes_left": left}
    with psycopg.connect(central.owner_url) as conn:
        rows = conn.execute("SELECT uuid::text, outlet_id || '/' || terminal_id, status, total"
                            " FROM pos.orders").fetchall()
        lines = dict(conn.execute("SELECT order_uuid::text, count(*) FROM pos.order_lines"
                                  " GROUP BY 1").fetchall())
        pays = {u: (int(n), int(a)) for u, n, a in conn.execute(
            "SELECT order_uuid::text, count(*), sum(amount) FROM pos.payments GROUP BY 1")}
        shifts_central = dict(conn.execute(
            "SELECT outlet_id || '/' || terminal_id, count(*) FROM pos.shifts GROUP BY 1"
        ).fetchall())
    counts: dict[str, int] = {}
    central_rows: dict[str, tuple[str, str, int]] = {}
    for uuid, till, status, total in rows:
        counts[uuid] = counts.get(uuid, 0) + 1
        central_rows[uuid] = (till, status, int(total))
    missing = [u for u in local if u not in central_rows]
    extra = [u for u in central_rows if u not in local]
    duplicated = [u for u, n in counts.items() if n > 1]
    both = [u for u in local if u in central_rows]
    wrong_till = sum(1 for u in both if central_rows[u][0] != local[u][0])
    stale = sum(1 for u in both if central_rows[u][1] != local[u][1])
    for name in per_till:
        mine = [u for u, v in local.items() if v[0] == name]
        theirs = [(u, v) for u, v in central_rows.items() if v[0] == name]
        per_till[name].update({
            "orders_local": len(mine), "orders_central": len(theirs),
            "total_local": sum(local[u][2] for u in mine),
            "total_central": sum(v[2] for _, v in theirs),
            "lines_local": sum(local_lines.get(u, 0) for u in mine),
            "lines_central": sum(int(lines.get(u, 0)) for u, _ in theirs),
            "payments_local": sum(local_pays.get(u, (0, 0))[0] for u in mine),
            "payments_central": sum(pays.get(u, (0, 0))[0] for u, _ in theirs),
            "paid_amount_local": sum(local_pays.get(u, (0, 0))[1] for u in mine),
            "paid_amount_central": sum(pays.get(u, (0, 0))[1] for u, _ in theirs),
            "shifts_central": int(shifts_central.get(name, 0)),
        })

    def same(a: str, b: str) -> bool:
        return all(t[a] == t[b] for t in per_till.values())

    return {
        "orders_local": len(local), "orders_central": len(rows),
        "missing": len(missing), "duplicated": len(duplicated), "extra": len(extra),
        "wrong_till": wrong_till, "stale_status": stale,
        "totals_match": same("total_local", "total_central"),
        "lines_match": same("lines_local", "lines_central"),
        "payments_match": (same("payments_local", "payments_central")
                           and same("paid_amount_local", "paid_amount_central")),
        "shifts_match": same("shifts_local", "shifts_central"),
        "changes_left": sum(t["changes_left"] for t in per_till.values()),
        "per_till": per_till,
        "missing_sample": missing[:5], "duplicated_sample": duplicated[:5],
    }


# --------------------------------------------------------------------------- summaries


def dist(values: list[float], digits: int = 2, *, p95: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(values)}
    keys = (("p50", 0.5), *((("p95", 0.95),) if p95 else ()), ("p99", 0.99))
    for key, p in keys:
        out[key] = round(percentile(values, p), digits) if values else None
    out["max"] = round(max(values), digits) if values else None
    return out


def sales_summary(results: dict[int, dict[str, Any]]) -> dict[str, Any]:
    sales = [s for r in results.values() for s in r["sales"]]
    return {
        "made": len(sales),
        "cash": sum(1 for s in sales if not s["qris"]),
        "qris": sum(1 for s in sales if s["qris"]),
        "qris_paid": sum(1 for s in sales if s["qris"] and s["paid"] is not None),
        "seller_behind_max_s": round(max(r["behind_max_s"] for r in results.values()), 3),
        "commit_ms": dist([s["txn_ms"] for s in sales]),
        "commit_ms_cash": dist([s["txn_ms"] for s in sales if not s["qris"]]),
        "call_ms": dist([s["call_ms"] for s in sales]),
        "drain_s_max": round(max(r["drain_s"] for r in results.values()), 2),
    }


def lag_summary(results: dict[int, dict[str, Any]], poller: Poller) -> dict[str, Any]:
    seen: list[float] = []
    uploaded: list[float] = []
    not_seen = unpaid = 0
    for r in results.values():
        for s in r["sales"]:
            if s["paid"] is None:
                unpaid += 1
                continue
            got = poller.first_paid.get(s["uuid"])
            if got is None:
                not_seen += 1
                continue
            seen.append(got[0] - s["paid"])
            uploaded.append(got[1] - s["paid"])
    return {"seen": dist(seen, 3, p95=True), "uploaded_at": dist(uploaded, 3, p95=True),
            "min_uploaded_at": round(min(uploaded), 3) if uploaded else None,
            "not_seen_by_poller": not_seen, "not_paid_locally": unpaid,
            "polls": len(poller.poll_ms), "poll_ms": dist(poller.poll_ms),
            "poller_errors": poller.errors}


def upload_summary(results: dict[int, dict[str, Any]]) -> dict[str, Any]:
    batches = [u for r in results.values() for u in r["uploads"]]
    warnings: dict[str, int] = {}
    for r in results.values():
        for name, n in r["warnings"].items():
            warnings[name] = warnings.get(name, 0) + n
    return {
        "batches": len(batches),
        "changes_per_batch": round(sum(b[1] for b in batches) / len(batches), 2)
        if batches else None,
        "rows_per_batch": round(sum(b[2] for b in batches) / len(batches), 2)
        if batches else None,
        "batch_ms": dist([b[0] for b in batches]),
        "warnings_by_logger": warnings,
        "errors_seen": sum(warnings.values()),
        "error_samples": [x for r in results.values() for x in r["samples"]][:8],
        "last_errors": sorted({r["last_error"] for r in results.values() if r["last_error"]}),
        "changes_left": sum(r["changes_left"] for r in results.values()),
        "qris_left_unpaid": sum(r["awaiting_left"] for r in results.values()),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def other_benches() -> list[str]:
    """Other heavy benches running now (they would disturb the numbers)."""
    done = subprocess.run(["pgrep", "-af", "bench_central_chain"], capture_output=True,
                          text=True, check=False)
    return [line for line in done.stdout.splitlines() if str(os.getpid()) not in line]


# --------------------------------------------------------------------------- main


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=600.0, help="seconds of selling (600)")
    ap.add_argument("--tills", type=int, default=10)
    ap.add_argument("--rate", type=float, default=10.0, help="sales per second, all tills")
    ap.add_argument("--keep", type=Path, help="keep the cluster and the tills' data in DIR")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.tills < 1 or a.rate <= 0 or a.duration <= 0:
        ap.error("--tills, --rate and --duration must be positive")
    if a.keep and a.keep.exists() and any(a.keep.iterdir()):
        ap.error(f"--keep {a.keep}: the directory must be new or empty")

    # SIGTERM ends the run like Ctrl-C: the finally blocks stop the tills and the cluster.
    # SIGINT too, explicitly: a shell starts a background job with SIGINT ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    load_before = os.getloadavg()
    others = other_benches()
    base = a.keep or Path(tempfile.mkdtemp(prefix="pos-load-"))
    base.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        base.chmod(base.stat().st_mode | 0o011)  # the postgres user must reach base/pg
    cluster = start_cluster(base / "pg")
    try:
        central = make_central(cluster)
        t0 = time.time()
        baseline_specs = prepare_tills(base / "baseline", None, a, a.seed)
        baseline = run_phase(baseline_specs, None)
        load_between = os.getloadavg()
        others += [f"after baseline: {x}" for x in other_benches()]
        enrolled_specs = prepare_tills(base / "enrolled", central, a, a.seed)
        poller = Poller(central.owner_url)
        try:
            enrolled = run_phase(enrolled_specs, poller)
            time.sleep(2 * POLL_S)  # the last uploads' rows: one more poll
        finally:
            poller.stop()
        others += [f"after enrolled: {x}" for x in other_benches()]
        check = verify(enrolled_specs, central)
        wall_s = time.time() - t0
    finally:
        cluster.stop()
        if not a.keep:
            shutil.rmtree(base, ignore_errors=True)

    import sqlite3

    mine, theirs = sales_summary(enrolled), sales_summary(baseline)
    lag = lag_summary(enrolled, poller)
    per_till = check.pop("per_till")
    result: dict[str, Any] = {
        "parameters": {
            "duration_s": a.duration, "tills": a.tills, "rate_per_s": a.rate,
            "outlets": sorted({o for o, _ in layout(a.tills)}),
            "sales_per_till": enrolled_specs[0].sales, "interval_s": enrolled_specs[0].interval_s,
            "jitter": f"+-{int(JITTER * 100)} % of the interval",
            "payments": f"cash, every {QRIS_EVERY}rd sale QRIS via the simulator gateway "
                        "(engine-created QR, paid 3 s later by the simulator, engine poll)",
            "baseline": "same sellers, not enrolled, run right before",
            "lag_clock": "this machine: seen = owner poll every 0.2 s (upper bound);"
                         " uploaded_at = pos.orders.uploaded_at (lower bound)",
            "seed": a.seed,
        },
        "sales": {"enrolled": mine, "baseline": theirs},
        "commit_ms": {
            "enrolled": mine["commit_ms"], "baseline": theirs["commit_ms"],
            "ratio_p50": ratio(mine["commit_ms"]["p50"], theirs["commit_ms"]["p50"]),
            "ratio_p99": ratio(mine["commit_ms"]["p99"], theirs["commit_ms"]["p99"]),
            "call_ratio_p99": ratio(mine["call_ms"]["p99"], theirs["call_ms"]["p99"]),
        },
        "lag_s": lag,
        **{k: check[k] for k in ("missing", "duplicated", "extra", "wrong_till",
                                 "stale_status", "totals_match", "lines_match",
                                 "payments_match", "shifts_match")},
        "check": check,
        "uploads": upload_summary(enrolled),
        "per_till": per_till,
        "targets": TARGETS,
        "wall_s": round(wall_s, 1),
        "machine": {
            "nproc": os.cpu_count(), "load_before": [round(x, 2) for x in load_before],
            "load_between": [round(x, 2) for x in load_between],
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "other_benches_seen": others, "python": platform.python_version(),
            "postgres": central.server_version, "sqlite": sqlite3.sqlite_version,
            "kept_in": str(a.keep) if a.keep else None,
        },
    }
    p95 = lag["seen"]["p95"]
    r99 = result["commit_ms"]["ratio_p99"]
    result["targets_met"] = {
        "lag_p95": p95 is not None and p95 < TARGETS["lag_p95_s"],
        "none_missing": check["missing"] == 0 and lag["not_paid_locally"] == 0,
        "none_duplicated": check["duplicated"] == 0 and check["extra"] == 0,
        "commit_p99_unchanged": r99 is not None and r99 <= TARGETS["commit_p99_ratio"],
        "totals_match": check["totals_match"] and check["lines_match"]
        and check["payments_match"],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: the tills and the cluster were stopped, nothing printed")
