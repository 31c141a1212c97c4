"""The one typed registry of pos-app settings (SPEC section 4) and the ``config.toml`` behind it.

Every setting is a :class:`Key` in :data:`KEYS`: its name, what kind of value it takes, its
default, a help line, and the parser that turns the text a user types (``pos-app config set
KEY VALUE`` or the Settings dialog) into the typed value the code uses. Nothing else in the
app reads ``config.toml`` directly, so a key is validated the same way everywhere.

Decisions (also in the report that introduced this module):

* Values are stored in ``config.toml`` as nested tables (``[store] name = "..."``,
  ``[providers.orkut] username = "..."``). Integer keys are TOML integers, everything else
  is a TOML string in canonical form (``tax.rate_percent = "11"``: never a float).
* Secrets (``*.token``, ``*.api_key``, ``*.device_token``) go to the :class:`SecretStore`.
  ``display()`` shows only ``(set)`` or ``(not set)`` for them - not even the last four
  characters, which would help an onlooker more than the shop.
  Reading a secret falls back to ``[secrets]`` in the file when the keyring doesn't have it
  (a keyring that appeared after the secret was stored); storing one in the keyring removes
  any plaintext copy from the file.
* A ``config.toml`` that isn't valid TOML raises :class:`SettingsError` (file and line) at
  load time and is never overwritten. A *value* that is wrong in a hand-edited file raises
  only when that key is read, so ``pos-app config set`` can still repair it;
  :meth:`Settings.problems` lists all such issues (and unknown keys, which are preserved).
* Comments in a hand-edited ``config.toml`` are not preserved when the app rewrites it
  (tomllib/tomli_w don't keep them).
* A :class:`Settings` object is a snapshot; :meth:`Settings.reload` re-reads the file.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo
from urllib.parse import urlsplit

from pos_app.paths import (
    ConfigFileError,
    DataDirError,
    config_path,
    read_toml,
    tighten_permissions,
    update_toml,
)
from pos_app.secrets import (
    SECRET_BACKEND_ENV,
    SECRETS_TABLE,
    FileSecretStore,
    SecretStore,
    SecretStoreError,
    default_secret_store,
    register_secret,
)
from sync.providers import MUTASI_SOURCES, PROVIDERS as PROVIDER_INFO, required_keys
from sync.providers.info import FieldKind, ProviderInfo

__all__ = [
    "KEYS",
    "MUTASI_SOURCES",
    "PROVIDERS",
    "Key",
    "Settings",
    "SettingsError",
]

log = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A bad key, a bad value or an unusable config file. The message is one English line
    that names the key (or the file), fit to print after ``pos-app: `` and exit 2."""


class _Invalid(ValueError):
    """Raised by parsers with a message that doesn't yet name the key."""


# --------------------------------------------------------------------------- the Key type


@dataclass(frozen=True)
class Key:
    """One setting.

    ``default`` is text, exactly as ``config set`` would accept it, so the default goes
    through the same parser as user input (and a test checks every default parses).
    ``parse`` turns text into the typed value or raises ``ValueError`` with a message that
    doesn't name the key; ``to_text`` turns a typed value back into canonical text.
    ``kind`` tells the Settings dialog which widget fits: text, int, choice, switch, url,
    timezone, seconds_or_never, percent, serial_port, qris.
    """

    name: str
    kind: str
    default: str
    help: str
    parse: Callable[[str], Any]
    to_text: Callable[[Any], str] = str
    secret: bool = False
    choices: tuple[str, ...] | None = None
    bounds: tuple[int, int] | None = None

    def value_of(self, text: str) -> Any:
        """Parse ``text`` into the typed value; :class:`SettingsError` names this key."""
        try:
            return self.parse(text)
        except SettingsError:
            raise
        except ValueError as exc:  # includes pos_app.qris.InvalidQris
            raise SettingsError(f"{self.name}: {exc}") from None

    @property
    def default_value(self) -> Any:
        """The typed default."""
        return self.parse(self.default)

    @property
    def section(self) -> tuple[str, ...]:
        """The TOML tables the key lives in, e.g. ``("providers", "orkut")``."""
        return tuple(self.name.split(".")[:-1])

    @property
    def leaf(self) -> str:
        """The last part of the name, e.g. ``"token"``."""
        return self.name.rsplit(".", 1)[-1]

    def to_toml(self, value: Any) -> str | int:
        """The value as stored in ``config.toml``."""
        return int(value) if self.kind == "int" else self.to_text(value)


# --------------------------------------------------------------------------- parsers

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s")


