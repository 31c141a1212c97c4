"""Rupiah amounts: formatting, parsing, integer percentages and Indonesian number words.

Money in pos-app is always an ``int`` number of rupiah. The rupiah has no cents in practice,
so nothing here ever produces or accepts a ``float``; percentages are integer *basis points*
(1 % = 100 bp, 100 % = 10 000 bp) so that every computation is exact integer arithmetic.

Rules decided here (other modules rely on them):

* ``format_rupiah`` writes ``Rp 50.000`` (``.`` groups thousands, as in Indonesia),
  ``-Rp 5.000`` for negatives and ``Rp 0`` for zero.
* ``parse_rupiah`` accepts what a cashier or a config file plausibly contains: ``50000``,
  ``50.000``, ``Rp 50.000``, ``rp50.000``, ``Rp. 50.000``, ``IDR 50000``, surrounding
  whitespace, and a zero-cents tail ``,00`` / ``,0`` / ``,-`` (``Rp 50.000,-`` is common on
  Indonesian price tags). It rejects, with a :class:`ValueError` in English:

  - non-zero cents (``50.000,50``): the rupiah has no usable cents and we never round input;
  - a comma followed by three digits (``50,000``): in Indonesian ``,`` is the decimal
    separator, so this is either 50 or a mistyped 50 000 -- refusing beats guessing wrong;
  - misplaced dots (``50.00``, ``5.0000``): ``.`` is only a thousands separator, and a group
    that is not three digits means the text was meant differently;
  - negatives unless ``allow_negative=True`` (money typed at the till is never negative; the
    flag exists so ``parse_rupiah(format_rupiah(x), allow_negative=True) == x`` for every x).

* Rounding: :func:`div_round_half_up` / :func:`percent_of` round to the nearest rupiah with
  halves going *away from zero* (``decimal.ROUND_HALF_UP``), so ``percent_of(-x, bp) ==
  -percent_of(x, bp)``. For the non-negative amounts used at the till this is plain
  "half up": 0.5 rupiah becomes 1.
* One sale may total at most :data:`MAX_SALE_AMOUNT` (Rp 9.999.999.999.000): QRIS carries the
  amount in a field of at most 13 digits (tag 54), and a unique code of up to 999 rupiah may be
  added to it. Every place an amount enters (the CLI, the cash dialog, the cart's total) checks
  it with :func:`check_amount` *before* anything is written, so SQLite's 64-bit integers and
  the QR encoder never see an amount they can't hold.
* :func:`terbilang` spells amounts in Indonesian words for the soundbox and receipts
  ("seribu", "satu juta seribu", ...), from 0 up to 999 triliun.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "BASIS_POINTS_PER_UNIT",
    "MAX_SALE_AMOUNT",
    "MAX_TERBILANG",
    "AmountTooLarge",
    "check_amount",
    "div_round_half_up",
    "format_rupiah",
    "parse_percent",
    "parse_rupiah",
    "percent_of",
    "terbilang",
]

#: 100 % expressed in basis points.
BASIS_POINTS_PER_UNIT = 10_000

#: Largest amount :func:`terbilang` spells (999 triliun + change); beyond that Indonesian
#: would need "kuadriliun", which no till will ever see.
MAX_TERBILANG = 10**15 - 1


#: The largest total of one sale: 13 digits (QRIS tag 54) less room for a 999-rupiah unique code.
MAX_SALE_AMOUNT = 10**13 - 1 - 999


class AmountTooLarge(ValueError):
    """An amount over :data:`MAX_SALE_AMOUNT`; the message (English) names both."""

    def __init__(self, amount: int, what: str = "amount") -> None:
        super().__init__(
            f"{what} {format_rupiah(amount)} is more than one sale may total "
            f"({format_rupiah(MAX_SALE_AMOUNT)}; QRIS amounts have at most 13 digits)"
        )
        self.amount = amount


def check_amount(amount: int, what: str = "amount") -> int:
    """Return ``amount`` if one sale may hold it, else raise :class:`AmountTooLarge`."""
    require_int(amount, what)
    if amount > MAX_SALE_AMOUNT:
        raise AmountTooLarge(amount, what)
    return amount


def require_int(value: object, what: str) -> int:
    """``value`` when it is an int (not a bool); TypeError naming ``what`` otherwise."""
    # bool is an int subclass; True rupiah is always a bug, never an amount.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}: {value!r}")
    return value


def format_rupiah(amount: int) -> str:
    """Format integer rupiah for display: ``Rp 50.000``, ``-Rp 5.000``, ``Rp 0``."""
    require_int(amount, "amount")
    grouped = f"{abs(amount):,}".replace(",", ".")
    return f"-Rp {grouped}" if amount < 0 else f"Rp {grouped}"


# Unicode \s so a non-breaking space copied from a formatted amount still parses, but ASCII
# digits only: str.isdigit() would let "²" or Arabic-Indic digits through.
_RUPIAH_RE = re.compile(r"""(?ix)
    (?P<sign>-)?\s*
    (?:(?:rp\.?|idr)\s*)?
    (?P<number>[0-9]+(?:[.,][0-9]+)*)
    (?P<tail>,-)?
    """)
_GROUPED_RE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")
_PLAIN_RE = re.compile(r"[0-9]+")


def parse_rupiah(text: str, *, allow_negative: bool = False) -> int:
    """Parse a typed or stored rupiah amount into an int (see the module docstring for rules).

    Raises ``ValueError`` (English message quoting the input) when the text is not an
    unambiguous whole-rupiah amount, ``TypeError`` when it is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"amount text must be a str, got {type(text).__name__}: {text!r}")
    stripped = text.strip()
    if not stripped:
        raise ValueError("empty amount: enter a number of rupiah, e.g. 50.000")
    match = _RUPIAH_RE.fullmatch(stripped)
    if match is None:
        raise ValueError(
            f"not a rupiah amount: {text!r} (expected e.g. 50000, 50.000 or Rp 50.000)"
        )

    number = match["number"]
    integer_part, _, cents = number.partition(",")
    if cents:
        if "," in cents or "." in cents:
            raise ValueError(f"not a rupiah amount: {text!r} (more than one decimal comma)")
        if len(cents) == 3:
            raise ValueError(
                f"ambiguous amount {text!r}: ',' is the decimal separator in Indonesian; "
                "write thousands with '.' (50.000) or no separator (50000)"
            )
        if len(cents) > 2 or set(cents) != {"0"}:
            raise ValueError(f"rupiah amounts have no cents: {text!r}")
        if match["tail"]:
            raise ValueError(f"not a rupiah amount: {text!r} (both ',00' and ',-')")

    if _PLAIN_RE.fullmatch(integer_part):
        value = int(integer_part)
    elif _GROUPED_RE.fullmatch(integer_part):
        value = int(integer_part.replace(".", ""))
    else:
        raise ValueError(
            f"not a rupiah amount: {text!r} ('.' separates thousands in groups of three, "
            "e.g. 1.250.000; rupiah has no decimals)"
        )

    if match["sign"]:
        if not allow_negative:
            raise ValueError(f"amount must not be negative: {text!r}")
        value = -value
    return value


