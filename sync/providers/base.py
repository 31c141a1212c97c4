"""The payment-provider interface every back-end adapter implements.

Shaped for all seven providers of SPEC.md section 5, not around one of them:

* ``create`` turns an order into something the customer can pay: the *payable* amount (which a
  back-end may change — seed 000 bumps it, Pakasir adds a fee, a unique code shifts it), a QRIS
  payload and/or a checkout URL, an expiry, and the provider's reference.
* "paid" is learned in one of four ways (``Confirmation``): polling a status endpoint, matching
  incoming credits on a mutasi statement, notifications pushed through a feed (the soundbox
  platform's heartbeat commands), or an explicit, audited confirmation by the cashier.
* ``cancel`` tells the back-end the cashier gave up (a no-op where the back-end has no cancel).
* Each adapter owns its auth; the engine only sees ``AuthExpired`` when credentials are
  refused: ``KeyRefused`` (a subclass) when they are API keys typed into Settings, rather than
  a login's token that expired.

Adapters never touch the database or Qt: the sync engine calls them on worker threads and turns
their answers into state changes. Everything a back-end answers is validated by the adapter;
anything unexpected raises ``BadResponse`` — never a guessed "paid".
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from sync.errors import (  # the provider errors, re-exported next to the interface
    AuthExpired as AuthExpired,
    BadResponse as BadResponse,
    ConfigMissing as ConfigMissing,
    InternalError as InternalError,
    KeyRefused as KeyRefused,
    LoginFailed as LoginFailed,
    NotSupported as NotSupported,
    ProviderConfigError as ProviderConfigError,
    ProviderError as ProviderError,
    Rejected as Rejected,
    TransientError as TransientError,
    UnknownProvider as UnknownProvider,
    Unreachable as Unreachable,
)
from sync.providers.info import Confirmation as Confirmation


class RemoteStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"


# -- values -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CreateRequest:
    order_id: str  # our order id; also the idempotency key's basis, identical on every retry
    payment_id: str
    amount: int  # what the order costs, integer rupiah
    ttl_s: int  # the QR's whole lifetime, counted from ``created_at`` (not from this attempt)
    created_at: datetime
    note: str = ""
    unique_code: int = 0  # already folded into ``amount`` by the engine when in use

    @property
    def idempotency_key(self) -> str:
        return self.payment_id

    @property
    def expires_at(self) -> datetime:
        return self.created_at + timedelta(seconds=self.ttl_s)

    def remaining_s(self, now: datetime, minimum: int = 60) -> int:
        """Seconds left of the lifetime, for back-ends that take a duration from *their* now
        (a retry a minute later must not make the QR live a minute longer)."""
        return max(minimum, math.ceil((self.expires_at - now).total_seconds() - 0.5))


@dataclass(frozen=True)
class Invoice:
    payable_amount: int  # what the customer must pay, as the back-end says
    expires_at: datetime
    provider_ref: str | None = None
    qris: str | None = None
    checkout_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentRef:
    """What the engine knows of a created payment when it asks about it again."""

    order_id: str
    payment_id: str
    amount: int
    payable_amount: int
    created_at: datetime
    expires_at: datetime
    provider_ref: str | None = None
    qris: str | None = None


@dataclass(frozen=True)
class StatusResult:
    status: RemoteStatus
    paid_amount: int | None = None
    provider_ref: str | None = None
    paid_at: datetime | None = None
    detail: str = ""
    #: incoming credits that may pay this payment (orkut's status-pembayaran answers with the
    #: account's credits of that nominal); the engine's matcher decides, never the adapter
    credits: tuple[Credit, ...] = ()


class Provider(ABC):
    """One payment back-end. Instances are used from worker threads; keep them thread-safe."""

    name: ClassVar[str]
    #: set on the class; an instance may differ (``static`` confirms by mutasi when it has a source)
    confirmation: Confirmation
    #: never ask this back-end about one account more often than this (its documented limit)
    min_poll_interval_s: ClassVar[float] = 2.0
    #: True when create happens on this machine (no network), so it works offline
    local_create: ClassVar[bool] = False

    @abstractmethod
    def create(self, request: CreateRequest) -> Invoice: ...

    @abstractmethod
    def check(self, ref: PaymentRef) -> StatusResult:
        """Current state of one payment (POLL providers; others answer from their own state)."""

    def cancel(self, ref: PaymentRef) -> None:  # noqa: B027 - optional for back-ends without cancel
        """Tell the back-end the cashier cancelled. Default: nothing to tell."""

    def close(self) -> None:  # noqa: B027
        """Release connections."""


# -- confirmation by incoming credits (mutasi) and by pushed notifications ---------------
class TimePrecision(StrEnum):
    SECOND = "second"
    MINUTE = "minute"  # "25/07/2025 18:02": the credit happened somewhere in that minute


@dataclass(frozen=True)
class Credit:
    """One incoming credit on a merchant account's statement (mutasi)."""

    source: str  # "orderkuota" / "orkut": together with credit_id, unique forever
    credit_id: str  # the statement line's id / issuer reference
    amount: int  # integer rupiah
    credited_at: datetime  # UTC (back-ends send WIB without an offset; adapters convert)
    precision: TimePrecision = TimePrecision.SECOND
    description: str = ""


