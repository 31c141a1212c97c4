"""The rules a settings *form* must pass beyond each key's own parser (``Key.value_of``).

The Settings dialog checks every field with ``Key.value_of``; what no single key can check is
decided here, without Qt, so the rules can be tested (and reused) without a window:

* which keys the chosen payment provider needs (its description's ``required_keys``, plus the
  keys of the statement reader ``payment.mutasi_source`` names when the provider takes one),
* which of those the form leaves without a value, and why (empty, a value that does not parse,
  a token only a login or activation can fill in),
* whether a pasted static QRIS is one valid line,
* whether the unique code applies (payments matched by amount on a statement),
* whether the receipt printer's address fits its connection (:func:`printer_problem`).

A form is a :class:`FormValues`: the texts as typed (key -> text) and, for secrets, whether one
is stored (a secret field is never pre-filled, so an empty one means "keep the stored one").
A non-secret key missing from ``texts``, or whose text does not parse, counts as its default -
the value the app would use - exactly as :meth:`pos_app.settings.Settings.missing_for_provider`
sees a file.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pos_app import qris
from pos_app.settings import KEYS, SettingsError
from sync import providers
from sync.providers import PROVIDERS
from sync.providers.info import Confirmation, LoginKind, Text

__all__ = [
    "PRINTER_TEXTS",
    "FormValues",
    "Problem",
    "QrisProblem",
    "Reason",
    "missing_keys",
    "mutasi_source",
    "printer_address_problem",
    "printer_problem",
    "provider_problems",
    "qris_problem",
    "required_keys",
    "unique_code_used",
    "value_error",
]

MUTASI_SOURCE_KEY = "payment.mutasi_source"


def _nothing_stored(_key: str) -> bool:
    return False


@dataclass(frozen=True)
class FormValues:
    """What a settings form holds: ``texts`` (key -> text as typed; for a secret, what was
    typed, "" meaning "keep the stored one") and ``secret_stored(key)`` (a secret has a stored
    value). Asked lazily, so a keyring is only read for the secrets a rule needs."""

    texts: Mapping[str, str]
    secret_stored: Callable[[str], bool] = field(default=_nothing_stored)


class Reason(StrEnum):
    """Why a required key has no usable value."""

    REQUIRED = "required"  # empty
    INVALID = "invalid"  # a text that does not parse (``Problem.detail`` says why)
    NEEDS_LOGIN = "needs_login"  # the token an OTP login writes
    NEEDS_ACTIVATION = "needs_activation"  # the token a device activation writes


@dataclass(frozen=True)
class Problem:
    """One required key the form can't be saved without."""

    key: str
    reason: Reason
    detail: str = ""  # English, for Reason.INVALID


class QrisProblem(StrEnum):
    """What is wrong with a pasted static QRIS."""

    LINE_BREAK = "line_break"  # copied wrapped: qris.parse would report a confusing offset
    INVALID = "invalid"  # qris.validate refused it (CRC, structure ...)


def value_error(key: str, text: str) -> str | None:
    """Why ``text`` is not a valid value of ``key`` (None when it is): the parser's English
    message without the "key: " prefix, since the form shows it under the key's field."""
    try:
        KEYS[key].value_of(text)
    except SettingsError as exc:
        return str(exc).removeprefix(f"{key}: ")
    return None


def _value(form: FormValues, key: str) -> Any:
    """The typed value the form gives a non-secret key (its default when absent or bad)."""
    k = KEYS[key]
    text = form.texts.get(key)
    if text is not None:
        try:
            return k.value_of(text)
        except SettingsError:
            pass  # a bad value is reported by the field's own check; here it is not set
    return k.default_value


def _has_value(form: FormValues, key: str) -> bool:
    if KEYS[key].secret:
        return bool(form.texts.get(key, "").strip()) or form.secret_stored(key)
    return _value(form, key) not in ("", None)


def mutasi_source(provider: str, form: FormValues) -> str:
    """The statement reader that confirms ``provider``'s payments ("" for none): the form's
    ``payment.mutasi_source`` when the provider takes one."""
    info = PROVIDERS.get(provider)
    if info is None or not info.takes_mutasi_source:
        return ""
    source = str(_value(form, MUTASI_SOURCE_KEY) or "")
    return source if source in PROVIDERS else ""


def required_keys(provider: str, source: str = "") -> tuple[str, ...]:
    """Every key ``provider`` can't work without, with ``source``'s (its mutasi source) after
    its own; () for a provider this version doesn't know."""
    return providers.required_keys(provider, source)


def missing_keys(provider: str, form: FormValues) -> list[str]:
    """The required keys of ``provider`` the form leaves without a value, in a stable order."""
    keys = required_keys(provider, mutasi_source(provider, form))
    return [key for key in keys if not _has_value(form, key)]


# The secret each login or activation writes, and which of the two writes it.
_TOKEN_LOGINS: dict[str, LoginKind] = {
    info.token_key: info.login for info in PROVIDERS.values() if info.token_key is not None
}


def provider_problems(provider: str, form: FormValues) -> list[Problem]:
    """Why the form can't be saved with ``provider`` chosen: one :class:`Problem` per missing
    required key (of the provider and of its mutasi source). [] for an unknown provider (a
    bad value in the file, shown as such and left alone)."""
    problems: list[Problem] = []
    for key in missing_keys(provider, form):
        text = form.texts.get(key, "")
        detail = None if KEYS[key].secret or not text.strip() else value_error(key, text)
        if detail is not None:
            problems.append(Problem(key, Reason.INVALID, detail))
        elif key in _TOKEN_LOGINS:
            activation = _TOKEN_LOGINS[key] is LoginKind.ACTIVATION
            problems.append(Problem(key, Reason.NEEDS_ACTIVATION if activation
                                    else Reason.NEEDS_LOGIN))
        else:
            problems.append(Problem(key, Reason.REQUIRED))
    return problems


