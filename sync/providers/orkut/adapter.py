"""``orkut``: the unofficial "API Mutasi Orkut" (seed 001, ``orkut.hidepulsa.com``).

The back-end is a thin proxy in front of an OrderKuota merchant account. It stores nothing
("Tidak ada data yang di simpan"), so there is no invoice and no invoice id:

* ``POST /kasir/orkut/generate`` turns a nominal into a dynamic QRIS (``qr_string``). The sync
  engine has already folded the unique code into ``CreateRequest.amount``; that amount *is* the
  nominal we ask for, and the answer must echo exactly that nominal.
* ``POST /kasir/orkut/status-pembayaran`` lists the account's incoming credits of one nominal.
  "Paid" is therefore learned by *matching credits* (``Confirmation.MUTASI``): the adapter
  returns every credit of exactly the payable amount as ``StatusResult.credits`` with status
  PENDING, and the engine's matcher decides (exact amount, not older than the order minus a
  grace for minute-precision clocks, each credit claimed once). The adapter never says PAID.
* ``POST /kasir/orkut/mutasi`` and ``POST /mutasi`` are the account's statement;
  :class:`OrkutMutasi` reads it for the ``static`` provider (``payment.mutasi_source = orkut``).
* ``POST /minta-otp`` + ``POST /valid-otp`` log in (:class:`OrkutLogin`).

Every call carries ``Authorization: Bearer <api_key>``; the kasir calls also carry
``auth_username`` / ``auth_token`` / ``merchant`` in the JSON body.

What SPEC.md section 5 adds to the seed (all handled here, each with a test):

* "nothing yet" is ``{"status": "success", "message": "no data"}`` — success without ``data``;
* amounts are strings, sometimes with ``.`` thousands separators (``"35.002"`` = 35002);
* dates are WIB without an offset, as ``2025-07-25 18:02:06`` (second precision) or
  ``25/07/2025 18:02`` (minute precision, ``TimePrecision.MINUTE``);
* no more than one request per 5 s per account; HTTP 429 or a message containing
  "terlalu sering" ("too often") is a ``TransientError`` with ``retry_after_s``.

Decisions where the seed and SPEC are silent (also in the report / docs):

* A 200 answer ``{"error": "Gagal generate QRIS"}`` with no further reason is *transient*
  (generate has no side effects — nothing is stored — so retrying within the QR's lifetime is
  safe); any other ``error`` text, and any 4xx with an ``error``, is ``Rejected`` with that text.
* A bad token: 401/403, or a message like "token invalid" / "Unauthorized" -> ``AuthExpired``
  telling the cashier to log in again.
* A credit line without ``issuer_reff`` is skipped with a warning: without an id it could be
  claimed twice. Credits of another amount than the nominal asked for are dropped — the
  server's filter is not trusted.
* There is no cancel endpoint, so ``cancel`` is a no-op (an unpaid QR simply never matches).
* The adapter does not throttle itself: the engine keeps to ``min_poll_interval_s`` /
  ``min_interval_s`` per ``account_key``, and a server-side "too often" maps to a retry.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pos_app import qris
from pos_app.clock import UTC, utcnow
from pos_app.secrets import redact
from sync.http import HttpClient, HttpResult
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    Confirmation,
    CreateRequest,
    Credit,
    CreditSource,
    Invoice,
    LoginFailed,
    LoginFlow,
    PaymentRef,
    Provider,
    Rejected,
    RemoteStatus,
    StatusResult,
    TimePrecision,
    TransientError,
    require_config,
)

log = logging.getLogger(__name__)

__all__ = [
    "AUTH_EXPIRED_MESSAGE",
    "MINUTE_GRACE_S",
    "RATE_LIMIT_RETRY_S",
    "SOURCE",
    "WIB",
    "OrkutLogin",
    "OrkutMutasi",
    "OrkutProvider",
    "parse_amount",
    "parse_wib",
]

WIB = ZoneInfo("Asia/Jakarta")
SOURCE = "orkut"
#: how long to wait after HTTP 429 without Retry-After, or a "terlalu sering" answer
RATE_LIMIT_RETRY_S = 10.0
#: statement lines with minute precision may be up to a minute "older" than the money
MINUTE_GRACE_S = 60.0
AUTH_EXPIRED_MESSAGE = (
    "orkut: token invalid or expired — log in again (pos-app provider login orkut)"
)

GENERATE_PATH = "/kasir/orkut/generate"
STATUS_PATH = "/kasir/orkut/status-pembayaran"
KASIR_MUTASI_PATH = "/kasir/orkut/mutasi"
MUTASI_PATH = "/mutasi"
OTP_REQUEST_PATH = "/minta-otp"
OTP_VERIFY_PATH = "/valid-otp"

# Every 4xx is looked at here rather than in HttpClient, so that 401/403 get the "log in
# again" message, 429 gets a default Retry-After, and a refusal keeps the server's own words.
_ALL_4XX = tuple(range(400, 500))

_PLAIN_AMOUNT = re.compile(r"\d+")
_DOTTED_AMOUNT = re.compile(r"\d{1,3}(?:\.\d{3})+")
_DATE_FORMATS: tuple[tuple[str, TimePrecision], ...] = (
    ("%Y-%m-%d %H:%M:%S", TimePrecision.SECOND),  # status-pembayaran, kasir mutasi
    ("%d/%m/%Y %H:%M", TimePrecision.MINUTE),  # /mutasi "tanggal"
    ("%Y-%m-%d %H:%M", TimePrecision.MINUTE),
    ("%d/%m/%Y %H:%M:%S", TimePrecision.SECOND),
    ("%Y-%m-%dT%H:%M:%S", TimePrecision.SECOND),
)
_CREDIT_TYPES = frozenset({"CR", "K", "KREDIT", "CREDIT", "IN"})
_DEBIT_TYPES = frozenset({"DB", "DR", "D", "DEBET", "DEBIT", "OUT"})
_FAILURE_STATUSES = frozenset({"error", "failed", "fail", "gagal", "false"})
_RATE_LIMIT_WORDS = ("terlalu sering", "too many", "rate limit", "too often")
_AUTH_WORDS = ("unauthorized", "unauthorised", "unauthenticated", "invalid token", "token invalid",
               "token tidak valid", "token expired", "token kadaluarsa", "token kedaluwarsa",
               "token salah", "invalid api key", "api key invalid", "apikey invalid")
_GENERIC_GENERATE_FAILURE = "gagal generate qris"
_SENT_TO = re.compile(r"\b(?:ke|to)\s+(\S.*)$", re.IGNORECASE)


# -- parsing helpers ----------------------------------------------------------------------
def parse_amount(value: Any, what: str) -> int:
    """Integer rupiah from what orkut sends: ``"500"``, ``"35.002"`` (dots = thousands), or a
    JSON integer. Floats, decimals (``"1000.50"``), commas, signs and blanks are refused."""
    if isinstance(value, bool):
        raise BadResponse(f"{what} is a boolean, not an amount")
    if isinstance(value, int):
        if value < 0:
            raise BadResponse(f"{what} is negative ({value})")
        return value
    if isinstance(value, float):
        raise BadResponse(f"{what} is a float ({value!r}); amounts must be whole rupiah strings")
    if not isinstance(value, str):
        raise BadResponse(f"{what} is missing or not a string (got {type(value).__name__})")
    text = value.strip()
    if _PLAIN_AMOUNT.fullmatch(text):
        return int(text)
    if _DOTTED_AMOUNT.fullmatch(text):
        return int(text.replace(".", ""))
    raise BadResponse(f"{what} {value[:40]!r} is not a whole rupiah amount")


def parse_wib(value: Any, what: str) -> tuple[datetime, TimePrecision]:
    """A WIB timestamp without offset -> (aware UTC datetime, its precision)."""
    if not isinstance(value, str) or not value.strip():
        raise BadResponse(f"{what} is missing or not a string")
    text = value.strip()
    for fmt, precision in _DATE_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=WIB).astimezone(UTC), precision
    raise BadResponse(f"{what} {value[:40]!r} is not a known date format")


def _message(data: Any) -> str:
    """The server's human text in a failure answer, if any (unredacted; callers redact)."""
    if not isinstance(data, dict):
        return ""
    for key in ("message", "error", "msg", "detail"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
        if isinstance(value, dict):
            inner = value.get("message") or value.get("error")
            if isinstance(inner, str) and inner.strip():
                return " ".join(inner.split())
    return ""


def _is_rate_limit(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in _RATE_LIMIT_WORDS)


def _is_auth(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in _AUTH_WORDS)


def _retry_after(result: HttpResult) -> float:
    raw = result.headers.get("Retry-After") if result.headers else None
    try:
        seconds = float(raw) if raw is not None else None
    except ValueError:
        seconds = None  # an HTTP date: rare here; fall back to our own default
    if seconds is None or seconds < 0:
        return RATE_LIMIT_RETRY_S
    return seconds


def _status_word(data: dict[str, Any]) -> str | None:
    """``status`` as a lower-case word (``"success"``, ``"error"``), or None when absent."""
    status = data.get("status")
    if status is None:
        return None
    if isinstance(status, bool):
        return "success" if status else "false"
    if isinstance(status, str):
        return status.strip().lower()
    raise BadResponse(f"status is {type(status).__name__}, not a string")


def _kasir_credits(rows: Any, where: str) -> list[Credit]:
    """Incoming credits from a kasir answer's ``data`` (status-pembayaran, kasir mutasi).

    ``None`` (the "no data" answer) is an empty list. Debit lines are skipped; unknown line
    types, malformed amounts and dates raise ``BadResponse``; a line without ``issuer_reff``
    is skipped with a warning because it could not be claimed safely.
    """
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise BadResponse(f"{where}: data is {type(rows).__name__}, not a list")
    credits: list[Credit] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BadResponse(f"{where}: statement line {i} is not an object")
        kind = row.get("type")
        if not isinstance(kind, str):
            raise BadResponse(f"{where}: statement line {i} has no type")
        kind = kind.strip().upper()
        if kind in _DEBIT_TYPES:
            continue
        if kind not in _CREDIT_TYPES:
            raise BadResponse(f"{where}: statement line {i} has an unknown type {kind[:20]!r}")
        amount = parse_amount(row.get("amount"), f"{where}: amount of line {i}")
        if amount <= 0:
            raise BadResponse(f"{where}: credit line {i} has amount {amount}")
        credited_at, precision = parse_wib(row.get("date"), f"{where}: date of line {i}")
        reff = row.get("issuer_reff")
        if isinstance(reff, int) and not isinstance(reff, bool):
            reff = str(reff)
        if reff is None or (isinstance(reff, str) and not reff.strip()):
            log.warning("%s: skipped a credit of %d without issuer_reff (it could not be claimed "
                        "safely)", where, amount)
            continue
        if not isinstance(reff, str):
            raise BadResponse(f"{where}: issuer_reff of line {i} is {type(reff).__name__}")
        reff = reff.strip()
        if reff in seen:
            continue  # the same credit listed twice is still one credit
        seen.add(reff)
        parts = [row.get("brand_name"), row.get("buyer_reff")]
        description = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
        credits.append(Credit(SOURCE, reff, amount, credited_at, precision, description[:200]))
    return credits


def _history_credits(history: Any, where: str) -> list[Credit]:
    """Incoming credits from ``/mutasi``'s ``qris_history`` (``status`` IN/OUT, ``kredit``,
    ``tanggal`` with minute precision). Ids are namespaced ``mutasi:<id>`` so they can never
    collide with an ``issuer_reff`` from the kasir endpoints."""
    if history is None:
        return []
    if not isinstance(history, dict):
        raise BadResponse(f"{where}: qris_history is not an object")
    rows = history.get("results")
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise BadResponse(f"{where}: qris_history.results is {type(rows).__name__}, not a list")
    credits: list[Credit] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BadResponse(f"{where}: history line {i} is not an object")
        status = row.get("status")
        if not isinstance(status, str):
            raise BadResponse(f"{where}: history line {i} has no status")
        status = status.strip().upper()
        if status in _DEBIT_TYPES:
            continue
        if status not in _CREDIT_TYPES:
            raise BadResponse(f"{where}: history line {i} has an unknown status {status[:20]!r}")
        amount = parse_amount(row.get("kredit"), f"{where}: kredit of line {i}")
        if amount <= 0:
            raise BadResponse(f"{where}: incoming line {i} has kredit {amount}")
        credited_at, precision = parse_wib(row.get("tanggal"), f"{where}: tanggal of line {i}")
        line_id = row.get("id")
        if (isinstance(line_id, bool) or not isinstance(line_id, (int, str))
                or not str(line_id).strip()):
            log.warning("%s: skipped a credit of %d without an id (it could not be claimed safely)",
                        where, amount)
            continue
        brand = row.get("brand")
        parts = [brand.get("name") if isinstance(brand, dict) else None, row.get("keterangan")]
        description = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
        credits.append(Credit(SOURCE, f"mutasi:{str(line_id).strip()}", amount, credited_at,
                              precision, description[:200]))
    return credits


# -- the shared client -------------------------------------------------------------------
class _OrkutApi:
    """One HttpClient plus the error mapping every orkut call shares."""

    def __init__(self, base_url: str, api_key: str, secrets: list[str], timeout: float) -> None:
        self.secrets = [s for s in secrets if s]
        self.http = HttpClient(base_url, SOURCE, headers={"Authorization": f"Bearer {api_key}"},
                               timeout=timeout, secrets=self.secrets)

    def text(self, data: Any, extra_secrets: tuple[str, ...] = ()) -> str:
        return redact(_message(data), [*self.secrets, *(s for s in extra_secrets if s)])[:160]

    def post(self, path: str, body: dict[str, Any], *, login: bool = False,
             extra_secrets: tuple[str, ...] = ()) -> dict[str, Any]:
        """POST, map errors, return the JSON object.

        ``login``: the OTP calls — refusals become ``LoginFailed`` (with the server's words),
        and "Unauthorized"-like texts are not read as an expired token. ``extra_secrets``
        (password, OTP) are masked in any message built from the answer.
        """
        where = f"orkut {path}"
        result = self.http.request("POST", path, json_body=body, allow=_ALL_4XX)
        data = result.data
        text = self.text(data, extra_secrets)
        if result.status == 429 or (text and _is_rate_limit(text)):
            retry = _retry_after(result) if result.status == 429 else RATE_LIMIT_RETRY_S
            how = "HTTP 429" if result.status == 429 else f"server says: {text}"
            raise TransientError(f"{where}: rate limited ({how}); retry in {retry:g} s",
                                 retry_after_s=retry)
        if login and result.status in (401, 403):
            said = f": {text}" if text else ""
            raise LoginFailed(f"orkut: login refused (HTTP {result.status}){said} — check the "
                              "user name, password and providers.orkut.api_key")
        if login and result.status >= 400:
            raise LoginFailed(f"orkut: {text or f'login refused (HTTP {result.status})'}")
        if result.status in (401, 403) or (not login and text and _is_auth(text)):
            raise AuthExpired(AUTH_EXPIRED_MESSAGE)
        if result.status >= 400:
            raise Rejected(f"{where}: refused (HTTP {result.status}){': ' + text if text else ''}")
        if not isinstance(data, dict):
            what = "an empty answer" if data is None else f"a JSON {type(data).__name__}"
            raise BadResponse(f"{where}: expected a JSON object, got {what}")
        return data


# -- the provider ------------------------------------------------------------------------
class OrkutProvider(Provider):
    """Dynamic QRIS from ``generate``; credits of that nominal from ``status-pembayaran``.

    Config (short keys, ``Settings.provider_config("orkut")``): ``base_url``, ``api_key``,
    ``username``, ``token``, ``merchant`` (required); ``merchant_id`` (only for ``/mutasi``).
    """

    name = "orkut"
    confirmation = Confirmation.MUTASI
    # SPEC.md section 5 (seed 001's real back-end): no faster than every 5 s per *account*,
    # "terlalu sering" / 429 otherwise. Every status-pembayaran call counts against it, so a
    # fresh QR is not checked any faster: the engine's fresh interval never goes below this.
    min_poll_interval_s = 5.0
    local_create = False

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = 10.0,
    ) -> None:
        values = require_config(
            config, "orkut", ("base_url", "api_key", "username", "token", "merchant"))
        self.base_url = values["base_url"]
        self.username = values["username"]
        self.merchant = values["merchant"]
        self._token = values["token"]
        self._clock = clock
        self._api = _OrkutApi(self.base_url, values["api_key"], [values["api_key"], self._token],
                              timeout)

    @property
    def account_key(self) -> str:
        return f"orkut:{self.username}:{self.merchant}"

    def _auth_body(self) -> dict[str, str]:
        return {"auth_username": self.username, "auth_token": self._token,
                "merchant": self.merchant}

    # -- create ------------------------------------------------------------------------
    def create(self, request: CreateRequest) -> Invoice:
        amount = request.amount
        if type(amount) is not int or amount < 1:
            raise Rejected("orkut generate: amount must be a positive whole rupiah amount, "
                           f"got {amount!r}")
        data = self._api.post(GENERATE_PATH, {**self._auth_body(), "nominal": str(amount)})
        where = f"orkut {GENERATE_PATH}"
        if data.get("success") is not True:
            error = self._api.text(data)
            if not error:
                raise BadResponse(f"{where}: answer has neither success=true nor an error")
            if " ".join(error.lower().strip(" .!").split()) == _GENERIC_GENERATE_FAILURE:
                # No reason given: the upstream app hiccuped. generate stores nothing, so the
                # engine may safely try again within the QR's lifetime.
                raise TransientError(f"{where}: {error} (no reason given; will retry)")
            raise Rejected(f"{where}: {error}")
        nominal = parse_amount(data.get("nominal"), f"{where}: nominal")
        if nominal != amount:
            raise BadResponse(f"{where}: answered nominal {nominal} for a request of {amount}")
        payload = data.get("qr_string")
        if not isinstance(payload, str) or not payload.strip():
            raise BadResponse(f"{where}: qr_string is missing")
        payload = payload.strip()
        try:
            qr_amount = qris.parse(payload).amount
        except qris.InvalidQris as exc:
            raise BadResponse(f"{where}: qr_string is not a valid QRIS ({exc})") from None
        if qr_amount is not None and qr_amount != nominal:
            raise BadResponse(f"{where}: qr_string is for {qr_amount}, not the nominal {nominal}")
        extra: dict[str, Any] = {}
        image_url = data.get("image_url")
        if isinstance(image_url, str) and image_url.startswith("https://"):
            extra["image_url"] = image_url
        return Invoice(
            payable_amount=nominal,
            expires_at=request.created_at + timedelta(seconds=request.ttl_s),
            provider_ref=None,  # the back-end stores nothing and issues no reference
            qris=payload,
            extra=extra,
        )

    # -- check -------------------------------------------------------------------------
    def check(self, ref: PaymentRef) -> StatusResult:
        nominal = ref.payable_amount
        if type(nominal) is not int or nominal < 1:
            raise Rejected(f"orkut status-pembayaran: payable amount {nominal!r} is not a "
                           "positive whole amount")
        where = f"orkut {STATUS_PATH}"
        data = self._api.post(STATUS_PATH, {**self._auth_body(), "nominal": str(nominal)})
        rows = self._success_data(data, where)
        credits = _kasir_credits(rows, where)
        matching = tuple(c for c in credits if c.amount == nominal)
        if len(matching) != len(credits):
            # Never trust the server's filter: a credit of another amount is not for this QR.
            log.info("%s: dropped %d credit(s) of another amount than %d", where,
                     len(credits) - len(matching), nominal)
        detail = (f"{len(matching)} credit(s) of {nominal} on the account" if matching
                  else f"no credit of {nominal} yet")
        return StatusResult(RemoteStatus.PENDING, detail=detail, credits=matching)

    @staticmethod
    def _success_data(data: dict[str, Any], where: str) -> Any:
        """``data`` of a ``{"status": "success", ...}`` answer; failures raise."""
        status = _status_word(data)
        if status == "success":
            return data.get("data")
        text = _message(data)
        failed_without_status = status is None and (text or data.get("success") is False)
        if status in _FAILURE_STATUSES or failed_without_status:
            raise Rejected(f"{where}: failed{': ' + text[:160] if text else ''}")
        if status is None:
            raise BadResponse(f"{where}: answer has no status")
        raise BadResponse(f"{where}: unknown status {status[:30]!r}")

    def cancel(self, ref: PaymentRef) -> None:
        """Nothing to tell: orkut has no cancel and stores no invoice; an abandoned QR just
        never gets a credit claimed for it."""

    def test_connection(self) -> str:
        """A cheap authenticated call (the kasir statement); a short description or the mapped
        error (AuthExpired, TransientError, ...)."""
        where = f"orkut {KASIR_MUTASI_PATH}"
        data = self._api.post(KASIR_MUTASI_PATH, self._auth_body())
        credits = _kasir_credits(self._success_data(data, where), where)
        return (f"orkut: connected as {self.username}, merchant {self.merchant}; "
                f"{len(credits)} incoming credit(s) on the recent statement")

    def close(self) -> None:
        self._api.http.close()


