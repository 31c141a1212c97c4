"""How long the cross-outlet report takes on a chain's central PostgreSQL; prints one JSON object.

Not a test: run by hand. It starts a throwaway PostgreSQL 15 cluster (initdb + pg_ctl in a
temporary directory, or ``--keep DIR``; as root the programs run as ``postgres``; the settings
of a small dedicated server: shared_buffers 2GB, work_mem 32MB), applies the central schema
(``pos_app.central.schema.apply_schema``) and generates a chain:

* ``--outlets`` outlets (50) x ``--days`` days (90, from 2026-01-01: three monthly
  partitions) x ``--per-day`` orders (1,000) per outlet and day, two tills per outlet: 4.5
  million orders, 13.5 million order lines (3 per order) and 4.5 million payments, plus one
  shift per till and day, refunds (0.3 % of sales), statement credits (every QRIS paid through
  the mutasi provider is seen by both tills of its outlet: a matched row and an unmatched one)
  and two stray credits per outlet and day. ``--scale 0.1`` makes a tenth of the orders a day.
* Statuses as a shop sees them, on the pessimistic side: ~93 % paid (70 % of them cash),
  expired and unconfirmed QRIS, voids, late payments waiting, accepted and given back (~6 % of
  the orders end up in a reconciliation list); PPN included at every fifth outlet.

Generation is server-side ``INSERT ... SELECT`` over ``generate_series`` -- nothing crosses the
wire, which beats COPY from Python here (COPY would have to make 22 million rows in Python
first) -- one statement per month and half of the outlets, on two connections at once, rows
written day by day as uploads would arrive. Every value is a function of the order's number
(``hashint8``), so orders, lines and payments agree without reading each other back. Then the
pre-aggregated sales and the report's indexes are installed and filled from those rows
(``pos_app.central.reports.install_summaries``, timed as ``summaries_s``: a chain upgrading),
and VACUUM ANALYZE.

Then it times :func:`pos_app.central.reports.build_central_report`, as a ``pos_owner`` login
(row-level security on), median of ``--runs`` runs after one warm-up run each:

* ``day_all``: one day, every outlet, the whole JSON (50,000 orders listed) -- target < 500 ms;
* ``month_all``: one calendar month, every outlet, as text and CSV ask for it (``detail=False``:
  the 1.5 million orders are not listed) -- target < 3 s;
* ``day_one`` / ``month_one``: one outlet; ``day_all_brief``: the day without the lists;
* ``month_all_detail``: the month with every order listed (the JSON), for scale;
* ``day_all_rows`` / ``month_all_rows``: the same reports computed from the sales rows
  (``summaries=False``), which is why the summaries exist.

It prints each report's queries with their times, ``EXPLAIN (ANALYZE, BUFFERS)`` of the
slowest query of the report furthest from its target and of the day's slowest, the database
size (``pg_database_size``; each table with its partitions and indexes), and ``upload``: what
the summary triggers cost an upload (2,000 orders with their lines and payments upserted with
sync.central's statements, with and without the triggers, rolled back).

Run:  .venv/bin/python bench/bench_central_chain.py [--scale 1] [--keep DIR] [--runs 5]
A second run with the same ``--keep DIR`` (and scale) reuses the data: no generation.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from pos_app.central import reports  # noqa: E402
from pos_app.central.reports import build_central_report, install_summaries  # noqa: E402
from pos_app.central.schema import apply_schema, ensure_partitions  # noqa: E402
from tests.pg_cluster import find_bindir  # noqa: E402

FIRST_DAY = date(2026, 1, 1)
TZ = ZoneInfo("Asia/Jakarta")
TARGETS_MS = {"day_all": 500, "month_all": 3000}
DBNAME = "central"
OWNER = "bench_owner"
# The server as a small dedicated central box would run it (23 GB RAM machine, shared).
SERVER_OPTIONS = ("-c shared_buffers=2GB -c work_mem=32MB -c maintenance_work_mem=512MB"
                  " -c effective_cache_size=8GB -c random_page_cost=1.1 -c max_wal_size=8GB"
                  " -c checkpoint_timeout=30min -c fsync=off -c synchronous_commit=off"
                  " -c full_page_writes=off -c listen_addresses='' -c max_connections=20")



# -- the cluster ---------------------------------------------------------------------------------

class Cluster:
    def __init__(self, base: Path) -> None:
        bindir = find_bindir()
        if bindir is None:
            sys.exit("PostgreSQL is not installed (no initdb)")
        self.bindir = bindir
        self.base = base
        self.datadir = base / "data"
        self.port = 55000 + os.getpid() % 5000
        self.as_postgres: tuple[str, ...] = ()
        if os.geteuid() == 0:
            self.as_postgres = ("runuser", "-u", "postgres", "--")
            shutil.chown(base, "postgres")

    def run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.as_postgres, str(self.bindir / program), *args],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            sys.exit(f"{program} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> bool:
        """Start it (initdb first when there is none); True when it is new."""
        new = not (self.datadir / "PG_VERSION").exists()
        if new:
            self.run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                     "--encoding=UTF8", "--locale=C", "--no-sync")
        self.run("pg_ctl", "start", "-D", str(self.datadir), "-w", "-t", "120", "-l",
                 str(self.base / "server.log"), "-o",
                 f"-p {self.port} -k {self.base} {SERVER_OPTIONS}")
        return new

    def stop(self) -> None:
        subprocess.run([*self.as_postgres, str(self.bindir / "pg_ctl"), "stop", "-D",
                        str(self.datadir), "-m", "fast", "-w"], capture_output=True, timeout=300)

    def connect(self, dbname: str = DBNAME, user: str = "postgres", **kw: Any
                ) -> psycopg.Connection[Any]:
        return psycopg.connect(host=str(self.base), port=self.port, dbname=dbname, user=user,
                               **kw)


# -- the chain -----------------------------------------------------------------------------------

# Helpers inlined by the planner (IMMUTABLE SQL): every value is a function of the order's
# number i, so the three tables agree without reading each other back.
HELPERS = """
CREATE SCHEMA IF NOT EXISTS bench;
CREATE OR REPLACE FUNCTION bench.h(i bigint, salt int) RETURNS int IMMUTABLE PARALLEL SAFE
    LANGUAGE sql AS 'SELECT abs(hashint8($1 * 7 + $2))';
