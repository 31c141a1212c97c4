"""The payment providers: one package per back-end, found here, and built by name.

Every package under ``sync/providers/`` with a ``PROVIDER`` (a :class:`ProviderInfo`) in its
``__init__`` is a provider; :data:`PROVIDERS` holds them in the order lists show them. Nothing
else keeps a list of providers: the settings registry, the Settings dialog, ``pos-app provider
login`` and the payment service all read these descriptions. The adapters themselves are
imported when a provider is first built, so finding the providers costs start-up little.

``config`` below is the flat mapping ``Settings.provider_config(name)`` returns (short key
names: ``base_url``, ``token`` ...).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pos_app.clock import utcnow
from sync.errors import UnknownProvider
from sync.providers.info import LoginKind, ProviderInfo, load

if TYPE_CHECKING:
    from sync.providers.base import CreditSource, LoginFlow, Provider


def _discover() -> dict[str, ProviderInfo]:
    found: list[ProviderInfo] = []
    for module in pkgutil.iter_modules(__path__):
        if not module.ispkg:
            continue
        info = getattr(importlib.import_module(f"{__name__}.{module.name}"), "PROVIDER", None)
        if isinstance(info, ProviderInfo):
            if info.name != module.name:
                raise RuntimeError(f"sync.providers.{module.name} describes {info.name!r}")
            found.append(info)
    return {info.name: info for info in sorted(found, key=lambda i: (i.order, i.name))}


PROVIDERS: dict[str, ProviderInfo] = _discover()
"""Every provider, by name, in the order lists show them."""

PROVIDER_NAMES: tuple[str, ...] = tuple(PROVIDERS)
MUTASI_SOURCES: tuple[str, ...] = tuple(n for n, i in PROVIDERS.items() if i.credit_source)
"""Providers whose account statement can confirm the shop's static QRIS payments."""


def describe(name: str) -> ProviderInfo:
    """The description of ``name``; :class:`UnknownProvider` when there is none."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise UnknownProvider(f"unknown provider {name!r}; known: {', '.join(PROVIDER_NAMES)}",
                              provider=name) from None


def required_keys(name: str, mutasi_source: str = "") -> tuple[str, ...]:
    """Every key ``name`` can't work without; for a provider that takes a mutasi source, the
    keys of the statement reader ``mutasi_source`` names follow its own. () when unknown."""
    info = PROVIDERS.get(name)
    if info is None:
        return ()
    keys = list(info.required_keys)
    source = PROVIDERS.get(mutasi_source) if info.takes_mutasi_source else None
    if source is not None:
        keys += [k for k in source.required_keys if k not in keys]
    return tuple(keys)


def _construct(cls: Any, config: Mapping[str, Any], **kwargs: Any) -> Any:
    """Adapters take their config mapping through ``from_config`` or directly; keyword
    arguments the adapter's ``__init__`` does not take (a clock for a login) are left out, so
    each adapter declares only what it uses."""
    params = inspect.signature(cls).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return getattr(cls, "from_config", cls)(config, **kwargs)


def build_provider(
    name: str, config: Mapping[str, Any], clock: Callable[[], datetime] = utcnow
) -> Provider:
    """A provider from its name and its config mapping."""
    return _construct(load(describe(name).adapter), config, clock=clock)


def build_credit_source(name: str, config: Mapping[str, Any],
                        clock: Callable[[], datetime] = utcnow) -> CreditSource:
    """The statement reader of a mutasi source (``payment.mutasi_source``)."""
    reader = PROVIDERS[name].credit_source if name in PROVIDERS else None
    if reader is None:
        raise UnknownProvider(f"{name!r} is not a mutasi source; use one of "
                              f"{', '.join(MUTASI_SOURCES)}", provider=name)
    return _construct(load(reader), config, clock=clock)


def login_flow(name: str, config: Mapping[str, Any]) -> LoginFlow:
    """The interactive (OTP) login of a back-end that has one."""
    info = describe(name)
    if info.login is not LoginKind.OTP or info.login_flow is None:
        raise UnknownProvider(f"provider {name} has no OTP login", provider=name)
    return _construct(load(info.login_flow), config)