# -- statement for `static` ---------------------------------------------------------------
class OrkutMutasi(CreditSource):
    """The account's incoming credits, for ``static`` with ``payment.mutasi_source = orkut``.

    Primary endpoint: ``POST /kasir/orkut/mutasi`` — second-precision dates, and its credit
    ids (``issuer_reff``) are the same as those ``status-pembayaran`` returns, so one payment
    is one credit whichever way it was seen. ``POST /mutasi`` (needs ``merchant_id``; minute
    precision; ids namespaced ``mutasi:<id>``) is used only when no ``merchant`` is configured,
    or when asked for with ``endpoint="mutasi"``. Neither endpoint pages, so a fetch is one
    request returning the recent statement.
    """

    name = "orkut"
    min_interval_s = 5.0

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = 10.0,
        endpoint: str = "auto",
    ) -> None:
        if endpoint not in ("auto", "kasir", "mutasi"):
            raise ValueError(f"endpoint must be auto, kasir or mutasi, not {endpoint!r}")
        if endpoint == "auto":
            endpoint = "kasir" if str(config.get("merchant") or "").strip() else "mutasi"
        extra = ("merchant",) if endpoint == "kasir" else ("merchant_id",)
        values = require_config(
            config, "orkut", ("base_url", "api_key", "username", "token", *extra))
        self.endpoint = endpoint
        self.username = values["username"]
        self.merchant = values.get("merchant") or str(config.get("merchant") or "").strip()
        self.merchant_id = values.get("merchant_id") or str(config.get("merchant_id") or "").strip()
        self._token = values["token"]
        self._clock = clock
        self._api = _OrkutApi(values["base_url"], values["api_key"],
                              [values["api_key"], self._token], timeout)

    @property
    def account_key(self) -> str:
        # Same key as OrkutProvider's, so both share one rate limit per account.
        return f"orkut:{self.username}:{self.merchant or self.merchant_id}"

    def fetch_credits(self, since: datetime) -> list[Credit]:
        if since.tzinfo is None:
            raise ValueError("since must be an aware datetime")
        if self.endpoint == "kasir":
            where = f"orkut {KASIR_MUTASI_PATH}"
            data = self._api.post(KASIR_MUTASI_PATH, {"auth_username": self.username,
                                                      "auth_token": self._token,
                                                      "merchant": self.merchant})
            credits = _kasir_credits(OrkutProvider._success_data(data, where), where)
        else:
            where = f"orkut {MUTASI_PATH}"
            data = self._api.post(MUTASI_PATH, {"merchant_id": self.merchant_id,
                                                "auth_username": self.username,
                                                "auth_token": self._token})
            if data.get("success") is not True:
                text = self._api.text(data)
                if text or data.get("success") is False:
                    raise Rejected(f"{where}: failed{': ' + text if text else ''}")
                raise BadResponse(f"{where}: answer has no success flag")
            credits = _history_credits(data.get("qris_history"), where)
        # Minute-precision lines are stamped at the start of their minute: keep a minute of
        # slack so a credit made just after ``since`` is not lost.
        cutoff = since - timedelta(seconds=MINUTE_GRACE_S)
        recent = [c for c in credits if c.credited_at >= cutoff]
        return sorted(recent, key=lambda c: c.credited_at, reverse=True)

    def close(self) -> None:
        self._api.http.close()


