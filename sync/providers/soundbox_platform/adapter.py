"""``soundbox_platform``: the till as a *device* of the "QRIS Soundbox Platform v1" (seed 004).

The platform was designed for soundboxes: a device creates a dynamic QR, and learns that it was
paid from the commands the platform hands back in the answer to its heartbeat. pos-app plays the
device, so this is a :class:`~sync.providers.base.FeedProvider`:

* ``create`` -> ``POST /device/transactions/dynamic-qr`` with ``Idempotency-Key: <payment id>``
  (identical on every retry, so a lost answer can never make a second transaction) and
  ``request_id`` = the payment id too. ``provider_ref`` = the platform's ``transaction_id``.
  ``Invoice.expires_at`` is the earlier of the platform's ``expires_at`` (its own, often longer
  lifetime) and the request's (``created_at + ttl_s``: the store's ``payment.invoice_ttl_s``
  decides how long a QR is payable, on every back-end); the heartbeat's state follows it too.
* ``poll_feed`` -> ``POST /device/heartbeat``; the answer's ``{"commands": [...]}`` (SPEC.md
  section 5) carries ``payment_notification`` commands. The engine sets the heartbeat cadence
  while a QR is on screen: its fresh-QR interval (0.7 s) while the newest pending QR is under a
  minute old, then every 2 s; not at all when nothing is pending. ``min_poll_interval_s`` is
  only a floor (seed 004 documents no heartbeat limit).
* ``ack`` -> ``POST /device/commands/ack`` (``delivered`` / ``failed``; the seed's third status,
  ``timeout``, is for a device that could not act in time and is never sent by us).
* ``check`` answers PENDING (the FeedProvider default): the platform has no per-transaction
  status endpoint for devices, and expiry is decided locally by the engine.
* Provisioning: :func:`activate` (``pos-app provider login soundbox_platform``),
  :meth:`SoundboxPlatformProvider.refresh_credential`,
  :meth:`SoundboxPlatformProvider.fetch_config`,
  :meth:`SoundboxPlatformProvider.test_connection`.

Decisions where the seed is silent (also in docs/decisions.md once merged):

* **Error model.** The seed lists codes only. We read ``{"error": {"code", "message"},
  "request_id", "trace_id"}`` (also ``"error": "<CODE>"`` or a top-level ``"code"``), and the code
  wins over the HTTP status: ``DEVICE_UNAUTHORIZED`` -> ``AuthExpired`` (even on a 400);
  ``DEVICE_NOT_BOUND`` -> ``Rejected`` "device ... not bound to a terminal" (even on a 403, which
  a plain HTTP client would take for a bad token and send the cashier to log in again);
  ``INVALID_AMOUNT``, ``DEVICE_CAPABILITY_NOT_SUPPORTED`` and other codes -> ``Rejected``;
  ``PARTNER_TIMEOUT`` -> ``TransientError``. Without a code the status decides (401/403 ->
  ``AuthExpired``, 408/5xx -> ``TransientError``, other 4xx -> ``Rejected``); 429 is left to
  :class:`~sync.http.HttpClient` (``Retry-After``). Every message carries the ``trace_id`` when
  the platform sent one, for the platform's support desk.
* **DUPLICATE_REQUEST -> TransientError.** We always send the same ``Idempotency-Key`` with the
  same body, so a correct platform answers a retry with the original transaction. When it says
  DUPLICATE_REQUEST instead, the original is most likely still being processed (the usual
  meaning of an idempotency conflict); retrying later gets it. Should the conflict be permanent
  (e.g. ``terminal_id`` changed between two attempts), the engine's give-up rule (the QR's
  lifetime) ends it — and no retry can ever charge twice, as the key never changes.
* **Paid statuses**: the seed names no transaction statuses besides ``awaiting_payment``. A
  notification counts as paid for ``paid``, ``success`` and ``settled`` (settlement is the
  platform's payout batch of paid transactions, so a settled transaction was paid), compared
  case-insensitively. ``expired`` -> EXPIRED, ``failed`` -> FAILED, ``cancelled``/``canceled`` ->
  CANCELLED. ``pending``/``awaiting_payment`` notifications say nothing new: acked ``delivered``,
  not reported. Any other status is acked ``failed`` ("unknown status: ...") and not reported.
* **Commands**: other types than ``payment_notification`` are acked ``failed`` ("unsupported
  command type: ...") and not reported. A malformed notification (missing field, amount not an
  int, bad ``paid_at``/``currency``) is acked ``failed`` and never reported, so it can never be a
  false "paid". A command without a usable ``command_id`` cannot be acked; it is skipped and
  logged. ``result_payload`` is ``{"payment_result": "ok"}`` for delivered and
  ``{"payment_result": "failed"}`` for failed.
* **Redelivery**: the platform re-sends a command until it is acked. The ids of the last 512
  acked commands (by the engine or by us) are remembered: such a command is acked again with
  the same status and never reported twice in one process. A command returned to the engine but
  not yet acked is reported again on the next heartbeat (the engine's ack is the commit point;
  recording a paid payment twice is a no-op for it).
* **Heartbeat body**: ``firmware_version`` = ``"pos-app <version>"``, ``network_strength`` and
  ``battery_level`` 100 (a PC on mains), ``state`` = ``awaiting_payment`` while a transaction
  created by this process is open and not yet expired, else ``idle``.
* **Provisioning shapes (guessed, not in the seed)**: ``activate`` posts ``{"device_id",
  "activation_code"}`` without a token and expects ``{"device_token", "terminal_id",
  "merchant": {"id", "name"}, "token_expires_at"?}``; ``refresh-credential`` posts
  ``{"device_id"}`` with the current token and expects ``{"device_token", "token_expires_at"?}``
  (``expires_at`` accepted too); ``GET /device/config`` returns an object with at least
  ``terminal_id`` (null/empty while unbound) and optionally ``config_version``, ``merchant``;
  ``POST /device/config/ack`` gets ``{"device_id", "config_version", "status": "delivered",
  "reason": "ok"}`` (the one ack vocabulary the seed has). A ``{"data": {...}}`` envelope, as
  the seed's admin APIs use, is accepted everywhere.
* ``terminal_id`` from the configuration wins; when empty, the one of ``GET /device/config`` is
  fetched once and cached. A device without a terminal cannot create (``Rejected``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeGuard

import pos_app
from pos_app import qris
from pos_app.clock import utcnow
from pos_app.secrets import redact
from sync.http import HttpClient, HttpResult
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    CreateRequest,
    FeedItem,
    FeedProvider,
    Invoice,
    LoginFailed,
    PaymentRef,
    ProviderError,
    Rejected,
    RemoteStatus,
    StatusResult,
    TransientError,
    require_config,
)

log = logging.getLogger(__name__)

NAME = "soundbox_platform"
CREATE_PATH = "/device/transactions/dynamic-qr"
HEARTBEAT_PATH = "/device/heartbeat"
ACK_PATH = "/device/commands/ack"
CONFIG_PATH = "/device/config"
CONFIG_ACK_PATH = "/device/config/ack"
ACTIVATE_PATH = "/device/provision/activate"
REFRESH_PATH = "/device/provision/refresh-credential"

PAYMENT_NOTIFICATION = "payment_notification"
PAID_STATUSES = frozenset({"paid", "success", "settled"})
_FINAL_STATUSES: dict[str, RemoteStatus] = {
    **{s: RemoteStatus.PAID for s in PAID_STATUSES},
    "expired": RemoteStatus.EXPIRED,
    "failed": RemoteStatus.FAILED,
    "cancelled": RemoteStatus.CANCELLED,
    "canceled": RemoteStatus.CANCELLED,
}
_NOTHING_NEW = frozenset({"pending", "awaiting_payment"})

#: how many acked command ids are remembered to suppress redeliveries (per process)
SEEN_COMMANDS = 512

# Ids the platform gives us (transaction, command, terminal): printable ASCII, no spaces. Keeps
# control characters and absurd values out of our database and messages.
_ID = re.compile(r"[\x21-\x7e]{1,128}")
_CURRENCY = "IDR"
# Every HTTP error status is read by us (to see the error model's code), except 429, which
# HttpClient already turns into a TransientError with Retry-After.
_ERROR_STATUSES: frozenset[int] = frozenset(range(400, 600)) - {429}

_CODE_HINTS = {
    "INVALID_AMOUNT": "the platform refused the amount",
    "DEVICE_CAPABILITY_NOT_SUPPORTED": "this device may not do that on the platform",
    "TRANSACTION_NOT_FOUND": "the platform does not know that transaction",
}


# -- values -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Activation:
    """What ``POST /device/provision/activate`` gives a device. ``device_token`` is a secret."""

    device_token: str = field(repr=False)
    terminal_id: str | None  # None while the device is not bound to a terminal
    merchant_name: str | None = None
    merchant_id: str | None = None
    token_expires_at: datetime | None = None


@dataclass(frozen=True)
class Credential:
    """A new device token from ``refresh-credential``; the caller stores it as the secret."""

    device_token: str = field(repr=False)
    expires_at: datetime | None = None


# -- helpers ------------------------------------------------------------------------------
def _clean(text: Any, secrets: Collection[str], limit: int = 120) -> str:
    """A platform-supplied string made safe for a one-line message."""
    if not isinstance(text, str):
        return ""
    one_line = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    # Redact before cutting: a secret cut in half would no longer match and half of it would show.
    return redact(one_line, secrets)[:limit]


def _unwrap(data: Any, expected: str) -> Any:
    """The object itself, or the one inside a ``{"data": {...}}`` envelope (seed admin style)."""
    if isinstance(data, dict) and expected not in data and isinstance(data.get("data"), dict):
        return data["data"]
    return data


def _parse_time(value: Any, what: str, where: str) -> datetime:
    """An ISO-8601 timestamp *with* a zone, as UTC; BadResponse otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise BadResponse(f"{where}: {what} missing or not a string")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadResponse(f"{where}: {what} is not an ISO-8601 timestamp") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BadResponse(f"{where}: {what} has no time zone")
    return moment.astimezone(UTC)


