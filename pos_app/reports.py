"""The owner's report: what was sold, how it was paid, and what still needs a look.

One engine, :func:`build_report`, serves a single day (:func:`daily_report`, ``pos-app report
daily``) and a range of days (``pos-app report range``, the trend chart). Its keys are a
contract (SPEC.md section 3, docs/report-schema.json): other code reads them, so they are only
ever added to, never renamed.

Amounts are integer rupiah. Sales figures count *paid* orders of the store-local business days
in the range (``orders.business_date``). Definitions:

* ``gross_sales``: sum of line prices x quantities, before any discount;
* ``discounts``: line discounts + order discounts;
* ``tax``: PPN collected (added on top, or the part contained in tax-inclusive prices);
* ``collected``: what customers paid for those orders (order totals);
* ``net_sales``: ``collected - tax`` -- sales net of discounts and PPN;
* ``net_after_refunds``: ``collected - refunds.amount``.

Rules the numbers follow (decided with the owner, relied on by the tests):

* A refunded order (whole or part) stays ``paid``: the sale counts on the day it was sold, the
  refund on the day it was made (``refunds.business_date``), so a past day's report never
  changes because of a refund made today.
* An order with status ``refunded`` is a *late payment given back* (the sync engine's word),
  never a sale: it shows under ``reconciliation.late_payments`` with outcome ``refunded``.
* A voided order is one with ``voided_by`` set and still unpaid (``VOIDABLE``): cancelled with
  the owner's approval. Money that reaches it anyway makes it a late payment like any other.
* A shift's expected cash is its opening float + its cash sales - the refunds paid back in cash
  during it. A closed shift keeps the figure it was closed with; an open one is computed now.
* Hours are the store's local hours (``store.timezone``), also for a zone with summer time.

Speed (bench/bench_report.py, the issue's targets): every figure is a SQL aggregate over the
orders of the range, found through ``orders_by_date`` with *equality* on both of its columns
(the dates are listed, ``business_date IN (...)``): with a range condition SQLite would prefer
``orders_by_status`` and walk every paid order of the shop's history. All queries of one report
run in one read transaction, so the sections agree with each other even while the till sells.
"""

from __future__ import annotations

import contextlib
import csv
import io
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pos_app.clock import from_iso, to_iso
from pos_app.money import format_rupiah
from pos_app.storage.database import Database
from pos_app.storage.refunds import VOIDABLE

__all__ = [
    "MAX_RANGE_DAYS",
    "TOP_N",
    "build_report",
    "daily_report",
    "report_csv",
    "report_text",
    "report_totals",
    "shift_entry",
]

#: the longest range one report covers (a leap year)
MAX_RANGE_DAYS = 366
#: how many products each top list holds
TOP_N = 10


@dataclass(frozen=True)
class _Range:
    """The range as the queries need it: the listed dates, the UTC edges, the hour offset."""

    first: date
    last: date
    dates: tuple[str, ...]
    utc_from: str  # local midnight starting ``first``, in UTC
    utc_to: str  # local midnight after ``last``, in UTC
    # The zone's offset in minutes when it is the same on every day of the range (always, in
    # Indonesia); None when summer time starts or ends inside it.
    offset_min: int | None

    @property
    def marks(self) -> str:
        return ",".join("?" * len(self.dates))


def _range(first: date, last: date, tz: ZoneInfo) -> _Range:
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    n = (last - first).days + 1
    if n > MAX_RANGE_DAYS:
        raise ValueError(f"a report covers at most {MAX_RANGE_DAYS} days, not {n}")
    # Raises OverflowError when the local day reaches past year 1 or 9999 in UTC.
    midnights = [datetime.combine(first + timedelta(days=i), time(0), tz) for i in range(n + 1)]
    offsets = {m.utcoffset() for m in midnights}
    with contextlib.suppress(OverflowError):
        # One more day: a shift's sales after midnight still belong to the day it opened.
        offsets.add(datetime.combine(last + timedelta(days=2), time(0), tz).utcoffset())
    offset = offsets.pop() if len(offsets) == 1 else None
    return _Range(
        first=first,
        last=last,
        dates=tuple((first + timedelta(days=i)).isoformat() for i in range(n)),
        utc_from=to_iso(midnights[0]),
        utc_to=to_iso(midnights[-1]),
        offset_min=None if offset is None else int(offset.total_seconds()) // 60,
    )