def qris_problem(text: str) -> tuple[QrisProblem, str] | None:
    """(what is wrong, English detail) for a pasted static QRIS, or None when it is valid.

    ``text`` is the payload as the form reads it (``qris.strip_pasted`` already applied). A
    dynamic QRIS is valid here: the registry accepts it and the form only warns about it.
    """
    if any(c in text for c in "\r\n"):
        return QrisProblem.LINE_BREAK, "the payload must be one line"
    try:
        qris.validate(text)
    except qris.InvalidQris as exc:
        return QrisProblem.INVALID, str(exc)
    return None


def unique_code_used(provider: str, source: str = "") -> bool:
    """The unique code (15.000 -> 15.001) is used: ``provider``'s payments are matched by
    amount on a statement - its own (orkut), or its mutasi source's (``source``)."""
    info = PROVIDERS.get(provider)
    if info is None:
        return False
    return info.confirmation is Confirmation.MUTASI or (info.takes_mutasi_source
                                                         and bool(source))


# --------------------------------------------------------------------------- receipt printer

PRINTER_CONNECTION_KEY = "hardware.printer.connection"
PRINTER_ADDRESS_KEY = "hardware.printer.address"

# The messages are shown under the address field as they are (Indonesian, or English through
# the UI's catalogue, where PRINTER_TEXTS is registered), so each is one fixed line per case.
_PRINTER_FORMATS: dict[str, Text] = {
    "usb": Text("Alamat USB ditulis VID:PID (heksadesimal), mis. 0416:5011.",
                "A USB address is VID:PID (hexadecimal), e.g. 0416:5011."),
    "serial": Text("Alamat serial ditulis sebagai port, mis. /dev/ttyUSB0 atau COM3, boleh "
                   "diikuti kecepatan: COM3@9600.",
                   "A serial address is a port, e.g. /dev/ttyUSB0 or COM3, optionally followed "
                   "by the speed: COM3@9600."),
    "network": Text("Alamat jaringan ditulis host atau host:port, mis. 192.168.1.50:9100.",
                    "A network address is host or host:port, e.g. 192.168.1.50:9100."),
}
_PRINTER_REQUIRED_BY: dict[str, Text] = {
    "usb": Text("Wajib diisi: printer USB membutuhkan VID:PID, mis. 0416:5011.",
                "Required: a USB printer needs its VID:PID, e.g. 0416:5011."),
    "serial": Text("Wajib diisi: printer serial membutuhkan port, mis. /dev/ttyUSB0 atau COM3.",
                   "Required: a serial printer needs its port, e.g. /dev/ttyUSB0 or COM3."),
    "network": Text("Wajib diisi: printer jaringan membutuhkan alamatnya, mis. "
                    "192.168.1.50:9100.",
                    "Required: a network printer needs its address, e.g. 192.168.1.50:9100."),
}
PRINTER_TEXTS: tuple[Text, ...] = (*_PRINTER_REQUIRED_BY.values(), *_PRINTER_FORMATS.values())
"""Every message :func:`printer_address_problem` returns (for the UI's English catalogue)."""

_USB_ID = re.compile(r"[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}")
# The port as the soundbox's key takes it (a device path or COMn), without 'auto'/'off': a
# printer is never searched for. The speed is pyserial's baudrate.
_SERIAL = re.compile(r"(?:/[^\s@]+|(?i:com)[1-9][0-9]{0,2}|\\\\\.\\(?i:com)[1-9][0-9]{0,2})"
                     r"(?:@[1-9][0-9]{1,6})?")
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*")
_NETWORK = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]]+))"
                      r"(?::(?P<port>[0-9]{1,5}))?")


def _network_ok(address: str) -> bool:
    m = _NETWORK.fullmatch(address)
    if m is None:
        return False
    if m["port"] is not None and not 1 <= int(m["port"]) <= 65535:
        return False
    if m["ipv6"] is not None:
        try:
            ipaddress.IPv6Address(m["ipv6"])
        except ValueError:
            return False
        return True
    host = m["host"]
    if re.fullmatch(r"[0-9.]+", host):
        # All digits and dots is meant as an IPv4 address: 192.168.1.300 is a typo, not a name.
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
        return True
    return _HOST.fullmatch(host) is not None and len(host) <= 253


def printer_address_problem(connection: str, address: str) -> Text | None:
    """Why ``address`` can't reach a receipt printer connected by ``connection`` (off, usb,
    serial, network), or None when it can (always for "off": the address is kept for later).

    Formats: usb ``VID:PID`` in hex (0416:5011); serial a device path or ``COMn``, optionally
    ``@baud`` (/dev/ttyUSB0, COM3@9600); network ``host`` or ``host:port`` (192.168.1.50:9100,
    [fe80::1]:9100). The key's own parser (one word, 200 characters) applies on top.
    """
    if connection not in _PRINTER_FORMATS:
        return None  # "off", or a bad connection value reported by its own field
    value = address.strip()
    if not value:
        return _PRINTER_REQUIRED_BY[connection]
    if connection == "usb":
        ok = _USB_ID.fullmatch(value) is not None
    elif connection == "serial":
        ok = _SERIAL.fullmatch(value) is not None
    else:
        ok = _network_ok(value)
    return None if ok else _PRINTER_FORMATS[connection]


def printer_problem(form: FormValues) -> Text | None:
    """:func:`printer_address_problem` for the form's connection and address (a connection
    that does not parse counts as its default, "off")."""
    connection = str(_value(form, PRINTER_CONNECTION_KEY))
    return printer_address_problem(connection, form.texts.get(PRINTER_ADDRESS_KEY, ""))