def _optional_time(value: Any, what: str, where: str) -> datetime | None:
    return None if value is None else _parse_time(value, what, where)


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def _is_int(value: Any) -> TypeGuard[int]:
    return type(value) is int  # bool is an int subclass and never an amount


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        value = float(headers.get("retry-after") or headers.get("Retry-After") or "")
    except (TypeError, ValueError):
        return None
    return max(0.0, value)


@dataclass(frozen=True)
class _ErrorInfo:
    code: str | None
    message: str
    trace_id: str | None


def _error_info(result: HttpResult, secrets: Collection[str]) -> _ErrorInfo:
    data = result.data
    code: Any = None
    message: Any = None
    trace: Any = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            code = error.get("code")
            message = error.get("message")
            trace = error.get("trace_id")
        elif isinstance(error, str):
            code = error
        code = code if isinstance(code, str) else data.get("code")
        message = message if isinstance(message, str) else data.get("message")
        trace = data.get("trace_id") or trace
    if not trace:
        trace = result.headers.get("x-trace-id") or result.headers.get("X-Trace-Id")
    code_text = (
        code.strip().upper()
        if isinstance(code, str) and re.fullmatch(r"\s*[A-Za-z0-9_]{1,64}\s*", code)
        else None
    )
    return _ErrorInfo(code_text, _clean(message, secrets), _clean(trace, secrets, 80) or None)


