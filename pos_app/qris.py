"""QRIS (EMVCo Merchant-Presented Mode) payloads: parse, validate, build, static -> dynamic.

What this module is for
-----------------------
The cashier turns the merchant's printed *static* QRIS into a *dynamic* one that carries the
amount of the sale (``to_dynamic``), shows who will be paid (``describe`` / ``to_json`` for
``pos-app qris decode``), and refuses anything that a payment app would reject or, worse,
would pay to the wrong place. It has no Qt imports; rendering lives in ``pos_app.qr_render``.

A payload is a flat sequence of TLV fields ``TT LL VALUE`` (2-digit tag, 2-digit length, value
of exactly LL *characters*). Tags 26-51 (merchant account information), 62 (additional data)
and 64 (merchant information in an alternate language) are templates whose value is itself TLV.
Tag 63 is the CRC-16/CCITT-FALSE of the UTF-8 bytes of everything before its 4 hex digits
(i.e. including the ``6304`` header).

Decisions (where the QRIS/EMV texts or the issue left a choice)
----------------------------------------------------------------
* **Lossless.** Every field keeps its raw value, templates included, in the original order, so
  ``parse(p).dump() == p`` for every valid ``p``. Tags are always found by parsing, never by
  position or substring search: real issuers do not sort their tags.
* **One error type.** Every problem with a payload raises :class:`InvalidQris` (a
  ``ValueError``) whose message says what is wrong and where: ``"tag 54 at offset 74: amount
  '12a' is not a number"``. ``.offset`` is a character offset into the payload (the start of the
  field's tag for field-level problems, the offending character otherwise) and ``.tag`` is the
  top-level tag involved (sub-tags are named in the message, e.g. ``sub-tag 62.07``); either may
  be ``None``. When a header is garbage right after a field, ``.tag`` is that previous field:
  its length is the likely liar. A non-``str`` payload is a programming error: ``TypeError``.
  Bad *arguments* to :func:`to_dynamic` (amount, bill number, terminal label, or a tag 62 that
  would grow past 99 characters) are not payload problems and raise :class:`InvalidArgument`
  (a plain ``ValueError`` subclass, *not* ``InvalidQris``); amount and labels are checked first.
* **Checking order.** Structure first (TLV, CRC field last, duplicates), then the QRIS rules,
  then the characters allowed, then the CRC value. So a payload with a wrong currency and a stale
  CRC is reported as a wrong currency: the most specific finding wins.
* **Strict parse, lenient CLI.** ``parse`` rejects surrounding whitespace (it is data after the
  CRC / not a tag). The CLI strips copy-paste whitespace with :func:`strip_pasted` before parsing.
* **Characters.** Lengths count characters (EMV), the CRC covers UTF-8 bytes. Outside template
  64 only printable ASCII (0x20-0x7E) is allowed; real merchant names are ASCII, and a stray
  ``é`` or newline is a copy-paste accident. Inside 64 any printable Unicode is allowed.
  Control characters are rejected everywhere.
* **CRC case.** QRIS says uppercase. A lowercase CRC that *matches* is accepted (and kept as is
  by ``dump``) because some generators emit it and payment apps accept it; ``to_dynamic`` and
  ``build`` always write 4 uppercase, zero-padded hex digits.
* **Required fields.** 00 first with ``01``; 01 present with ``11``/``12``; 53 = ``360``;
  58 = ``ID``; 59 and 60 present and not blank; at least one merchant account template 26-51,
  each with a GUID (sub-tag 00); 63 last. 52 (MCC) is optional but must be 4 digits when present.
  Zero-length fields are invalid (EMV lengths are 01-99). Duplicate tags (top level, or sub-tags
  inside a template) are invalid. EMV maximum lengths of name/city/postal code are *not* enforced
  because real issuers exceed them and payment apps still pay.
* **Amounts (54, 56).** Rupiah has no minor unit in practice, so amounts must be whole rupiah.
  EMV allows up to 2 decimals, so ``"15000.00"`` / ``"15000.0"`` are accepted as 15000 (and kept
  verbatim by ``dump``); ``"15000.50"`` is rejected. At most 13 characters, value >= 1.
* **Tip / convenience fee policy (55/56/57).** We keep the merchant's configured tip/fee
  indicator verbatim when converting to dynamic: it is the merchant's choice, agreed with the
  acquirer, and dropping it would silently change what the customer is asked to pay.
  The cashier is told about it with :func:`fee_policy_text` (Indonesian sentence) so the amount
  the customer sees in the payment app is no surprise. 55 must be ``01`` (customer enters a
  tip), ``02`` (fixed fee in 56, no 57) or ``03`` (percentage in 57, ``0.01``-``99.99``, no 56);
  56/57 without 55, or with 55 = ``01``, are invalid.
* **Static -> dynamic.** 01 becomes ``12``. Any existing 54 is removed and exactly one 54 is
  written *before the first tag numerically above 54 that comes after tag 53 in the sequence*
  (63 at the latest), regardless of where the old 54 was; so the result does not depend on the
  old amount and ``to_dynamic(to_dynamic(p, a), b) == to_dynamic(p, b)``. Every other field is
  kept verbatim and in order. ``bill_number`` / ``terminal_label`` set sub-tags 01 / 07 of 62,
  replacing them in place if present, otherwise inserting them before the first sub-tag with a
  higher number (other sub-tags verbatim); a missing 62 is created just before 63.
* **Merchant info.** NMID is sub-tag 02 of 51 when 51's GUID is ``ID.CO.QRIS.WWW``, otherwise of
  the lowest-numbered 26-51 template with that GUID. The acquirer is the lowest-numbered merchant
  account template 26-50 (so 26-45 first; never the national 51): its GUID (00) and PAN (01).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pos_app.money import format_rupiah

__all__ = [
    "InvalidArgument",
    "InvalidQris",
    "MerchantInfo",
    "QrisPayload",
    "Tlv",
    "build",
    "crc16",
    "describe",
    "fee_policy_text",
    "parse",
    "strip_pasted",
    "to_dynamic",
    "validate",
]

NATIONAL_GUID = "ID.CO.QRIS.WWW"
MAX_AMOUNT_DIGITS = 13
MAX_ADDITIONAL_SUBFIELD = 25

# Tags whose value is nested TLV and must parse as such.
_MERCHANT_ACCOUNT_TAGS = frozenset(f"{i:02d}" for i in range(26, 52))
_STRICT_TEMPLATES = _MERCHANT_ACCOUNT_TAGS | {"62", "64"}
# EMV "unreserved templates": exposed as children when they happen to parse, never rejected,
# because their content is private to whoever put them there.
_LENIENT_TEMPLATES = frozenset(f"{i:02d}" for i in range(80, 100))
# Acquirer candidates in preference order (lowest tag first); 51 is the national repository.
_ACQUIRER_TAGS = tuple(f"{i:02d}" for i in range(26, 51))

# Precompiled checks, so validation never loops over characters in Python.
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")
_ANS = re.compile(r"[\x20-\x7e]+")
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?")
_PERCENT = re.compile(r"([0-9]{1,2})(?:\.([0-9]{1,2}))?")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_PASTE_JUNK = " \t\r\n\v\f\u00a0\u200b\u200c\u200d\u2060\ufeff"

TAG_NAMES: dict[str, str] = {
    "00": "Payload Format Indicator",
    "01": "Point of Initiation Method",
    "52": "Merchant Category Code",
    "53": "Transaction Currency",
    "54": "Transaction Amount",
    "55": "Tip or Convenience Indicator",
    "56": "Value of Convenience Fee Fixed",
    "57": "Value of Convenience Fee Percentage",
    "58": "Country Code",
    "59": "Merchant Name",
    "60": "Merchant City",
    "61": "Postal Code",
    "62": "Additional Data Field Template",
    "63": "CRC",
    "64": "Merchant Information - Language Template",
}
for _i in range(2, 26):
    TAG_NAMES[f"{_i:02d}"] = "Merchant Account Information (primitive)"
for _i in range(26, 51):
    TAG_NAMES[f"{_i:02d}"] = "Merchant Account Information"
TAG_NAMES["51"] = "Merchant Account Information (national repository)"
for _i in range(80, 100):
    TAG_NAMES[f"{_i:02d}"] = "Unreserved Template"
del _i

SUBTAG_NAMES: dict[str, dict[str, str]] = {
    "merchant": {
        "00": "Globally Unique Identifier",
        "01": "Merchant PAN",
        "02": "Merchant ID",
        "03": "Merchant Criteria",
    },
    "62": {
        "01": "Bill Number",
        "02": "Mobile Number",
        "03": "Store Label",
        "04": "Loyalty Number",
        "05": "Reference Label",
        "06": "Customer Label",
        "07": "Terminal Label",
        "08": "Purpose of Transaction",
        "09": "Additional Consumer Data Request",
        "10": "Merchant Tax ID",
        "11": "Merchant Channel",
    },
    "64": {
        "00": "Language Preference",
        "01": "Merchant Name - Alternate Language",
        "02": "Merchant City - Alternate Language",
    },
}


# --------------------------------------------------------------------------------------------
# Errors


class InvalidQris(ValueError):
    """A payload is not a valid QRIS. ``offset``: character offset; ``tag``: top-level tag."""

    offset: int | None
    tag: str | None
    reason: str

    def __init__(self, reason: str, *, offset: int | None = None, tag: str | None = None) -> None:
        self.reason = reason
        self.offset = offset
        self.tag = tag
        if tag is not None and offset is not None:
            message = f"tag {tag} at offset {offset}: {reason}"
        elif tag is not None:
            message = f"tag {tag}: {reason}"
        elif offset is not None:
            message = f"offset {offset}: {reason}"
        else:
            message = reason
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only attributes would be lost by the default exception pickling.
        return (_rebuild_invalid, (self.reason, self.offset, self.tag))


def _rebuild_invalid(reason: str, offset: int | None, tag: str | None) -> InvalidQris:
    return InvalidQris(reason, offset=offset, tag=tag)


class InvalidArgument(ValueError):
    """A bad argument to :func:`to_dynamic` / :func:`build` (not a payload problem)."""


# --------------------------------------------------------------------------------------------
# Data model


@dataclass(frozen=True, slots=True)
class Tlv:
    """One field. ``value`` is the raw text (for templates too); ``children`` is its parse."""

    tag: str
    value: str
    children: tuple[Tlv, ...] | None = None

    @property
    def length(self) -> int:
        return len(self.value)

    def dump(self) -> str:
        return f"{self.tag}{len(self.value):02d}{self.value}"

    def get(self, subtag: str) -> Tlv | None:
        """First child with ``subtag`` (``None`` for a primitive field or a missing sub-tag)."""
        for child in self.children or ():
            if child.tag == subtag:
                return child
        return None

    @classmethod
    def template(cls, tag: str, children: Iterable[Tlv | tuple[str, str]]) -> Tlv:
        """A template field whose raw value is the encoding of ``children``."""
        kids = tuple(_as_tlv(c) for c in children)
        return cls(tag, "".join(k.dump() for k in kids), kids)

    def to_json(self) -> dict[str, Any]:
        """``{"tag", "name", "length", "value", "children"}`` (children ``None`` if primitive)."""
        return _tag_json(self)


@dataclass(frozen=True, slots=True)
class MerchantInfo:
    name: str
    city: str
    postal_code: str | None
    nmid: str | None
    acquirer_guid: str | None
    merchant_pan: str | None
    mcc: str | None


@dataclass(frozen=True)
class QrisPayload:
    """A parsed payload: the fields in their original order, raw values kept."""

    fields: tuple[Tlv, ...]

    def dump(self) -> str:
        return "".join([f"{f.tag}{len(f.value):02d}{f.value}" for f in self.fields])

    def get(self, tag: str) -> Tlv | None:
        for field in self.fields:
            if field.tag == tag:
                return field
        return None

    def _value(self, tag: str) -> str | None:
        field = self.get(tag)
        return None if field is None else field.value

    @property
    def is_dynamic(self) -> bool:
        return self._value("01") == "12"

    @property
    def amount(self) -> int | None:
        field = self.get("54")
        if field is None:
            return None
        return _check_amount(field.value, "amount", None, "54")

    @property
    def crc(self) -> str:
        return self._value("63") or ""

    @property
    def merchant(self) -> MerchantInfo:
        templates = {f.tag: f for f in self.fields if f.tag in _MERCHANT_ACCOUNT_TAGS}

        def sub(field: Tlv | None, subtag: str) -> str | None:
            if field is None:
                return None
            child = field.get(subtag)
            return None if child is None else child.value

        def guid(field: Tlv) -> str:
            return (sub(field, "00") or "").upper()

        national = templates.get("51")
        if national is None or guid(national) != NATIONAL_GUID:
            national = next(
                (templates[t] for t in sorted(templates) if guid(templates[t]) == NATIONAL_GUID),
                None,
            )
        acquirer = next((templates[t] for t in _ACQUIRER_TAGS if t in templates), None)
        return MerchantInfo(
            name=self._value("59") or "",
            city=self._value("60") or "",
            postal_code=self._value("61"),
            nmid=sub(national, "02"),
            acquirer_guid=sub(acquirer, "00"),
            merchant_pan=sub(acquirer, "01"),
            mcc=self._value("52"),
        )

    @property
    def fee_policy(self) -> str | None:
        return fee_policy_text(self)

    def to_dynamic(
        self,
        amount: int,
        *,
        bill_number: str | None = None,
        terminal_label: str | None = None,
    ) -> str:
        return to_dynamic(
            self.dump(), amount, bill_number=bill_number, terminal_label=terminal_label
        )

    def to_json(self) -> dict[str, Any]:
        """The object printed by ``pos-app qris decode --json``."""
        return {
            "valid": True,
            "dynamic": self.is_dynamic,
            "amount": self.amount,
            "merchant": asdict(self.merchant),
            "fee_policy": fee_policy_text(self),
            "crc": self.crc,
            "tags": [_tag_json(f) for f in self.fields],
        }


def _tag_json(field: Tlv, parent: str | None = None) -> dict[str, Any]:
    if parent is None:
        name = TAG_NAMES.get(field.tag)
    else:
        key = "merchant" if parent in _MERCHANT_ACCOUNT_TAGS else parent
        name = SUBTAG_NAMES.get(key, {}).get(field.tag)
    return {
        "tag": field.tag,
        "name": name,
        "length": len(field.value),
        "value": field.value,
        "children": None
        if field.children is None
        else [_tag_json(child, field.tag) for child in field.children],
    }


# --------------------------------------------------------------------------------------------
# CRC


def crc16(data: bytes | str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as 4 uppercase hex digits.

    For a payload, ``data`` is everything up to and including ``6304``; ``str`` is UTF-8 encoded.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    # binascii.crc_hqx is exactly CCITT-FALSE when seeded with 0xFFFF, and runs in C.
    return f"{binascii.crc_hqx(data, 0xFFFF):04X}"


# --------------------------------------------------------------------------------------------
# Scanning (hot path: tuples and dicts only, no dataclasses; to_dynamic never builds Tlv objects)
#
# The happy path is a few C-level string operations per field; every check is one combined
# condition, and only when it fails do we go to a slow helper that works out the exact message.

# (tag, value, offset of the tag in the whole payload)
_Item = tuple[str, str, int]


class _Scan:
    """Result of scanning the top level (plain attributes; internal only)."""

    __slots__ = ("items", "index", "values", "ascii_only")

    def __init__(
        self, items: list[_Item], index: dict[str, int], values: dict[str, str], ascii_only: bool
    ) -> None:
        self.items = items
        self.index = index  # tag -> position in items
        self.values = values  # tag -> raw value
        self.ascii_only = ascii_only


def _header_error(text: str, pos: int, base: int, parent: str | None, prev: _Item | None) -> None:
    """Explain why ``text[pos:pos+4]`` is not a TLV header, and raise."""
    header = text[pos : pos + 4]
    where = base + pos
    inside = f"inside tag {parent}: " if parent else ""
    hint = ""
    if prev is not None:
        kind = f"sub-tag {parent}." if parent else "tag "
        hint = f" (the length of {kind}{prev[0]} at offset {prev[2]} may be wrong)"
    # For a garbage header right after a field, that field's length is the likely culprit.
    tag = parent if parent else (prev[0] if prev is not None else None)
    for i, ch in enumerate(header):
        if not ("0" <= ch <= "9"):
            part = "tag" if i < 2 else "length"
            if ch.isspace():
                what = f"whitespace {ch!r} where a 2-digit {part} was expected"
                hint += "; strip whitespace before parsing"
            elif not ch.isascii():
                what = (
                    f"non-ASCII character {ch!r} (U+{ord(ch):04X}) where a 2-digit {part} "
                    "was expected"
                )
            else:
                got = header[:2] if i < 2 else header[2:]
                what = f"expected a 2-digit {part}, got {got!r}"
            raise InvalidQris(f"{inside}{what}{hint}", offset=where + i, tag=tag)
    # All digits but fewer than 4 characters left.
    raise InvalidQris(
        f"{inside}truncated field: {header!r} at the end where a 2-digit tag and a 2-digit "
        f"length were expected{hint}",
        offset=where,
        tag=tag,
    )


def _scan_nested(
    text: str, base: int, parent: str, ascii_only: bool = False
) -> tuple[list[_Item], dict[str, str]]:
    """Split a template value into sub-fields (items, sub-tag -> value); errors name the parent."""
    items: list[_Item] = []
    seen: dict[str, str] = {}
    n = len(text)
    pos = 0
    while pos < n:
        header = text[pos : pos + 4]
        if len(header) != 4 or not header.isdigit() or not (ascii_only or header.isascii()):
            _header_error(text, pos, base, parent, items[-1] if items else None)
        sub = header[:2]
        start = pos + 4
        end = start + int(header[2:])
        if not start < end <= n or sub in seen:
            _nested_field_error(text, base, parent, pos, items)
        value = text[start:end]
        seen[sub] = value
        items.append((sub, value, base + pos))
        pos = end
    return items, seen


def _nested_field_error(text: str, base: int, parent: str, pos: int, items: list[_Item]) -> None:
    sub = text[pos : pos + 2]
    length = int(text[pos + 2 : pos + 4])
    remaining = len(text) - pos - 4
    where = f"sub-tag {parent}.{sub} at offset {base + pos}"
    if length == 0:
        reason = f"{where} has length 00 (EMV lengths are 01-99)"
    elif length > remaining:
        reason = (
            f"{where} declares length {length:02d} but only {remaining} characters remain "
            "in the template"
        )
    else:
        first = next(item[2] for item in items if item[0] == sub)
        reason = f"duplicate {where} (first at offset {first})"
    raise InvalidQris(reason, offset=base + pos, tag=parent)


def _scan(payload: str) -> _Scan:
    """Split the top level into fields; check CRC field placement and duplicate tags."""
    if not isinstance(payload, str):
        raise TypeError(f"payload must be str, not {type(payload).__name__}")
    n = len(payload)
    if n == 0:
        raise InvalidQris("payload is empty", offset=0)
    items: list[_Item] = []
    index: dict[str, int] = {}
    values: dict[str, str] = {}
    ascii_only = payload.isascii()
    pos = 0
    while pos < n:
        header = payload[pos : pos + 4]
        if len(header) != 4 or not header.isdigit() or not (ascii_only or header.isascii()):
            _header_error(payload, pos, 0, None, items[-1] if items else None)
        tag = header[:2]
        start = pos + 4
        end = start + int(header[2:])
        if not start < end <= n or tag in values or tag == "63":
            _check_field(payload, pos, end, tag, items, index)  # returns only for a good 63
        value = payload[start:end]
        index[tag] = len(items)
        values[tag] = value
        items.append((tag, value, pos))
        pos = end
    if items[-1][0] != "63":
        raise InvalidQris(
            "CRC field (tag 63) is missing: the payload must end with 6304 and 4 hex digits",
            offset=n,
            tag="63",
        )
    return _Scan(items, index, values, ascii_only)


def _check_field(
    payload: str, pos: int, end: int, tag: str, items: list[_Item], index: dict[str, int]
) -> None:
    """Slow path of :func:`_scan`: raise for a bad length / duplicate / misplaced CRC."""
    n = len(payload)
    length = payload[pos + 2 : pos + 4]
    if end > n:
        raise InvalidQris(
            f"declares length {length} but only {n - pos - 4} characters remain "
            "(truncated payload or wrong length)",
            offset=pos,
            tag=tag,
        )
    if end == pos + 4:
        raise InvalidQris("length is 00 (EMV lengths are 01-99)", offset=pos, tag=tag)
    if tag in index:
        raise InvalidQris(
            f"duplicate tag (first at offset {items[index[tag]][2]})", offset=pos, tag=tag
        )
    if tag == "63":
        if length != "04":
            raise InvalidQris(f"CRC field must have length 04, got {length}", offset=pos, tag="63")
        if end != n:
            rest = payload[end:]
            hint = "; strip whitespace before parsing" if rest.isspace() else ""
            raise InvalidQris(
                f"data after the CRC field, which must be last: {rest[:20]!r}{hint}",
                offset=end,
                tag="63",
            )


# --------------------------------------------------------------------------------------------
# Validation


def _check_amount(value: str, what: str, offset: int | None, tag: str) -> int:
    """Validate a rupiah amount field (54, 56) and return it as an int."""
    match = _AMOUNT.fullmatch(value)
    if match is None:
        raise InvalidQris(f"{what} {value!r} is not a number", offset=offset, tag=tag)
    if len(value) > MAX_AMOUNT_DIGITS:
        raise InvalidQris(
            f"{what} {value!r} is longer than {MAX_AMOUNT_DIGITS} characters",
            offset=offset,
            tag=tag,
        )
    whole, cents = match.groups()
    if cents is not None and cents.strip("0"):
        raise InvalidQris(
            f"{what} {value!r} has a fraction; rupiah amounts must be whole",
            offset=offset,
            tag=tag,
        )
    number = int(whole)
    if number < 1:
        raise InvalidQris(f"{what} {value!r} must be at least 1", offset=offset, tag=tag)
    return number


def _check_percent(value: str, offset: int | None) -> int:
    """Validate 57 and return it in hundredths of a percent (1..9999)."""
    match = _PERCENT.fullmatch(value)
    if match is None:
        raise InvalidQris(
            f"percentage fee {value!r} is not a number like 2.5 or 10.00", offset=offset, tag="57"
        )
    whole, frac = match.groups()
    hundredths = int(whole) * 100 + int((frac or "0").ljust(2, "0"))
    if not 1 <= hundredths <= 9999:
        raise InvalidQris(
            f"percentage fee {value!r} must be between 0.01 and 99.99", offset=offset, tag="57"
        )
    return hundredths


def _check_chars(payload: str, items: list[_Item]) -> None:
    """Slow path, only reached when a character outside printable ASCII exists."""
    k = 0
    for match in _NOT_PRINTABLE_ASCII.finditer(payload):
        at = match.start()
        ch = payload[at]
        while not items[k][2] <= at < items[k][2] + 4 + len(items[k][1]):
            k += 1
        tag = items[k][0]
        if tag == "64" and not ch.isascii() and ch.isprintable():
            continue  # UTF-8 text is allowed in the alternate-language template.
        if ch.isascii() or not ch.isprintable():
            what = f"control character {ch!r} (U+{ord(ch):04X}) is not allowed"
        else:
            what = (
                f"non-ASCII character {ch!r} (U+{ord(ch):04X}) is not allowed outside the "
                "language template 64"
            )
        raise InvalidQris(what, offset=at, tag=tag)


def _rules_error(scan: _Scan) -> None:
    """Slow path of :func:`_validate`: find which top-level rule is broken and raise."""
    items, index = scan.items, scan.index

    def at(tag: str) -> int:
        return items[index[tag]][2]

    first = items[0]
    if first[0] != "00":
        raise InvalidQris(
            f"payload must start with tag 00 (payload format indicator), found tag {first[0]}",
            offset=0,
            tag=first[0],
        )
    if first[1] != "01":
        raise InvalidQris(
            f"payload format indicator must be '01', got {first[1]!r}", offset=0, tag="00"
        )
    required = (
        ("01", "point of initiation", ("11", "12"), "'11' (static) or '12' (dynamic)"),
        ("53", "transaction currency", ("360",), "'360' (IDR)"),
        ("58", "country code", ("ID",), "'ID'"),
    )
    for tag, what, allowed, shown in required:
        if tag not in index:
            raise InvalidQris(f"{what} (tag {tag}) is missing", tag=tag)
        value = items[index[tag]][1]
        if value not in allowed:
            raise InvalidQris(f"{what} must be {shown}, got {value!r}", offset=at(tag), tag=tag)
    for tag, what in (("59", "merchant name"), ("60", "merchant city")):
        if tag not in index:
            raise InvalidQris(f"{what} (tag {tag}) is missing", tag=tag)
        if not items[index[tag]][1].strip():
            raise InvalidQris(f"{what} is blank", offset=at(tag), tag=tag)
    mcc = scan.values.get("52")
    if mcc is not None and not (len(mcc) == 4 and mcc.isdigit() and mcc.isascii()):
        raise InvalidQris(
            f"merchant category code must be 4 digits, got {mcc!r}", offset=at("52"), tag="52"
        )
    raise AssertionError("unreachable: _rules_error found no broken rule")  # pragma: no cover


def _validate(payload: str) -> tuple[_Scan, dict[str, list[_Item]]]:
    """Full strict validation. Returns the scan and the parsed strict templates."""
    scan = _scan(payload)
    items = scan.items
    values = scan.values
    get = values.get
    mcc = get("52")
    # One combined condition for every fixed top-level rule; details only on failure.
    if not (
        items[0][0] == "00"
        and items[0][1] == "01"
        and get("01") in ("11", "12")
        and get("53") == "360"
        and get("58") == "ID"
        and get("59", "").strip()
        and get("60", "").strip()
        and (mcc is None or (len(mcc) == 4 and mcc.isdigit() and mcc.isascii()))
    ):
        _rules_error(scan)

    amount = get("54")
    if amount is not None:
        _check_amount(amount, "amount", items[scan.index["54"]][2], "54")
    if "55" in values or "56" in values or "57" in values:
        _check_tip(scan)

    templates: dict[str, list[_Item]] = {}
    has_account = False
    ascii_only = scan.ascii_only
    for tag, value, offset in items:
        if tag in _STRICT_TEMPLATES:
            children, subtags = _scan_nested(value, offset + 4, tag, ascii_only)
            templates[tag] = children
            if tag in _MERCHANT_ACCOUNT_TAGS:
                has_account = True
                if "00" not in subtags:
                    raise InvalidQris(
                        "merchant account template has no GUID (sub-tag 00)",
                        offset=offset,
                        tag=tag,
                    )
    if not has_account:
        raise InvalidQris("no merchant account information template (tags 26-51) found")

    # For ASCII text, isprintable() is exactly "no control characters" and runs in C.
    if not (ascii_only and payload.isprintable()):
        _check_chars(payload, items)

    actual = items[-1][1]
    expected = "{:04X}".format(binascii.crc_hqx(payload[:-4].encode("utf-8"), 0xFFFF))
    if actual != expected:
        offset = items[-1][2]
        if _HEX4.fullmatch(actual) is None:
            raise InvalidQris(
                f"CRC {actual!r} is not 4 hexadecimal digits", offset=offset, tag="63"
            )
        if actual.upper() != expected:
            raise InvalidQris(
                f"CRC mismatch: payload says {actual}, computed {expected} (payload corrupted "
                "or edited)",
                offset=offset,
                tag="63",
            )
        # Lowercase but matching: accepted, see module docstring.
    return scan, templates


def _check_tip(scan: _Scan) -> None:
    items, index = scan.items, scan.index
    i55, i56, i57 = index.get("55"), index.get("56"), index.get("57")
    if i55 is None:
        for i, tag in ((i56, "56"), (i57, "57")):
            if i is not None:
                raise InvalidQris(
                    f"tag {tag} (convenience fee) needs tip indicator 55, which is missing",
                    offset=items[i][2],
                    tag=tag,
                )
        return
    indicator = items[i55][1]
    if indicator == "01":
        for i, tag in ((i56, "56"), (i57, "57")):
            if i is not None:
                raise InvalidQris(
                    f"tag {tag} is not allowed with tip indicator 55 = '01' (customer enters tip)",
                    offset=items[i][2],
                    tag=tag,
                )
    elif indicator == "02":
        if i56 is None:
            raise InvalidQris(
                "tip indicator '02' (fixed fee) needs tag 56, which is missing",
                offset=items[i55][2],
                tag="55",
            )
        if i57 is not None:
            raise InvalidQris(
                "tag 57 (percentage fee) is not allowed with tip indicator '02' (fixed fee)",
                offset=items[i57][2],
                tag="57",
            )
        _check_amount(items[i56][1], "fixed fee", items[i56][2], "56")
    elif indicator == "03":
        if i57 is None:
            raise InvalidQris(
                "tip indicator '03' (percentage fee) needs tag 57, which is missing",
                offset=items[i55][2],
                tag="55",
            )
        if i56 is not None:
            raise InvalidQris(
                "tag 56 (fixed fee) is not allowed with tip indicator '03' (percentage fee)",
                offset=items[i56][2],
                tag="56",
            )
        _check_percent(items[i57][1], items[i57][2])
    else:
        raise InvalidQris(
            f"tip indicator must be '01', '02' or '03', got {indicator!r}",
            offset=items[i55][2],
            tag="55",
        )

# --------------------------------------------------------------------------------------------
# Public API


def parse(payload: str) -> QrisPayload:
    """Parse and strictly validate ``payload``; raises :class:`InvalidQris`."""
    scan, templates = _validate(payload)
    fields: list[Tlv] = []
    for tag, value, _offset in scan.items:
        children: tuple[Tlv, ...] | None = None
        if tag in templates:
            children = tuple(Tlv(t, v) for t, v, _o in templates[tag])
        elif tag in _LENIENT_TEMPLATES:
            children = _lenient_children(value)
        fields.append(Tlv(tag, value, children))
    return QrisPayload(tuple(fields))


def _lenient_children(value: str) -> tuple[Tlv, ...] | None:
    try:
        children, _subtags = _scan_nested(value, 0, "80")
    except InvalidQris:
        return None
    return tuple(Tlv(t, v) for t, v, _o in children)


def validate(payload: str) -> None:
    """Raise :class:`InvalidQris` if ``payload`` is not a valid QRIS; return ``None`` if it is."""
    _validate(payload)


def strip_pasted(text: str) -> str:
    """Remove copy-paste junk (whitespace, NBSP, zero-width, BOM) around a payload (CLI only)."""
    return text.strip(_PASTE_JUNK)


def _check_ans(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a str, got {type(value).__name__}")
    if not 1 <= len(value) <= MAX_ADDITIONAL_SUBFIELD:
        raise InvalidArgument(
            f"{name} must be 1 to {MAX_ADDITIONAL_SUBFIELD} characters, got {len(value)}"
        )
    if _ANS.fullmatch(value) is None:
        raise InvalidArgument(f"{name} {value!r} must contain only printable ASCII characters")
    return value


def _set_subfields(children: list[_Item], updates: list[tuple[str, str]]) -> str:
    """Encode template 62 with ``updates`` replacing / inserting sub-tags, others verbatim."""
    kids = [(t, v) for t, v, _o in children]
    for sub, value in updates:
        for k, (t, _v) in enumerate(kids):
            if t == sub:
                kids[k] = (sub, value)
                break
        else:
            at = next((k for k, (t, _v) in enumerate(kids) if t > sub), len(kids))
            kids.insert(at, (sub, value))
    encoded = "".join([f"{t}{len(v):02d}{v}" for t, v in kids])
    if len(encoded) > 99:
        raise InvalidArgument(
            f"additional data (tag 62) would be {len(encoded)} characters; the maximum is 99 "
            "(shorten the bill number or terminal label)"
        )
    return encoded


def to_dynamic(
    payload: str,
    amount: int,
    *,
    bill_number: str | None = None,
    terminal_label: str | None = None,
) -> str:
    """Return ``payload`` (static or dynamic) as a dynamic QRIS for ``amount`` rupiah.

    The payload is validated first (:class:`InvalidQris`); a bad ``amount`` / ``bill_number`` /
    ``terminal_label`` raises :class:`InvalidArgument`. See the module docstring for placement.
    """
    if type(amount) is not int:  # bool is an int subclass; floats/Decimals are not rupiah
        raise InvalidArgument(f"amount must be an int (whole rupiah), got {type(amount).__name__}")
    if amount < 1:
        raise InvalidArgument(f"amount must be at least 1 rupiah, got {amount}")
    amount_text = str(amount)
    if len(amount_text) > MAX_AMOUNT_DIGITS:
        raise InvalidArgument(
            f"amount {amount} has {len(amount_text)} digits; QRIS allows at most "
            f"{MAX_AMOUNT_DIGITS}"
        )
    updates: list[tuple[str, str]] = []
    if _check_ans(bill_number, "bill_number") is not None:
        updates.append(("01", bill_number))  # type: ignore[arg-type]
    if _check_ans(terminal_label, "terminal_label") is not None:
        updates.append(("07", terminal_label))  # type: ignore[arg-type]

    scan, templates = _validate(payload)
    items, index = scan.items, scan.index

    # Build the result as a few slices of the original text plus edits, so everything we do
    # not touch is kept byte for byte. Edits: (start, end, priority, replacement).
    field54 = f"54{len(amount_text):02d}{amount_text}"
    k = index["53"] + 1
    while items[k][0] <= "54":  # 63 is > "54" and last, so this stops at 63 at the latest
        k += 1
    edits: list[tuple[int, int, int, str]] = [(items[k][2], items[k][2], 1, field54)]
    i01 = items[index["01"]][2]
    edits.append((i01, i01 + 6, 0, "010212"))  # 01 is validated to have length 02
    if "54" in index:
        old = items[index["54"]]
        edits.append((old[2], old[2] + 4 + len(old[1]), 0, ""))  # exactly one 54: drop the old
    crc_at = len(payload) - 8
    if updates:
        if "62" in index:
            old = items[index["62"]]
            encoded = _set_subfields(templates["62"], updates)
            edits.append((old[2], old[2] + 4 + len(old[1]), 0, f"62{len(encoded):02d}{encoded}"))
        else:
            edits.append((crc_at, crc_at, 2, _new62(updates)))  # after a 54 placed before 63
    edits.sort()
    parts: list[str] = []
    pos = 0
    for start, end, _priority, text in edits:
        parts.append(payload[pos:start])
        parts.append(text)
        pos = end
    parts.append(payload[pos:crc_at])
    parts.append("6304")
    body = "".join(parts)
    return body + "{:04X}".format(binascii.crc_hqx(body.encode("utf-8"), 0xFFFF))


def _new62(updates: list[tuple[str, str]]) -> str:
    encoded = _set_subfields([], updates)
    return f"62{len(encoded):02d}{encoded}"


def _as_tlv(item: Tlv | tuple[str, Any]) -> Tlv:
    if isinstance(item, Tlv):
        return item
    try:
        tag, value = item
    except (TypeError, ValueError):
        raise InvalidArgument(f"field must be a Tlv or a (tag, value) pair, got {item!r}") from None
    if not isinstance(tag, str) or len(tag) != 2 or not (tag.isdigit() and tag.isascii()):
        raise InvalidArgument(f"tag must be 2 digits, got {tag!r}")
    if isinstance(value, str):
        return Tlv(tag, value)
    if isinstance(value, Sequence):
        return Tlv.template(tag, value)
    raise InvalidArgument(f"value of tag {tag} must be a str or a list of sub-fields")


def build(fields: Sequence[Tlv | tuple[str, str | Sequence[Any]]]) -> str:
    """Encode ``fields`` in the given order and append ``6304`` + CRC.

    A ``(tag, [(subtag, value), ...])`` pair builds a template. Any tag 63 in ``fields`` is
    dropped (the CRC is always recomputed), so ``build(parse(p).fields) == p`` for uppercase-CRC
    payloads. QRIS rules are *not* checked (tests use this to make invalid payloads with a
    correct CRC); call :func:`validate` on the result for that. Values must be 1-99 characters.
    """
    parts: list[str] = []
    for item in fields:
        field = _as_tlv(item)
        if field.tag == "63":
            continue
        if not isinstance(field.value, str) or not 0 < len(field.value) <= 99:
            raise InvalidArgument(
                f"value of tag {field.tag} must be 1 to 99 characters, got {field.value!r}"
            )
        parts.append(field.dump())
    parts.append("6304")
    body = "".join(parts)
    return body + crc16(body.encode("utf-8"))


def _format_percent(value: str) -> str:
    whole, _dot, frac = value.partition(".")
    frac = frac.rstrip("0")
    return str(int(whole)) + ("," + frac if frac else "")


def _coerce(payload: str | QrisPayload) -> QrisPayload:
    return payload if isinstance(payload, QrisPayload) else parse(payload)


def fee_policy_text(payload: str | QrisPayload) -> str | None:
    """Indonesian sentence for the cashier about the merchant's tip / fee (55-57), or ``None``."""
    qris = _coerce(payload)
    indicator = qris.get("55")
    if indicator is None:
        return None
    if indicator.value == "01":
        return "QRIS ini meminta tip dari pelanggan"
    if indicator.value == "02":
        fee = qris.get("56")
        if fee is not None:
            amount = _check_amount(fee.value, "fixed fee", None, "56")
            return f"QRIS ini menambah biaya layanan {format_rupiah(amount)}"
    if indicator.value == "03":
        rate = qris.get("57")
        if rate is not None:
            return f"QRIS ini menambah biaya layanan {_format_percent(rate.value)}%"
    return None


def describe(payload: str | QrisPayload) -> str:
    """Multi-line human summary for ``pos-app qris decode`` (without ``--json``)."""
    qris = _coerce(payload)
    m = qris.merchant
    amount = qris.amount
    city = m.city + (f" {m.postal_code}" if m.postal_code else "")
    acquirer = m.acquirer_guid or "-"
    if m.merchant_pan:
        acquirer += f" (PAN {m.merchant_pan})"
    lines = [
        f"Merchant : {m.name}",
        f"City     : {city}",
        f"NMID     : {m.nmid or '-'}",
        f"Acquirer : {acquirer}",
        f"MCC      : {m.mcc or '-'}",
        "Type     : " + ("dynamic" if qris.is_dynamic else "static (customer enters the amount)"),
        f"Amount   : {format_rupiah(amount) if amount is not None else '-'}",
        f"Fee/tip  : {fee_policy_text(qris) or 'none'}",
        f"CRC      : {qris.crc}",
    ]
    return "\n".join(lines)

