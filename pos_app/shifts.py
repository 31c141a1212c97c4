"""A till's shift (Buka/Tutup kasir) and the count of its cash drawer.

The rules, and why:

* **Nothing is sold without an open shift** at the till (the window asks to open one first):
  every rupiah in the drawer belongs to someone's shift, or the evening count means nothing.
* **One open shift per till.** A second "Buka kasir" while one is open is refused (the table
  has a unique index on it, so two windows can't both open one).
* **A shift belongs to the day it opened.** A warung that closes at 02:00 thinks of the night
  as the same day: the shift's sales carry its ``business_date`` (``pos_app.checkout``), so
  they are in that day's report, with that day's order numbers.
* **A shift is at most 20 hours long** (:data:`MAX_SHIFT`). A warung open 07:00-02:00 fits;
  a shift forgotten open over a weekend would otherwise put Monday's sales on Friday. After
  that the till sells nothing until the old shift is closed (and a new one opened).
* **Expected cash** = the opening float + cash sales of the shift - cash given back for refunds
  in the shift. The difference is counted - expected: negative means money is missing.
* **The count is by denomination** (rupiah notes 100.000 ... 1.000, coins 1.000 ... 100): the
  cashier types how many of each, the till adds up; the counts are kept with the shift.

Pure values and arithmetic: the table and its transactions are ``pos_app.storage.shifts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

#: Rupiah notes and coins in circulation, largest first (the 1.000 coin and note count
#: as one denomination: the drawer holds both in the same slot).
DENOMINATIONS: tuple[int, ...] = (100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000,
                                  500, 200, 100)
COINS_FROM = 1_000
MAX_SHIFT = timedelta(hours=20)  # this and below are (also) coins: shown as "koin" on the counter


class ShiftStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ShiftError(ValueError):
    """A shift action refused; ``message_id`` is the Indonesian sentence for the screen."""

    def __init__(self, message: str, message_id: str) -> None:
        super().__init__(message)
        self.message_id = message_id


class ShiftAlreadyOpen(ShiftError):
    def __init__(self, opened_by: str) -> None:
        super().__init__(f"a shift is already open on this till (opened by {opened_by})",
                         f"Kasir sudah dibuka oleh {opened_by}")


class NoOpenShift(ShiftError):
    def __init__(self) -> None:
        super().__init__("no shift is open on this till", "Kasir belum dibuka")


class ShiftTooOld(ShiftError):
    def __init__(self, opened: date) -> None:
        super().__init__(f"the shift opened on {opened} is more than 20 hours old: close it",
                         f"Kasir dibuka sejak {opened:%d/%m/%Y} — tutup kasir dulu (F7)")


def too_old(opened_at: datetime, now: datetime) -> bool:
    return now - opened_at > MAX_SHIFT


class NoteRequired(ShiftError):
    def __init__(self, difference: int) -> None:
        super().__init__(f"the count differs from the expected cash by {difference}: a note is "
                         "required", "Tulis catatan untuk selisih")


class BadCount(ShiftError):
    def __init__(self, why: str, why_id: str) -> None:
        super().__init__(f"bad cash count: {why}", why_id)


@dataclass(frozen=True)
class CashCount:
    """How many of each denomination are in the drawer."""

    pieces: Mapping[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for value, n in self.pieces.items():
            if value not in DENOMINATIONS:
                raise BadCount(f"{value} is not a rupiah denomination",
                               f"{value} bukan pecahan rupiah")
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise BadCount(f"count of {value} must be a whole number >= 0",
                               "Jumlah lembar/keping harus angka bulat 0 atau lebih")

    @property
    def total(self) -> int:
        return sum(value * n for value, n in self.pieces.items())

    def as_json(self) -> dict[str, int]:
        """For the ``shifts.counts`` column: denominations with a count, largest first."""
        return {str(v): self.pieces[v] for v in DENOMINATIONS if self.pieces.get(v)}


@dataclass(frozen=True)
class Shift:
    id: str
    terminal_id: str
    business_date: date
    status: ShiftStatus
    opened_by: str
    opened_at: datetime
    opening_float: int
    closed_by: str | None = None
    closed_at: datetime | None = None
    expected_cash: int | None = None
    counted_cash: int | None = None
    note: str = ""

    @property
    def difference(self) -> int | None:
        if self.counted_cash is None or self.expected_cash is None:
            return None
        return self.counted_cash - self.expected_cash


@dataclass(frozen=True)
class ShiftTotals:
    """What a shift sold and what its drawer should hold."""

    opening_float: int
    orders: int  # paid orders
    cash_sales: int
    cash_orders: int
    qris_sales: int
    qris_orders: int
    cash_refunds: int  # given back from the drawer
    other_refunds: int  # QRIS refunds by transfer, or still owed
    voids: int

    @property
    def expected_cash(self) -> int:
        return self.opening_float + self.cash_sales - self.cash_refunds


def close_difference(expected: int, counted: CashCount) -> int:
    """Counted - expected: negative when money is missing from the drawer."""
    return counted.total - expected