def _shown(text: str, limit: int = 40) -> str:
    """A value quoted for an error message, shortened so one line stays one line."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(text)


def _text(max_len: int, *, required: bool = False, one_word: bool = False,
          secret: bool = False) -> Callable[[str], str]:
    """Free text: stripped, single line, at most ``max_len`` characters.

    For secrets the messages never quote the value (it must not reach a terminal or log).
    """

    def parse(text: str) -> str:
        value = text.strip()
        what = "the value" if secret else _shown(value)
        if required and not value:
            raise _Invalid("must not be empty")
        if _CONTROL.search(value):
            raise _Invalid(f"{what} must be a single line without control characters")
        if one_word and _WHITESPACE.search(value):
            raise _Invalid(f"{what} must not contain spaces")
        if len(value) > max_len:
            raise _Invalid(f"the value is longer than {max_len} characters")
        return value

    return parse


def _choice(choices: tuple[str, ...], aliases: Mapping[str, str] | None = None,
            ) -> Callable[[str], str]:
    aliases = dict(aliases or {})

    def parse(text: str) -> str:
        value = text.strip().lower()
        value = aliases.get(value, value)
        if value in choices:
            return value
        named = [c for c in choices if c]
        listed = ", ".join(named)
        if "" in choices:
            listed += " or empty"
        raise _Invalid(f"{_shown(text.strip())} is not one of {listed}")

    return parse


_SWITCH_WORDS = {"on": True, "off": False, "true": True, "false": False, "yes": True,
                 "no": False, "1": True, "0": False, "ya": True, "tidak": False}


def _switch(text: str) -> bool:
    value = text.strip().lower()
    if value in _SWITCH_WORDS:
        return _SWITCH_WORDS[value]
    raise _Invalid(f"{_shown(text.strip())} is not one of on, off")


def _switch_text(value: bool) -> str:
    return "on" if value else "off"


def _int_range(low: int, high: int, aliases: Mapping[str, int] | None = None,
               ) -> Callable[[str], int]:
    aliases = dict(aliases or {})

    def parse(text: str) -> int:
        value = text.strip().lower()
        if value in aliases:
            return aliases[value]
        # Not int(): it would also take "1_000" and " ４ " (non-ASCII digits).
        if not re.fullmatch(r"[+-]?[0-9]+", value):
            raise _Invalid(f"{_shown(text.strip())} is not a whole number")
        number = int(value)
        if not low <= number <= high:
            raise _Invalid(f"must be from {low} to {high} (got {number})")
        return number

    return parse


_PAY_AFTER_MAX_S = 86400.0


def _seconds_or_never(text: str) -> float | None:
    """``simulator.pay_after_s``: seconds >= 0, or ``never`` (typed ``None``)."""
    value = text.strip().lower()
    if value == "never":
        return None
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
        raise _Invalid(f"{_shown(text.strip())} must be a number of seconds (0 or more) or 'never'")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds > _PAY_AFTER_MAX_S:
        raise _Invalid(f"must be at most {_PAY_AFTER_MAX_S:.0f} seconds, or 'never'")
    return seconds


def _seconds_or_never_text(value: float | None) -> str:
    if value is None:
        return "never"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _percent_bp(text: str) -> int:
    """``tax.rate_percent``: "11", "11.5", "11,5" (Indonesian comma) -> basis points."""
    value = text.strip().rstrip("%").strip()
    match = re.fullmatch(r"([0-9]{1,3})(?:[.,]([0-9]{1,2}))?", value)
    if not match:
        raise _Invalid(f"{_shown(text.strip())} must be a percentage from 0 to 100 with at most "
                       "2 decimals (e.g. 11 or 11.5)")
    basis_points = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if basis_points > 10000:
        raise _Invalid(f"must be from 0 to 100 (got {value})")
    return basis_points


def _percent_text(basis_points: int) -> str:
    whole, frac = divmod(int(basis_points), 100)
    return str(whole) if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")


# Indonesian shops name their zone, not the tz database key.
_ZONE_ALIASES = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}


def _timezone(text: str) -> str:
    value = text.strip()
    value = _ZONE_ALIASES.get(value.lower(), value)
    if not value:
        raise _Invalid("must not be empty (e.g. Asia/Jakarta)")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # not needed for the till to start

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: malformed keys like "../x"; OSError: a directory such as "Asia".
        raise _Invalid(f"{_shown(value)} is not a known time zone (e.g. Asia/Jakarta, "
                       "Asia/Makassar, Asia/Jayapura)") from None
    return value


def _terminal_id(text: str) -> str:
    value = text.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{1,8}", value):
        raise _Invalid(f"{_shown(text.strip())} must be 1 to 8 letters A-Z or digits (e.g. K1)")
    return value


def _url(text: str) -> str:
    """An http(s) base URL; empty means "not configured". Canonical: no trailing slash."""
    value = text.strip()
    if not value:
        return ""
    if _WHITESPACE.search(value) or _CONTROL.search(value):
        raise _Invalid("a URL must not contain spaces")
    if len(value) > 2048:
        raise _Invalid("the URL is longer than 2048 characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise _Invalid(f"{_shown(value)} must be an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        # Don't quote the value: it contains a password.
        raise _Invalid("the URL must not contain a user name or password; "
                       "put credentials in their own keys")
    if not parts.hostname:
        raise _Invalid(f"{_shown(value)} has no host name")
    try:
        _ = parts.port  # reading it is the check: urlsplit parses the port lazily
    except ValueError:
        raise _Invalid(f"{_shown(value)} has an invalid port") from None
    if parts.query or parts.fragment:
        raise _Invalid(f"{_shown(value)} must be a base URL without ?query or #fragment")
    return value.rstrip("/")


def _pg_url(text: str) -> str:
    """``central.url``: a ``postgresql://`` URL, empty for none. It may name a user (the owner's
    machine: ``pos-app central code``), never a password: that is the secret central.password,
    or PGPASSWORD/.pgpass for the owner."""
    value = text.strip()
    if not value:
        return ""
    if _WHITESPACE.search(value) or _CONTROL.search(value):
        raise _Invalid("a URL must not contain spaces")
    if len(value) > 2048:
        raise _Invalid("the URL is longer than 2048 characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("postgresql", "postgres"):
        raise _Invalid("must be a postgresql:// URL (e.g. postgresql://db.example.com/pos?"
                       "sslmode=require)")
    if parts.password is not None or re.search(r"(?i)(^|&)password=", parts.query):
        # Don't quote the value: it contains a password.
        raise _Invalid("the URL must not contain a password")
    return value


def _serial_port(text: str) -> str:
    value = text.strip()
    lowered = value.lower()
    if lowered in ("auto", "off"):
        return lowered
    if re.fullmatch(r"(?i)com[1-9][0-9]{0,2}", value):
        return value.upper()
    if re.fullmatch(r"(?i)\\\\\.\\com[1-9][0-9]{0,2}", value):  # \\.\COM10 (Windows)
        return value
    if value.startswith("/") and not _WHITESPACE.search(value) and not _CONTROL.search(value):
        return value  # /dev/ttyACM0, /dev/pts/3 (soundbox emulate), /dev/cu.usbmodem1
    if re.fullmatch(r"[a-z][a-z0-9+.-]*://\S+", lowered):
        return value  # pyserial URL handlers: socket://host:port, rfc2217://..., loop://
    raise _Invalid(f"{_shown(value)} is not 'auto', 'off', a device path like /dev/ttyACM0 "
                   "or a port name like COM3")


#: USB-serial chips soundboxes are built on: CH340, CP210x, STM32 and ESP32-S3 USB-CDC.
DEFAULT_SOUNDBOX_USB_IDS = "1a86:7523,10c4:ea60,0483:5740,303a:1001"


def _usb_ids(text: str) -> tuple[tuple[int, int], ...]:
    ids: list[tuple[int, int]] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        m = re.fullmatch(r"([0-9a-fA-F]{4}):([0-9a-fA-F]{4})", part)
        if m is None:
            raise _Invalid(f"{_shown(part)} is not a USB id like 1a86:7523 (VID:PID, hex)")
        ids.append((int(m[1], 16), int(m[2], 16)))
    return tuple(ids)


def _usb_ids_text(value: tuple[tuple[int, int], ...]) -> str:
    return ",".join(f"{vid:04x}:{pid:04x}" for vid, pid in value)


def _static_qris(text: str) -> str:
    """The merchant's static QRIS. Checked by ``pos_app.qris.validate`` when that module
    exists (imported here, not at the top, so settings work before/without it)."""
    value = text.strip()
    if not value:
        return ""
    if _CONTROL.search(value):
        raise _Invalid("the QRIS payload must be a single line")
    try:
        qris = importlib.import_module("pos_app.qris")
    except ModuleNotFoundError as exc:
        if exc.name != "pos_app.qris":
            raise  # the module exists but one of *its* imports is missing: a real bug
        qris = None
    validate = getattr(qris, "validate", None)
    if validate is not None:
        validate(value)  # InvalidQris is a ValueError: Key.value_of names the key
    elif not value.startswith("000201"):
        raise _Invalid("does not look like a QRIS payload (it should start with 000201)")
    return value


# --------------------------------------------------------------------------- the registry

PROVIDERS: tuple[str, ...] = tuple(PROVIDER_INFO)
"""Every payment provider's name (the providers describe themselves: ``sync.providers``)."""

