"""Refunds and voids: giving back money for a paid sale, and voiding an unpaid one.

The rules, and why:

* **A refund needs a reason and an owner's approval**, and names both the cashier who did it
  and the owner who approved it: money leaves the shop.
* **Whole or by line.** A line can be given back in part (2 of 3 cups); what is left to give
  back is what was sold minus what earlier refunds gave back, so two refunds can never return
  more than the sale.
* **What a line is worth** is its share of what the customer paid: the line's net (after its
  own discount) times the order's total over the sum of the nets. That spreads the order
  discount and added PPN over the lines the way the customer paid them. Shares are rounded
  down, and the refund that gives back the last of an order gives back exactly the rest, so
  the refunds of an order add up to its total to the rupiah.
* **The order stays "paid".** It was a sale, on the day it was sold; the refund counts on the
  day it is made (the report's refunds, the shift's cash).
* **Tracked stock goes back** for the quantities returned.
* **QRIS money can't be sent back by the till**: none of the back-ends has a refund API. A
  QRIS refund is paid back by hand, in cash from the drawer or by a bank transfer; until the
  owner marks the transfer done it is recorded as owed.
* **A void** is an unpaid order (waiting for its QRIS, or expired) taken off the books, with a
  reason and the approving owner. It stays in Riwayat and the reports as voided.

Pure values and arithmetic: the tables and transactions are ``pos_app.storage.refunds``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class PaidBack(StrEnum):
    CASH = "cash"  # from the drawer, now
    TRANSFER = "transfer"  # a bank transfer, done
    OWED = "owed"  # a QRIS refund not paid back yet


class RefundError(ValueError):
    """A refund or void refused; ``message_id`` is the Indonesian sentence for the screen."""

    def __init__(self, message: str, message_id: str) -> None:
        super().__init__(message)
        self.message_id = message_id


class NotRefundable(RefundError):
    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"order {order_id} is {status}: only a paid order can be refunded",
                         "Hanya transaksi lunas yang bisa dikembalikan")


class NotVoidable(RefundError):
    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"order {order_id} is {status}: only an unpaid order can be voided",
                         "Hanya transaksi yang belum dibayar yang bisa di-void")


class TooMuch(RefundError):
    def __init__(self, line_no: int, left: int) -> None:
        super().__init__(f"line {line_no}: only {left} left to refund",
                         f"Baris {line_no}: sisa yang bisa dikembalikan {left}")


class NothingToRefund(RefundError):
    def __init__(self) -> None:
        super().__init__("choose at least one line and quantity to refund",
                         "Pilih barang dan jumlah yang dikembalikan")


class ReasonMissing(RefundError):
    def __init__(self) -> None:
        super().__init__("a reason is required", "Alasan wajib diisi")


class WrongPaidBack(RefundError):
    def __init__(self, method: str, paid_back: str) -> None:
        super().__init__(f"a {method} sale can't be paid back by {paid_back}",
                         "Penjualan tunai dikembalikan tunai")


@dataclass(frozen=True)
class SoldLine:
    """A line of the paid order, with how much of it earlier refunds gave back."""

    line_no: int
    sku: str
    name: str
    quantity: int
    net: int
    refunded_quantity: int = 0

    @property
    def left(self) -> int:
        return self.quantity - self.refunded_quantity


@dataclass(frozen=True)
class RefundLine:
    line_no: int
    quantity: int
    amount: int


def refund_lines(lines: tuple[SoldLine, ...], total: int, already_refunded: int,
                 quantities: Mapping[int, int]) -> tuple[RefundLine, ...]:
    """The lines and amounts of a refund of ``quantities`` (line number -> how many) from an
    order that was paid ``total`` and of which ``already_refunded`` was given back."""
    by_no = {line.line_no: line for line in lines}
    wanted = {n: q for n, q in quantities.items() if q}
    if not wanted:
        raise NothingToRefund()
    for n, q in wanted.items():
        line = by_no.get(n)
        if line is None or q < 0 or q > line.left:
            raise TooMuch(n, line.left if line else 0)
    nets = sum(line.net for line in lines)
    out = [RefundLine(n, q, total * by_no[n].net * q // (nets * by_no[n].quantity) if nets else 0)
           for n, q in sorted(wanted.items())]
    everything_back = all(line.left == wanted.get(line.line_no, 0) for line in lines)
    if everything_back and out:  # the last refund of the order gives back exactly the rest
        rest = total - already_refunded - sum(r.amount for r in out[:-1])
        out[-1] = RefundLine(out[-1].line_no, out[-1].quantity, rest)
    return tuple(out)


def check_paid_back(method: str, paid_back: PaidBack) -> None:
    if method == "cash" and paid_back is not PaidBack.CASH:
        raise WrongPaidBack(method, paid_back.value)


def check_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ReasonMissing()
    return reason[:200]
