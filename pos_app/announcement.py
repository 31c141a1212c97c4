"""The sentence said when a QRIS payment is confirmed, in Indonesian or English."""

from __future__ import annotations

from pos_app.money import terbilang

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen",
    "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))


def english_words(n: int) -> str:
    if n < 0:
        return "minus " + english_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {english_words(rest)}" if rest else "")
    for size, word in _SCALES:
        if n >= size:
            big, rest = divmod(n, size)
            return f"{english_words(big)} {word}" + (f" {english_words(rest)}" if rest else "")
    raise AssertionError("unreachable")


def payment_sentence(amount: int, lang: str = "id") -> str:
    if amount < 0:
        raise ValueError("amount must not be negative")
    if lang == "en":
        return f"QRIS payment received, {english_words(amount)} rupiah"
    return f"Pembayaran QRIS diterima, sebesar {terbilang(amount)} rupiah"
