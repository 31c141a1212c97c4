"""Tests for pos_app.cart: lines, lookups, discounts, PPN and exact totals.

Worked examples are computed by hand in the comments (all amounts in rupiah).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from pos_app.cart import (
    CUSTOM_SALE_NAME,
    AmbiguousProduct,
    Cart,
    CartLine,
    Discount,
    DiscountKind,
    InactiveProduct,
    LineNotFound,
    Product,
    ProductNotFound,
    TaxConfig,
    TaxMode,
    Totals,
)

INDOMIE = Product("IDM-GRG", "Indomie Goreng", 3_500, "Makanan", barcode="089686010947")
KOPI = Product("KPI-SCT", "Kopi Kapal Api Sachet", 1_500, "Minuman", barcode="8991002101104")
AQUA = Product("AQA-600", "Aqua 600ml", 4_000, "Minuman", barcode="8886008101053")
ROKOK = Product("RKK-16", "Rokok Filter 16", 25_000, "Rokok")
GULA = Product("GUL-1KG", "Gula Pasir 1kg", 16_500, "Sembako")
TELUR = Product("TLR", "Telur Ayam", 2_300, "Sembako", stock=0)
PERMEN = Product("PRM", "Permen", 0, "Makanan")  # free sweets are a real thing
DISCONTINUED = Product("OLD-1", "Sabun Lama", 3_000, barcode="111", active=False)

CATALOG = [INDOMIE, KOPI, AQUA, ROKOK, GULA, TELUR, PERMEN, DISCONTINUED]


def lookup(barcode: str) -> Product | None:
    return next((p for p in CATALOG if p.barcode == barcode), None)


def search_in(catalog: Sequence[Product]):  # small test helper
    def search(query: str) -> list[Product]:
        q = query.casefold()
        return [
            p
            for p in catalog
            if q in p.name.casefold() or q in p.sku.casefold() or (p.barcode or "") == query
        ]

    return search


def identity_holds(t: Totals) -> bool:
    added = t.tax if t.tax_mode is TaxMode.ADDED else 0
    return t.subtotal - t.discount_total + added == t.total


# --------------------------------------------------------------------------- values


def test_product_validation() -> None:
    with pytest.raises(ValueError):
        Product("", "x", 1)
    with pytest.raises(ValueError):
        Product("A", "x", -1)
    with pytest.raises(TypeError):
        Product("A", "x", 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Product("A", "x", True)  # type: ignore[arg-type]
    assert Product("A", "x", 0).price == 0
    assert Product("A", "x", 1, stock=-3).stock == -3  # unreliable counts go negative


def test_discount_validation_and_constructors() -> None:
    assert Discount.amount(5_000) == Discount(DiscountKind.AMOUNT, 5_000)
    assert Discount.amount("Rp 5.000") == Discount(DiscountKind.AMOUNT, 5_000)
    assert Discount.percent("12.5") == Discount(DiscountKind.PERCENT, 1_250)
    assert Discount.percent("12,5%").value == 1_250
    assert Discount.percent(10).value == 1_000
    assert Discount.percent(Decimal("7.25")).value == 725
    assert Discount("percent", 500).kind is DiscountKind.PERCENT  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Discount(DiscountKind.PERCENT, 10_001)
    with pytest.raises(ValueError):
        Discount(DiscountKind.AMOUNT, -1)
    with pytest.raises(ValueError):
        Discount("bogus", 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Discount.percent(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Discount(DiscountKind.AMOUNT, 1.0)  # type: ignore[arg-type]


def test_discount_describe() -> None:
    assert Discount.percent("12.5").describe() == "12,5%"
    assert Discount.percent("10").describe() == "10%"
    assert Discount.percent("0.05").describe() == "0,05%"
    assert Discount.amount(5_000).describe() == "Rp 5.000"


def test_tax_config_validation() -> None:
    assert TaxConfig() == TaxConfig(TaxMode.OFF, 1_100)
    assert TaxConfig("added").mode is TaxMode.ADDED  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TaxConfig(TaxMode.ADDED, 10_001)
    with pytest.raises(ValueError):
        TaxConfig(TaxMode.ADDED, -1)


def test_cart_line_amounts() -> None:
    line = CartLine(INDOMIE, 3, Discount.amount(500))
    assert (line.gross, line.discount_amount, line.net) == (10_500, 500, 10_000)
    with pytest.raises(ValueError):
        CartLine(INDOMIE, 0)
    with pytest.raises(TypeError):
        CartLine(INDOMIE, 1.0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- adding


def test_empty_cart() -> None:
    cart = Cart()
    assert cart.is_empty
    assert cart.lines == ()
    t = cart.totals()
    assert (t.subtotal, t.discount_total, t.tax, t.total, t.item_count) == (0, 0, 0, 0, 0)


def test_add_merges_same_sku() -> None:
    cart = Cart()
    cart.add(INDOMIE)
    cart.add(KOPI, 2)
    line = cart.add(INDOMIE, 2)
    assert line.quantity == 3
    assert [(ln.sku, ln.quantity) for ln in cart.lines] == [("IDM-GRG", 3), ("KPI-SCT", 2)]
    assert not cart.is_empty
    assert "IDM-GRG" in cart and "nope" not in cart


def test_merge_keeps_first_price_and_line_discount() -> None:
    cart = Cart()
    cart.add(INDOMIE, 2)
    cart.set_line_discount(INDOMIE.sku, Discount.percent(10))
    repriced = Product(INDOMIE.sku, INDOMIE.name, 4_000)
    line = cart.add(repriced)
    assert line.unit_price == 3_500  # the price the customer was already shown
    assert line.discount == Discount.percent(10)
    assert line.quantity == 3


def test_lines_is_a_snapshot() -> None:
    cart = Cart()
    cart.add(INDOMIE)
    lines = cart.lines
    assert isinstance(lines, tuple)
    cart.add(KOPI)
    assert len(lines) == 1 and len(cart.lines) == 2


@pytest.mark.parametrize("qty", [0, -1])
def test_add_rejects_non_positive_quantity(qty: int) -> None:
    with pytest.raises(ValueError):
        Cart().add(INDOMIE, qty)


@pytest.mark.parametrize("qty", [1.0, True, "2"])
def test_add_rejects_non_int_quantity(qty: object) -> None:
    with pytest.raises(TypeError):
        Cart().add(INDOMIE, qty)  # type: ignore[arg-type]


def test_add_inactive_product_is_refused() -> None:
    cart = Cart()
    with pytest.raises(InactiveProduct, match="inactive"):
        cart.add(DISCONTINUED)
    assert cart.is_empty


def test_stock_never_blocks_a_sale() -> None:
    cart = Cart()
    line = cart.add(TELUR, 10)  # stock says 0: warung counts are unreliable, sell anyway
    assert line.quantity == 10


def test_free_product() -> None:
    cart = Cart(TaxConfig(TaxMode.ADDED))
    cart.add(PERMEN, 5)
    t = cart.totals()
    assert (t.subtotal, t.tax, t.total, t.item_count) == (0, 0, 0, 5)


def test_add_by_barcode() -> None:
    cart = Cart()
    cart.add_by_barcode("089686010947\r\n", lookup)  # scanner's trailing CR/LF
    cart.add_by_barcode("089686010947", lookup, quantity=2)
    assert cart.line(INDOMIE.sku).quantity == 3


def test_add_by_barcode_not_found() -> None:
    cart = Cart()
    with pytest.raises(ProductNotFound, match="0000123") as info:
        cart.add_by_barcode(" 0000123 ", lookup)
    assert isinstance(info.value, LookupError)
    assert info.value.query == "0000123"
    with pytest.raises(InactiveProduct):
        cart.add_by_barcode("111", lookup)
    with pytest.raises(ValueError):
        cart.add_by_barcode("  ", lookup)
    assert cart.is_empty


def test_add_by_search_unique() -> None:
    cart = Cart()
    line = cart.add_by_search("gula", search_in(CATALOG))
    assert line.product == GULA


def test_add_by_search_none() -> None:
    with pytest.raises(ProductNotFound, match="durian"):
        Cart().add_by_search("durian", search_in(CATALOG))


def test_add_by_search_only_inactive_match() -> None:
    with pytest.raises(InactiveProduct):
        Cart().add_by_search("sabun", search_in(CATALOG))


def test_add_by_search_ignores_inactive_candidates() -> None:
    new_sabun = Product("SBN-2", "Sabun Baru", 3_500)
    line = Cart().add_by_search("sabun", search_in([*CATALOG, new_sabun]))
    assert line.product == new_sabun


def test_add_by_search_ambiguous() -> None:
    cart = Cart()
    with pytest.raises(AmbiguousProduct) as info:
        cart.add_by_search("a", search_in(CATALOG))  # matches almost everything
    assert isinstance(info.value, LookupError)
    assert DISCONTINUED not in info.value.candidates
    assert {KOPI, AQUA}.issubset(info.value.candidates)
    assert cart.is_empty


def test_add_by_search_ambiguous_picks_exact_match() -> None:
    kopi_susu = Product("KPI-SUSU", "Kopi Susu", 5_000)
    kopi = Product("KOPI", "Kopi", 4_000)
    catalog = [kopi_susu, kopi, KOPI]
    # three products contain "kopi"; only one has the exact name / sku "Kopi"
    assert Cart().add_by_search("kopi", search_in(catalog)).product == kopi
    assert Cart().add_by_search("  KOPI ", search_in(catalog)).product == kopi
    # exact sku among several
    assert Cart().add_by_search("kpi-susu", search_in(catalog)).product == kopi_susu


def test_add_by_search_exact_barcode_among_several() -> None:
    a = Product("A", "Teh Botol", 4_000, barcode="123")
    b = Product("B", "Teh Botol Less Sugar", 4_500, barcode="1234")
    both = lambda q: [a, b]  # noqa: E731 - a search that returns everything
    assert Cart().add_by_search("1234", both).product == b


def test_add_by_search_duplicate_exact_names_stay_ambiguous() -> None:
    a = Product("A", "Roti", 5_000)
    b = Product("B", "Roti", 6_000)
    c = Product("C", "Roti Tawar", 12_000)
    with pytest.raises(AmbiguousProduct) as info:
        Cart().add_by_search("roti", search_in([a, b, c]))
    assert info.value.candidates == (a, b)  # narrowed to the exact matches


def test_add_by_search_collapses_duplicate_results() -> None:
    line = Cart().add_by_search("gula", lambda q: [GULA, GULA])
    assert line.product == GULA


def test_add_by_search_empty_query() -> None:
    with pytest.raises(ValueError):
        Cart().add_by_search("   ", search_in(CATALOG))


def test_add_custom() -> None:
    cart = Cart()
    first = cart.add_custom("", 50_000)
    second = cart.add_custom("Pulsa", 50_000)
    assert (first.sku, first.product.name, first.quantity) == ("CUSTOM-1", CUSTOM_SALE_NAME, 1)
    assert (second.sku, second.product.name) == ("CUSTOM-2", "Pulsa")
    assert first.is_custom and not CartLine(INDOMIE, 1).is_custom
    assert len(cart.lines) == 2  # never merged
    assert cart.totals().total == 100_000
    cart.remove("CUSTOM-1")
    assert cart.add_custom("x", 1_000).sku == "CUSTOM-3"
    cart.clear()
    assert cart.add_custom("x", 1_000).sku == "CUSTOM-1"  # numbering is per sale


@pytest.mark.parametrize("amount", [0, -5_000])
def test_add_custom_rejects_non_positive(amount: int) -> None:
    with pytest.raises(ValueError):
        Cart().add_custom("x", amount)


def test_custom_prefix_is_reserved() -> None:
    with pytest.raises(ValueError, match="reserved"):
        Cart().add(Product("CUSTOM-1", "Impostor", 1_000))


# --------------------------------------------------------------------------- quantities


def test_set_quantity_increment_decrement_remove() -> None:
    cart = Cart()
    cart.add(INDOMIE)
    cart.add(KOPI)
    assert cart.increment(INDOMIE.sku).quantity == 2
    assert cart.set_quantity(INDOMIE.sku, 5).quantity == 5
    assert cart.decrement(INDOMIE.sku).quantity == 4
    assert cart.decrement(KOPI.sku) is None  # 1 -> 0 removes
    assert KOPI.sku not in cart
    assert cart.set_quantity(INDOMIE.sku, 0) is None
    assert cart.is_empty


def test_set_quantity_negative_and_unknown() -> None:
    cart = Cart()
    cart.add(INDOMIE, 2)
    with pytest.raises(ValueError):
        cart.set_quantity(INDOMIE.sku, -1)
    assert cart.line(INDOMIE.sku).quantity == 2
    with pytest.raises(LineNotFound):
        cart.set_quantity("nope", 1)
    with pytest.raises(LineNotFound):
        cart.remove("nope")
    with pytest.raises(LineNotFound):
        cart.increment("nope")
    with pytest.raises(TypeError):
        cart.set_quantity(INDOMIE.sku, 1.5)  # type: ignore[arg-type]


def test_remove_and_clear() -> None:
    cart = Cart(TaxConfig(TaxMode.ADDED))
    cart.add(INDOMIE)
    cart.add(KOPI)
    cart.remove(INDOMIE.sku)
    assert [ln.sku for ln in cart.lines] == [KOPI.sku]
    cart.set_order_discount(Discount.amount(100))
    cart.clear()
    assert cart.is_empty and cart.order_discount is None
    assert cart.tax_config.mode is TaxMode.ADDED  # configuration survives the next customer


# --------------------------------------------------------------------------- discounts


def test_line_discount_amount() -> None:
    cart = Cart()
    cart.add(ROKOK, 2)  # 2 x 25.000 = 50.000
    line = cart.set_line_discount(ROKOK.sku, Discount.amount(2_000))
    assert (line.gross, line.discount_amount, line.net) == (50_000, 2_000, 48_000)
    t = cart.totals()
    assert (t.subtotal, t.line_discounts, t.total) == (50_000, 2_000, 48_000)


def test_line_discount_percent_rounds_half_up_per_line() -> None:
    cart = Cart()
    cart.add(Product("X", "X", 1_005))
    # 50 % of 1.005 = 502,5 -> 503
    assert cart.set_line_discount("X", Discount.percent(50)).discount_amount == 503
    cart.add(Product("Y", "Y", 3_333))
    # 15 % of 3.333 = 499,95 -> 500
    assert cart.set_line_discount("Y", Discount.percent(15)).discount_amount == 500
    # 12,5 % of 3 x 3.500 = 10.500 -> 1.312,5 -> 1.313 (on the line gross, not per unit)
    cart.add(INDOMIE, 3)
    assert cart.set_line_discount(INDOMIE.sku, Discount.percent("12.5")).discount_amount == 1_313
    t = cart.totals()
    assert t.line_discounts == 503 + 500 + 1_313


def test_line_discount_larger_than_line_is_an_error() -> None:
    cart = Cart()
    cart.add(INDOMIE, 2)  # 7.000
    with pytest.raises(ValueError, match=r"Rp 7\.500 is more than the line total Rp 7\.000"):
        cart.set_line_discount(INDOMIE.sku, Discount.amount(7_500))
    assert cart.line(INDOMIE.sku).discount is None
    # exactly the gross is allowed: the line becomes free
    assert cart.set_line_discount(INDOMIE.sku, Discount.amount(7_000)).net == 0
    assert cart.set_line_discount(INDOMIE.sku, Discount.percent(100)).net == 0
    with pytest.raises(LineNotFound):
        cart.set_line_discount("nope", None)


def test_line_discount_clamped_when_quantity_drops() -> None:
    cart = Cart()
    cart.add(INDOMIE, 3)  # 10.500
    cart.set_line_discount(INDOMIE.sku, Discount.amount(5_000))
    line = cart.set_quantity(INDOMIE.sku, 1)  # gross 3.500 < stored 5.000
    assert line is not None
    assert (line.discount_amount, line.net) == (3_500, 0)
    assert cart.totals().total == 0
    line = cart.set_quantity(INDOMIE.sku, 2)  # stored amount applies again in full
    assert line is not None and line.discount_amount == 5_000


def test_clear_line_discount() -> None:
    cart = Cart()
    cart.add(INDOMIE)
    cart.set_line_discount(INDOMIE.sku, Discount.amount(500))
    assert cart.set_line_discount(INDOMIE.sku, None).discount_amount == 0


def test_order_discount_amount_and_percent() -> None:
    cart = Cart()
    cart.add(GULA, 2)  # 33.000
    cart.set_line_discount(GULA.sku, Discount.amount(3_000))  # -> 30.000
    cart.set_order_discount(Discount.amount(2_500))
    t = cart.totals()
    assert (t.order_discount, t.discount_total, t.total) == (2_500, 5_500, 27_500)
    # percent applies after line discounts: 15 % of 30.000 = 4.500
    cart.set_order_discount(Discount.percent(15))
    t = cart.totals()
    assert (t.order_discount, t.total) == (4_500, 25_500)
    # rounding half up: 12,5 % of 30.004 = 3.750,5 -> 3.751
    cart.add(Product("Z", "Z", 4))
    cart.set_order_discount(Discount.percent("12.5"))
    assert cart.totals().order_discount == 3_751
    cart.set_order_discount(None)
    assert cart.totals().order_discount == 0


def test_order_discount_clamped_to_discounted_sum() -> None:
    cart = Cart(TaxConfig(TaxMode.ADDED))
    cart.add(AQUA, 2)  # 8.000
    cart.set_line_discount(AQUA.sku, Discount.amount(1_000))  # 7.000 left
    cart.set_order_discount(Discount.amount(15_000))
    t = cart.totals()
    assert (t.order_discount, t.discount_total, t.tax, t.total) == (7_000, 8_000, 0, 0)
    # removing lines keeps the discount valid: it just clamps further
    cart.remove(AQUA.sku)
    assert cart.totals().order_discount == 0


def test_order_discount_on_empty_cart() -> None:
    cart = Cart()
    cart.set_order_discount(Discount.percent(50))
    assert cart.totals().total == 0


# --------------------------------------------------------------------------- tax: worked examples


def three_item_cart(mode: TaxMode) -> Cart:
    cart = Cart(TaxConfig(mode, 1_100))
    cart.add(INDOMIE, 3)  # 3 x 3.500 = 10.500
    cart.add(KOPI, 2)  # 2 x 1.500 =  3.000
    cart.add(AQUA)  # 1 x 4.000 =  4.000
    cart.set_order_discount(Discount.percent(10))
    return cart


def test_tax_off_worked_example() -> None:
    # subtotal 17.500; 10 % order discount = 1.750; total 15.750; no PPN
    t = three_item_cart(TaxMode.OFF).totals()
    assert t == Totals(
        subtotal=17_500, line_discounts=0, order_discount=1_750, discount_total=1_750,
        tax_base=15_750, tax=0, total=15_750, item_count=6,
        tax_mode=TaxMode.OFF, tax_rate_bp=0,
    )


def test_tax_added_worked_example() -> None:
    # subtotal 17.500; 10 % order discount = 1.750; tax base 15.750
    # PPN 11 % added: 15.750 x 0,11 = 1.732,5 -> half up -> 1.733; total 15.750 + 1.733 = 17.483
    t = three_item_cart(TaxMode.ADDED).totals()
    assert t == Totals(
        subtotal=17_500, line_discounts=0, order_discount=1_750, discount_total=1_750,
        tax_base=15_750, tax=1_733, total=17_483, item_count=6,
        tax_mode=TaxMode.ADDED, tax_rate_bp=1_100,
    )
    assert t.net_of_tax == 15_750


def test_tax_included_worked_example() -> None:
    # subtotal 17.500; 10 % order discount = 1.750; total 15.750 (prices include PPN)
    # PPN contained: 15.750 x 11 / 111 = 1.560,81... -> 1.561; DPP = 15.750 - 1.561 = 14.189
    t = three_item_cart(TaxMode.INCLUDED).totals()
    assert t == Totals(
        subtotal=17_500, line_discounts=0, order_discount=1_750, discount_total=1_750,
        tax_base=15_750, tax=1_561, total=15_750, item_count=6,
        tax_mode=TaxMode.INCLUDED, tax_rate_bp=1_100,
    )
    assert t.net_of_tax == 14_189


def test_tax_added_with_line_and_order_discounts_worked_example() -> None:
    cart = Cart(TaxConfig(TaxMode.ADDED))
    cart.add(ROKOK, 2)  # 50.000, line discount Rp 2.000 -> 48.000
    cart.set_line_discount(ROKOK.sku, Discount.amount(2_000))
    cart.add(GULA)  # 16.500, line discount 10 % = 1.650 -> 14.850
    cart.set_line_discount(GULA.sku, Discount.percent(10))
    cart.add(TELUR, 10)  # 23.000
    cart.set_order_discount(Discount.amount(5_000))
    # subtotal 50.000 + 16.500 + 23.000 = 89.500; line discounts 3.650 -> 85.850
    # order discount 5.000 -> tax base 80.850; PPN 11 % = 8.893,5 -> 8.894; total 89.744
    t = cart.totals()
    assert (t.subtotal, t.line_discounts, t.order_discount, t.discount_total) == (
        89_500, 3_650, 5_000, 8_650,
    )
    assert (t.tax_base, t.tax, t.total, t.item_count) == (80_850, 8_894, 89_744, 13)


def test_tax_included_is_computed_on_the_total_not_per_line() -> None:
    # Three lines of Rp 5 at 11 % included. Per line: 5 x 11/111 = 0,495 -> 0 each, 0 in all.
    # On the order total: 15 x 11/111 = 1,486 -> 1. The rule says the order total wins.
    cart = Cart(TaxConfig(TaxMode.INCLUDED))
    for i in range(3):
        cart.add(Product(f"P{i}", f"P{i}", 5))
    t = cart.totals()
    assert (t.total, t.tax) == (15, 1)


def test_changing_tax_config() -> None:
    cart = three_item_cart(TaxMode.OFF)
    cart.tax_config = TaxConfig(TaxMode.ADDED, 1_200)
    # 15.750 x 0,12 = 1.890
    assert cart.totals().tax == 1_890
    with pytest.raises(TypeError):
        cart.tax_config = "added"  # type: ignore[assignment]


def test_zero_rate_tax() -> None:
    cart = Cart(TaxConfig(TaxMode.INCLUDED, 0))
    cart.add(AQUA)
    t = cart.totals()
    assert (t.tax, t.total) == (0, 4_000)


# --------------------------------------------------------------------------- properties

line_specs = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5_000_000),  # price
        st.integers(min_value=1, max_value=200),  # quantity
        st.one_of(
            st.none(),
            st.tuples(st.just("percent"), st.integers(min_value=0, max_value=10_000)),
            # an amount discount drawn as a share (per mille) of the line gross, so it is
            # valid when set; later quantity changes may still push it above the gross
            st.tuples(st.just("share"), st.integers(min_value=0, max_value=1_000)),
        ),
        st.integers(min_value=0, max_value=3),  # later quantity change (0 = none)
    ),
    max_size=12,
)
order_discounts = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10**10).map(Discount.amount),
    st.integers(min_value=0, max_value=10_000).map(lambda bp: Discount(DiscountKind.PERCENT, bp)),
)
tax_configs = st.builds(
    TaxConfig, st.sampled_from(list(TaxMode)), st.integers(min_value=0, max_value=10_000)
)


def build_cart(specs, order_discount, tax, custom_amounts) -> Cart:
    cart = Cart(tax)
    for i, (price, qty, disc, new_qty) in enumerate(specs):
        sku = f"SKU-{i % 7}"  # some SKUs repeat, exercising the merge
        line = cart.add(Product(sku, f"Item {i}", price), qty)
        if disc is not None:
            kind, value = disc
            if kind == "percent":
                cart.set_line_discount(sku, Discount(DiscountKind.PERCENT, value))
            else:
                cart.set_line_discount(sku, Discount.amount(line.gross * value // 1_000))
        if new_qty:
            cart.set_quantity(sku, new_qty)  # may push an amount discount above the gross
    for amount in custom_amounts:
        cart.add_custom("", amount)
    cart.set_order_discount(order_discount)
    return cart


@settings(max_examples=300, deadline=None)  # builds real carts; no flaky timeouts on slow CI
@given(
    line_specs,
    order_discounts,
    tax_configs,
    st.lists(st.integers(min_value=1, max_value=10**8), max_size=2),
)
def test_totals_properties(specs, order_discount, tax, custom_amounts) -> None:
    cart = build_cart(specs, order_discount, tax, custom_amounts)
    t = cart.totals()

    # the identity: subtotal - discount_total (+ tax if ADDED) == total, exactly
    assert identity_holds(t)
    assert t.discount_total == t.line_discounts + t.order_discount
    assert t.tax_base == t.subtotal - t.discount_total

    # nothing negative, discounts never exceed what they apply to
    for value in (t.subtotal, t.line_discounts, t.order_discount, t.tax_base, t.tax, t.total):
        assert isinstance(value, int) and value >= 0
    assert t.order_discount <= t.subtotal - t.line_discounts
    for line in cart.lines:
        assert 0 <= line.discount_amount <= line.gross
        assert line.net == line.gross - line.discount_amount

    # lines and totals agree
    assert t.subtotal == sum(ln.gross for ln in cart.lines)
    assert t.line_discounts == sum(ln.discount_amount for ln in cart.lines)
    assert t.item_count == sum(ln.quantity for ln in cart.lines)

    # per mode
    if tax.mode is TaxMode.OFF:
        assert t.tax == 0 and t.total == t.tax_base
    elif tax.mode is TaxMode.INCLUDED:
        assert t.total == t.subtotal - t.discount_total  # included: total = discounted subtotal
        assert t.tax <= t.total
        # tax is the PPN contained in the total, to the nearest rupiah
        divisor = 10_000 + tax.rate_bp
        assert abs(t.tax * divisor - t.total * tax.rate_bp) * 2 <= divisor
    else:
        assert t.total == t.tax_base + t.tax
        assert abs(t.tax * 10_000 - t.tax_base * tax.rate_bp) * 2 <= 10_000
    assert t.net_of_tax == t.total - t.tax >= 0


@settings(deadline=None)
@given(line_specs, order_discounts, st.integers(min_value=0, max_value=10_000))
def test_tax_mode_relationships(specs, order_discount, rate) -> None:
    off = build_cart(specs, order_discount, TaxConfig(TaxMode.OFF, rate), []).totals()
    inc = build_cart(specs, order_discount, TaxConfig(TaxMode.INCLUDED, rate), []).totals()
    add = build_cart(specs, order_discount, TaxConfig(TaxMode.ADDED, rate), []).totals()
    # the same cart has the same discounted amount whatever the tax mode
    assert off.tax_base == inc.tax_base == add.tax_base == off.total == inc.total
    assert add.total >= off.total
    assert inc.tax <= add.tax  # the PPN inside X is never more than the PPN on top of X


# ---- the largest sale: what a QRIS amount (13 digits) can carry, less a unique code


def test_cart_refuses_a_change_that_takes_the_total_past_one_sale() -> None:
    from pos_app.money import MAX_SALE_AMOUNT, AmountTooLarge

    cart = Cart()
    big = Product(sku="EMAS-1KG", name="Emas 1 kg", price=MAX_SALE_AMOUNT // 2)
    cart.add(big, 2)
    assert cart.totals().total <= MAX_SALE_AMOUNT
    with pytest.raises(AmountTooLarge):
        cart.add(big)
    with pytest.raises(AmountTooLarge):
        cart.increment("EMAS-1KG")
    with pytest.raises(AmountTooLarge):
        cart.set_quantity("EMAS-1KG", 10**9)
    with pytest.raises(AmountTooLarge):
        cart.add_custom("ongkir", 10**13)
    assert [line.quantity for line in cart.lines] == [2]  # every refused change was undone
    assert cart.totals().total == 2 * (MAX_SALE_AMOUNT // 2)


def test_cart_refuses_tax_that_takes_the_total_past_one_sale() -> None:
    from pos_app.money import MAX_SALE_AMOUNT, AmountTooLarge

    cart = Cart(TaxConfig(TaxMode.ADDED, 1100))
    with pytest.raises(AmountTooLarge):
        cart.add_custom("besar", MAX_SALE_AMOUNT)
    assert cart.is_empty
    cart.add_custom("besar", MAX_SALE_AMOUNT * 100 // 111)
    assert cart.totals().total <= MAX_SALE_AMOUNT
    line = cart.lines[0]
    cart.set_line_discount(line.sku, Discount.percent(10))
    cart.add_custom("lagi", MAX_SALE_AMOUNT // 20)
    with pytest.raises(AmountTooLarge):
        cart.set_line_discount(line.sku, None)  # the discount was what kept it within reach
    assert cart.line(line.sku).discount == Discount.percent(10)
