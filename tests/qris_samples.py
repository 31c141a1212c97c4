"""Sample QRIS payloads shared by the QRIS tests and benchmarks.

Plain data: each ``*_FIELDS`` list is a payload spelled out field by field (tag, value) or
(tag, [(subtag, value), ...]), and the matching payload string is ``pos_app.qris.build`` of it
(build() only encodes and appends the CRC). Tests state their expectations as fields too, so
they do not depend on ``to_dynamic``. Treat everything here as read-only.

Used by tests/test_qris.py, tests/test_qris_render.py, bench/bench_qris.py and
bench/bench_render.py (``from tests.qris_samples import ...``; the repo root is on sys.path).
"""

from __future__ import annotations

from pos_app.qris import build

# Merchant account templates (26 = issuer account, 51 = national QRIS account).
BANKNEO_26 = (
    "26",
    [
        ("00", "ID.CO.BANKNEO.WWW"),
        ("01", "9360049000001234567"),
        ("02", "000000123456789"),
        ("03", "UMI"),
    ],
)
GOPAY_26 = (
    "26",
    [
        ("00", "COM.GO-JEK.WWW"),
        ("01", "936009140123456789"),
        ("02", "G123456789"),
        ("03", "UMI"),
    ],
)
QRIS_51 = ("51", [("00", "ID.CO.QRIS.WWW"), ("02", "ID1022123456789"), ("03", "UMI")])
GOPAY_51 = ("51", [("00", "ID.CO.QRIS.WWW"), ("02", "ID1020045678901"), ("03", "UMI")])

# Static, tags in ascending order ("WARUNG BU SRI").
STATIC_SORTED = [
    ("00", "01"),
    ("01", "11"),
    BANKNEO_26,
    QRIS_51,
    ("52", "5812"),
    ("53", "360"),
    ("58", "ID"),
    ("59", "WARUNG BU SRI"),
    ("60", "JAKARTA SELATAN"),
    ("61", "12345"),
    ("62", [("07", "A01")]),
]
BANKNEO = build(STATIC_SORTED)

# GoPay-style, unsorted the way some issuers emit it: 58 before 53, 62 before 53, 61 after 53.
GOPAY_UNSORTED_FIELDS = [
    ("00", "01"),
    ("01", "11"),
    GOPAY_26,
    GOPAY_51,
    ("52", "5499"),
    ("58", "ID"),
    ("59", "KOPI KENANGAN SENJA"),
    ("60", "BANDUNG"),
    ("62", [("05", "REF123"), ("07", "KASIR2")]),
    ("53", "360"),
    ("61", "40115"),
]
GOPAY_UNSORTED = build(GOPAY_UNSORTED_FIELDS)

# The same unsorted GoPay payload but with QRIS_51 as its tag 51 (the variant bench_qris.py
# has always timed; kept as is so its numbers stay comparable across runs).
GOPAY_UNSORTED_QRIS_51 = build(
    [QRIS_51 if tag == "51" else (tag, value) for tag, value in GOPAY_UNSORTED_FIELDS]
)

# Fixed convenience fee Rp 1.000 (55=02, 56).
FEE_FIXED_FIELDS = [
    ("00", "01"),
    ("01", "11"),
    BANKNEO_26,
    QRIS_51,
    ("52", "5814"),
    ("53", "360"),
    ("55", "02"),
    ("56", "1000"),
    ("58", "ID"),
    ("59", "BAKSO PAK NO"),
    ("60", "SURABAYA"),
    ("61", "60111"),
]
FEE_FIXED = build(FEE_FIXED_FIELDS)

# Dynamic with an amount (54 = 25000), issued by a bank that put 62 *before* 54.
DYNAMIC_62_BEFORE_54_FIELDS = [
    ("00", "01"),
    ("01", "12"),
    BANKNEO_26,
    QRIS_51,
    ("52", "5812"),
    ("53", "360"),
    ("62", [("01", "INV-0001"), ("07", "K1")]),
    ("54", "25000"),
    ("58", "ID"),
    ("59", "WARUNG BU SRI"),
    ("60", "JAKARTA SELATAN"),
]
DYNAMIC_62_BEFORE_54 = build(DYNAMIC_62_BEFORE_54_FIELDS)

# The same dynamic payload with its tags in ascending order (54 before 62).
DYNAMIC_SORTED = build(sorted(DYNAMIC_62_BEFORE_54_FIELDS, key=lambda field: field[0]))