#: ``setup.first_run_step``: the first-run guide's steps in order (pos_app/ui/first_run), between
#: "" (none completed yet) and "done".
_FIRST_RUN_STEPS: tuple[str, ...] = ("", "store", "owner", "qris", "payment", "products",
                                     "devices", "test_sale", "done")

_SECRET_MAX = 4096
_ID_MAX = 256

_FIELD_PARSERS: dict[FieldKind, Callable[[], tuple[str, Callable[[str], Any]]]] = {
    FieldKind.URL: lambda: ("url", _url),
    FieldKind.WORD: lambda: ("text", _text(_ID_MAX, one_word=True)),
    FieldKind.SECRET: lambda: ("text", _text(_SECRET_MAX, one_word=True, secret=True)),
}


def _provider_keys(info: ProviderInfo) -> Iterator[Key]:
    """The ``providers.<name>.*`` keys one provider's description declares."""
    for f in info.fields:
        kind, parse = _FIELD_PARSERS[f.kind]()
        yield Key(info.key(f.leaf), kind, f.default, f.help, parse,
                  secret=f.kind is FieldKind.SECRET)


_KEY_LIST: tuple[Key, ...] = (
    # store
    Key("store.name", "text", "Warung Demo", "Shop name printed on receipts and shown to customers",
        _text(80, required=True)),
    Key("store.address", "text", "", "Address line printed under the name on receipts",
        _text(200)),
    Key("store.receipt_footer", "text", "Terima kasih atas kunjungan Anda",
        "Last line of every printed receipt", _text(120)),
    Key("store.timezone", "timezone", "Asia/Jakarta",
        "Time zone for showing and entering times (Asia/Jakarta = WIB); WIB/WITA/WIT accepted",
        _timezone),
    Key("store.terminal_id", "text", "K1",
        "This till's id, 1-8 letters/digits; part of every order id and of the unique-code space",
        _terminal_id),
    # payment
    Key("payment.provider", "choice", "simulator", "Back-end used for QRIS payments",
        _choice(PROVIDERS), choices=PROVIDERS),
    Key("payment.invoice_ttl_s", "int", "600", "Seconds a QRIS stays payable",
        _int_range(15, 86400), bounds=(15, 86400)),
    Key("payment.late_watch_s", "int", "1800",
        "Seconds an expired order is still watched for a late payment",
        _int_range(0, 604800), bounds=(0, 604800)),
    Key("payment.static_qris", "qris", "", "The shop's static QRIS payload (provider 'static')",
        _static_qris),
    Key("payment.mutasi_source", "choice", "",
        f"Where 'static' looks for incoming credits: {', '.join(MUTASI_SOURCES)}, or empty for "
        "manual confirmation by the cashier",
        _choice((*MUTASI_SOURCES, ""), {"manual": "", "none": ""}),
        choices=(*MUTASI_SOURCES, "")),
    Key("payment.unique_code", "choice", "add",
        "How a unique code makes equal amounts distinguishable: add, subtract or off",
        _choice(("add", "subtract", "off")), choices=("add", "subtract", "off")),
    # providers: each back-end's keys, as its description in sync/providers/ declares them
    *(key for info in PROVIDER_INFO.values() for key in _provider_keys(info)),
    # simulator
    Key("simulator.pay_after_s", "seconds_or_never", "3",
        "Seconds before the simulator pays, or 'never' to test expiry",
        _seconds_or_never, _seconds_or_never_text),
    # hardware
    Key("hardware.soundbox.port", "serial_port", "auto",
        "Soundbox serial port (/dev/ttyACM0, COM3), 'auto' to detect, 'off' for none",
        _serial_port),
    Key("hardware.soundbox.usb_ids", "text", DEFAULT_SOUNDBOX_USB_IDS,
        "USB ids (VID:PID, comma-separated) that 'auto' probes for a soundbox; other serial "
        "devices are never sent anything",
        _usb_ids, _usb_ids_text),
    Key("hardware.soundbox.volume", "int", "80", "Soundbox volume, 0-100",
        _int_range(0, 100), bounds=(0, 100)),
    Key("hardware.speaker", "switch", "on",
        "Say the payment sentence on the PC speaker when no soundbox does",
        _switch, _switch_text, choices=("on", "off")),
    Key("hardware.announce_language", "choice", "id",
        "Language of the payment sentence (soundbox and speaker): id or en",
        _choice(("id", "en")), choices=("id", "en")),
    Key("hardware.printer.connection", "choice", "off",
        "Receipt printer: off, usb, serial or network",
        _choice(("off", "usb", "serial", "network")), choices=("off", "usb", "serial", "network")),
    Key("hardware.printer.address", "text", "",
        "Where the printer is: usb 'VID:PID' (e.g. 0416:5011), serial '/dev/ttyUSB0' or "
        "'COM3' (optionally '@19200'), network 'host' or 'host:9100'",
        _text(200, one_word=True)),
    Key("hardware.printer.width_mm", "choice", "58", "Paper width: 58 or 80 (mm)",
        _choice(("58", "80")), choices=("58", "80")),
    Key("hardware.printer.cash_drawer", "switch", "off",
        "Open the cash drawer (connected to the printer) after every cash sale",
        _switch, _switch_text, choices=("on", "off")),
    Key("hardware.printer.auto_print", "switch", "on",
        "Print the receipt when a sale is completed (off: only with 'Cetak ulang')",
        _switch, _switch_text, choices=("on", "off")),
    # backups
    Key("backup.second_folder", "text", "",
        "A second folder (a USB stick) that gets a copy of every backup; empty for none",
        _text(500)),
    # staff
    Key("staff.discount_limit_percent", "int", "10",
        "The largest discount (percent of the sale) a cashier gives without an owner's PIN",
        _int_range(0, 100), bounds=(0, 100)),
    # ui
    Key("ui.language", "choice", "id", "User interface language: id (Indonesian) or en",
        _choice(("id", "en")), choices=("id", "en")),
    Key("ui.customer_display_screen", "int", "-1",
        "Screen number for the customer display; -1 (or 'auto') picks the second screen",
        _int_range(-1, 15, {"auto": -1}), bounds=(-1, 15)),
    # tax
    Key("tax.mode", "choice", "off",
        "Tax on sales: off, included (prices include tax) or added (on top of prices)",
        _choice(("off", "included", "added")), choices=("off", "included", "added")),
    Key("tax.rate_percent", "percent", "11",
        "Tax rate in percent, up to 2 decimals (typed value: basis points, 11% = 1100)",
        _percent_bp, _percent_text),
    # central: several outlets (docs/central.md); written by `pos-app central init/enroll`
    Key("central.url", "text", "",
        "The central PostgreSQL (postgresql://host/db?sslmode=require), without a password",
        _pg_url),
    Key("central.outlet", "text", "", "The outlet (its id) this till ships its sales to",
        _text(64, one_word=True)),
    Key("central.user", "text", "", "This till's own database role on the central server",
        _text(63, one_word=True)),
    Key("central.password", "text", "", "The password of central.user (made at enrollment)",
        _text(_SECRET_MAX, one_word=True, secret=True), secret=True),
    # setup: how far the first-run guide got (pos_app/ui/first_run), so a restart resumes it
    Key("setup.first_run_step", "choice", "",
        "The last step of the first-run guide completed: empty (none yet), a step name, or "
        "'done' once it was finished",
        _choice(_FIRST_RUN_STEPS), choices=_FIRST_RUN_STEPS),
)