def _raise_error(result: HttpResult, where: str, device_id: str, secrets: Collection[str]) -> None:
    """Turn an error answer into the provider error the engine acts on (see module docstring)."""
    status = result.status
    info = _error_info(result, secrets)
    tail = f" (HTTP {status}{', trace_id ' + info.trace_id if info.trace_id else ''})"
    said = f": {info.message}" if info.message else ""
    code = info.code
    if code == "DEVICE_UNAUTHORIZED" or (code is None and status in (401, 403)):
        raise AuthExpired(
            f"{where}: device token refused{f' ({code})' if code else ''}; "
            "activate this till again "
            f"with `pos-app provider login {NAME}`{tail}"
        )
    if code == "DEVICE_NOT_BOUND":
        raise Rejected(
            f"{where}: device {device_id} not bound to a terminal; bind it to a terminal on the "
            f"platform (DEVICE_NOT_BOUND){tail}"
        )
    if code == "PARTNER_TIMEOUT":
        raise TransientError(
            f"{where}: the platform's QRIS partner timed out (PARTNER_TIMEOUT){said}{tail}",
            retry_after_s=_retry_after(result.headers),
        )
    if code == "DUPLICATE_REQUEST":
        raise TransientError(
            f"{where}: the platform reports a duplicate request for this idempotency key "
            f"(DUPLICATE_REQUEST), retrying with the same key{said}{tail}",
            retry_after_s=_retry_after(result.headers),
        )
    if code is not None and status < 500:
        hint = _CODE_HINTS.get(code, "the platform refused the request")
        raise Rejected(f"{where}: {hint} ({code}){said}{tail}")
    if status >= 500 or status == 408:
        named = f" ({code})" if code else ""
        raise TransientError(
            f"{where}: HTTP {status} from the server{named}{said}{tail}",
            retry_after_s=_retry_after(result.headers),
        )
    raise Rejected(f"{where}: the platform refused the request{said}{tail}")


