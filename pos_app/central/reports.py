"""The owner's report across outlets, computed on the central PostgreSQL (issue 14).

:func:`build_central_report` returns the object :func:`pos_app.reports.build_report` returns
for one till -- every key, the same meanings, the same rules (docs/report-schema.json, SPEC.md
section 3) -- for one outlet or for all of them, plus:

* ``outlet``: the outlet's name, or ``"all"``;
* ``outlets`` (for ``"all"`` only): one summary per outlet (``outlet``, ``order_count``,
  ``gross_sales``, ``discounts``, ``tax``, ``net_sales``, ``collected``, ``refunds`` -- the
  amount refunded in the range -- and ``by_payment_method``), every outlet listed even without
  sales, so a table of outlets and a total column add up;
* ``outlet`` in every item that names an order, a shift, a cashier or a credit (``orders``,
  ``by_cashier``, ``refunds.items``, ``voids.items``, ``shifts``, the reconciliation lists):
  order ids (``K1-20261206-0001``) are only unique per till, and two outlets' K1 tills make the
  same ones;
* ``detail``: False when the caller asked for the report without the two lists that grow with
  every sale (``orders`` and ``reconciliation.matched.items`` are then empty, their counts and
  amounts are not). The text and CSV renderings print neither list, so they ask for the report
  without them: a month of fifty outlets is 1.5 million orders.

The rules, as on the till (see :mod:`pos_app.reports`, whose docstring is the reference):
sales count *paid* orders of the store-local business days of the range; a refund counts on
the day it was made (``refunds.business_date``); an order left ``refunded`` is a late payment
given back, not a sale; a void is an unpaid order with ``voided_by`` set; a shift's expected
cash is its float + its cash sales - its cash refunds (a closed shift keeps the figure it was
closed with); hours are local hours in the report's zone. Two rules only a chain has:

* **Unmatched credits.** Tills of one outlet that share a mutasi account each see every credit
  on it and each keep a row (``pos.credits`` is keyed by terminal). A credit is one credit per
  outlet and ``(source, credit_id)``; it is *matched* when any till matched it (the other
  tills, having no sale for it, left it "unmatched"), and listed as unmatched only when no till
  matched it (``needs_review`` when any till flagged it for review).
* **Names across outlets.** ``by_cashier`` is per outlet and cashier (two outlets' "Sri" are
  two people); ``top_products`` adds up a SKU across outlets (a chain's SKU is one product).

How it is computed, and why:

* Everything is SQL on PostgreSQL; only grouped rows (per outlet, day, hour, cashier, method,
  SKU, shift) and the lists that name orders (refunds, voids, shifts, late payments,
  unconfirmed sales, unmatched credits -- and every order when ``detail`` asks for them) come
  back to Python.
* The figures that only add up come from **pre-aggregated sales** (``pos.sales_by_slot``,
  ``pos.sales_by_payment``, ``pos.sales_by_product``: per till and day), kept by triggers in
  the same transaction as each upload (:data:`SUMMARIES_DDL`, :func:`install_summaries`; why
  and how they stay exact is written above the DDL). Without them (not installed, or
  ``summaries=False``) the same figures are aggregated from the sales rows: the same report,
  slower -- a month of 50 outlets takes ~8 s from the rows and ~2 s with the summaries.
* Every query names the range as ``business_date BETWEEN first AND last`` on the partition key,
  so PostgreSQL reads only the monthly partitions of the range, and the ``*_by_day`` indexes of
  :mod:`pos_app.central.schema` find a day inside a month (the summaries' keys start with the
  day). A payment and an order line carry their order's ``business_date`` and are joined on
  ``(uuid, business_date)``: the joins stay partition to partition. The lists use the indexes
  of :data:`INDEXES_DDL`.
* A shift's orders carry the shift's business day (the till sells with the shift's day, also
  after midnight: ``pos_app.ui.staff_session``), so the cash sales of the range's shifts are
  among the range's orders and come out of the same aggregate as the payment methods. The
  confirmed QRIS payments (``reconciliation.matched`` count and amount) do too: a payment is
  only confirmed while it is its order's latest, and a paid order stays paid.
* All queries run in one ``REPEATABLE READ READ ONLY`` transaction: the sections agree with
  each other while tills upload. Statements are not server-side prepared (``prepare=False``),
  so each is planned for its dates: a day and a year want different plans.
* Money is ``bigint`` rupiah; every ``sum()`` is cast back to ``bigint`` (PostgreSQL widens it
  to ``numeric``), so Python only ever sees ``int``.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import tuple_row

from pos_app.central.errors import CentralError
from pos_app.clock import to_iso
from pos_app.money import format_rupiah
from pos_app.reports import MAX_RANGE_DAYS, TOP_N, report_csv, report_text, shift_entry
from pos_app.storage.refunds import VOIDABLE

__all__ = [
    "ALL",
    "INDEXES_DDL",
    "SUMMARIES_DDL",
    "UnknownOutlet",
    "build_central_report",
    "central_report_csv",
    "central_report_text",
    "install_summaries",
    "outlet_names",
]

#: the ``outlet`` of a report over every outlet
ALL = "all"

_LATE_OUTCOME = {"late_payment": "waiting", "paid": "accepted", "refunded": "refunded"}


class UnknownOutlet(CentralError):
    """No outlet has that name; ``known`` lists the names there are."""

    usage = True
    message_id = "Outlet tidak dikenal."

    def __init__(self, name: str, known: Sequence[str]) -> None:
        listed = ", ".join(known) if known else "none yet"
        super().__init__(f"unknown outlet {name!r} (outlets: {listed})")
        self.name = name
        self.known = list(known)


@dataclass(frozen=True)
class _Scope:
    """What the queries need: the range, its UTC edges, the zone, and the outlet filter."""

    first: date
    last: date
    tz: ZoneInfo
    utc_from: datetime  # local midnight starting ``first``
    utc_to: datetime  # local midnight after ``last``
    outlet_id: str | None  # None: every outlet

    def params(self) -> dict[str, Any]:
        return {"first": self.first, "last": self.last, "tz": self.tz.key,
                "utc_from": self.utc_from, "utc_to": self.utc_to, "outlet": self.outlet_id,
                # refunds of the range's orders (see _orders): never more than a day earlier
                "refunds_from": self.first - timedelta(days=1)}

    def only(self, alias: str) -> str:
        """The outlet condition on ``alias`` (empty for every outlet): written out rather than
        ``(%(outlet)s IS NULL OR ...)``, which would hide the outlet from the planner."""
        return "" if self.outlet_id is None else f" AND {alias}.outlet_id = %(outlet)s"


def _scope(first: date, last: date, tz: ZoneInfo, outlet_id: str | None) -> _Scope:
    """The range rules of :func:`pos_app.reports.build_report`, with the same messages."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    n = (last - first).days + 1
    if n > MAX_RANGE_DAYS:
        raise ValueError(f"a report covers at most {MAX_RANGE_DAYS} days, not {n}")
    # Raises OverflowError when the local day reaches past year 1 or 9999 in UTC, as on the till.
    start = datetime.combine(first, time(0), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(UTC)
    return _Scope(first, last, tz, start, end, outlet_id)


# -- the transaction -----------------------------------------------------------------------------

class _Reader:
    """Plain tuples, statements planned for their own parameters (never prepared)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._cur = conn.cursor(row_factory=tuple_row)
        self.params: dict[str, Any] = {}

    def all(self, sql: str, extra: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        params = self.params if extra is None else {**self.params, **extra}
        self._cur.execute(sql, params, prepare=False)
        return self._cur.fetchall()


@contextmanager
def _snapshot(conn: psycopg.Connection[Any]) -> Iterator[_Reader]:
    """One REPEATABLE READ, READ ONLY transaction for every query of the report, so that the
    totals, the payment methods and the lists describe the same moment even while tills
    upload. Rolled back at the end (it wrote nothing). The connection must be idle: a
    transaction already open would have its own isolation, and its own snapshot."""
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise ValueError("build_central_report needs a connection outside a transaction")
    if conn.autocommit:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    else:  # psycopg sends BEGIN before the first statement: this one sets its mode
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    try:
        yield _Reader(conn)
    except BaseException:
        with contextlib.suppress(psycopg.Error):  # a broken connection: keep the first error
            _end(conn)
        raise
    _end(conn)


def _end(conn: psycopg.Connection[Any]) -> None:
    if not conn.autocommit:
        conn.rollback()
    elif conn.info.transaction_status != TransactionStatus.IDLE:
        conn.execute("ROLLBACK")


# -- outlets -------------------------------------------------------------------------------------

def _outlets(q: _Reader) -> dict[str, str]:
    return {str(oid): str(name) for oid, name in
            q.all("SELECT outlet_id, name FROM pos.outlets ORDER BY name, outlet_id")}


def outlet_names(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """``outlet_id -> name`` of every outlet the connected role may see, by name (a till's
    role sees its own outlet only)."""
    with _snapshot(conn) as q:
        return _outlets(q)


def _resolve(names: dict[str, str], outlet: str | None) -> str | None:
    """The outlet id for ``outlet`` (a name, or an id; case and spacing ignored), None for all.
    Raises :class:`UnknownOutlet`."""
    if outlet is None or outlet.strip().lower() == ALL:
        return None
    wanted = " ".join(outlet.split()).casefold()
    for oid, name in names.items():
        if wanted in (oid.casefold(), " ".join(name.split()).casefold()):
            return oid
    raise UnknownOutlet(outlet, list(names.values()))


# -- SQL -----------------------------------------------------------------------------------------

def _iso(column: str) -> str:
    """A timestamptz as the till writes timestamps (``pos_app.clock.to_iso``): UTC, ms, "Z".
    Formatted by the server: text is cheaper to load than a datetime to convert."""
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"


_RANGE = "business_date BETWEEN %(first)s AND %(last)s"


def _sales(q: _Reader, s: _Scope) -> list[tuple[Any, ...]]:
    """Paid orders, one pass, two hashed grouping sets: by outlet and day (the summary, the
    outlets table, the trend) and by outlet, local hour and cashier (the rows where
    ``grouping(business_date)`` is 1). ``AT TIME ZONE`` converts each moment with the offset of that
    moment, so a zone with summer time needs nothing more."""
    return q.all(
        "SELECT o.outlet_id, o.business_date,"
        " extract(hour FROM o.created_at AT TIME ZONE %(tz)s)::int AS h, o.cashier,"
        " count(*), sum(o.subtotal)::bigint,"
        " sum(o.line_discounts + o.order_discount)::bigint, sum(o.tax)::bigint,"
        " sum(o.total)::bigint, grouping(o.business_date)"
        f" FROM pos.orders o WHERE o.{_RANGE} AND o.status = 'paid'{s.only('o')}"
        " GROUP BY GROUPING SETS ((o.outlet_id, o.business_date), (o.outlet_id, h, o.cashier))")


def _payments(q: _Reader, s: _Scope) -> list[tuple[Any, ...]]:
    """Paid orders by outlet, shift, payment method, provider and payment status (payments
    'paid' or 'late', as on the till) with the amount paid: from these rows come the payment
    methods (overall and per outlet), each shift's cash sales (cash payments 'paid', as the
    till counts its drawer) and the confirmed QRIS payments (a QRIS 'paid': a payment is only
    confirmed while it is its order's latest, and a paid order stays paid). One hash join,
    one hash aggregate; a few rows per shift come back."""
    return q.all(
        "SELECT o.outlet_id, o.shift_id, p.method, p.provider, p.status, count(*),"
        " sum(o.total)::bigint, coalesce(sum(p.paid_amount), 0)::bigint"
        " FROM pos.orders o JOIN pos.payments p"
        "   ON p.order_uuid = o.uuid AND p.business_date = o.business_date"
        f" WHERE o.{_RANGE} AND o.status = 'paid'{s.only('o')}"
        f"   AND p.{_RANGE} AND p.status IN ('paid', 'late'){s.only('p')}"
        " GROUP BY o.outlet_id, o.shift_id, p.method, p.provider, p.status")


def _products(q: _Reader, s: _Scope) -> list[tuple[Any, ...]]:
    """Every SKU sold in paid orders, across outlets: the lines of the range whose order is
    not unpaid. Written as an anti-join against the few unpaid orders rather than a join
    with the paid ones: the hash holds the unpaid (a few percent) instead of every order of
    the range, and the lines are read once. A line's order is always there (an order ships
    with its lines). ``COLLATE "C"``: the name SQLite's ``max()`` would pick (byte order)
    when a SKU was renamed during the range."""
    return q.all(
        "SELECT l.sku, max(l.name COLLATE \"C\"), sum(l.quantity)::bigint, sum(l.net)::bigint"
        f" FROM pos.order_lines l WHERE l.{_RANGE}{s.only('l')}"
        "   AND NOT EXISTS (SELECT FROM pos.orders o WHERE o.uuid = l.order_uuid"
        f"     AND o.business_date = l.business_date AND o.{_RANGE}{s.only('o')}"
        "     AND o.status <> 'paid')"
        " GROUP BY l.sku")


def _refunds(q: _Reader, s: _Scope) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Refunds made in the range (whatever day their order was sold), and their lines.
    The order is found by its uuid alone (it may be of any month: one index probe per
    partition, for a handful of refunds)."""
    items = q.all(
        f"SELECT f.outlet_id, f.id, o.order_id, {_iso('f.created_at')}, f.cashier,"
        " f.approved_by, f.reason, f.method, f.paid_back, f.amount"
        " FROM pos.refunds f LEFT JOIN pos.orders o"
        "   ON o.uuid = f.order_uuid AND o.outlet_id = f.outlet_id"
        f" WHERE f.{_RANGE}{s.only('f')} ORDER BY f.created_at, f.id")
    lines = q.all(
        "SELECT rl.refund_id, rl.line_no, l.sku, l.name, rl.quantity, rl.amount"
        " FROM pos.refunds f JOIN pos.refund_lines rl ON rl.refund_id = f.id"
        " LEFT JOIN pos.orders o ON o.uuid = f.order_uuid AND o.outlet_id = f.outlet_id"
        " LEFT JOIN pos.order_lines l ON l.order_uuid = o.uuid"
        "   AND l.business_date = o.business_date AND l.line_no = rl.line_no"
        f" WHERE f.{_RANGE}{s.only('f')} ORDER BY rl.refund_id, rl.line_no")
    return items, lines


