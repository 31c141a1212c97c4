"""Price lists in and out (pos_app.product_io): CSV and XLSX as owners keep them, Loyverse's item
export as it is, the preview that writes nothing, the one-transaction commit, and export ->
import changing nothing. The sample files are made here, from the column lists owners and
Loyverse use."""

from __future__ import annotations

import csv
import sqlite3
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from pos_app import product_io
from pos_app.demo import demo_products
from pos_app.product_io import (
    ImportConflict,
    ImportFileError,
    ImportFormat,
    apply_import,
    export_items,
    plan_import,
)
from pos_app.products import CatalogItem
from pos_app.storage import catalog


def write_csv(path: Path, rows: list[list[object]], *, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def by_name(db) -> dict[str, CatalogItem]:
    return {i.name: i for i in catalog.list_items(db, include_archived=True)}


def refusals(plan) -> dict[int, str]:
    return {r.row: r.reason for r in plan.refused}


# --------------------------------------------------------------------------- generic CSV


PRICE_LIST = [
    ["Daftar Harga Warung Bu Sri", "", "", "", "", ""],  # a title row above the header
    ["Nama Barang", "Harga Jual (Rp)", "Kategori", "Kode", "Stok", "Modal"],
    ["Aqua 600ml", "Rp 4.000", "Minuman", "8992761111014", "24", "3.100"],
    ["Indomie Goreng", "3,500", "makanan", "089686010947", "", ""],
    ["Kopi Tubruk", "5000", "MINUMAN", "", "", ""],
    ["", "", "", "", "", ""],  # blank rows are skipped, not refused
    ["Rusak", "abc", "", "", "", ""],
    ["Gratis", "0", "", "", "", ""],
    ["", "7000", "Makanan", "", "", ""],
    ["Mie Dobel", "3000", "Makanan", "089686010947", "", ""],
    ["Sabun", "Rp 4.500,50", "", "", "", ""],
    ["Mahal", "99.999.999.999.999", "", "", "", ""],
    ["Telur", "29000", "Sembako", "", "1,5", ""],
]


def test_preview_of_a_csv_price_list_writes_nothing_then_commit(db, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "harga.csv", PRICE_LIST)
    plan = plan_import(db, path)
    assert plan.format is ImportFormat.GENERIC
    assert plan.columns == ("name", "price", "category", "barcode", "stock", "cost")
    assert [(c.row, c.item.name, c.item.price) for c in plan.added] == [
        (3, "Aqua 600ml", 4000), (4, "Indomie Goreng", 3500), (5, "Kopi Tubruk", 5000)]
    aqua = plan.added[0].item
    assert (aqua.barcodes, aqua.stock, aqua.cost, aqua.sku) == (("8992761111014",), 24, 3100, "")
    assert plan.added[1].item.barcodes == ("089686010947",), "the leading zero stays"
    # One spelling per category: the first row's.
    assert {c.item.category for c in plan.added} == {"Minuman", "makanan"}
    assert refusals(plan) == {
        7: "Harga: 'abc' bukan jumlah rupiah (contoh: 15000, 15.000 atau Rp 15.000)",
        8: "Harga harus lebih dari Rp 0",
        9: "Nama produk wajib diisi",
        10: "Barcode 089686010947 sudah ada di baris 4",
        11: "Harga: Rp 4.500,50 bukan rupiah bulat (rupiah tidak punya sen)",
        12: "Harga melebihi batas QRIS (Rp 9.999.999.999.000)",
        13: "Stok '1,5' bukan bilangan bulat",
    }
    assert all(r.reason_en for r in plan.refused)
    assert catalog.product_count(db) == 0, "the preview wrote nothing"
    assert catalog.category_list(db) == []

    result = apply_import(db, plan)
    assert (result.added, result.changed, result.categories_added) == (3, 0, 2)
    assert result.skus == ("P-00001", "P-00002", "P-00003")
    items = by_name(db)
    assert items["Kopi Tubruk"].category == "Minuman"
    assert catalog.get_by_barcode(db, "089686010947").name == "Indomie Goreng"
    assert [c.name for c in catalog.category_list(db)] == ["Minuman", "makanan"]
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'products_imported'") == 1

    again = plan_import(db, path)
    assert (len(again.added), len(again.changed), again.unchanged) == (0, 0, 3), \
        "re-importing the same file changes nothing"


def test_english_headers_semicolons_and_windows_encoding(db, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", [
        ["NAME", "PRICE", "CATEGORY", "BARCODE", "SKU", "STOCK", "COST", "UNIT", "Low stock",
         "Active", "Supplier"],
        ["Café Susu", "15,000", "Drinks", "111;222", "CS-1", "10", "9000", "cup", "3", "yes",
         "PT Maju"],
        ["Gula 1kg", "Rp. 18.500", "", "", "", "", "", "kg", "", "no", ""],
    ], delimiter=";", encoding="cp1252")
    plan = plan_import(db, path)
    assert plan.ignored_columns == ("Supplier",)
    cafe, gula = (c.item for c in plan.added)
    assert cafe == CatalogItem("CS-1", "Café Susu", 15000, "Drinks", ("111", "222"), 9000, 10, 3,
                               "cup")
    assert (gula.price, gula.unit, gula.active, gula.stock) == (18500, "kg", False, None)


