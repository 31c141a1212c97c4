"""The cashier's cart: products, quantities, discounts, PPN and exact rupiah totals.

Pure domain code (no Qt, no I/O): the UI, the ``pos-app charge`` command and the checkout
service all drive this class, so the numbers on the screen, on the receipt, in the QRIS and
in the daily report come from one place.

Money is ``int`` rupiah everywhere; percentages are ``int`` basis points (1 % = 100 bp).
No float is ever involved. Rounding is "half up" to whole rupiah
(:func:`pos_app.money.percent_of`).

Rules (decided here; reviewers and other modules rely on them)
--------------------------------------------------------------
Lines
  * One line per SKU: adding a product whose SKU is already in the cart adds to that line's
    quantity. The line keeps the product snapshot (name, price) it was first rung up with --
    the price the customer already saw -- and keeps its line discount.
  * Quantity is a positive ``int``. ``set_quantity(sku, 0)`` and decrementing from 1 remove the
    line; a negative quantity is a ``ValueError``.
  * Product price must be an ``int`` >= 0 (free items are allowed). An inactive product can't
    be added (:class:`InactiveProduct`).
  * Stock is *not* checked: warung stock counts are unreliable and a sale must never be blocked
    by a wrong count. Decrementing stock is the storage layer's job when the order is paid.
  * Custom-amount lines (``add_custom``, used by ``pos-app charge AMOUNT``) get a synthetic
    SKU ``CUSTOM-1``, ``CUSTOM-2``, ... (numbering restarts after :meth:`Cart.clear`) and are
    never merged. The ``CUSTOM-`` prefix is reserved: ``add`` refuses catalogue products
    whose SKU starts with it, so a SKU always identifies exactly one line.

Discounts
  * ``Discount(AMOUNT, n)``: n rupiah off. ``Discount(PERCENT, bp)``: bp basis points off,
    0..10 000 (0..100 %).
  * A line discount applies to the line gross (price x quantity). A percent line discount is
    computed per line, rounded half up to the rupiah. An amount line discount larger than the
    line gross is refused with ``ValueError`` *when it is set*. If the quantity is lowered
    afterwards so the stored amount exceeds the new gross, the applied discount is clamped to
    the gross (the line becomes free) instead of blocking the quantity change; the stored
    amount is kept, so raising the quantity again restores it.
  * The order discount applies to the sum of the lines *after* line discounts. It is clamped
    so it never exceeds that sum (no error: the cart changes after the discount is set, so
    clamping is the only rule that stays valid as lines come and go).

PPN (tax)
  ``tax_base`` is always the discounted amount: ``subtotal - discount_total``.

  * ``OFF``: ``tax = 0``, ``total = tax_base``.
  * ``ADDED``: prices exclude PPN. ``tax = round_half_up(tax_base * rate / 10 000)``,
    ``total = tax_base + tax``.
  * ``INCLUDED``: prices already contain PPN. ``total = tax_base``;
    ``tax = round_half_up(total * rate / (10 000 + rate))`` is the PPN contained in it, and
    ``total - tax`` (``Totals.net_of_tax``, the DPP) is the amount before PPN.

  Tax is computed once on the order total, never per line, so lines and totals agree to the
  rupiah. Consequently ``subtotal - discount_total + (tax if ADDED else 0) == total`` always
  holds exactly, and no total is ever negative. Default rate: 11 % (1100 bp), configurable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from pos_app.money import (
    BASIS_POINTS_PER_UNIT,
    check_amount,
    div_round_half_up,
    format_rupiah,
    parse_percent,
    parse_rupiah,
    percent_of,
)

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "CUSTOM_SKU_PREFIX",
    "CUSTOM_SALE_NAME",
    "AmbiguousProduct",
    "Cart",
    "CartLine",
    "Discount",
    "DiscountKind",
    "InactiveProduct",
    "LineNotFound",
    "Product",
    "ProductNotFound",
    "TaxConfig",
    "TaxMode",
    "Totals",
    "is_custom_sku",
]

#: SKU prefix reserved for custom-amount lines.
CUSTOM_SKU_PREFIX = "CUSTOM-"
#: Default name of a custom-amount line ("free sale").
CUSTOM_SALE_NAME = "Penjualan bebas"


def is_custom_sku(sku: str) -> bool:
    """True for SKUs synthesised by :meth:`Cart.add_custom`."""
    return sku.startswith(CUSTOM_SKU_PREFIX)


def _require_int(value: object, what: str, *, minimum: int | None = None) -> int:
    # bool is an int subclass; a quantity of True is always a bug.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}: {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be >= {minimum}, got {value}")
    return value


# --------------------------------------------------------------------------- errors


class ProductNotFound(LookupError):
    """No (active) product matches a barcode or search query. ``.query`` holds the input."""

    def __init__(self, query: str, message: str | None = None) -> None:
        self.query = query
        super().__init__(message or f"no product found for {query!r}")


class AmbiguousProduct(LookupError):
    """A search matched several products; the UI should let the cashier pick one."""

    def __init__(self, query: str, candidates: Sequence[Product]) -> None:
        self.query = query
        self.candidates: tuple[Product, ...] = tuple(candidates)
        names = ", ".join(f"{p.name} ({p.sku})" for p in self.candidates[:5])
        more = f" and {len(self.candidates) - 5} more" if len(self.candidates) > 5 else ""
        super().__init__(
            f"{len(self.candidates)} products match {query!r}: {names}{more}; pick one"
        )


class InactiveProduct(ValueError):
    """The product is marked inactive (delisted) and can't be sold."""

    def __init__(self, product: Product) -> None:
        self.product = product
        super().__init__(f"product {product.name!r} ({product.sku}) is inactive and can't be sold")


