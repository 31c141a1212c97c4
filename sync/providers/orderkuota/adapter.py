"""``orderkuota``: the "Order Kuota Gateway" API (seed 000).

Three pieces, all speaking to the same back-end with the same Bearer token:

* :class:`OrderKuotaProvider` - invoices. ``create`` is ``POST /api/v2/invoices/create``;
  "paid" is learned by polling ``GET /api/v2/invoices/details/{invoice_id}``
  (``PENDING`` / ``PAID`` / ``EXPIRED``). ``test_connection`` backs the Settings
  "Tes koneksi" button.
* :class:`OrderKuotaStatements` - the account's mutasi (``GET /api/v2/statements/{username}``),
  read by the ``static`` provider when ``payment.mutasi_source = orderkuota``.
* :class:`OrderKuotaLogin` - username + password -> OTP by e-mail -> token
  (``pos-app provider login orderkuota`` and the Settings login dialog).

What the real back-end does that the seed does not say (SPEC.md section 5), and how it is met:

* ``invoices/create`` answers 200 *or* 201, and **changes the amount** to one that no other
  pending invoice of the account uses (requested .. requested+99), so that its own mutasi
  matching can tell payments apart. We charge and show the returned ``amount`` and
  ``qris_string``, never what we asked for; the returned amount must lie in that window and the
  QRIS must be valid and, when it carries an amount (tag 54), carry exactly that one.
* ``expires_at`` goes out as a *duration in seconds* and comes back as *epoch milliseconds*.
  A value that is not plausibly "milliseconds, around now" (seconds by mistake would read as
  January 1970) is a ``BadResponse`` rather than a QR shown with a nonsense countdown.
* ``created_at`` and ``transfer_time`` carry no zone: they are WIB (UTC+7, no DST). They may
  have up to 9 fractional digits (nanoseconds); we keep microseconds.
* A wrong password on ``users/auth`` is HTTP 200 with ``data.email.status == "Error"``.
* ``statements`` answers 204 with no body for an empty page (also for an unknown user - the
  Settings "Tes koneksi" button, which asks ``users/details``, is where a wrong username shows).
* A bad token is 401 ``{"message": "Token Invalid"}`` -> :class:`AuthExpired` with a message
  telling the cashier to log in again; the engine stops polling on it instead of looping.

Idempotency: the back-end has no idempotency key. A create that timed out after the back-end
had already made the invoice, and is then retried, leaves an *orphan* pending invoice behind
(with its own bumped amount) until it expires. Nobody can be charged twice for it: only the
invoice whose answer we stored is ever shown to a customer, and an orphan's QR never left the
back-end. Every invoice's ``notes`` starts with our order id, so orphans can be traced to their
sale in the back-end's dashboard. (An orphan briefly occupies one of the 100 amounts of the
window for that price; that is all it costs.)

Cancel: the API has no cancel endpoint, so :meth:`OrderKuotaProvider.cancel` does nothing. The
invoice stays ``PENDING`` at the back-end until it expires; if the customer pays it anyway, the
engine (which keeps watching cancelled payments for ``payment.late_watch_s``) reports it as a
late payment for the cashier to accept or refund.

Rate limits: the seed documents none for ``invoices/details`` (polled at the engine's fresh-QR
interval, 0.7 s, for a QR's first minute, then every 2 s); statements are limited to one
request per account per 5 s (SPEC.md), which :class:`OrderKuotaStatements` keeps even between the
pages of one fetch.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from pos_app import qris
from pos_app.clock import UTC, utcnow, zone
from sync.http import DEFAULT_TIMEOUT, HttpClient, HttpResult
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    ConfigMissing,
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
    require_config,
)

log = logging.getLogger(__name__)

NAME = "orderkuota"
DEFAULT_BASE_URL = "https://gateway.rerechanstore.eu.org"
#: the back-end's clock: every zone-less timestamp it sends is Western Indonesia Time
WIB = zone("Asia/Jakarta")
#: the back-end moves a requested amount to one in requested .. requested + AMOUNT_BUMP_MAX
AMOUNT_BUMP_MAX = 99
AUTH_MESSAGE = (
    "orderkuota: token invalid or expired — log in again (pos-app provider login orderkuota)"
)
STATEMENT_PAGE_SIZE = 50
STATEMENT_MAX_PAGES = 10
#: the seed gives no limit for ``notes``; keep it short so a long note can't get an invoice refused
NOTES_MAX = 100
#: how far from "now" a returned expiry may be before we call the answer implausible (clock
#: skew between the till and the back-end is tolerated; a seconds/milliseconds mix-up is not)
EXPIRY_SLACK = timedelta(days=1)

_INVOICE_STATUS = {
    "PENDING": RemoteStatus.PENDING,
    "PAID": RemoteStatus.PAID,
    "EXPIRED": RemoteStatus.EXPIRED,
}
_ZONELESS = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# -- configuration ------------------------------------------------------------------------
def _settings(config: Mapping[str, Any], required: tuple[str, ...]) -> dict[str, str]:
    values = require_config(config, NAME, required, ("base_url", "username", "token"))
    values["base_url"] = values["base_url"] or DEFAULT_BASE_URL
    return {k: v for k, v in values.items() if v}


# -- validation helpers (every message starts with "orderkuota:" and names the field) ------
def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        got = "no body" if data is None else type(data).__name__
        raise BadResponse(f"orderkuota: {what}: expected a JSON object, got {got}")
    return data


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadResponse(f"orderkuota: {what} is missing or not a string")
    return value.strip()


def _whole_number(value: Any, what: str) -> int:
    """An integer from JSON; ``15000.0`` is tolerated (a Java BigDecimal), ``"15000"`` and
    ``true`` are not."""
    if isinstance(value, bool):
        raise BadResponse(f"orderkuota: {what} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise BadResponse(f"orderkuota: {what} is not a whole number ({type(value).__name__})")


def epoch_ms_to_utc(value: Any, what: str) -> datetime:
    """Epoch milliseconds (as ``expires_at`` comes back) -> aware UTC datetime, exactly."""
    ms = _whole_number(value, what)
    try:
        return _EPOCH + timedelta(milliseconds=ms)
    except OverflowError:
        raise BadResponse(f"orderkuota: {what} is out of range: {ms}") from None


def wib_to_utc(value: Any, what: str) -> datetime:
    """A back-end timestamp -> aware UTC datetime.

    ``2025-07-25T18:02:06`` (no zone, WIB) -> ``2025-07-25 11:02:06+00:00``. Up to 9 fractional
    digits are accepted and cut to microseconds. A timestamp that does carry an offset is
    honoured (the back-end does not send one today)."""
    if not isinstance(value, str):
        raise BadResponse(f"orderkuota: {what} is missing or not a string")
    text = value.strip()
    match = _ZONELESS.fullmatch(text)
    try:
        if match:
            date_part, time_part, fraction = match.groups()
            micro = (fraction or "").ljust(6, "0")[:6]
            naive = datetime.fromisoformat(f"{date_part}T{time_part}.{micro}")
            return naive.replace(tzinfo=WIB).astimezone(UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadResponse(f"orderkuota: {what} is not a timestamp: {text[:40]!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=WIB).astimezone(UTC)
    return moment.astimezone(UTC)


def _checked_qris(payload: Any, amount: int, what: str) -> str:
    text = _text(payload, what)
    try:
        parsed = qris.parse(text)
    except qris.InvalidQris as exc:
        raise BadResponse(f"orderkuota: {what} is not a valid QRIS ({exc})") from None
    try:
        qr_amount = parsed.amount
    except qris.InvalidQris as exc:  # pragma: no cover - parse() already checked tag 54
        raise BadResponse(f"orderkuota: {what} has a bad amount ({exc})") from None
    if qr_amount is not None and qr_amount != amount:
        raise BadResponse(
            f"orderkuota: {what} asks for {qr_amount} but the invoice amount is {amount}")
    return text


# -- HTTP ---------------------------------------------------------------------------------
class _Api:
    """The HTTP client with this back-end's Bearer auth and its 401 wording."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx.BaseTransport | None,
        timeout: httpx.Timeout | float,
        secrets: Collection[str] = (),
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = HttpClient(base_url, NAME, headers=headers, timeout=timeout,
                               secrets=(*(s for s in (token,) if s), *secrets), transport=transport)

    def call(self, method: str, path: str, *, json_body: Any = None,
             params: Mapping[str, Any] | None = None, allow: Collection[int] = ()) -> HttpResult:
        try:
            return self.http.request(method, path, json_body=json_body, params=params, allow=allow)
        except AuthExpired:
            # 401 {"message": "Token Invalid"} (and 403): the only cure is a new login.
            raise AuthExpired(AUTH_MESSAGE) from None

    def close(self) -> None:
        self.http.close()