KEYS: dict[str, Key] = {key.name: key for key in _KEY_LIST}
"""Every setting, by name, in the order the Settings dialog and ``config list`` show them."""

_SECTIONS = sorted({name.split(".", 1)[0] for name in KEYS})


def _key(name: str) -> Key:
    """Look a key up, or raise a SettingsError that suggests the nearest real key."""
    wanted = name.strip().lower()
    if wanted in KEYS:
        return KEYS[wanted]
    # A section name ("providers.pakasir") lists its keys rather than guessing one of them.
    inside = [k for k in KEYS if k.startswith(wanted + ".")] if wanted else []
    if inside:
        raise SettingsError(f"unknown key {name.strip()!r} (keys in it: {', '.join(inside)})")
    import difflib  # only for a typo's suggestion

    close = difflib.get_close_matches(wanted, list(KEYS), n=1, cutoff=0.6)
    if close:
        raise SettingsError(f"unknown key {name.strip()!r} (did you mean {close[0]!r}?)")
    raise SettingsError(f"unknown key {name.strip()!r} (keys start with "
                        f"{', '.join(s + '.' for s in _SECTIONS)})")


def _check_provider(provider: str) -> str:
    try:
        return _choice(PROVIDERS)(provider)
    except _Invalid as exc:
        raise SettingsError(f"provider: {exc}") from None


