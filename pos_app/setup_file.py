"""``pos-app setup --from FILE``: a till's first-run steps from one TOML file, all or nothing.

The shop PC maintainer writes one file per shop (``docs/setup-example.toml`` is a complete,
commented one) and runs it on every till, naming each till with ``--terminal``. This module
reads, checks and applies it without Qt; ``pos_app.cli.setup_cmd`` asks for the PINs and
secrets and prints the outcome.

The file's shape, and why:

* **Settings sit where they sit in ``config.toml``**: ``[store] name``, ``[tax] mode``,
  ``[payment] provider``, ``[providers.pakasir] project``, ``[hardware.printer] address`` ...
  Any key of the settings registry (:data:`pos_app.settings.KEYS`) may be given, and each is
  parsed by that key's own parser, so a value is valid here exactly when ``pos-app config set``
  would take it, and the names are the ones ``config get`` and docs/cli.md use. TOML numbers
  and booleans are read as the text ``config set`` would get (``true`` is ``on``).
  ``hardware.soundbox.usb_ids`` may also be a list of ``"VID:PID"`` strings.
* **Three sections are setup's own**: ``[users]`` (``owner``, ``cashiers``), ``[qris]``
  (``payload`` or ``image``: the only way to give ``payment.static_qris`` here, so the QRIS
  can't be written twice) and ``[products]`` (``file``: a CSV/XLSX/Loyverse file, imported
  by :mod:`pos_app.product_io`, the code behind ``pos-app product import``). Relative paths
  are relative to the setup file, so the file and its price list travel together.
* **Required**: ``[store] name``, ``[users] owner`` and ``[payment] provider``. A till set up
  without them would print "Warung Demo" on receipts, ask the first person at the counter to
  become its owner, or stay in demo mode where the simulator "pays" every QRIS.
* **No secrets in the file**: it is copied to ten tills, mailed and left in chats. A secret key
  (``api_key``, ``token``, ``device_token``) or a ``[secrets]`` table refuses the whole file,
  naming the key but never quoting its value. The chosen provider's typed-in secrets (and
  those of its mutasi source) are asked for instead; the tokens a ``pos-app provider login``
  writes are left to that login, which the summary names as the next step.
* **Unknown sections and keys are errors**, with the nearest real name suggested: a typo must
  never be silently ignored on ten tills.

Applying, and why:

* **Everything is checked before anything is written**: every field (each problem one line
  naming it, all of them at once), the provider's required keys against the file plus what
  the till already has, the printer address against its connection, each product row
  (:func:`pos_app.product_io.plan_import`, which writes nothing), the staff names against the
  accounts that exist; then the PINs and secrets (:func:`check_inputs`). Only then
  :func:`apply_setup` writes.
* **One database transaction** holds the accounts, the product import, an audit row, the
  retirement of demo mode's accounts, and - last, still inside it - the secrets and then the
  settings, in one atomic ``config.toml`` write (:func:`pos_app.paths.update_toml`). If the
  secret store or the file refuses, the database rolls back. Secrets go before the settings:
  a stored key without the settings that use it is harmless, the reverse is a till that is
  set to a provider it can't reach. (A crash between the file's rename and the database's
  commit is the one window left; running the file again repairs it.)
* **Running it twice is safe**: settings are set to the same values (the file is not
  rewritten when nothing changes), an existing account keeps its PIN unless ``reset_pins``,
  and products are re-imported as an update (rows that changed nothing stay ``unchanged``).
  Settings the file does not mention are left as they are.
* **Staff**: names are unique ignoring case; a name that exists with the other role is an
  error (setup never changes a role); an inactive account stays inactive (deactivating is an
  owner's deliberate act). PINs: one per account, owner first, then the cashiers in file
  order. An empty PIN skips a new cashier (added later with ``pos-app user add``) and keeps an
  existing account's PIN; the owner needs one.
"""

from __future__ import annotations

import difflib
import importlib
import json
import logging
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pos_app import qris
from pos_app.paths import ConfigFileError, DataDirError, update_toml
from pos_app.product_io import (
    ImportConflict,
    ImportFileError,
    ImportPlan,
    ImportResult,
    apply_import,
    plan_import,
)
from pos_app.secrets import SECRETS_TABLE, register_secret
from pos_app.settings import KEYS, Settings, SettingsError
from pos_app.settings_rules import FormValues, Reason, printer_address_problem, provider_problems
from pos_app.staff import Role, StaffError, UnknownUser, check_name, check_pin
from pos_app.storage import catalog, staff
from pos_app.storage.database import Database
from sync.providers import PROVIDERS
from sync.providers.info import FieldKind, LoginKind