CREATE TABLE IF NOT EXISTS bench.meta (outlets int, days int, per_day int, generated_s float8,
                                       summaries_s float8);
"""

# One (month, outlet range): orders, their payments and their lines in one statement. The
# materialised CTE ``g`` holds the orders' figures once, in the order tills would have uploaded
# them (by day and time: a day's rows of every outlet end up on neighbouring pages, as on a
# real central server; outlet by outlet would scatter a day over the whole month).
GENERATE = """
WITH g AS MATERIALIZED (
    SELECT i, o, d, n, day, h, outlet_id, terminal, order_uuid, seq,
           k1, k2, k3, net1, net2, net3, subtotal, odisc, subtotal - odisc AS total, taxed,
           CASE WHEN b < 930 OR b >= 980 THEN 'paid' WHEN b < 950 THEN 'expired'
                WHEN b < 960 THEN 'awaiting_payment' WHEN b < 970 THEN 'cancelled'
                WHEN b < 975 THEN 'late_payment' ELSE 'refunded' END AS status,
           CASE WHEN (b < 930 AND (h / 1000) %% 10 < 7) OR b >= 990 THEN 'cash'
                ELSE 'qris' END AS method,
           b, created_at, shift_id, cashier
    FROM (
        SELECT i, o, d, n, day, h, h %% 1000 AS b,
               format('outlet-%%s', lpad(o::text, 2, '0')) AS outlet_id,
               CASE WHEN n %% 2 = 0 THEN 'K1' ELSE 'K2' END AS terminal,
               md5(i::text)::uuid AS order_uuid, n / 2 + 1 AS seq,
               k1, k2, k3,
               (2000 + k1 * 250) * (1 + k1 %% 3) AS net1,
               (2000 + k2 * 250) * (1 + k2 %% 3) AS net2,
               (2000 + k3 * 250) * (1 + k3 %% 3) AS net3,
               (2000 + k1 * 250) * (1 + k1 %% 3) + (2000 + k2 * 250) * (1 + k2 %% 3)
                 + (2000 + k3 * 250) * (1 + k3 %% 3) AS subtotal,
               CASE WHEN (h / 100000) %% 10 = 0 THEN 1000 ELSE 0 END AS odisc,
               o %% 5 = 0 AS taxed,
               ((day + time '07:00' + make_interval(secs => n * 50400.0 / %(per_day)s::int
                                                      + (h %% 40)))
                 AT TIME ZONE 'Asia/Jakarta') AS created_at,
               md5(format('shift-%%s-%%s-%%s', o, d, n %% 2))::uuid::text AS shift_id,
               (ARRAY['Sri', 'Budi', 'Ani', 'Dewi'])[1 + (n %% 2) * 2
                 + (CASE WHEN n * 2 < %(per_day)s::int THEN 0 ELSE 1 END)] AS cashier
        FROM generate_series(%(d0)s::int, %(d1)s::int) d,
             generate_series(%(o0)s::int, %(o1)s::int) o,
             generate_series(0, %(per_day)s::int - 1) n,
             LATERAL (SELECT ((o::bigint * %(days)s::int + d) * %(per_day)s::int + n) AS i,
                             %(first)s::date + d AS day) x,
             LATERAL (SELECT bench.h(x.i, 0) AS h, bench.h(x.i, 1) %% 200 AS k1,
                             bench.h(x.i, 2) %% 200 AS k2, bench.h(x.i, 3) %% 200 AS k3) y
    ) raw
    -- Written day by day, as uploads arrive: a day's rows sit together on disk.
    ORDER BY d, created_at, o
),
orders AS (
    INSERT INTO pos.orders (outlet_id, uuid, order_id, terminal_id, business_date, seq,
        status, subtotal, line_discounts, order_discount, tax_mode, tax_rate_bp, tax, total,
        note, cashier, cashier_id, shift_id, void_reason, voided_by, created_at, updated_at,
        paid_at)
    SELECT outlet_id, order_uuid,
           format('%%s-%%s-%%s', terminal, to_char(day, 'YYYYMMDD'), lpad(seq::text, 4, '0')),
           terminal, day, seq, status, subtotal, 0, odisc,
           CASE WHEN taxed THEN 'included' ELSE 'off' END, CASE WHEN taxed THEN 1100 ELSE 0 END,
           CASE WHEN taxed THEN (total * 1100 * 2 + 11100) / (2 * 11100) ELSE 0 END, total,
           '', cashier, NULL, shift_id,
           CASE WHEN status = 'cancelled' THEN 'salah input' END,
           CASE WHEN status = 'cancelled' THEN 'Bu Ani' END,
           created_at, created_at + interval '40 s',
           CASE WHEN status = 'paid' THEN created_at + interval '20 s' END
    FROM g
),
payments AS (
    INSERT INTO pos.payments (outlet_id, id, order_uuid, business_date, method, provider,
        amount, payable_amount, unique_code, tendered, change_given, paid_amount, provider_ref,
        status, error, created_at, updated_at, expires_at, paid_at)
    SELECT outlet_id, md5('p' || i)::uuid::text, order_uuid, day, method,
           CASE WHEN method = 'qris'
                THEN (ARRAY['orkut', 'pakasir', 'midtrans'])[1 + (h / 10000) %% 3] END,
           total, total + CASE WHEN method = 'qris' THEN 1 + h %% 300 ELSE 0 END,
           CASE WHEN method = 'qris' THEN 1 + h %% 300 ELSE 0 END,
           CASE WHEN method = 'cash' THEN total + 5000 END,
           CASE WHEN method = 'cash' THEN 5000 END,
           CASE WHEN status IN ('paid', 'late_payment', 'refunded')
                THEN total + CASE WHEN method = 'qris' THEN 1 + h %% 300 ELSE 0 END END,
           CASE WHEN method = 'qris' AND status IN ('paid', 'late_payment', 'refunded')
                THEN 'REF-' || i END,
           CASE WHEN method = 'cash' THEN 'paid'
                WHEN status = 'paid' AND b >= 980 THEN 'late'
                WHEN status = 'paid' THEN 'paid'
                WHEN status IN ('late_payment', 'refunded') THEN 'late'
                WHEN status = 'expired' THEN 'expired'
                WHEN status = 'cancelled' THEN 'cancelled'
                ELSE 'pending' END,
           NULL, created_at, created_at + interval '40 s', created_at + interval '10 min',
           CASE WHEN status IN ('paid', 'late_payment', 'refunded')
                THEN created_at + interval '20 s' END
    FROM g
)
INSERT INTO pos.order_lines (outlet_id, order_uuid, business_date, line_no, sku, name,
    category, unit_price, quantity, discount, net)
