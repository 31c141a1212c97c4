"""Tests for pos_app.qris: parse/validate/dump, static -> dynamic, fee policy, errors."""

from __future__ import annotations

import binascii
import json
import pickle
import string

import pytest
import qriskit
from hypothesis import HealthCheck, example, given, settings, strategies as st

from pos_app.qris import (
    InvalidArgument,
    InvalidQris,
    MerchantInfo,
    QrisPayload,
    Tlv,
    build,
    crc16,
    describe,
    fee_policy_text,
    format_rupiah,
    parse,
    strip_pasted,
    to_dynamic,
    validate,
)
from tests.qris_samples import (
    BANKNEO,
    DYNAMIC_62_BEFORE_54,
    DYNAMIC_62_BEFORE_54_FIELDS,
    FEE_FIXED,
    FEE_FIXED_FIELDS,
    GOPAY_26,
    GOPAY_51,
    GOPAY_UNSORTED,
    GOPAY_UNSORTED_FIELDS,
    QRIS_51,
    STATIC_SORTED,
)

# --------------------------------------------------------------------------------------------
# Real-world-shaped fixtures. Built field by field (build() only encodes and appends the CRC),
# so each test below states its expectation as fields too, independent of to_dynamic. The ones
# shared with test_qris_render.py and the benchmarks live in tests/qris_samples.py.

FEE_PERCENT = build(
    [
        ("00", "01"),
        ("01", "11"),
        QRIS_51,
        ("26", [("00", "ID.CO.BRI.WWW"), ("01", "936000020000001111"), ("03", "UMI")]),
        ("52", "5411"),
        ("53", "360"),
        ("55", "03"),
        ("57", "2.5"),
        ("58", "ID"),
        ("59", "TOKO SEMBAKO MAJU"),
        ("60", "MEDAN"),
    ]
)
TIP_PROMPT = build(
    [
        ("00", "01"),
        ("01", "11"),
        GOPAY_26,
        GOPAY_51,
        ("52", "5812"),
        ("53", "360"),
        ("55", "01"),
        ("58", "ID"),
        ("59", "SATE MADURA"),
        ("60", "DEPOK"),
    ]
)

# Alternate-language template 64 with UTF-8 text, plus an unreserved template 80-99.
LANGUAGE_64 = build(
    [
        ("00", "01"),
        ("01", "11"),
        QRIS_51,
        ("52", "5812"),
        ("53", "360"),
        ("58", "ID"),
        ("59", "CHEN NOODLE HOUSE"),
        ("60", "JAKARTA"),
        ("64", [("00", "ZH"), ("01", "陈记面馆"), ("02", "雅加达")]),
        ("88", [("00", "COM.EXAMPLE"), ("01", "X")]),
    ]
)

ALL_VALID = [
    BANKNEO,
    GOPAY_UNSORTED,
    FEE_FIXED,
    FEE_PERCENT,
    TIP_PROMPT,
    DYNAMIC_62_BEFORE_54,
    LANGUAGE_64,
]


def tags_of(payload: str) -> list[str]:
    return [f.tag for f in parse(payload).fields]


def replaced(fields: list, tag: str, value) -> list:
    return [(t, value) if t == tag else (t, v) for t, v in fields]


def without(fields: list, *tags: str) -> list:
    return [(t, v) for t, v in fields if t not in tags]


def insert_before(fields: list, before: str, new: tuple) -> list:
    out = []
    for t, v in fields:
        if t == before:
            out.append(new)
        out.append((t, v))
    return out


# --------------------------------------------------------------------------------------------
# CRC


def test_crc16_known_vector_and_binascii() -> None:
    assert crc16(b"123456789") == "29B1"  # CRC-16/CCITT-FALSE check value
    assert crc16(b"") == "FFFF"
    assert crc16("123456789") == "29B1"


def test_fixture_crc_is_over_utf8_bytes_up_to_6304() -> None:
    for payload in ALL_VALID:
        body = payload[:-4]
        assert body.endswith("6304")
        assert payload[-4:] == f"{binascii.crc_hqx(body.encode('utf-8'), 0xFFFF):04X}"


# --------------------------------------------------------------------------------------------
# Parse / dump


@pytest.mark.parametrize("payload", ALL_VALID)
def test_round_trip_is_byte_for_byte(payload: str) -> None:
    parsed = parse(payload)
    assert parsed.dump() == payload
    assert build(parsed.fields) == payload
    validate(payload)  # no exception


def test_unsorted_order_is_kept() -> None:
    assert tags_of(GOPAY_UNSORTED) == (
        ["00", "01", "26", "51", "52", "58", "59", "60", "62", "53", "61", "63"]
    )