class LineNotFound(LookupError):
    """The cart has no line with that SKU."""

    def __init__(self, sku: str) -> None:
        self.sku = sku
        super().__init__(f"no line with SKU {sku!r} in the cart")


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Product:
    """A catalogue item as the cart sees it (a snapshot; the catalogue lives in storage)."""

    sku: str
    name: str
    price: int
    category: str = ""
    barcode: str | None = None
    stock: int | None = None  # informational only: never blocks a sale (see module docstring)
    active: bool = True
    low_stock: bool = False  # tracked stock at or below the owner's threshold (the grid marks it)
    unit: str = "pcs"  # "pcs", "kg", "liter", "bungkus" ...: shown, never computed with

    def __post_init__(self) -> None:
        if not isinstance(self.sku, str) or not self.sku.strip():
            raise ValueError(f"product SKU must be a non-empty string, got {self.sku!r}")
        if not isinstance(self.name, str):
            raise TypeError(f"product name must be a str, got {self.name!r}")
        _require_int(self.price, f"price of {self.sku}", minimum=0)
        if self.stock is not None:
            # Negative stock is allowed: it is what an unreliable count looks like after sales.
            _require_int(self.stock, f"stock of {self.sku}")


class DiscountKind(StrEnum):
    AMOUNT = "amount"
    PERCENT = "percent"


@dataclass(frozen=True)
class Discount:
    """A discount: ``AMOUNT`` -> ``value`` rupiah off; ``PERCENT`` -> ``value`` basis points off."""

    kind: DiscountKind
    value: int

    def __post_init__(self) -> None:
        # Accept the stored string form ("percent") from the database.
        object.__setattr__(self, "kind", DiscountKind(self.kind))
        _require_int(self.value, "discount value", minimum=0)
        if self.kind is DiscountKind.PERCENT and self.value > BASIS_POINTS_PER_UNIT:
            raise ValueError(
                f"percent discount must be 0..10000 basis points (0..100 %), got {self.value}"
            )

    @classmethod
    def amount(cls, rupiah: int | str) -> Discount:
        """``Discount.amount(5000)`` or ``Discount.amount("Rp 5.000")``."""
        value = parse_rupiah(rupiah) if isinstance(rupiah, str) else rupiah
        return cls(DiscountKind.AMOUNT, value)

    @classmethod
    def percent(cls, percent: str | int | Decimal) -> Discount:
        """A percentage (not basis points): ``"12.5"``, ``"12,5%"``, ``10``, ``Decimal("12.5")``.
        ``Discount.percent("12.5").value == 1250``. Floats are refused."""
        return cls(DiscountKind.PERCENT, parse_percent(percent))

    def amount_off(self, base: int) -> int:
        """Rupiah off ``base``, *not* clamped (callers clamp/validate; see module docstring)."""
        if self.kind is DiscountKind.AMOUNT:
            return self.value
        return percent_of(base, self.value)

    def describe(self) -> str:
        """Short human text, e.g. ``12,5%`` or ``Rp 5.000`` (Indonesian decimal comma)."""
        if self.kind is DiscountKind.AMOUNT:
            return format_rupiah(self.value)
        whole, frac = divmod(self.value, 100)
        return f"{whole}%" if frac == 0 else f"{whole},{frac:02d}".rstrip("0") + "%"


