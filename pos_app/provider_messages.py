"""What the cashier reads when QRIS has a problem: one sentence that says what happened and what
to do, in Indonesian (and English) -- never a setting's key, never the English reason that the
log, ``pos-app sync status`` and the CLI keep.

Three kinds of input reach the window, and each has its function here:

* an error that stopped a sale before it was written (the window's QRIS failure path):
  :func:`sale_message` with the exception, sorted by :func:`sync.errors.problem_of`;
* a provider's health (the window's banner): :func:`health_message`, with the
  :class:`~sync.errors.Problem` the health book keeps behind the state and, for missing
  settings, which keys;
* the English reason of a sale whose QR is late or failed (the QRIS dialog: the app events carry
  it as text): :func:`sale_message` with the text, sorted by :func:`problem_of_text`, which
  knows the words the engine, ``sync.http`` and the adapters use.

A setting is named by its label, as the Settings dialog shows it (the provider's
:class:`~sync.providers.info.Field` label, or :data:`SETTING_LABELS`). A 401 is "the API key was
refused" for a back-end whose keys are typed in (Midtrans, Pakasir) and "log in again" only for
one with a login that expires (Order Kuota, Orkut) or a device activation (the soundbox
platform), as each provider's description says (``ProviderInfo.login``).

Qt-free: the window picks the language with :func:`in_language`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from sync.errors import ConfigMissing, Problem, problem_of
from sync.health import Health
from sync.providers import PROVIDERS
from sync.providers.info import LoginKind, Text
from sync.unique_code import NoCodeAvailable

__all__ = [
    "SETTING_LABELS",
    "Moment",
    "Text",
    "health_message",
    "in_language",
    "missing_keys",
    "problem_of_text",
    "provider_name",
    "sale_message",
    "setting_label",
]

SETTING_LABELS: dict[str, Text] = {
    "payment.provider": Text("Cara pembayaran QRIS", "QRIS payment method"),
    "payment.static_qris": Text("QRIS statis toko (isi QRIS)", "Shop's static QRIS (payload)"),
    "payment.mutasi_source": Text("Sumber mutasi", "Statement source"),
    "payment.unique_code": Text("Kode unik", "Unique code"),
    "simulator.pay_after_s": Text("Simulator membayar setelah (detik)",
                                  "Simulator pays after (seconds)"),
}
"""Labels of the settings providers use outside ``providers.<name>.`` (their ``uses``), as the
Settings dialog shows them; every provider field has its label in its description."""

_OTHER_SETTING = Text("pengaturan lain", "other settings")
_ANY_PROVIDER = Text("QRIS", "QRIS")

#: a settings key inside an English message ("provider midtrans needs: providers.midtrans.x")
_KEY = re.compile(r"\b(?:providers\.[a-z0-9_]+\.[a-z0-9_]+|payment\.[a-z0-9_]+"
                  r"|simulator\.[a-z0-9_]+)\b")


class Moment(StrEnum):
    """Where a sale is when the problem shows."""

    START = "start"  # the sale could not start: nothing was written
    LATE = "late"  # its QR is late; the engine keeps trying
    FAILED = "failed"  # its QR failed for good: the sale is cancelled


def in_language(text: Text, language: str) -> str:
    """``text`` in ``language`` ("en": English; anything else: Indonesian)."""
    return text.en if language == "en" else text.id


def provider_name(name: str | None) -> Text:
    """A provider as people know it: its short name as a mutasi source, else its label."""
    info = PROVIDERS.get(name or "")
    if info is None:
        return _ANY_PROVIDER if not name else Text(name, name)
    return info.source_label or info.label


def setting_label(key: str) -> Text:
    """The label of a settings key, as the Settings dialog shows it; never the key itself."""
    key = key.split(" ", 1)[0].strip()  # an adapter may append a hint: "providers.x.y (a URL)"
    if key in SETTING_LABELS:
        return SETTING_LABELS[key]
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "providers" and parts[1] in PROVIDERS:
        for f in PROVIDERS[parts[1]].fields:
            if f.leaf == parts[2]:
                return f.label
    return _OTHER_SETTING


def missing_keys(text: str | None) -> tuple[str, ...]:
    """The settings keys an English message names, in order, once each."""
    return tuple(dict.fromkeys(_KEY.findall(text or "")))


def _labels(keys: Iterable[str]) -> Text:
    labels = list(dict.fromkeys(setting_label(k) for k in keys))
    return Text(", ".join(t.id for t in labels), ", ".join(t.en for t in labels))


# -- sorting English reasons ------------------------------------------------------------------
#: Words of the English reasons, checked in this order (the first group with a word in the
#: text wins). "credentials refused" (``sync.http``'s 401) is decided by the provider.
_WORDS: tuple[tuple[Problem | None, tuple[str, ...]], ...] = (
    (Problem.SETTINGS_MISSING, (" needs: ",)),
    (Problem.CODES_IN_USE, ("unique codes", "already asks for")),
    (Problem.KEY_REFUSED, ("api key refused", "key refused", "check settings")),
    (Problem.LOGIN_EXPIRED, ("log in again", "token invalid", "activate this till again",
                             "device token refused", "login refused")),
    (None, ("credentials refused",)),
    (Problem.SETTINGS_INVALID, ("unknown provider", "setting ", "invalid settings",
                                "not a mutasi source", "invalid qris")),
    (Problem.INTERNAL, ("internal error",)),
    (Problem.NETWORK, ("cannot connect", "timed out", "timeout", "connection", "unreachable",
                       "no route", "name resolution", "dns", "network")),
    (Problem.GATEWAY, ("http 5", "from the server", "rate limited", "http 429", "not json",
                       "unexpected", "bad gateway")),
    (Problem.REFUSED, ("refused", "http 4", "rejected", "provider reports", "already used",
                       "not supported")),
)


def _credentials(provider: str | None) -> Problem:
    """A refusal of credentials: a key typed into Settings, unless the provider has a login."""
    info = PROVIDERS.get(provider or "")
    if info is not None and info.login is not LoginKind.NONE:
        return Problem.LOGIN_EXPIRED
    return Problem.KEY_REFUSED


def problem_of_text(text: str | None, provider: str | None = None) -> Problem:
    """The problem an English reason (a failed payment's ``error``) stands for."""
    low = (text or "").lower()
    for problem, words in _WORDS:
        if any(w in low for w in words):
            return problem if problem is not None else _credentials(provider)
    return Problem.INTERNAL


def _problem(error: BaseException | str | None, provider: str | None) -> Problem:
    if isinstance(error, NoCodeAvailable):
        return Problem.CODES_IN_USE
    if isinstance(error, BaseException):
        problem = problem_of(error)
        if problem is Problem.LOGIN_EXPIRED and _credentials(provider) is Problem.KEY_REFUSED:
            return Problem.KEY_REFUSED  # an AuthExpired from a provider without a login
        if problem is Problem.INTERNAL and isinstance(error, ValueError):
            return Problem.SETTINGS_INVALID  # a value a provider refused (an invalid QRIS)
        return problem
    return problem_of_text(error, provider)


# -- the sentences ----------------------------------------------------------------------------
def _t(id_: str, en: str, **values: Text) -> Text:
    return Text(id_.format(**{k: v.id for k, v in values.items()}),
                en.format(**{k: v.en for k, v in values.items()}))


def _join(*parts: Text) -> Text:
    return Text(" — ".join(p.id for p in parts), " — ".join(p.en for p in parts))


def _login_kind(provider: str | None) -> LoginKind:
    info = PROVIDERS.get(provider or "")
    return info.login if info is not None else LoginKind.OTP


def _cause(problem: Problem, provider: str | None, missing: Iterable[str] = ()) -> Text:
    p = provider_name(provider)
    if problem is Problem.NETWORK:
        return _t("Tidak ada internet, atau gateway {p} tidak bisa dihubungi",
                  "No internet, or the {p} gateway can't be reached", p=p)
    if problem is Problem.GATEWAY:
        return _t("Gateway {p} sedang gangguan", "The {p} gateway is having trouble", p=p)
    if problem is Problem.KEY_REFUSED:
        return _t("Kunci API {p} ditolak", "{p} API key refused", p=p)
    if problem is Problem.LOGIN_EXPIRED:
        if _login_kind(provider) is LoginKind.ACTIVATION:
            return _t("Aktivasi kasir ini di {p} tidak berlaku lagi",
                      "This till's activation at {p} is no longer valid", p=p)
        return _t("Login {p} kedaluwarsa", "{p} login expired", p=p)
    if problem is Problem.SETTINGS_MISSING:
        keys = tuple(missing)
        if keys:
            return _t("Pengaturan {p} belum lengkap: {fields}",
                      "{p} settings are incomplete: {fields}", p=p, fields=_labels(keys))
        return _t("Pengaturan {p} belum lengkap", "{p} settings are incomplete", p=p)
    if problem is Problem.SETTINGS_INVALID:
        return _t("Pengaturan {p} belum benar", "{p} settings are not right", p=p)
    if problem is Problem.REFUSED:
        return _t("Gateway {p} menolak pembayaran ini", "The {p} gateway refused this payment",
                  p=p)
    if problem is Problem.CODES_IN_USE:
        return Text("Terlalu banyak QRIS dengan nominal ini yang belum dibayar",
                    "Too many unpaid QRIS of this amount are open")
    return _t("QRIS {p} sedang bermasalah", "QRIS through {p} has a problem", p=p)


_CASH_FOR_NOW = Text("terima tunai dulu", "take cash for now")
_CHECK_SETTINGS = Text("periksa Pengaturan; terima tunai dulu",
                       "check Settings; take cash for now")
_FILL_IN = Text("isi di Pengaturan; terima tunai dulu", "fill them in under Settings; "
                "take cash for now")
_LOG_IN = Text("buka Pengaturan lalu Login; terima tunai dulu",
               "open Settings and log in; take cash for now")
_ACTIVATE = Text("buka Pengaturan lalu Aktivasi; terima tunai dulu",
                 "open Settings and activate; take cash for now")
_RETRYING_BACKUP = Text("mencoba lagi otomatis; atau pakai QRIS toko (cadangan)",
                        "retrying automatically; or use the shop's QRIS (backup)")
_RETRYING_CASH = Text("mencoba lagi otomatis; atau batalkan (Esc) dan terima tunai",
                      "retrying automatically; or cancel (Esc) and take cash")
_TRY_LATER = Text("terima tunai, atau coba QRIS lagi nanti",
                  "take cash, or try QRIS again later")
_WAIT_OR_CASH = Text("tunggu sebentar atau terima tunai", "wait a moment or take cash")

_FOR_SETTINGS = {Problem.KEY_REFUSED, Problem.SETTINGS_INVALID, Problem.SETTINGS_MISSING,
                 Problem.LOGIN_EXPIRED}


def _owner_advice(problem: Problem, provider: str | None) -> Text:
    """What to do about a problem only the owner's settings (or a login) can mend."""
    if problem is Problem.LOGIN_EXPIRED:
        return _ACTIVATE if _login_kind(provider) is LoginKind.ACTIVATION else _LOG_IN
    if problem is Problem.SETTINGS_MISSING:
        return _FILL_IN
    return _CHECK_SETTINGS


def sale_message(error: BaseException | str | None, provider: str | None,
                 moment: Moment = Moment.FAILED, *, fallback: bool = False) -> Text:
    """The cashier's sentence for a sale's QRIS problem: ``error`` is the exception, or the
    English reason the engine reported; ``fallback``: the shop's static QRIS can take over."""
    problem = _problem(error, provider)
    missing: tuple[str, ...] = ()
    if problem is Problem.SETTINGS_MISSING:
        missing = (tuple(error.keys) if isinstance(error, ConfigMissing)
                   else missing_keys(str(error or "")))
    cause = _cause(problem, provider, missing)
    if problem in _FOR_SETTINGS:
        return _join(cause, _owner_advice(problem, provider))
    if problem is Problem.CODES_IN_USE:
        return _join(cause, _WAIT_OR_CASH)
    if moment is Moment.LATE:
        return _join(cause, _RETRYING_BACKUP if fallback else _RETRYING_CASH)
    return _join(cause, _TRY_LATER)


def health_message(provider: str, state: Health | str, *, problem: Problem | None = None,
                   missing: Iterable[str] = (), last_error: str | None = None,
                   fallback: bool = False) -> Text | None:
    """The banner's sentence for a provider's health; None when it is ok. ``problem`` (and
    ``missing``) as the health book keeps them; without them they are read from
    ``last_error``, or the state alone decides."""
    state = Health(state)
    if state is Health.OK:
        return None
    if problem is None and last_error:
        problem = problem_of_text(last_error, provider)
    keys = tuple(missing) or (missing_keys(last_error) if problem is Problem.SETTINGS_MISSING
                              else ())
    if state is Health.NEEDS_LOGIN:
        problem = _credentials(provider)
    elif state is Health.MISCONFIGURED:
        if problem not in _FOR_SETTINGS:
            problem = Problem.SETTINGS_INVALID
    elif problem not in (Problem.NETWORK, Problem.GATEWAY, Problem.INTERNAL):
        problem = Problem.NETWORK if state is Health.DOWN else Problem.GATEWAY
    assert problem is not None
    cause = _cause(problem, provider, keys)
    if state in (Health.NEEDS_LOGIN, Health.MISCONFIGURED):
        return _join(cause, _owner_advice(problem, provider))
    if state is Health.DEGRADED:
        if fallback:
            return _join(cause, Text("mencoba lagi otomatis; QRIS toko (cadangan) siap dipakai",
                                     "retrying automatically; the shop's QRIS (backup) is "
                                     "ready"))
        return _join(cause, Text("mencoba lagi otomatis", "retrying automatically"))
    cash = (Text("terima tunai atau pakai QRIS toko (cadangan)",
                 "take cash or use the shop's QRIS (backup)") if fallback else _CASH_FOR_NOW)
    return _join(cause, Text(f"{cash.id}; penjualan QRIS tersimpan dan dilanjutkan otomatis",
                             f"{cash.en}; QRIS sales are kept and resume automatically"))