SELECT g.outlet_id, g.order_uuid, g.day, l.no, 'SKU-' || lpad(l.k::text, 3, '0'),
       'Produk ' || l.k, 'Kategori ' || l.k %% 10, 2000 + l.k * 250, 1 + l.k %% 3, 0, l.net
FROM g CROSS JOIN LATERAL (VALUES (1, g.k1, g.net1), (2, g.k2, g.net2), (3, g.k3, g.net3))
    AS l (no, k, net)
"""

# Shifts, refunds and credits of the same (month, outlet range), read back from the orders
# just made (a few percent of them).
EXTRAS = """
INSERT INTO pos.shifts (outlet_id, id, terminal_id, business_date, status, opened_by,
    opened_at, opening_float, closed_by, closed_at, expected_cash, counted_cash, counts, note)
SELECT format('outlet-%%s', lpad(o::text, 2, '0')),
       md5(format('shift-%%s-%%s-%%s', o, d, t))::uuid::text,
       CASE WHEN t = 0 THEN 'K1' ELSE 'K2' END, %(first)s::date + d,
       CASE WHEN d = %(days)s::int - 1 THEN 'open' ELSE 'closed' END,
       CASE WHEN t = 0 THEN 'Sri' ELSE 'Ani' END,
       ((%(first)s::date + d) + time '06:30') AT TIME ZONE 'Asia/Jakarta', 200000,
       CASE WHEN d < %(days)s::int - 1 THEN 'Budi' END,
       CASE WHEN d < %(days)s::int - 1
            THEN ((%(first)s::date + d) + time '21:30') AT TIME ZONE 'Asia/Jakarta' END,
       CASE WHEN d < %(days)s::int - 1 THEN 1200000 END,
       CASE WHEN d < %(days)s::int - 1 THEN 1200000 END, NULL, ''
