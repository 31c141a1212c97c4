"""Tests for pos_app.order_state: transition tables, cash tender, quick tender amounts."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, strategies as st

from pos_app.order_state import (
    CashTender,
    InsufficientCash,
    InvalidTransition,
    OrderEvent,
    OrderStatus,
    PaymentEvent,
    PaymentMethod,
    PaymentStatus,
    allowed_events,
    allowed_payment_events,
    initial_payment_status,
    next_order_status,
    next_payment_status,
    payment_transition,
    quick_tender_amounts,
    transition,
)

S, E = OrderStatus, OrderEvent

# Written out independently of the module's table: this *is* the specification.
EXPECTED_ORDER: dict[tuple[OrderStatus, OrderEvent], OrderStatus] = {
    (S.OPEN, E.REQUEST_PAYMENT): S.AWAITING_PAYMENT,
    (S.OPEN, E.PAY): S.PAID,  # cash
    (S.OPEN, E.CANCEL): S.CANCELLED,
    (S.AWAITING_PAYMENT, E.PAY): S.PAID,
    (S.AWAITING_PAYMENT, E.EXPIRE): S.EXPIRED,
    (S.AWAITING_PAYMENT, E.CANCEL): S.CANCELLED,
    (S.AWAITING_PAYMENT, E.RETRY): S.AWAITING_PAYMENT,  # replace a failed attempt
    (S.EXPIRED, E.LATE_PAY): S.LATE_PAYMENT,
    (S.EXPIRED, E.RETRY): S.AWAITING_PAYMENT,
    (S.CANCELLED, E.LATE_PAY): S.LATE_PAYMENT,
    (S.LATE_PAYMENT, E.ACCEPT_LATE): S.PAID,
    (S.LATE_PAYMENT, E.REFUND): S.REFUNDED,
    (S.PAID, E.REFUND): S.REFUNDED,
}

EVENT_TARGET = {
    E.REQUEST_PAYMENT: S.AWAITING_PAYMENT,
    E.PAY: S.PAID,
    E.EXPIRE: S.EXPIRED,
    E.CANCEL: S.CANCELLED,
    E.LATE_PAY: S.LATE_PAYMENT,
    E.ACCEPT_LATE: S.PAID,
    E.REFUND: S.REFUNDED,
    E.RETRY: S.AWAITING_PAYMENT,
}

ALL_ORDER_PAIRS = list(itertools.product(OrderStatus, OrderEvent))


def test_enum_values_are_stable() -> None:
    # These strings are stored in the database and printed by the CLI.
    assert [s.value for s in OrderStatus] == [
        "open", "awaiting_payment", "paid", "expired", "cancelled", "late_payment", "refunded",
    ]
    assert [s.value for s in PaymentStatus] == [
        "pending", "paid", "expired", "cancelled", "failed", "late",
    ]
    assert [m.value for m in PaymentMethod] == ["cash", "qris"]
    assert len(ALL_ORDER_PAIRS) == 7 * 8


@pytest.mark.parametrize(("status", "event"), ALL_ORDER_PAIRS)
def test_every_order_transition(status: OrderStatus, event: OrderEvent) -> None:
    if (status, event) in EXPECTED_ORDER:
        expected = EXPECTED_ORDER[(status, event)]
        assert next_order_status(status, event) is expected
        assert transition("K1-20261127-0001", status, event) is expected
        assert event in allowed_events(status)
    else:
        with pytest.raises(InvalidTransition) as info:
            next_order_status(status, event)
        assert str(info.value) == f"cannot go from {status} to {EVENT_TARGET[event]}"
        with pytest.raises(InvalidTransition) as info:
            transition("K1-20261127-0001", status, event)
        assert str(info.value) == (
            f"order K1-20261127-0001: cannot go from {status} to {EVENT_TARGET[event]}"
        )
        assert info.value.subject_id == "K1-20261127-0001"
        assert (info.value.current, info.value.event) == (status, event)
        assert event not in allowed_events(status)


def test_error_message_from_the_brief() -> None:
    with pytest.raises(InvalidTransition) as info:
        transition("K1-20261127-0001", OrderStatus.PAID, OrderEvent.CANCEL)
    assert str(info.value) == "order K1-20261127-0001: cannot go from paid to cancelled"


@pytest.mark.parametrize("status", list(OrderStatus))
def test_allowed_events_matches_table(status: OrderStatus) -> None:
    assert allowed_events(status) == frozenset(e for (s, e) in EXPECTED_ORDER if s is status)


def test_refunded_is_final() -> None:
    assert allowed_events(OrderStatus.REFUNDED) == frozenset()


def test_strings_from_the_database_are_accepted() -> None:
    assert next_order_status("open", "request_payment") is OrderStatus.AWAITING_PAYMENT
    assert transition("K1-1", "late_payment", "accept_late") is OrderStatus.PAID
    assert allowed_events("paid") == {OrderEvent.REFUND}
    with pytest.raises(ValueError):
        next_order_status("bogus", "pay")
    with pytest.raises(ValueError):
        next_order_status("open", "bogus")


def test_late_money_never_becomes_a_silent_paid() -> None:
    for status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED):
        with pytest.raises(InvalidTransition):
            next_order_status(status, OrderEvent.PAY)
        late = next_order_status(status, OrderEvent.LATE_PAY)
        assert allowed_events(late) == {OrderEvent.ACCEPT_LATE, OrderEvent.REFUND}


def test_typical_paths() -> None:
    def run(*events: OrderEvent) -> OrderStatus:
        status = OrderStatus.OPEN
        for event in events:
            status = transition("K1-20261127-0007", status, event)
        return status

    assert run(E.PAY) is S.PAID  # cash
    assert run(E.REQUEST_PAYMENT, E.PAY) is S.PAID  # QRIS
    assert run(E.REQUEST_PAYMENT, E.EXPIRE, E.RETRY, E.PAY) is S.PAID
    assert run(E.REQUEST_PAYMENT, E.EXPIRE, E.LATE_PAY, E.ACCEPT_LATE) is S.PAID
    assert run(E.REQUEST_PAYMENT, E.CANCEL, E.LATE_PAY, E.REFUND) is S.REFUNDED
    assert run(E.REQUEST_PAYMENT, E.RETRY, E.RETRY, E.CANCEL) is S.CANCELLED
    assert run(E.PAY, E.REFUND) is S.REFUNDED


# --------------------------------------------------------------------------- payments

P, PE = PaymentStatus, PaymentEvent

EXPECTED_PAYMENT: dict[tuple[PaymentStatus, PaymentEvent], PaymentStatus] = {
    (P.PENDING, PE.CONFIRM): P.PAID,
    (P.PENDING, PE.EXPIRE): P.EXPIRED,
    (P.PENDING, PE.CANCEL): P.CANCELLED,
    (P.PENDING, PE.FAIL): P.FAILED,
    (P.EXPIRED, PE.CONFIRM): P.LATE,
    (P.CANCELLED, PE.CONFIRM): P.LATE,
    (P.FAILED, PE.CONFIRM): P.LATE,
}


@pytest.mark.parametrize(("status", "event"), list(itertools.product(PaymentStatus, PaymentEvent)))
def test_every_payment_transition(status: PaymentStatus, event: PaymentEvent) -> None:
    if (status, event) in EXPECTED_PAYMENT:
        assert next_payment_status(status, event) is EXPECTED_PAYMENT[(status, event)]
        assert event in allowed_payment_events(status)
    else:
        with pytest.raises(InvalidTransition, match=f"^payment PAY-9: cannot go from {status} to "):
            payment_transition("PAY-9", status, event)
        with pytest.raises(InvalidTransition, match=f"^cannot go from {status} to "):
            next_payment_status(status, event)
        assert event not in allowed_payment_events(status)


def test_initial_payment_status() -> None:
    assert initial_payment_status(PaymentMethod.CASH) is PaymentStatus.PAID
    assert initial_payment_status("qris") is PaymentStatus.PENDING
    with pytest.raises(ValueError):
        initial_payment_status("card")


# --------------------------------------------------------------------------- cash


@pytest.mark.parametrize(
    ("total", "tendered", "change"),
    [
        (17_483, 20_000, 2_517),
        (17_483, 17_483, 0),  # uang pas
        (37_500, 100_000, 62_500),
        (0, 0, 0),
        (0, 5_000, 5_000),
    ],
)
def test_cash_change(total: int, tendered: int, change: int) -> None:
    assert CashTender(total, tendered).change == change


def test_insufficient_cash() -> None:
    with pytest.raises(InsufficientCash) as info:
        CashTender(total=25_000, tendered=20_000)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "Rp 20.000" in message and "Rp 25.000" in message and "Rp 5.000 short" in message
    assert (info.value.total, info.value.tendered, info.value.shortfall) == (25_000, 20_000, 5_000)


@pytest.mark.parametrize(
    ("total", "tendered", "error"),
    [
        (-1, 0, ValueError),
        (1_000, -1, ValueError),
        (1_000.0, 2_000, TypeError),
        (1_000, 2_000.0, TypeError),
        (True, 2_000, TypeError),
    ],
)
def test_cash_tender_validation(total: object, tendered: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        CashTender(total, tendered)  # type: ignore[arg-type]


@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_cash_change_property(total: int, extra: int) -> None:
    tender = CashTender(total, total + extra)
    assert tender.change == extra
    assert tender.total + tender.change == tender.tendered


# --------------------------------------------------------------------------- quick tender


@pytest.mark.parametrize(
    ("total", "amounts"),
    [
        (0, [0]),
        (500, [500, 2_000, 20_000, 50_000, 100_000]),
        (1_999, [1_999, 2_000, 20_000, 50_000, 100_000]),
        (2_000, [2_000, 5_000, 20_000, 50_000, 100_000]),
        (3_500, [3_500, 5_000, 20_000, 50_000, 100_000]),
        (9_500, [9_500, 10_000, 20_000, 50_000, 100_000]),
        (12_000, [12_000, 20_000, 50_000, 100_000]),
        (17_483, [17_483, 20_000, 50_000, 100_000]),
        (20_000, [20_000, 50_000, 100_000]),
        (37_500, [37_500, 50_000, 100_000]),
        (50_000, [50_000, 100_000]),
        (95_000, [95_000, 100_000]),
        (100_000, [100_000, 150_000, 200_000]),
        (120_000, [120_000, 150_000, 200_000]),
        (150_000, [150_000, 200_000]),
        (1_234_567, [1_234_567, 1_250_000, 1_300_000]),
    ],
)
def test_quick_tender_amounts(total: int, amounts: list[int]) -> None:
    assert quick_tender_amounts(total) == amounts


@given(st.integers(min_value=0, max_value=10**12))
def test_quick_tender_amounts_properties(total: int) -> None:
    amounts = quick_tender_amounts(total)
    assert amounts[0] == total  # "uang pas" first
    assert 1 <= len(amounts) <= 5
    assert amounts == sorted(set(amounts))  # unique, ascending
    if total > 0:  # the big notes, whenever they are more than the total
        assert {note for note in (20_000, 50_000, 100_000) if note > total} <= set(amounts)
    for amount in amounts[1:]:
        assert amount > total
        assert amount % 1_000 == 0
        CashTender(total, amount)  # every button is a valid tender
    if total > 0:
        assert len(amounts) >= 2  # there is always a bigger round amount to offer


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_quick_tender_amounts_rejects(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        quick_tender_amounts(bad)  # type: ignore[arg-type]