def _shifts(q: _Reader, s: _Scope) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """The range's shifts, and the cash each paid back (refunds by shift: a refund paid back
    later in cash is counted in the shift that paid it, whatever its own day)."""
    rows = q.all(
        "SELECT s.outlet_id, s.id, s.terminal_id, s.business_date::text, s.status,"
        f" s.opened_by, {_iso('s.opened_at')}, s.closed_by, {_iso('s.closed_at')},"
        " s.opening_float, s.expected_cash, s.counted_cash, s.note"
        f" FROM pos.shifts s WHERE s.{_RANGE}{s.only('s')} ORDER BY s.opened_at, s.id")
    if not rows:
        return [], {}
    refunded = dict(q.all(
        "SELECT f.shift_id, sum(f.amount)::bigint FROM pos.refunds f"
        " WHERE f.shift_id = ANY(%(ids)s) AND f.paid_back = 'cash' GROUP BY f.shift_id",
        {"ids": [r[1] for r in rows]}))
    return rows, refunded


# The latest payment of each order of the range (the till: ORDER BY created_at DESC, rowid
# DESC; the central store has no rowid, the payment id breaks a tie of the same millisecond):
# the range's payments sorted once and joined by hash. (A LATERAL probe per order is five
# times slower over a month: a million index descents.)
_LATEST = (
    " LEFT JOIN (SELECT DISTINCT ON (p.order_uuid) p.order_uuid, p.business_date, p.id,"
    "   p.method, p.provider, p.payable_amount, p.provider_ref, p.status, p.paid_amount"
    f"   FROM pos.payments p WHERE p.{_RANGE}{{only}}"
    "   ORDER BY p.order_uuid, p.created_at DESC, p.id DESC) p"
    "   ON p.order_uuid = o.uuid AND p.business_date = o.business_date"
)
_ORDER_COLUMNS = (
    f"o.outlet_id, o.order_id, {_iso('o.created_at')}, o.status, o.total, o.cashier,"
    " o.voided_by, o.void_reason, p.method, p.provider, p.payable_amount, p.provider_ref,"
    " p.status, p.paid_amount"
)


