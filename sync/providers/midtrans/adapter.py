"""``midtrans``: a shop's self-hosted Midtrans Snap middleware (seed 002).

The middleware is a small Flask service in front of Midtrans. Every request carries the app's
credentials as headers ``X-App-Code`` and ``X-Api-Key``. Two endpoints:

* ``POST /charge`` ``{"order_id", "amount", "item_details"}`` -> 201 ``{"redirect_url",
  "token"}``. The customer is shown a QR of ``redirect_url`` (the Snap payment page, where they
  pick QRIS, GoPay, a VA, ...). We send *our* order id, so the back-end's ``order_id`` is the
  sale's order id, and one item ("POS", the whole amount, named after the note or "Belanja"),
  because Midtrans wants the items to add up to the amount.
* ``GET /status/{order_id}`` -> the Midtrans transaction status.

What the real back-end does that the seed does not say (SPEC.md section 5), and how it is met:

* ``/status/{order_id}`` is **404 until the customer picks a payment method** on the Snap page
  (Midtrans only creates the transaction then). That is "pending", not an error. The only 404
  we do *not* read as pending is the middleware's own "Endpoint not found" (a wrong base URL),
  which would otherwise make every sale look pending until it expires.
* ``capture`` needs ``fraud_status == "accept"`` to be paid; ``challenge`` (as a fraud status
  or a transaction status) is a card payment under manual fraud review: **pending** — the
  merchant accepts or denies it in the Midtrans dashboard and the status moves on.
* A **reused ``order_id`` is refused** (400; the middleware passes on Midtrans' "order_id sudah
  digunakan" / "has already been taken"; some middlewares answer 409 or even 500 for it).

Status mapping (``transaction_status`` / ``fraud_status``):

==========================================  ======================================
``settlement``                              PAID
``capture`` + ``accept``                    PAID
``capture`` + ``challenge``, ``challenge``  PENDING (fraud review)
``capture`` + ``deny``                      FAILED
``pending``, ``authorize``                  PENDING
``expire``                                  EXPIRED
``cancel``, ``deny``, ``failure``           FAILED (with the reason in ``detail``)
``refund``, ``chargeback`` (+ partial)      FAILED (money went back: never "paid")
anything else, or ``capture`` without a     BadResponse (never a guessed "paid")
known fraud status
==========================================  ======================================

A PAID answer's ``gross_amount`` ("15000.00", as Midtrans sends it) is parsed to whole rupiah
exactly; a fraction or garbage is a ``BadResponse``. A *different* amount is passed on as
``paid_amount`` so that the engine's amount-mismatch rule (record it, audit it, never call it
paid) applies in one place for all providers. The seed's own status example has no
``gross_amount``; then ``paid_amount`` is None (the engine takes the payable amount). An
``order_id`` in the answer that is not ours, or a currency other than IDR, is a
``BadResponse``. ``provider_ref`` of a payment is the Midtrans ``transaction_id`` (or the
middleware's ``id``); before that it is the Snap token.

**Retries and the reused order id.** The engine retries a create after a timeout with the same
order id. If the first attempt reached the middleware, Midtrans already holds a Snap
transaction for that id and refuses the retry. The first answer (the page's token) is lost, and
nothing can fetch it again: ``/status`` knows nothing of Snap tokens. We never create a second
charge under another id (a cashier must not end up with two live payment pages for one sale),
and we never return an Invoice without anything to show (a blank QR for ten minutes helps
nobody). So on a refused create the adapter asks ``/status`` once and then raises
:class:`OrderIdUsed` (a ``Rejected``: not retried), which fails the payment at once with a
message the cashier can act on:

* ``/status`` is 404 - nobody has chosen a payment method, so no money can have moved, and
  the lost page was never shown to anyone (the engine only shows a page after a create
  *returned* it): "... its payment page is unknown; no payment exists for it yet — ring the
  sale up again".
* ``/status`` knows a transaction - in our own flow that cannot happen (nobody had the page),
  so it is another sale that used the same order id (a till restored from an old backup, two
  tills with one ``store.terminal_id``): "... the gateway reports it settlement — check the
  Midtrans dashboard before charging again". Reading its status as *this* sale's payment would
  be exactly the false "paid" SPEC.md forbids.

A 400 that does *not* read like a duplicate but for which ``/status`` knows a transaction is
treated the same way (the order id is in use, whatever the middleware's wording); any other 400
is a plain ``Rejected`` with the middleware's message.

Cancel: the seed has no cancel endpoint, so :meth:`MidtransProvider.cancel` does nothing. The
Snap page stays payable until Midtrans expires it (Snap's own expiry, 24 h by default: the seed
has no field to shorten it). A payment made anyway is seen by the engine's late-payment watch
(``payment.late_watch_s``) and shown to the cashier to accept or refund.

Transport: plain ``http://`` base URLs are accepted because the seed's deployment is
``http://ip-server-anda:5000``; a warning is logged for non-local hosts, since the API key then
travels unencrypted. Retries are the engine's job; this adapter makes exactly one request per
call (plus one ``/status`` after a refused create).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from pos_app.clock import UTC, utcnow, zone
from pos_app.secrets import redact
from sync.http import HttpClient, HttpResult
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    ConfigMissing,
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

log = logging.getLogger(__name__)

NAME = "midtrans"
#: every zone-less Midtrans timestamp (transaction_time, settlement_time) is WIB
WIB = zone("Asia/Jakarta")
AUTH_MESSAGE = "midtrans: app code or API key refused (HTTP {status}) — check Settings"
ORDER_ID_USED_MESSAGE = (
    "midtrans: order id already used at the gateway — the first attempt may have succeeded; "
    "its payment page is unknown"
)
#: the item name shown on the Snap page; Midtrans cuts item names at 50 characters
DEFAULT_ITEM_NAME = "Belanja"
ITEM_NAME_MAX = 50
#: Midtrans: order_id is at most 50 characters of letters, digits and - _ ~ .
_ORDER_ID = re.compile(r"[A-Za-z0-9._~-]{1,50}")
#: a Snap token is a UUID today; allow any short, URL-safe word
_TOKEN = re.compile(r"[A-Za-z0-9._~-]{1,200}")
#: Midtrans amounts: "15000.00" (also "15000", or a JSON integer from a re-serialising middleware).
#: At most two decimals: "15.000" is a thousands separator, not fifteen rupiah.
_AMOUNT = re.compile(r"(\d{1,15})(?:\.(\d{1,2}))?")
#: how a refused order id reads: Midtrans (id/en) through the middleware, or a middleware's own
#: words
_DUPLICATE = re.compile(
    r"sudah digunakan|sudah (?:ada|dipakai|terpakai)|already (?:been )?(?:used|taken|exists?)"
    r"|has been taken|duplicat|not unique|tidak unik|must be unique",
    re.IGNORECASE,
)
_ENDPOINT_MISSING = re.compile(r"endpoint not found", re.IGNORECASE)
URL_MAX = 2048  # a QR of a longer URL would be too dense to scan from a phone

_PAID_FRAUD = {None, "accept"}
_FAILED_STATUSES = {
    "cancel": "payment cancelled at the gateway (cancel)",
    "deny": "payment denied by the payment provider or fraud detection (deny)",
    "failure": "payment failed at the gateway (failure)",
    "refund": "payment was refunded at the gateway (refund)",
    "partial_refund": "payment was partly refunded at the gateway (partial_refund)",
    "chargeback": "payment was charged back (chargeback)",
    "partial_chargeback": "payment was partly charged back (partial_chargeback)",
}


class OrderIdUsed(Rejected):
    """The gateway refused our order id as already used, and its first page can't be recovered.

    ``gateway_status`` is the ``transaction_status`` the gateway holds for that id, or None when
    nobody has chosen a payment method for it (so no money has moved)."""

    def __init__(self, message: str, *, gateway_status: str | None = None) -> None:
        super().__init__(message)
        self.gateway_status = gateway_status


# -- configuration ------------------------------------------------------------------------
def _is_local_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_private_host(host: str | None) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or host.endswith((".local", ".lan"))
    return address.is_private or address.is_loopback


# -- validation helpers (every message starts with "midtrans:" and names the field) --------
def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        got = "no body" if data is None else type(data).__name__
        raise BadResponse(f"midtrans: {what}: expected a JSON object, got {got}")
    return data


def _shown(value: Any, limit: int = 30) -> str:
    """A short, printable rendering of a surprising value for an error message."""
    if not isinstance(value, str):
        text = repr(value)
        return text[:limit] + ("…" if len(text) > limit else "")
    text = "".join(ch if ch.isprintable() else "?" for ch in value)
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def _optional_word(data: Mapping[str, Any], key: str, what: str) -> str | None:
    """A lower-cased string field, or None when absent/null; anything else is a BadResponse."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadResponse(f"midtrans: {what}: {key} is not a string ({type(value).__name__})")
    value = value.strip().lower()
    return value or None


