"""The errors of the sync package: one hierarchy, rooted here.

::

    SyncError
    └── ProviderError                      sync.providers.base: a provider call or set-up failed
        ├── TransientError                 timeout, 5xx, 429: retried with backoff
        ├── AuthExpired                    credentials refused: no calls until a new login
        ├── Rejected, BadResponse, NotSupported, LoginFailed
        ├── InternalError                  an adapter raised something else: a bug, never a spin
        └── ProviderConfigError            settings missing or invalid, or no such provider:
            ├── ConfigMissing              nothing works until a person changes the settings
            └── UnknownProvider

The provider errors live in ``sync.providers.base`` next to the interface that raises them;
``UnknownProvider`` and ``ProviderConfigError`` can be imported from here too (lazily, because
``sync.providers.base`` imports this module).
"""

from __future__ import annotations

from typing import Any


class SyncError(Exception):
    """Anything the sync package raises on purpose."""


_FROM_BASE = ("ProviderError", "ProviderConfigError", "ConfigMissing", "UnknownProvider", "InternalError")


def __getattr__(name: str) -> Any:
    if name in _FROM_BASE:
        from sync.providers import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SyncError", *_FROM_BASE]