# -- provisioning without a token -----------------------------------------------------------
def activate(
    base_url: str, device_id: str, activation_code: str, *, timeout: float = 10.0
) -> Activation:
    """Exchange a device's activation code for its token (``pos-app provider login``).

    A refused code raises ``LoginFailed("soundbox_platform: activation code refused ...")``; an
    unbound device that the platform refuses for that reason gets a message saying so.
    Transport trouble raises ``TransientError``; a surprising answer ``BadResponse``.
    """
    device_id = (device_id or "").strip()
    activation_code = (activation_code or "").strip()
    if not base_url or not device_id or not activation_code:
        raise LoginFailed(f"{NAME}: base URL, device id and activation code are all needed")
    where = f"{NAME} POST {ACTIVATE_PATH}"
    secrets = [activation_code]
    http = HttpClient(base_url, NAME, timeout=timeout, secrets=secrets)
    try:
        result = http.request(
            "POST",
            ACTIVATE_PATH,
            json_body={"device_id": device_id, "activation_code": activation_code},
            allow=_ERROR_STATUSES,
        )
    finally:
        http.close()
    if result.status >= 400:
        info = _error_info(result, secrets)
        trace = f" (trace_id {info.trace_id})" if info.trace_id else ""
        if result.status >= 500 or result.status == 408 or info.code == "PARTNER_TIMEOUT":
            _raise_error(result, where, device_id, secrets)
        if info.code == "DEVICE_NOT_BOUND":
            raise LoginFailed(
                f"{NAME}: device {device_id} not bound to a terminal; bind it on the "
                f"platform first{trace}"
            )
        raise LoginFailed(f"{NAME}: activation code refused{trace}")
    if result.status not in (200, 201):
        raise BadResponse(f"{where}: unexpected HTTP {result.status}")
    data = _unwrap(result.data, "device_token")
    if not isinstance(data, dict):
        raise BadResponse(f"{where}: the answer is not a JSON object")
    token = data.get("device_token")
    if not isinstance(token, str) or not token.strip() or any(c.isspace() for c in token.strip()):
        raise BadResponse(f"{where}: device_token missing or not a string")
    terminal = data.get("terminal_id")
    if terminal in (None, ""):
        terminal_id = None
    elif _id(terminal) is None:
        raise BadResponse(f"{where}: terminal_id is not an id")
    else:
        terminal_id = terminal
    merchant_name = merchant_id = None
    merchant = data.get("merchant")
    if merchant is not None:
        if not isinstance(merchant, dict):
            raise BadResponse(f"{where}: merchant is not an object")
        merchant_name = (
            _clean(merchant.get("name") or merchant.get("brand_name"), [token], 80) or None
        )
        merchant_id = _id(merchant.get("id"))
    expires = _optional_time(
        data.get("token_expires_at", data.get("expires_at")), "token_expires_at", where
    )
    return Activation(token.strip(), terminal_id, merchant_name, merchant_id, expires)


