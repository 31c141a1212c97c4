"""What the integrity check at open costs on a shop's year of sales; prints one JSON object.

Builds a database with a year of a busy warung's sales (``--per-day`` sales a day for
``--days`` days, 3 lines each, through the real checkout service, one transaction per day to
keep the build quick), then times, over ``--runs`` runs each:

* ``open_database`` with ``PRAGMA quick_check`` (what every command and the till do) and
  without it, so the difference is the check's cost;
* ``PRAGMA quick_check`` and the slower ``PRAGMA integrity_check`` alone.

The file is in the page cache after the build, as it is on a till that ran a moment ago; the
first open after a reboot reads it from disk once more, which this bench does not see.

Run: .venv/bin/python bench/bench_integrity.py [--days 365] [--per-day 250] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import zone
from pos_app.storage import catalog, open_database


def build(path: Path, days: int, per_day: int) -> int:
    rng = random.Random(7)
    products = [Product(sku=f"SKU-{i:05d}", name=f"Barang {i}",
                        price=rng.randrange(1000, 60000, 500))
                for i in range(2000)]
    db = open_database(path)
    catalog.upsert_products(db, products)
    start = datetime(2025, 12, 1, 1, 0, tzinfo=UTC)
    now = [start]
    service = CheckoutService(db, Till("K1", zone("Asia/Jakarta")), clock=lambda: now[0])
    sales = 0
    for day in range(days):
        with db.transaction():
            for i in range(per_day):
                now[0] = start + timedelta(days=day, seconds=i * 120)
                cart = Cart()
                for p in rng.sample(products, 3):
                    cart.add(p, rng.randint(1, 3))
                if i % 2:
                    service.complete_cash_sale(cart, cart.totals().total)
                else:
                    service.open_qris_sale(cart, "simulator", ttl_s=600)
                sales += 1
    db.close()
    return sales


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=250)
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pos.sqlite3"
        t = time.perf_counter()
        sales = build(path, a.days, a.per_day)
        build_s = time.perf_counter() - t

        def pragma(name: str) -> None:
            conn = sqlite3.connect(path)
            assert conn.execute(f"PRAGMA {name}").fetchone()[0] == "ok"
            conn.close()

        with_check = timed(lambda: open_database(path).close(), a.runs)
        without = timed(lambda: open_database(path, check=False).close(), a.runs)
        quick = timed(lambda: pragma("quick_check"), a.runs)
        full = timed(lambda: pragma("integrity_check"), max(1, a.runs // 2))
        size_mb = path.stat().st_size / 1e6
    med = statistics.median
    print(json.dumps({
        "days": a.days, "sales": sales, "db_mb": round(size_mb, 1), "build_s": round(build_s, 1),
        "open_with_quick_check_ms_p50": round(med(with_check), 1),
        "open_without_check_ms_p50": round(med(without), 1),
        "check_cost_ms_p50": round(med(with_check) - med(without), 1),
        "quick_check_ms_p50": round(med(quick), 1),
        "integrity_check_ms_p50": round(med(full), 1),
    }))


if __name__ == "__main__":
    main()