def _latest(s: _Scope) -> str:
    return _LATEST.replace("{only}", s.only("p"))


def _orders(q: _Reader, s: _Scope) -> list[tuple[Any, ...]]:
    """Every order of the range, whatever its status, with its latest payment, the credit
    that confirmed that payment and what was refunded of the order (ever).

    Refunds are summed from ``refunds_from`` (the day before the range) on: an order is
    refunded after it was sold, and a refund's day is the day it was made or that of the
    refunding shift, which started at most 20 hours earlier (``pos_app.shifts.too_old``). So
    no refund of these orders is older, and refunds_by_day reads only those days.
    """
    return q.all(
        f"SELECT {_ORDER_COLUMNS}, c.credit_id, {_iso('c.credited_at')}, r.amount"
        f" FROM pos.orders o{_latest(s)}"
        # The credits of the range's confirmed QRIS payments (only those have one: a credit
        # names its payment when it confirms it), found by credits_by_payment and joined by
        # hash. A payment is one till's, and a till lets one credit confirm it.
        " LEFT JOIN (SELECT c.payment_id, c.outlet_id, c.credit_id, c.credited_at"
        "   FROM pos.payments cp JOIN pos.credits c"
        "     ON c.payment_id = cp.id AND c.outlet_id = cp.outlet_id"
        f"   WHERE cp.{_RANGE}{s.only('cp')} AND cp.method = 'qris'"
        "     AND cp.status IN ('paid', 'late')) c"
        "   ON c.payment_id = p.id AND c.outlet_id = o.outlet_id"
        " LEFT JOIN (SELECT f.order_uuid, sum(f.amount)::bigint AS amount FROM pos.refunds f"
        f"   WHERE f.business_date >= %(refunds_from)s{s.only('f')}"
        "   GROUP BY f.order_uuid) r ON r.order_uuid = o.uuid"
        f" WHERE o.{_RANGE}{s.only('o')}"
        " ORDER BY o.created_at, o.order_id, o.outlet_id")


def _odd_orders(q: _Reader, s: _Scope) -> list[tuple[Any, ...]]:
    """Without ``detail``: only the orders a reconciliation list or the voids can name --
    not paid, voided, or paid with a late payment -- in the columns of :func:`_orders`.
    Two disjoint branches (an ``OR`` with a sub-select would test every order of the range
    against it); the first is what orders_unsettled indexes, the second payments_late. Their
    latest payments are sorted out of their own payments only."""
    odd = ("o.outlet_id, o.uuid, o.business_date, o.order_id, o.created_at, o.status,"
           " o.total, o.cashier, o.voided_by, o.void_reason")
    return q.all(
        "WITH odd AS MATERIALIZED ("
        f"   SELECT {odd} FROM pos.orders o"
        f"   WHERE o.{_RANGE}{s.only('o')} AND (o.status <> 'paid' OR o.voided_by IS NOT NULL)"
        "   UNION ALL"
        f"   SELECT DISTINCT {odd} FROM pos.payments lp JOIN pos.orders o"
        "     ON o.uuid = lp.order_uuid AND o.business_date = lp.business_date"
        f"   WHERE lp.{_RANGE}{s.only('lp')} AND lp.status = 'late'"
        f"     AND o.{_RANGE}{s.only('o')} AND o.status = 'paid' AND o.voided_by IS NULL"
        "), latest AS ("
        "   SELECT DISTINCT ON (p.order_uuid) p.order_uuid, p.business_date, p.method,"
        "     p.provider, p.payable_amount, p.provider_ref, p.status, p.paid_amount"
        "   FROM pos.payments p JOIN odd"
        "     ON odd.uuid = p.order_uuid AND odd.business_date = p.business_date"
        f"   WHERE p.{_RANGE}{s.only('p')}"
        "   ORDER BY p.order_uuid, p.created_at DESC, p.id DESC)"
        f" SELECT {_ORDER_COLUMNS}, NULL, NULL, NULL FROM odd o LEFT JOIN latest p"
        "   ON p.order_uuid = o.uuid AND p.business_date = o.business_date"
        " ORDER BY o.created_at, o.order_id, o.outlet_id")


def _unmatched_credits(q: _Reader, s: _Scope) -> list[tuple[Any, ...]]:
    """Credits of the range's local days that no till of their outlet matched, each once
    (see the module docstring). Found by credits_by_time."""
    return q.all(
        "SELECT c.outlet_id, c.source, c.credit_id, min(c.amount), min(c.credited_at) AS at,"
        " bool_or(c.status = 'review'),"
        " coalesce(max(c.note) FILTER (WHERE c.status = 'review'), max(c.note))"
        " FROM pos.credits c"
        f" WHERE c.credited_at >= %(utc_from)s AND c.credited_at < %(utc_to)s{s.only('c')}"
        " GROUP BY c.outlet_id, c.source, c.credit_id"
        " HAVING bool_and(c.status IN ('unmatched', 'review'))"
        " ORDER BY at, c.outlet_id, c.source, c.credit_id")


