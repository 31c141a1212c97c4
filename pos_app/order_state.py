"""Order and payment state machines, cash tender and the cash dialog's quick amounts.

Pure functions over ``StrEnum`` values (no Qt, no I/O) so the checkout service, the sync
engine, the CLI and the reports all agree on what may happen to an order. Strings read back
from the database are accepted wherever a status or event is expected (``"paid"`` works like
``OrderStatus.PAID``); an unknown string is a ``ValueError``, a known but forbidden move is
:class:`InvalidTransition`.

Order states
------------
::

                 REQUEST_PAYMENT                         EXPIRE
    +------+ ------------------> +------------------+ ---------> +---------+
    | open |                     | awaiting_payment |            | expired |
    +------+                     +------------------+ <--------- +---------+
     |   |                         |     |    ^   |     RETRY         |
     |   | CANCEL           CANCEL | PAY |    +---+ RETRY             | LATE_PAY
     |   v                         v     |                            v
     | +-----------+ <-------------+     |                    +--------------+
     | | cancelled | ------------------- | ---- LATE_PAY ---> | late_payment |
     | +-----------+                     |                    +--------------+
     |                                   v                      |          |
     +------ PAY (cash) -------> +--------+ <-- ACCEPT_LATE ----+          |
                                 |  paid  |                                |
                                 +--------+                                |
                                     | REFUND                              | REFUND
                                     v                                     |
                                 +----------+ <----------------------------+
                                 | refunded |
                                 +----------+

Transition table (anything not listed raises :class:`InvalidTransition`):

==================  ==================================  ==================
event               from                                to
==================  ==================================  ==================
REQUEST_PAYMENT     open                                awaiting_payment
PAY                 open (cash), awaiting_payment       paid
EXPIRE              awaiting_payment                    expired
CANCEL              open, awaiting_payment              cancelled
LATE_PAY            expired, cancelled                  late_payment
ACCEPT_LATE         late_payment                        paid
REFUND              paid, late_payment                  refunded
RETRY               expired, awaiting_payment           awaiting_payment
==================  ==================================  ==================

Decisions:

* ``PAY`` is allowed from ``open`` (cash, no waiting) and ``awaiting_payment`` (QRIS
  confirmed, or the customer switches to cash while the QR is shown). It is *not* allowed
  from ``expired``/``cancelled``: money for those must go through ``LATE_PAY`` so the cashier
  sees it and decides (``ACCEPT_LATE`` or ``REFUND``) -- never a silent "paid".
* ``RETRY`` starts a new payment attempt on the same order: from ``expired`` (customer still
  there, QR timed out; also the way to take cash after expiry: RETRY then PAY) and from
  ``awaiting_payment`` (replace the current attempt, e.g. after the provider reported it
  failed, or to switch provider) -- the only self-loop. ``cancelled`` can't be retried: a
  cancel is the cashier's void and the provider invoice was cancelled with it; ringing the
  cart again makes a new order.
* ``EXPIRE`` only from ``awaiting_payment``; ``CANCEL`` only from ``open``/
  ``awaiting_payment`` (a paid order is undone with ``REFUND``, which also ends a
  ``late_payment``). ``refunded`` is final.
* No silent duplicates: a repeated event (``PAY`` on ``paid``) raises, so a double
  confirmation is visible to the caller, who decides whether to ignore it.

Every order event has exactly one target state, which the error message names:
``order K1-20261127-0001: cannot go from paid to cancelled``.

Payment (attempt) states
------------------------
::

      +---------+  CONFIRM   +------+
      | pending | ---------> | paid |
      +---------+            +------+
        |  |  |
        |  |  +-- EXPIRE --> expired   --+
        |  +----- CANCEL --> cancelled --+-- CONFIRM --> late
        +-------- FAIL ----> failed    --+

A QRIS attempt starts ``pending``; a cash payment is recorded ``paid`` straight away
(:func:`initial_payment_status`). Money confirmed for an attempt that already expired, was
cancelled or failed becomes ``late`` (the order goes ``LATE_PAY``); ``paid`` and ``late`` are
final for the attempt -- accepting or refunding late money is an *order* event.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pos_app.money import format_rupiah

__all__ = [
    "CashTender",
    "InsufficientCash",
    "InvalidTransition",
    "OrderEvent",
    "OrderStatus",
    "PaymentEvent",
    "PaymentMethod",
    "PaymentStatus",
    "allowed_events",
    "allowed_payment_events",
    "initial_payment_status",
    "next_order_status",
    "next_payment_status",
    "payment_transition",
    "quick_tender_amounts",
    "transition",
]


class OrderStatus(StrEnum):
    OPEN = "open"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    LATE_PAYMENT = "late_payment"
    REFUNDED = "refunded"


class OrderEvent(StrEnum):
    REQUEST_PAYMENT = "request_payment"
    PAY = "pay"
    EXPIRE = "expire"
    CANCEL = "cancel"
    LATE_PAY = "late_pay"
    ACCEPT_LATE = "accept_late"
    REFUND = "refund"
    RETRY = "retry"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"
    LATE = "late"  # money arrived after expiry/cancel/failure: cashier must accept or refund


class PaymentEvent(StrEnum):
    CONFIRM = "confirm"  # the back-end says the money arrived
    EXPIRE = "expire"
    CANCEL = "cancel"
    FAIL = "fail"


class PaymentMethod(StrEnum):
    CASH = "cash"
    QRIS = "qris"


class InvalidTransition(Exception):
    """A forbidden state change. ``str()`` is e.g.
    ``order K1-20261127-0001: cannot go from paid to cancelled``."""

    def __init__(
        self,
        current: StrEnum,
        event: StrEnum,
        target: StrEnum,
        subject_id: str | None = None,
        kind: str = "order",
    ) -> None:
        self.current = current
        self.event = event
        self.target = target
        self.subject_id = subject_id
        self.kind = kind
        prefix = f"{kind} {subject_id}: " if subject_id is not None else ""
        super().__init__(f"{prefix}cannot go from {current} to {target}")


# --------------------------------------------------------------------------- orders

_S = OrderStatus
_E = OrderEvent

# Each event has one target; the sources are the states it may leave from. Kept in this shape
# (rather than a flat dict) because it reads like the diagram above and makes "target of a
# forbidden event" well defined for error messages.
_ORDER_EVENTS: dict[OrderEvent, tuple[frozenset[OrderStatus], OrderStatus]] = {
    _E.REQUEST_PAYMENT: (frozenset({_S.OPEN}), _S.AWAITING_PAYMENT),
    _E.PAY: (frozenset({_S.OPEN, _S.AWAITING_PAYMENT}), _S.PAID),
    _E.EXPIRE: (frozenset({_S.AWAITING_PAYMENT}), _S.EXPIRED),
    _E.CANCEL: (frozenset({_S.OPEN, _S.AWAITING_PAYMENT}), _S.CANCELLED),
    _E.LATE_PAY: (frozenset({_S.EXPIRED, _S.CANCELLED}), _S.LATE_PAYMENT),
    _E.ACCEPT_LATE: (frozenset({_S.LATE_PAYMENT}), _S.PAID),
    _E.REFUND: (frozenset({_S.PAID, _S.LATE_PAYMENT}), _S.REFUNDED),
    _E.RETRY: (frozenset({_S.EXPIRED, _S.AWAITING_PAYMENT}), _S.AWAITING_PAYMENT),
}
assert set(_ORDER_EVENTS) == set(OrderEvent), "every order event needs a table entry"

_ORDER_TABLE: dict[tuple[OrderStatus, OrderEvent], OrderStatus] = {
    (source, event): target
    for event, (sources, target) in _ORDER_EVENTS.items()
    for source in sources
}


def next_order_status(current: OrderStatus | str, event: OrderEvent | str) -> OrderStatus:
    """The state after ``event``; raises :class:`InvalidTransition` (no order id) if forbidden."""
    status, ev = OrderStatus(current), OrderEvent(event)
    try:
        return _ORDER_TABLE[(status, ev)]
    except KeyError:
        raise InvalidTransition(status, ev, _ORDER_EVENTS[ev][1]) from None


def transition(order_id: str, current: OrderStatus | str, event: OrderEvent | str) -> OrderStatus:
    """Like :func:`next_order_status`, with the order id in the error message."""
    status, ev = OrderStatus(current), OrderEvent(event)
    try:
        return _ORDER_TABLE[(status, ev)]
    except KeyError:
        raise InvalidTransition(status, ev, _ORDER_EVENTS[ev][1], order_id, "order") from None


def allowed_events(status: OrderStatus | str) -> frozenset[OrderEvent]:
    """Events permitted in ``status`` (empty for ``refunded``); drives which buttons show."""
    s = OrderStatus(status)
    return frozenset(ev for (src, ev) in _ORDER_TABLE if src is s)


# --------------------------------------------------------------------------- payments

_P = PaymentStatus
_PE = PaymentEvent

_PAYMENT_TABLE: dict[tuple[PaymentStatus, PaymentEvent], PaymentStatus] = {
    (_P.PENDING, _PE.CONFIRM): _P.PAID,
    (_P.PENDING, _PE.EXPIRE): _P.EXPIRED,
    (_P.PENDING, _PE.CANCEL): _P.CANCELLED,
    (_P.PENDING, _PE.FAIL): _P.FAILED,
    # Money after the attempt ended is never dropped: it becomes "late" for the cashier.
    (_P.EXPIRED, _PE.CONFIRM): _P.LATE,
    (_P.CANCELLED, _PE.CONFIRM): _P.LATE,
    (_P.FAILED, _PE.CONFIRM): _P.LATE,
}

# Target named in error messages for a forbidden payment event.
_PAYMENT_NOMINAL_TARGET: dict[PaymentEvent, PaymentStatus] = {
    _PE.CONFIRM: _P.PAID,
    _PE.EXPIRE: _P.EXPIRED,
    _PE.CANCEL: _P.CANCELLED,
    _PE.FAIL: _P.FAILED,
}


def next_payment_status(
    current: PaymentStatus | str, event: PaymentEvent | str
) -> PaymentStatus:
    """The payment attempt's state after ``event``; :class:`InvalidTransition` if forbidden."""
    return payment_transition(None, current, event)


