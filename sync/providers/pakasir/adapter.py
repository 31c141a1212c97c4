"""``pakasir``: the Pakasir QRIS gateway (seed 003), polled through ``transactiondetail``.

Endpoints (``base_url`` defaults to ``https://app.pakasir.com``):

* ``POST /api/transactioncreate/qris`` ``{"project", "order_id", "amount", "api_key"}`` ->
  ``{"payment": {"project", "order_id", "amount", "fee", "total_payment", "payment_method",
  "payment_number", "expired_at"}}``
* ``GET /api/transactiondetail?project=&amount=&order_id=&api_key=`` ->
  ``{"transaction": {"amount", "order_id", "project", "status", "payment_method",
  "completed_at"}}``
* ``POST /api/transactioncancel`` ``{"project", "order_id", "amount", "api_key"}``
* errors: ``{"error": "...", "code": 400}``

What the real back-end does beyond the seed (SPEC.md section 5), and how this adapter copes:

* **The fee is Pakasir's.** The customer pays ``total_payment`` (= ``amount`` + ``fee``); the
  adapter never computes a fee (the seed's "0.7% + Rp310" formula is not used). It checks that
  the answer is self-consistent instead: ``total_payment == amount + fee``, ``amount`` is the
  amount we asked for, and the QRIS ``payment_number`` is valid and carries ``total_payment``
  in tag 54 when it carries an amount at all.
* **``expired_at`` may carry nanoseconds** (Go's RFC 3339 "nano" format) or an offset such as
  ``+07:00``; :func:`parse_pakasir_time` truncates the fraction to microseconds and returns an
  aware UTC datetime. A time without an offset is taken as WIB (Asia/Jakarta), like every other
  zone-less time the Indonesian back-ends send.
* **Statuses** are ``pending``, ``completed``, ``expired`` and ``cancelled`` *or* ``canceled``.
  Anything else is a ``BadResponse`` - never a guessed state.
* **The API key travels in the query string** (``transactiondetail``) and in request bodies.
  ``HttpClient`` gets it as a secret (redacted from error snippets; messages name only the
  path, and it puts a redacting filter on the ``httpx`` logger, which otherwise logs every
  request URL - query string included - at INFO).
* **The webhook is not signed** (the seed's ``X-Pakasir-Signature`` does not exist):
  :meth:`PakasirProvider.parse_webhook` only extracts the order id to re-query; a webhook never
  marks anything paid by itself.
* **Cancel** (``POST /api/transactioncancel``) is sent when the cashier cancels. Cancelling a
  transaction that is already completed raises ``Rejected`` so the engine re-checks and finds it
  paid; cancelling one that is already expired or cancelled counts as done.

Decisions where the seed and SPEC are silent:

* ``provider_ref`` is our ``order_id``: Pakasir identifies a transaction by (project,
  order_id) and returns no reference of its own.
* ``transactiondetail``'s ``amount`` is the ORIGINAL order amount (``PaymentRef.amount``, what
  we sent to ``transactioncreate``), not ``total_payment``: the seed calls it "Payment amount",
  the create answer's ``amount`` is that original amount, and public integrations query with
  it. The detail's ``amount`` must echo it; ``completed`` then reports ``paid_amount =
  PaymentRef.payable_amount`` (the ``total_payment`` we were given). A detail whose amount is not
  the order's amount is a ``BadResponse``, never "paid".
* A create retried with the same ``order_id`` is assumed idempotent at Pakasir (it answers the
  existing transaction); that is what makes the engine's "retry with the same order id" safe.
  A create answer with a different ``amount``/``order_id``/``project`` is a ``BadResponse``.
* Credentials: Pakasir answers a wrong project or API key with HTTP 400 ``{"error": "Invalid
  project or api key"}`` (or 401/403); both become ``KeyRefused`` (an ``AuthExpired``: the
  engine stops polling) -- the key is typed in, there is no login to renew -- and the cashier
  is told to fix the project / API key in Settings.
* ``transactiondetail`` saying "not found" for a transaction that ``transactioncreate``
  accepted is a ``BadResponse`` (a visible error on the order), not "pending".
* ``Invoice.expires_at`` is the earlier of Pakasir's ``expired_at`` and the request's own
  ``expires_at`` (``created_at + ttl_s``: the store's ``payment.invoice_ttl_s`` decides how long
  the QR is shown; Pakasir takes no lifetime). Pakasir's own expiry is kept in
  ``Invoice.extra["pakasir_expired_at"]``.
* Creation is limited to 100 per minute per project: ``max_creates_per_minute`` tells the engine,
  and the adapter itself refuses the 101st create inside 60 s with a ``TransientError`` carrying
  ``retry_after_s`` instead of provoking a 429.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar, TypeGuard
from uuid import uuid4

from pos_app import qris
from pos_app.clock import UTC, utcnow, zone
from pos_app.secrets import redact, register_secret
from sync.http import HttpClient, HttpResult
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    Confirmation,
    CreateRequest,
    Invoice,
    KeyRefused,
    PaymentRef,
    Provider,
    Rejected,
    RemoteStatus,
    StatusResult,
    TransientError,
    require_config,
)

__all__ = ["DEFAULT_BASE_URL", "PakasirProvider", "parse_pakasir_time"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://app.pakasir.com"
CREATE_PATH = "/api/transactioncreate/qris"
DETAIL_PATH = "/api/transactiondetail"
CANCEL_PATH = "/api/transactioncancel"

#: 4xx answers whose body we read ourselves (to tell "wrong credentials" from "not found" from
#: "already completed"); 401/403 stay with HttpClient (AuthExpired), 429 too (TransientError).
_OWN_4XX = (400, 404, 405, 409, 410, 422)

_STATUS = {
    "pending": RemoteStatus.PENDING,
    "completed": RemoteStatus.PAID,
    "expired": RemoteStatus.EXPIRED,
    "cancelled": RemoteStatus.CANCELLED,
    "canceled": RemoteStatus.CANCELLED,  # both spellings are seen in the wild
}

# An error text that means "your project / API key is wrong" rather than "this request is".
_AUTH_TEXT = re.compile(
    r"api[\s_-]*key|invalid project|project (?:not found|tidak ditemukan)|unauthori[sz]ed|"
    r"forbidden|credential",
    re.IGNORECASE,
)
_NOT_FOUND_TEXT = re.compile(r"not found|tidak ditemukan|no (?:such )?transaction", re.IGNORECASE)
_COMPLETED_TEXT = re.compile(r"complet|already paid|sudah dibayar|success|berhasil", re.IGNORECASE)
_GONE_TEXT = re.compile(r"expire|kedaluwarsa|cancel", re.IGNORECASE)

# RFC 3339 with any number of fractional digits (Go's RFC3339Nano trims trailing zeros, so
# 1-9 digits occur), "Z" / "+07:00" / "+0700" / no zone. A space instead of "T" is tolerated.
_TIME = re.compile(
    r"(?P<base>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(?:[.,](?P<frac>\d{1,12}))?"
    r"(?P<zone>Z|z|[+-]\d{2}:?\d{2})?"
)
WIB = zone("Asia/Jakarta")


def parse_pakasir_time(text: object) -> datetime:
    """Parse a Pakasir timestamp into an aware UTC datetime (``ValueError`` if it is not one).

    ``datetime.fromisoformat`` takes at most 6 fractional digits, so nanoseconds are truncated
    (not rounded: rounding up could move a time across a second). No offset means WIB.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a timestamp string, got {type(text).__name__}")
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an ISO-8601 timestamp: {text[:40]!r}")
    frac = (match.group("frac") or "")[:6].ljust(6, "0")
    zone_text = match.group("zone")
    iso = f"{match.group('base').replace(' ', 'T')}.{frac}"
    if zone_text:
        zone_text = "+00:00" if zone_text in ("Z", "z") else zone_text
        if ":" not in zone_text:
            zone_text = f"{zone_text[:3]}:{zone_text[3:]}"
        iso += zone_text
    moment = datetime.fromisoformat(iso)  # ValueError for month 13, hour 25, ...
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    return moment.astimezone(UTC)


