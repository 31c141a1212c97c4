"""Events the sync engine reports; the CLI prints them and the Qt bridge turns them into signals."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    CREATED = "created"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    EXPIRED = "expired"
    FAILED = "failed"
    CANCELLED = "cancelled"
    LATE_PAYMENT = "late_payment"
    RETRYING = "retrying"  # a transient problem; the engine tries again by itself
    REFUNDED = "refunded"  # the cashier gave a late payment back
    PROVIDER_STATE = "provider_state"  # a provider became ok / degraded / down / needs login


@dataclass(frozen=True)
class SyncEvent:
    kind: EventKind
    order_id: str
    payment_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind.value, "order_id": self.order_id, **self.data}
