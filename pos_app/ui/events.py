"""What happens at the till, as named Qt signals on one :class:`AppEvents` object.

The till's parts don't call each other to say what happened. The cashier window and the
customer display (and next the soundbox, the speaker and the receipt printer) subscribe to the
events they care about; ``pos_app/ui/composition.py`` is where they are joined. Every signal
fires on the GUI thread with one frozen value, defined below, as its argument.

Where the events come from:

* the sync engine's events (``SyncEvent``, on its threads), brought to the GUI thread by
  ``SyncBridge`` and translated into app events in one place, :meth:`AppEvents.publish`;
* the cashier window: the cart, a finished sale, saved settings (the ``report_*`` methods),
  and which QRIS sale the cashier is taking now (:meth:`AppEvents.follow_sale`).

"The sale at the till" is that QRIS sale, or a cash sale (cash is only ever taken at this
till). Other orders -- a QRIS left open before a restart and paid later, say -- never move
the customer display.

The events, their argument, when they fire, and [who listens today]:

``cart_changed(CartShown)``
    The cart the customer should see changed. Not while a QR is up, and not for the cart
    emptied by a payment (the display keeps its "Terima kasih" until it times out).
    [customer display]
``qr_shown(QrShown)``
    The QR of the sale at the till is ready to scan (the engine's ``awaiting_payment``). Also
    fired when the window starts following a sale whose QR was ready first.
    [QRIS dialog (through the window), customer display]
``qr_delayed(QrDelayed)``
    That QR is late: the provider can't be reached yet, the engine keeps trying.
    [QRIS dialog]
``qr_cleared(QrCleared)``
    That QR can no longer be paid: it expired, was cancelled, or the provider gave up
    (``reason``). Not after a payment: ``payment_paid`` says that.
    [QRIS dialog and status bar, customer display]
``payment_paid(PaymentPaid)``
    The money of the sale at the till is in: a cash sale was written, or its QRIS was paid.
    Payments of other orders (a QRIS left open before a restart) don't fire it.
    [QRIS dialog and status bar, customer display]
``sale_completed(SaleCompleted)``
    The cashier closed the paid sale: the cart is cleared and the receipt is on screen (cash:
    once written; QRIS: when its dialog closes after the payment). Comes after
    ``payment_paid``. [the devices: the receipt printer, the cash drawer, the soundbox's
    screen]
``receipt_wanted(ReceiptWanted)``
    The cashier asked for a printed copy of an order's receipt (Riwayat's "Cetak ulang").
    [the receipt printer]
``late_payment(LatePayment)``
    Money arrived for a QR (of any order) after it expired or was cancelled: the cashier
    accepts or refunds it in Riwayat (F8). [status bar]
``sync_trouble(SyncTrouble)``
    A payment (of any order) hit a transient problem; the engine retries by itself.
    [status bar]
``provider_health_changed(ProviderState)``
    A payment provider became ok, degraded, down, needs_login or misconfigured.
    [the window's provider banner]
``settings_changed(SettingsChanged)``
    The owner saved settings and the window has applied them (language, store name, tax).
    Changed provider settings are applied on the database writer thread, before any sale
    the cashier starts afterwards. [customer display: store name, language, screen; the
    devices: built afresh when a ``hardware.*`` key changed]

The engine's ``created`` and ``refunded`` events are not translated: the window learns of
both from its own write (a sale, the cashier's decision on a late payment).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from pos_app import qris
from pos_app.cart import Cart
from pos_app.clock import from_iso
from pos_app.order_state import PaymentMethod
from pos_app.settings import Settings
from sync.events import EventKind, SyncEvent
from sync.health import Health

log = logging.getLogger(__name__)

# The engine's events of the last orders, for follow_sale() to replay (a till rings up one
# sale at a time; a few dozen cover any QR that came before the window's answer).
_RECENT_ORDERS = 64


# -- the values the events carry ------------------------------------------------------------
@dataclass(frozen=True)
class DisplayLine:
    """One cart line as the customer sees it; ``amount`` is the line total in rupiah."""

    name: str
    quantity: int
    amount: int


@dataclass(frozen=True)
class CartShown:
    """The cart as the customer sees it: its lines and what is owed (all in rupiah)."""

    lines: tuple[DisplayLine, ...]
    total: int
    discount: int = 0
    tax: int = 0

    @classmethod
    def of(cls, cart: Cart) -> CartShown:
        t = cart.totals()
        return cls(tuple(DisplayLine(line.product.name, line.quantity, line.net)
                         for line in cart.lines), t.total, t.discount_total, t.tax)


@dataclass(frozen=True)
class QrShown:
    order_id: str
    # The dynamic QRIS; or, for a gateway that gives a payment page instead (Midtrans), the
    # page's address, which the QR opens on the customer's phone (``is_qris`` False). ``None``
    # when the provider gave neither.
    payload: str | None
    is_qris: bool
    amount: int  # payable: may include a unique code or the gateway's fee
    expires_at: datetime | None  # aware, UTC
    provider: str | None
    merchant_name: str | None = None  # read from the QRIS, for the customer to check
    fee_note: str | None = None  # who pays the QRIS fee, when the QRIS says


@dataclass(frozen=True)
class QrDelayed:
    order_id: str
    error: str | None  # what went wrong, in English (for the log and the status bar)


class QrEnd(StrEnum):
    """Why a QR can no longer be paid."""

    EXPIRED = "expired"
    CANCELLED = "cancelled"  # by the cashier
    FAILED = "failed"  # the provider refused it or the engine gave up


@dataclass(frozen=True)
class QrCleared:
    order_id: str
    reason: QrEnd
    error: str | None = None  # FAILED: the reason


@dataclass(frozen=True)
class PaymentPaid:
    order_id: str
    amount: int  # what was paid: the QR's payable amount, or the cash sale's total
    method: PaymentMethod
    provider: str | None  # the QRIS provider; None for cash


@dataclass(frozen=True)
class SaleCompleted:
    order_id: str
    total: int
    method: PaymentMethod
    change: int = 0  # cash given back (0 for QRIS)


@dataclass(frozen=True)
class ReceiptWanted:
    order_id: str
    reprint: bool = True  # "CETAK ULANG" on the paper


@dataclass(frozen=True)
class LatePayment:
    order_id: str
    amount: int


@dataclass(frozen=True)
class SyncTrouble:
    order_id: str
    error: str


@dataclass(frozen=True)
class ProviderState:
    provider: str
    state: Health
    error: str | None = None


@dataclass(frozen=True)
class SettingsChanged:
    keys: frozenset[str]  # the keys the owner changed ("store.name", "ui.language", ...)
    settings: Settings  # already reloaded: read the new values here


# -- the events ------------------------------------------------------------------------------
class AppEvents(QObject):
    """The till's named events (see the module docstring). Connect to the signals; the
    sync engine's events come in through :meth:`publish`, the window's through ``report_*``."""

    cart_changed = Signal(object)  # CartShown
    qr_shown = Signal(object)  # QrShown
    qr_delayed = Signal(object)  # QrDelayed
    qr_cleared = Signal(object)  # QrCleared
    payment_paid = Signal(object)  # PaymentPaid
    sale_completed = Signal(object)  # SaleCompleted
    receipt_wanted = Signal(object)  # ReceiptWanted
    late_payment = Signal(object)  # LatePayment
    sync_trouble = Signal(object)  # SyncTrouble
    provider_health_changed = Signal(object)  # ProviderState
    settings_changed = Signal(object)  # SettingsChanged

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._till_order: str | None = None
        self._recent: OrderedDict[str, list[SyncEvent]] = OrderedDict()

    @property
    def till_order(self) -> str | None:
        """The QRIS sale the cashier is taking now, if any."""
        return self._till_order

    def follow_sale(self, order_id: str | None) -> None:
        """The QRIS sale the cashier is taking now (``None``: none any more).

        The engine often has the QR before the writer thread's answer ("sale written") reaches
        the window; what it already said about this order is replayed now, so ``qr_shown``
        (and whatever came after it) is never missed.
        """
        self._till_order = order_id
        if order_id is not None:
            for ev in list(self._recent.get(order_id, ())):
                self._till_event(ev)

    # -- from the sync engine ------------------------------------------------------------
    def publish(self, ev: SyncEvent) -> None:
        """Translate one of the engine's events into app events (on the GUI thread)."""
        if ev.kind is EventKind.PROVIDER_STATE:
            error = ev.data.get("error")
            self.provider_health_changed.emit(ProviderState(
                str(ev.data.get("provider")), Health(str(ev.data.get("state"))),
                str(error) if error else None))
            return
        self._remember(ev)
        if ev.kind is EventKind.LATE_PAYMENT:
            self.late_payment.emit(LatePayment(ev.order_id, int(ev.data.get("paid_amount") or 0)))
        elif ev.kind is EventKind.RETRYING and ev.data.get("error"):
            self.sync_trouble.emit(SyncTrouble(ev.order_id, str(ev.data["error"])))
        if ev.order_id == self._till_order or _is_cash_paid(ev):
            self._till_event(ev)

    def _remember(self, ev: SyncEvent) -> None:
        self._recent.setdefault(ev.order_id, []).append(ev)
        self._recent.move_to_end(ev.order_id)
        while len(self._recent) > _RECENT_ORDERS:
            self._recent.popitem(last=False)

    def _till_event(self, ev: SyncEvent) -> None:
        """An engine event of the sale at the till."""
        data = ev.data
        if ev.kind is EventKind.AWAITING_PAYMENT:
            self.qr_shown.emit(_qr_shown(ev))
        elif ev.kind is EventKind.RETRYING:
            error = data.get("error")
            self.qr_delayed.emit(QrDelayed(ev.order_id, str(error) if error else None))
        elif ev.kind is EventKind.PAID:
            method = PaymentMethod(str(data.get("method") or PaymentMethod.QRIS))
            provider = data.get("provider")
            self.payment_paid.emit(PaymentPaid(ev.order_id, int(data.get("paid_amount") or 0),
                                               method, str(provider) if provider else None))
        elif ev.kind in _ENDS:
            reason = _ENDS[ev.kind]
            error = str(data.get("error") or "?") if reason is QrEnd.FAILED else None
            self.qr_cleared.emit(QrCleared(ev.order_id, reason, error))

    # -- from the cashier window -----------------------------------------------------------
    def report_cart(self, cart: Cart) -> None:
        self.cart_changed.emit(CartShown.of(cart))

    def report_sale_completed(self, order_id: str, total: int, method: str,
                              change: int = 0) -> None:
        """``method``: "cash" or "qris" (a :class:`PaymentMethod` value)."""
        self.sale_completed.emit(SaleCompleted(order_id, total, PaymentMethod(method), change))

    def report_receipt_wanted(self, order_id: str) -> None:
        self.receipt_wanted.emit(ReceiptWanted(order_id))

    def report_settings(self, keys: Iterable[str], settings: Settings) -> None:
        self.settings_changed.emit(SettingsChanged(frozenset(keys), settings))