FROM generate_series(%(o0)s::int, %(o1)s::int) o, generate_series(%(d0)s::int, %(d1)s::int) d,
     generate_series(0, 1) t;

-- A refund of 0.3 %% of the paid orders: the first line, the same day, in the till's shift.
WITH r AS (
    SELECT o.*, md5('r' || o.uuid::text)::uuid::text AS rid, p.method AS paid_with
    FROM pos.orders o JOIN pos.payments p
      ON p.order_uuid = o.uuid AND p.business_date = o.business_date
    WHERE o.business_date BETWEEN %(first)s::date + %(d0)s::int AND %(first)s::date + %(d1)s::int
      AND o.outlet_id BETWEEN format('outlet-%%s', lpad(%(o0)s::int::text, 2, '0'))
                          AND format('outlet-%%s', lpad(%(o1)s::int::text, 2, '0'))
      AND o.status = 'paid' AND abs(hashint8(o.seq * 31 + extract(doy FROM o.business_date)::int
                                             + length(o.outlet_id))) %% 1000 < 3
), refunds AS (
    INSERT INTO pos.refunds (outlet_id, id, order_uuid, business_date, shift_id, created_at,
        cashier, approved_by, reason, method, amount, paid_back, paid_back_at)
    SELECT r.outlet_id, rid, r.uuid, r.business_date, r.shift_id,
           r.created_at + interval '2 hours', r.cashier, 'Bu Ani', 'rusak', r.paid_with,
           l.net, CASE WHEN r.paid_with = 'cash' THEN 'cash' ELSE 'owed' END,
           CASE WHEN r.paid_with = 'cash' THEN r.created_at + interval '2 hours' END
    FROM r JOIN pos.order_lines l
      ON l.order_uuid = r.uuid AND l.business_date = r.business_date AND l.line_no = 1
)
INSERT INTO pos.refund_lines (outlet_id, refund_id, line_no, quantity, amount)
SELECT r.outlet_id, r.rid, 1, l.quantity, l.net
FROM r JOIN pos.order_lines l
  ON l.order_uuid = r.uuid AND l.business_date = r.business_date AND l.line_no = 1;