def test_nested_templates_have_children_and_raw_value() -> None:
    parsed = parse(GOPAY_UNSORTED)
    t26 = parsed.get("26")
    assert t26 is not None and t26.children is not None
    assert [c.tag for c in t26.children] == ["00", "01", "02", "03"]
    assert t26.get("00") == Tlv("00", "COM.GO-JEK.WWW")
    assert t26.value == "".join(c.dump() for c in t26.children)
    t62 = parsed.get("62")
    assert t62 is not None and t62.get("05") == Tlv("05", "REF123")
    assert parsed.get("59") == Tlv("59", "KOPI KENANGAN SENJA", None)
    assert parsed.get("54") is None


def test_merchant_info_bankneo() -> None:
    assert parse(BANKNEO).merchant == MerchantInfo(
        name="WARUNG BU SRI",
        city="JAKARTA SELATAN",
        postal_code="12345",
        nmid="ID1022123456789",
        acquirer_guid="ID.CO.BANKNEO.WWW",
        merchant_pan="9360049000001234567",
        mcc="5812",
    )


def test_merchant_info_gopay_unsorted() -> None:
    m = parse(GOPAY_UNSORTED).merchant
    assert (m.name, m.city, m.postal_code) == ("KOPI KENANGAN SENJA", "BANDUNG", "40115")
    assert m.nmid == "ID1020045678901"
    assert m.acquirer_guid == "COM.GO-JEK.WWW"
    assert m.merchant_pan == "936009140123456789"
    assert m.mcc == "5499"


def test_merchant_info_51_before_26_and_no_postal() -> None:
    m = parse(FEE_PERCENT).merchant
    assert m.acquirer_guid == "ID.CO.BRI.WWW"  # from 26, although 51 comes first in the text
    assert m.nmid == "ID1022123456789"
    assert m.postal_code is None


def test_nmid_from_other_template_when_51_is_not_qris() -> None:
    payload = build(
        [
            ("00", "01"),
            ("01", "11"),
            ("26", [("00", "ID.CO.QRIS.WWW"), ("02", "ID1099999999999")]),
            ("51", [("00", "ID.CO.OTHER.WWW"), ("02", "NOTANMID")]),
            ("53", "360"),
            ("58", "ID"),
            ("59", "A"),
            ("60", "B"),
        ]
    )
    m = parse(payload).merchant
    assert m.nmid == "ID1099999999999"
    assert m.acquirer_guid == "ID.CO.QRIS.WWW"  # 26 is the acquirer template here
    assert m.mcc is None


def test_only_national_template() -> None:
    m = parse(LANGUAGE_64).merchant
    assert m.nmid == "ID1022123456789"
    assert m.acquirer_guid is None and m.merchant_pan is None


def test_language_template_utf8_and_unreserved_template() -> None:
    parsed = parse(LANGUAGE_64)
    t64 = parsed.get("64")
    assert t64 is not None and t64.get("01") == Tlv("01", "陈记面馆")
    assert t64.get("01").length == 4  # lengths count characters
    t88 = parsed.get("88")
    assert t88 is not None and t88.get("00") == Tlv("00", "COM.EXAMPLE")


def test_properties_static_and_dynamic() -> None:
    static = parse(BANKNEO)
    assert not static.is_dynamic and static.amount is None
    assert static.crc == BANKNEO[-4:]
    dynamic = parse(DYNAMIC_62_BEFORE_54)
    assert dynamic.is_dynamic and dynamic.amount == 25000


def test_amount_with_zero_decimals_is_whole_rupiah_and_kept_verbatim() -> None:
    payload = build(replaced(DYNAMIC_62_BEFORE_54_FIELDS, "54", "15000.00"))
    parsed = parse(payload)
    assert parsed.amount == 15000
    assert parsed.dump() == payload


def test_lowercase_crc_is_accepted_and_kept() -> None:
    # Find a fixture whose CRC has a letter, then lowercase it.
    payload = next(p for p in ALL_VALID if any(c in "ABCDEF" for c in p[-4:]))
    lower = payload[:-4] + payload[-4:].lower()
    assert parse(lower).dump() == lower
    out = to_dynamic(lower, 5000)
    assert out[-4:] == out[-4:].upper()
    assert out == to_dynamic(payload, 5000)


def test_to_json_shape() -> None:
    data = parse(FEE_FIXED).to_json()
    json.dumps(data)  # serialisable
    assert data["valid"] is True
    assert data["dynamic"] is False
    assert data["amount"] is None
    assert data["fee_policy"] == "QRIS ini menambah biaya layanan Rp 1.000"
    assert data["merchant"]["name"] == "BAKSO PAK NO"
    assert data["merchant"]["nmid"] == "ID1022123456789"
    tags = data["tags"]
    assert [t["tag"] for t in tags] == tags_of(FEE_FIXED)
    t26 = tags[2]
    assert t26["tag"] == "26" and t26["length"] == len(t26["value"])
    assert [c["tag"] for c in t26["children"]] == ["00", "01", "02", "03"]
    assert t26["children"][0]["value"] == "ID.CO.BANKNEO.WWW"
    assert tags[0]["children"] is None


