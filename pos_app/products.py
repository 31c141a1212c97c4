"""The shop's own products as the owner sees them: one catalogue item, its rules, and prices
typed or pasted from a spreadsheet.

Pure domain code (no Qt, no I/O). :class:`CatalogItem` is what the products screen, the import
and ``pos-app product`` edit; the till's cart only ever sees the snapshot
:meth:`CatalogItem.to_product` makes. The storage layer (``pos_app.storage.catalog``) adds the
rules that need the database (a barcode already used by another product, a SKU taken).

Rules decided here (the screen, the import and the command line rely on them):

* Name: not empty after trimming, at most :data:`MAX_NAME` characters.
* Price: whole rupiah, 1 .. :data:`pos_app.money.MAX_SALE_AMOUNT` (what one QRIS may carry). A
  free item is not a catalogue product: a price of 0 is almost always a forgotten cell.
* Cost (modal): optional, never negative. Stock: optional (``None`` = not tracked, the default);
  a negative count is allowed, it is what an unreliable count looks like after sales. Low-stock
  threshold: optional, never negative.
* Barcodes: any number, no whitespace inside, no repeats within the item; unique across the
  catalogue (checked by storage). A barcode is compared exactly: ``089686010947`` and
  ``89686010947`` are different codes.
* SKU: may be empty for a new item (storage assigns ``P-00001``, ``P-00002`` ...); the
  ``CUSTOM-`` prefix belongs to the cart's custom-amount lines.
* Unit: free text ("pcs", "kg", "liter", "bungkus" ...), 1 .. :data:`MAX_UNIT` characters.
* Every refusal is a :class:`ProductProblem` naming the field, in Indonesian for the owner and in
  English for logs and the command line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pos_app.cart import CUSTOM_SKU_PREFIX, Product
from pos_app.money import MAX_SALE_AMOUNT, format_rupiah

__all__ = [
    "DEFAULT_UNIT",
    "MAX_BARCODE",
    "MAX_CATEGORY",
    "MAX_NAME",
    "MAX_SKU",
    "MAX_UNIT",
    "CatalogItem",
    "ProductInvalid",
    "ProductProblem",
    "RupiahTextError",
    "UnknownProduct",
    "check_item",
    "parse_rupiah_text",
    "split_barcodes",
]

DEFAULT_UNIT = "pcs"
MAX_NAME = 120
MAX_SKU = 64
MAX_BARCODE = 64
MAX_CATEGORY = 60
MAX_UNIT = 16


@dataclass(frozen=True)
class CatalogItem:
    """One product of the shop's catalogue, with everything the owner can set."""

    sku: str  # "" when new: storage assigns one (e.g. "P-00001")
    name: str
    price: int  # rupiah, 1 .. MAX_SALE_AMOUNT
    category: str = ""
    barcodes: tuple[str, ...] = ()  # each unique across the whole catalogue
    cost: int | None = None  # modal
    stock: int | None = None  # None = not tracked
    low_stock: int | None = None  # threshold: marked when stock is not None and stock <= it
    unit: str = DEFAULT_UNIT
    active: bool = True  # False = archived (kept for the old orders that sold it)
    demo: bool = False  # one of the demo catalogue's items

    @property
    def is_low(self) -> bool:
        """Tracked stock at or below its threshold."""
        return self.stock is not None and self.low_stock is not None and (
            self.stock <= self.low_stock)

    def normalized(self) -> CatalogItem:
        """Whitespace trimmed (inner runs in the name and category made single), barcodes
        without empty entries: what an owner meant when a cell had a stray space."""
        return replace(
            self,
            sku=self.sku.strip(),
            name=" ".join(self.name.split()),
            category=" ".join(self.category.split()),
            barcodes=tuple(b.strip() for b in self.barcodes if b.strip()),
            unit=self.unit.strip(),
        )

    def to_product(self) -> Product:
        """The snapshot the cart rings up (its first barcode is the one shown)."""
        return Product(
            sku=self.sku,
            name=self.name,
            price=self.price,
            category=self.category,
            barcode=self.barcodes[0] if self.barcodes else None,
            stock=self.stock,
            active=self.active,
            low_stock=self.is_low,
            unit=self.unit,
        )


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class ProductProblem:
    """One refused field: ``field`` is "name", "price", "barcodes", "sku", "cost", "stock",
    "low_stock", "unit" or "category"."""

    field: str
    message: str  # Indonesian, for the owner
    message_en: str  # English, for logs and the command line


class ProductInvalid(ValueError):
    """The item (or category) was refused; ``.problems`` says why, field by field."""

    def __init__(self, problems: Iterable[ProductProblem]) -> None:
        self.problems: tuple[ProductProblem, ...] = tuple(problems)
        super().__init__("; ".join(p.message_en for p in self.problems) or "invalid product")

    @property
    def message(self) -> str:
        """The Indonesian messages, joined: one line for a status bar or a dialog."""
        return "; ".join(p.message for p in self.problems)

    def for_field(self, field: str) -> list[ProductProblem]:
        return [p for p in self.problems if p.field == field]