class TaxMode(StrEnum):
    OFF = "off"
    INCLUDED = "included"  # shelf prices contain PPN
    ADDED = "added"  # PPN is added on top at checkout


@dataclass(frozen=True)
class TaxConfig:
    """PPN settings. 11 % is the default effective rate for ordinary goods in Indonesia."""

    mode: TaxMode = TaxMode.OFF
    rate_bp: int = 1100

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", TaxMode(self.mode))
        _require_int(self.rate_bp, "tax rate", minimum=0)
        if self.rate_bp > BASIS_POINTS_PER_UNIT:
            raise ValueError(f"tax rate must be 0..10000 basis points, got {self.rate_bp}")


@dataclass(frozen=True)
class CartLine:
    """One line of the cart. Amounts are derived, so they can never disagree."""

    product: Product
    quantity: int
    discount: Discount | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.product, Product):
            raise TypeError(f"product must be a Product, got {self.product!r}")
        _require_int(self.quantity, f"quantity of {self.product.sku}", minimum=1)
        if self.discount is not None and not isinstance(self.discount, Discount):
            raise TypeError(f"discount must be a Discount or None, got {self.discount!r}")

    @property
    def sku(self) -> str:
        return self.product.sku

    @property
    def unit_price(self) -> int:
        return self.product.price

    @property
    def gross(self) -> int:
        """Price x quantity, before any discount."""
        return self.product.price * self.quantity

    @property
    def discount_amount(self) -> int:
        """Rupiah off this line; never more than :attr:`gross`."""
        if self.discount is None:
            return 0
        return min(self.discount.amount_off(self.gross), self.gross)

    @property
    def net(self) -> int:
        """Gross minus the line discount (before the order discount and tax)."""
        return self.gross - self.discount_amount

    @property
    def is_custom(self) -> bool:
        return is_custom_sku(self.product.sku)


@dataclass(frozen=True)
class Totals:
    """Everything the screen, receipt and order record need, in int rupiah.

    ``subtotal - discount_total + (tax if tax_mode is ADDED else 0) == total`` always.
    """

    subtotal: int  # sum of line gross
    line_discounts: int
    order_discount: int  # as applied (clamped)
    discount_total: int  # line_discounts + order_discount
    tax_base: int  # subtotal - discount_total
    tax: int  # PPN added (ADDED) or contained (INCLUDED); 0 when OFF
    total: int  # what the customer pays
    item_count: int  # sum of quantities (not number of lines)
    tax_mode: TaxMode = TaxMode.OFF
    tax_rate_bp: int = 0  # the rate applied; 0 when tax_mode is OFF

    @property
    def net_of_tax(self) -> int:
        """Amount before PPN (the DPP): ``total - tax`` in every mode."""
        return self.total - self.tax


# --------------------------------------------------------------------------- cart


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