def test_a_file_without_a_price_column_is_refused_whole(db, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["nama", "stok"], ["Aqua", "3"]])
    with pytest.raises(ImportFileError) as exc:
        plan_import(db, path)
    assert "Kolom harga tidak ditemukan" in exc.value.message
    assert "no price column" in exc.value.message_en
    with pytest.raises(ImportFileError, match="no such file"):
        plan_import(db, tmp_path / "missing.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFileError) as exc:
        plan_import(db, tmp_path / "old.xls")
    assert ".xlsx" in exc.value.message
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(ImportFileError, match="Excel"):
        plan_import(db, tmp_path / "broken.xlsx")
    with pytest.raises(ImportFileError, match="unknown file type"):
        plan_import(db, write_csv(tmp_path / "a.pdf", [["nama", "harga"]]))


# --------------------------------------------------------------------------- matching, merging


def test_a_price_list_changes_only_what_it_has(db, tmp_path: Path) -> None:
    stored = catalog.save_item(db, CatalogItem("", "Aqua 600ml", 4000, "Minuman",
                                               ("8992761111014", "8992761111021"), cost=3000,
                                               stock=24, low_stock=5))
    catalog.save_item(db, CatalogItem("T-1", "Teh Botol", 6000, "Minuman"))
    path = write_csv(tmp_path / "naik.csv", [
        ["nama", "harga", "kategori"],
        ["Aqua 600ml", "4.500", ""],  # matched by name
        ["TEH BOTOL", "6000", "Minuman"],  # ... ignoring case; the file's spelling is taken
    ])
    plan = plan_import(db, path)
    assert plan.unchanged == 0
    aqua, teh = plan.changed
    assert aqua.before == stored
    assert aqua.item == replace(stored, price=4500), "barcodes, cost, stock, category kept"
    assert (teh.before.sku, teh.item.name, teh.item.price) == ("T-1", "TEH BOTOL", 6000)
    apply_import(db, plan)
    assert catalog.get_item(db, stored.sku) == replace(stored, price=4500)


def test_matching_by_sku_then_barcode_and_the_conflicts(db, tmp_path: Path) -> None:
    catalog.save_item(db, CatalogItem("A-1", "Aqua", 4000, barcodes=("111",)))
    catalog.save_item(db, CatalogItem("B-1", "Teh", 5000, barcodes=("222",)))
    catalog.save_item(db, CatalogItem("C-1", "Kopi", 3000))
    catalog.save_item(db, CatalogItem("C-2", "Kopi", 3500))
    path = write_csv(tmp_path / "m.csv", [
        ["sku", "nama", "harga", "barcode"],
        ["A-1", "Aqua Botol", "4000", "111, 112"],  # by SKU: renamed, a second barcode
        ["", "Teh", "5500", "222"],  # by barcode
        ["X-2", "Susu", "8000", "111"],  # a barcode of another product
        ["X-1", "Roti", "9000", "B-1"],  # a barcode that is another product's SKU
        ["", "Kopi", "3000", ""],  # two products are named so
        ["A-1", "Aqua lagi", "4000", ""],  # the same product twice
        ["222", "Keju", "20000", ""],  # a new SKU that is a barcode already
        ["", "Apa", "1000", "111 222"],  # barcodes of two products
    ])
    plan = plan_import(db, path)
    assert [(c.row, c.item.sku, c.item.name, c.item.barcodes) for c in plan.changed] == [
        (2, "A-1", "Aqua Botol", ("111", "112")), (3, "B-1", "Teh", ("222",))]
    reasons = refusals(plan)
    assert reasons[4] == "Barcode 111 sudah dipakai oleh Aqua"
    assert reasons[5] == "Barcode B-1 sudah dipakai sebagai SKU"
    assert reasons[6] == "Ada 2 produk bernama Kopi: tambahkan kolom SKU atau barcode"
    assert reasons[7] == "Produk ini sudah ada di baris 2"
    assert reasons[8] == "SKU 222 sudah dipakai sebagai barcode oleh Teh"
    assert reasons[9].startswith("Barcode di baris ini milik beberapa produk")
    assert plan.added == ()


# --------------------------------------------------------------------------- XLSX


def test_xlsx_with_a_cover_sheet_numbers_and_a_title_row(db, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "harga.xlsx", {
        "Catatan": [["Harga per 1 Desember"], ["jangan diubah"]],
        "Produk": [
            ["TOKO MAKMUR JAYA"],
            [],
            ["No", "Nama Produk", "Harga", "Barcode", "Barcode 2", "Stok", "Satuan"],
            [1, "Beras 5kg", 78000, 8999999002091, None, 12, "karung"],
            [2, "Minyak 1L", 21000.0, "8993496101015", "8993496101022", None, None],
            [3, "Gula", "Rp 18.500", None, None, 2.0, "kg"],
            [4, "Garam", 2500.5, None, None, None, None],
        ],
    })
    plan = plan_import(db, path)
    assert plan.ignored_columns == ("No",)
    items = {c.item.name: c.item for c in plan.added}
    assert items["Beras 5kg"].barcodes == ("8999999002091",), "an Excel number, as text"
    assert (items["Beras 5kg"].price, items["Beras 5kg"].stock) == (78000, 12)
    assert items["Minyak 1L"].barcodes == ("8993496101015", "8993496101022")
    assert (items["Gula"].price, items["Gula"].unit, items["Gula"].stock) == (18500, "kg", 2)
    assert [c.row for c in plan.added] == [4, 5, 6], "row numbers as Excel shows them"
    assert refusals(plan) == {7: "Harga: 2500.5 bukan rupiah bulat (rupiah tidak punya sen)"}
    apply_import(db, plan)
    assert plan_import(db, path).unchanged == 3


# --------------------------------------------------------------------------- Loyverse

LOYVERSE_HEADER = [
    "Handle", "SKU", "Name", "Category", "Description", "Sold by weight", "Option 1 name",
    "Option 1 value", "Option 2 name", "Option 2 value", "Option 3 name", "Option 3 value",
    "Default price", "Cost", "Barcode", "SKU of included item", "Quantity of included item",
    "Track stock", "Available for sale [Toko Sri]", "Price [Toko Sri]", "In stock [Toko Sri]",
    "Low stock [Toko Sri]", "Optimal stock [Toko Sri]", "Tax - PPN (11%)",
]


def loyverse_row(**cells: object) -> list[object]:
    keys = {"handle": 0, "sku": 1, "name": 2, "category": 3, "description": 4, "weight": 5,
            "opt1": 6, "val1": 7, "opt2": 8, "val2": 9, "price": 12, "cost": 13, "barcode": 14,
            "incl_sku": 15, "incl_qty": 16, "track": 17, "available": 18, "store_price": 19,
            "in_stock": 20, "low": 21}
    row: list[object] = [""] * len(LOYVERSE_HEADER)
    for key, value in cells.items():
        row[keys[key]] = value
    return row


LOYVERSE = [
    LOYVERSE_HEADER,
    loyverse_row(handle="kopi-susu", sku="10001", name="Kopi Susu", category="Minuman",
                 price="15000.00", cost="6500.00", barcode="2000000100012", track="Y",
                 available="Y", in_stock="40", low="10"),
    loyverse_row(handle="kaos", sku="10002", name="Kaos", category="Pakaian", opt1="Warna",
                 val1="Merah", opt2="Ukuran", val2="L", price="50000", track="N",
                 available="Y"),
    loyverse_row(handle="kaos", sku="10003", name="Kaos", category="Pakaian", opt1="Warna",
                 val1="Biru", opt2="Ukuran", val2="M", price="50000", track="N",
                 available="Y", store_price="55000"),
    loyverse_row(handle="paket-hemat", sku="10004", name="Paket Hemat", category="Paket",
                 price="20000", incl_sku="10001", incl_qty="1", track="N", available="Y"),
    loyverse_row(handle="paket-hemat", incl_sku="10005", incl_qty="2"),
    loyverse_row(handle="kacang", sku="10005", name="Kacang Curah", category="Camilan",
                 weight="Y", price="30000", track="Y", in_stock="", available="N"),
    loyverse_row(handle="servis", sku="10006", name="Servis", category="Jasa", price="",
                 track="N", available="Y"),
    loyverse_row(handle="rokok", sku="10007", name="Rokok", price="variable", available="Y"),
]


def test_a_loyverse_export_is_read_as_it_is(db, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export_items.csv", LOYVERSE)
    plan = plan_import(db, path)
    assert plan.format is ImportFormat.LOYVERSE
    items = {c.item.sku: c.item for c in plan.added}
    assert items["10001"] == CatalogItem("10001", "Kopi Susu", 15000, "Minuman",
                                         ("2000000100012",), 6500, 40, 10)
    assert items["10002"].name == "Kaos Merah L"
    assert (items["10002"].stock, items["10002"].price) == (None, 50000)
    assert (items["10003"].name, items["10003"].price) == ("Kaos Biru M", 55000), \
        "the store's price over the default price"
    assert items["10004"].name == "Paket Hemat", "the composite's extra row is part of it"
    assert (items["10005"].unit, items["10005"].active, items["10005"].stock) == ("kg", False, 0)
    assert set(items) == {"10001", "10002", "10003", "10004", "10005"}
    assert refusals(plan) == {
        8: "Harga wajib diisi untuk produk baru",
        9: "harga bebas (variable) di Loyverse: pakai tombol Harga bebas di kasir, atau isi "
           "harganya",
    }
    apply_import(db, plan)
    assert catalog.get_by_barcode(db, "2000000100012").name == "Kopi Susu"
    assert catalog.get_by_sku(db, "10005") is not None
    assert catalog.search(db, "kacang") == [], "not available for sale: archived"
    again = plan_import(db, path)
    assert (again.added, again.changed, again.unchanged) == ((), (), 5)


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_changes_nothing(db, tmp_path: Path, suffix: str) -> None:
    catalog.seed_demo(db)
    catalog.adopt_demo_items(db)  # 32 products of the shop's own
    catalog.save_item(db, CatalogItem("007", "Roti, Tawar \"Spesial\"", 16000, "Makanan",
                                      ("0089686010947", "12345"), cost=12000, stock=-2,
                                      low_stock=0, unit="bungkus"))
    catalog.save_item(db, CatalogItem("", "Lama", 1000))
    catalog.archive_item(db, "P-00001")
    catalog.seed_demo(db)  # nothing: every demo SKU is taken now
    catalog.save_item(db, CatalogItem("D-1", "Demo", 1000, demo=True))
    path = tmp_path / f"produk{suffix}"
    assert export_items(db, path) == len(demo_products()) + 2, "not the demo item"
    plan = plan_import(db, path)
    assert (plan.added, plan.changed, plan.refused) == ((), (), ())
    assert plan.unchanged == len(demo_products()) + 2
    assert export_items(db, tmp_path / f"all{suffix}", include_demo=True) == \
        len(demo_products()) + 3
    # ... and into an empty till, the same catalogue.
    from pos_app.storage import open_database

    other = open_database(tmp_path / "other.sqlite3")
    try:
        apply_import(other, plan_import(other, path))
        assert catalog.list_items(other, include_archived=True) == [
            i for i in catalog.list_items(db, include_archived=True) if not i.demo]
    finally:
        other.close()


def test_export_to_an_unknown_type_is_refused(db, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ImportFileError):
        export_items(db, out / "x.json")
    assert list(out.iterdir()) == []


def test_xlsx_export_keeps_codes_as_text(db, tmp_path: Path) -> None:
    catalog.save_item(db, CatalogItem("0123", "Mie", 3500, barcodes=("089686010947",)))
    export_items(db, tmp_path / "p.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "p.xlsx").active
    assert [c.value for c in sheet[1]][:5] == ["sku", "nama", "kategori", "harga", "barcode"]
    assert [c.value for c in sheet[2]][:5] == ["0123", "Mie", "", 3500, "089686010947"] or \
        [c.value for c in sheet[2]][:5] == ["0123", "Mie", None, 3500, "089686010947"]


# --------------------------------------------------------------------------- commit


def test_the_commit_is_one_transaction(db, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv(tmp_path / "a.csv", [["nama", "harga", "kategori"], ["A", "1000", "X"],
                                          ["B", "2000", "Y"]])
    plan = plan_import(db, path)

    def boom(*_a, **_k):
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(catalog, "ensure_categories", boom)
    with pytest.raises(sqlite3.OperationalError):
        apply_import(db, plan)
    assert catalog.product_count(db) == 0
    monkeypatch.undo()
    assert apply_import(db, plan).added == 2


def test_a_catalogue_changed_since_the_preview_is_a_conflict(db, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["nama", "harga", "barcode"], ["A", "1000", "111"],
                                          ["B", "2000", "222"]])
    plan = plan_import(db, path)
    catalog.save_item(db, CatalogItem("", "Sudah", 500, barcodes=("222",)))
    with pytest.raises(ImportConflict) as exc:
        apply_import(db, plan)
    assert "Buat pratinjau lagi" in exc.value.message
    assert catalog.get_by_barcode(db, "111") is None, "nothing of the plan was written"


def test_importing_into_a_demo_till_can_leave_the_demo_behind(db, tmp_path: Path) -> None:
    catalog.seed_demo(db)
    path = write_csv(tmp_path / "a.csv", [["nama", "harga", "barcode", "kategori"],
                                          ["Aqua Botol", "4500", "8992761111014", "Minuman"]])
    # Kept, the demo's Aqua is the row's product (its barcode): it becomes the shop's own.
    [change] = plan_import(db, path).changed
    assert (change.before.sku, change.before.demo) == ("MNM-002", True)
    assert (change.item.name, change.item.price, change.item.demo) == ("Aqua Botol", 4500, False)
    plan = plan_import(db, path, without_demo=True)
    assert [c.item.name for c in plan.added] == ["Aqua Botol"]
    result = apply_import(db, plan)
    assert (result.added, result.demo_dropped) == (1, len(demo_products()))
    assert catalog.demo_count(db) == 0
    assert [i.name for i in catalog.list_items(db)] == ["Aqua Botol"]
    assert catalog.categories(db) == ["Minuman"]


def test_sku_assignment_skips_taken_codes(db, tmp_path: Path) -> None:
    catalog.save_item(db, CatalogItem("P-00001", "Satu", 1000))
    catalog.save_item(db, CatalogItem("", "Dua", 1000, barcodes=("P-00003",)))  # odd, allowed
    path = write_csv(tmp_path / "a.csv", [["nama", "harga"], ["Tiga", "1"], ["Empat", "2"]])
    result = apply_import(db, plan_import(db, path))
    assert result.skus == ("P-00004", "P-00005")
    assert product_io.ImportResult(1, 0).categories_added == 0


# --------------------------------------------------------------------------- the XLSX reader


def _trimmed(rows) -> list[list[object]]:
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()  # openpyxl pads every row to the widest one
        out.append(row)
    return out


@pytest.mark.parametrize("write_only", [False, True])
def test_the_lean_xlsx_reader_reads_what_openpyxl_reads(tmp_path: Path, write_only: bool) -> None:
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    book = openpyxl.Workbook(write_only=write_only)
    if not write_only:
        book.remove(book.active)
    book.create_sheet("Catatan").append(["tidak ada kolom harga di sini"])
    sheet = book.create_sheet("Harga")
    rows: list[list[object]] = [
        ["Daftar"], [], ["nama", "harga", None, "barcode", "aktif"],
        ["Kopi ☕ Susu", 15000, None, 8991234567890, True],
        [None, 2500.5, "x", "089686010947", False],
        ["=1+1", -3, None, None, None],
    ]
    if not write_only:
        rows.append([CellRichText("Teh ", TextBlock(InlineFont(b=True), "Manis")), 1])
    for row in rows:
        sheet.append(row)
    if not write_only:
        sheet["C12"] = "jauh"  # rows 8-11 are not stored at all
    path = tmp_path / "t.xlsx"
    book.save(path)
    lean = _trimmed(product_io._read_xlsx(path))
    assert lean == _trimmed(product_io._read_xlsx_openpyxl(path))
    assert lean[3] == ["Kopi ☕ Susu", 15000, None, 8991234567890, True]
    assert lean[4][:2] == [None, 2500.5]
    if not write_only:
        assert lean[6] == ["Teh Manis", 1]
        assert lean[7:11] == [[], [], [], []] and lean[11] == [None, None, "jauh"]


def test_a_workbook_the_lean_reader_does_not_know_is_read_by_openpyxl(
        db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pos_app import xlsx_values

    path = write_xlsx(tmp_path / "a.xlsx", {"S": [["nama", "harga"], ["Kopi", 5000]]})

    def unsupported(_path: Path):
        raise xlsx_values.XlsxUnsupported("strict OOXML, say")

    monkeypatch.setattr(xlsx_values, "Workbook", unsupported)
    assert [c.item.name for c in plan_import(db, path).added] == ["Kopi"]


def test_a_damaged_sheet_is_a_file_error(db, tmp_path: Path) -> None:
    import zipfile

    good = write_xlsx(tmp_path / "a.xlsx", {"S": [["nama", "harga"], ["Kopi", 5000]]})
    bad = tmp_path / "b.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut off in the middle
            dst.writestr(info, data)
    with pytest.raises(ImportFileError) as exc:
        plan_import(db, bad)
    assert "tidak bisa dibaca" in exc.value.message