class UnknownProduct(ProductInvalid):
    """No product with that SKU (it was deleted, or the SKU was mistyped)."""

    def __init__(self, sku: str) -> None:
        self.sku = sku
        super().__init__([ProductProblem(
            "sku", f"Produk dengan SKU {sku} tidak ditemukan", f"no product with SKU {sku!r}")])


def _problem(field: str, message: str, message_en: str) -> ProductProblem:
    return ProductProblem(field, message, message_en)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_item(item: CatalogItem) -> list[ProductProblem]:
    """The field rules that need no database, in the form's order; empty when the item is fine.

    Checks the item as given: call :meth:`CatalogItem.normalized` first to forgive stray
    whitespace.
    """
    problems: list[ProductProblem] = []
    if not item.name.strip():
        problems.append(_problem("name", "Nama produk wajib diisi", "the product name is empty"))
    elif len(item.name) > MAX_NAME:
        problems.append(_problem(
            "name", f"Nama produk terlalu panjang (paling banyak {MAX_NAME} huruf)",
            f"the product name is longer than {MAX_NAME} characters"))

    if not _is_int(item.price):
        problems.append(_problem("price", "Harga harus angka rupiah",
                                 f"the price must be whole rupiah, got {item.price!r}"))
    elif item.price <= 0:
        problems.append(_problem("price", "Harga harus lebih dari Rp 0",
                                 f"the price must be more than Rp 0, got {item.price}"))
    elif item.price > MAX_SALE_AMOUNT:
        problems.append(_problem(
            "price", f"Harga melebihi batas QRIS ({format_rupiah(MAX_SALE_AMOUNT)})",
            f"the price {format_rupiah(item.price)} is above the QRIS limit "
            f"({format_rupiah(MAX_SALE_AMOUNT)})"))

    if item.category and len(item.category) > MAX_CATEGORY:
        problems.append(_problem(
            "category", f"Nama kategori terlalu panjang (paling banyak {MAX_CATEGORY} huruf)",
            f"the category name is longer than {MAX_CATEGORY} characters"))

    problems.extend(_barcode_problems(item.barcodes))
    problems.extend(_sku_problems(item.sku))

    if item.cost is not None:
        if not _is_int(item.cost):
            problems.append(_problem("cost", "Modal harus angka rupiah",
                                     f"the cost must be whole rupiah, got {item.cost!r}"))
        elif item.cost < 0:
            problems.append(_problem("cost", "Modal tidak boleh negatif",
                                     f"the cost must not be negative, got {item.cost}"))
        elif item.cost > MAX_SALE_AMOUNT:
            problems.append(_problem("cost", "Modal terlalu besar",
                                     f"the cost {format_rupiah(item.cost)} is too large"))
    if item.stock is not None and not _is_int(item.stock):
        problems.append(_problem("stock", "Stok harus bilangan bulat",
                                 f"the stock must be a whole number, got {item.stock!r}"))
    if item.low_stock is not None:
        if not _is_int(item.low_stock):
            problems.append(_problem(
                "low_stock", "Batas stok menipis harus bilangan bulat",
                f"the low-stock threshold must be a whole number, got {item.low_stock!r}"))
        elif item.low_stock < 0:
            problems.append(_problem(
                "low_stock", "Batas stok menipis tidak boleh negatif",
                f"the low-stock threshold must not be negative, got {item.low_stock}"))

    if not item.unit.strip():
        problems.append(_problem("unit", "Satuan wajib diisi (mis. pcs, kg)", "the unit is empty"))
    elif len(item.unit) > MAX_UNIT:
        problems.append(_problem(
            "unit", f"Satuan terlalu panjang (paling banyak {MAX_UNIT} huruf)",
            f"the unit is longer than {MAX_UNIT} characters"))
    return problems


def _barcode_problems(barcodes: tuple[str, ...]) -> list[ProductProblem]:
    problems: list[ProductProblem] = []
    seen: set[str] = set()
    for code in barcodes:
        if not code.strip():
            problems.append(_problem("barcodes", "Barcode kosong", "an empty barcode"))
        elif any(ch.isspace() for ch in code):
            problems.append(_problem(
                "barcodes", f"Barcode {code.strip()} tidak boleh berisi spasi",
                f"barcode {code!r} contains whitespace"))
        elif len(code) > MAX_BARCODE:
            problems.append(_problem(
                "barcodes", f"Barcode terlalu panjang (paling banyak {MAX_BARCODE} karakter)",
                f"barcode {code!r} is longer than {MAX_BARCODE} characters"))
        elif code in seen:
            problems.append(_problem("barcodes", f"Barcode {code} tertulis dua kali",
                                     f"barcode {code} is listed twice"))
        seen.add(code)
    return problems