_ENDS = {EventKind.EXPIRED: QrEnd.EXPIRED, EventKind.CANCELLED: QrEnd.CANCELLED,
         EventKind.FAILED: QrEnd.FAILED}


def _is_cash_paid(ev: SyncEvent) -> bool:
    """Cash is only ever taken at this till: its "paid" is the sale at the till, although the
    window learns the order's id only after the engine has said it (same writer job)."""
    return ev.kind is EventKind.PAID and ev.data.get("method") == PaymentMethod.CASH


def _qr_shown(ev: SyncEvent) -> QrShown:
    data = ev.data
    code = data.get("qris")
    merchant = fee = None
    if code:
        try:
            parsed = qris.parse(code)
            merchant = parsed.merchant.name
            fee = qris.fee_policy_text(parsed)
        except qris.InvalidQris:
            log.error("provider returned an invalid QRIS for %s", ev.order_id)
    expires = data.get("expires_at")
    provider = data.get("provider")
    return QrShown(
        order_id=ev.order_id,
        payload=code or data.get("checkout_url") or None,
        is_qris=bool(code),
        amount=int(data.get("payable_amount") or 0),
        expires_at=from_iso(expires) if expires else None,
        provider=str(provider) if provider else None,
        merchant_name=merchant,
        fee_note=fee,
    )