def test_describe_mentions_everything() -> None:
    text = describe(to_dynamic(FEE_FIXED, 50000))
    for needle in (
        "BAKSO PAK NO",
        "SURABAYA",
        "ID1022123456789",
        "ID.CO.BANKNEO.WWW",
        "dynamic",
        "Rp 50.000",
        "biaya layanan Rp 1.000",
    ):
        assert needle in text
    assert "static" in describe(BANKNEO)
    assert describe(parse(BANKNEO)) == describe(BANKNEO)


def test_build_accepts_tlv_objects_and_templates() -> None:
    fields = [Tlv("00", "01"), Tlv.template("51", [("00", "ID.CO.QRIS.WWW")]), ("59", "X")]
    payload = build(fields)
    assert payload.startswith("0002015118" + "0014ID.CO.QRIS.WWW" + "5901X6304")
    with pytest.raises(InvalidArgument):
        build([("5", "x")])
    with pytest.raises(InvalidArgument):
        build([("59", "x" * 100)])


def test_strip_pasted_is_for_the_cli_only() -> None:
    pasted = "\ufeff  " + BANKNEO + "\r\n"
    with pytest.raises(InvalidQris):
        parse(pasted)
    assert strip_pasted(pasted) == BANKNEO


def test_format_rupiah() -> None:
    assert format_rupiah(50000) == "Rp 50.000"
    assert format_rupiah(1001000) == "Rp 1.001.000"
    assert format_rupiah(1) == "Rp 1"


# --------------------------------------------------------------------------------------------
# Fee policy


def test_fee_policy_texts() -> None:
    assert fee_policy_text(BANKNEO) is None
    assert fee_policy_text(TIP_PROMPT) == "QRIS ini meminta tip dari pelanggan"
    assert fee_policy_text(FEE_FIXED) == "QRIS ini menambah biaya layanan Rp 1.000"
    assert fee_policy_text(FEE_PERCENT) == "QRIS ini menambah biaya layanan 2,5%"
    assert fee_policy_text(parse(FEE_PERCENT)) == "QRIS ini menambah biaya layanan 2,5%"
    percent = build(replaced(without(FEE_FIXED_FIELDS, "56"), "55", "03") + [("57", "10.00")])
    assert fee_policy_text(percent) == "QRIS ini menambah biaya layanan 10%"


# --------------------------------------------------------------------------------------------
# Static -> dynamic


def test_to_dynamic_sorted_static_exact() -> None:
    expected = build(
        insert_before(replaced(STATIC_SORTED, "01", "12"), "58", ("54", "15000"))
    )
    assert to_dynamic(BANKNEO, 15000) == expected


def test_to_dynamic_matches_qriskit_on_sorted_inputs() -> None:
    # Independent implementation as an oracle (it only differs on unsorted input and tips).
    for amount in (1, 15000, 9_999_999_999_999):
        theirs = qriskit.parse(BANKNEO, strict=True).to_dynamic(amount).dumps()
        assert to_dynamic(BANKNEO, amount) == theirs


def test_to_dynamic_unsorted_places_54_after_53() -> None:
    # 53 is followed by 61, the first tag above 54 after 53, so 54 goes between them;
    # 58, 59, 60, 62 come before 53 in the sequence and do not count.
    expected = build(
        insert_before(replaced(GOPAY_UNSORTED_FIELDS, "01", "12"), "61", ("54", "75000"))
    )
    result = to_dynamic(GOPAY_UNSORTED, 75000)
    assert result == expected
    assert tags_of(result) == (
        ["00", "01", "26", "51", "52", "58", "59", "60", "62", "53", "54", "61", "63"]
    )


def test_to_dynamic_before_63_when_nothing_above_54_follows_53() -> None:
    fields = [
        ("00", "01"),
        ("01", "11"),
        QRIS_51,
        ("58", "ID"),
        ("59", "TOKO"),
        ("60", "BOGOR"),
        ("52", "5999"),
        ("53", "360"),
    ]
    result = to_dynamic(build(fields), 1000)
    assert result == build(replaced(fields, "01", "12") + [("54", "1000")])
    assert tags_of(result)[-3:] == ["53", "54", "63"]