def parse_amount(value: Any, what: str) -> int:
    """Midtrans money -> whole rupiah, exactly.

    ``"15000.00"``, ``"15000"`` and ``15000`` are 15000; ``"15000.50"`` (not whole rupiah),
    ``15000.0`` (a float: we never pass money through floats), ``true``, ``"15.000"`` (a
    thousands separator would silently be read as 15) and ``"-5"`` are ``BadResponse``."""
    if isinstance(value, bool):
        raise BadResponse(f"midtrans: {what} is not an amount ({_shown(value)})")
    if isinstance(value, int):
        if value < 0:
            raise BadResponse(f"midtrans: {what} is negative ({value})")
        return value
    if isinstance(value, str):
        match = _AMOUNT.fullmatch(value.strip())
        if match:
            whole, fraction = match.groups()
            if fraction and fraction.strip("0"):
                raise BadResponse(
                    f"midtrans: {what} {_shown(value)} is not a whole number of rupiah"
                )
            return int(whole)
    raise BadResponse(f"midtrans: {what} is not an amount ({_shown(value)})")


def parse_wib(value: Any) -> datetime | None:
    """``"2026-11-27 10:01:02"`` (WIB, no zone) or ISO-8601 with an offset -> aware UTC.

    Only used for ``paid_at``, which is informational: an unreadable time is logged and
    dropped (the engine then uses "now") rather than holding up a genuine payment."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)  # 3.11+: "Z" and offsets included
    except ValueError:
        log.warning("midtrans: unreadable timestamp %s ignored", _shown(text, 40))
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    return moment.astimezone(UTC)


def _checked_redirect_url(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadResponse("midtrans: charge answer: redirect_url is missing or not a string")
    url = value.strip()
    if len(url) > URL_MAX or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise BadResponse("midtrans: charge answer: redirect_url is not a usable URL")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise BadResponse("midtrans: charge answer: redirect_url is not a URL") from None
    if not host or parts.username or parts.password:
        raise BadResponse("midtrans: charge answer: redirect_url is not a URL with a host")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and _is_local_host(host):
        return url  # the loopback fakes and a developer's local middleware
    # The customer's phone opens this page to pay: a plain-http (or javascript:, data:, ...)
    # link could be rewritten on the way. Name the scheme only, never the URL.
    raise BadResponse(
        "midtrans: charge answer: redirect_url must be an https link,"
        f" got scheme {_shown(parts.scheme, 10)}"
    )


def _message_of(data: Any, secrets: Collection[str]) -> str:
    """The middleware's error text, short and redacted ('' when there is none)."""
    texts = _strings(data)
    text = " ".join(" ".join(texts).split())
    return redact(text[:160], secrets) if text else ""


