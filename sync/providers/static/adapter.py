"""``static``: the merchant's own static QRIS, made dynamic on this machine.

``create`` needs no network: it converts ``payment.static_qris`` into a dynamic QRIS with the
payable amount (``pos_app.qris.to_dynamic``), so QRIS sales keep working when the internet is
down. Without a mutasi source nothing tells us the money arrived, so the cashier confirms each
payment by hand after checking the merchant app; the engine records who confirmed in the audit
log. (Confirmation by mutasi polling plugs in here through ``payment.mutasi_source``.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pos_app import qris
from pos_app.clock import utcnow
from sync.providers.base import (
    ConfigMissing,
    Confirmation,
    CreateRequest,
    Invoice,
    PaymentRef,
    Provider,
    RemoteStatus,
    StatusResult,
)


class StaticQrisProvider(Provider):
    name = "static"
    confirmation = Confirmation.MANUAL
    min_poll_interval_s = 1.0
    local_create = True

    def __init__(self, static_qris: str, clock: Callable[[], datetime] = utcnow, *,
                 by_mutasi: bool = False) -> None:
        if not static_qris:
            raise ConfigMissing(self.name, ["payment.static_qris"])
        qris.validate(static_qris)  # fail at start-up, not at the first sale
        self.static_qris = static_qris
        self._clock = clock
        if by_mutasi:
            self.confirmation = Confirmation.MUTASI

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *,
                    clock: Callable[[], datetime] = utcnow) -> StaticQrisProvider:
        """``static_qris``, and ``mutasi_source`` (empty: the cashier confirms by hand)."""
        return cls(str(config.get("static_qris") or ""), clock,
                   by_mutasi=bool(config.get("mutasi_source")))

    @property
    def merchant(self) -> qris.MerchantInfo:
        return qris.parse(self.static_qris).merchant

    def create(self, request: CreateRequest) -> Invoice:
        return Invoice(
            payable_amount=request.amount,
            expires_at=request.created_at + timedelta(seconds=request.ttl_s),
            provider_ref=None,  # no back-end reference: the cashier's confirmation is the proof
            qris=qris.to_dynamic(self.static_qris, request.amount),
        )

    def check(self, ref: PaymentRef) -> StatusResult:
        if self._clock() >= ref.expires_at:
            return StatusResult(RemoteStatus.EXPIRED)
        return StatusResult(RemoteStatus.PENDING, detail="waiting for the money to show up")
