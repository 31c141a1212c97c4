"""How long the owner's report takes on a year of a busy shop's history; prints one JSON object.

Builds ``--days`` days x ``--per-day`` orders of 3 lines (bench/_history.py: bulk inserts, ~70 %
cash / 30 % QRIS with matched credits, refunds, voids, late payments and two shifts a day), then
times, as the median of ``--runs`` runs after one warm-up run each:

* ``day_ms``: ``daily_report`` of one day in the middle, every section (target < 200 ms);
* ``month_ms``: ``build_report`` of the 30 days from there (target < 1 s);
* ``day_totals_ms`` / ``month_totals_ms``: ``report_totals``, the query the report runs for
  its summary (order count, gross, discounts, tax, collected);
* ``day_sql_ms`` / ``month_sql_ms``: the fastest of a few hand-written single aggregates of the
  same totals (``*_sql_variant`` says which), checked to give the same numbers;
* ``day_ratio`` / ``month_ratio``: totals query over that fastest hand-written one (target
  <= 1.5: the report computes its totals as fast as SQL can). ``*_full_ratio`` is the whole
  report over the same aggregate, for scale only: the report has fifteen more sections and
  lists every order, which no single aggregate does.

The file is in the page cache after the build (a till that ran a moment ago). ``--db FILE``
keeps the history there and reuses it on the next run (the build takes about a minute).

Run: .venv/bin/python bench/bench_report.py [--days 365] [--per-day 1000] [--runs 7] [--db FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _history import history_db

from pos_app.clock import zone
from pos_app.reports import build_report, daily_report, report_totals
from pos_app.storage.database import Database

FIRST_DAY = date(2025, 12, 1)
TARGETS = {"day_ms": 200, "month_ms": 1000, "ratio": 1.5}


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median milliseconds of ``runs`` calls after one warm-up call, and the last result."""
    result = fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), result


def hand_written(db: Database, first: date, last: date, runs: int
                 ) -> tuple[float, str, tuple[int, ...], dict[str, float]]:
    """The fastest of the obvious ways to write the totals by hand: (ms, which, totals), and
    the time of each way (``between`` shows what a range condition costs: SQLite then walks
    ``orders_by_status``, every paid order of the shop's history)."""
    a, b = first.isoformat(), last.isoformat()
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    cols = ("count(*), sum(subtotal), sum(line_discounts) + sum(order_discount), sum(tax),"
            " sum(total)")
    variants: dict[str, tuple[str, list[str]]] = {
        "between": (f"SELECT {cols} FROM orders WHERE business_date BETWEEN ? AND ?"
                    " AND status = 'paid'", [a, b]),
        "between_unary_plus": (f"SELECT {cols} FROM orders WHERE business_date BETWEEN ? AND ?"
                               " AND +status = 'paid'", [a, b]),
        "indexed_by": (f"SELECT {cols} FROM orders INDEXED BY orders_by_date"
                       " WHERE business_date BETWEEN ? AND ? AND status = 'paid'", [a, b]),
        "in_list": (f"SELECT {cols} FROM orders WHERE business_date IN"
                    f" ({','.join('?' * len(days))}) AND status = 'paid'", days),
    }
    best: tuple[float, str, tuple[int, ...]] | None = None
    each: dict[str, float] = {}
    for name, (sql, params) in variants.items():
        ms, row = timed(lambda sql=sql, params=params: db.query_one(sql, params), runs)
        totals = tuple(int(v or 0) for v in row)
        each[name] = round(ms, 3)
        if best is None or ms < best[0]:
            best = (ms, name, totals)
        assert totals == best[2], f"{name} gives other totals"
    assert best is not None
    return (*best, each)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--db", type=Path, help="keep the history in FILE and reuse it")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = a.db or Path(tmp) / "pos.sqlite3"
        db, build_s = history_db(path, days=a.days, per_day=a.per_day, first=FIRST_DAY)
        tz = zone("Asia/Jakarta")
        day = FIRST_DAY + timedelta(days=a.days // 2)
        month_end = day + timedelta(days=29)
        counts = {t: int(db.scalar(f"SELECT count(*) FROM {t}"))
                  for t in ("orders", "order_lines", "payments", "credits", "refunds", "shifts")}

        day_ms, day_report = timed(lambda: daily_report(db, day, tz), a.runs)
        month_ms, month_report = timed(lambda: build_report(db, day, month_end, tz), a.runs)
        day_totals_ms, day_totals = timed(lambda: report_totals(db, day, day), a.runs * 3)
        month_totals_ms, month_totals = timed(lambda: report_totals(db, day, month_end),
                                              a.runs * 3)
        day_sql_ms, day_variant, day_sql, day_each = hand_written(db, day, day, a.runs * 3)
        month_sql_ms, month_variant, month_sql, month_each = hand_written(db, day, month_end,
                                                                          a.runs * 3)
        db.close()
        keys = ("order_count", "gross_sales", "discounts", "tax", "collected")
        for report, totals, sql in ((day_report, day_totals, day_sql),
                                    (month_report, month_totals, month_sql)):
            assert tuple(report[k] for k in keys) == tuple(totals[k] for k in keys) == sql, (
                "the report and the hand-written SQL disagree")
        db_bytes = path.stat().st_size
    result = {
        "orders": counts["orders"],
        "lines": counts["order_lines"],
        "payments": counts["payments"],
        "credits": counts["credits"],
        "refunds": counts["refunds"],
        "shifts": counts["shifts"],
        "db_bytes": db_bytes,
        "build_s": round(build_s, 1),
        "runs": a.runs,
        "day": day.isoformat(),
        "month": f"{day} .. {month_end}",
        "day_orders_listed": len(day_report["orders"]),
        "month_orders_listed": len(month_report["orders"]),
        "day_ms": round(day_ms, 2),
        "month_ms": round(month_ms, 2),
        "day_totals_ms": round(day_totals_ms, 3),
        "month_totals_ms": round(month_totals_ms, 3),
        "day_sql_ms": round(day_sql_ms, 3),
        "month_sql_ms": round(month_sql_ms, 3),
        "day_sql_variant": day_variant,
        "month_sql_variant": month_variant,
        "day_sql_variants_ms": day_each,
        "month_sql_variants_ms": month_each,
        "day_ratio": round(day_totals_ms / day_sql_ms, 2),
        "month_ratio": round(month_totals_ms / month_sql_ms, 2),
        "day_full_ratio": round(day_ms / day_sql_ms, 1),
        "month_full_ratio": round(month_ms / month_sql_ms, 1),
        "targets": TARGETS,
    }
    result["targets_met"] = (
        result["day_ms"] < TARGETS["day_ms"] and result["month_ms"] < TARGETS["month_ms"]
        and result["day_ratio"] <= TARGETS["ratio"] and result["month_ratio"] <= TARGETS["ratio"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
