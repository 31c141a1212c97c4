"""Tests for pos_app.money: rupiah formatting/parsing, half-up percentages, terbilang."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, strategies as st

from pos_app.money import (
    MAX_TERBILANG,
    div_round_half_up,
    format_rupiah,
    parse_percent,
    parse_rupiah,
    percent_of,
    terbilang,
)

# --------------------------------------------------------------------------- format


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "Rp 0"),
        (1, "Rp 1"),
        (999, "Rp 999"),
        (1_000, "Rp 1.000"),
        (50_000, "Rp 50.000"),
        (1_250_000, "Rp 1.250.000"),
        (2_500_000_000, "Rp 2.500.000.000"),
        (-5_000, "-Rp 5.000"),
        (-1, "-Rp 1"),
    ],
)
def test_format_rupiah(amount: int, text: str) -> None:
    assert format_rupiah(amount) == text


@pytest.mark.parametrize("bad", [1.0, 50000.5, True, "50000", None, Decimal("5")])
def test_format_rupiah_rejects_non_int(bad: object) -> None:
    with pytest.raises(TypeError):
        format_rupiah(bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- parse


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("50000", 50_000),
        ("50.000", 50_000),
        ("Rp 50.000", 50_000),
        ("rp50.000", 50_000),
        ("RP 50000", 50_000),
        ("Rp. 50.000", 50_000),
        ("IDR 50.000", 50_000),
        (" 1.250.000 ", 1_250_000),
        ("\t1.250.000\n", 1_250_000),
        ("Rp\u00a050.000", 50_000),  # non-breaking space, e.g. copied from a spreadsheet
        ("0", 0),
        ("Rp 0", 0),
        ("999", 999),
        ("1.000", 1_000),
        ("50.000,00", 50_000),
        ("50.000,0", 50_000),
        ("Rp 50.000,-", 50_000),
        ("50000,00", 50_000),
        ("2.500.000.000", 2_500_000_000),
    ],
)
def test_parse_rupiah_accepts(text: str, amount: int) -> None:
    assert parse_rupiah(text) == amount


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Rp", "not a rupiah amount"),
        ("abc", "not a rupiah amount"),
        ("50.000,50", "no cents"),
        ("50.000,5", "no cents"),
        ("50,5", "no cents"),
        ("50.000,001", "ambiguous"),
        ("50.000,0000", "no cents"),
        ("50,000", "ambiguous"),
        ("1,250,000", "more than one decimal comma"),
        ("50.00", "groups of three"),
        ("5.0000", "groups of three"),
        ("1.25.000", "groups of three"),
        (".500", "not a rupiah amount"),
        ("50.", "not a rupiah amount"),
        ("50 000", "not a rupiah amount"),
        ("1e5", "not a rupiah amount"),
        ("50k", "not a rupiah amount"),
        ("-5.000", "negative"),
        ("-Rp 5.000", "negative"),
        ("Rp -5.000", "not a rupiah amount"),
        ("+5000", "not a rupiah amount"),
        ("50.000,00,-", "both"),
        ("٥٠٠٠", "not a rupiah amount"),  # Arabic-Indic digits: isdigit() is True, we refuse
        ("²", "not a rupiah amount"),
    ],
)
def test_parse_rupiah_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rupiah(text)


def test_parse_rupiah_error_quotes_the_input() -> None:
    with pytest.raises(ValueError) as info:
        parse_rupiah("50.000,50")
    assert "'50.000,50'" in str(info.value)


@pytest.mark.parametrize("bad", [50000, 50000.0, None, b"50000"])
def test_parse_rupiah_rejects_non_str(bad: object) -> None:
    with pytest.raises(TypeError):
        parse_rupiah(bad)  # type: ignore[arg-type]


def test_parse_rupiah_negative_only_when_allowed() -> None:
    assert parse_rupiah("-Rp 5.000", allow_negative=True) == -5_000
    assert parse_rupiah("-5000", allow_negative=True) == -5_000
    assert parse_rupiah("5.000", allow_negative=True) == 5_000


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_format_parse_round_trip(amount: int) -> None:
    assert parse_rupiah(format_rupiah(amount), allow_negative=True) == amount


@given(st.integers(min_value=0, max_value=10**18))
def test_parse_plain_digits_round_trip(amount: int) -> None:
    assert parse_rupiah(str(amount)) == amount


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("amount", "bp", "expected"),
    [
        (10_000, 1_000, 1_000),
        (10_005, 1_000, 1_001),  # 1000.5 -> half up -> 1001
        (10_004, 1_000, 1_000),  # 1000.4 -> 1000
        (10_006, 1_000, 1_001),  # 1000.6 -> 1001
        (15, 5_000, 8),  # 7.5 -> 8
        (1, 5_000, 1),  # 0.5 -> 1
        (1, 4_999, 0),  # 0.4999 -> 0
        (15_750, 1_100, 1_733),  # 1732.5 -> 1733 (PPN 11 %)
        (0, 1_100, 0),
        (12_345, 0, 0),
        (12_345, 10_000, 12_345),
        (-15, 5_000, -8),  # symmetric: halves away from zero
        (-10_004, 1_000, -1_000),
    ],
)
def test_percent_of(amount: int, bp: int, expected: int) -> None:
    assert percent_of(amount, bp) == expected


@given(st.integers(-(10**15), 10**15), st.integers(-20_000, 20_000))
def test_percent_of_matches_decimal_half_up(amount: int, bp: int) -> None:
    exact = Decimal(amount) * Decimal(bp) / Decimal(10_000)
    assert percent_of(amount, bp) == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@given(st.integers(-(10**15), 10**15), st.integers(1, 10**6))
def test_div_round_half_up_is_nearest(numerator: int, denominator: int) -> None:
    q = div_round_half_up(numerator, denominator)
    # |n/d - q| <= 1/2  <=>  |n - q*d| * 2 <= d
    assert abs(numerator - q * denominator) * 2 <= denominator


def test_div_round_half_up_rejects_bad_denominator() -> None:
    with pytest.raises(ValueError):
        div_round_half_up(1, 0)
    with pytest.raises(TypeError):
        div_round_half_up(1.5, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        percent_of(1000, 10.0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- percent


@pytest.mark.parametrize(
    ("value", "bp"),
    [
        ("12.5", 1_250),
        ("12,5", 1_250),
        ("12.5%", 1_250),
        (" 10 % ", 1_000),
        ("10", 1_000),
        ("0", 0),
        ("100", 10_000),
        ("0.01", 1),
        ("12.50", 1_250),
        ("12.500", 1_250),  # trailing zeros add no precision
        (10, 1_000),
        (0, 0),
        (Decimal("12.5"), 1_250),
        (Decimal("0.25"), 25),
    ],
)
def test_parse_percent(value: str | int | Decimal, bp: int) -> None:
    assert parse_percent(value) == bp


@pytest.mark.parametrize(
    "value",
    ["", "%", "abc", "-5", "100.01", "101", "12.345", "1e1", "12.5.0", "12,5,0", 101, -1,
     Decimal("0.001"), Decimal("NaN"), Decimal("Infinity")],
)
def test_parse_percent_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_percent(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [12.5, 10.0, True, None])
def test_parse_percent_refuses_float_and_others(value: object) -> None:
    with pytest.raises(TypeError):
        parse_percent(value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- terbilang


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (9, "sembilan"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (110, "seratus sepuluh"),
        (111, "seratus sebelas"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1_000, "seribu"),
        (1_001, "seribu satu"),
        (1_100, "seribu seratus"),
        (2_000, "dua ribu"),
        (10_000, "sepuluh ribu"),
        (11_000, "sebelas ribu"),
        (15_000, "lima belas ribu"),
        (50_000, "lima puluh ribu"),
        (100_000, "seratus ribu"),
        (101_000, "seratus satu ribu"),  # only a thousands group of exactly 1 is "seribu"
        (250_500, "dua ratus lima puluh ribu lima ratus"),
        (1_000_000, "satu juta"),
        (1_001_000, "satu juta seribu"),
        (1_100_000, "satu juta seratus ribu"),
        (1_250_000, "satu juta dua ratus lima puluh ribu"),
        (11_000_000, "sebelas juta"),
        (1_000_000_000, "satu miliar"),
        (2_500_000_000, "dua miliar lima ratus juta"),
        (1_000_000_000_000, "satu triliun"),
        (1_000_001_001_001, "satu triliun satu juta seribu satu"),
        (
            MAX_TERBILANG,
            "sembilan ratus sembilan puluh sembilan triliun "
            "sembilan ratus sembilan puluh sembilan miliar "
            "sembilan ratus sembilan puluh sembilan juta "
            "sembilan ratus sembilan puluh sembilan ribu "
            "sembilan ratus sembilan puluh sembilan",
        ),
        (-5_000, "minus lima ribu"),
    ],
)
def test_terbilang(amount: int, words: str) -> None:
    assert terbilang(amount) == words


def test_terbilang_limits() -> None:
    with pytest.raises(ValueError):
        terbilang(MAX_TERBILANG + 1)
    with pytest.raises(ValueError):
        terbilang(-MAX_TERBILANG - 1)
    with pytest.raises(TypeError):
        terbilang(1000.0)  # type: ignore[arg-type]


# An independent reader of Indonesian number words, so the property below checks that
# terbilang is unambiguous and exact without re-implementing it.
_UNITS = {
    "nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5,
    "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9,
    "sepuluh": 10, "sebelas": 11, "seratus": 100,
}
_SCALE_WORDS = {"ribu": 10**3, "juta": 10**6, "miliar": 10**9, "triliun": 10**12}


def _read_words(text: str) -> int:
    total, group, last = 0, 0, 0
    for word in text.split():
        if word in _UNITS:
            last = _UNITS[word]
            group += last
        elif word == "belas":
            group += 10  # "dua belas": the 2 is already counted -> 12
        elif word == "puluh":
            group += last * 9  # 2 -> 20
        elif word == "ratus":
            group += last * 99  # 2 -> 200
        elif word == "seribu":
            assert group == 0, text  # "seribu" always starts its group
            total += 1000
        elif word in _SCALE_WORDS:
            total += group * _SCALE_WORDS[word]
            group = 0
        else:
            raise AssertionError(f"unexpected word {word!r} in {text!r}")
    return total + group


@given(st.integers(min_value=0, max_value=MAX_TERBILANG))
def test_terbilang_reads_back(amount: int) -> None:
    words = terbilang(amount)
    assert "  " not in words and words == words.strip()
    assert "satu ratus" not in words and "satu puluh" not in words
    # a thousands group of exactly one is "seribu"; "... puluh satu ribu" is fine
    assert re.search(r"(^|juta |miliar |triliun )satu ribu", words) is None
    assert _read_words(words) == amount
