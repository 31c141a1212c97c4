"""Benchmarks of the storage layer; prints one JSON object.

* sale completion: one cash sale (3 lines + payment + outbox entry, one transaction) on a file
  database with WAL and synchronous=FULL, 5,000 times: p50/p99/max in ms (target p99 < 10 ms);
* product search over 20,000 products: every prefix of a few realistic queries, as a cashier
  types them (target < 30 ms per query).

Run: .venv/bin/python bench/bench_storage.py [--sales 5000] [--products 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _stats import percentile

from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import zone
from pos_app.storage import catalog, open_database

WORDS = [
    "kopi", "teh", "susu", "gula", "beras", "minyak", "sabun", "mie", "roti", "keju", "coklat",
    "pedas", "manis", "asin", "goreng", "bakar", "ayam", "sapi", "ikan", "udang", "jeruk", "apel",
    "mangga", "pisang", "kacang", "tepung", "garam", "kecap", "saus", "sambal",
]




def make_products(n: int, rng: random.Random) -> list[Product]:
    cats = ["Minuman", "Makanan", "Camilan", "Sembako", "Rumah Tangga", "Rokok", "Obat", "ATK"]
    return [
        Product(
            sku=f"SKU-{i:06d}",
            barcode=f"899{i:010d}",
            name=" ".join(rng.choice(WORDS).capitalize()
                          for _ in range(rng.randint(2, 4))) + f" {i}",
            category=rng.choice(cats),
            price=rng.randint(1, 500) * 500,
            stock=rng.randint(0, 200),
        )
        for i in range(n)
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sales", type=int, default=5000)
    ap.add_argument("--products", type=int, default=20000)
    a = ap.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "pos.sqlite3")
        products = make_products(a.products, rng)
        t0 = time.perf_counter()
        catalog.upsert_products(db, products)
        import_s = time.perf_counter() - t0
        service = CheckoutService(db, Till("K1", zone("Asia/Jakarta")))
        sale_ms: list[float] = []
        for _ in range(a.sales):
            cart = Cart()
            for p in rng.sample(products[:500], 3):
                cart.add(p, rng.randint(1, 3))
            total = cart.totals().total
            t = time.perf_counter()
            service.complete_cash_sale(cart, total + 5000)
            sale_ms.append((time.perf_counter() - t) * 1000)
        queries = ["kopi", "goreng ayam", "899000012", "SKU-01999", "pedas manis", "xyz"]
        search_ms: list[float] = []
        for q in queries:
            for i in range(1, len(q) + 1):
                t = time.perf_counter()
                catalog.search(db, q[:i])
                search_ms.append((time.perf_counter() - t) * 1000)
        db.close()
    print(json.dumps({
        "sales": a.sales,
        "sale_ms_p50": round(statistics.median(sale_ms), 3),
        "sale_ms_p99": round(percentile(sale_ms, 0.99), 3),
        "sale_ms_max": round(max(sale_ms), 3),
        "sale_target_p99_ms": 10,
        "products": a.products,
        "import_s": round(import_s, 3),
        "search_queries": len(search_ms),
        "search_ms_p50": round(statistics.median(search_ms), 3),
        "search_ms_max": round(max(search_ms), 3),
        "search_target_ms": 30,
    }))


if __name__ == "__main__":
    main()