def test_to_dynamic_keeps_fee_tags_verbatim() -> None:
    result = to_dynamic(FEE_FIXED, 20000)
    expected = build(insert_before(replaced(FEE_FIXED_FIELDS, "01", "12"), "55", ("54", "20000")))
    assert result == expected
    parsed = parse(result)
    assert parsed.get("55").value == "02" and parsed.get("56").value == "1000"
    assert fee_policy_text(result) == fee_policy_text(FEE_FIXED)
    for payload in (FEE_PERCENT, TIP_PROMPT):
        before = {f.tag: f.value for f in parse(payload).fields}
        after = {f.tag: f.value for f in parse(to_dynamic(payload, 20000)).fields}
        for tag in ("55", "56", "57"):
            assert before.get(tag) == after.get(tag)


def test_to_dynamic_replaces_existing_54_never_duplicates() -> None:
    result = to_dynamic(DYNAMIC_62_BEFORE_54, 30000)
    tags = tags_of(result)
    assert tags.count("54") == 1
    assert parse(result).amount == 30000
    # The old 54 sat after 62; the rule puts the new one before the first tag > 54 after 53: 62.
    expected_fields = insert_before(
        without(DYNAMIC_62_BEFORE_54_FIELDS, "54"), "62", ("54", "30000")
    )
    assert result == build(expected_fields)


def test_to_dynamic_on_dynamic_input_changes_only_the_amount() -> None:
    first = to_dynamic(BANKNEO, 10000)
    second = to_dynamic(first, 20000)
    assert second == to_dynamic(BANKNEO, 20000)
    assert parse(second).amount == 20000 and parse(second).is_dynamic


def test_to_dynamic_result_is_valid_uppercase_and_dynamic() -> None:
    for payload in ALL_VALID:
        result = to_dynamic(payload, 123456)
        parsed = parse(result)
        assert parsed.is_dynamic and parsed.get("01").value == "12"
        assert parsed.amount == 123456
        crc = result[-4:]
        assert crc == crc.upper() and len(crc) == 4
        assert crc == crc16(result[:-4].encode("utf-8"))


def test_to_dynamic_crc_leading_zeros_are_kept() -> None:
    one_zero = to_dynamic(BANKNEO, 1000)
    assert one_zero[-4:] == "0F0A"
    three_zeros = to_dynamic(BANKNEO, 192000)
    assert three_zeros[-4:] == "0006"
    assert three_zeros[-8:-4] == "6304"
    validate(three_zeros)


def test_to_dynamic_utf8_language_template_crc_over_bytes() -> None:
    result = to_dynamic(LANGUAGE_64, 8000)
    assert result[-4:] == f"{binascii.crc_hqx(result[:-4].encode('utf-8'), 0xFFFF):04X}"
    assert parse(result).get("64") == parse(LANGUAGE_64).get("64")


def test_bill_number_and_terminal_label_create_62_before_63() -> None:
    result = to_dynamic(FEE_FIXED, 5000, bill_number="INV-2024-0001", terminal_label="K1")
    tags = tags_of(result)
    assert tags[-3:] == ["61", "62", "63"]
    t62 = parse(result).get("62")
    assert [(c.tag, c.value) for c in t62.children] == [("01", "INV-2024-0001"), ("07", "K1")]


def test_bill_number_replaces_in_place_and_keeps_other_subtags() -> None:
    result = to_dynamic(GOPAY_UNSORTED, 5000, bill_number="B-77", terminal_label="KASIR9")
    t62 = parse(result).get("62")
    # 01 is new: inserted before the first higher sub-tag (05); 07 replaced in place; 05 verbatim.
    assert [(c.tag, c.value) for c in t62.children] == [
        ("01", "B-77"),
        ("05", "REF123"),
        ("07", "KASIR9"),
    ]
    assert tags_of(result).index("62") == tags_of(GOPAY_UNSORTED).index("62")
    replaced_bill = to_dynamic(DYNAMIC_62_BEFORE_54, 5000, bill_number="INV-0002")
    t62 = parse(replaced_bill).get("62")
    assert [(c.tag, c.value) for c in t62.children] == [("01", "INV-0002"), ("07", "K1")]


def test_62_and_54_both_before_63_are_in_tag_order() -> None:
    fields = [
        ("00", "01"),
        ("01", "11"),
        QRIS_51,
        ("58", "ID"),
        ("59", "A"),
        ("60", "B"),
        ("53", "360"),
    ]
    result = to_dynamic(build(fields), 1, terminal_label="T")
    assert tags_of(result)[-4:] == ["53", "54", "62", "63"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bill_number": ""}, "bill_number must be 1 to 25"),
        ({"bill_number": "X" * 26}, "bill_number must be 1 to 25"),
        ({"terminal_label": "KASIR\u00e9"}, "printable ASCII"),
        ({"terminal_label": "K\n1"}, "printable ASCII"),
        ({"terminal_label": 7}, "must be a str"),
    ],
)
def test_bad_62_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message) as info:
        to_dynamic(BANKNEO, 1000, **kwargs)
    assert not isinstance(info.value, InvalidQris)