def _path_part(value: str) -> str:
    return quote(value, safe="")


# -- invoices -----------------------------------------------------------------------------
class OrderKuotaProvider(Provider):
    name = NAME
    confirmation = Confirmation.POLL
    # Seed 000 documents no rate limit for invoices/details (only the statements' 5 s per
    # account, kept by OrderKuotaStatements.min_interval_s, which is not this), so the engine's
    # fresh-QR interval (0.7 s for the first minute, then 2 s) applies: one small GET per
    # pending invoice. The floor only keeps a mis-set engine from asking about one invoice more
    # than twice a second of a back-end whose limits we don't know (a 429 is still honoured
    # through TransientError).
    min_poll_interval_s = 0.5
    local_create = False

    def __init__(
        self,
        base_url: str,
        username: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        given = (("username", username), ("token", token))
        missing = [f"providers.{NAME}.{k}" for k, v in given if not v]
        if missing:
            raise ConfigMissing(NAME, missing)
        self.username = username
        self.base_url = base_url or DEFAULT_BASE_URL
        self._clock = clock
        self._api = _Api(self.base_url, token, transport=transport, timeout=timeout)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **kwargs: Any) -> OrderKuotaProvider:
        """From ``base_url``/``username``/``token`` (short or ``providers.orderkuota.*`` names);
        ``base_url`` defaults to the seed's. Missing keys raise :class:`ConfigMissing`."""
        values = _settings(config, ("username", "token"))
        return cls(values["base_url"], values["username"], values["token"], **kwargs)

    # -- create ----------------------------------------------------------------------------
    @staticmethod
    def notes_for(request: CreateRequest) -> str:
        """Our order id first (to trace orphans in the back-end's dashboard), then the note."""
        note = " ".join(request.note.split())
        return (f"{request.order_id} {note}" if note else request.order_id)[:NOTES_MAX]

    def create(self, request: CreateRequest) -> Invoice:
        # ``expires_at`` goes out as a duration from the back-end's now: what is left of ours.
        body = {"notes": self.notes_for(request), "amount": request.amount,
                "expires_at": request.remaining_s(self._clock())}
        result = self._api.call("POST", "/api/v2/invoices/create", json_body=body)
        if result.status not in (200, 201):
            raise BadResponse(f"orderkuota: invoice create answered HTTP {result.status},"
                              " expected 200 or 201")
        data = _object(result.data, "invoice create")
        invoice_id = _text(data.get("invoice_id"), "invoice create: invoice_id")
        where = f"invoice {invoice_id}"
        amount = _whole_number(data.get("amount"), f"{where}: amount")
        if not request.amount <= amount <= request.amount + AMOUNT_BUMP_MAX:
            raise BadResponse(
                f"orderkuota: {where}: amount {amount} is outside {request.amount}.."
                f"{request.amount + AMOUNT_BUMP_MAX} (asked for {request.amount})"
            )
        status = data.get("status")
        if status is not None and status != "PENDING":
            raise BadResponse(f"orderkuota: {where}: a new invoice has status {str(status)[:20]!r}")
        self._check_owner(data.get("username"), where)
        payload = _checked_qris(data.get("qris_string"), amount, f"{where}: qris_string")
        expires_at = epoch_ms_to_utc(data.get("expires_at"), f"{where}: expires_at")
        now = self._clock()
        latest = now + timedelta(seconds=request.ttl_s) + EXPIRY_SLACK
        if not now - EXPIRY_SLACK <= expires_at <= latest:
            raise BadResponse(
                f"orderkuota: {where}: expires_at {data.get('expires_at')!r} is not epoch"
                f" milliseconds near now (read as {expires_at.isoformat()})"
            )
        extra: dict[str, Any] = {"requested_amount": request.amount}
        if data.get("created_at") is not None:
            try:
                extra["created_at"] = wib_to_utc(data.get("created_at"), f"{where}: created_at")
            except BadResponse as exc:  # informational only: not worth an orphan invoice
                log.warning("%s", exc)
        if amount != request.amount:
            log.info("orderkuota: %s for %s: amount %d moved to %d by the back-end",
                     invoice_id, request.order_id, request.amount, amount)
        return Invoice(payable_amount=amount, expires_at=expires_at, provider_ref=invoice_id,
                       qris=payload, extra=extra)

    def _check_owner(self, username: Any, where: str) -> None:
        # An invoice of another account would be paid into that account's QRIS.
        if username is not None and (not isinstance(username, str)
                                     or username.strip().lower() != self.username.lower()):
            raise BadResponse(f"orderkuota: {where} belongs to another user than {self.username!r}")

    # -- check -----------------------------------------------------------------------------
    def check(self, ref: PaymentRef) -> StatusResult:
        if not ref.provider_ref:
            raise BadResponse(
                f"orderkuota: payment {ref.payment_id} has no invoice id to ask about")
        invoice_id = ref.provider_ref
        where = f"invoice {invoice_id}"
        result = self._api.call("GET", f"/api/v2/invoices/details/{_path_part(invoice_id)}",
                                allow=(404,))
        if result.status == 404:
            # We created it, so the back-end should know it: never read this as "paid" (nor as
            # "expired", which would end the order silently). An error on the order instead.
            raise BadResponse(f"orderkuota: {where} is unknown to the back-end (HTTP 404)")
        data = _object(result.data, f"{where} details")
        if "invoice_id" in data and data.get("invoice_id") != invoice_id:
            raise BadResponse(f"orderkuota: asked for {where}, got another invoice")
        self._check_owner(data.get("username"), where)
        raw = data.get("status")
        status = _INVOICE_STATUS.get(raw) if isinstance(raw, str) else None
        if status is None:
            raise BadResponse(f"orderkuota: {where}: unknown status {str(raw)[:20]!r}")
        if status is RemoteStatus.PAID:
            amount = _whole_number(data.get("amount"), f"{where}: amount")
            # A different amount than the one shown is the engine's "amount mismatch" case.
            return StatusResult(RemoteStatus.PAID, paid_amount=amount, provider_ref=invoice_id)
        return StatusResult(status, provider_ref=invoice_id)

    def cancel(self, ref: PaymentRef) -> None:
        """No cancel endpoint: the invoice stays pending at the back-end until it expires (see
        the module docstring; a payment made anyway becomes a late payment)."""

    # -- Settings "Tes koneksi" ------------------------------------------------------------
    def test_connection(self) -> str:
        """One ``users/details`` call; a short description, or the mapped error."""
        result = self._api.call("GET", f"/api/v2/users/details/{_path_part(self.username)}",
                                allow=(404,))
        if result.status == 404:
            raise Rejected(f"orderkuota: user {self.username!r} not found"
                           " — check providers.orderkuota.username")
        data = _object(result.data, "user details")  # it echoes the token: never show `data`
        self._check_owner(data.get("username"), f"user details of {self.username!r}")
        email = data.get("email")
        shown = f" ({email})" if isinstance(email, str) and email.strip() else ""
        return f"orderkuota: connected as {self.username}{shown}"

    def close(self) -> None:
        self._api.close()


