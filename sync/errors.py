"""The errors of the sync package: one hierarchy, rooted here.

::

    SyncError
    └── ProviderError                      a provider call or set-up failed
        ├── TransientError                 timeout, 5xx, 429: retried with backoff
        ├── AuthExpired                    credentials refused: no calls until a new login
        ├── Rejected, BadResponse, NotSupported, LoginFailed
        ├── InternalError                  an adapter raised something else: a bug, never a spin
        └── ProviderConfigError            settings missing or invalid, or no such provider:
            ├── ConfigMissing              nothing works until a person changes the settings
            └── UnknownProvider

They all live here, in a module that imports nothing, so that code which only needs to
catch or raise them (the provider registry, the CLI) doesn't load the provider interface;
``sync.providers.base`` re-exports the provider errors next to the interface that raises them.
"""

from __future__ import annotations


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


class AuthExpired(ProviderError):
    """Wrong or expired credentials: stop calling until somebody logs in again."""


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