-- Statement credits: a QRIS paid (or paid late) through the mutasi provider is matched on
-- its till, and seen unmatched by the other till of the outlet (one account, two readers).
INSERT INTO pos.credits (outlet_id, terminal_id, source, credit_id, account, amount,
    credited_at, precision, description, seen_at, status, payment_id, note)
SELECT p.outlet_id, t.terminal, 'orkut', 'CR-' || p.provider_ref, 'acct-' || p.outlet_id,
       p.paid_amount, p.paid_at - interval '5 s', 'second', '', p.paid_at,
       CASE WHEN t.terminal <> o.terminal_id THEN 'unmatched'
            WHEN p.status = 'late' THEN 'late' ELSE 'matched' END,
       CASE WHEN t.terminal = o.terminal_id THEN p.id END, ''
FROM pos.payments p JOIN pos.orders o
  ON o.uuid = p.order_uuid AND o.business_date = p.business_date
CROSS JOIN (VALUES ('K1'), ('K2')) t (terminal)
WHERE p.business_date BETWEEN %(first)s::date + %(d0)s::int AND %(first)s::date + %(d1)s::int
  AND p.outlet_id BETWEEN format('outlet-%%s', lpad(%(o0)s::int::text, 2, '0'))
                      AND format('outlet-%%s', lpad(%(o1)s::int::text, 2, '0'))
  AND p.provider = 'orkut' AND p.status IN ('paid', 'late');

-- Money nobody rang up: two stray credits per outlet and day, seen by both tills.
INSERT INTO pos.credits (outlet_id, terminal_id, source, credit_id, account, amount,
    credited_at, precision, description, seen_at, status, payment_id, note)
SELECT format('outlet-%%s', lpad(o::text, 2, '0')), t, 'orkut',
       format('STRAY-%%s-%%s-%%s', o, d, s), format('acct-outlet-%%s', lpad(o::text, 2, '0')),
       1000 + s * 777, ((%(first)s::date + d) + time '12:00' + s * interval '3 hours')
         AT TIME ZONE 'Asia/Jakarta',
       'second', '', now(), CASE WHEN s = 0 THEN 'unmatched' ELSE 'review' END, NULL, ''
FROM generate_series(%(o0)s::int, %(o1)s::int) o, generate_series(%(d0)s::int, %(d1)s::int) d,
     generate_series(0, 1) s, (VALUES ('K1'), ('K2')) tt (t);