# -- the pre-aggregated sales ---------------------------------------------------------------------
#
# Why they exist (bench/bench_central_chain.py, 50 outlets x 1,000 orders a day, 2 CPUs): a
# month of the chain is 1.55 million orders, 4.65 million order lines and 1.55 million payments.
# Computed from those rows, the month's aggregates alone took 5-9 s however the SQL was written
# -- orders x payments for the payment methods and the shifts' cash 2.6 s, the top products
# 1.2 s even as an anti-join, hours 0.7 s, totals 0.4 s -- because every one of them must read
# every row of the month: there is nothing to prune inside a month that is asked for whole.
# So the figures that only add up (per till, day, quarter-hour and cashier; per shift, method,
# provider and payment status; per SKU) are kept added up, by triggers on the sales tables, in
# the same transaction as each upload batch: a month then reads ~1/10 of the rows, a day ~1/100.
# What lists orders (voids, late payments, unconfirmed sales, the orders themselves) still reads
# the orders.
#
# Rules that keep them exact:
# * a summary row is the sum of what the *current* central rows contribute: a paid order its
#   totals, each of its payments 'paid' or 'late' its method, each of its lines its SKU. Every
#   trigger subtracts what the old row contributed and adds what the new one does, looking up
#   the order (or its payments and lines) as they are now, so the upload's order of arrival
#   (an order before or after its lines and payments, a late payment accepted in another batch)
#   never matters, and a batch sent again (an upsert that changes nothing) fires nothing;
# * keys hold the till (terminal_id): one till uploads one batch at a time, so two tills never
#   wait for (or deadlock on) the same summary row;
# * times are kept as UTC quarter-hours: every zone's offset is a multiple of 15 minutes and
#   changes on a quarter-hour, so the report turns them into local hours exactly, for any zone;
# * DELETE is not followed: a till may not delete, and pos.ensure_partitions moves rows out of a
#   default partition by deleting and re-inserting them (into a table with no trigger yet).
#   After deleting sales by hand, run pos.rebuild_sales_summaries(first, last).
#
# The functions are SECURITY DEFINER (the schema owner's): a till writes the summaries only
# through its own sales rows, which row-level security already holds to its outlet.
SUMMARIES_DDL = """
CREATE TABLE IF NOT EXISTS pos.sales_by_slot (
    outlet_id       text NOT NULL,
    terminal_id     text NOT NULL,
    business_date   date NOT NULL,
    slot            timestamp NOT NULL,     -- created_at in UTC, cut to the quarter-hour
    cashier         text NOT NULL,
    orders          bigint NOT NULL,
    subtotal        bigint NOT NULL,
    discounts       bigint NOT NULL,
    tax             bigint NOT NULL,
    total           bigint NOT NULL,
    PRIMARY KEY (business_date, outlet_id, terminal_id, slot, cashier)
);
CREATE TABLE IF NOT EXISTS pos.sales_by_payment (
    outlet_id       text NOT NULL,
    terminal_id     text NOT NULL,
    business_date   date NOT NULL,
    shift_id        text NOT NULL,          -- '' for a sale outside a shift
    method          text NOT NULL,
    provider        text NOT NULL,          -- '' for none (cash)
    status          text NOT NULL,          -- the payment's: 'paid' or 'late'
    payments        bigint NOT NULL,
    total           bigint NOT NULL,        -- the orders' totals
    paid_amount     bigint NOT NULL,
    PRIMARY KEY (business_date, outlet_id, terminal_id, shift_id, method, provider, status)
);
CREATE TABLE IF NOT EXISTS pos.sales_by_product (
    outlet_id       text NOT NULL,
    terminal_id     text NOT NULL,
    business_date   date NOT NULL,
    sku             text NOT NULL,
    name            text NOT NULL,
    quantity        bigint NOT NULL,
    net             bigint NOT NULL,
    PRIMARY KEY (business_date, outlet_id, terminal_id, sku, name)
);

CREATE OR REPLACE FUNCTION pos.sales_order_delta(
    o_outlet text, o_terminal text, o_day date, o_uuid uuid, o_created timestamptz,
    o_cashier text, o_shift text, o_subtotal bigint, o_discounts bigint, o_tax bigint,
    o_total bigint, k int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO pos.sales_by_slot AS s (outlet_id, terminal_id, business_date, slot, cashier,
                                        orders, subtotal, discounts, tax, total)
    VALUES (o_outlet, o_terminal, o_day,
            date_bin('15 minutes', o_created AT TIME ZONE 'UTC', timestamp '2000-01-01'),
            o_cashier, k, k * o_subtotal, k * o_discounts, k * o_tax, k * o_total)
    ON CONFLICT (business_date, outlet_id, terminal_id, slot, cashier) DO UPDATE SET
        orders = s.orders + EXCLUDED.orders, subtotal = s.subtotal + EXCLUDED.subtotal,
        discounts = s.discounts + EXCLUDED.discounts, tax = s.tax + EXCLUDED.tax,
        total = s.total + EXCLUDED.total;
    INSERT INTO pos.sales_by_payment AS s (outlet_id, terminal_id, business_date, shift_id,
                                           method, provider, status, payments, total,
                                           paid_amount)
    SELECT o_outlet, o_terminal, o_day, coalesce(o_shift, ''), p.method,
           coalesce(p.provider, ''), p.status, k * count(*), k * count(*) * o_total,
           k * coalesce(sum(p.paid_amount), 0)
    FROM pos.payments p
    WHERE p.order_uuid = o_uuid AND p.business_date = o_day AND p.outlet_id = o_outlet
      AND p.status IN ('paid', 'late')
    GROUP BY p.method, coalesce(p.provider, ''), p.status
    ON CONFLICT (business_date, outlet_id, terminal_id, shift_id, method, provider, status)
    DO UPDATE SET payments = s.payments + EXCLUDED.payments, total = s.total + EXCLUDED.total,
        paid_amount = s.paid_amount + EXCLUDED.paid_amount;
    INSERT INTO pos.sales_by_product AS s (outlet_id, terminal_id, business_date, sku, name,
                                           quantity, net)
    SELECT o_outlet, o_terminal, o_day, l.sku, l.name, k * sum(l.quantity), k * sum(l.net)
    FROM pos.order_lines l WHERE l.order_uuid = o_uuid AND l.business_date = o_day
      AND l.outlet_id = o_outlet  -- never another outlet's row naming this order
    GROUP BY l.sku, l.name
    ON CONFLICT (business_date, outlet_id, terminal_id, sku, name) DO UPDATE SET
        quantity = s.quantity + EXCLUDED.quantity, net = s.net + EXCLUDED.net;
END
$$;

CREATE OR REPLACE FUNCTION pos.sales_payment_delta(
    o_outlet text, o_terminal text, o_day date, o_shift text, o_total bigint, p_method text,
    p_provider text, p_status text, p_paid bigint, k int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO pos.sales_by_payment AS s (outlet_id, terminal_id, business_date, shift_id,
                                           method, provider, status, payments, total,
                                           paid_amount)
    VALUES (o_outlet, o_terminal, o_day, coalesce(o_shift, ''), p_method,
            coalesce(p_provider, ''), p_status, k, k * o_total, k * coalesce(p_paid, 0))
    ON CONFLICT (business_date, outlet_id, terminal_id, shift_id, method, provider, status)
    DO UPDATE SET payments = s.payments + EXCLUDED.payments, total = s.total + EXCLUDED.total,
        paid_amount = s.paid_amount + EXCLUDED.paid_amount;
END
$$;

CREATE OR REPLACE FUNCTION pos.sales_line_delta(
    o_outlet text, o_terminal text, o_day date, l_sku text, l_name text, l_quantity bigint,
    l_net bigint, k int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO pos.sales_by_product AS s (outlet_id, terminal_id, business_date, sku, name,
                                           quantity, net)
    VALUES (o_outlet, o_terminal, o_day, l_sku, l_name, k * l_quantity, k * l_net)
    ON CONFLICT (business_date, outlet_id, terminal_id, sku, name) DO UPDATE SET
        quantity = s.quantity + EXCLUDED.quantity, net = s.net + EXCLUDED.net;
END
$$;

CREATE OR REPLACE FUNCTION pos.sales_orders_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.status = 'paid' AND NEW.status = 'paid'
           AND (OLD.outlet_id, OLD.terminal_id, OLD.created_at, OLD.cashier, OLD.shift_id,
                OLD.subtotal, OLD.line_discounts, OLD.order_discount, OLD.tax, OLD.total)
               IS NOT DISTINCT FROM
               (NEW.outlet_id, NEW.terminal_id, NEW.created_at, NEW.cashier, NEW.shift_id,
                NEW.subtotal, NEW.line_discounts, NEW.order_discount, NEW.tax, NEW.total) THEN
            RETURN NULL;  -- nothing the summaries hold has changed (e.g. updated_at)
        END IF;
        IF OLD.status = 'paid' THEN
            PERFORM pos.sales_order_delta(OLD.outlet_id, OLD.terminal_id, OLD.business_date,
                OLD.uuid, OLD.created_at, OLD.cashier, OLD.shift_id, OLD.subtotal,
                OLD.line_discounts + OLD.order_discount, OLD.tax, OLD.total, -1);
        END IF;
    END IF;
    IF NEW.status = 'paid' THEN
        PERFORM pos.sales_order_delta(NEW.outlet_id, NEW.terminal_id, NEW.business_date,
            NEW.uuid, NEW.created_at, NEW.cashier, NEW.shift_id, NEW.subtotal,
            NEW.line_discounts + NEW.order_discount, NEW.tax, NEW.total, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION pos.sales_payments_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    counted_before bool := false;
    counted_now bool := NEW.status IN ('paid', 'late');
    o record;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        counted_before := OLD.status IN ('paid', 'late');
        IF counted_before AND counted_now
           AND (OLD.method, OLD.provider, OLD.status, OLD.paid_amount)
               IS NOT DISTINCT FROM (NEW.method, NEW.provider, NEW.status, NEW.paid_amount)
        THEN
            RETURN NULL;
        END IF;
    END IF;
    IF NOT counted_before AND NOT counted_now THEN
        RETURN NULL;
    END IF;
    SELECT x.outlet_id, x.terminal_id, x.shift_id, x.total, x.status INTO o
        FROM pos.orders x WHERE x.uuid = NEW.order_uuid AND x.business_date = NEW.business_date
          AND x.outlet_id = NEW.outlet_id;  -- never another outlet's order (a leaked uuid)
    IF NOT FOUND OR o.status <> 'paid' THEN
        RETURN NULL;  -- counted (all its payments) when the order becomes paid
    END IF;
    IF counted_before THEN
        PERFORM pos.sales_payment_delta(o.outlet_id, o.terminal_id, NEW.business_date,
            o.shift_id, o.total, OLD.method, OLD.provider, OLD.status, OLD.paid_amount, -1);
    END IF;
    IF counted_now THEN
        PERFORM pos.sales_payment_delta(o.outlet_id, o.terminal_id, NEW.business_date,
            o.shift_id, o.total, NEW.method, NEW.provider, NEW.status, NEW.paid_amount, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION pos.sales_lines_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o record;
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.sku, OLD.name, OLD.quantity, OLD.net)
                            IS NOT DISTINCT FROM (NEW.sku, NEW.name, NEW.quantity, NEW.net) THEN
        RETURN NULL;
    END IF;
    SELECT x.outlet_id, x.terminal_id, x.status INTO o
        FROM pos.orders x WHERE x.uuid = NEW.order_uuid AND x.business_date = NEW.business_date
          AND x.outlet_id = NEW.outlet_id;  -- never another outlet's order (a leaked uuid)
    IF NOT FOUND OR o.status <> 'paid' THEN
        RETURN NULL;  -- counted (all its lines) when the order becomes paid
    END IF;
    IF TG_OP = 'UPDATE' THEN
        PERFORM pos.sales_line_delta(o.outlet_id, o.terminal_id, NEW.business_date, OLD.sku,
                                     OLD.name, OLD.quantity, OLD.net, -1);
    END IF;
    PERFORM pos.sales_line_delta(o.outlet_id, o.terminal_id, NEW.business_date, NEW.sku,
                                 NEW.name, NEW.quantity, NEW.net, 1);
    RETURN NULL;
END
$$;

-- Recompute the summaries of [first_day, last_day] (NULL: no bound) from the sales rows, with
-- the sales tables locked against uploads meanwhile.
CREATE OR REPLACE FUNCTION pos.rebuild_sales_summaries(first_day date, last_day date)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    lo date := coalesce(first_day, '-infinity'::date);
    hi date := coalesce(last_day, 'infinity'::date);
BEGIN
    LOCK TABLE pos.orders, pos.payments, pos.order_lines IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM pos.sales_by_slot WHERE business_date BETWEEN lo AND hi;
    DELETE FROM pos.sales_by_payment WHERE business_date BETWEEN lo AND hi;
    DELETE FROM pos.sales_by_product WHERE business_date BETWEEN lo AND hi;
    INSERT INTO pos.sales_by_slot
    SELECT o.outlet_id, o.terminal_id, o.business_date,
           date_bin('15 minutes', o.created_at AT TIME ZONE 'UTC', timestamp '2000-01-01'),
           o.cashier, count(*), sum(o.subtotal), sum(o.line_discounts + o.order_discount),
           sum(o.tax), sum(o.total)
    FROM pos.orders o WHERE o.business_date BETWEEN lo AND hi AND o.status = 'paid'
    GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO pos.sales_by_payment
    SELECT o.outlet_id, o.terminal_id, o.business_date, coalesce(o.shift_id, ''), p.method,
           coalesce(p.provider, ''), p.status, count(*), sum(o.total),
           coalesce(sum(p.paid_amount), 0)
    FROM pos.orders o JOIN pos.payments p
      ON p.order_uuid = o.uuid AND p.business_date = o.business_date
     AND p.outlet_id = o.outlet_id
    WHERE o.business_date BETWEEN lo AND hi AND o.status = 'paid'
      AND p.status IN ('paid', 'late')
    GROUP BY 1, 2, 3, 4, 5, 6, 7;
    INSERT INTO pos.sales_by_product
    SELECT o.outlet_id, o.terminal_id, o.business_date, l.sku, l.name, sum(l.quantity),
           sum(l.net)
    FROM pos.orders o JOIN pos.order_lines l
      ON l.order_uuid = o.uuid AND l.business_date = o.business_date
     AND l.outlet_id = o.outlet_id
    WHERE o.business_date BETWEEN lo AND hi AND o.status = 'paid'
    GROUP BY 1, 2, 3, 4, 5;
END
$$;

DROP TRIGGER IF EXISTS sales_summaries ON pos.orders;
CREATE TRIGGER sales_summaries AFTER INSERT OR UPDATE ON pos.orders
    FOR EACH ROW EXECUTE FUNCTION pos.sales_orders_changed();
DROP TRIGGER IF EXISTS sales_summaries ON pos.payments;
CREATE TRIGGER sales_summaries AFTER INSERT OR UPDATE ON pos.payments
    FOR EACH ROW EXECUTE FUNCTION pos.sales_payments_changed();
DROP TRIGGER IF EXISTS sales_summaries ON pos.order_lines;
CREATE TRIGGER sales_summaries AFTER INSERT OR UPDATE ON pos.order_lines
    FOR EACH ROW EXECUTE FUNCTION pos.sales_lines_changed();

REVOKE ALL ON pos.sales_by_slot, pos.sales_by_payment, pos.sales_by_product FROM PUBLIC;
-- Read by the report: the owner's (every outlet), a till's (its own outlet: the policy below).
GRANT SELECT ON pos.sales_by_slot, pos.sales_by_payment, pos.sales_by_product
    TO pos_owner, pos_till;
REVOKE ALL ON FUNCTION pos.sales_order_delta(text, text, date, uuid, timestamptz, text, text,
    bigint, bigint, bigint, bigint, int), pos.sales_payment_delta(text, text, date, text,
    bigint, text, text, text, bigint, int), pos.sales_line_delta(text, text, date, text,
    text, bigint, bigint, int), pos.sales_orders_changed(), pos.sales_payments_changed(),
    pos.sales_lines_changed(), pos.rebuild_sales_summaries(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pos.rebuild_sales_summaries(date, date) TO pos_owner;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sales_by_slot', 'sales_by_payment', 'sales_by_product'] LOOP
        EXECUTE format('ALTER TABLE pos.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE pos.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS owner_all ON pos.%I', t);
        EXECUTE format('CREATE POLICY owner_all ON pos.%I FOR ALL TO pos_owner'
                       ' USING (true) WITH CHECK (true)', t);
        EXECUTE format('DROP POLICY IF EXISTS till_select ON pos.%I', t);
        EXECUTE format('CREATE POLICY till_select ON pos.%I FOR SELECT TO pos_till'
                       ' USING (outlet_id = pos.my_outlet())', t);
    END LOOP;
END
$$;
"""