# -- statements (mutasi) ------------------------------------------------------------------
class OrderKuotaStatements(CreditSource):
    """Incoming credits of the account, newest first, ``STATEMENT_PAGE_SIZE`` lines a page."""

    name = NAME
    min_interval_s = 5.0

    def __init__(
        self,
        base_url: str,
        username: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        request_interval_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        given = (("username", username), ("token", token))
        missing = [f"providers.{NAME}.{k}" for k, v in given if not v]
        if missing:
            raise ConfigMissing(NAME, missing)
        self.username = username
        # The 5 s per-account limit counts every request, so the pages of one fetch are spaced
        # too (a backlog of 3 pages takes 10 s; one page - the normal case - takes no wait).
        self.request_interval_s = (self.min_interval_s if request_interval_s is None
                                   else request_interval_s)
        self._sleep = sleep
        self._monotonic = monotonic
        self._lock = threading.Lock()  # one fetch at a time, so the spacing holds
        self._last_request: float | None = None
        self._api = _Api(base_url or DEFAULT_BASE_URL, token, transport=transport, timeout=timeout)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **kwargs: Any) -> OrderKuotaStatements:
        values = _settings(config, ("username", "token"))
        return cls(values["base_url"], values["username"], values["token"], **kwargs)

    @property
    def account_key(self) -> str:
        return f"{NAME}:{self.username}"

    def fetch_credits(self, since: datetime) -> list[Credit]:
        """Credits at or after ``since``, newest first.

        Pages 0, 1, ... are read until one reaches back before ``since`` (it holds a line, credit
        or debit, older than ``since``: the statement is newest first, so later pages are older
        still), the back-end has no next page (``has_next`` not true, or 204), or
        ``STATEMENT_MAX_PAGES`` pages were read. A line seen twice (a new credit pushed it onto
        the next page between two requests) counts once."""
        if since.tzinfo is None:
            raise ValueError("since must be an aware datetime")
        credits: dict[str, Credit] = {}
        with self._lock:
            for page in range(STATEMENT_MAX_PAGES):
                data = self._page(page)
                if data is None:  # 204: an empty page
                    break
                lines = data.get("data")
                if not isinstance(lines, list):
                    raise BadResponse(f"orderkuota: statements page {page}: 'data' is not a list")
                reaches_before_since = False
                for line in lines:
                    at, credit = self._line(line, page)
                    if at < since:
                        reaches_before_since = True
                    elif credit is not None:
                        credits.setdefault(credit.credit_id, credit)
                if reaches_before_since or not lines or data.get("has_next") is not True:
                    break
            else:
                log.warning("orderkuota: statements: stopped after %d pages;"
                            " older credits since %s were not read",
                            STATEMENT_MAX_PAGES, since.isoformat())
        return sorted(credits.values(), key=lambda c: (c.credited_at, c.credit_id), reverse=True)

    def _page(self, page: int) -> dict[str, Any] | None:
        if self._last_request is not None:
            wait = self.request_interval_s - (self._monotonic() - self._last_request)
            if wait > 0:
                self._sleep(wait)
        try:
            result = self._api.call("GET", f"/api/v2/statements/{_path_part(self.username)}",
                                    params={"page": page, "size": STATEMENT_PAGE_SIZE})
        finally:
            self._last_request = self._monotonic()
        if result.status == 204 or result.data is None:
            return None
        return _object(result.data, f"statements page {page}")

    def _line(self, line: Any, page: int) -> tuple[datetime, Credit | None]:
        line = _object(line, f"statements page {page}: a line")
        raw_id = line.get("id")
        if (isinstance(raw_id, bool) or not isinstance(raw_id, (int, str))
                or not str(raw_id).strip()):
            raise BadResponse(f"orderkuota: statements page {page}: a line has no id")
        credit_id = str(raw_id).strip()
        where = f"statement line {credit_id}"
        at = wib_to_utc(line.get("transfer_time"), f"{where}: transfer_time")
        if line.get("status") != "IN":
            return at, None
        kredit = _whole_number(line.get("kredit"), f"{where}: kredit")
        if kredit < 0:
            raise BadResponse(f"orderkuota: {where}: negative kredit {kredit}")
        if kredit == 0:
            return at, None
        description = line.get("keterangan")
        return at, Credit(
            source=NAME, credit_id=credit_id, amount=kredit, credited_at=at,
            precision=TimePrecision.SECOND,
            description=description.strip()[:120] if isinstance(description, str) else "",
        )

    def close(self) -> None:
        self._api.close()