class _Reader:
    """Plain-tuple queries on the database's connection: a month's report reads 30,000 orders,
    and building an ``sqlite3.Row`` for each, to read it by name, is time the owner waits."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._cur = conn.cursor()
        self._cur.row_factory = None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._cur.execute(sql, params).fetchall()


@contextmanager
def _snapshot(db: Database) -> Iterator[_Reader]:
    """Every query of one report in one read transaction, so the sections add up even when
    another process (the window, ``pos-app sync run``) writes a sale between two of them: a WAL
    reader sees one snapshot. The lock keeps this process's other threads off the connection
    meanwhile (a day's report holds it for ~10 ms)."""
    with db.lock:
        conn = db.conn
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")
        try:
            yield _Reader(conn)
        finally:
            if own and conn.in_transaction:
                conn.execute("COMMIT")


# -- the sections ------------------------------------------------------------------------------

def _totals(q: _Reader, r: _Range) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Summary totals and the per-day trend, from one aggregate over the paid orders."""
    by_day = {
        row[0]: row[1:]
        for row in q.all(
            "SELECT business_date, count(*), sum(subtotal), sum(line_discounts),"
            " sum(order_discount), sum(tax), sum(total) FROM orders"
            f" WHERE business_date IN ({r.marks}) AND status = 'paid' GROUP BY business_date",
            r.dates,
        )
    }
    sums = [sum(int(v[i]) for v in by_day.values()) for i in range(6)]
    count, gross, line_disc, order_disc, tax, collected = sums
    totals = {"order_count": count, "gross_sales": gross, "discounts": line_disc + order_disc,
              "tax": tax, "collected": collected}
    days = []
    for d in r.dates:
        n, _, _, _, t, c = by_day.get(d, (0, 0, 0, 0, 0, 0))
        days.append({"date": d, "order_count": int(n), "collected": int(c),
                     "net_sales": int(c) - int(t)})
    return totals, days


def report_totals(db: Database, first: date, last: date) -> dict[str, int]:
    """``order_count``, ``gross_sales``, ``discounts``, ``tax``, ``collected`` of the paid
    orders of ``first`` .. ``last``: the report's own summary query (the benchmark compares it
    with the fastest hand-written aggregate)."""
    r = _range(first, last, ZoneInfo("UTC"))  # the zone matters to hours only
    with _snapshot(db) as q:
        return _totals(q, r)[0]


def _hour_sql(r: _Range) -> tuple[str, list[Any]]:
    """The SQL expression grouping paid orders by hour, and its parameters.

    One offset for the whole range: the local hour itself, from the UTC text (substr beats
    strftime here; offsets are whole minutes). Otherwise (summer time starts or ends inside the
    range) the UTC day and quarter-hour, turned into local hours in Python: every zone's offset
    is a multiple of 15 minutes and changes on a quarter-hour, so a quarter never straddles two
    local hours.
    """
    minutes = ("(CAST(substr(created_at, 12, 2) AS INTEGER) * 60"
               " + CAST(substr(created_at, 15, 2) AS INTEGER))")
    if r.offset_min is not None:
        return f"(({minutes} + ? + 1440) % 1440) / 60", [r.offset_min]
    return f"substr(created_at, 1, 10) || '/' || ({minutes} / 15)", []


def _local_hour(key: str, tz: ZoneInfo, cache: dict[str, int]) -> int:
    hour = cache.get(key)
    if hour is None:
        day, quarter = key.split("/")
        moment = datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(
            minutes=15 * int(quarter))
        hour = cache[key] = moment.astimezone(tz).hour
    return hour


def _hourly_and_cashiers(q: _Reader, r: _Range, tz: ZoneInfo
                         ) -> tuple[list[dict[str, int]], list[dict[str, Any]]]:
    expr, params = _hour_sql(r)
    hourly = [{"hour": h, "count": 0, "amount": 0} for h in range(24)]
    cashiers: dict[str, list[int]] = {}
    cache: dict[str, int] = {}
    for key, cashier, n, amount in q.all(
        f"SELECT {expr} AS bucket, cashier, count(*), sum(total) FROM orders"
        f" WHERE business_date IN ({r.marks}) AND status = 'paid' GROUP BY bucket, cashier",
        [*params, *r.dates],
    ):
        h = hourly[key if r.offset_min is not None else _local_hour(key, tz, cache)]
        h["count"] += n
        h["amount"] += amount
        slot = cashiers.setdefault(cashier or "-", [0, 0])
        slot[0] += n
        slot[1] += amount
    by_cashier = [{"cashier": name, "count": n, "amount": amount}
                  for name, (n, amount) in sorted(cashiers.items(),
                                                  key=lambda kv: (-kv[1][1], kv[0]))]
    return hourly, by_cashier


def _payment_methods(q: _Reader, r: _Range
                     ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    # by_payment_method (SPEC): "cash" and "qris", and each QRIS provider by name too -- the
    # same sales counted once per method and once per provider. qris_by_provider holds the
    # providers alone, so that a reader (the text report) can show them *under* QRIS.
    by_method: dict[str, dict[str, int]] = {
        "cash": {"count": 0, "amount": 0},
        "qris": {"count": 0, "amount": 0},
    }
    by_provider: dict[str, dict[str, int]] = {}
    for method, provider, n, amount in q.all(
        "SELECT p.method, p.provider, count(*), sum(o.total)"
        " FROM orders o CROSS JOIN payments p ON p.order_id = o.id"
        " AND +p.status IN ('paid', 'late')"
        f" WHERE o.business_date IN ({r.marks}) AND o.status = 'paid'"
        " GROUP BY p.method, p.provider",
        r.dates,
    ):
        for key in {method, provider} - {None}:
            slot = by_method.setdefault(key, {"count": 0, "amount": 0})
            slot["count"] += n
            slot["amount"] += amount
        if method == "qris" and provider:
            pslot = by_provider.setdefault(provider, {"count": 0, "amount": 0})
            pslot["count"] += n
            pslot["amount"] += amount
    return by_method, dict(sorted(by_provider.items(), key=lambda kv: -kv[1]["amount"]))


def _top_products(q: _Reader, r: _Range) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    # CROSS JOIN keeps the orders of the range as the outer loop: left to itself the planner
    # may walk order_lines_by_sku for the GROUP BY, i.e. every line ever sold.
    rows = q.all(
        "SELECT l.sku, max(l.name), sum(l.quantity), sum(l.net)"
        " FROM orders o CROSS JOIN order_lines l ON l.order_id = o.id"
        f" WHERE o.business_date IN ({r.marks}) AND o.status = 'paid' GROUP BY l.sku",
        r.dates,
    )
    by_qty = sorted(rows, key=lambda x: (-x[2], -x[3], x[0]))[:TOP_N]
    by_amount = sorted(rows, key=lambda x: (-x[3], -x[2], x[0]))[:TOP_N]
    return ([{"sku": s, "name": n, "quantity": qty, "amount": a} for s, n, qty, a in by_qty],
            [{"sku": s, "name": n, "quantity": qty, "amount": a} for s, n, qty, a in by_amount])


def _refunds(q: _Reader, r: _Range) -> dict[str, Any]:
    lines: dict[str, list[dict[str, Any]]] = {}
    for refund_id, line_no, sku, name, qty, amount in q.all(
        "SELECT rl.refund_id, rl.line_no, l.sku, l.name, rl.quantity, rl.amount"
        " FROM refunds f JOIN refund_lines rl ON rl.refund_id = f.id"
        " LEFT JOIN order_lines l ON l.order_id = f.order_id AND l.line_no = rl.line_no"
        f" WHERE f.business_date IN ({r.marks}) ORDER BY rl.refund_id, rl.line_no",
        r.dates,
    ):
        lines.setdefault(refund_id, []).append(
            {"line_no": line_no, "sku": sku, "name": name, "quantity": qty, "amount": amount})
    items = [
        {"refund_id": rid, "order_id": oid, "created_at": at, "cashier": cashier,
         "approved_by": approver, "reason": reason, "method": method, "paid_back": back,
         "amount": amount, "lines": lines.get(rid, [])}
        for rid, oid, at, cashier, approver, reason, method, back, amount in q.all(
            "SELECT id, order_id, created_at, cashier, approved_by, reason, method, paid_back,"
            f" amount FROM refunds WHERE business_date IN ({r.marks}) ORDER BY created_at, id",
            r.dates,
        )
    ]
    return {
        "count": len(items),
        "amount": sum(i["amount"] for i in items),
        "owed": sum(i["amount"] for i in items if i["paid_back"] == "owed"),
        "orders": list(dict.fromkeys(i["order_id"] for i in items)),
        "items": items,
    }


def _shifts(q: _Reader, r: _Range) -> list[dict[str, Any]]:
    rows = q.all(
        "SELECT id, terminal_id, business_date, status, opened_by, opened_at, closed_by,"
        " closed_at, opening_float, expected_cash, counted_cash, note FROM shifts"
        f" WHERE business_date IN ({r.marks}) ORDER BY opened_at, id",
        r.dates,
    )
    if not rows:
        return []
    ids = [row[0] for row in rows]
    marks = ",".join("?" * len(ids))
    # "+o.status": orders_by_shift, not orders_by_status (every paid order ever), finds them.
    sales = dict(q.all(
        "SELECT o.shift_id, sum(o.total) FROM orders o CROSS JOIN payments p"
        " ON p.order_id = o.id AND +p.method = 'cash' AND +p.status = 'paid'"
        f" WHERE o.shift_id IN ({marks}) AND +o.status = 'paid' GROUP BY o.shift_id",
        ids,
    ))
    refunded = dict(q.all(
        "SELECT shift_id, sum(amount) FROM refunds"
        f" WHERE shift_id IN ({marks}) AND paid_back = 'cash' GROUP BY shift_id",
        ids,
    ))
    return [shift_entry(row, int(sales.get(row[0]) or 0), int(refunded.get(row[0]) or 0))
            for row in rows]


def shift_entry(row: Sequence[Any], cash_sales: int, cash_refunds: int) -> dict[str, Any]:
    """One shift of the report from its row (id, terminal_id, business_date, status,
    opened_by, opened_at, closed_by, closed_at, opening_float, expected_cash, counted_cash,
    note) and its cash figures: the expected-cash rule of the module docstring, shared with
    the central report (:mod:`pos_app.central.reports`)."""
    (sid, terminal, day, status, opened_by, opened_at, closed_by, closed_at, float_,
     expected, counted, note) = row
    live = float_ + cash_sales - cash_refunds
    # A closed shift keeps what the drawer was expected to hold when it was counted.
    expected_cash = live if status == "open" or expected is None else expected
    difference = (counted - expected_cash
                  if status == "closed" and counted is not None else None)
    return {
        "shift_id": sid, "terminal_id": terminal, "business_date": day, "status": status,
        "opened_by": opened_by, "opened_at": opened_at, "closed_by": closed_by,
        "closed_at": closed_at, "opening_float": float_, "cash_sales": cash_sales,
        "cash_refunds": cash_refunds, "expected_cash": expected_cash,
        "counted_cash": counted, "difference": difference, "note": note,
    }


def _orders(q: _Reader, r: _Range) -> list[tuple[Any, ...]]:
    """Every order of the range, whatever its status, with its latest payment, the statement
    credit that confirmed it and what was refunded of it: the owner can trace each rupiah, and
    the reconciliation lists are picked from these rows."""
    return q.all(
        "SELECT o.id, o.created_at, o.status, o.total, o.cashier, o.voided_by, o.void_reason,"
        " p.method, p.provider, p.payable_amount, p.provider_ref, p.status, p.paid_amount,"
        " c.credit_id, c.credited_at,"
        " (SELECT sum(amount) FROM refunds f WHERE f.order_id = o.id)"
        " FROM orders o"
        " LEFT JOIN payments p ON p.id = (SELECT id FROM payments WHERE order_id = o.id"
        "                                 ORDER BY created_at DESC, rowid DESC LIMIT 1)"
        " LEFT JOIN credits c ON c.payment_id = p.id"
        f" WHERE o.business_date IN ({r.marks}) ORDER BY o.created_at, o.id",
        r.dates,
    )


def _unmatched_credits(q: _Reader, r: _Range) -> list[dict[str, Any]]:
    # Credits are stamped in UTC; the store's days run from local midnight to local midnight.
    return [
        {"source": source, "credit_id": cid, "amount": amount, "credited_at": at,
         "needs_review": status == "review", "note": note}
        for source, cid, amount, at, status, note in q.all(
            "SELECT source, credit_id, amount, credited_at, status, note FROM credits"
            " WHERE status IN ('unmatched', 'review') AND credited_at >= ? AND credited_at < ?"
            " ORDER BY credited_at, id",
            (r.utc_from, r.utc_to),
        )
    ]


_LATE_OUTCOME = {"late_payment": "waiting", "paid": "accepted", "refunded": "refunded"}


# -- the engine ---------------------------------------------------------------------------------

def build_report(db: Database, first: date, last: date, tz: ZoneInfo) -> dict[str, Any]:
    """The report of the store-local days ``first`` .. ``last`` (inclusive, at most 366).

    A single day (``first == last``) also has ``date``. Raises ``ValueError`` for a range that
    ends before it starts or is too long, ``OverflowError`` for dates whose local midnight
    can't be expressed in UTC.
    """
    r = _range(first, last, tz)
    with _snapshot(db) as q:
        totals, days = _totals(q, r)
        hourly, by_cashier = _hourly_and_cashiers(q, r, tz)
        by_method, by_provider = _payment_methods(q, r)
        top, top_revenue = _top_products(q, r)
        refunds = _refunds(q, r)
        shifts = _shifts(q, r)
        rows = _orders(q, r)
        credits = _unmatched_credits(q, r)

    orders: list[dict[str, Any]] = []
    matched: list[dict[str, Any]] = []
    unconfirmed: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []
    voids: list[dict[str, Any]] = []
    for (oid, created, status, total, cashier, voided_by, void_reason, method, provider,
         payable, ref, pay_status, paid_amount, credit_id, credited_at, refunded) in rows:
        orders.append({
            "order_id": oid, "created_at": created, "status": status, "method": method,
            "provider": provider, "amount": total, "payable_amount": payable,
            "provider_ref": ref, "credit_id": credit_id, "cashier": cashier,
            "refunded": refunded or 0, "voided_by": voided_by,
        })
        # A void whose money arrived after all (a late payment, then accepted) is that: a late
        # payment, then a sale -- not a void too.
        voided = voided_by is not None and status in VOIDABLE
        if voided:
            voids.append({"order_id": oid, "created_at": created, "cashier": cashier,
                          "voided_by": voided_by, "reason": void_reason, "amount": total})
        # Late payments, all three outcomes: still waiting for the cashier, accepted (a paid
        # order whose money came late), given back (an order left 'refunded').
        if status in ("late_payment", "refunded") or (status == "paid" and pay_status == "late"):
            late.append({"order_id": oid, "amount": total, "paid_amount": paid_amount,
                         "provider": provider, "provider_ref": ref,
                         "outcome": _LATE_OUTCOME[status]})
        if method != "qris":
            continue
        if pay_status == "paid":
            # A payment is only ever confirmed while it is the order's latest: a paid QRIS is
            # its order's last payment, so the latest payment finds every one.
            matched.append({"order_id": oid, "amount": total, "paid_amount": paid_amount,
                            "provider": provider, "provider_ref": ref, "credit_id": credit_id,
                            "credited_at": credited_at})
        elif (status in ("awaiting_payment", "expired") and pay_status in ("pending", "expired")
              and not voided):  # a voided order needs no look: the owner decided
            unconfirmed.append({"order_id": oid, "status": status, "amount": total,
                                "provider": provider})

    collected = totals["collected"]
    count = totals["order_count"]
    report: dict[str, Any] = {"from": r.first.isoformat(), "to": r.last.isoformat()}
    if first == last:
        report["date"] = r.first.isoformat()
    report.update({
        "timezone": tz.key,
        **totals,
        "net_sales": collected - totals["tax"],
        "net_after_refunds": collected - refunds["amount"],
        "average_basket": collected // count if count else 0,
        "by_payment_method": by_method,
        "qris_by_provider": by_provider,
        "by_cashier": by_cashier,
        "hourly": hourly,
        "days": days,
        "top_products": top,
        "top_products_by_revenue": top_revenue,
        "refunds": refunds,
        "voids": {"count": len(voids), "amount": sum(v["amount"] for v in voids),
                  "items": voids},
        "shifts": shifts,
        "reconciliation": {
            "matched": {"count": len(matched),
                        "amount": sum(m["paid_amount"] or 0 for m in matched),
                        "items": matched},
            "unmatched_credits": credits,
            "unconfirmed_sales": unconfirmed,
            "late_payments": late,
        },
        "orders": orders,
    })
    return report


def daily_report(db: Database, day: date, tz: ZoneInfo) -> dict[str, Any]:
    """One store-local day: :func:`build_report` of ``day`` .. ``day`` (it has ``date``)."""
    return build_report(db, day, day, tz)


# -- text and CSV --------------------------------------------------------------------------------

def _local_hm(stamp: str | None, tz: ZoneInfo) -> str:
    return "-" if not stamp else from_iso(stamp).astimezone(tz).strftime("%d/%m %H:%M")


def report_text(report: dict[str, Any]) -> str:
    """The report as the owner reads it in a terminal (Indonesian)."""
    rp = format_rupiah
    tz = ZoneInfo(report["timezone"])
    single = "date" in report
    title = (f"Laporan harian {report['date']}" if single
             else f"Laporan {report['from']} s.d. {report['to']}")
    refunds = report["refunds"]
    out = [
        f"{title} ({report['timezone']})",
        f"  Jumlah transaksi : {report['order_count']}",
        f"  Penjualan kotor  : {rp(report['gross_sales'])}",
        f"  Diskon           : {rp(report['discounts'])}",
        f"  PPN              : {rp(report['tax'])}",
        f"  Diterima         : {rp(report['collected'])}",
        f"  Penjualan bersih : {rp(report['net_sales'])}",
        f"  Rata-rata belanja: {rp(report['average_basket'])}",
        f"  Refund           : {refunds['count']} x  {rp(refunds['amount'])}"
        + (f"  (belum dibayar {rp(refunds['owed'])})" if refunds["owed"] else ""),
        f"  Diterima - refund: {rp(report['net_after_refunds'])}",
        "Per metode pembayaran:",
    ]
    methods = report["by_payment_method"]
    providers = report.get("qris_by_provider", {})
    for method, label in (("cash", "Tunai"), ("qris", "QRIS")):
        slot = methods[method]
        out.append(f"  {label:<18}{slot['count']:>5} x  {rp(slot['amount'])}")
        if method == "qris":  # the same QRIS sales, by provider: part of the line above
            out.extend(f"    - {name:<14}{p['count']:>5} x  {rp(p['amount'])}"
                       for name, p in providers.items())
    if not single:
        out.append("Per hari:")
        out.extend(f"  {d['date']}  {d['order_count']:>5} x  {rp(d['collected'])}"
                   for d in report["days"])
    busy = [h for h in report["hourly"] if h["count"]]
    if busy:
        out.append("Per jam:")
        out.extend(f"  {h['hour']:02d}:00  {h['count']:>4} x  {rp(h['amount'])}" for h in busy)
    if report["by_cashier"]:
        out.append("Per kasir:")
        out.extend(f"  {c['cashier']:<18}{c['count']:>5} x  {rp(c['amount'])}"
                   for c in report["by_cashier"])
    if report["top_products"]:
        out.append("Produk terlaris:")
        out.extend(
            f"  {p['quantity']:>4} x {p['name']}  ({rp(p['amount'])})"
            for p in report["top_products"]
        )
        out.append("Produk terlaris (omzet):")
        out.extend(
            f"  {rp(p['amount']):>16}  {p['name']} ({p['quantity']} x)"
            for p in report["top_products_by_revenue"]
        )
    if refunds["items"]:
        out.append("Refund:")
        back = {"cash": "tunai", "transfer": "transfer", "owed": "belum dibayar"}
        for f in refunds["items"]:
            out.append(f"  {_local_hm(f['created_at'], tz)}  {f['order_id']}  {rp(f['amount'])}"
                       f"  ({back.get(f['paid_back'], f['paid_back'])}; {f['reason']};"
                       f" kasir {f['cashier']}, disetujui {f['approved_by']})")
    voids = report["voids"]
    if voids["items"]:
        out.append(f"Transaksi dibatalkan (void): {voids['count']} x  {rp(voids['amount'])}")
        out.extend(f"  {_local_hm(v['created_at'], tz)}  {v['order_id']}  {rp(v['amount'])}"
                   f"  (disetujui {v['voided_by']}: {v['reason'] or '-'})"
                   for v in voids["items"])
    if report["shifts"]:
        out.append("Shift kasir:")
        for s in report["shifts"]:
            state = "buka" if s["status"] == "open" else "tutup"
            out.append(f"  {s['shift_id']} ({s['terminal_id']}, {state})"
                       f"  {s['opened_by']} {_local_hm(s['opened_at'], tz)}"
                       f" - {s['closed_by'] or '-'} {_local_hm(s['closed_at'], tz)}")
            out.append(f"    Modal awal {rp(s['opening_float'])}, tunai masuk"
                       f" {rp(s['cash_sales'])}, refund tunai {rp(s['cash_refunds'])},"
                       f" seharusnya {rp(s['expected_cash'])}")
            if s["counted_cash"] is not None:
                diff = s["difference"]
                out.append(f"    Dihitung {rp(s['counted_cash'])}, selisih "
                           + ("-" if diff is None else rp(diff)))
    rec = report["reconciliation"]
    late = rec["late_payments"]
    outcomes = {k: sum(1 for x in late if x["outcome"] == k)
                for k in ("waiting", "accepted", "refunded")}
    out.append("Rekonsiliasi QRIS:")
    out.append(f"  Cocok            : {rec['matched']['count']} ({rp(rec['matched']['amount'])})")
    out.append(f"  Belum terkonfirmasi: {len(rec['unconfirmed_sales'])}")
    out.append(f"  Bayar terlambat  : {len(late)} (menunggu {outcomes['waiting']},"
               f" diterima {outcomes['accepted']}, dikembalikan {outcomes['refunded']})")
    out.append(f"  Dana masuk tanpa transaksi: {len(rec['unmatched_credits'])}")
    return "\n".join(out) + "\n"


def report_csv(report: dict[str, Any]) -> str:
    """The report as ``section,key,count,amount`` rows, for a spreadsheet."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["section", "key", "count", "amount"])
    for key in ("order_count", "gross_sales", "discounts", "tax", "collected", "net_sales",
                "average_basket", "net_after_refunds"):
        w.writerow(["summary", key, "", report[key]])
    for method in ("cash", "qris"):
        slot = report["by_payment_method"][method]
        w.writerow(["payment_method", method, slot["count"], slot["amount"]])
    for name, slot in report.get("qris_by_provider", {}).items():
        w.writerow(["qris_provider", name, slot["count"], slot["amount"]])
    for d in report["days"]:
        w.writerow(["day", d["date"], d["order_count"], d["collected"]])
    for h in report["hourly"]:
        w.writerow(["hourly", f"{h['hour']:02d}", h["count"], h["amount"]])
    for c in report["by_cashier"]:
        w.writerow(["cashier", c["cashier"], c["count"], c["amount"]])
    for p in report["top_products"]:
        w.writerow(["top_product", p["name"], p["quantity"], p["amount"]])
    for p in report["top_products_by_revenue"]:
        w.writerow(["top_product_by_revenue", p["name"], p["quantity"], p["amount"]])
    refunds = report["refunds"]
    w.writerow(["refunds", "total", refunds["count"], refunds["amount"]])
    w.writerow(["refunds", "owed", "", refunds["owed"]])
    for f in refunds["items"]:
        w.writerow(["refund", f"{f['refund_id']} {f['order_id']}",
                    sum(line["quantity"] for line in f["lines"]), f["amount"]])
    voids = report["voids"]
    w.writerow(["voids", "total", voids["count"], voids["amount"]])
    for v in voids["items"]:
        w.writerow(["void", v["order_id"], 1, v["amount"]])
    for s in report["shifts"]:
        for key in ("opening_float", "cash_sales", "cash_refunds", "expected_cash",
                    "counted_cash", "difference"):
            w.writerow(["shift", f"{s['shift_id']} {key}", "",
                        "" if s[key] is None else s[key]])
    rec = report["reconciliation"]
    w.writerow(["reconciliation", "matched", rec["matched"]["count"], rec["matched"]["amount"]])
    for key in ("unmatched_credits", "unconfirmed_sales"):
        w.writerow(["reconciliation", key, len(rec[key]), sum(x["amount"] for x in rec[key])])
    for outcome in ("waiting", "accepted", "refunded"):
        items = [x for x in rec["late_payments"] if x["outcome"] == outcome]
        w.writerow(["reconciliation", f"late_payments_{outcome}", len(items),
                    sum(x["paid_amount"] or x["amount"] for x in items)])
    return buf.getvalue()