"""


def _months(first: date, days: int) -> list[tuple[int, int]]:
    """(first day offset, last day offset) of each calendar month of the range."""
    out, d = [], 0
    while d < days:
        day = first + timedelta(days=d)
        nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        end = min(days, (nxt - first).days) - 1
        out.append((d, end))
        d = end + 1
    return out


def generate(cluster: Cluster, outlets: int, days: int, per_day: int) -> float:
    """Make the chain; returns the seconds it took (schema, rows, ANALYZE)."""
    started = time.perf_counter()
    with cluster.connect("postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DBNAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DBNAME}")
    with cluster.connect() as conn:
        apply_schema(conn, today=FIRST_DAY)
        ensure_partitions(conn, FIRST_DAY, FIRST_DAY + timedelta(days=days - 1))
        with conn.transaction():
            conn.execute(HELPERS)
            conn.execute("INSERT INTO pos.outlets (outlet_id, name)"
                         " SELECT format('outlet-%%s', lpad(o::text, 2, '0')),"
                         "        format('Outlet %%s', lpad(o::text, 2, '0'))"
                         " FROM generate_series(0, %s - 1) o", (outlets,))
    half = max(1, outlets // 2)
    chunks = [(o0, min(outlets, o0 + half) - 1, d0, d1)
              for d0, d1 in _months(FIRST_DAY, days) for o0 in range(0, outlets, half)]
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        with cluster.connect(autocommit=True) as conn:
            conn.execute("SET work_mem = '256MB'")
            while True:
                with lock:
                    if not chunks or errors:
                        return
                    o0, o1, d0, d1 = chunks.pop(0)
                params = {"o0": o0, "o1": o1, "d0": d0, "d1": d1, "days": days,
                          "per_day": per_day, "first": FIRST_DAY}
                try:
                    t = time.perf_counter()
                    conn.execute(GENERATE, params)
                    for statement in EXTRAS.split(";\n"):
                        if statement.strip():
                            conn.execute(statement, params)
                    print(f"  outlets {o0}-{o1}, days {d0}-{d1}: "
                          f"{time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
                except BaseException as exc:
                    with lock:
                        errors.append(exc)
                    return

    threads = [threading.Thread(target=worker) for _ in range(2)]  # the machine's two CPUs
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    with cluster.connect() as conn:
        # After the rows, as a chain that upgrades would: the summaries are filled from the
        # sales already there (the triggers keep them from then on).
        t = time.perf_counter()
        install_summaries(conn)
        summaries_s = time.perf_counter() - t
        print(f"  summaries and report indexes: {summaries_s:.1f} s", file=sys.stderr)
    with cluster.connect(autocommit=True) as conn:
        t = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")  # also sets the visibility map: index-only scans
        print(f"  vacuum analyze: {time.perf_counter() - t:.1f} s", file=sys.stderr)
        seconds = time.perf_counter() - started
        conn.execute("INSERT INTO bench.meta VALUES (%s, %s, %s, %s, %s)",
                     (outlets, days, per_day, seconds, summaries_s))
        conn.execute(f"DROP ROLE IF EXISTS {OWNER}")
        conn.execute(f"CREATE ROLE {OWNER} LOGIN IN ROLE pos_owner")
    return seconds


def existing(cluster: Cluster) -> tuple[int, int, int, float, float] | None:
    try:
        with cluster.connect(autocommit=True) as conn:
            row = conn.execute("SELECT outlets, days, per_day, generated_s, summaries_s"
                               " FROM bench.meta").fetchone()
    except psycopg.Error:
        return None
    return (int(row[0]), int(row[1]), int(row[2]), float(row[3]),
            float(row[4])) if row else None


def upload_cost(cluster: Cluster, day: date, orders: int = 2000, runs: int = 3
                ) -> dict[str, Any]:
    """What the summary triggers cost an upload: ``orders`` paid cash orders (3 lines and a
    payment each) upserted with sync.central's own statements in one transaction, with the
    triggers and without (``session_replication_role = replica``), rolled back each time."""
    import uuid as uuidlib
    from datetime import UTC, datetime

    from sync.central import ORDER_LINES, ORDERS, PAYMENTS

    at = datetime.combine(day, datetime.min.time(), UTC)
    rows_o, rows_l, rows_p = [], [], []
    for n in range(orders):
        u = uuidlib.uuid4()
        rows_o.append(("outlet-00", u, f"K9-{day:%Y%m%d}-{n:04d}", "K9", day, n + 1, "paid",
                       30000, 0, 0, "off", 0, 0, 30000, "", "Sri", None, None, None, None,
                       at, at, at))
        rows_l += [("outlet-00", u, day, i, f"SKU-{(n + i) % 200:03d}", "Produk", "", 10000, 1,
                    0, 10000) for i in (1, 2, 3)]
        rows_p.append(("outlet-00", str(uuidlib.uuid4()), u, day, "cash", None, 30000, 30000, 0,
                       40000, 10000, 30000, None, "paid", None, at, at, None, at))
    out: dict[str, Any] = {"orders": orders, "rows": orders * 5}
    with cluster.connect() as conn:
        for label, replica in (("with_triggers_ms", False), ("without_triggers_ms", True)):
            samples = []
            for _ in range(runs):
                with conn.transaction(force_rollback=True), conn.cursor() as cur:
                    if replica:
                        cur.execute("SET LOCAL session_replication_role = replica")
                    t = time.perf_counter()
                    cur.executemany(ORDERS.upsert, rows_o)
                    cur.executemany(ORDER_LINES.upsert, rows_l)
                    cur.executemany(PAYMENTS.upsert, rows_p)
                    samples.append((time.perf_counter() - t) * 1000)
            out[label] = round(statistics.median(samples), 1)
    out["per_order_ms"] = {k.removesuffix("_ms"): round(out[k] / orders, 3)
                           for k in ("with_triggers_ms", "without_triggers_ms")}
    return out


# -- measuring -----------------------------------------------------------------------------------

def timed(fn: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    """Median milliseconds of ``runs`` calls after one warm-up call, and every sample."""
    fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(round((time.perf_counter() - t) * 1000, 1))
    return statistics.median(samples), samples


@contextmanager
def recording() -> Iterator[list[tuple[str, dict[str, Any], float]]]:
    """Every query the report runs, with its parameters and milliseconds."""
    seen: list[tuple[str, dict[str, Any], float]] = []
    original = reports._Reader.all

    def spy(self: Any, sql: str, extra: dict[str, Any] | None = None) -> Any:
        t = time.perf_counter()
        rows = original(self, sql, extra)
        seen.append((sql, {**self.params, **(extra or {})}, (time.perf_counter() - t) * 1000))
        return rows

    reports._Reader.all = spy  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        reports._Reader.all = original  # type: ignore[method-assign]


def _walk(node: dict[str, Any], out: list[str], depth: int = 0) -> None:
    what = node["Node Type"]
    if node.get("Relation Name"):
        what += f" on {node['Relation Name']}"
    if node.get("Index Name"):
        what += f" using {node['Index Name']}"
    if node.get("Subplans Removed"):
        what += f" ({node['Subplans Removed']} partitions pruned at run time)"
    hit = node.get("Shared Hit Blocks", 0)
    read = node.get("Shared Read Blocks", 0)
    loops = node.get("Actual Loops", 1)
    out.append(f"{'  ' * depth}{what}: rows={node.get('Actual Rows')} loops={loops}"
               f" time={node.get('Actual Total Time')} ms buffers hit={hit} read={read}"
               + (f" workers={node['Workers Launched']}" if "Workers Launched" in node else ""))
    for child in node.get("Plans", []):
        if len(out) < 60:
            _walk(child, out, depth + 1)


def explain(conn: psycopg.Connection[Any], sql: str, params: dict[str, Any]) -> dict[str, Any]:
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params,
                           prepare=False).fetchone()
    plan = row[0][0]
    lines: list[str] = []
    _walk(plan["Plan"], lines)
    return {"planning_ms": round(plan["Planning Time"], 1),
            "execution_ms": round(plan["Execution Time"], 1), "plan": lines}


def sizes(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """The database, and each table with its partitions and indexes, in MB."""
    mb = 1024 * 1024
    out: dict[str, Any] = {"database_mb": round(conn.execute(
        "SELECT pg_database_size(current_database())").fetchone()[0] / mb, 1)}
    # pg_partition_tree lists nothing for a table that is not partitioned.
    rows = conn.execute(
        "SELECT c.relname,"
        " coalesce((SELECT sum(pg_table_size(t.relid)) FROM pg_partition_tree(c.oid) t),"
        "          pg_table_size(c.oid)),"
        " coalesce((SELECT sum(pg_indexes_size(t.relid)) FROM pg_partition_tree(c.oid) t),"
        "          pg_indexes_size(c.oid)),"
        " (SELECT count(*) FROM pg_partition_tree(c.oid) t WHERE t.isleaf AND c.relkind = 'p')"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'pos' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        " ORDER BY 2 DESC").fetchall()
    out["tables"] = {name: {"table_mb": round(int(t or 0) / mb, 1),
                            "indexes_mb": round(int(i or 0) / mb, 1), "partitions": int(p)}
                     for name, t, i, p in rows if (t or 0) + (i or 0) > 65536}
    out["rows"] = {t: int(conn.execute(f"SELECT count(*) FROM pos.{t}").fetchone()[0])
                   for t in ("orders", "order_lines", "payments", "refunds", "shifts",
                             "credits", "sales_by_slot", "sales_by_payment",
                             "sales_by_product")}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0,
                    help="fraction of --per-day orders (0.1: a tenth)")
    ap.add_argument("--outlets", type=int, default=50)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--per-day", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", metavar="DIR", help="keep the cluster here (reused next time)")
    args = ap.parse_args()
    per_day = max(2, round(args.per_day * args.scale))
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="pos-bench-pg-"))
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o700)
    cluster = Cluster(base)
    cluster.start()
    result: dict[str, Any] = {"outlets": args.outlets, "days": args.days, "per_day": per_day}
    try:
        have = existing(cluster)
        if have is not None and have[:3] == (args.outlets, args.days, per_day):
            result["generated_s"] = round(have[3], 1)
            result["generation"] = "reused (--keep)"
        else:
            print(f"generating {args.outlets} x {args.days} x {per_day} orders ...",
                  file=sys.stderr, flush=True)
            result["generated_s"] = round(generate(cluster, args.outlets, args.days,
                                                   per_day), 1)
            result["generation"] = "server-side INSERT ... SELECT generate_series, 2 connections"
        if have is not None and have[:3] == (args.outlets, args.days, per_day):
            result["summaries_s"] = round(have[4], 1)
            with cluster.connect() as conn:  # a newer DDL replaces the functions; no refill
                install_summaries(conn)
        else:
            again = existing(cluster)
            result["summaries_s"] = round(again[4], 1) if again else None
        with cluster.connect(autocommit=True) as conn:
            result["size"] = sizes(conn)
        day = FIRST_DAY + timedelta(days=min(args.days - 1, 45))
        month_first = FIRST_DAY + timedelta(days=max(0, args.days - 1))
        month_first = month_first.replace(day=1)
        month_last = min(FIRST_DAY + timedelta(days=args.days - 1),
                         date(month_first.year + (month_first.month == 12),
                              month_first.month % 12 + 1, 1) - timedelta(days=1))
        one = f"Outlet {min(7, args.outlets - 1):02d}"
        # name: (first, last, outlet, detail, summaries)
        cases: dict[str, tuple[date, date, str | None, bool, bool]] = {
            "day_all": (day, day, None, True, True),
            "day_all_brief": (day, day, None, False, True),
            "day_one": (day, day, one, True, True),
            "month_all": (month_first, month_last, None, False, True),
            "month_one": (month_first, month_last, one, False, True),
            "month_all_detail": (month_first, month_last, None, True, True),
            "day_all_rows": (day, day, None, True, False),
            "month_all_rows": (month_first, month_last, None, False, False),
        }
        result["cases"] = {
            k: f"{a}..{b} {o or 'all'}{'' if d else ', detail=False'}"
               f"{'' if m else ', from the sales rows (no summaries)'}"
            for k, (a, b, o, d, m) in cases.items()}
        timings: dict[str, Any] = {}
        samples: dict[str, list[float]] = {}
        queries: dict[str, list[tuple[str, dict[str, Any], float]]] = {}
        with cluster.connect(user=OWNER, autocommit=True) as conn:
            for name, (a, b, o, d, m) in cases.items():
                slow = name in ("month_all_detail", "month_all_rows")
                runs = max(1, min(args.runs, 3)) if slow else args.runs
                ms, samples[name] = timed(
                    lambda a=a, b=b, o=o, d=d, m=m: build_central_report(
                        conn, a, b, TZ, o, detail=d, summaries=m), runs)
                timings[name] = round(ms, 1)
                with recording() as seen:
                    report = build_central_report(conn, a, b, TZ, o, detail=d, summaries=m)
                queries[name] = seen
                print(f"  {name}: {ms:.0f} ms ({report['order_count']} paid orders,"
                      f" {len(report['orders'])} listed)", file=sys.stderr, flush=True)
            result["median_ms"] = timings
            result["samples_ms"] = samples
            result["targets_ms"] = TARGETS_MS
            result["met"] = {k: timings[k] < v for k, v in TARGETS_MS.items()}
            result["queries_ms"] = {
                name: [f"{round(ms, 1)} ms: {_label(sql)}" for sql, _, ms in seen]
                for name, seen in queries.items()}
            # The slowest query of each report that has a target.
            result["explain"] = {}
            for case in TARGETS_MS:
                sql, params, _ = max(queries[case], key=lambda q: q[2])
                result["explain"][case] = {"query": _label(sql), **explain(conn, sql, params)}
        result["upload"] = upload_cost(cluster, FIRST_DAY + timedelta(days=args.days - 1))
    finally:
        cluster.stop()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(result, indent=1))
    return 0


def _label(sql: str) -> str:
    """A short name for a report query: its first words after SELECT."""
    text = " ".join(sql.split())
    frm = text.find(" FROM ")
    head = text[:frm] if frm > 0 else text
    return (head[:70] + " ...") if len(head) > 70 else head


if __name__ == "__main__":
    sys.exit(main())