#: Indexes the report reads by, beyond pos_app.central.schema's (see the reply of issue 14):
#: the credit that confirmed a payment (the orders list), and the few orders the
#: reconciliation lists name (not paid or voided; paid late), found without reading a month.
INDEXES_DDL = """
CREATE INDEX IF NOT EXISTS credits_by_payment ON pos.credits (payment_id)
    WHERE payment_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_unsettled ON pos.orders (business_date, outlet_id)
    WHERE status <> 'paid' OR voided_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS payments_late ON pos.payments (business_date)
    WHERE status = 'late';
"""


def install_summaries(conn: psycopg.Connection[Any]) -> bool:
    """Create or update the pre-aggregated sales (:data:`SUMMARIES_DDL`) and the report's
    indexes (:data:`INDEXES_DDL`); fill the summaries from the sales already there when they are
    new. One transaction, uploads wait for it (the sales tables are locked while the triggers
    and the first fill go in, so no batch falls between them). Returns True when the summaries
    were new. Run by the schema's owner (it owns the SECURITY DEFINER functions)."""
    with conn.transaction():
        row = conn.execute("SELECT to_regclass('pos.sales_by_slot') IS NULL").fetchone()
        new = bool(row and row[0])
        conn.execute("LOCK TABLE pos.orders, pos.payments, pos.order_lines"
                     " IN SHARE ROW EXCLUSIVE MODE")
        conn.execute(SUMMARIES_DDL)
        conn.execute(INDEXES_DDL)
        if new:
            conn.execute("SELECT pos.rebuild_sales_summaries(NULL, NULL)")
    return new