__all__ = [
    "Account",
    "FieldProblem",
    "SecretNeed",
    "SetupApplyError",
    "SetupError",
    "SetupFileError",
    "SetupInputError",
    "SetupInputs",
    "SetupInvalid",
    "SetupPlan",
    "SetupReport",
    "SettingValue",
    "apply_setup",
    "check_inputs",
    "load_setup_file",
    "plan_setup",
]

log = logging.getLogger(__name__)

USERS, QRIS, PRODUCTS = "users", "qris", "products"
#: setup's own sections and their keys (everything else is a settings key)
SETUP_SECTIONS: dict[str, tuple[str, ...]] = {
    USERS: ("owner", "cashiers"),
    QRIS: ("payload", "image"),
    PRODUCTS: ("file",),
}
REQUIRED_KEYS = ("store.name", "payment.provider")
STATIC_QRIS_KEY = "payment.static_qris"
TERMINAL_KEY = "store.terminal_id"
PROVIDER_KEY = "payment.provider"
MUTASI_SOURCE_KEY = "payment.mutasi_source"
PRINTER_CONNECTION_KEY = "hardware.printer.connection"
PRINTER_ADDRESS_KEY = "hardware.printer.address"
# Keys whose text is a comma-separated list: a TOML array of strings is joined for them.
_LIST_KEYS = frozenset({"hardware.soundbox.usb_ids"})
_NOT_HERE = ("must not be written in the setup file (it is copied to every till and ends up in "
             "chats and backups); remove the line")


def _secret_refused(key: str | None = None) -> str:
    """Why a secret (``key``, a settings key; None: a credential that is no setting) is
    refused, and where it comes from instead."""
    login = next((p.name for p in PROVIDERS.values() if key and p.token_key == key), None)
    if login is not None:
        return f"a secret {_NOT_HERE}: `pos-app provider login {login}` stores it"
    if key is None:
        return f"passwords, tokens and keys {_NOT_HERE}"
    return f"a secret {_NOT_HERE}: setup asks for it on a hidden prompt, or reads it from stdin"


# --------------------------------------------------------------------------- errors


class SetupError(ValueError):
    """Setup refused or failed; nothing was written. The message is one English line."""


class SetupFileError(SetupError):
    """The setup file can't be read at all (missing, not UTF-8, not TOML)."""


@dataclass(frozen=True)
class FieldProblem:
    """One bad field: ``where`` names it as the file does (``[payment] provider``)."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class SetupInvalid(SetupError):
    """The file has bad fields; :attr:`problems` lists every one of them."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class SetupInputError(SetupError):
    """A PIN or secret given on the prompt or stdin can't be used (never quoted)."""


class SetupApplyError(SetupError):
    """Writing failed half-way; the database was rolled back."""


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class SettingValue:
    """One setting the file gives, parsed: its key and the value as ``config.toml`` stores it."""

    key: str
    stored: str | int
    changed: bool  # differs from what the till has now


@dataclass(frozen=True)
class Account:
    """A staff account the file names, and what the till has of it."""

    name: str
    role: Role
    exists: bool = False
    active: bool = True
    reset_pin: bool = False  # --reset-pins: an existing account takes the new PIN

    @property
    def wants_pin(self) -> bool:
        """A PIN given for it is used (a new account, or a reset)."""
        return not self.exists or self.reset_pin


@dataclass(frozen=True)
class SecretNeed:
    """A secret of the chosen provider that is typed in (not written by a login)."""

    key: str
    provider: str
    stored: bool  # the till has one: an empty answer keeps it


@dataclass(frozen=True)
class SetupPlan:
    """What applying the file will do; made by :func:`plan_setup`, which writes nothing."""

    source: Path
    settings: tuple[SettingValue, ...]
    accounts: tuple[Account, ...]
    secrets: tuple[SecretNeed, ...]
    products: ImportPlan | None = None
    qris_from: str | None = None  # "payload" | "image"
    next_steps: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def value(self, key: str) -> str | int | None:
        """The value the file gives ``key`` (as stored), or None."""
        return next((s.stored for s in self.settings if s.key == key), None)