# -- the adapter -------------------------------------------------------------------------
def _is_int(value: Any) -> TypeGuard[int]:
    return type(value) is int  # bool is an int subclass; floats are not rupiah


class PakasirProvider(Provider):
    """Pakasir QRIS: create with ``transactioncreate/qris``, poll ``transactiondetail``."""

    name = "pakasir"
    confirmation = Confirmation.POLL
    #: seed 003 limits status checks per *project* (1000/min, ``max_checks_per_minute`` below,
    #: which the engine keeps across all pending orders), not per order: one order may be
    #: checked at the engine's fresh-QR interval (0.7 s for its first minute, then 2 s). The
    #: seed's "Payment Checks: 5 status checks per minute per order" is listed under "Internal
    #: Rate Limits": the bot's own limit on its users' "check payment" button, not Pakasir's.
    #: The floor only keeps a mis-set engine from asking about one order more than twice a
    #: second.
    min_poll_interval_s: ClassVar[float] = 0.5
    local_create = False
    #: transaction creation is limited to 100/min per project (seed 003, "Rate Limiting");
    #: the engine honours it, and ``create`` refuses locally beyond it as a second line.
    max_creates_per_minute: int = 100
    #: the seed's "Status Check: 1000 requests per minute per project"; the engine spreads the
    #: checks of many pending orders so that they stay under it
    max_checks_per_minute: int = 1000

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = 10.0,
    ) -> None:
        values = require_config(config, self.name, ("project", "api_key"), ("base_url",))
        project, api_key = values["project"], values["api_key"]
        self.project = project
        self._api_key = api_key
        self.base_url = values["base_url"] or DEFAULT_BASE_URL
        self._clock = clock  # the common constructor; expiry comes from the request and Pakasir
        register_secret(api_key)  # the app's redacting log filters learn it too
        self._http = HttpClient(self.base_url, self.name, timeout=timeout, secrets=[api_key])
        self._rate_lock = threading.Lock()
        self._recent_creates: deque[float] = deque()

    def __repr__(self) -> str:  # never show the key, even in a debugger or a crash report
        return f"PakasirProvider(project={self.project!r}, base_url={self.base_url!r})"

    # -- helpers ---------------------------------------------------------------------------
    def _clean(self, text: Any, limit: int = 160) -> str:
        """A server-provided value made safe for a one-line, secret-free message."""
        if text is None:
            return ""
        one_line = " ".join(str(text).split())[:limit]
        return redact(one_line, [self._api_key])

    def _error_text(self, data: Any) -> str:
        if isinstance(data, dict):
            for key in ("error", "message", "msg"):
                value = data.get(key)
                if isinstance(value, str) and value.strip():
                    return self._clean(value)
        return ""

    @staticmethod
    def _bad(where: str, message: str) -> BadResponse:
        return BadResponse(f"pakasir {where}: {message}")

    @staticmethod
    def _auth_error(where: str, detail: str) -> KeyRefused:
        return KeyRefused(
            f"pakasir {where}: project or API key refused ({detail or 'no reason given'}); "
            "check providers.pakasir.project and providers.pakasir.api_key"
        )

    @staticmethod
    def _refused(where: str, order_id: str, status: int, detail: str) -> Rejected:
        suffix = f": {detail}" if detail else ""
        return Rejected(f"pakasir {where} for order {order_id}: refused (HTTP {status}){suffix}")

    def _request(self, method: str, path: str, **kwargs: Any) -> HttpResult:
        try:
            return self._http.request(method, path, allow=_OWN_4XX, **kwargs)
        except AuthExpired as exc:  # 401/403 from HttpClient: the same refused key
            raise KeyRefused(str(exc)) from None

    def _check_echo(self, where: str, obj: dict[str, Any], order_id: str) -> None:
        """The answer is about OUR order in OUR project, paid (to be paid) by QRIS."""
        if obj.get("order_id") != order_id:
            seen = self._clean(obj.get("order_id"), 60)
            raise self._bad(where, f"the answer is for order {seen!r}, not {order_id!r}")
        # Some answers omit ``project``; when present it must be ours.
        if "project" in obj and obj["project"] != self.project:
            seen = self._clean(obj["project"], 60)
            raise self._bad(where, f"the answer is for another project ({seen!r})")
        method = obj.get("payment_method")
        if method not in (None, "", "qris"):
            raise self._bad(where, f"payment_method is {self._clean(method, 30)!r}, not 'qris'")

    def _int_field(self, where: str, obj: dict[str, Any], key: str) -> int:
        value = obj.get(key)
        if not isinstance(value, int) or not _is_int(value):
            raise self._bad(where, f"'{key}' is not a whole number of rupiah "
                                   f"({type(value).__name__})")
        return value

    def _time_field(self, where: str, obj: dict[str, Any], key: str) -> datetime:
        try:
            return parse_pakasir_time(obj.get(key))
        except ValueError as exc:
            raise self._bad(where, f"bad {key}: {self._clean(exc, 80)}") from None

    def _take_create_slot(self) -> None:
        """Refuse locally what Pakasir would refuse with 429 (100 creates / 60 s / project)."""
        now = time.monotonic()
        with self._rate_lock:
            while self._recent_creates and now - self._recent_creates[0] >= 60.0:
                self._recent_creates.popleft()
            if len(self._recent_creates) >= self.max_creates_per_minute:
                wait = 60.0 - (now - self._recent_creates[0])
                raise TransientError(
                    f"pakasir create: more than {self.max_creates_per_minute} transactions a "
                    "minute for this project; waiting for the rate limit",
                    retry_after_s=max(0.0, wait),
                )
            self._recent_creates.append(now)

    # -- create ----------------------------------------------------------------------------
    def create(self, request: CreateRequest) -> Invoice:
        where = "create"
        if not _is_int(request.amount) or request.amount < 1:
            raise Rejected(f"pakasir create: amount must be a positive whole rupiah, "
                           f"got {request.amount!r}")
        self._take_create_slot()
        result = self._request("POST", CREATE_PATH, json_body={
            "project": self.project,
            "order_id": request.order_id,
            "amount": request.amount,
            "api_key": self._api_key,
        })
        data = result.data
        detail = self._error_text(data)
        refused = isinstance(data, dict) and "payment" not in data and bool(detail)
        if result.status // 100 != 2 or refused:
            if _AUTH_TEXT.search(detail):
                raise self._auth_error(where, detail)
            raise self._refused(where, request.order_id, result.status, detail)
        if not isinstance(data, dict) or not isinstance(data.get("payment"), dict):
            raise self._bad(where, "the answer has no 'payment' object")
        payment: dict[str, Any] = data["payment"]
        self._check_echo(where, payment, request.order_id)

        amount = self._int_field(where, payment, "amount")
        fee = self._int_field(where, payment, "fee")
        total = self._int_field(where, payment, "total_payment")
        if amount != request.amount:
            raise self._bad(where, f"amount {amount} differs from the order's {request.amount}")
        if fee < 0:
            raise self._bad(where, f"negative fee {fee}")
        # Pakasir's fee, whatever it is, but the three numbers must agree with each other.
        if total != amount + fee:
            raise self._bad(where, f"total_payment {total} is not amount {amount} + fee {fee}")

        payload = payment.get("payment_number")
        if not isinstance(payload, str) or not payload:
            raise self._bad(where, "'payment_number' (the QRIS) is missing")
        try:
            qr_amount = qris.parse(payload).amount
        except qris.InvalidQris as exc:
            raise self._bad(where, f"payment_number is not a valid QRIS: {exc}") from None
        if qr_amount is not None and qr_amount != total:
            raise self._bad(where, f"the QRIS asks for {qr_amount}, total_payment is {total}")

        pakasir_expiry = self._time_field(where, payment, "expired_at")
        return Invoice(
            payable_amount=total,
            # request.expires_at = created_at + ttl_s: the whole lifetime, the same on a retry
            expires_at=min(pakasir_expiry, request.expires_at),
            provider_ref=request.order_id,  # Pakasir has no reference of its own
            qris=payload,
            extra={"fee": fee, "pakasir_expired_at": pakasir_expiry.isoformat()},
        )

    # -- check -----------------------------------------------------------------------------
    def _detail(self, order_id: str, amount: int) -> HttpResult:
        return self._request("GET", DETAIL_PATH, params={
            "project": self.project,
            "amount": amount,
            "order_id": order_id,
            "api_key": self._api_key,
        })

    def check(self, ref: PaymentRef) -> StatusResult:
        where = "status"
        # The ORIGINAL amount (what create was given), not total_payment: see module docstring.
        result = self._detail(ref.order_id, ref.amount)
        data = result.data
        detail = self._error_text(data)
        tx = data.get("transaction") if isinstance(data, dict) else None
        if result.status // 100 != 2 or (tx is None and detail):
            if _AUTH_TEXT.search(detail):
                raise self._auth_error(where, detail)
            if result.status == 404 or _NOT_FOUND_TEXT.search(detail):
                raise self._bad(where, f"Pakasir does not know order {ref.order_id} with amount "
                                       f"{ref.amount} (HTTP {result.status})")
            raise self._refused(where, ref.order_id, result.status, detail)
        if not isinstance(tx, dict):
            raise self._bad(where, "the answer has no 'transaction' object")
        self._check_echo(where, tx, ref.order_id)
        amount = self._int_field(where, tx, "amount")
        if amount != ref.amount:
            # We asked about ref.amount; a different amount is somebody else's transaction or a
            # changed contract - either way no proof that OUR total was paid.
            raise self._bad(where, f"amount {amount} differs from the order's {ref.amount}")
        raw_status = tx.get("status")
        status = _STATUS.get(raw_status.strip().lower()) if isinstance(raw_status, str) else None
        if status is None:
            raise self._bad(where, f"unknown transaction status {self._clean(raw_status, 30)!r}")
        if status is not RemoteStatus.PAID:
            return StatusResult(status, provider_ref=ref.order_id,
                                detail=f"pakasir status {raw_status}")
        paid_at = None
        if tx.get("completed_at") not in (None, ""):
            paid_at = self._time_field(where, tx, "completed_at")
        # Pakasir reports the order amount; the customer paid amount + fee = the total_payment
        # that create gave us, which is PaymentRef.payable_amount.
        return StatusResult(RemoteStatus.PAID, paid_amount=ref.payable_amount,
                            provider_ref=ref.order_id, paid_at=paid_at,
                            detail="pakasir status completed")

    # -- cancel ----------------------------------------------------------------------------
    def cancel(self, ref: PaymentRef) -> None:
        where = "cancel"
        result = self._request("POST", CANCEL_PATH, json_body={
            "project": self.project,
            "order_id": ref.order_id,
            "amount": ref.amount,
            "api_key": self._api_key,
        })
        data = result.data
        detail = self._error_text(data)
        if result.status // 100 == 2 and not (isinstance(data, dict) and data.get("error")):
            tx = data.get("transaction") if isinstance(data, dict) else None
            tx_status = tx.get("status") if isinstance(tx, dict) else None
            if isinstance(tx_status, str) and _STATUS.get(tx_status.lower()) is RemoteStatus.PAID:
                raise Rejected(f"pakasir {where}: order {ref.order_id} is already paid; "
                               "it was not cancelled")
            return
        if _AUTH_TEXT.search(detail):
            raise self._auth_error(where, detail)
        # Checked before "gone": "cannot cancel a completed transaction" mentions both.
        if _COMPLETED_TEXT.search(detail):
            raise Rejected(f"pakasir {where}: order {ref.order_id} is already paid at Pakasir; "
                           f"it was not cancelled ({detail})")
        if _GONE_TEXT.search(detail):
            log.info("pakasir cancel: order %s was already not payable (%s)", ref.order_id, detail)
            return
        raise self._refused(where, ref.order_id, result.status, detail)

    # -- webhook & set-up ------------------------------------------------------------------
    def parse_webhook(self, body: bytes) -> str | None:
        """The order id a Pakasir webhook is about, to re-query with ``transactiondetail``.

        Pakasir does not sign its webhooks, so anybody can post one: its ``status`` and
        ``amount`` are deliberately ignored. Returns ``None`` for a body that is not a webhook
        of this project (garbage, no order id, another project).
        """
        try:
            data = json.loads(body)
        except (ValueError, TypeError):
            return None
        if not isinstance(data, dict):
            return None
        order_id = data.get("order_id")
        if not isinstance(order_id, str) or not order_id.strip() or len(order_id) > 100:
            return None
        project = data.get("project")
        if project is not None and project != self.project:
            return None
        return order_id

    def test_connection(self) -> str:
        """Ask about an order that cannot exist: "not found" means project and key are accepted.

        Returns a one-line description; raises ``AuthExpired`` (wrong project / key),
        ``TransientError`` (unreachable) or ``BadResponse``/``Rejected`` (anything else).
        """
        where = "connection test"
        result = self._detail(f"POSAPP-PING-{uuid4().hex[:12]}", 1)
        data = result.data
        detail = self._error_text(data)
        if _AUTH_TEXT.search(detail):
            raise self._auth_error(where, detail)
        ok = f"Pakasir project {self.project!r} at {self.base_url}: credentials accepted"
        if result.status // 100 == 2:
            if isinstance(data, dict) and isinstance(data.get("transaction"), dict):
                return ok
            raise self._bad(where, f"unexpected answer (HTTP {result.status})")
        if result.status == 404 or _NOT_FOUND_TEXT.search(detail):
            return ok
        suffix = f": {detail}" if detail else ""
        raise Rejected(f"pakasir {where}: refused (HTTP {result.status}){suffix}")

    def close(self) -> None:
        self._http.close()