class CreditSource(ABC):
    """A merchant account's incoming-credit statement, read by polling."""

    name: ClassVar[str]
    #: at most one statement request per this many seconds per account (seed 000/001: 5 s)
    min_interval_s: ClassVar[float] = 5.0

    @property
    def account_key(self) -> str:
        """Identifies the account, so that two sources on one account share a rate limit."""
        return self.name

    @abstractmethod
    def fetch_credits(self, since: datetime) -> list[Credit]:
        """Credits (incoming only) at or after ``since``, newest pages first, as far as needed."""


@dataclass(frozen=True)
class FeedItem:
    """A notification pulled from a back-end's feed (soundbox platform heartbeat commands)."""

    provider_ref: str  # the back-end's transaction id, as returned by create
    result: StatusResult
    ack_id: str  # what to acknowledge once the engine has recorded it


class FeedProvider(Provider):
    """A provider that learns "paid" from a feed of notifications rather than per payment."""

    confirmation = Confirmation.FEED

    @abstractmethod
    def poll_feed(self) -> list[FeedItem]: ...

    @abstractmethod
    def ack(self, item: FeedItem, *, ok: bool, reason: str = "ok") -> None: ...

    def check(self, ref: PaymentRef) -> StatusResult:
        # Between feed polls there is nothing to ask per payment; expiry is local.
        return StatusResult(RemoteStatus.PENDING)


# -- interactive logins (OTP) ------------------------------------------------------------
class LoginFlow(ABC):
    """Two steps: credentials -> an OTP is sent somewhere -> the OTP gives a token."""

    @abstractmethod
    def request_otp(self, username: str, password: str) -> str:
        """Ask the back-end to send an OTP; returns where it went (e.g. a masked e-mail)."""

    @abstractmethod
    def verify_otp(self, username: str, otp: str) -> str:
        """Exchange the OTP for a token (a secret: never log it)."""


# -- configuration -----------------------------------------------------------------------
def config_text(config: Mapping[str, Any], provider: str, key: str) -> str:
    """A provider setting by its short name (``"api_key"``) or full name
    (``"providers.pakasir.api_key"``), stripped; ``""`` when unset."""
    for name in (key, f"providers.{provider}.{key}"):
        value = config.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def require_config(
    config: Mapping[str, Any],
    provider: str,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> dict[str, str]:
    """The settings an adapter needs; ``ConfigMissing`` names every missing one by full key."""
    values = {key: config_text(config, provider, key) for key in (*required, *optional)}
    missing = [f"providers.{provider}.{key}" for key in required if not values[key]]
    if missing:
        raise ConfigMissing(provider, missing)
    return values