def div_round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest int, halves away from zero.

    Exact integer arithmetic (no float, no Decimal context), so it is safe for any size.
    """
    require_int(numerator, "numerator")
    require_int(denominator, "denominator")
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator}")
    if numerator < 0:
        return -div_round_half_up(-numerator, denominator)
    # floor((n + d/2) / d) without fractions: floor((2n + d) / 2d).
    return (2 * numerator + denominator) // (2 * denominator)


def percent_of(amount: int, basis_points: int) -> int:
    """``amount * basis_points / 10 000`` rounded half up to whole rupiah.

    ``percent_of(10_005, 1_000) == 1_001`` (1 000.5 rounds up); ``percent_of(-x, bp) ==
    -percent_of(x, bp)``.
    """
    require_int(amount, "amount")
    require_int(basis_points, "basis_points")
    return div_round_half_up(amount * basis_points, BASIS_POINTS_PER_UNIT)


_PERCENT_RE = re.compile(r"(?P<int>[0-9]+)(?:[.,](?P<frac>[0-9]+))?\s*%?")


def parse_percent(value: str | int | Decimal) -> int:
    """Parse a percentage (0..100) into basis points: ``"12.5"`` / ``"12,5"`` / ``"12.5%"``
    -> 1250, ``10`` -> 1000, ``Decimal("0.25")`` -> 25.

    Both ``.`` and ``,`` are accepted as the decimal mark (a percentage never has a
    thousands separator). Precision finer than one basis point (``"12.345"``), values outside
    0..100, ``float`` (inexact) and ``bool`` are rejected.
    """
    from decimal import Decimal, InvalidOperation  # here: the till's start-up doesn't need decimal

    if isinstance(value, (bool, float)):
        raise TypeError(
            f"percentage must be a str, int or Decimal (never float), got {value!r}"
        )
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"percentage must be a finite number, got {value!r}")
        amount = value
    elif isinstance(value, str):
        match = _PERCENT_RE.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"not a percentage: {value!r} (expected e.g. 10, 12.5 or 12,5%)")
        try:
            amount = Decimal(f"{match['int']}.{match['frac'] or '0'}")
        except InvalidOperation:  # pragma: no cover - the regex only lets digits through
            raise ValueError(f"not a percentage: {value!r}") from None
    else:
        raise TypeError(f"percentage must be a str, int or Decimal, got {type(value).__name__}")

    if amount < 0 or amount > 100:
        raise ValueError(f"percentage must be between 0 and 100, got {value!r}")
    basis_points = amount * 100
    if basis_points != basis_points.to_integral_value():
        raise ValueError(
            f"percentage {value!r} is more precise than 0.01 % (one basis point)"
        )
    return int(basis_points)


_DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
# (value of one unit, Indonesian word), largest first. "ribu" is special-cased: a group of
# exactly one thousand is "seribu", while "satu juta" / "satu miliar" / "satu triliun" keep
# "satu" -- that is how the soundbox clips and every bank's terbilang say it.
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu"))


def _below_thousand(n: int) -> list[str]:
    """Words for 1..999 (empty list for 0)."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_DIGITS[hundreds], "ratus"]
    if rest == 0:
        return words
    if rest < 10:
        words.append(_DIGITS[rest])
    elif rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif rest < 20:
        words += [_DIGITS[rest - 10], "belas"]
    else:
        tens, ones = divmod(rest, 10)
        words += [_DIGITS[tens], "puluh"]
        if ones:
            words.append(_DIGITS[ones])
    return words


def terbilang(amount: int) -> str:
    """Indonesian number words, lower case, single spaces.

    ``terbilang(1_001_000) == "satu juta seribu"``, ``terbilang(0) == "nol"``; negatives get a
    leading ``"minus"``. Raises ``ValueError`` beyond +-999 999 999 999 999 (999 triliun ...).
    The caller adds the unit ("rupiah").
    """
    require_int(amount, "amount")
    if abs(amount) > MAX_TERBILANG:
        raise ValueError(
            f"terbilang supports amounts up to {format_rupiah(MAX_TERBILANG)}, got {amount}"
        )
    if amount == 0:
        return "nol"
    if amount < 0:
        return "minus " + terbilang(-amount)

    words: list[str] = []
    rest = amount
    for unit, name in _SCALES:
        group, rest = divmod(rest, unit)
        if group == 0:
            continue
        if group == 1 and name == "ribu":
            words.append("seribu")
        else:
            words += _below_thousand(group) + [name]
    words += _below_thousand(rest)
    return " ".join(words)
