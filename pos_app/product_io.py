"""Price lists in and out: CSV and XLSX files an owner keeps in Excel, and Loyverse's item export.

Importing is two steps, so the owner sees what will happen before anything is written:

1. :func:`plan_import` reads the file and compares it with the catalogue: which rows add a
   product, which change one, which change nothing, and which are refused (with the row number
   as the spreadsheet shows it, and the reason in Indonesian and English). It writes nothing.
2. :func:`apply_import` writes the plan's additions and changes in one transaction.

Rules decided here (the products screen and ``pos-app product import`` rely on them):

* Columns are found by their header, in Indonesian or English, in any order and case:
  ``nama``/``name``, ``harga``/``price``, ``kategori``/``category``, ``barcode``/``kode``,
  ``sku``, ``stok``/``stock``, ``modal``/``cost``, ``satuan``/``unit``, ``stok minimum``/``low
  stock`` and ``aktif``/``active`` (more aliases in :data:`ALIASES`). The header may sit below
  a title row (the first 20 rows are searched). Name and price are required columns.
* Loyverse's item export is recognised by its ``Handle`` and ``Default price`` columns and read
  as it is: variants become one product each ("Kaos Merah L"), a store's price overrides the
  default price, ``Track stock`` N means not tracked, ``Sold by weight`` Y means the unit "kg",
  ``Available for sale`` N imports the item archived, and a composite item's extra rows (only
  an included SKU) are part of the item above them.
* A row is matched to an existing product by its SKU; without a SKU by its barcode; without
  either by its name (ignoring case). Only the columns the file has are changed, and an empty
  cell keeps the product's value: a price list with names and prices only never wipes a
  barcode or a stock count. A barcode cell holds all of the product's barcodes (separated by
  commas, semicolons or spaces): it replaces the list.
* Re-importing the same file, or importing an export, changes nothing (``unchanged``).
* A row is refused, never half-taken: bad price, empty name, a barcode another product (or an
  earlier row) has, a SKU twice in the file. Refused rows are left out; the rest can be applied.
* Rupiah cells read ``15000``, ``15.000``, ``Rp 15.000``, ``15,000`` and Excel numbers alike
  (:func:`pos_app.products.parse_rupiah_text`).
* Export writes every product but the demo catalogue's, with Indonesian headers the import
  reads back; XLSX keeps SKUs and barcodes as text, so Excel never turns ``089686010947`` into
  ``89686010947``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from pos_app.paths import write_atomically
from pos_app.products import (
    CatalogItem,
    RupiahTextError,
    check_item,
    parse_rupiah_text,
    split_barcodes,
)
from pos_app.storage import catalog
from pos_app.storage.database import Database

log = logging.getLogger(__name__)

__all__ = [
    "ALIASES",
    "EXPORT_HEADERS",
    "ImportConflict",
    "ImportFileError",
    "ImportFormat",
    "ImportPlan",
    "ImportResult",
    "RowChange",
    "RowRefusal",
    "apply_import",
    "export_items",
    "export_row",
    "plan_import",
    "plan_summary",
]


class ImportFormat(StrEnum):
    GENERIC = "generic"
    LOYVERSE = "loyverse"


@dataclass(frozen=True)
class RowChange:
    row: int  # the row number as the spreadsheet shows it (the header row counts)
    item: CatalogItem  # what will be stored (sku "" for a new item: assigned when applied)
    before: CatalogItem | None  # None: a new product


@dataclass(frozen=True)
class RowRefusal:
    row: int
    reason: str  # Indonesian
    reason_en: str


@dataclass(frozen=True)
class ImportPlan:
    source: str
    format: ImportFormat
    added: tuple[RowChange, ...]
    changed: tuple[RowChange, ...]
    unchanged: int
    refused: tuple[RowRefusal, ...]
    columns: tuple[str, ...] = ()  # the fields recognised: "name", "price", ...
    ignored_columns: tuple[str, ...] = ()  # headers the import does not use
    without_demo: bool = False  # planned as if the demo items were gone; apply drops them

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed)

    @property
    def rows(self) -> int:
        return len(self.added) + len(self.changed) + self.unchanged + len(self.refused)


@dataclass(frozen=True)
class ImportResult:
    added: int
    changed: int
    categories_added: int = 0
    demo_dropped: int = 0
    skus: tuple[str, ...] = field(default=(), repr=False)  # of the added items, in row order


class ImportFileError(ValueError):
    """The file can't be imported at all (unreadable, not CSV/XLSX, no name or price column).
    ``.message`` is Indonesian, ``.message_en`` (and ``str()``) English."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


