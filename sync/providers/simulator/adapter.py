"""``simulator``: an in-process fake gateway for the demo and for tests.

It behaves like a polled back-end: ``create`` returns a dynamic QRIS for a demo merchant, and
``check`` reports the payment paid once ``pay_after_s`` has passed since the payment was created
(or never, when ``pay_after_s`` is None), or as soon as somebody calls ``pay_now`` — the
"Simulasikan bayar" button. Payment state follows from the payment's own creation time, so a
payment left pending when the app was killed is still paid by the simulator after a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pos_app import qris
from pos_app.clock import utcnow
from sync.providers.base import (
    Confirmation,
    CreateRequest,
    Invoice,
    PaymentRef,
    Provider,
    ProviderConfigError,
    RemoteStatus,
    StatusResult,
)

_REMEMBER = timedelta(hours=6)  # how long a pressed "Simulasikan bayar" or a cancel is kept

# A static QRIS of a made-up merchant; the demo turns it into a dynamic one per sale.
DEMO_STATIC_QRIS = qris.build(
    [
        ("00", "01"),
        ("01", "11"),
        ("26", [("00", "ID.CO.POSAPP.DEMO"), ("01", "936009990000000001"),
                ("02", "DEMO000000001"), ("03", "UMI")]),
        ("51", [("00", "ID.CO.QRIS.WWW"), ("02", "ID1026000000001"), ("03", "UMI")]),
        ("52", "5411"),
        ("53", "360"),
        ("58", "ID"),
        ("59", "WARUNG DEMO POS-APP"),
        ("60", "JAKARTA"),
        ("61", "10110"),
    ]
)


class SimulatorProvider(Provider):
    name = "simulator"
    confirmation = Confirmation.POLL
    min_poll_interval_s = 0.05
    local_create = True

    def __init__(self, pay_after_s: float | None = 3.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.pay_after_s = pay_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._paid_now: dict[str, datetime] = {}  # order_id -> when "Simulasikan bayar" was pressed
        self._cancelled: dict[str, datetime] = {}  # order_id -> when it was cancelled

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *,
                    clock: Callable[[], datetime] = utcnow) -> SimulatorProvider:
        """``pay_after_s``: seconds (0 or more), or None ("never") to test expiry."""
        pay_after = config.get("pay_after_s", 3.0)
        if pay_after is not None and (isinstance(pay_after, bool)
                                      or not isinstance(pay_after, (int, float))
                                      or not 0 <= pay_after < float("inf")):
            raise ProviderConfigError("simulator: setting pay_after_s must be a number of seconds "
                                      "(0 or more) or 'never'", provider=cls.name)
        return cls(pay_after_s=pay_after, clock=clock)

    def create(self, request: CreateRequest) -> Invoice:
        payload = qris.to_dynamic(DEMO_STATIC_QRIS, request.amount,
                                  bill_number=request.order_id[-25:])
        return Invoice(
            payable_amount=request.amount,
            expires_at=request.created_at + timedelta(seconds=request.ttl_s),
            provider_ref=f"SIM-{request.payment_id}",
            qris=payload,
        )

    def pay_now(self, order_id: str) -> None:
        with self._lock:
            self._forget_old()
            self._paid_now.setdefault(order_id, self._clock())

    def _forget_old(self) -> None:
        # A demo till runs all day: remember a sale's fate only as long as anyone may still ask
        # (its QR's life plus the late-payment watch is well under this).
        cutoff = self._clock() - _REMEMBER
        for book in (self._paid_now, self._cancelled):
            for order_id in [o for o, at in book.items() if at < cutoff]:
                del book[order_id]

    def check(self, ref: PaymentRef) -> StatusResult:
        now = self._clock()
        with self._lock:
            forced = self._paid_now.get(ref.order_id)
            cancelled = ref.order_id in self._cancelled
        paid_at: datetime | None = forced
        if paid_at is None and self.pay_after_s is not None and not cancelled:
            due = ref.created_at + timedelta(seconds=self.pay_after_s)
            if now >= due and due < ref.expires_at:
                paid_at = due
        if paid_at is not None:
            return StatusResult(RemoteStatus.PAID, ref.payable_amount, ref.provider_ref, paid_at)
        if cancelled:
            return StatusResult(RemoteStatus.CANCELLED)
        if now >= ref.expires_at:
            return StatusResult(RemoteStatus.EXPIRED)
        return StatusResult(RemoteStatus.PENDING)

    def cancel(self, ref: PaymentRef) -> None:
        with self._lock:
            self._forget_old()
            self._cancelled.setdefault(ref.order_id, self._clock())