@dataclass(frozen=True)
class SetupInputs:
    """The PINs and secrets, checked: ``pins`` only for accounts that take one."""

    pins: Mapping[str, str] = field(default_factory=dict, repr=False)
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class SetupReport:
    """What :func:`apply_setup` did, for the summary."""

    settings_changed: int
    accounts: tuple[tuple[Account, str], ...]  # (account, what happened)
    secrets_stored: tuple[str, ...]
    products: ImportResult | None
    demo_users_retired: int


# --------------------------------------------------------------------------- reading


def load_setup_file(path: Path) -> dict[str, Any]:
    """The parsed TOML of ``path``; :class:`SetupFileError` naming the file (and line)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SetupFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")  # Notepad on Windows may save a BOM
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SetupFileError(f"{path}: line {line}: not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends "(at line L, column C)"
        raise SetupFileError(f"{path}: not valid TOML: {exc}") from None


def _where(dotted: str) -> str:
    """``payment.provider`` -> ``[payment] provider``; a top-level key is named bare."""
    section, _, leaf = dotted.rpartition(".")
    return f"[{section}] {leaf}" if section else leaf


def _key_text(name: str, value: Any) -> str:
    """A TOML value as the text ``config set`` would get; ValueError for other types."""
    if isinstance(value, bool):  # before int: a bool is an int
        return "on" if value else "off"
    if isinstance(value, (str, int, float)):
        return str(value)
    if name in _LIST_KEYS and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    raise ValueError(f"expected a single value (text, number or true/false), found a TOML "
                     f"{type(value).__name__}")


_SECTIONS = sorted({k.rpartition(".")[0] for k in KEYS} | set(SETUP_SECTIONS))


# A key that is no setting but whose name says it holds a credential ("password", "pin",
# "owner_pin", "otp") is refused as a secret, not as a typo: the reason must say why.
_CREDENTIAL_NAME = re.compile(r"(?i)pass(word|wd)?|secret|otp|token|api[_-]?key|credential")
_PIN_NAME = re.compile(r"(?i)(^|[_-])pins?($|[_-])")
_PIN_REFUSED = (f"PINs {_NOT_HERE}: setup asks for each one on a hidden prompt, or reads them "
                "from stdin (one line per account)")


def _unknown_key(section: str, leaf: str) -> str:
    """Why ``[section] leaf`` is refused, with the nearest real name when there is one."""
    if _PIN_NAME.search(leaf):
        return _PIN_REFUSED
    if _CREDENTIAL_NAME.search(leaf):
        return _secret_refused()
    inside = [k.rpartition(".")[2] for k in KEYS if k.rpartition(".")[0] == section]
    inside += list(SETUP_SECTIONS.get(section, ()))
    close = difflib.get_close_matches(leaf.lower(), inside, n=1, cutoff=0.6)
    if close:
        return f"unknown key (did you mean {close[0]!r}?)"
    homes = [k.rpartition(".")[0] for k in KEYS if k.rpartition(".")[2] == leaf.lower()]
    homes += [s for s, leaves in SETUP_SECTIONS.items() if leaf.lower() in leaves]
    return f"unknown key (it belongs in [{homes[0]}])" if homes else "unknown key"


def _unknown_section(dotted: str) -> str:
    close = difflib.get_close_matches(dotted.lower(), _SECTIONS, n=1, cutoff=0.6)
    if close:
        return f"unknown section (did you mean [{close[0]}]?)"
    return f"unknown section; sections are {', '.join(f'[{s}]' for s in _SECTIONS)}"


def _walk(doc: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any, str | None]]:
    """(dotted name, value, why it is refused or None) for every leaf of the settings part."""
    for name, value in doc.items():
        dotted = f"{prefix}{name}"
        if dotted in KEYS:
            yield dotted, value, None
        elif isinstance(value, dict) and any(k.startswith(dotted + ".") for k in KEYS):
            yield from _walk(value, dotted + ".")
        elif isinstance(value, dict):
            yield f"[{dotted}]", value, _unknown_section(dotted)
        else:
            yield dotted, value, _unknown_key(prefix.rstrip("."), name)


# --------------------------------------------------------------------------- planning


class _Problems:
    def __init__(self) -> None:
        self.found: list[FieldProblem] = []

    def add(self, where: str, reason: str) -> None:
        self.found.append(FieldProblem(where, reason))


def _table(doc: Mapping[str, Any], name: str, problems: _Problems) -> dict[str, Any]:
    """A setup section (``[users]``...), its unknown keys reported; {} when absent."""
    value = doc.get(name, {})
    if not isinstance(value, dict):
        problems.add(name, f"must be a section: [{name}]")
        return {}
    for leaf in value:
        if leaf not in SETUP_SECTIONS[name]:
            problems.add(f"[{name}] {leaf}", _unknown_key(name, leaf))
    return value


def _string(table: Mapping[str, Any], section: str, leaf: str,
            problems: _Problems) -> str | None:
    value = table.get(leaf)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(f"[{section}] {leaf}", "must be a non-empty text in quotes")
        return None
    return value.strip()


def _read_qris_image(path: Path) -> str:
    """The payload in a picture of the shop's QRIS sticker (``pos_app.qris_image``, imported
    only here: it brings zxing-cpp and Pillow; "not available" in a build without it)."""
    try:
        reader = importlib.import_module("pos_app.qris_image")
    except ModuleNotFoundError as exc:
        if exc.name != "pos_app.qris_image":
            raise  # the module is there but one of its own imports is missing: a real bug
        raise ValueError("reading a QRIS from a picture is not available in this version yet; "
                         "give the text instead: payload = \"000201...\"") from None
    found = reader.read_qris(path)  # its errors are ValueErrors with a one-line message
    texts = list(dict.fromkeys(str(f.text) for f in found.found))
    if len(texts) > 1:  # two stickers in one photo: which one is the shop's is not ours to guess
        raise ValueError(f"{path.name} shows {len(texts)} different QRIS codes; crop it to "
                         "the shop's own, or give its text as payload")
    return texts[0]


def plan_setup(doc: Mapping[str, Any], *, source: Path, settings: Settings, db: Database,
               terminal: str | None = None, reset_pins: bool = False) -> SetupPlan:
    """Check the whole file against the till and say what applying it will do.

    Writes nothing. Raises :class:`SetupInvalid` listing every bad field. ``terminal`` (the
    ``--terminal`` option) overrides ``[store] terminal_id``.
    """
    source = Path(source)
    base = source.parent
    problems = _Problems()
    texts: dict[str, str] = {}  # key -> canonical text, the file's settings

    # -- settings, each by its own parser
    settings_doc = {k: v for k, v in doc.items() if k not in SETUP_SECTIONS}
    if SECRETS_TABLE in settings_doc:
        table = settings_doc.pop(SECRETS_TABLE)
        names = ", ".join(sorted(table)) if isinstance(table, dict) and table else ""
        problems.add(f"[{SECRETS_TABLE}]" + (f" {names}" if names else ""), _secret_refused(
            names if names in KEYS else None))
    for name, value, refused in _walk(settings_doc):
        where = name if name.startswith("[") else _where(name)
        if refused is not None:
            problems.add(where, refused)
            continue
        k = KEYS[name]
        if k.secret:
            problems.add(where, _secret_refused(name))  # never quote the value
            continue
        if name == STATIC_QRIS_KEY:
            problems.add(where, "give the shop's QRIS in [qris]: payload = \"000201...\" or "
                                "image = \"sticker.png\"")
            continue
        try:
            texts[name] = k.to_text(k.value_of(_key_text(name, value)))
        except (SettingsError, ValueError) as exc:
            problems.add(where, str(exc).removeprefix(f"{name}: "))
    if terminal is not None:
        try:
            texts[TERMINAL_KEY] = KEYS[TERMINAL_KEY].to_text(KEYS[TERMINAL_KEY].value_of(terminal))
        except SettingsError as exc:
            problems.add("--terminal", str(exc).removeprefix(f"{TERMINAL_KEY}: "))
    for name in REQUIRED_KEYS:
        if name not in texts and not any(p.where == _where(name) for p in problems.found):
            problems.add(_where(name), "required" + (
                f" (one of {', '.join(PROVIDERS)})" if name == PROVIDER_KEY else ""))

    # -- [qris]
    qris_table = _table(doc, QRIS, problems)
    payload = _string(qris_table, QRIS, "payload", problems)
    image = _string(qris_table, QRIS, "image", problems)
    qris_from: str | None = None
    if payload is not None and image is not None:
        problems.add(f"[{QRIS}]", "give either payload or image, not both")
    elif payload is not None or image is not None:
        qris_from = "payload" if payload is not None else "image"
        where = f"[{QRIS}] {qris_from}"
        try:
            if image is not None:
                payload = _read_qris_image(base / image)
            assert payload is not None
            k = KEYS[STATIC_QRIS_KEY]
            texts[STATIC_QRIS_KEY] = k.to_text(k.value_of(qris.strip_pasted(payload)))
        except OSError as exc:
            problems.add(where, f"cannot read {image}: {exc.strerror or exc}")
        except (SettingsError, ValueError) as exc:
            problems.add(where, str(exc).removeprefix(f"{STATIC_QRIS_KEY}: "))

    # -- what the till will have: its current settings with the file's on top
    merged: dict[str, str] = {}
    for name, k in KEYS.items():
        if not k.secret and settings.is_set(name):
            raw = settings.get_raw(name)
            if raw is not None:
                merged[name] = raw
    merged.update(texts)

    # -- the provider: its secrets, its required keys
    secrets: list[SecretNeed] = []
    next_steps: list[str] = []
    provider = texts.get(PROVIDER_KEY)
    if provider == "simulator":
        # The demo "pays" every QRIS by itself: a till set up for a shop never sells that way.
        problems.add(_where(PROVIDER_KEY), "'simulator' is the demo (every QRIS is 'paid' "
                     "without money); choose the shop's gateway or 'static'")
    elif provider is not None:
        secrets, next_steps = _provider_needs(provider, merged, settings, problems)

    # -- the receipt printer's address must fit its connection
    connection = merged.get(PRINTER_CONNECTION_KEY, KEYS[PRINTER_CONNECTION_KEY].default)
    if PRINTER_CONNECTION_KEY in texts or PRINTER_ADDRESS_KEY in texts:
        wrong = printer_address_problem(connection, merged.get(PRINTER_ADDRESS_KEY, ""))
        if wrong is not None and not any(p.where == _where(PRINTER_ADDRESS_KEY)
                                         for p in problems.found):
            problems.add(_where(PRINTER_ADDRESS_KEY), wrong.en)

    accounts = _plan_accounts(doc, db, reset_pins, problems)
    products = _plan_products(doc, db, base, problems)

    if problems.found:
        raise SetupInvalid(problems.found)
    notes: list[str] = []
    if TERMINAL_KEY not in texts:
        current = merged.get(TERMINAL_KEY, KEYS[TERMINAL_KEY].default)
        notes.append(f"terminal id stays {current}: tills that share a payment account need "
                     "their own, e.g. --terminal K2")
    if STATIC_QRIS_KEY in texts and qris.parse(texts[STATIC_QRIS_KEY]).is_dynamic:
        notes.append("the QRIS in [qris] is a dynamic one (made for one sale): the shop's "
                     "static QRIS is the one from its sticker")
    for a in accounts:
        if a.exists and not a.active:
            notes.append(f"{a.role.value} {a.name} is inactive and stays inactive")
    values = tuple(SettingValue(name, KEYS[name].to_toml(KEYS[name].value_of(text)),
                                changed=(settings.get_raw(name) != text)
                                if settings.is_set(name) else True)
                   for name, text in texts.items())
    return SetupPlan(source=source, settings=values, accounts=tuple(accounts),
                     secrets=tuple(secrets), products=products, qris_from=qris_from,
                     next_steps=tuple(next_steps), notes=tuple(notes))


def _provider_needs(provider: str, merged: Mapping[str, str], settings: Settings,
                    problems: _Problems) -> tuple[list[SecretNeed], list[str]]:
    """The typed-in secrets the provider (and its mutasi source) needs, the login it still
    needs; its required keys that neither the file nor the till has are problems."""
    info = PROVIDERS[provider]
    chain = [info]
    source = merged.get(MUTASI_SOURCE_KEY, "") if info.takes_mutasi_source else ""
    if source in PROVIDERS:
        chain.append(PROVIDERS[source])
    secrets: list[SecretNeed] = []
    for p in chain:
        for f in p.fields:
            key = p.key(f.leaf)
            if f.kind is FieldKind.SECRET and key != p.token_key:
                secrets.append(SecretNeed(key, p.name, stored=settings.is_set(key)))
    asked = {s.key for s in secrets}

    def stored(key: str) -> bool:
        return key in asked or settings.is_set(key)

    # What a login or activation writes (the user name, the device id, the token) is left to
    # it: the summary names the command instead of refusing the file.
    by_login = {key: p for p in chain for key in _login_writes(p.name)}
    logins: list[str] = []
    for problem in provider_problems(provider, FormValues(merged, stored)):
        if problem.key in by_login and problem.reason is not Reason.INVALID:
            if by_login[problem.key].name not in logins:
                logins.append(by_login[problem.key].name)
        elif problem.key == STATIC_QRIS_KEY:
            problems.add(f"[{QRIS}]", f"provider {provider} needs the shop's static QRIS: "
                                      "payload = \"000201...\" or image = \"sticker.png\"")
        else:
            problems.add(_where(problem.key), f"required for provider {provider}"
                         + (f" ({problem.detail})" if problem.detail else ""))
    next_steps = [f"pos-app provider login {name}   (" + (
        "log in with the OTP" if PROVIDERS[name].login is LoginKind.OTP
        else "activate the device") + ")" for name in logins]
    return secrets, next_steps


def _login_writes(provider: str) -> tuple[str, ...]:
    """The keys ``pos-app provider login PROVIDER`` stores (none without a login)."""
    info = PROVIDERS[provider]
    if info.login is LoginKind.OTP:
        return tuple(k for k, _ in info.login_settings("", ""))
    if info.login is LoginKind.ACTIVATION:
        return tuple(k for k, _ in info.activation_settings("", "", None))
    return ()


def _plan_accounts(doc: Mapping[str, Any], db: Database, reset_pins: bool,
                   problems: _Problems) -> list[Account]:
    table = _table(doc, USERS, problems)
    wanted: list[tuple[str, Role, str]] = []  # (name as written, role, where)
    owner = table.get("owner")
    if owner is None:
        problems.add(f"[{USERS}] owner", "required: the owner's name (the PIN is asked for)")
    elif not isinstance(owner, str):
        problems.add(f"[{USERS}] owner", "must be one name in quotes")
    else:
        wanted.append((owner, Role.OWNER, f"[{USERS}] owner"))
    cashiers = table.get("cashiers", [])
    if not isinstance(cashiers, list) or not all(isinstance(c, str) for c in cashiers):
        problems.add(f"[{USERS}] cashiers", "must be a list of names, e.g. [\"Andi\", \"Rina\"]")
        cashiers = []
    wanted += [(c, Role.CASHIER, f"[{USERS}] cashiers") for c in cashiers]

    accounts: list[Account] = []
    seen: set[str] = set()
    for written, role, where in wanted:
        try:
            name = check_name(written)
        except StaffError as exc:
            problems.add(where, str(exc))
            continue
        if name.casefold() in seen:
            problems.add(where, f"{name!r} is named twice (names are unique ignoring case)")
            continue
        seen.add(name.casefold())
        try:
            user = staff.get_user(db, name)
        except UnknownUser:
            accounts.append(Account(name, role))
            continue
        if user.role is not role:
            problems.add(where, f"{user.name!r} already exists as {user.role.value}; setup "
                                "never changes a role")
            continue
        accounts.append(Account(user.name, role, exists=True, active=user.active,
                                reset_pin=reset_pins))
    return accounts


def _plan_products(doc: Mapping[str, Any], db: Database, base: Path,
                   problems: _Problems) -> ImportPlan | None:
    table = _table(doc, PRODUCTS, problems)
    name = _string(table, PRODUCTS, "file", problems)
    if name is None:
        return None
    where = f"[{PRODUCTS}] file"
    path = base / name
    if not path.is_file():
        problems.add(where, f"no such file: {path}")
        return None
    try:
        # Planned as `pos-app product import` does: as if the demo catalogue were gone.
        plan = plan_import(db, path, without_demo=catalog.demo_count(db) > 0)
    except ImportFileError as exc:
        problems.add(where, f"cannot import {name}: {exc}")
        return None
    for r in plan.refused:
        problems.add(where, f"{name} row {r.row}: {r.reason_en}")
    return plan


# --------------------------------------------------------------------------- input


def check_inputs(plan: SetupPlan, pins: Mapping[str, str],
                 secrets: Mapping[str, str]) -> SetupInputs:
    """Check what was typed or piped: ``pins`` by account name, ``secrets`` by key (texts as
    read, "" for an empty answer). Raises :class:`SetupInputError`; never quotes a value.

    An empty PIN skips a new cashier and keeps an existing account's PIN; the owner, when
    new, needs one. An empty secret keeps the stored one; without one it is required.
    """
    used: dict[str, str] = {}
    for a in plan.accounts:
        text = pins.get(a.name, "")
        if text:
            try:
                check_pin(text)
            except StaffError as exc:
                raise SetupInputError(f"PIN for {a.name}: {exc}") from None
            if a.wants_pin:
                used[a.name] = text
        elif a.role is Role.OWNER and not a.exists:
            raise SetupInputError(f"PIN for {a.name}: the owner needs a PIN (4 to 6 digits)")
    kept: dict[str, str] = {}
    for need in plan.secrets:
        text = secrets.get(need.key, "")
        if not text.strip():
            if not need.stored:
                raise SetupInputError(f"{need.key}: required for provider {need.provider} "
                                      "(nothing was given and none is stored)")
            continue
        register_secret(text)
        try:
            kept[need.key] = KEYS[need.key].to_text(KEYS[need.key].value_of(text))
        except SettingsError as exc:  # the secret parsers never quote the value
            raise SetupInputError(str(exc)) from None
    return SetupInputs(pins=used, secrets=kept)


# --------------------------------------------------------------------------- applying


def apply_setup(plan: SetupPlan, inputs: SetupInputs, *, settings: Settings, db: Database,
                now: datetime, actor: str) -> SetupReport:
    """Write the plan: accounts, products, secrets and settings (see the module's rules).

    Raises :class:`SetupApplyError` when a write fails; the database is then rolled back.
    """
    done: list[tuple[Account, str]] = []
    products: ImportResult | None = None
    try:
        with db.transaction() as conn:
            retired = staff.retire_demo_users(db, now)
            for a in plan.accounts:
                pin = inputs.pins.get(a.name)
                if not a.exists and pin is not None:
                    staff.add_user(db, a.name, a.role, pin, now, actor=actor)
                    done.append((a, "added"))
                elif not a.exists:
                    done.append((a, f"skipped (no PIN given): add later with `pos-app user add "
                                    f"\"{a.name}\" --role {a.role.value}`"))
                elif pin is not None:
                    staff.set_pin(db, a.name, pin, now, actor=actor)
                    done.append((a, "exists, new PIN set (--reset-pins)"))
                else:
                    done.append((a, "exists, PIN kept" + (
                        "" if a.reset_pin else " (--reset-pins to change it)")))
            if plan.products is not None:
                products = apply_import(db, plan.products, actor=actor)
            db.audit(conn, actor, "setup_applied", details=json.dumps({
                "file": plan.source.name, "settings": [s.key for s in plan.settings],
                "accounts": [a.name for a, outcome in done if not outcome.startswith("skip")],
                "products": plan.products is not None,
                "secrets": sorted(inputs.secrets)}, ensure_ascii=False))
            for key, value in inputs.secrets.items():
                settings.set(key, value)
            # The first-run guide is done by this file: it must not reopen at the next start.
            done_mark = SettingValue("setup.first_run_step", "done",
                                     settings.get("setup.first_run_step") != "done")
            changed = _write_settings(settings, (*plan.settings, done_mark))
    except (StaffError, ImportConflict, SettingsError) as exc:
        raise SetupApplyError(f"{exc}; nothing was written to the database") from None
    log.info("setup from %s: %d settings changed, %d accounts, products %s", plan.source.name,
             changed, len(done), "imported" if products else "not in the file")
    return SetupReport(settings_changed=changed, accounts=tuple(done),
                       secrets_stored=tuple(inputs.secrets), products=products,
                       demo_users_retired=retired)


def _write_settings(settings: Settings, values: Sequence[SettingValue]) -> int:
    """Every value in one atomic rewrite of ``config.toml``; how many changed. The file is
    left alone when none did."""
    changed = 0

    def mutate(doc: dict[str, Any]) -> bool:
        nonlocal changed
        changed = 0
        for v in values:
            k = KEYS[v.key]
            node = doc
            for depth, part in enumerate(k.section):
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    where = ".".join(k.section[: depth + 1])
                    raise SettingsError(f"{settings.path}: '{where}' must be a table, not a "
                                        "value; fix or remove that line")
                node = child
            if node.get(k.leaf) != v.stored:
                node[k.leaf] = v.stored
                changed += 1
        return changed > 0

    try:
        update_toml(settings.path, mutate)
    except (ConfigFileError, DataDirError) as exc:
        raise SettingsError(str(exc)) from None
    settings.reload()
    return changed