class ImportConflict(ValueError):
    """The catalogue changed between the preview and the commit; nothing was written."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the catalogue changed since the preview ({detail}); nothing was "
                         "imported: preview the file again")
        self.message = ("Katalog berubah sejak pratinjau; tidak ada yang diimpor. "
                        "Buat pratinjau lagi.")


# --------------------------------------------------------------------------- headers

#: Header aliases (after :func:`_norm_header`) -> field.
ALIASES: dict[str, str] = {}
for _field, _names in {
    "name": ("nama", "name", "nama produk", "nama barang", "nama item", "produk", "barang",
             "product", "product name", "item", "item name"),
    "price": ("harga", "price", "harga jual", "selling price", "sale price", "harga satuan",
              "unit price", "default price"),
    "category": ("kategori", "category", "golongan", "jenis", "kelompok", "departemen",
                 "department"),
    "barcode": ("barcode", "barcodes", "kode", "kode barcode", "kode barang", "kode produk",
                "ean", "upc"),
    "sku": ("sku", "kode sku", "plu"),
    "stock": ("stok", "stock", "in stock", "jumlah stok", "stok awal", "persediaan", "qty"),
    "cost": ("modal", "cost", "harga modal", "harga beli", "hpp", "harga pokok", "cost price",
             "purchase cost", "purchase price"),
    "unit": ("satuan", "unit", "uom"),
    "low_stock": ("stok minimum", "stok min", "min stok", "minimum stok", "batas stok",
                  "stok menipis", "low stock", "reorder point"),
    "active": ("aktif", "active", "available for sale", "dijual"),
}.items():
    for _name in _names:
        ALIASES[_name] = _field

#: What :func:`export_items` writes, in order (the import reads every one back).
EXPORT_HEADERS = ("sku", "nama", "kategori", "harga", "barcode", "modal", "stok",
                  "stok minimum", "satuan", "aktif")

_LOYVERSE_MARKERS = ("handle", "default price")
_HEADER_SEARCH_ROWS = 20
_BRACKETS = re.compile(r"[\[(].*?[\])]")
_NUMBERED = re.compile(r"^(?P<base>.*?)\s*(?P<n>[0-9]+)$")


def _norm_header(value: object) -> str:
    """``"Harga Jual (Rp)*"`` -> ``"harga jual"``; ``"In stock [Toko A]"`` -> ``"in stock"``."""
    text = _BRACKETS.sub(" ", _cell_text(value).casefold())
    text = re.sub(r"[_\-*:.#]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class _Columns:
    """Where each field is in a row (0-based indexes); ``extra_barcodes`` are "barcode 2" ..."""

    fields: dict[str, int]
    extra_barcodes: tuple[int, ...]
    ignored: tuple[str, ...]
    loyverse: dict[str, int]  # handle, option values, track stock, sold by weight, store price


def _find_columns(header: Sequence[object], fmt: ImportFormat) -> _Columns:
    fields: dict[str, int] = {}
    extra: list[int] = []
    ignored: list[str] = []
    loyverse: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = _norm_header(raw)
        if not name:
            continue
        if fmt is ImportFormat.LOYVERSE:
            key = _loyverse_column(name, _cell_text(raw))
            if key is not None:
                loyverse.setdefault(key, i)
                continue
        target = ALIASES.get(name)
        if target is None:
            m = _NUMBERED.match(name)
            if m and ALIASES.get(m["base"]) == "barcode":
                extra.append(i)
                continue
        if target is None or target in fields:
            ignored.append(_cell_text(raw).strip())
            continue
        fields[target] = i
    return _Columns(fields, tuple(extra), tuple(ignored), loyverse)


def _loyverse_column(name: str, raw: str) -> str | None:
    """Loyverse's own columns that are not plain aliases."""
    if name == "handle":
        return "handle"
    m = re.fullmatch(r"option ([123]) value", name)
    if m:
        return f"option{m[1]}"
    if name in ("track stock", "sold by weight"):
        return name.replace(" ", "_")
    if name == "price" and "[" in raw:
        return "store_price"  # "Price [Toko A]": the store's own price
    if name in ("option 1 name", "option 2 name", "option 3 name", "sku of included item",
                "quantity of included item"):
        return name.replace(" ", "_")
    return None


