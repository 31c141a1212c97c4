"""Unique codes: making every open QRIS on one merchant account payable with a different amount.

With a static QRIS (or orkut's generated ones) the only thing that tells two payments apart on
the statement is the amount, so the payable amount is the order amount plus (``add``) or minus
(``subtract``) a small code, chosen so that no other open payment on the same account has the
same payable amount.

Several tills may share one account. Instead of coordinating over the network, the space of
payable amounts is partitioned by ``store.terminal_id``: each till only makes payable amounts
whose *last digit* is its own (till ``K1`` -> ...1, ``K2`` -> ...2; a terminal id without
trailing digits is hashed to a digit). Two tills can then never produce the same payable amount,
whatever their order amounts, and the codes stay small (15.000 at till K1 -> 15.001, 15.011, ...).
A code is 1..999 rupiah, so each till has about 100 codes per order amount.

A payable amount stays reserved while its payment is pending and, after it expired or was
cancelled, for the late-payment watch window — so a late credit is never mistaken for a newer
order's payment. With ``off`` no code is added and a second open order with the same amount on
the account is refused (the cashier can change it or take cash).
"""

from __future__ import annotations

import re
import sqlite3
import zlib
from datetime import datetime, timedelta
from enum import StrEnum

from pos_app.clock import to_iso

BLOCKS = 10  # partitions = possible last digits
MAX_CODE = 999


class CodeMode(StrEnum):
    ADD = "add"
    SUBTRACT = "subtract"
    OFF = "off"


class NoCodeAvailable(Exception):
    """Every payable amount this till may use for this order amount is taken."""


def block_for(terminal_id: str) -> int:
    m = re.search(r"(\d+)$", terminal_id)
    if m:
        return int(m.group(1)) % BLOCKS
    return zlib.crc32(terminal_id.encode()) % BLOCKS


def taken_amounts(conn: sqlite3.Connection, account: str, now: datetime,
                  reserve_after_expiry_s: float) -> set[int]:
    since = to_iso(now - timedelta(seconds=reserve_after_expiry_s))
    rows = conn.execute(
        "SELECT coalesce(payable_amount, reserved_amount) FROM payments"
        " WHERE account = ? AND coalesce(payable_amount, reserved_amount) IS NOT NULL AND ("
        "  status = 'pending' OR (status IN ('expired', 'cancelled') AND expires_at >= ?))",
        (account, since),
    ).fetchall()
    return {int(r[0]) for r in rows}


def candidates(amount: int, mode: CodeMode, block: int) -> list[int]:
    """Payable amounts this till may use for ``amount``, best (smallest code) first."""
    if mode is CodeMode.OFF:
        return [amount]
    out: list[int] = []
    # A code of 0 is never used: the plain amount is what a customer paying another order (or
    # typing the amount by hand into a static QRIS) would send.
    for code in range(1, MAX_CODE + 1):
        payable = amount + code if mode is CodeMode.ADD else amount - code
        if payable <= 0:
            break
        if payable % BLOCKS == block:
            out.append(payable)
    return out


def allocate(
    conn: sqlite3.Connection,
    *,
    account: str,
    amount: int,
    mode: CodeMode,
    terminal_id: str,
    now: datetime,
    reserve_after_expiry_s: float,
) -> int:
    """Pick a payable amount; call inside the transaction that stores it (BEGIN IMMEDIATE)."""
    taken = taken_amounts(conn, account, now, reserve_after_expiry_s)
    for payable in candidates(amount, mode, block_for(terminal_id)):
        if payable not in taken:
            return payable
    if mode is CodeMode.OFF:
        raise NoCodeAvailable(f"another open QRIS on this account already asks for {amount}")
    raise NoCodeAvailable(f"all unique codes for {amount} are in use on this account")