def _has_summaries(q: _Reader) -> bool:
    return bool(q.all("SELECT to_regclass('pos.sales_by_slot') IS NOT NULL")[0][0])


def _sales_summed(q: _Reader, s: _Scope) -> list[tuple[Any, ...]]:
    """:func:`_sales` from pos.sales_by_slot: quarter-hours turned into local hours here."""
    return q.all(
        "SELECT x.outlet_id, x.business_date,"
        " extract(hour FROM (x.slot AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s)::int AS h,"
        " x.cashier, sum(x.orders)::bigint, sum(x.subtotal)::bigint, sum(x.discounts)::bigint,"
        " sum(x.tax)::bigint, sum(x.total)::bigint, grouping(x.business_date)"
        f" FROM pos.sales_by_slot x WHERE x.{_RANGE}{s.only('x')}"
        " GROUP BY GROUPING SETS ((x.outlet_id, x.business_date), (x.outlet_id, h, x.cashier))")


def _payments_summed(q: _Reader, s: _Scope) -> list[tuple[Any, ...]]:
    """:func:`_payments` from pos.sales_by_payment."""
    return q.all(
        "SELECT x.outlet_id, nullif(x.shift_id, ''), x.method, nullif(x.provider, ''),"
        " x.status, sum(x.payments)::bigint, sum(x.total)::bigint, sum(x.paid_amount)::bigint"
        f" FROM pos.sales_by_payment x WHERE x.{_RANGE}{s.only('x')}"
        " GROUP BY x.outlet_id, x.shift_id, x.method, x.provider, x.status")


def _products_summed(q: _Reader, s: _Scope) -> list[tuple[Any, ...]]:
    """:func:`_products` from pos.sales_by_product (a name whose lines were all taken back
    doesn't count for ``max()``)."""
    return q.all(
        "SELECT x.sku, max(x.name COLLATE \"C\") FILTER (WHERE x.quantity <> 0),"
        " sum(x.quantity)::bigint, sum(x.net)::bigint"
        f" FROM pos.sales_by_product x WHERE x.{_RANGE}{s.only('x')}"
        " GROUP BY x.sku HAVING sum(x.quantity) <> 0")


# -- the engine ----------------------------------------------------------------------------------

def _zero() -> dict[str, int]:
    return {"count": 0, "amount": 0}