# --------------------------------------------------------------------------- reading files


def _cell_text(value: object) -> str:
    """A cell as text; Excel numbers that are whole (a barcode typed as a number) lose ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_rows(path: Path) -> Iterator[list[object]]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportFileError(f"File tidak ditemukan: {path}", f"no such file: {path}")
    if suffix in (".csv", ".txt", ".tsv"):
        yield from _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _read_xlsx(path)
    elif suffix == ".xls":
        raise ImportFileError(
            "Format Excel lama (.xls) tidak didukung: buka di Excel lalu simpan sebagai .xlsx",
            "old Excel files (.xls) are not supported: save the file as .xlsx")
    else:
        raise ImportFileError(f"Format file {suffix or path.name} tidak dikenal: pakai .csv "
                              "atau .xlsx", f"unknown file type {suffix or path.name!r}: "
                              "use .csv or .xlsx")


def _read_csv(path: Path) -> Iterator[list[object]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"File tidak bisa dibaca: {exc.strerror or exc}",
                              f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # an older Excel's "CSV" on Windows
    # Excel in an Indonesian locale separates with ";" (the "," is its decimal mark). The
    # separator is the one the first lines use most (a title row may have none).
    sample = [line for line in text.splitlines()[:_HEADER_SEARCH_ROWS] if line.strip()]
    delimiter = max(",;\t|", key=lambda d: sum(line.count(d) for line in sample))
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _read_xlsx(path: Path) -> Iterator[list[object]]:
    """The rows of the first sheet that has a header with a name and a price column (owners
    often keep a cover or notes sheet first); the last sheet when none has."""
    import zipfile
    import zlib
    from xml.etree.ElementTree import ParseError

    from pos_app.xlsx_values import Workbook, XlsxUnsupported

    try:
        book = Workbook(path)
    except XlsxUnsupported as exc:
        log.info("reading %s with openpyxl: %s", path.name, exc)
        yield from _read_xlsx_openpyxl(path)
        return
    except (zipfile.BadZipFile, OSError) as exc:
        raise _unreadable_xlsx(path, exc) from exc
    with book:
        try:
            for n, (_, member) in enumerate(book.sheets):
                rows = book.rows(member)
                head = [r for _, r in zip(range(_HEADER_SEARCH_ROWS), rows, strict=False)]
                if _header_index(head) is None and n < len(book.sheets) - 1:
                    rows.close()
                    continue
                yield from head
                yield from rows
                return
        except (ParseError, ValueError, IndexError, KeyError, zipfile.BadZipFile,
                zlib.error) as exc:
            raise _unreadable_xlsx(path, exc) from exc


def _unreadable_xlsx(path: Path, exc: BaseException) -> ImportFileError:
    return ImportFileError("File Excel tidak bisa dibaca (rusak atau bukan .xlsx)",
                           f"cannot read {path.name} as an Excel workbook: {exc}")


def _read_xlsx_openpyxl(path: Path) -> Iterator[list[object]]:
    """:func:`_read_xlsx` through openpyxl: slower, for workbooks ``xlsx_values`` can't read."""
    import zipfile

    import openpyxl  # type: ignore[import-untyped]  # imported here: the till never needs it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _unreadable_xlsx(path, exc) from exc
    try:
        sheets = list(book.worksheets)
        for sheet in sheets:
            rows = sheet.iter_rows(values_only=True)
            head = [list(r) for _, r in zip(range(_HEADER_SEARCH_ROWS), rows, strict=False)]
            if _header_index(head) is None and sheet is not sheets[-1]:
                continue
            yield from head
            for r in rows:
                yield list(r)
            return
    finally:
        book.close()