# -- login (OTP) --------------------------------------------------------------------------
class OrderKuotaLogin(LoginFlow):
    """``users/auth`` (an OTP is e-mailed) then ``users/auth/otp`` (the OTP buys a token)."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url or DEFAULT_BASE_URL
        self._transport = transport
        self._timeout = timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OrderKuotaLogin:
        """Only ``base_url`` matters: the username and password are typed at the login."""
        return cls(config.get("base_url") or None)

    def _api(self, *secrets: str) -> _Api:
        return _Api(self.base_url, None, transport=self._transport, timeout=self._timeout,
                    secrets=secrets)

    def request_otp(self, username: str, password: str) -> str:
        api = self._api(password)
        try:
            result = api.call("POST", "/api/v2/users/auth",
                              json_body={"username": username, "password": password})
        finally:
            api.close()
        # Success and a wrong password are both HTTP 200; the difference is data.email.status.
        data = _object(_object(result.data, "login").get("data"), "login: data")
        email = _object(data.get("email"), "login: data.email")
        status = email.get("status")
        if status == "Error":
            raise LoginFailed("orderkuota: username or password wrong")
        if status != "Success":
            raise BadResponse(f"orderkuota: login: unknown status {str(status)[:20]!r}")
        inner = _object(email.get("data"), "login: data.email.data")
        return _text(inner.get("email"), "login: data.email.data.email")

    def verify_otp(self, username: str, otp: str) -> str:
        otp = otp.strip()
        api = self._api(otp)
        try:
            result = api.call("POST", "/api/v2/users/auth/otp",
                              json_body={"username": username, "otp": otp}, allow=(400,))
        finally:
            api.close()
        if result.status == 400:  # {"status": "Error", "data": {"error": "OTP was wrong"}}
            raise LoginFailed("orderkuota: OTP was wrong")
        body = _object(result.data, "OTP")
        if body.get("status") == "Error":
            raise LoginFailed("orderkuota: OTP was wrong")
        if body.get("status") != "OK":
            raise BadResponse(f"orderkuota: OTP: unknown status {str(body.get('status'))[:20]!r}")
        return _text(_object(body.get("data"), "OTP: data").get("token"), "OTP: data.token")
