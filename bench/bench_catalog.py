"""Benchmark of the owner's price list: importing a 20,000-row XLSX, and the till afterwards.
Prints one JSON object.

* preview: ``plan_import`` of a fresh 20,000-row XLSX into an empty catalogue (target < 3 s);
* commit: ``apply_import`` of that plan, one transaction (target < 2 s);
* search: every prefix of a few realistic queries, as a cashier types them, on the imported
  catalogue (target < 30 ms per keystroke), and barcode lookups (a scan);
* again: the same file once more (every row matched, nothing changes), and a repriced copy
  (every price changed: preview + commit of 20,000 changes);
* export: the catalogue to XLSX and CSV.

The file looks like an owner's: a title row above the header, Indonesian headers, prices as
numbers and as text ("Rp 15.000"), barcodes as text, stock for half of the rows.

Run: .venv/bin/python bench/bench_catalog.py [--rows 20000] [--repeat 3]
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

from pos_app.product_io import apply_import, export_items, plan_import
from pos_app.storage import catalog, open_database

WORDS = [
    "kopi", "teh", "susu", "gula", "beras", "minyak", "sabun", "mie", "roti", "keju", "coklat",
    "pedas", "manis", "asin", "goreng", "bakar", "ayam", "sapi", "ikan", "udang", "jeruk", "apel",
    "mangga", "pisang", "kacang", "tepung", "garam", "kecap", "saus", "sambal",
]
CATEGORIES = ["Minuman", "Makanan", "Camilan", "Sembako", "Rumah Tangga", "Rokok", "Obat", "ATK"]


def write_price_list(path: Path, rows: int, rng: random.Random, *, bump: int = 0) -> None:
    import openpyxl

    # A normal (not write-only) workbook: its file has the shared strings and the <dimension>
    # an Excel-saved file has, which the reader's speed depends on.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Harga"
    sheet.append(["DAFTAR HARGA TOKO MAKMUR"])
    sheet.append(["Nama Barang", "Harga", "Kategori", "Barcode", "Stok", "Modal", "Satuan"])
    for i in range(rows):
        name = " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(2, 4)))
        price = rng.randint(1, 500) * 500 + bump
        sheet.append([
            f"{name} {i}",
            price if i % 2 else f"Rp {price:,}".replace(",", "."),
            rng.choice(CATEGORIES),
            f"899{i:010d}",
            rng.randint(0, 200) if i % 2 else None,
            price * 8 // 10,
            "pcs" if i % 7 else "kg",
        ])
    book.save(path)


def timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3, help="fresh imports to time (best and worst)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "harga.xlsx"
        write_price_list(src, a.rows, random.Random(42))
        repriced = root / "harga-naik.xlsx"
        write_price_list(repriced, a.rows, random.Random(42), bump=500)
        previews: list[float] = []
        commits: list[float] = []
        for n in range(a.repeat):
            db = open_database(root / f"pos{n}.sqlite3")
            plan, preview_s = timed(lambda db=db: plan_import(db, src))
            result, commit_s = timed(lambda db=db, plan=plan: apply_import(db, plan))
            assert result.added == a.rows, (result, plan.refused[:3])
            previews.append(preview_s)
            commits.append(commit_s)
            if n < a.repeat - 1:
                db.close()
        queries = ["kopi", "goreng ayam", "899000012", "P-01999", "pedas manis", "xyz"]
        search_ms: list[float] = []
        for _ in range(3):
            for q in queries:
                for i in range(1, len(q) + 1):
                    _, s = timed(lambda q=q, i=i: catalog.search(db, q[:i]))
                    search_ms.append(s * 1000)
        rng = random.Random(7)
        scan_ms = [timed(lambda: catalog.get_by_barcode(
            db, f"899{rng.randrange(a.rows):010d}"))[1] * 1000 for _ in range(500)]
        again, again_s = timed(lambda: plan_import(db, src))
        assert again.unchanged == a.rows and not again.has_changes
        plan2, reprice_preview_s = timed(lambda: plan_import(db, repriced))
        assert len(plan2.changed) == a.rows, (len(plan2.changed), plan2.refused[:3])
        _, reprice_commit_s = timed(lambda: apply_import(db, plan2))
        list_s = timed(lambda: catalog.list_items(db))[1]
        export_xlsx_s = timed(lambda: export_items(db, root / "out.xlsx"))[1]
        export_csv_s = timed(lambda: export_items(db, root / "out.csv"))[1]
        db.close()
    print(json.dumps({
        "rows": a.rows,
        "preview_s_best": round(min(previews), 3),
        "preview_s_worst": round(max(previews), 3),
        "preview_target_s": 3,
        "commit_s_best": round(min(commits), 3),
        "commit_s_worst": round(max(commits), 3),
        "commit_target_s": 2,
        "search_queries": len(search_ms),
        "search_ms_p50": round(statistics.median(search_ms), 3),
        "search_ms_p99": round(percentile(search_ms, 0.99), 3),
        "search_ms_max": round(max(search_ms), 3),
        "search_target_ms": 30,
        "scan_ms_p50": round(statistics.median(scan_ms), 3),
        "scan_ms_max": round(max(scan_ms), 3),
        "reimport_unchanged_preview_s": round(again_s, 3),
        "reprice_preview_s": round(reprice_preview_s, 3),
        "reprice_commit_s": round(reprice_commit_s, 3),
        "list_items_s": round(list_s, 3),
        "export_xlsx_s": round(export_xlsx_s, 3),
        "export_csv_s": round(export_csv_s, 3),
    }))


if __name__ == "__main__":
    main()