def test_62_overflow_is_an_argument_error() -> None:
    full_62 = [("05", "R" * 25), ("06", "C" * 25), ("08", "P" * 25)]  # 87 characters
    long_62 = build(replaced(STATIC_SORTED, "62", full_62))
    with pytest.raises(InvalidArgument, match="tag 62.*maximum is 99"):
        to_dynamic(long_62, 1000, bill_number="B" * 25)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "at least 1"),
        (-5, "at least 1"),
        (10_000_000_000_000, "at most 13"),
        (1500.0, "must be an int"),
        ("15000", "must be an int"),
        (True, "must be an int"),
    ],
)
def test_bad_amount_argument_is_value_error_not_invalid_qris(amount: object, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        to_dynamic(BANKNEO, amount)  # type: ignore[arg-type]
    assert isinstance(info.value, InvalidArgument)
    assert not isinstance(info.value, InvalidQris)


def test_largest_amount() -> None:
    assert parse(to_dynamic(BANKNEO, 9_999_999_999_999)).amount == 9_999_999_999_999


def test_to_dynamic_validates_input_first() -> None:
    with pytest.raises(InvalidQris, match="CRC mismatch"):
        to_dynamic(BANKNEO[:-4] + "0000", 1000)


def test_payload_method_shortcuts() -> None:
    parsed = parse(FEE_FIXED)
    assert parsed.to_dynamic(1000) == to_dynamic(FEE_FIXED, 1000)
    assert parsed.fee_policy == fee_policy_text(FEE_FIXED)


# --------------------------------------------------------------------------------------------
# Malformed input: one error type, with what and where


def raises(
    payload: str,
    *needles: str,
    tag: str | None = "unset",
    offset: int | None | str = "unset",
) -> InvalidQris:
    """Assert that parse and validate raise InvalidQris with these message parts / attributes."""
    with pytest.raises(InvalidQris) as info:
        parse(payload)
    error = info.value
    message = str(error)
    for needle in needles:
        assert needle in message, (needle, message)
    if tag != "unset":
        assert error.tag == tag, message
    if offset != "unset":
        assert error.offset == offset, message
    with pytest.raises(InvalidQris):
        validate(payload)
    return error


def test_error_is_value_error_with_attributes_and_pickles() -> None:
    error = raises(BANKNEO[:-4] + "0000", "CRC mismatch", tag="63", offset=len(BANKNEO) - 8)
    assert isinstance(error, ValueError)
    assert str(error).startswith(f"tag 63 at offset {len(BANKNEO) - 8}: ")
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.offset, again.tag) == (str(error), error.offset, error.tag)


def test_empty() -> None:
    raises("", "payload is empty", offset=0, tag=None)


def test_not_a_string_is_type_error() -> None:
    with pytest.raises(TypeError):
        parse(BANKNEO.encode())  # type: ignore[arg-type]


def test_bad_crc() -> None:
    wrong = "0000" if BANKNEO[-4:] != "0000" else "1111"
    raises(BANKNEO[:-4] + wrong, f"payload says {wrong}, computed {BANKNEO[-4:]}", tag="63")


def test_crc_not_hex() -> None:
    raises(BANKNEO[:-4] + "ZZ12", "CRC 'ZZ12' is not 4 hexadecimal digits", tag="63")


def test_edited_value_fails_crc() -> None:
    raises(BANKNEO.replace("WARUNG BU SRI", "WARUNG BU SRU"), "CRC mismatch", tag="63")


def test_crc_length_not_04() -> None:
    raises(BANKNEO[:-8] + "6303ABC", "CRC field must have length 04, got 03", tag="63")


def test_missing_63() -> None:
    raises(BANKNEO[:-8], "CRC field (tag 63) is missing", tag="63", offset=len(BANKNEO) - 8)


def test_data_after_63() -> None:
    raises(BANKNEO + "0000", "data after the CRC field", tag="63", offset=len(BANKNEO))


def test_trailing_newline_is_data_after_63() -> None:
    raises(BANKNEO + "\n", "data after the CRC field", "strip whitespace", offset=len(BANKNEO))


def test_leading_whitespace() -> None:
    raises(" " + BANKNEO, "whitespace", offset=0)


def test_lying_length_longer_than_remaining() -> None:
    at = BANKNEO.index("6015JAKARTA")
    payload = BANKNEO[:at] + "6099" + BANKNEO[at + 4 :]
    raises(payload, "declares length 99 but only", tag="60", offset=at)