def _sku_problems(sku: str) -> list[ProductProblem]:
    if not sku:
        return []  # assigned when the item is stored
    if sku != sku.strip() or any(ch in sku for ch in "\t\r\n"):
        return [_problem("sku", "SKU tidak boleh diawali/diakhiri spasi",
                         f"SKU {sku!r} has leading or trailing whitespace")]
    if len(sku) > MAX_SKU:
        return [_problem("sku", f"SKU terlalu panjang (paling banyak {MAX_SKU} karakter)",
                         f"SKU {sku!r} is longer than {MAX_SKU} characters")]
    if sku.upper().startswith(CUSTOM_SKU_PREFIX):
        return [_problem("sku", f"SKU tidak boleh diawali {CUSTOM_SKU_PREFIX} (dipakai untuk "
                                "penjualan harga bebas)",
                         f"SKU {sku!r}: the prefix {CUSTOM_SKU_PREFIX!r} is reserved for "
                         "custom-amount lines")]
    return []


_BARCODE_SPLIT = re.compile(r"[\s,;|/]+")


def split_barcodes(text: str) -> tuple[str, ...]:
    """A cell or a form field holding barcodes, separated by commas, semicolons, bars, slashes
    or whitespace -> the codes in order, repeats dropped (a barcode never holds a space)."""
    out: list[str] = []
    for code in _BARCODE_SPLIT.split(text.strip()):
        if code and code not in out:
            out.append(code)
    return tuple(out)


# --------------------------------------------------------------------------- rupiah text


class RupiahTextError(ValueError):
    """A price cell that is not whole rupiah. ``str()`` is Indonesian; ``.message_en`` English."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en


_PREFIX = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)
_TAIL = re.compile(r",-$")
# Thousands grouped with "." (Indonesian), "," (English, as Excel writes it in an English
# locale) or a space; an optional decimal part of one or two digits, which must be zero.
_ID_GROUPED = re.compile(r"(?P<int>[0-9]{1,3}(?:\.[0-9]{3})+)(?:,(?P<dec>[0-9]{1,2}))?")
_EN_GROUPED = re.compile(r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+)(?:\.(?P<dec>[0-9]{1,2}))?")
_SPACE_GROUPED = re.compile(r"(?P<int>[0-9]{1,3}(?: [0-9]{3})+)(?:[.,](?P<dec>[0-9]{1,2}))?")
_PLAIN = re.compile(r"(?P<int>[0-9]+)(?:[.,](?P<dec>[0-9]{1,2}))?")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_EXAMPLES = "contoh: 15000, 15.000 atau Rp 15.000"


def parse_rupiah_text(text: str | int | float) -> int:
    """Whole rupiah from a typed or spreadsheet value: ``"15000"``, ``"15.000"``,
    ``"Rp 15.000"``, ``"15,000"``, ``"Rp15.000,00"``, ``"15.000,-"``, ``15000`` and ``15000.0``
    (Excel) -> 15000.

    A group of three digits after ``,`` is read as thousands (``15,000`` is how Excel in an
    English locale writes fifteen thousand, and no price has three decimals); one or two digits
    after the last separator are decimals, which must be zero (rupiah has no sen). Raises
    :class:`RupiahTextError` (a ``ValueError``) for anything else, negatives included.
    """
    if isinstance(text, bool):
        raise RupiahTextError(f"{text!r} bukan jumlah rupiah", f"{text!r} is not a rupiah amount")
    if isinstance(text, int):
        if text < 0:
            raise RupiahTextError(f"Jumlah tidak boleh negatif: {text}",
                                  f"the amount must not be negative: {text}")
        return text
    if isinstance(text, float):
        if not math.isfinite(text) or text != int(text):
            raise RupiahTextError(f"{text} bukan rupiah bulat (rupiah tidak punya sen)",
                                  f"{text} is not whole rupiah")
        return parse_rupiah_text(int(text))
    if not isinstance(text, str):
        raise RupiahTextError(f"{text!r} bukan jumlah rupiah",
                              f"{text!r} is not a rupiah amount")
    raw = _SPACES.sub(" ", text).strip()
    if not raw:
        raise RupiahTextError("Jumlah kosong", "the amount is empty")
    if raw.startswith("-"):
        raise RupiahTextError(f"Jumlah tidak boleh negatif: {text.strip()}",
                              f"the amount must not be negative: {text.strip()!r}")
    body = _TAIL.sub("", _PREFIX.sub("", raw)).strip()
    for pattern in (_PLAIN, _ID_GROUPED, _EN_GROUPED, _SPACE_GROUPED):
        m = pattern.fullmatch(body)
        if m is None:
            continue
        if m["dec"] and set(m["dec"]) != {"0"}:
            raise RupiahTextError(
                f"{text.strip()} bukan rupiah bulat (rupiah tidak punya sen)",
                f"{text.strip()!r} is not whole rupiah (rupiah has no cents)")
        return int(re.sub(r"[^0-9]", "", m["int"]))
    raise RupiahTextError(f"{text.strip()!r} bukan jumlah rupiah ({_EXAMPLES})",
                          f"{text.strip()!r} is not a rupiah amount (e.g. 15000, 15.000 or "
                          "Rp 15.000)")