def build_central_report(conn: psycopg.Connection[Any], first: date, last: date, tz: ZoneInfo,
                         outlet: str | None = None, *, detail: bool = True,
                         summaries: bool | None = None) -> dict[str, Any]:
    """The report of the store-local days ``first`` .. ``last`` for the outlet named
    ``outlet`` (its name or id), or for every outlet (``None`` or ``"all"``).

    ``detail=False`` leaves ``orders`` and ``reconciliation.matched.items`` empty (see the
    module docstring). ``summaries``: read the pre-aggregated sales (True), the sales rows
    (False), or the first when they are installed (None, the default); the two give the same
    report. ``conn`` must not be inside a transaction. Raises
    :class:`UnknownOutlet`, ``ValueError`` and ``OverflowError`` as :func:`build_report` does,
    and ``psycopg.Error`` when the server fails.
    """
    with _snapshot(conn) as q:
        names = _outlets(q)
        outlet_id = _resolve(names, outlet)
        s = _scope(first, last, tz, outlet_id)
        q.params = s.params()
        summed = _has_summaries(q) if summaries is None else summaries
        if summed:
            sales, payments = _sales_summed(q, s), _payments_summed(q, s)
            products = _products_summed(q, s)
        else:
            sales, payments, products = _sales(q, s), _payments(q, s), _products(q, s)
        refund_rows, refund_lines = _refunds(q, s)
        shift_rows, shift_refunds = _shifts(q, s)
        rows = _orders(q, s) if detail else _odd_orders(q, s)
        credit_rows = _unmatched_credits(q, s)

    def name_of(oid: str) -> str:
        return names.get(oid, oid)

    per: dict[str, dict[str, Any]] = {}

    def outlet_slot(oid: str) -> dict[str, Any]:
        slot = per.get(oid)
        if slot is None:
            slot = per[oid] = {
                "outlet": name_of(oid), "order_count": 0, "gross_sales": 0, "discounts": 0,
                "tax": 0, "net_sales": 0, "collected": 0, "refunds": 0,
                "by_payment_method": {"cash": _zero(), "qris": _zero()}}
        return slot

    for oid in (names if outlet_id is None else [outlet_id]):
        outlet_slot(oid)  # every outlet in the table, sales or not

    # Summary, per outlet, per day.
    by_day: dict[str, list[int]] = {}
    hourly = [{"hour": h, "count": 0, "amount": 0} for h in range(24)]
    cashiers: dict[tuple[str, str], list[int]] = {}
    for oid, day, hour, cashier, n, gross, disc, tax, collected, by_hour in sales:
        if not n:  # a summary row whose orders were all taken back: nothing to show
            continue
        if by_hour:  # the (outlet, hour, cashier) grouping set
            hourly[hour]["count"] += n
            hourly[hour]["amount"] += collected
            slot = cashiers.setdefault((cashier or "-", name_of(oid)), [0, 0])
            slot[0] += n
            slot[1] += collected
            continue
        o = outlet_slot(oid)
        o["order_count"] += n
        o["gross_sales"] += gross
        o["discounts"] += disc
        o["tax"] += tax
        o["collected"] += collected
        o["net_sales"] += collected - tax
        d = by_day.setdefault(day.isoformat(), [0, 0, 0])
        d[0] += n
        d[1] += collected
        d[2] += tax
    summary = {k: sum(o[k] for o in per.values())
               for k in ("order_count", "gross_sales", "discounts", "tax", "collected")}
    n_days = (last - first).days + 1
    days = []
    for i in range(n_days):
        key = (first + timedelta(days=i)).isoformat()
        n, c, t = by_day.get(key, (0, 0, 0))
        days.append({"date": key, "order_count": n, "collected": c, "net_sales": c - t})

    by_cashier = [{"cashier": c, "count": n, "amount": a, "outlet": o}
                  for (c, o), (n, a) in sorted(cashiers.items(),
                                               key=lambda kv: (-kv[1][1], kv[0][0], kv[0][1]))]

    # Payment methods (overall and per outlet), and each shift's cash sales.
    by_method: dict[str, dict[str, int]] = {"cash": _zero(), "qris": _zero()}
    by_provider: dict[str, dict[str, int]] = {}
    shift_cash: dict[str, int] = {}
    matched_count = matched_amount = 0
    for oid, shift_id, method, provider, pay_status, n, amount, paid in payments:
        if not n:
            continue
        if method == "cash" and pay_status == "paid" and shift_id is not None:
            shift_cash[shift_id] = shift_cash.get(shift_id, 0) + amount
        if method == "qris" and pay_status == "paid":
            matched_count += n
            matched_amount += paid
        outlet_methods = outlet_slot(oid)["by_payment_method"]
        for key in {method, provider} - {None}:
            for target in (by_method, outlet_methods):
                mslot = target.setdefault(key, _zero())
                mslot["count"] += n
                mslot["amount"] += amount
        if method == "qris" and provider:
            pslot = by_provider.setdefault(provider, _zero())
            pslot["count"] += n
            pslot["amount"] += amount

    as_products = [(sku, name, int(qty), int(amount)) for sku, name, qty, amount in products]
    by_qty = sorted(as_products, key=lambda x: (-x[2], -x[3], x[0]))[:TOP_N]
    by_amount = sorted(as_products, key=lambda x: (-x[3], -x[2], x[0]))[:TOP_N]

    # Refunds.
    lines: dict[str, list[dict[str, Any]]] = {}
    for refund_id, line_no, sku, name, qty, amount in refund_lines:
        lines.setdefault(refund_id, []).append(
            {"line_no": line_no, "sku": sku, "name": name, "quantity": qty, "amount": amount})
    refund_items = []
    for (oid, rid, order_id, at, cashier, approver, reason, method, back,
         amount) in refund_rows:
        refund_items.append({
            "refund_id": rid, "order_id": order_id, "created_at": at, "cashier": cashier,
            "approved_by": approver, "reason": reason, "method": method, "paid_back": back,
            "amount": amount, "lines": lines.get(rid, []), "outlet": name_of(oid)})
        outlet_slot(oid)["refunds"] += amount
    refund_total = sum(i["amount"] for i in refund_items)
    refunds = {
        "count": len(refund_items),
        "amount": refund_total,
        "owed": sum(i["amount"] for i in refund_items if i["paid_back"] == "owed"),
        # Each order once -- per outlet: two outlets' K1-20261206-0001 are two orders.
        "orders": [order_id for _, order_id in dict.fromkeys(
            (i["outlet"], i["order_id"]) for i in refund_items)],
        "items": refund_items,
    }

    # Shifts.
    shifts = []
    for oid, *row in shift_rows:
        sid = row[0]
        shifts.append({**shift_entry(row, shift_cash.get(sid, 0), shift_refunds.get(sid, 0)),
                       "outlet": name_of(oid)})

    # Orders and the reconciliation lists: the till's classification, row by row.
    label = names.get  # per row: a bound method, not a Python call (50,000 rows for a day)
    orders: list[dict[str, Any]] = []
    matched: list[dict[str, Any]] = []
    unconfirmed: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []
    voids: list[dict[str, Any]] = []
    for (oid, order_id, created, status, total, cashier, voided_by, void_reason, method,
         provider, payable, ref, pay_status, paid_amount, credit_id, credited_at,
         refunded) in rows:
        where = label(oid, oid)
        if detail:
            orders.append({
                "order_id": order_id, "created_at": created, "status": status,
                "method": method, "provider": provider, "amount": total,
                "payable_amount": payable, "provider_ref": ref, "credit_id": credit_id,
                "cashier": cashier, "refunded": refunded or 0, "voided_by": voided_by,
                "outlet": where,
            })
        voided = voided_by is not None and status in VOIDABLE
        if voided:
            voids.append({"order_id": order_id, "created_at": created, "cashier": cashier,
                          "voided_by": voided_by, "reason": void_reason, "amount": total,
                          "outlet": where})
        if status in ("late_payment", "refunded") or (status == "paid" and pay_status == "late"):
            late.append({"order_id": order_id, "amount": total, "paid_amount": paid_amount,
                         "provider": provider, "provider_ref": ref,
                         "outcome": _LATE_OUTCOME[status], "outlet": where})
        if method != "qris":
            continue
        if pay_status == "paid":
            matched.append({"order_id": order_id, "amount": total, "paid_amount": paid_amount,
                            "provider": provider, "provider_ref": ref, "credit_id": credit_id,
                            "credited_at": credited_at, "outlet": where})
        elif (status in ("awaiting_payment", "expired") and pay_status in ("pending", "expired")
              and not voided):
            unconfirmed.append({"order_id": order_id, "status": status, "amount": total,
                                "provider": provider, "outlet": where})
    if detail:  # the till's own way: the latest payments, order by order
        matched_count, matched_amount = len(matched), sum(m["paid_amount"] or 0 for m in matched)
    else:
        matched = []

    credits = [
        {"source": source, "credit_id": cid, "amount": amount, "credited_at": to_iso(at),
         "needs_review": bool(review), "note": note, "outlet": name_of(oid)}
        for oid, source, cid, amount, at, review, note in credit_rows
    ]

    collected, count = summary["collected"], summary["order_count"]
    report: dict[str, Any] = {"from": first.isoformat(), "to": last.isoformat()}
    if first == last:
        report["date"] = first.isoformat()
    report.update({
        "timezone": tz.key,
        "outlet": ALL if outlet_id is None else name_of(outlet_id),
        **summary,
        "net_sales": collected - summary["tax"],
        "net_after_refunds": collected - refund_total,
        "average_basket": collected // count if count else 0,
        "by_payment_method": by_method,
        "qris_by_provider": dict(sorted(by_provider.items(), key=lambda kv: -kv[1]["amount"])),
        "by_cashier": by_cashier,
        "hourly": hourly,
        "days": days,
        "top_products": [{"sku": a, "name": b, "quantity": c, "amount": d}
                         for a, b, c, d in by_qty],
        "top_products_by_revenue": [{"sku": a, "name": b, "quantity": c, "amount": d}
                                    for a, b, c, d in by_amount],
        "refunds": refunds,
        "voids": {"count": len(voids), "amount": sum(v["amount"] for v in voids),
                  "items": voids},
        "shifts": shifts,
        "reconciliation": {
            "matched": {"count": matched_count, "amount": matched_amount, "items": matched},
            "unmatched_credits": credits,
            "unconfirmed_sales": unconfirmed,
            "late_payments": late,
        },
        "orders": orders,
        "detail": detail,
    })
    if outlet_id is None:
        report["outlets"] = [per[oid] for oid in sorted(per, key=lambda k: (name_of(k), k))]
    return report


