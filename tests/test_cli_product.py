"""``pos-app product list|add|import|export`` run as the real console script (SPEC section 3)."""

from __future__ import annotations

import json
from pathlib import Path

from pos_app.demo import demo_products
from pos_app.storage import catalog, open_database
from tests.cli_helpers import run


def products(data_dir: Path) -> list[dict]:
    out = run(data_dir, "product", "list", "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_add_then_list_as_json_text_and_csv(data_dir: Path) -> None:
    out = run(data_dir, "product", "add", "--name", "Aqua 600ml", "--price", "Rp 4.000",
              "--barcode", "8992761111014", "--barcode", "8992761111021", "--category",
              "Minuman", "--stock", "24", "--low-stock", "30", "--cost", "3.100")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "added P-00001: Aqua 600ml, Rp 4.000\n"
    out = run(data_dir, "product", "add", "--name", "Gula", "--price", "18500", "--sku",
              "G-1", "--unit", "kg", "--json")
    assert json.loads(out.stdout)["sku"] == "G-1"
    assert products(data_dir) == [
        {"sku": "P-00001", "name": "Aqua 600ml", "category": "Minuman", "price": 4000,
         "barcodes": ["8992761111014", "8992761111021"], "cost": 3100, "stock": 24,
         "low_stock": 30, "unit": "pcs", "active": True, "demo": False},
        {"sku": "G-1", "name": "Gula", "category": "", "price": 18500, "barcodes": [],
         "cost": None, "stock": None, "low_stock": None, "unit": "kg", "active": True,
         "demo": False},
    ]
    text = run(data_dir, "product", "list").stdout
    assert "Rp 4.000" in text and "LOW STOCK" in text
    csv_out = run(data_dir, "product", "list", "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "sku,nama,kategori,harga,barcode,modal,stok,stok minimum," \
                                      "satuan,aktif"


def test_a_refused_product_exits_2_naming_the_reasons(data_dir: Path) -> None:
    run(data_dir, "product", "add", "--name", "Aqua", "--price", "4000", "--barcode", "111")
    out = run(data_dir, "product", "add", "--name", "Teh", "--price", "0", "--barcode", "111")
    assert out.returncode == 2
    assert out.stderr.strip() == ("pos-app: product refused: the price must be more than Rp 0, "
                                  "got 0; barcode 111 is already used by Aqua")
    assert "Traceback" not in out.stderr
    out = run(data_dir, "product", "add", "--name", "Teh", "--price", "lima ribu")
    assert out.returncode == 2 and "bad --price 'lima ribu'" in out.stderr
    out = run(data_dir, "product", "add", "--name", "Teh", "--price", "99.999.999.999.999")
    assert out.returncode == 2 and "above the QRIS limit" in out.stderr
    assert [p["name"] for p in products(data_dir)] == ["Aqua"]


def test_import_refuses_the_whole_file_naming_rows_unless_told(data_dir: Path,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "harga.csv"
    path.write_text("nama,harga,kode\nAqua,4000,111\nRusak,abc,\nTeh,0,\nKopi,\"5,000\",\n",
                    encoding="utf-8")
    out = run(data_dir, "product", "import", str(path))
    assert out.returncode == 2
    assert out.stdout == "harga.csv (generic): 2 to add, 0 to change, 0 unchanged, 2 refused\n"
    lines = out.stderr.splitlines()
    assert lines[0].startswith("pos-app: row 3: price: 'abc' is not a rupiah amount")
    assert lines[1] == "pos-app: row 4: the price must be more than Rp 0, got 0"
    assert "nothing was imported" in lines[2]
    assert products(data_dir) == []

    out = run(data_dir, "product", "import", str(path), "--skip-refused", "--dry-run")
    assert out.returncode == 0 and "nothing was written (--dry-run)" in out.stderr
    assert products(data_dir) == []

    out = run(data_dir, "product", "import", str(path), "--skip-refused")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "imported: 2 added, 0 changed"
    assert [(p["name"], p["price"]) for p in products(data_dir)] == [("Aqua", 4000),
                                                                     ("Kopi", 5000)]


def test_export_and_reimport_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    run(data_dir, "product", "add", "--name", "Mie", "--price", "3500", "--barcode",
        "089686010947", "--category", "Makanan")
    for name in ("p.xlsx", "p.csv"):
        out = run(data_dir, "product", "export", str(tmp_path / name))
        assert out.returncode == 0 and out.stdout == f"exported 1 products to {tmp_path / name}\n"
        out = run(data_dir, "product", "import", str(tmp_path / name), "--json")
        assert out.returncode == 0, out.stderr
        summary = json.loads(out.stdout)
        assert (summary["added"], summary["changed"], summary["unchanged"]) == (0, 0, 1)
    out = run(data_dir, "product", "export", str(tmp_path / "p.pdf"))
    assert out.returncode == 2 and "use .csv or .xlsx" in out.stderr
    out = run(data_dir, "product", "import", str(tmp_path / "nope.csv"))
    assert out.returncode == 2 and "no such file" in out.stderr


def test_the_first_own_product_leaves_the_demo_behind(data_dir: Path) -> None:
    db = open_database(data_dir / "pos.sqlite3")
    catalog.seed_demo(db)
    db.close()
    out = run(data_dir, "product", "add", "--name", "Es Jeruk", "--price", "6000")
    assert out.returncode == 0
    assert "left the demo catalogue behind (32 demo products removed" in out.stderr
    assert [p["name"] for p in products(data_dir)] == ["Es Jeruk"]


def test_keep_demo_makes_them_the_shops_own(data_dir: Path) -> None:
    db = open_database(data_dir / "pos.sqlite3")
    catalog.seed_demo(db)
    db.close()
    out = run(data_dir, "product", "add", "--name", "Es Jeruk", "--price", "6000", "--keep-demo")
    assert out.returncode == 0
    listed = products(data_dir)
    assert len(listed) == len(demo_products()) + 1
    assert not any(p["demo"] for p in listed)