# -- the provider ---------------------------------------------------------------------------
class SoundboxPlatformProvider(FeedProvider):
    """The till as a device of the QRIS soundbox platform. Thread-safe; one HttpClient."""

    name = NAME
    # Seed 004 documents no limit on /device/heartbeat, and one heartbeat serves every pending
    # QR of the device, so the engine's fresh-QR interval (0.7 s for a QR's first minute, then
    # 2 s) applies; the floor only keeps a mis-set engine below two heartbeats a second.
    min_poll_interval_s = 0.5
    local_create = False

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = 10.0,
    ) -> None:
        values = require_config(
            config, NAME, ("base_url", "device_id", "device_token"), ("terminal_id",))
        self.base_url = values["base_url"]
        self.device_id = values["device_id"]
        self._clock = clock
        self._lock = threading.Lock()
        self._token = values["device_token"]
        self._terminal_id: str | None = values["terminal_id"] or None
        #: transaction_id -> expires_at of open transactions created here (heartbeat state)
        self._open: dict[str, datetime] = {}
        #: command_id -> (ack status, reason) of the last SEEN_COMMANDS acked commands
        self._acked: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._http = HttpClient(self.base_url, NAME, timeout=timeout, secrets=[self._token])

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def _secrets(self) -> tuple[str, ...]:
        return self._http.secrets

    def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        ok: Collection[int] = (200, 201, 204),
    ) -> HttpResult:
        with self._lock:
            token = self._token
        result = self._http.request(
            method,
            path,
            json_body=json_body,
            headers={"Authorization": f"Bearer {token}", **(headers or {})},
            allow=_ERROR_STATUSES,
        )
        where = f"{NAME} {method} {path}"
        if result.status >= 400:
            _raise_error(result, where, self.device_id, self._secrets)
        if result.status not in ok:
            raise BadResponse(f"{where}: unexpected HTTP {result.status}")
        return result

    # -- create -----------------------------------------------------------------------------
    def create(self, request: CreateRequest) -> Invoice:
        where = f"{NAME} POST {CREATE_PATH}"
        if not _is_int(request.amount) or request.amount < 1:
            raise Rejected(f"{where}: amount must be a whole number of rupiah above zero")
        terminal_id = self._terminal()
        body = {
            "device_id": self.device_id,
            "terminal_id": terminal_id,
            "amount": request.amount,
            "currency": _CURRENCY,
            "request_id": request.payment_id,
        }
        # The Idempotency-Key is the payment id, identical on every retry of this payment: the
        # platform answers a retry with the original transaction instead of making a second one.
        result = self._call(
            "POST",
            CREATE_PATH,
            json_body=body,
            headers={"Idempotency-Key": request.payment_id},
            ok=(200, 201),
        )
        data = _unwrap(result.data, "transaction_id")
        if not isinstance(data, dict):
            raise BadResponse(f"{where}: the answer is not a JSON object")
        if data.get("request_id") != request.payment_id:
            raise BadResponse(f"{where}: request_id does not echo ours")
        transaction_id = _id(data.get("transaction_id"))
        if transaction_id is None:
            raise BadResponse(f"{where}: transaction_id missing or not an id")
        if data.get("qr_type") != "dynamic":
            raise BadResponse(f"{where}: qr_type is not 'dynamic'")
        status = data.get("status")
        if status != "awaiting_payment":
            shown = (
                _clean(status, self._secrets, 40)
                if isinstance(status, str)
                else type(status).__name__
            )
            raise BadResponse(f"{where}: status is {shown!r}, expected 'awaiting_payment'")
        if "currency" in data and data["currency"] != _CURRENCY:
            raise BadResponse(f"{where}: currency is not IDR")
        if "amount" in data and (not _is_int(data["amount"]) or data["amount"] != request.amount):
            raise BadResponse(f"{where}: amount in the answer differs from the amount asked")
        payload = data.get("qr_payload")
        if not isinstance(payload, str) or not payload:
            raise BadResponse(f"{where}: qr_payload missing or not a string")
        try:
            parsed = qris.parse(payload)
            qr_amount = parsed.amount
        except (qris.InvalidQris, ValueError) as exc:
            raise BadResponse(f"{where}: qr_payload is not a valid QRIS ({exc})") from None
        if qr_amount is not None and qr_amount != request.amount:
            raise BadResponse(f"{where}: qr_payload is for Rp {qr_amount}, not Rp {request.amount}")
        # Our lifetime wins over a longer one of the platform's (a payment after it is late).
        platform_expiry = _parse_time(data.get("expires_at"), "expires_at", where)
        expires_at = min(platform_expiry, request.expires_at)
        trace = data.get("trace_id")
        with self._lock:
            self._open[transaction_id] = expires_at
        return Invoice(
            payable_amount=request.amount,
            expires_at=expires_at,
            provider_ref=transaction_id,
            qris=payload,
            extra={
                "terminal_id": terminal_id,
                **({"trace_id": trace} if isinstance(trace, str) and _ID.fullmatch(trace) else {}),
            },
        )

    def cancel(self, ref: PaymentRef) -> None:
        # Devices have no cancel endpoint; the QR simply expires on the platform. Only our
        # heartbeat state changes.
        if ref.provider_ref:
            with self._lock:
                self._open.pop(ref.provider_ref, None)

    # -- feed -------------------------------------------------------------------------------
    def _state(self) -> str:
        now = self._clock()
        with self._lock:
            for ref in [r for r, until in self._open.items() if until <= now]:
                del self._open[ref]
            return "awaiting_payment" if self._open else "idle"

    def heartbeat_body(self) -> dict[str, Any]:
        """The heartbeat request (seed 004 section 3 sample)."""
        return {
            "device_id": self.device_id,
            "timestamp": self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "firmware_version": f"pos-app {pos_app.__version__}",
            "network_strength": 100,
            "battery_level": 100,
            "state": self._state(),
        }

    def _heartbeat(self) -> list[Any]:
        where = f"{NAME} POST {HEARTBEAT_PATH}"
        result = self._call(
            "POST", HEARTBEAT_PATH, json_body=self.heartbeat_body(), ok=(200, 201, 204)
        )
        if result.data is None:
            return []  # 204 / empty body: nothing queued
        data = _unwrap(result.data, "commands")
        if not isinstance(data, dict):
            raise BadResponse(f"{where}: the answer is not a JSON object")
        if "commands" not in data:
            raise BadResponse(f"{where}: the answer has no commands list")
        commands = data["commands"]
        if commands is None:
            return []
        if not isinstance(commands, list):
            raise BadResponse(f"{where}: commands is not a list")
        return commands

    def poll_feed(self) -> list[FeedItem]:
        """One heartbeat; payment notifications not yet acked, as FeedItems (see module doc)."""
        commands = self._heartbeat()
        items: list[FeedItem] = []
        our_acks: list[tuple[str, bool, str]] = []  # acks we send ourselves, after the loop
        in_batch: set[str] = set()
        for command in commands:
            command_id = _id(command.get("command_id")) if isinstance(command, dict) else None
            if command_id is None:
                # Nothing to ack it with; the platform will see it unacked. Never a payment.
                log.warning("%s: heartbeat command without a usable command_id skipped", NAME)
                continue
            if command_id in in_batch:
                continue  # the same command twice in one answer: handled once
            in_batch.add(command_id)
            with self._lock:
                previous = self._acked.get(command_id)
                if previous is not None:
                    self._acked.move_to_end(command_id)
            if previous is not None:
                # Redelivered after an ack the platform did not get: ack again, report nothing.
                our_acks.append((command_id, previous[0] == "delivered", previous[1]))
                continue
            item, problem = self._interpret(command_id, command)
            if item is not None:
                items.append(item)
            else:
                ok = problem.startswith("ok")
                our_acks.append((command_id, ok, problem))
        for command_id, ok, reason in our_acks:
            try:
                self._send_ack(command_id, ok=ok, reason=reason)
            except ProviderError as exc:
                # Left unacked on the platform, so it comes back and is acked again then.
                log.warning("%s: ack of command %s failed: %s", NAME, command_id, exc)
        return items

    def _interpret(self, command_id: str, command: dict[str, Any]) -> tuple[FeedItem | None, str]:
        """A FeedItem for a notification worth reporting, else the reason to ack it with."""
        kind = command.get("type")
        if kind != PAYMENT_NOTIFICATION:
            shown = (
                _clean(kind, self._secrets, 40) if isinstance(kind, str) else type(kind).__name__
            )
            return None, f"unsupported command type: {shown}"
        payload = command.get("payload")
        if not isinstance(payload, dict):
            return None, "malformed payload: not an object"
        transaction_id = _id(payload.get("transaction_id"))
        if transaction_id is None:
            return None, "malformed payload: transaction_id missing or not an id"
        amount = payload.get("amount")
        if not _is_int(amount) or amount < 0:
            return None, "malformed payload: amount is not a whole number of rupiah"
        raw_status = payload.get("status")
        if not isinstance(raw_status, str) or not raw_status.strip():
            return None, "malformed payload: status missing or not a string"
        if "currency" in payload and payload["currency"] != _CURRENCY:
            return None, "malformed payload: currency is not IDR"
        status_key = raw_status.strip().lower()
        if status_key in _NOTHING_NEW:
            return None, "ok: nothing to do for a pending transaction"
        remote = _FINAL_STATUSES.get(status_key)
        if remote is None:
            return None, f"unknown status: {_clean(raw_status, self._secrets, 40)}"
        if remote is RemoteStatus.PAID and amount < 1:
            return None, "malformed payload: paid amount must be above zero"
        try:
            paid_at = _optional_time(payload.get("paid_at"), "paid_at", "payload")
        except BadResponse:
            return None, "malformed payload: paid_at is not a timestamp with a zone"
        with self._lock:
            self._open.pop(transaction_id, None)
        result = StatusResult(
            remote,
            paid_amount=amount if remote is RemoteStatus.PAID else None,
            provider_ref=transaction_id,
            paid_at=paid_at if remote is RemoteStatus.PAID else None,
            detail=f"{PAYMENT_NOTIFICATION} {command_id}: {status_key}",
        )
        return FeedItem(provider_ref=transaction_id, result=result, ack_id=command_id), ""

    def ack(self, item: FeedItem, *, ok: bool, reason: str = "ok") -> None:
        """Acknowledge a reported command once the engine has recorded it (or refused it)."""
        self._send_ack(item.ack_id, ok=ok, reason=reason)

    def _send_ack(self, command_id: str, *, ok: bool, reason: str) -> None:
        status = "delivered" if ok else "failed"
        reason = _clean(reason, self._secrets, 160) or ("ok" if ok else "failed")
        # Remembered before sending: if this ack is lost, the redelivered command is acked
        # again from here instead of being reported to the engine a second time.
        with self._lock:
            self._acked[command_id] = (status, reason)
            self._acked.move_to_end(command_id)
            while len(self._acked) > SEEN_COMMANDS:
                self._acked.popitem(last=False)
        body = {
            "device_id": self.device_id,
            "command_id": command_id,
            "status": status,
            "reason": reason,
            "result_payload": {"payment_result": "ok" if ok else "failed"},
        }
        result = self._call("POST", ACK_PATH, json_body=body, ok=(200, 201, 202, 204))
        if result.data is not None and not isinstance(result.data, dict):
            raise BadResponse(f"{NAME} POST {ACK_PATH}: the answer is not a JSON object")

    # -- provisioning and diagnostics ------------------------------------------------------
    def _get_config(self) -> dict[str, Any]:
        where = f"{NAME} GET {CONFIG_PATH}"
        result = self._call("GET", CONFIG_PATH, ok=(200,))
        data = _unwrap(result.data, "terminal_id")
        if not isinstance(data, dict):
            raise BadResponse(f"{where}: the answer is not a JSON object")
        if "device_id" in data and data["device_id"] != self.device_id:
            raise BadResponse(f"{where}: the configuration is for another device")
        terminal = data.get("terminal_id")
        if terminal not in (None, "") and _id(terminal) is None:
            raise BadResponse(f"{where}: terminal_id is not an id")
        version = data.get("config_version")
        if version is not None and not (isinstance(version, str) or _is_int(version)):
            raise BadResponse(f"{where}: config_version is neither a string nor an integer")
        merchant = data.get("merchant")
        if merchant is not None and not isinstance(merchant, dict):
            raise BadResponse(f"{where}: merchant is not an object")
        if terminal:
            with self._lock:
                if self._terminal_id is None:
                    self._terminal_id = terminal
        return dict(data)

    def fetch_config(self) -> dict[str, Any]:
        """``GET /device/config``, acknowledged with ``POST /device/config/ack``."""
        config = self._get_config()
        version = config.get("config_version")
        if version is not None:
            try:
                self._call(
                    "POST",
                    CONFIG_ACK_PATH,
                    json_body={
                        "device_id": self.device_id,
                        "config_version": version,
                        "status": "delivered",
                        "reason": "ok",
                    },
                    ok=(200, 201, 202, 204),
                )
            except ProviderError as exc:
                # The configuration itself arrived; the platform will offer it again.
                log.warning("%s: config ack failed: %s", NAME, exc)
        return config

    def _terminal(self) -> str:
        with self._lock:
            terminal = self._terminal_id
        if terminal:
            return terminal
        self.fetch_config()
        with self._lock:
            terminal = self._terminal_id
        if not terminal:
            raise Rejected(
                f"{NAME}: device {self.device_id} not bound to a terminal; bind it to a "
                "terminal on the platform (GET /device/config has no terminal_id)"
            )
        return terminal

    @property
    def terminal_id(self) -> str | None:
        with self._lock:
            return self._terminal_id

    def refresh_credential(self) -> Credential:
        """A new device token (before the current one expires). The caller must store it as
        ``providers.soundbox_platform.device_token``; this instance uses it at once."""
        where = f"{NAME} POST {REFRESH_PATH}"
        result = self._call(
            "POST", REFRESH_PATH, json_body={"device_id": self.device_id}, ok=(200, 201)
        )
        data = _unwrap(result.data, "device_token")
        if not isinstance(data, dict):
            raise BadResponse(f"{where}: the answer is not a JSON object")
        token = data.get("device_token")
        if (
            not isinstance(token, str)
            or not token.strip()
            or any(c.isspace() for c in token.strip())
        ):
            raise BadResponse(f"{where}: device_token missing or not a string")
        token = token.strip()
        expires = _optional_time(
            data.get("token_expires_at", data.get("expires_at")), "token_expires_at", where
        )
        with self._lock:
            self._token = token
            self._http.secrets = (*self._http.secrets, token)
        return Credential(token, expires)

    def test_connection(self) -> str:
        """One ``GET /device/config``: a short description, or the provider error."""
        config = self._get_config()
        terminal = self.terminal_id
        if not terminal:
            raise Rejected(
                f"{NAME}: device {self.device_id} not bound to a terminal; bind it to a "
                "terminal on the platform"
            )
        merchant = config.get("merchant") or {}
        name = _clean(merchant.get("name") or merchant.get("brand_name"), self._secrets, 60)
        return f"device {self.device_id}, terminal {terminal}" + (
            f", merchant {name}" if name else ""
        )

    def close(self) -> None:
        self._http.close()
