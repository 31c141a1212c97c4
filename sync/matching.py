"""Deciding which open payment an incoming credit pays — conservatively.

A credit (a mutasi line) can confirm an order only if:

* its amount is *exactly* the payment's payable amount (unique codes make these distinct), and
* it is not older than the payment's creation minus a grace that covers clocks and
  minute-precision statements (``2025-07-25 18:02`` may mean 18:02:59), and
* exactly one payment fits. Two fitting payments make the credit *ambiguous*: it goes to a
  review list for a person, never auto-confirmed.

A credit that fits a payment that already expired (or was cancelled) but is still watched is a
*late payment*: the cashier decides to accept or refund. A credit that fits nothing is
*unmatched* and shows up in the owner's reconciliation. Claiming (each credit at most once,
each payment at most once) is enforced by the database, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pos_app.order_state import PaymentStatus
from sync.providers.base import Credit, TimePrecision

#: how much earlier than the order a credit may be stamped and still pay it: the bank's and our
#: clocks disagree by seconds, and a minute-precision stamp hides up to 59 s more
CLOCK_GRACE = timedelta(seconds=60)


class Verdict(StrEnum):
    MATCH = "matched"
    LATE = "late"
    REVIEW = "review"
    UNMATCHED = "unmatched"


@dataclass(frozen=True)
class OpenPayment:
    payment_id: str
    order_id: str
    payable_amount: int
    created_at: datetime
    expires_at: datetime
    status: PaymentStatus  # PENDING, or EXPIRED / CANCELLED while still late-watched


@dataclass(frozen=True)
class Decision:
    credit: Credit
    verdict: Verdict
    payment: OpenPayment | None = None
    reason: str = ""


def earliest_for(credit: Credit) -> datetime:
    """The latest moment the credit could really have happened (precision widens it)."""
    if credit.precision is TimePrecision.MINUTE:
        return credit.credited_at + timedelta(seconds=59)
    return credit.credited_at


def fits(credit: Credit, payment: OpenPayment) -> bool:
    return (
        credit.amount == payment.payable_amount
        and earliest_for(credit) >= payment.created_at - CLOCK_GRACE
    )


def decide(credit: Credit, payments: Sequence[OpenPayment]) -> Decision:
    candidates = [p for p in payments if fits(credit, p)]
    if not candidates:
        older = [p for p in payments if credit.amount == p.payable_amount]
        reason = "older than the order it would pay" if older else "no open order has this amount"
        return Decision(credit, Verdict.UNMATCHED, reason=reason)
    if len(candidates) > 1:
        ids = ", ".join(p.order_id for p in candidates)
        return Decision(credit, Verdict.REVIEW, reason=f"fits several orders: {ids}")
    payment = candidates[0]
    if payment.status is PaymentStatus.PENDING:
        return Decision(credit, Verdict.MATCH, payment)
    return Decision(credit, Verdict.LATE, payment,
                    reason=f"arrived after the order was {payment.status.value}")


def decide_all(credits: Iterable[Credit], payments: Sequence[OpenPayment]) -> list[Decision]:
    """Decisions for new credits, oldest first; a payment taken by one credit is not offered
    to the next (a second credit of the same amount is then unmatched, for a person to see)."""
    remaining = list(payments)
    out: list[Decision] = []
    for credit in sorted(credits, key=lambda c: (c.credited_at, c.credit_id)):
        decision = decide(credit, remaining)
        if decision.payment is not None and decision.verdict in (Verdict.MATCH, Verdict.LATE):
            remaining = [p for p in remaining if p.payment_id != decision.payment.payment_id]
        out.append(decision)
    return out