# -- text and CSV --------------------------------------------------------------------------------

def _labelled(report: dict[str, Any]) -> dict[str, Any]:
    """A copy whose printed names say which outlet: order ids, shifts' tills and cashiers
    (the till's renderers print those fields as they are)."""
    out = dict(report)

    def tag(item: dict[str, Any], key: str) -> dict[str, Any]:
        return {**item, key: f"{item.get('outlet', '')} {item[key]}".strip()}

    refunds = dict(report["refunds"])
    refunds["items"] = [tag(i, "order_id") for i in refunds["items"]]
    out["refunds"] = refunds
    voids = dict(report["voids"])
    voids["items"] = [tag(v, "order_id") for v in voids["items"]]
    out["voids"] = voids
    out["shifts"] = [tag(sh, "terminal_id") for sh in report["shifts"]]
    if report.get("outlet") == ALL:
        out["by_cashier"] = [{**c, "cashier": f"{c['cashier']} ({c['outlet']})"}
                             for c in report["by_cashier"]]
    return out


def central_report_text(report: dict[str, Any]) -> str:
    """The report as the owner reads it in a terminal (Indonesian): which outlet, the
    till's report of the whole, then -- for every outlet -- a table with one row per outlet
    and a total row."""
    rp = format_rupiah
    scope = "semua outlet" if report["outlet"] == ALL else f"outlet {report['outlet']}"
    out = [f"Pusat: {scope}", report_text(_labelled(report)).rstrip("\n")]
    outlets = report.get("outlets")
    if outlets:
        header = ("Outlet", "Trx", "Kotor", "Diskon", "PPN", "Bersih", "Diterima", "Refund",
                  "Tunai", "QRIS")
        rows = [(o["outlet"], str(o["order_count"]), rp(o["gross_sales"]), rp(o["discounts"]),
                 rp(o["tax"]), rp(o["net_sales"]), rp(o["collected"]), rp(o["refunds"]),
                 rp(o["by_payment_method"]["cash"]["amount"]),
                 rp(o["by_payment_method"]["qris"]["amount"])) for o in outlets]
        methods = report["by_payment_method"]
        rows.append(("Total", str(report["order_count"]), rp(report["gross_sales"]),
                     rp(report["discounts"]), rp(report["tax"]), rp(report["net_sales"]),
                     rp(report["collected"]), rp(report["refunds"]["amount"]),
                     rp(methods["cash"]["amount"]), rp(methods["qris"]["amount"])))
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        out.append("Per outlet:")
        for r in (header, *rows):
            out.append("  " + "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(r)).rstrip())
    return "\n".join(out) + "\n"


def central_report_csv(report: dict[str, Any]) -> str:
    """The till's ``section,key,count,amount`` rows of the whole, then per outlet: section
    ``outlet`` (key the name, count the orders, amount collected) and ``outlet_<figure>``
    rows (key the name), so a spreadsheet pivots them into outlet columns."""
    buf = io.StringIO(report_csv(_labelled(report)))
    buf.seek(0, io.SEEK_END)
    w = csv.writer(buf)
    w.writerow(["scope", "outlet", "", report["outlet"]])
    for o in report.get("outlets") or []:
        name = o["outlet"]
        w.writerow(["outlet", name, o["order_count"], o["collected"]])
        for key in ("gross_sales", "discounts", "tax", "net_sales", "refunds"):
            w.writerow([f"outlet_{key}", name, "", o[key]])
        for method, slot in o["by_payment_method"].items():
            w.writerow(["outlet_payment_method", f"{name} / {method}", slot["count"],
                        slot["amount"]])
    return buf.getvalue()
