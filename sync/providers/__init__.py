"""Payment providers, one module per back-end, and the factories that build them by name.

``config`` is the flat mapping ``Settings.provider_config(name)`` returns (short key names:
``base_url``, ``token`` ...). Modules are imported on first use so that start-up stays quick.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pos_app.clock import utcnow
from sync.providers.base import (
    ConfigMissing,
    CreditSource,
    LoginFlow,
    Provider,
    ProviderConfigError,
    UnknownProvider,
)

PROVIDER_NAMES: tuple[str, ...] = (
    "simulator", "static", "orderkuota", "orkut", "midtrans", "pakasir", "soundbox_platform",
)
AVAILABLE = PROVIDER_NAMES
MUTASI_SOURCES: tuple[str, ...] = ("orderkuota", "orkut")

_ADAPTERS: dict[str, tuple[str, str]] = {
    "orderkuota": ("sync.providers.orderkuota", "OrderKuotaProvider"),
    "orkut": ("sync.providers.orkut", "OrkutProvider"),
    "midtrans": ("sync.providers.midtrans", "MidtransProvider"),
    "pakasir": ("sync.providers.pakasir", "PakasirProvider"),
    "soundbox_platform": ("sync.providers.soundbox_platform", "SoundboxPlatformProvider"),
}
_SOURCES: dict[str, tuple[str, str]] = {
    "orderkuota": ("sync.providers.orderkuota", "OrderKuotaStatements"),
    "orkut": ("sync.providers.orkut", "OrkutMutasi"),
}
_LOGINS: dict[str, tuple[str, str]] = {
    "orderkuota": ("sync.providers.orderkuota", "OrderKuotaLogin"),
    "orkut": ("sync.providers.orkut", "OrkutLogin"),
}


def _load(spec: tuple[str, str]) -> Any:
    module, name = spec
    return getattr(importlib.import_module(module), name)


def _construct(cls: Any, config: Mapping[str, Any], **kwargs: Any) -> Any:
    """Adapters take their config mapping directly or through ``from_config``; keyword
    arguments an adapter does not take (a clock for a statement reader) are left out."""
    params = inspect.signature(cls.__init__).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    if hasattr(cls, "from_config"):
        return cls.from_config(config, **kwargs)
    return cls(config, **kwargs)


def build_provider(
    name: str, config: Mapping[str, Any], clock: Callable[[], datetime] = utcnow
) -> Provider:
    """A provider from its name and its config mapping."""
    if name == "simulator":
        from sync.providers.simulator import SimulatorProvider

        pay_after = config.get("pay_after_s", config.get("simulator.pay_after_s", 3.0))
        if pay_after is not None and (isinstance(pay_after, bool) or not isinstance(pay_after, (int, float))
                                      or not 0 <= pay_after < float("inf")):
            raise ProviderConfigError("simulator: setting pay_after_s must be a number of seconds (0 or more) "
                                      "or 'never'", provider=name)
        return SimulatorProvider(pay_after_s=pay_after, clock=clock)
    if name == "static":
        from sync.providers.static import StaticQrisProvider

        static = config.get("static_qris") or config.get("payment.static_qris") or ""
        if not static:
            raise ConfigMissing(name, ["payment.static_qris"])
        return StaticQrisProvider(static, clock=clock, by_mutasi=bool(config.get("mutasi_source")))
    if name in _ADAPTERS:
        return _construct(_load(_ADAPTERS[name]), config, clock=clock)
    raise UnknownProvider(f"unknown provider {name!r}; known: {', '.join(PROVIDER_NAMES)}", provider=name)


def build_credit_source(name: str, config: Mapping[str, Any], clock: Callable[[], datetime] = utcnow) -> CreditSource:
    """The statement reader of a mutasi source (``payment.mutasi_source``)."""
    if name not in _SOURCES:
        raise UnknownProvider(f"{name!r} is not a mutasi source; use one of {', '.join(MUTASI_SOURCES)}")
    return _construct(_load(_SOURCES[name]), config, clock=clock)


def login_flow(name: str, config: Mapping[str, Any]) -> LoginFlow:
    """The interactive (OTP) login of a back-end that has one."""
    if name not in _LOGINS:
        raise UnknownProvider(f"provider {name} has no OTP login")
    cls = _load(_LOGINS[name])
    if name == "orderkuota":
        return cls(config.get("base_url") or None)
    return _construct(cls, config)