def _header_index(rows: Sequence[Sequence[object]]) -> int | None:
    for i, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        found = {ALIASES.get(_norm_header(v)) for v in row}
        if {"name", "price"} <= found:
            return i
    return None


# --------------------------------------------------------------------------- planning


@dataclass
class _Catalogue:
    """The catalogue as the plan sees it: indexes by SKU, barcode and name."""

    by_sku: dict[str, CatalogItem]
    by_barcode: dict[str, str]
    by_name: dict[str, list[str]]
    categories: dict[str, str]  # casefold -> spelling

    @classmethod
    def load(cls, db: Database, *, without_demo: bool) -> _Catalogue:
        items = [i for i in catalog.list_items(db, include_archived=True)
                 if not (without_demo and i.demo and _droppable(db, i))]
        by_barcode: dict[str, str] = {}
        by_name: dict[str, list[str]] = {}
        for it in items:
            for code in it.barcodes:
                by_barcode[code] = it.sku
            by_name.setdefault(it.name.casefold(), []).append(it.sku)
        return cls({i.sku: i for i in items}, by_barcode, by_name,
                   catalog.canonical_categories(db))


def _droppable(db: Database, item: CatalogItem) -> bool:
    # drop_demo_items archives the demo items a sale had: those stay, and stay in the way.
    return not catalog.was_sold(db, item.sku)


