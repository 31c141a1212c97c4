"""The errors of the sync package: one hierarchy, rooted here.

::

    SyncError
    └── ProviderError                      a provider call or set-up failed
        ├── TransientError                 timeout, 5xx, 429: retried with backoff
        │   └── Unreachable                no connection at all: no internet, DNS, refused
        ├── AuthExpired                    credentials refused: no calls until a person acts
        │   └── KeyRefused                 a typed-in API key, not a login's token
        ├── Rejected, BadResponse, NotSupported, LoginFailed
        ├── InternalError                  an adapter raised something else: a bug, never a spin
        └── ProviderConfigError            settings missing or invalid, or no such provider:
            ├── ConfigMissing              nothing works until a person changes the settings
            └── UnknownProvider

They all live here, in a module that imports nothing, so that code which only needs to
catch or raise them (the provider registry, the CLI) doesn't load the provider interface;
``sync.providers.base`` re-exports the provider errors next to the interface that raises them.

:func:`problem_of` sorts any of them into a :class:`Problem`: what the person at the till
has to do about it (wait for the network, fix a key, log in again ...). The health book keeps
it with a provider's state and ``pos_app.provider_messages`` turns it into their sentence.
"""

from __future__ import annotations

from enum import StrEnum


class SyncError(Exception):
    """Anything the sync package raises on purpose."""


class ProviderError(SyncError):
    """A provider call failed. ``retryable`` says whether the same call may be tried again.

    Messages are English, one line, and never contain secrets (adapters build them from
    status codes and field names, not from request URLs or headers).
    """

    retryable: bool = False

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TransientError(ProviderError):
    """Timeout, connection error, 429, 5xx: retry later with the same id."""

    retryable = True


class Unreachable(TransientError):
    """The back-end could not be reached at all (connection refused, no route, DNS, connect
    timeout): the till's internet is down or the gateway is. Nothing was sent, so nothing can
    have been created there by this attempt."""


class AuthExpired(ProviderError):
    """The back-end refused the credentials: stop calling until a person acts. As such: a
    login's token expired or was revoked (Order Kuota, Orkut: seeds 000, 001) or a device's
    activation was withdrawn (seed 004) -- log in / activate again."""


class KeyRefused(AuthExpired):
    """A static API key (or app code / project) the owner typed in was refused (Midtrans
    middleware, Pakasir: seeds 002, 003). Nothing expires there: logging in again can't help,
    the owner has to correct the key in Settings."""


class Rejected(ProviderError):
    """The back-end said no (4xx other than 429): retrying the same call won't help."""


class BadResponse(ProviderError):
    """The answer was not what the back-end's contract promises (garbage JSON, missing field)."""

    retryable = True  # a proxy's HTML error page today may be a good answer in a minute


class InternalError(ProviderError):
    """An adapter (or the code that builds one) raised something that is not a ProviderError:
    a bug. The engine records it like any failure and backs off; it never loops on it."""


class ProviderConfigError(ProviderError):
    """The provider's settings are missing or invalid, or there is no provider of that name.

    Retrying the same call cannot help until a person changes the settings, so a payment that
    needs a QR from this provider fails at once with this message, and the provider's health
    shows it. The message names the provider and the setting, never a secret's value.
    """

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        super().__init__(message)
        self.provider = provider


class ConfigMissing(ProviderConfigError):
    def __init__(self, provider: str, keys: list[str]) -> None:
        super().__init__(f"provider {provider} needs: {', '.join(keys)}", provider=provider)
        self.keys = keys


class UnknownProvider(ProviderConfigError):
    """No provider has this name (an old outbox entry, a typo in config.toml)."""


class NotSupported(ProviderError):
    pass


class LoginFailed(ProviderError):
    """Wrong username/password or OTP: a message the person at the keyboard can act on."""


class Problem(StrEnum):
    """What a failure means for the till: what has to happen before QRIS works again."""

    NETWORK = "network"  # no connection to the back-end: the internet, or the gateway, is down
    GATEWAY = "gateway"  # it answered, with trouble: 5xx, 429, an answer that makes no sense
    LOGIN_EXPIRED = "login_expired"  # log in (or activate the device) again
    KEY_REFUSED = "key_refused"  # an API key typed into Settings is wrong
    SETTINGS_MISSING = "settings_missing"  # required settings are empty (``ConfigMissing``)
    SETTINGS_INVALID = "settings_invalid"  # a setting is wrong, or there is no such provider
    REFUSED = "refused"  # the back-end said no to this payment
    CODES_IN_USE = "codes_in_use"  # every unique code of this amount is taken (NoCodeAvailable)
    INTERNAL = "internal"  # a bug (ours or the adapter's)


#: words of the transport errors' messages (``sync.http``: "cannot connect (ConnectError)",
#: "timed out (ReadTimeout)") for adapters that raise a plain TransientError for them
_NETWORK_WORDS = ("cannot connect", "timed out", "timeout", "connection", "unreachable",
                  "no route", "name resolution")


def problem_of(exc: BaseException) -> Problem:
    """The :class:`Problem` an error stands for (the most specific class decides)."""
    if isinstance(exc, Unreachable):
        return Problem.NETWORK
    if isinstance(exc, KeyRefused):
        return Problem.KEY_REFUSED
    if isinstance(exc, (AuthExpired, LoginFailed)):
        return Problem.LOGIN_EXPIRED
    if isinstance(exc, ConfigMissing):
        return Problem.SETTINGS_MISSING
    if isinstance(exc, ProviderConfigError):
        return Problem.SETTINGS_INVALID
    if isinstance(exc, TransientError):
        text = str(exc).lower()
        return (Problem.NETWORK if any(w in text for w in _NETWORK_WORDS)
                else Problem.GATEWAY)
    if isinstance(exc, BadResponse):
        return Problem.GATEWAY
    if isinstance(exc, (Rejected, NotSupported)):
        return Problem.REFUSED
    return Problem.INTERNAL