def test_lying_length_shorter_makes_garbage() -> None:
    at = BANKNEO.index("5913WARUNG")
    payload = BANKNEO[:at] + "5910" + BANKNEO[at + 4 :]
    # "WARUNG BU " is taken as the name, then "SR" is not a tag; 59 is named as the suspect.
    raises(payload, "expected a 2-digit tag, got 'SR'", "tag 59", tag="59", offset=at + 14)


def test_truncated_value() -> None:
    raises(BANKNEO[:60], "but only", "truncated")


def test_truncated_header() -> None:
    raises(BANKNEO[:-7], "truncated field: '6'", offset=len(BANKNEO) - 8)


def test_non_digit_tag_and_length() -> None:
    at = BANKNEO.index("5802ID")
    bad_tag = BANKNEO[:at] + "5X02ID" + BANKNEO[at + 6 :]
    raises(bad_tag, "expected a 2-digit tag, got '5X'", offset=at + 1)
    bad_length = BANKNEO[:at] + "58O2ID" + BANKNEO[at + 6 :]
    raises(bad_length, "expected a 2-digit length, got 'O2'", offset=at + 2)


def test_non_ascii_digit_in_header() -> None:
    at = BANKNEO.index("5802ID")
    payload = BANKNEO[:at] + "58\u06602ID" + BANKNEO[at + 6 :]  # ARABIC-INDIC DIGIT ZERO
    raises(payload, "non-ASCII character", offset=at + 2)


def test_non_digit_amount() -> None:
    payload = build(replaced(DYNAMIC_62_BEFORE_54_FIELDS, "54", "12a"))
    offset = payload.index("540312a")
    message = f"tag 54 at offset {offset}: amount '12a' is not a number"
    raises(payload, message, tag="54", offset=offset)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be at least 1"),
        ("-100", "is not a number"),
        ("15000.50", "rupiah amounts must be whole"),
        ("1.5e3", "is not a number"),
        (" 15000", "is not a number"),
        ("15000.", "is not a number"),
        ("12345678901234", "longer than 13"),
    ],
)
def test_bad_amount_in_payload(value: str, message: str) -> None:
    raises(build(replaced(DYNAMIC_62_BEFORE_54_FIELDS, "54", value)), message, tag="54")


def test_non_ascii_outside_64() -> None:
    payload = build(replaced(STATIC_SORTED, "59", "WARUNG BÜ SRI"))
    at = payload.index("Ü")
    raises(payload, "non-ASCII character 'Ü' (U+00DC)", "template 64", tag="59", offset=at)


def test_control_character() -> None:
    payload = build(replaced(STATIC_SORTED, "60", "JAKARTA\tSEL"))
    raises(payload, "control character '\\t'", tag="60", offset=payload.index("\t"))


def test_control_character_inside_64_is_rejected() -> None:
    payload = build(
        [
            ("00", "01"),
            ("01", "11"),
            QRIS_51,
            ("53", "360"),
            ("58", "ID"),
            ("59", "A"),
            ("60", "B"),
            ("64", [("00", "ZH"), ("01", "面\n馆")]),
        ]
    )
    raises(payload, "control character", tag="64")


def test_tag_00_not_first() -> None:
    fields = [STATIC_SORTED[1], STATIC_SORTED[0], *STATIC_SORTED[2:]]
    raises(build(fields), "must start with tag 00", tag="01", offset=0)


def test_tag_00_wrong_value() -> None:
    payload = build(replaced(STATIC_SORTED, "00", "02"))
    raises(payload, "payload format indicator must be '01', got '02'", tag="00")


@pytest.mark.parametrize("value", ["13", "1"])
def test_tag_01_wrong(value: str) -> None:
    payload = build(replaced(STATIC_SORTED, "01", value))
    message = "point of initiation must be '11' (static) or '12' (dynamic)"
    raises(payload, message, tag="01", offset=6)


def test_tag_01_missing() -> None:
    raises(build(without(STATIC_SORTED, "01")), "point of initiation (tag 01) is missing", tag="01")


def test_currency_not_360() -> None:
    payload = build(replaced(STATIC_SORTED, "53", "840"))
    at = payload.index("5303840")
    raises(payload, "transaction currency must be '360' (IDR), got '840'", tag="53", offset=at)


def test_currency_not_360_even_with_stale_crc() -> None:
    # The specific rule is reported, not only "CRC mismatch".
    raises(BANKNEO.replace("5303360", "5303840"), "transaction currency", tag="53")


def test_currency_missing() -> None:
    payload = build(without(STATIC_SORTED, "53"))
    raises(payload, "transaction currency (tag 53) is missing", tag="53")


def test_country_not_id() -> None:
    payload = build(replaced(STATIC_SORTED, "58", "MY"))
    raises(payload, "country code must be 'ID', got 'MY'", tag="58")