# -- login -------------------------------------------------------------------------------
class OrkutLogin(LoginFlow):
    """``/minta-otp`` then ``/valid-otp`` (Bearer api_key).

    The seed shows no answers, so the parser is tolerant: success is a 2xx whose JSON has a
    truthy ``success`` or ``status == "success"``; the token is taken from ``token``,
    ``data.token`` or ``results.token`` (a token present counts as success unless ``success``
    is explicitly false). A failure (``{"success": false, "message": "..."}``, or a 4xx) is
    ``LoginFailed("orkut: <message>")``. ``request_otp`` returns only *where* the OTP went (a
    masked e-mail/phone, or the words after "ke"/"to"), since callers show it as "Kode OTP
    dikirim ke {where}"; "" when the answer does not say.
    """

    def __init__(self, config: Mapping[str, Any], *, timeout: float = 10.0) -> None:
        values = require_config(config, "orkut", ("base_url", "api_key"))
        self._api = _OrkutApi(values["base_url"], values["api_key"], [values["api_key"]], timeout)

    def _call(self, path: str, body: dict[str, str], secret: str) -> tuple[dict[str, Any], str]:
        data = self._api.post(path, body, login=True, extra_secrets=(secret,))
        return data, self._api.text(data, (secret,))

    @staticmethod
    def _succeeded(data: dict[str, Any]) -> bool | None:
        """True / False when the answer says so, None when it says nothing either way."""
        if "success" in data:
            flag = data["success"]
            if isinstance(flag, str):
                return flag.strip().lower() in ("true", "success", "ok", "1")
            return bool(flag)
        status = data.get("status")
        if isinstance(status, bool):
            return status
        if isinstance(status, str):
            return status.strip().lower() in ("success", "ok", "true")
        return None

    def request_otp(self, username: str, password: str) -> str:
        if not username or not password:
            raise LoginFailed("orkut: user name and password are required")
        data, text = self._call(OTP_REQUEST_PATH, {"username": username, "password": password},
                                password)
        ok = self._succeeded(data)
        if ok is False:
            raise LoginFailed(f"orkut: {text or 'the server refused the OTP request'}")
        if ok is None:
            raise BadResponse(f"orkut {OTP_REQUEST_PATH}: answer says neither success nor failure")
        return self._destination(data, text)

    @staticmethod
    def _destination(data: dict[str, Any], text: str) -> str:
        """Where the OTP went, for "Kode OTP dikirim ke {where}": a masked e-mail / phone from
        the answer, or what follows "ke" / "to" in its message; "" when it says nothing."""
        for holder in (data, data.get("data"), data.get("results")):
            if isinstance(holder, dict):
                for key in ("email", "phone", "sent_to", "destination", "to"):
                    value = holder.get(key)
                    if isinstance(value, str) and value.strip():
                        return " ".join(value.split())[:80]
        found = _SENT_TO.search(text)
        return found.group(1).strip(" .")[:80] if found else ""

    def verify_otp(self, username: str, otp: str) -> str:
        if not username or not otp:
            raise LoginFailed("orkut: user name and OTP are required")
        data, text = self._call(OTP_VERIFY_PATH, {"username": username, "otp": otp}, otp)
        ok = self._succeeded(data)
        if ok is False:
            raise LoginFailed(f"orkut: {text or 'the OTP was not accepted'}")
        token = self._find_token(data)
        if token is None:
            if ok is None:
                raise BadResponse(f"orkut {OTP_VERIFY_PATH}: answer says neither success nor "
                                  "failure")
            raise BadResponse(f"orkut {OTP_VERIFY_PATH}: OTP accepted but the answer has no token")
        return token

    @staticmethod
    def _find_token(data: dict[str, Any]) -> str | None:
        candidates = [data.get("token")]
        for key in ("data", "results"):
            inner = data.get(key)
            if isinstance(inner, dict):
                candidates.append(inner.get("token"))
        for token in candidates:
            if isinstance(token, str) and token.strip():
                return token.strip()
        return None

    def close(self) -> None:
        self._api.http.close()
