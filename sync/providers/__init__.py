"""Payment providers, one module per back-end, and the factory that builds them by name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pos_app.clock import utcnow
from sync.errors import UnknownProvider
from sync.providers.base import ConfigMissing, Provider

PROVIDER_NAMES: tuple[str, ...] = (
    "simulator", "static", "orderkuota", "orkut", "midtrans", "pakasir", "soundbox_platform",
)
AVAILABLE: tuple[str, ...] = ("simulator", "static")


def build_provider(
    name: str, config: Mapping[str, Any], clock: Callable[[], datetime] = utcnow
) -> Provider:
    """A provider from its name and a flat config mapping (SPEC.md section 4 keys)."""
    if name == "simulator":
        from sync.providers.simulator import SimulatorProvider

        return SimulatorProvider(pay_after_s=config.get("simulator.pay_after_s", 3.0), clock=clock)
    if name == "static":
        from sync.providers.static import StaticQrisProvider

        static = config.get("payment.static_qris") or ""
        if not static:
            raise ConfigMissing(name, ["payment.static_qris"])
        return StaticQrisProvider(static, clock=clock)
    if name in PROVIDER_NAMES:
        raise UnknownProvider(f"provider {name} is not available in this version yet")
    raise UnknownProvider(f"unknown provider {name!r}; known: {', '.join(PROVIDER_NAMES)}")
