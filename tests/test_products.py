"""The catalogue item's rules and rupiah as owners write it in price lists (pos_app.products)."""

from __future__ import annotations

import pytest

from pos_app.money import MAX_SALE_AMOUNT
from pos_app.products import (
    CatalogItem,
    ProductInvalid,
    ProductProblem,
    RupiahTextError,
    check_item,
    parse_rupiah_text,
    split_barcodes,
)

GOOD = CatalogItem(sku="", name="Aqua 600ml", price=4000, category="Minuman",
                   barcodes=("8992761111014",))


def fields(item: CatalogItem) -> list[str]:
    return [p.field for p in check_item(item)]


def test_a_good_item_has_no_problems() -> None:
    assert check_item(GOOD) == []
    assert check_item(CatalogItem("A-1", "Beras", MAX_SALE_AMOUNT, unit="kg", stock=-3,
                                  low_stock=0, cost=0)) == []


@pytest.mark.parametrize(
    ("changes", "field", "indonesian"),
    [
        ({"name": "  "}, "name", "Nama produk wajib diisi"),
        ({"name": "x" * 121}, "name", "terlalu panjang"),
        ({"price": 0}, "price", "Harga harus lebih dari Rp 0"),
        ({"price": -500}, "price", "Harga harus lebih dari Rp 0"),
        ({"price": MAX_SALE_AMOUNT + 1}, "price", "melebihi batas QRIS"),
        ({"price": True}, "price", "angka rupiah"),
        ({"cost": -1}, "cost", "Modal tidak boleh negatif"),
        ({"barcodes": ("899 123",)}, "barcodes", "tidak boleh berisi spasi"),
        ({"barcodes": ("899", "899")}, "barcodes", "tertulis dua kali"),
        ({"barcodes": ("",)}, "barcodes", "Barcode kosong"),
        ({"unit": ""}, "unit", "Satuan wajib diisi"),
        ({"unit": "bungkus besar sekali"}, "unit", "Satuan terlalu panjang"),
        ({"sku": "CUSTOM-1"}, "sku", "CUSTOM-"),
        ({"sku": "custom-7"}, "sku", "CUSTOM-"),
        ({"sku": " A1"}, "sku", "spasi"),
        ({"low_stock": -1}, "low_stock", "tidak boleh negatif"),
        ({"stock": 1.5}, "stock", "bilangan bulat"),
        ({"category": "k" * 61}, "category", "terlalu panjang"),
    ],
)
def test_each_rule_names_its_field(changes: dict, field: str, indonesian: str) -> None:
    from dataclasses import replace

    problems = check_item(replace(GOOD, **changes))
    assert [p.field for p in problems] == [field]
    assert indonesian in problems[0].message
    assert problems[0].message_en and problems[0].message_en != problems[0].message


def test_all_problems_at_once_and_the_error_joins_them_in_english() -> None:
    bad = CatalogItem(sku="", name="", price=0, barcodes=("1 2",), unit="")
    assert fields(bad) == ["name", "price", "barcodes", "unit"]
    exc = ProductInvalid(check_item(bad))
    assert str(exc).startswith("the product name is empty; the price must be more than Rp 0")
    assert exc.message.startswith("Nama produk wajib diisi; Harga harus lebih dari Rp 0")
    assert exc.for_field("price")[0].field == "price"
    assert isinstance(exc, ValueError)


def test_normalized_forgives_stray_whitespace() -> None:
    messy = CatalogItem(sku=" A1 ", name="  Kopi   Susu ", price=5000, category=" Minuman  ",
                        barcodes=(" 123 ", "", "456"), unit=" kg ")
    clean = messy.normalized()
    assert (clean.sku, clean.name, clean.category, clean.barcodes, clean.unit) == (
        "A1", "Kopi Susu", "Minuman", ("123", "456"), "kg")
    assert check_item(clean) == []


def test_to_product_is_the_carts_snapshot() -> None:
    item = CatalogItem(sku="A1", name="Gula 1kg", price=18500, category="Sembako",
                       barcodes=("111", "222"), stock=3, low_stock=5, unit="kg")
    p = item.to_product()
    assert (p.sku, p.name, p.price, p.category, p.barcode, p.stock, p.unit) == (
        "A1", "Gula 1kg", 18500, "Sembako", "111", 3, "kg")
    assert p.low_stock is True and item.is_low
    assert CatalogItem("B", "x", 1, stock=6, low_stock=5).to_product().low_stock is False
    assert CatalogItem("B", "x", 1, stock=5, low_stock=5).to_product().low_stock is True
    assert CatalogItem("B", "x", 1, stock=None, low_stock=5).to_product().low_stock is False
    assert CatalogItem("B", "x", 1, stock=0).to_product().low_stock is False, "no threshold"
    assert CatalogItem("B", "x", 1).to_product().barcode is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15000", 15000), ("15.000", 15000), ("Rp 15.000", 15000), ("15,000", 15000),
        ("Rp15.000,00", 15000), ("rp. 15.000", 15000), ("IDR 15000", 15000),
        ("15.000,-", 15000), ("Rp 1.250.000", 1250000), ("1,250,000", 1250000),
        ("15000.00", 15000), ("15000,00", 15000), ("15,000.00", 15000), ("15 000", 15000),
        ("\u00a015.000 ", 15000), ("Rp\u00a015.000", 15000), ("500", 500),
        (15000, 15000), (15000.0, 15000), (0, 0),
    ],
)
def test_rupiah_as_price_lists_write_it(text: str | int | float, expected: int) -> None:
    assert parse_rupiah_text(text) == expected


@pytest.mark.parametrize(
    ("text", "indonesian"),
    [
        ("", "kosong"), ("abc", "bukan jumlah rupiah"), ("15.000,50", "tidak punya sen"),
        ("1,5", "tidak punya sen"), ("15000.5", "tidak punya sen"), (15000.5, "tidak punya sen"),
        ("-5000", "negatif"), (-5, "negatif"), ("15.00.000", "bukan jumlah rupiah"),
        ("Rp 15.000 per kg", "bukan jumlah rupiah"), (float("nan"), "bukan rupiah bulat"),
        (True, "bukan jumlah rupiah"),
    ],
)
def test_what_is_not_whole_rupiah_is_refused_in_indonesian(text: object, indonesian: str) -> None:
    with pytest.raises(RupiahTextError) as info:
        parse_rupiah_text(text)  # type: ignore[arg-type]
    assert indonesian in str(info.value)
    assert info.value.message_en
    assert isinstance(info.value, ValueError)


def test_split_barcodes() -> None:
    assert split_barcodes("8991, 8992;8993 | 8994 8991") == ("8991", "8992", "8993", "8994")
    assert split_barcodes("  ") == ()


def test_problem_is_a_value() -> None:
    a = ProductProblem("name", "x", "y")
    assert a == ProductProblem("name", "x", "y")
    with pytest.raises(AttributeError):
        a.field = "price"  # type: ignore[misc]