# --------------------------------------------------------------------------- TOML helpers


def _walk(doc: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (dotted name, value) for every leaf outside ``[secrets]``; a table whose name is
    a key is yielded as a (bad) leaf rather than descended into."""
    for name, value in doc.items():
        dotted = f"{prefix}{name}"
        if not prefix and name == SECRETS_TABLE:
            continue
        if isinstance(value, dict) and dotted not in KEYS:
            yield from _walk(value, dotted + ".")
        else:
            yield dotted, value


def _toml_text(value: Any) -> str:
    """A value from a (possibly hand-edited) file as the text a user would have typed."""
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise _Invalid(f"expected a single value, found a TOML {type(value).__name__}")


# --------------------------------------------------------------------------- Settings


class Settings:
    """Typed access to ``<data_dir>/config.toml`` and the secret store.

    Thread-safe for concurrent ``get``/``set`` from the GUI and worker threads.
    """

    def __init__(self, data_dir: Path, doc: dict[str, Any],
                 secrets: SecretStore | Callable[[], SecretStore]) -> None:
        self.data_dir: Path = Path(data_dir)
        self.path: Path = config_path(self.data_dir)
        self._secrets = secrets
        self._doc: dict[str, Any] = doc
        self._lock = threading.RLock()

    @property
    def secrets(self) -> SecretStore:
        """The secret store, chosen on first use (probing the OS keyring takes a while, and
        most starts of the till read no secret at all)."""
        with self._lock:
            if callable(self._secrets) and not hasattr(self._secrets, "get"):
                self._secrets = self._secrets()
            return self._secrets  # type: ignore[return-value]

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, data_dir: Path, secrets: SecretStore | None = None) -> Settings:
        """Read ``config.toml`` (a missing file means all defaults).

        A file that isn't valid TOML raises :class:`SettingsError` naming the file and line.
        ``secrets`` defaults to :func:`pos_app.secrets.default_secret_store`.
        """
        data_dir = Path(data_dir)
        path = config_path(data_dir)
        try:
            doc = read_toml(path)
            if secrets is not None:
                store: SecretStore | Callable[[], SecretStore] = secrets
            elif os.environ.get(SECRET_BACKEND_ENV, "").strip().lower() in ("", "auto"):
                store = lambda: default_secret_store(data_dir)  # noqa: E731 - resolved lazily
            else:
                store = default_secret_store(data_dir)  # an explicit choice is checked at once
        except (ConfigFileError, SecretStoreError) as exc:
            raise SettingsError(str(exc)) from None
        if path.exists():
            # It may hold secrets; an old copy or a careless editor may have widened it.
            tighten_permissions(path)
        settings = cls(data_dir, doc, store)
        for problem in settings.problems():
            log.warning("%s", problem)
        return settings

    def reload(self) -> None:
        """Re-read ``config.toml`` (another process may have changed it)."""
        doc = self._read()
        with self._lock:
            self._doc = doc

    def _read(self) -> dict[str, Any]:
        try:
            return read_toml(self.path)
        except ConfigFileError as exc:
            raise SettingsError(str(exc)) from None

    # ------------------------------------------------------------------ reading

    def get(self, key: str) -> Any:
        """The typed value (default when unset): str, int, float, bool or None.

        ``simulator.pay_after_s`` -> float, or None for "never"; ``tax.rate_percent`` ->
        basis points (int); ``hardware.speaker`` -> bool; secrets -> str ("" when unset).
        """
        k = _key(key)
        if k.secret:
            value = self._secret_text(k)
            if value is None:
                return k.default_value
            register_secret(value)
            return value
        raw = self.get_raw(k.name)
        if raw is None:
            return k.default_value
        try:
            return k.value_of(raw)
        except SettingsError as exc:
            raise SettingsError(f"{self.path}: {exc}; fix it with "
                                f"`pos-app config set {k.name} VALUE`") from None

    def get_raw(self, key: str) -> str | None:
        """The stored text, unparsed, or None when the key is unset (secrets included:
        for the adapters only, never for display)."""
        k = _key(key)
        if k.secret:
            value = self._secret_text(k)
            register_secret(value)
            return value
        with self._lock:
            found, value = self._lookup(self._doc, k)
        if not found:
            return None
        try:
            return _toml_text(value)
        except _Invalid as exc:
            raise SettingsError(f"{self.path}: {k.name}: {exc}") from None

    def is_set(self, key: str) -> bool:
        """True when the key has a stored value (for secrets: a non-empty one)."""
        k = _key(key)
        if k.secret:
            return self._secret_text(k) is not None
        with self._lock:
            return self._lookup(self._doc, k)[0]

    def display(self, key: str) -> str:
        """The value as ``pos-app config get`` prints it.

        Secrets show only ``(set)`` or ``(not set)``: no characters of a secret are ever
        shown, not even the last four.
        """
        k = _key(key)
        if k.secret:
            return "(set)" if self._secret_text(k) is not None else "(not set)"
        return k.to_text(self.get(k.name))

    def timezone(self) -> ZoneInfo:
        """``store.timezone`` as a ZoneInfo."""
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.get("store.timezone"))

    def is_demo(self) -> bool:
        """True when nothing is configured: ``payment.provider`` isn't set in the file."""
        return not self.is_set("payment.provider")

    def problems(self) -> list[str]:
        """Everything wrong in the file without raising: unknown keys, bad values, secrets
        written in plain tables. Values are only quoted for non-secret keys."""
        with self._lock:
            doc = self._doc
            found: list[str] = []
            for name, value in _walk(doc):
                k = KEYS.get(name)
                if k is None:
                    try:
                        _key(name)
                    except SettingsError as exc:
                        found.append(f"{self.path}: {exc}")
                    continue
                if k.secret:
                    found.append(f"{self.path}: {name} is a secret but is written in plain "
                                 f"text; run `pos-app config set {name} VALUE` to move it")
                    continue
                try:
                    k.value_of(_toml_text(value))
                except (SettingsError, _Invalid) as exc:
                    message = str(exc) if isinstance(exc, SettingsError) else f"{name}: {exc}"
                    found.append(f"{self.path}: {message}")
            table = doc.get(SECRETS_TABLE)
            if table is not None and not isinstance(table, dict):
                found.append(f"{self.path}: '{SECRETS_TABLE}' must be a table")
            elif isinstance(table, dict):
                for name in table:
                    if name not in KEYS or not KEYS[name].secret:
                        found.append(f"{self.path}: [{SECRETS_TABLE}] has {name!r}, "
                                     "which is not a secret setting")
        return found

    def check_values(self) -> None:
        """Raise :class:`SettingsError` for the first value in the file that doesn't parse.

        Every command but ``config`` calls this when it opens the data dir, so a hand-edited
        ``invoice_ttl_s = "abc"`` stops ``charge`` with the same one line (and exit 2) as
        ``config get``, before anything is written. Unknown keys and secrets in plain text are
        only warnings (logged by :meth:`load`): they don't make any value wrong.
        """
        with self._lock:
            doc = self._doc
        for name, value in _walk(doc):
            k = KEYS.get(name)
            if k is None or k.secret:
                continue
            try:
                k.value_of(_toml_text(value))
            except (SettingsError, _Invalid) as exc:
                message = str(exc) if isinstance(exc, SettingsError) else f"{name}: {exc}"
                raise SettingsError(f"{self.path}: {message}; fix it with "
                                    f"`pos-app config set {name} VALUE`") from None

    # ------------------------------------------------------------------ providers

    def missing_for_provider(self, provider: str) -> list[str]:
        """Required keys that have no value yet, in a stable order (empty = ready).

        ``static`` needs ``payment.static_qris`` and, when ``payment.mutasi_source`` is set,
        that source's login keys too.
        """
        provider = _check_provider(provider)
        source = ""
        if PROVIDER_INFO[provider].takes_mutasi_source:
            source = str(self.get("payment.mutasi_source") or "")
        missing: list[str] = []
        for name in required_keys(provider, source):
            k = KEYS[name]
            empty = (self._secret_text(k) is None) if k.secret else (self.get(name) in ("", None))
            if empty:
                missing.append(name)
        return missing

    def provider_config(self, provider: str) -> dict[str, Any]:
        """Typed values for one provider's adapter, by short name (secrets included).

        The keys its description declares (``{"base_url": ..., "token": ...}``), then the
        ones it ``uses`` from elsewhere: ``simulator`` gets ``pay_after_s``; ``static`` gets
        ``static_qris``, ``mutasi_source`` and ``unique_code``.
        """
        info = PROVIDER_INFO[_check_provider(provider)]
        return {KEYS[n].leaf: self.get(n) for n in info.keys}

    # ------------------------------------------------------------------ writing

    def set(self, key: str, value: str | int | float | bool) -> None:
        """Parse and validate ``value``, then persist it.

        Non-secrets: ``config.toml`` rewritten atomically, mode 0o600. Secrets: the secret
        store; an empty secret unsets it. Raises :class:`SettingsError` on a bad key or
        value, or when the file can't be written (the old file is then left intact).
        """
        k = _key(key)
        if isinstance(value, bool):
            text = "on" if value else "off"
        elif isinstance(value, (int, float)):
            text = str(value)
        else:
            text = value
        typed = k.value_of(text)
        if k.secret:
            self._set_secret(k, k.to_text(typed))
            return
        stored = k.to_toml(typed)

        def mutate(doc: dict[str, Any]) -> None:
            table = self._table(doc, k, create=True)
            assert table is not None
            table[k.leaf] = stored

        self._update(mutate)

    def unset(self, key: str) -> None:
        """Remove a stored value, so the default applies again (secrets: deleted)."""
        k = _key(key)
        if k.secret:
            self._secret_call(k, "delete")
        self._update(lambda doc: self._remove(doc, k, also_secrets_table=k.secret))

    def _set_secret(self, k: Key, value: str) -> None:
        if not value:
            self.unset(k.name)
            return
        register_secret(value)
        self._secret_call(k, "set", value)
        # Remove copies the store doesn't own: a plaintext one written by hand in the key's
        # own table, and - when the store is the keyring - an older one in [secrets].
        keep_file_copy = isinstance(self.secrets, FileSecretStore)
        self._update(lambda doc: self._remove(doc, k, also_secrets_table=not keep_file_copy))

    def _secret_call(self, k: Key, method: str, *args: str) -> Any:
        try:
            return getattr(self.secrets, method)(k.name, *args)
        except (SecretStoreError, ConfigFileError, DataDirError) as exc:
            raise SettingsError(str(exc) if k.name in str(exc) else f"{k.name}: {exc}") from None

    def _secret_text(self, k: Key) -> str | None:
        """A secret from the store, else from ``[secrets]``, else from its plain table."""
        value = self._secret_call(k, "get")
        if value:
            return value
        with self._lock:
            table = self._doc.get(SECRETS_TABLE)
            if isinstance(table, dict) and isinstance(table.get(k.name), str) and table[k.name]:
                return table[k.name]
            found, plain = self._lookup(self._doc, k)
        if found and isinstance(plain, str) and plain:
            return plain
        return None

    def _update(self, mutate: Callable[[dict[str, Any]], bool | None]) -> None:
        with self._lock:
            try:
                self._doc = update_toml(self.path, mutate)
            except (ConfigFileError, DataDirError, SecretStoreError) as exc:
                raise SettingsError(str(exc)) from None

    # ------------------------------------------------------------------ TOML tree access

    def _table(self, doc: dict[str, Any], k: Key, *, create: bool) -> dict[str, Any] | None:
        node = doc
        for depth, part in enumerate(k.section):
            child = node.get(part)
            if child is None:
                if not create:
                    return None
                child = node[part] = {}
            if not isinstance(child, dict):
                where = ".".join(k.section[: depth + 1])
                raise SettingsError(f"{self.path}: '{where}' must be a table, not a value; "
                                    "fix or remove that line")
            node = child
        return node

    def _lookup(self, doc: dict[str, Any], k: Key) -> tuple[bool, Any]:
        table = self._table(doc, k, create=False)
        if table is None or k.leaf not in table:
            return False, None
        return True, table[k.leaf]

    def _remove(self, doc: dict[str, Any], k: Key, *, also_secrets_table: bool) -> bool:
        """Delete the key (and now-empty tables) from ``doc``; False when nothing changed."""
        changed = False
        if also_secrets_table:
            table = doc.get(SECRETS_TABLE)
            if isinstance(table, dict) and k.name in table:
                del table[k.name]
                if not table:
                    del doc[SECRETS_TABLE]
                changed = True
        chain: list[tuple[dict[str, Any], str]] = []
        node: Any = doc
        for part in k.section:
            if not isinstance(node, dict) or not isinstance(node.get(part), dict):
                return changed
            chain.append((node, part))
            node = node[part]
        if k.leaf in node:
            del node[k.leaf]
            changed = True
            for parent, part in reversed(chain):  # prune tables left empty
                if parent[part]:
                    break
                del parent[part]
        return changed