def test_name_missing_or_blank() -> None:
    raises(build(without(STATIC_SORTED, "59")), "merchant name (tag 59) is missing", tag="59")
    raises(build(replaced(STATIC_SORTED, "59", "   ")), "merchant name is blank", tag="59")


def test_city_missing() -> None:
    raises(build(without(STATIC_SORTED, "60")), "merchant city (tag 60) is missing", tag="60")


def test_mcc_not_4_digits() -> None:
    payload = build(replaced(STATIC_SORTED, "52", "58A2"))
    raises(payload, "merchant category code must be 4 digits", tag="52")


def test_no_merchant_account() -> None:
    payload = build(without(STATIC_SORTED, "26", "51"))
    raises(payload, "no merchant account information template (tags 26-51)")


def test_merchant_account_without_guid() -> None:
    payload = build(replaced(STATIC_SORTED, "26", [("01", "9360049000001234567")]))
    raises(payload, "no GUID (sub-tag 00)", tag="26", offset=payload.index("2623"))


def test_malformed_nested_template() -> None:
    # Inner length of 26.01 says 25 but the template has fewer characters left.
    payload = build(replaced(STATIC_SORTED, "26", "0017ID.CO.BANKNEO.WWW0125936004900000"))
    raises(payload, "sub-tag 26.01", "declares length 25", tag="26")


def test_garbage_nested_template() -> None:
    raises(build(replaced(STATIC_SORTED, "62", "HELLO")), "inside tag 62", tag="62")


def test_duplicate_top_level_tag() -> None:
    payload = build(insert_before(STATIC_SORTED, "60", ("59", "WARUNG KEDUA")))
    first = payload.index("5913WARUNG BU SRI")
    second = payload.index("5912WARUNG KEDUA")
    raises(payload, f"duplicate tag (first at offset {first})", tag="59", offset=second)


def test_duplicate_subtag() -> None:
    payload = build(replaced(STATIC_SORTED, "62", [("07", "A01"), ("07", "A02")]))
    raises(payload, "duplicate sub-tag 62.07", tag="62")


def test_zero_length_field() -> None:
    body = BANKNEO[: BANKNEO.index("6304")] + "6100" + "6304"
    raises(body + crc16(body.encode()), "length is 00", tag="61")


def with_fee(*pairs: tuple[str, str]) -> list:
    """STATIC_SORTED with tip/fee fields inserted before 58."""
    fields = STATIC_SORTED
    for pair in pairs:
        fields = insert_before(fields, "58", pair)
    return fields


@pytest.mark.parametrize(
    ("fields", "message", "tag"),
    [
        (with_fee(("56", "1000")), "tag 56 (convenience fee) needs tip indicator 55", "56"),
        (with_fee(("57", "5")), "tag 57 (convenience fee) needs tip indicator 55", "57"),
        (with_fee(("55", "01"), ("56", "1000")), "not allowed with tip indicator 55 = '01'", "56"),
        (with_fee(("55", "01"), ("57", "5")), "not allowed with tip indicator 55 = '01'", "57"),
        (with_fee(("55", "02")), "tip indicator '02' (fixed fee) needs tag 56", "55"),
        (with_fee(("55", "03")), "tip indicator '03' (percentage fee) needs tag 57", "55"),
        (
            with_fee(("55", "02"), ("56", "1000"), ("57", "5")),
            "tag 57 (percentage fee) is not allowed",
            "57",
        ),
        (
            with_fee(("55", "03"), ("56", "1000"), ("57", "5")),
            "tag 56 (fixed fee) is not allowed",
            "56",
        ),
        (with_fee(("55", "04")), "tip indicator must be '01', '02' or '03'", "55"),
        (with_fee(("55", "02"), ("56", "abc")), "fixed fee 'abc' is not a number", "56"),
        (with_fee(("55", "02"), ("56", "0")), "fixed fee '0' must be at least 1", "56"),
        (with_fee(("55", "03"), ("57", "100")), "not a number like 2.5", "57"),
        (with_fee(("55", "03"), ("57", "0.00")), "between 0.01 and 99.99", "57"),
    ],
)
def test_tip_fee_consistency(fields: list, message: str, tag: str) -> None:
    raises(build(fields), message, tag=tag)


def test_percent_boundaries_are_valid() -> None:
    for value in ("0.01", "99.99", "5", "05.00", "2.5"):
        payload = build(with_fee(("55", "03"), ("57", value)))
        validate(payload)


# --------------------------------------------------------------------------------------------
# Property tests

PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))
names = st.text(alphabet=PRINTABLE, min_size=1, max_size=25).filter(lambda s: s.strip() != "")
cities = st.text(alphabet=string.ascii_uppercase + " .-", min_size=1, max_size=15).filter(
    lambda s: s.strip() != ""
)
amounts = st.integers(min_value=1, max_value=9_999_999_999_999)
ans = st.text(alphabet=PRINTABLE, min_size=1, max_size=25)
nmid_digits = st.text(string.digits, min_size=13, max_size=13)
guids = st.sampled_from(
    ["ID.CO.BANKNEO.WWW", "COM.GO-JEK.WWW", "ID.CO.QRIS.WWW", "ID.CO.BCA.WWW", "ID.DANA.WWW"]
)
digits = st.text(alphabet=string.digits, min_size=1, max_size=19)


@st.composite
def fee_fields(draw: st.DrawFn) -> list[tuple[str, str]]:
    kind = draw(st.sampled_from(["none", "tip", "fixed", "percent"]))
    if kind == "tip":
        return [("55", "01")]
    if kind == "fixed":
        return [("55", "02"), ("56", str(draw(st.integers(1, 99_999))))]
    if kind == "percent":
        hundredths = draw(st.integers(1, 9999))
        return [("55", "03"), ("57", f"{hundredths // 100}.{hundredths % 100:02d}")]
    return []


@st.composite
def valid_payloads(draw: st.DrawFn) -> str:
    account = draw(st.sampled_from([f"{i:02d}" for i in range(26, 46)]))
    middle: list[tuple[str, object]] = [
        ("01", draw(st.sampled_from(["11", "12"]))),
        (account, [("00", draw(guids)), ("01", draw(digits)), ("03", "UMI")]),
        ("51", [("00", "ID.CO.QRIS.WWW"), ("02", "ID" + draw(nmid_digits))]),
        ("52", draw(st.text(string.digits, min_size=4, max_size=4))),
        ("53", "360"),
        ("58", "ID"),
        ("59", draw(names)),
        ("60", draw(cities)),
    ]
    if draw(st.booleans()):
        middle.append(("61", draw(st.text(string.digits, min_size=5, max_size=5))))
    if draw(st.booleans()):
        middle.append(("62", [("01", draw(ans)), ("07", draw(ans))][: draw(st.integers(1, 2))]))
    if draw(st.booleans()):
        middle.append(("54", str(draw(amounts))))
    middle += draw(fee_fields())
    ordered = draw(st.permutations(middle))
    return build([("00", "01"), *ordered])


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(valid_payloads())
@example(BANKNEO)
@example(GOPAY_UNSORTED)
def test_property_parse_dump_round_trip(payload: str) -> None:
    parsed = parse(payload)
    assert parsed.dump() == payload
    assert build(parsed.fields) == payload
    assert isinstance(parsed, QrisPayload)


@settings(max_examples=200)
@given(valid_payloads(), amounts, amounts)
def test_property_to_dynamic_is_idempotent_in_the_amount(payload: str, a: int, b: int) -> None:
    assert to_dynamic(to_dynamic(payload, a), b) == to_dynamic(payload, b)


@settings(max_examples=200)
@given(valid_payloads(), amounts)
def test_property_to_dynamic_amount_round_trip_and_placement(payload: str, amount: int) -> None:
    result = to_dynamic(payload, amount)
    parsed = parse(result)
    assert parsed.amount == amount and parsed.is_dynamic
    assert result[-4:] == crc16(result[:-4].encode("utf-8"))
    before = [(f.tag, f.value) for f in parse(payload).fields if f.tag not in ("54", "63")]
    after = [(f.tag, f.value) for f in parsed.fields if f.tag not in ("54", "63")]
    assert after == [(t, "12" if t == "01" else v) for t, v in before]  # the rest verbatim
    tags = [f.tag for f in parsed.fields]
    assert tags.count("54") == 1
    follower = tags[tags.index("54") + 1]
    old = [t for t in tags_of(payload) if t != "54"]
    expected = next(t for t in old[old.index("53") + 1 :] if t > "54")
    assert follower == expected


@settings(max_examples=300)
@given(valid_payloads(), st.data())
def test_property_mutations_raise_only_invalid_qris(payload: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(payload)))
    kind = data.draw(st.sampled_from(["insert", "delete", "replace"]))
    char = data.draw(st.characters(codec="utf-8"))
    if kind == "insert":
        mutated = payload[:at] + char + payload[at:]
    elif kind == "delete":
        mutated = payload[:at] + payload[at + 1 :]
    else:
        mutated = payload[:at] + char + payload[at + 1 :]
    try:
        parsed = parse(mutated)
    except InvalidQris as error:
        assert error.offset is None or 0 <= error.offset <= len(mutated)
        assert str(error)
    else:
        assert parsed.dump() == mutated


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_property_arbitrary_text_raises_only_invalid_qris(text: str) -> None:
    try:
        parse(text)
    except InvalidQris:
        pass