class _Refused(Exception):
    def __init__(self, reason: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason = reason
        self.reason_en = reason_en


_YES = {"y", "ya", "yes", "true", "1", "aktif", "active", "benar"}
_NO = {"n", "t", "tidak", "no", "false", "0", "arsip", "nonaktif", "non aktif", "inactive",
       "archived", "salah"}


def _flag(text: str, what: str) -> bool:
    low = text.casefold().strip()
    if low in _YES:
        return True
    if low in _NO:
        return False
    raise _Refused(f"{what} harus ya atau tidak, bukan {text!r}",
                   f"{what} must be yes or no, not {text!r}")


def _rupiah(text: str, what: str, what_en: str) -> int:
    try:
        return parse_rupiah_text(text)
    except RupiahTextError as exc:
        raise _Refused(f"{what}: {exc.message}", f"{what_en}: {exc.message_en}") from exc


def _count(text: str, what: str, what_en: str) -> int:
    negative = text.strip().startswith("-")
    body = text.strip()[1:] if negative else text
    try:
        value = parse_rupiah_text(body)
    except RupiahTextError:
        raise _Refused(f"{what} {text!r} bukan bilangan bulat",
                       f"{what_en} {text!r} is not a whole number") from None
    return -value if negative else value


@dataclass
class _RowValues:
    """One row's cells by field ("" = empty), after the Loyverse specifics."""

    row: int
    cells: dict[str, str]
    barcodes: tuple[str, ...] | None  # None: no barcode cell, or an empty one
    continuation: bool = False  # a composite item's extra row (Loyverse)
    untracked: bool = False  # Loyverse's Track stock N


def _row_values(row_no: int, row: Sequence[object], cols: _Columns, fmt: ImportFormat,
                last: dict[str, str]) -> _RowValues:
    def cell(i: int | None) -> str:
        return _cell_text(row[i]) if i is not None and i < len(row) else ""

    cells = {f: cell(i) for f, i in cols.fields.items()}
    codes: list[str] = []
    for i in (cols.fields.get("barcode"), *cols.extra_barcodes):
        for code in split_barcodes(cell(i)):
            if code not in codes:
                codes.append(code)
    values = _RowValues(row_no, cells, tuple(codes) or None)
    if fmt is not ImportFormat.LOYVERSE:
        return values
    lv = {k: cell(i) for k, i in cols.loyverse.items()}
    handle = lv.get("handle", "")
    options = [lv.get(f"option{n}", "") for n in (1, 2, 3)]
    if handle and handle == last.get("handle") and not cells.get("name"):
        if not any(options) and not cells.get("price") and not lv.get("store_price"):
            values.continuation = True  # "SKU of included item" of the composite above
            return values
        cells["name"] = last.get("name", "")  # a variant row without the item's name
        for f in ("category",):
            cells[f] = cells.get(f) or last.get(f, "")
    if handle:
        last.update(handle=handle, name=cells.get("name", ""), category=cells.get("category", ""))
    variant = " ".join(o for o in options if o)
    if variant and cells.get("name") and not cells["name"].endswith(variant):
        cells["name"] = f"{cells['name']} {variant}"
    if lv.get("store_price"):
        cells["price"] = lv["store_price"]
    if cells.get("price", "").casefold() in ("variable", "variabel"):
        raise _Refused("harga bebas (variable) di Loyverse: pakai tombol Harga bebas di kasir, "
                       "atau isi harganya", "a variable price in Loyverse: sell it with the "
                       "custom amount key, or give it a price")
    if "sold_by_weight" in lv and lv["sold_by_weight"]:
        cells["unit"] = "kg" if _flag(lv["sold_by_weight"], "Sold by weight") else "pcs"
    if lv.get("track_stock"):
        if not _flag(lv["track_stock"], "Track stock"):
            cells["stock"] = ""
            values.untracked = True
        elif not cells.get("stock"):
            cells["stock"] = "0"
    return values


def _apply_cells(values: _RowValues, base: CatalogItem, categories: dict[str, str]
                 ) -> CatalogItem:
    """``base`` with the row's non-empty cells written over it, whitespace trimmed as
    :meth:`CatalogItem.normalized` does (built once: 20,000 rows make every copy count)."""
    c = values.cells
    changes: dict[str, Any] = dict(base.__dict__)
    if c.get("name"):
        changes["name"] = " ".join(c["name"].split())
    if c.get("price"):
        changes["price"] = _rupiah(c["price"], "Harga", "price")
    if c.get("category"):
        cat = " ".join(c["category"].split())
        changes["category"] = categories.setdefault(cat.casefold(), cat)
    if values.barcodes is not None:
        changes["barcodes"] = values.barcodes
    if c.get("sku"):
        changes["sku"] = c["sku"].strip()
    if c.get("cost"):
        changes["cost"] = _rupiah(c["cost"], "Modal", "cost")
    if c.get("stock"):
        changes["stock"] = _count(c["stock"], "Stok", "stock")
    elif values.untracked:
        changes["stock"] = None
    if c.get("low_stock"):
        changes["low_stock"] = _count(c["low_stock"], "Stok minimum", "low stock")
    if c.get("unit"):
        changes["unit"] = c["unit"].strip()
    if c.get("active"):
        changes["active"] = _flag(c["active"], "Aktif")
    return CatalogItem(**changes)


def plan_import(db: Database, path: Path, *, without_demo: bool = False) -> ImportPlan:
    """Read ``path`` (CSV or XLSX) and say what importing it would do; writes nothing.

    ``without_demo``: plan as if the demo items were already gone (a shop entering its own
    products leaves the demo behind); :func:`apply_import` then drops them in the same
    transaction. Raises :class:`ImportFileError` when the file can't be used at all.
    """
    path = Path(path)
    rows = _read_rows(path)
    head: list[list[object]] = []
    for row in rows:
        head.append(row)
        if len(head) >= _HEADER_SEARCH_ROWS or _header_index(head[-1:]) is not None:
            break
    at = _header_index(head)
    if at is None:
        found = {ALIASES.get(_norm_header(v)) for r in head for v in r}
        missing = [(w, f) for w, f in (("nama", "name"), ("harga", "price")) if f not in found]
        raise ImportFileError(
            f"Kolom {' dan '.join(w for w, _ in missing)} tidak ditemukan di {path.name}: baris "
            "judul harus berisi mis. nama, harga (atau name, price)",
            f"no {' and '.join(f for _, f in missing)} column in {path.name}: the header row "
            "needs e.g. nama, harga (or name, price)")
    header = head[at]
    names = {_norm_header(v) for v in header}
    fmt = (ImportFormat.LOYVERSE if all(m in names for m in _LOYVERSE_MARKERS)
           else ImportFormat.GENERIC)
    cols = _find_columns(header, fmt)
    cat = _Catalogue.load(db, without_demo=without_demo)

    planner = _Planner(cat, cols, fmt)
    row_no = at + 1  # 1-based: the header's row number
    try:
        for row in rows:
            row_no += 1
            planner.take(row_no, row)
    except csv.Error as exc:
        raise ImportFileError(f"File CSV rusak di baris {row_no}",
                              f"{path.name} is not a readable CSV file (row {row_no}: {exc})"
                              ) from exc
    plan = ImportPlan(
        source=str(path), format=fmt, added=tuple(planner.added),
        changed=tuple(planner.changed), unchanged=planner.unchanged,
        refused=tuple(planner.refused),
        columns=tuple(sorted(cols.fields, key=cols.fields.__getitem__)),
        ignored_columns=cols.ignored, without_demo=without_demo)
    log.info("import plan for %s (%s): %d to add, %d to change, %d unchanged, %d refused",
             path.name, fmt, len(plan.added), len(plan.changed), plan.unchanged,
             len(plan.refused))
    return plan


class _Planner:
    """Row by row: match, merge, check, and remember what earlier rows claimed."""

    def __init__(self, cat: _Catalogue, cols: _Columns, fmt: ImportFormat) -> None:
        self.cat = cat
        self.cols = cols
        self.fmt = fmt
        self.added: list[RowChange] = []
        self.changed: list[RowChange] = []
        self.unchanged = 0
        self.refused: list[RowRefusal] = []
        self._last: dict[str, str] = {}
        self._skus: dict[str, int] = {}  # SKU (existing or new) -> the row that claimed it
        self._codes: dict[str, int] = {}  # barcode -> the row that claimed it
        self._names: dict[str, int] = {}  # name of a new item without SKU or barcode -> row

    def take(self, row_no: int, row: Sequence[object]) -> None:
        if not any(_cell_text(v) for v in row):
            return
        try:
            values = _row_values(row_no, row, self.cols, self.fmt, self._last)
            if values.continuation:
                return
            self._plan_row(values)
        except _Refused as exc:
            self.refused.append(RowRefusal(row_no, exc.reason, exc.reason_en))

    def _match(self, values: _RowValues) -> CatalogItem | None:
        cat = self.cat
        sku = values.cells.get("sku", "").strip()
        if sku:
            return cat.by_sku.get(sku)
        owners = {cat.by_barcode[c] for c in values.barcodes or () if c in cat.by_barcode}
        if len(owners) > 1:
            names = ", ".join(sorted(cat.by_sku[s].name for s in owners))
            raise _Refused(f"Barcode di baris ini milik beberapa produk: {names}",
                           f"the row's barcodes belong to several products: {names}")
        if owners:
            return cat.by_sku[owners.pop()]
        name = " ".join(values.cells.get("name", "").split()).casefold()
        found = cat.by_name.get(name, []) if name else []
        if len(found) > 1:
            raise _Refused(
                f"Ada {len(found)} produk bernama {values.cells['name']}: tambahkan kolom SKU "
                "atau barcode", f"{len(found)} products are named {values.cells['name']!r}: "
                "add a SKU or barcode column")
        return cat.by_sku[found[0]] if found else None

    def _plan_row(self, values: _RowValues) -> None:
        before = self._match(values)
        if before is None and not values.cells.get("name"):
            raise _Refused("Nama produk wajib diisi", "the product name is empty")
        if before is None and not values.cells.get("price"):
            raise _Refused("Harga wajib diisi untuk produk baru",
                           "a new product needs a price")
        base = before or CatalogItem(sku="", name="", price=0)
        item = _apply_cells(values, base, self.cat.categories)  # a demo item stays one ...
        problems = check_item(item)
        if problems:
            raise _Refused("; ".join(p.message for p in problems),
                           "; ".join(p.message_en for p in problems))
        self._check_claims(values.row, item, before)
        if before is not None and item == before:
            self.unchanged += 1
        elif before is not None:
            # ... unless the row changes it: then it is the shop's own.
            self.changed.append(RowChange(values.row, replace(item, demo=False), before))
        else:
            self.added.append(RowChange(values.row, item, None))

    def _check_claims(self, row: int, item: CatalogItem, before: CatalogItem | None) -> None:
        """Conflicts with the catalogue and with earlier rows; claims this row's SKU and codes."""
        cat = self.cat
        own = before.sku if before is not None else None
        key = own or item.sku
        if key and key in self._skus:
            raise _Refused(f"Produk ini sudah ada di baris {self._skus[key]}",
                           f"the same product as row {self._skus[key]}")
        if item.sku and own is None:
            if item.sku in cat.by_barcode:
                other = cat.by_sku[cat.by_barcode[item.sku]].name
                raise _Refused(f"SKU {item.sku} sudah dipakai sebagai barcode oleh {other}",
                               f"SKU {item.sku} is already a barcode of {other}")
            if item.sku in self._codes:
                raise _Refused(f"SKU {item.sku} dipakai sebagai barcode di baris "
                               f"{self._codes[item.sku]}",
                               f"SKU {item.sku} is a barcode in row {self._codes[item.sku]}")
        for code in item.barcodes:
            holder = cat.by_barcode.get(code)
            if holder is not None and holder != own:
                other = cat.by_sku[holder].name
                raise _Refused(f"Barcode {code} sudah dipakai oleh {other}",
                               f"barcode {code} is already used by {other}")
            if code in self._codes:
                raise _Refused(f"Barcode {code} sudah ada di baris {self._codes[code]}",
                               f"barcode {code} is already in row {self._codes[code]}")
            if code != key and (code in cat.by_sku and code != own or code in self._skus):
                raise _Refused(f"Barcode {code} sudah dipakai sebagai SKU",
                               f"barcode {code} is already a SKU")
        if before is None and not item.sku and not item.barcodes:
            name = item.name.casefold()
            if name in self._names:
                raise _Refused(f"Nama {item.name} sudah ada di baris {self._names[name]}",
                               f"the name {item.name!r} is already in row {self._names[name]}")
            self._names[name] = row
        if key:
            self._skus[key] = row
        for code in item.barcodes:
            self._codes[code] = row


# --------------------------------------------------------------------------- applying


def apply_import(db: Database, plan: ImportPlan, *, actor: str = catalog.ACTOR) -> ImportResult:
    """Write the plan's additions and changes in one transaction (refused rows are left out).

    New items without a SKU get the next ``P-00001`` ones. Raises :class:`ImportConflict`
    (nothing written) when the catalogue no longer fits the plan: a product it changes is gone,
    or a barcode or SKU it adds was taken meanwhile.
    """
    with db.transaction() as conn:
        dropped = catalog.drop_demo_items(db) if plan.without_demo else 0
        for change in plan.changed:
            assert change.before is not None
            if conn.execute("SELECT 1 FROM products WHERE sku = ?",
                            (change.before.sku,)).fetchone() is None:
                raise ImportConflict(f"product {change.before.sku} is gone")
        added = _assign_skus(conn, [c.item for c in plan.added])
        items = added + [c.item for c in plan.changed]
        try:
            catalog.write_items(conn, items)
        except sqlite3.IntegrityError as exc:
            raise ImportConflict(str(exc)) from exc
        new_categories = catalog.ensure_categories(conn, [it.category for it in items])
        db.audit(conn, actor, "products_imported", details=json.dumps({
            "source": Path(plan.source).name, "format": str(plan.format),
            "added": len(added), "changed": len(plan.changed),
            "refused": len(plan.refused)}, ensure_ascii=False))
    log.info("imported %s: %d added, %d changed, %d categories added", Path(plan.source).name,
             len(added), len(plan.changed), new_categories)
    return ImportResult(len(added), len(plan.changed), new_categories, dropped,
                        tuple(it.sku for it in added))


def _assign_skus(conn: sqlite3.Connection, items: Sequence[CatalogItem]) -> list[CatalogItem]:
    taken = {str(r[0]) for r in conn.execute("SELECT sku FROM products")}
    taken |= {str(r[0]) for r in conn.execute("SELECT barcode FROM product_barcodes")}
    for it in items:
        taken.add(it.sku)
        taken.update(it.barcodes)
    start = catalog.next_sku(conn) if any(not it.sku for it in items) else "P-00001"
    n = int(start[2:])
    out: list[CatalogItem] = []
    for it in items:
        if it.sku:
            out.append(it)
            continue
        while f"P-{n:05d}" in taken:
            n += 1
        sku = f"P-{n:05d}"
        taken.add(sku)
        out.append(replace(it, sku=sku))
    return out


# --------------------------------------------------------------------------- export


def export_row(it: CatalogItem) -> list[object]:
    """One product as a row under :data:`EXPORT_HEADERS` (empty cell = not set)."""
    return [it.sku, it.name, it.category, it.price, ", ".join(it.barcodes),
            "" if it.cost is None else it.cost, "" if it.stock is None else it.stock,
            "" if it.low_stock is None else it.low_stock, it.unit,
            "ya" if it.active else "tidak"]


def export_items(db: Database, path: Path, *, include_demo: bool = False) -> int:
    """Write the catalogue (archived items too; the demo items only when asked) to ``path``,
    CSV or XLSX by its extension; returns how many products. The file is written next to the
    target and renamed over it, so a failed export never leaves half a price list."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFileError(f"Format file {suffix or path.name} tidak dikenal: pakai .csv "
                              "atau .xlsx", f"unknown file type {suffix or path.name!r}: use "
                              ".csv or .xlsx")
    items = [i for i in catalog.list_items(db, include_archived=True)
             if include_demo or not i.demo]
    items.sort(key=lambda i: (i.category.casefold(), i.name.casefold(), i.sku))
    def fill(tmp: Path) -> None:
        if suffix == ".csv":
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(EXPORT_HEADERS)
                writer.writerows(export_row(it) for it in items)
        else:
            _write_xlsx(tmp, items)

    write_atomically(path, fill)
    log.info("exported %d products to %s", len(items), path.name)
    return len(items)


def _write_xlsx(path: Path, items: Sequence[CatalogItem]) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Produk")
    for letter, width in zip("ABCDEFGHIJ", (12, 40, 18, 12, 30, 12, 8, 12, 8, 6), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for text in EXPORT_HEADERS:
        c = WriteOnlyCell(sheet, value=text)
        c.font = bold
        head.append(c)
    sheet.append(head)
    for row in map(export_row, items):
        # SKU and barcodes stay text (a str cell): Excel would drop a barcode's leading zero.
        sheet.append(row)
    book.save(path)


def plan_summary(plan: ImportPlan) -> dict[str, object]:
    """The plan as JSON-ready data (``pos-app product import --json``)."""
    return {
        "source": plan.source,
        "format": str(plan.format),
        "added": len(plan.added),
        "changed": len(plan.changed),
        "unchanged": plan.unchanged,
        "refused": [{"row": r.row, "reason": r.reason_en} for r in plan.refused],
        "columns": list(plan.columns),
        "ignored_columns": list(plan.ignored_columns),
        "without_demo": plan.without_demo,
    }