def payment_transition(
    payment_id: str | None, current: PaymentStatus | str, event: PaymentEvent | str
) -> PaymentStatus:
    """Like :func:`next_payment_status`, with the payment id in the error message."""
    status, ev = PaymentStatus(current), PaymentEvent(event)
    try:
        return _PAYMENT_TABLE[(status, ev)]
    except KeyError:
        raise InvalidTransition(
            status, ev, _PAYMENT_NOMINAL_TARGET[ev], payment_id, "payment"
        ) from None


def allowed_payment_events(status: PaymentStatus | str) -> frozenset[PaymentEvent]:
    s = PaymentStatus(status)
    return frozenset(ev for (src, ev) in _PAYMENT_TABLE if src is s)


def initial_payment_status(method: PaymentMethod | str) -> PaymentStatus:
    """Cash is settled the moment it is counted; QRIS waits for the back-end."""
    if PaymentMethod(method) is PaymentMethod.CASH:
        return PaymentStatus.PAID
    return PaymentStatus.PENDING


# --------------------------------------------------------------------------- cash


def _require_amount(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int number of rupiah, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


class InsufficientCash(ValueError):
    """The customer handed over less than the total."""

    def __init__(self, total: int, tendered: int) -> None:
        self.total = total
        self.tendered = tendered
        self.shortfall = total - tendered
        super().__init__(
            f"cash tendered {format_rupiah(tendered)} is less than the total "
            f"{format_rupiah(total)} ({format_rupiah(self.shortfall)} short)"
        )


@dataclass(frozen=True)
class CashTender:
    """Cash handed over for ``total``; constructing it validates the amount."""

    total: int
    tendered: int

    def __post_init__(self) -> None:
        _require_amount(self.total, "total")
        _require_amount(self.tendered, "tendered")
        if self.tendered < self.total:
            raise InsufficientCash(self.total, self.tendered)

    @property
    def change(self) -> int:
        """Kembalian: what goes back to the customer."""
        return self.tendered - self.total


# Rupiah notes a customer plausibly hands over in one piece (1.000 is mostly a coin and
# anything below is small change, so they are not "notes above the total").
_NOTES = (2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
# The big notes are offered whenever they exceed the total (issue 3: "uang pas, 20.000, 50.000,
# 100.000"): a Rp 3.500 coffee is paid with a 50.000 note as often as with a 5.000 one.
_BIG_NOTES = (20_000, 50_000, 100_000)
_MAX_QUICK_AMOUNTS = 5


def _round_up_to(amount: int, step: int) -> int:
    return -(-amount // step) * step


def quick_tender_amounts(total: int) -> list[int]:
    """Buttons for the cash dialog: ``[total]`` ("uang pas") then up to four larger amounts.

    Above the total: the single note just above it, every big note (20.000, 50.000, 100.000)
    above it, and the next multiple of 50.000 and of 100.000 (for totals near or past one big
    note). Unique, ascending, at most five values. Examples::

        3_500   -> [3_500, 5_000, 20_000, 50_000, 100_000]
        9_500   -> [9_500, 10_000, 20_000, 50_000, 100_000]
        37_500  -> [37_500, 50_000, 100_000]
        50_000  -> [50_000, 100_000]
        120_000 -> [120_000, 150_000, 200_000]

    A total of 0 (fully discounted) gives ``[0]``: there is nothing to hand over.
    """
    _require_amount(total, "total")
    if total == 0:
        return [0]
    candidates = {note for note in _BIG_NOTES if note > total}
    next_note = next((note for note in _NOTES if note > total), None)
    if next_note is not None:
        candidates.add(next_note)
    for step in (50_000, 100_000):
        # Strictly above: "uang pas" already covers a total that is a round multiple.
        candidates.add(_round_up_to(total + 1, step))
    above = sorted(candidates)[: _MAX_QUICK_AMOUNTS - 1]
    return [total, *above]