def _strings(data: Any, depth: int = 0) -> list[str]:
    """Every string in an error body (``{"error": ...}``, Midtrans' ``error_messages`` list)."""
    if depth > 3:
        return []
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        keys = [
            k
            for k in ("error", "message", "status_message", "error_messages", "msg", "detail")
            if k in data
        ]
        return [s for k in keys for s in _strings(data[k], depth + 1)]
    if isinstance(data, list):
        return [s for item in data[:5] for s in _strings(item, depth + 1)]
    return []


def _looks_duplicate(data: Any) -> bool:
    return any(_DUPLICATE.search(text) for text in _strings(data))


def _endpoint_missing(data: Any) -> bool:
    return any(_ENDPOINT_MISSING.search(text) for text in _strings(data))


# -- the provider -------------------------------------------------------------------------
class MidtransProvider(Provider):
    name = NAME
    confirmation = Confirmation.POLL
    # Seed 002 documents no rate limit at all (neither per payment nor per app key), so the
    # engine's fresh-QR interval (0.7 s for the first minute, then 2 s) applies as it is. The
    # floor only keeps a mis-set engine from asking about one order more than twice a second:
    # every /status is a call from the middleware on to Midtrans, whose limits we don't know
    # (a 429 is still retried later through TransientError).
    min_poll_interval_s = 0.5
    local_create = False

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = 10.0,
    ) -> None:
        values = require_config(config, NAME, ("base_url", "app_code", "api_key"))
        base_url = str(values["base_url"]).rstrip("/")
        try:
            parts = urlsplit(base_url)
            host = parts.hostname
        except ValueError:
            parts, host = None, None
        if parts is None or parts.scheme not in ("http", "https") or not host or parts.query:
            # Settings validates URLs already; this is for hand-made configs. The key alone,
            # so that callers can point at the setting.
            raise ConfigMissing(NAME, [f"providers.{NAME}.base_url"])
        if parts.scheme == "http" and not _is_private_host(host):
            log.warning(
                "midtrans: base_url uses plain http to a public host;"
                " the API key travels unencrypted"
            )
        self.app_code = str(values["app_code"])
        self._api_key = str(values["api_key"])
        self._clock = clock
        self._secrets = (self._api_key,)
        self._http = HttpClient(
            base_url,
            NAME,
            headers={"X-App-Code": self.app_code, "X-Api-Key": self._api_key},
            timeout=timeout,
            secrets=self._secrets,
        )

    # -- HTTP ------------------------------------------------------------------------------
    def _call(
        self, method: str, path: str, *, json_body: Any = None, allow: Collection[int] = ()
    ) -> HttpResult:
        try:
            return self._http.request(method, path, json_body=json_body, allow=allow)
        except AuthExpired as exc:
            # 401/403: the middleware's app code and key are typed in, nothing expires (seed
            # 002: "API Key/App Code salah"); the only cure is the owner fixing them, so the
            # engine stops polling and the window says to check Settings, not to log in.
            status = 403 if "HTTP 403" in str(exc) else 401
            raise KeyRefused(AUTH_MESSAGE.format(status=status)) from None

    def _status(self, order_id: str) -> HttpResult:
        return self._call("GET", f"/status/{quote(order_id, safe='')}", allow=(404,))

    # -- create ----------------------------------------------------------------------------
    @staticmethod
    def charge_body(request: CreateRequest) -> dict[str, Any]:
        """The ``/charge`` body: our order id, the amount, one item adding up to it."""
        name = " ".join(request.note.split())[:ITEM_NAME_MAX] or DEFAULT_ITEM_NAME
        return {
            "order_id": request.order_id,
            "amount": request.amount,
            "item_details": [{"id": "POS", "price": request.amount, "quantity": 1, "name": name}],
        }

    def create(self, request: CreateRequest) -> Invoice:
        # Midtrans refuses these anyway; saying so here gives a clearer message and keeps an
        # odd id out of the /status path.
        if not _ORDER_ID.fullmatch(request.order_id):
            raise Rejected(
                f"midtrans: order id {_shown(request.order_id, 60)} is not allowed by Midtrans "
                "(at most 50 letters, digits, '-', '_', '~', '.')"
            )
        if (
            isinstance(request.amount, bool)
            or not isinstance(request.amount, int)
            or request.amount <= 0
        ):
            raise Rejected(
                "midtrans: amount must be a positive whole number of rupiah,"
                f" got {_shown(request.amount)}"
            )
        # 400/409: maybe our order id is taken (see the module docstring). 500: some
        # middlewares report *every* Midtrans error as 500, including the duplicate.
        result = self._call(
            "POST", "/charge", json_body=self.charge_body(request), allow=(400, 409, 500)
        )
        if result.status == 500 and not _looks_duplicate(result.data):
            raise TransientError("midtrans POST /charge: HTTP 500 from the server")
        if result.status in (400, 409, 500):
            self._refused(request, result)  # always raises
        if result.status not in (200, 201):
            raise BadResponse(f"midtrans: charge answered HTTP {result.status}, expected 201")
        data = _object(result.data, "charge answer")
        token = data.get("token")
        if not isinstance(token, str) or not _TOKEN.fullmatch(token.strip()):
            raise BadResponse("midtrans: charge answer: token is missing or not a token")
        token = token.strip()
        redirect_url = _checked_redirect_url(data.get("redirect_url"))
        log.info("midtrans: Snap page created for %s", request.order_id)
        return Invoice(
            payable_amount=request.amount,  # Snap charges exactly what we asked
            expires_at=request.created_at + timedelta(seconds=request.ttl_s),
            provider_ref=token,
            qris=None,  # the customer scans a QR of the Snap page's URL
            checkout_url=redirect_url,
        )

    def _refused(self, request: CreateRequest, result: HttpResult) -> None:
        """A refused ``/charge``: find out whether the order id is taken, and say so clearly."""
        message = _message_of(result.data, self._secrets)
        duplicate = result.status == 409 or _looks_duplicate(result.data)
        status = self._status(request.order_id)  # Transient/AuthExpired propagate: retry later
        known: str | None = None
        if status.status == 200 and isinstance(status.data, dict):
            raw = status.data.get("transaction_status")
            if isinstance(raw, str) and raw.strip():
                known = raw.strip().lower()[:30]
        if known is not None:
            log.error(
                "midtrans: order id %s is taken at the gateway (status %s)", request.order_id, known
            )
            raise OrderIdUsed(
                f"{ORDER_ID_USED_MESSAGE}; the gateway reports it {known}"
                " — check the Midtrans dashboard before charging again",
                gateway_status=known,
            )
        if duplicate:
            log.error(
                "midtrans: order id %s is taken at the gateway, no payment method chosen",
                request.order_id,
            )
            raise OrderIdUsed(
                f"{ORDER_ID_USED_MESSAGE}; no payment exists for it yet — ring the sale up again"
            )
        raise Rejected(
            f"midtrans POST /charge: HTTP {result.status}{': ' + message if message else ''}"
        )

    # -- check -----------------------------------------------------------------------------
    def check(self, ref: PaymentRef) -> StatusResult:
        result = self._status(ref.order_id)
        if result.status == 404:
            if _endpoint_missing(result.data):
                raise Rejected(
                    "midtrans: the middleware has no /status endpoint"
                    f" (HTTP 404 'Endpoint not found') — check providers.{NAME}.base_url"
                )
            return StatusResult(
                RemoteStatus.PENDING,
                provider_ref=ref.provider_ref,
                detail="waiting for the customer to choose a payment method",
            )
        if result.status != 200:
            raise BadResponse(f"midtrans: status answered HTTP {result.status}, expected 200")
        return self.interpret_status(ref, result.data)

    def interpret_status(self, ref: PaymentRef, data: Any) -> StatusResult:
        """One ``/status`` answer -> StatusResult (public for the engine's tests and tools)."""
        data = _object(data, f"status of {ref.order_id}")
        where = f"status of {ref.order_id}"
        transaction_status = _optional_word(data, "transaction_status", where)
        if transaction_status is None:
            # A middleware that passes Midtrans' "not found" on as HTTP 200.
            if str(data.get("status_code", "")).strip() == "404":
                return StatusResult(
                    RemoteStatus.PENDING,
                    provider_ref=ref.provider_ref,
                    detail="waiting for the customer to choose a payment method",
                )
            raise BadResponse(f"midtrans: {where}: transaction_status is missing")
        fraud_status = _optional_word(data, "fraud_status", where)
        order_id = data.get("order_id")
        if order_id is not None and order_id != ref.order_id:
            raise BadResponse(
                f"midtrans: {where}: the answer is about another order ({_shown(order_id)})"
            )
        currency = _optional_word(data, "currency", where)
        if currency is not None and currency != "idr":
            raise BadResponse(f"midtrans: {where}: currency {_shown(currency)} is not IDR")
        gross = data.get("gross_amount")
        amount = None if gross is None else parse_amount(gross, f"{where}: gross_amount")
        transaction_id = self._transaction_id(data, where) or ref.provider_ref

        if transaction_status == "settlement" or (
            transaction_status == "capture" and fraud_status == "accept"
        ):
            if transaction_status == "settlement" and fraud_status not in _PAID_FRAUD:
                raise BadResponse(
                    f"midtrans: {where}: settlement with fraud_status {_shown(fraud_status)}"
                )
            paid_at = parse_wib(data.get("settlement_time")) or parse_wib(
                data.get("transaction_time")
            )
            # A different gross_amount is reported as is: the engine refuses the mismatch.
            return StatusResult(
                RemoteStatus.PAID,
                paid_amount=amount,
                provider_ref=transaction_id,
                paid_at=paid_at,
                detail=transaction_status,
            )
        if transaction_status == "capture":
            if fraud_status == "challenge":
                return StatusResult(
                    RemoteStatus.PENDING,
                    provider_ref=transaction_id,
                    detail="card payment under fraud review (challenge)",
                )
            if fraud_status == "deny":
                return StatusResult(
                    RemoteStatus.FAILED,
                    provider_ref=transaction_id,
                    detail="card payment denied by fraud detection (capture/deny)",
                )
            raise BadResponse(
                f"midtrans: {where}: capture with fraud_status {_shown(fraud_status)}"
            )
        if transaction_status == "challenge":
            return StatusResult(
                RemoteStatus.PENDING,
                provider_ref=transaction_id,
                detail="payment under fraud review (challenge)",
            )
        if transaction_status in ("pending", "authorize"):
            return StatusResult(
                RemoteStatus.PENDING,
                provider_ref=transaction_id,
                detail=f"payment method chosen, waiting for the payment ({transaction_status})",
            )
        if transaction_status == "expire":
            return StatusResult(
                RemoteStatus.EXPIRED,
                provider_ref=transaction_id,
                detail="the gateway expired the payment (expire)",
            )
        if transaction_status in _FAILED_STATUSES:
            return StatusResult(
                RemoteStatus.FAILED,
                provider_ref=transaction_id,
                detail=_FAILED_STATUSES[transaction_status],
            )
        raise BadResponse(
            f"midtrans: {where}: unknown transaction_status {_shown(transaction_status)}"
        )

    @staticmethod
    def _transaction_id(data: Mapping[str, Any], where: str) -> str | None:
        for key in ("transaction_id", "id"):
            value = data.get(key)
            if value is None:
                continue
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                raise BadResponse(f"midtrans: {where}: {key} is not a transaction id")
            return value.strip()
        return None

    def cancel(self, ref: PaymentRef) -> None:
        """No cancel endpoint in the seed: the Snap page stays payable until Midtrans expires
        it; a payment made anyway is caught by the engine's late-payment watch."""

    # -- Settings "Tes koneksi" ------------------------------------------------------------
    def test_connection(self) -> str:
        """Ask ``/status`` about an order id that can't exist: 404 means the middleware is
        there and took our keys; 401 raises AuthExpired; a wrong URL raises Rejected."""
        probe = f"pos-app-connection-test-{uuid.uuid4().hex[:12]}"
        result = self._status(probe)
        if result.status == 404 and _endpoint_missing(result.data):
            raise Rejected(
                f"midtrans: no Midtrans middleware at this address ('Endpoint not found') "
                f"— check providers.{NAME}.base_url"
            )
        if result.status not in (200, 404):
            raise BadResponse(f"midtrans: status answered HTTP {result.status}, expected 404")
        return f"midtrans: connected to the middleware as app {self.app_code}"

    def close(self) -> None:
        self._http.close()