class Cart:
    """A mutable cart of :class:`CartLine` values, in the order they were first rung up."""

    def __init__(self, tax: TaxConfig = TaxConfig()) -> None:
        if not isinstance(tax, TaxConfig):
            raise TypeError(f"tax must be a TaxConfig, got {tax!r}")
        self._tax = tax
        self._lines: list[CartLine] = []
        self._order_discount: Discount | None = None
        self._custom_seq = 0

    # ---- read side

    @property
    def lines(self) -> tuple[CartLine, ...]:
        """A snapshot; mutate through the methods, never the tuple."""
        return tuple(self._lines)

    @property
    def is_empty(self) -> bool:
        return not self._lines

    @property
    def order_discount(self) -> Discount | None:
        return self._order_discount

    @property
    def tax_config(self) -> TaxConfig:
        return self._tax

    @tax_config.setter
    def tax_config(self, tax: TaxConfig) -> None:
        if not isinstance(tax, TaxConfig):
            raise TypeError(f"tax must be a TaxConfig, got {tax!r}")
        self._tax = tax

    def line(self, sku: str) -> CartLine:
        """The line for ``sku``; raises :class:`LineNotFound`."""
        return self._lines[self._index(sku)]

    def __contains__(self, sku: object) -> bool:
        return any(line.product.sku == sku for line in self._lines)

    # ---- adding

    def add(self, product: Product, quantity: int = 1) -> CartLine:
        """Add ``quantity`` of ``product``; a SKU already in the cart is merged into its line."""
        if not isinstance(product, Product):
            raise TypeError(f"product must be a Product, got {product!r}")
        _require_int(quantity, "quantity", minimum=1)
        if is_custom_sku(product.sku):
            raise ValueError(
                f"SKU {product.sku!r}: the prefix {CUSTOM_SKU_PREFIX!r} is reserved for "
                "custom-amount lines; use add_custom()"
            )
        if not product.active:
            raise InactiveProduct(product)
        before = list(self._lines)
        for i, line in enumerate(self._lines):
            if line.product.sku == product.sku:
                merged = dataclasses.replace(line, quantity=line.quantity + quantity)
                self._lines[i] = merged
                self._check_limit(before)
                return merged
        new = CartLine(product, quantity)
        self._lines.append(new)
        self._check_limit(before)
        return new

    def add_custom(self, name: str, amount: int) -> CartLine:
        """Add a one-off line of ``amount`` rupiah (``pos-app charge``); never merged.

        An empty ``name`` becomes ``"Penjualan bebas"``. ``amount`` must be a positive int.
        """
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {name!r}")
        _require_int(amount, "custom amount", minimum=1)
        existing = {line.product.sku for line in self._lines}
        while True:
            self._custom_seq += 1
            sku = f"{CUSTOM_SKU_PREFIX}{self._custom_seq}"
            if sku not in existing:
                break
        check_amount(amount, "custom amount")
        product = Product(sku=sku, name=name.strip() or CUSTOM_SALE_NAME, price=amount)
        new = CartLine(product, 1)
        before = list(self._lines)
        self._lines.append(new)
        self._check_limit(before)
        return new

    def add_by_barcode(
        self,
        barcode: str,
        lookup: Callable[[str], Product | None],
        quantity: int = 1,
    ) -> CartLine:
        """Scan: ``lookup(barcode)`` -> add. Raises :class:`ProductNotFound` (barcode in the
        message) when lookup returns ``None``, :class:`InactiveProduct` for a delisted item.

        Surrounding whitespace (the scanner's CR/LF) is stripped before the lookup.
        """
        if not isinstance(barcode, str):
            raise TypeError(f"barcode must be a str, got {barcode!r}")
        code = barcode.strip()
        if not code:
            raise ValueError("empty barcode")
        product = lookup(code)
        if product is None:
            raise ProductNotFound(code, f"no product with barcode {code!r}")
        return self.add(product, quantity)

    def add_by_search(
        self,
        query: str,
        search: Callable[[str], Sequence[Product]],
        quantity: int = 1,
    ) -> CartLine:
        """Type-ahead add: ``search(query)`` -> add the one product it means.

        Inactive results are ignored and duplicates (same SKU) collapsed. Then: exactly one
        candidate -> add it. Several -> if exactly one has an exact match, first on SKU
        (case-insensitive), then barcode, then name (case/whitespace-insensitive), add that
        one; otherwise raise :class:`AmbiguousProduct` carrying ``.candidates``. None ->
        :class:`InactiveProduct` if only inactive products matched, else
        :class:`ProductNotFound`.
        """
        if not isinstance(query, str):
            raise TypeError(f"query must be a str, got {query!r}")
        text = query.strip()
        if not text:
            raise ValueError("empty search")
        results = list(search(text))
        candidates: list[Product] = []
        seen: set[str] = set()
        for product in results:
            if product.active and product.sku not in seen:
                seen.add(product.sku)
                candidates.append(product)

        if not candidates:
            inactive = [p for p in results if not p.active]
            if inactive:
                raise InactiveProduct(inactive[0])
            raise ProductNotFound(text)
        if len(candidates) == 1:
            return self.add(candidates[0], quantity)

        wanted = _norm(text)
        exact_tiers = (
            [p for p in candidates if p.sku.casefold() == wanted],
            [p for p in candidates if p.barcode is not None and p.barcode.strip() == text],
            [p for p in candidates if _norm(p.name) == wanted],
        )
        for tier in exact_tiers:
            if len(tier) == 1:
                return self.add(tier[0], quantity)
            if len(tier) > 1:
                # Several exact matches (e.g. two items with the same name): narrowing to
                # them is the most useful list to show the cashier.
                raise AmbiguousProduct(text, tier)
        raise AmbiguousProduct(text, candidates)

    # ---- changing lines

    def _index(self, sku: str) -> int:
        for i, line in enumerate(self._lines):
            if line.product.sku == sku:
                return i
        raise LineNotFound(sku)

    def set_quantity(self, sku: str, quantity: int) -> CartLine | None:
        """Set a line's quantity; 0 removes it (returns ``None``); negative -> ``ValueError``."""
        _require_int(quantity, "quantity")
        if quantity < 0:
            raise ValueError(f"quantity must not be negative, got {quantity} for {sku!r}")
        i = self._index(sku)
        if quantity == 0:
            del self._lines[i]
            return None
        before = list(self._lines)
        updated = dataclasses.replace(self._lines[i], quantity=quantity)
        self._lines[i] = updated
        self._check_limit(before)
        return updated

    def increment(self, sku: str) -> CartLine:
        """Quantity + 1."""
        updated = self.set_quantity(sku, self.line(sku).quantity + 1)
        assert updated is not None
        return updated

    def decrement(self, sku: str) -> CartLine | None:
        """Quantity - 1; from 1 the line is removed (returns ``None``)."""
        return self.set_quantity(sku, self.line(sku).quantity - 1)

    def remove(self, sku: str) -> None:
        """Remove a line; raises :class:`LineNotFound` when absent."""
        del self._lines[self._index(sku)]

    def set_line_discount(self, sku: str, discount: Discount | None) -> CartLine:
        """Set (or clear with ``None``) a line's discount.

        An amount larger than the line gross raises ``ValueError`` (see module docstring).
        """
        if discount is not None and not isinstance(discount, Discount):
            raise TypeError(f"discount must be a Discount or None, got {discount!r}")
        i = self._index(sku)
        line = self._lines[i]
        if (
            discount is not None
            and discount.kind is DiscountKind.AMOUNT
            and discount.value > line.gross
        ):
            raise ValueError(
                f"discount {format_rupiah(discount.value)} is more than the line total "
                f"{format_rupiah(line.gross)} of {line.product.name!r} ({sku})"
            )
        before = list(self._lines)
        updated = dataclasses.replace(line, discount=discount)
        self._lines[i] = updated
        self._check_limit(before)
        return updated

    def set_order_discount(self, discount: Discount | None) -> None:
        """Set (or clear) the whole-order discount; clamped when totals are computed."""
        if discount is not None and not isinstance(discount, Discount):
            raise TypeError(f"discount must be a Discount or None, got {discount!r}")
        previous = self._order_discount
        self._order_discount = discount
        try:
            check_amount(self.totals().total, "the total")
        except ValueError:
            self._order_discount = previous
            raise

    def _check_limit(self, before: list[CartLine]) -> None:
        """Undo the change just made (back to ``before``) if the cart now holds more than one
        sale may total: raises :class:`~pos_app.money.AmountTooLarge`."""
        try:
            check_amount(sum(line.gross for line in self._lines), "the subtotal")
            check_amount(self.totals().total, "the total")
        except ValueError:
            self._lines[:] = before
            raise

    def clear(self) -> None:
        """Empty the cart for the next customer (keeps the tax configuration)."""
        self._lines.clear()
        self._order_discount = None
        self._custom_seq = 0

    # ---- totals

    def totals(self) -> Totals:
        """Compute the totals (see the module docstring for the exact rules)."""
        subtotal = sum(line.gross for line in self._lines)
        line_discounts = sum(line.discount_amount for line in self._lines)
        after_lines = subtotal - line_discounts

        order_discount = 0
        if self._order_discount is not None:
            order_discount = min(self._order_discount.amount_off(after_lines), after_lines)

        tax_base = after_lines - order_discount
        rate = self._tax.rate_bp
        mode = self._tax.mode
        if mode is TaxMode.ADDED:
            tax = percent_of(tax_base, rate)
            total = tax_base + tax
        elif mode is TaxMode.INCLUDED:
            total = tax_base
            tax = div_round_half_up(total * rate, BASIS_POINTS_PER_UNIT + rate)
        else:
            tax = 0
            total = tax_base

        return Totals(
            subtotal=subtotal,
            line_discounts=line_discounts,
            order_discount=order_discount,
            discount_total=line_discounts + order_discount,
            tax_base=tax_base,
            tax=tax,
            total=total,
            item_count=sum(line.quantity for line in self._lines),
            tax_mode=mode,
            tax_rate_bp=rate if mode is not TaxMode.OFF else 0,
        )
