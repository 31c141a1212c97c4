"""The ``refunds`` and ``refund_lines`` tables, and voids (rules in ``pos_app.refunds``).

A refund is one transaction: the refund, its lines, the stock put back and the audit row
naming the cashier and the approving owner. What is left to refund is read inside that same
transaction, so two tills refunding the same order at once can't give back more than it sold.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pos_app.clock import from_iso, local_date, to_iso
from pos_app.refunds import (
    NotRefundable,
    NotVoidable,
    PaidBack,
    RefundError,
    RefundLine,
    SoldLine,
    check_paid_back,
    check_reason,
    refund_lines,
)
from pos_app.storage.database import Database


@dataclass(frozen=True)
class Refund:
    id: str
    order_id: str
    business_date: date
    created_at: datetime
    cashier: str
    approved_by: str
    reason: str
    method: str
    amount: int
    paid_back: PaidBack
    lines: tuple[RefundLine, ...] = ()


def _sold_lines(conn: sqlite3.Connection, order_id: str) -> tuple[SoldLine, ...]:
    return tuple(SoldLine(r["line_no"], r["sku"], r["name"], int(r["quantity"]), int(r["net"]),
                          int(r["back"])) for r in conn.execute(
        "SELECT l.line_no, l.sku, l.name, l.quantity, l.net,"
        " coalesce((SELECT sum(rl.quantity) FROM refund_lines rl JOIN refunds r"
        "           ON r.id = rl.refund_id WHERE r.order_id = l.order_id"
        "           AND rl.line_no = l.line_no), 0) AS back"
        " FROM order_lines l WHERE l.order_id = ? ORDER BY l.line_no", (order_id,)))


def sold_lines(db: Database, order_id: str) -> tuple[SoldLine, ...]:
    """The order's lines with what earlier refunds gave back (for the refund dialog)."""
    with db.lock:
        return _sold_lines(db.conn, order_id)


def refunded_amount(db: Database, order_id: str) -> int:
    return int(db.scalar("SELECT coalesce(sum(amount), 0) FROM refunds WHERE order_id = ?",
                         (order_id,)))


def paid_method(conn: sqlite3.Connection, order_id: str) -> str:
    """How the order was paid: the method of its payment that paid it (a QRIS that failed
    before a cash payment must not make a cash sale look like QRIS)."""
    row = conn.execute(
        "SELECT method FROM payments WHERE order_id = ? AND status IN ('paid', 'late')"
        " ORDER BY created_at DESC, rowid DESC LIMIT 1", (order_id,)).fetchone()
    return str(row["method"]) if row else "cash"


def refund(db: Database, order_id: str, quantities: Mapping[int, int], *, reason: str,
           cashier: str, approved_by: str, paid_back: PaidBack, tz: ZoneInfo, now: datetime,
           shift_id: str | None = None, expected_amount: int | None = None) -> Refund:
    """Give back ``quantities`` (line number -> how many) of the paid order ``order_id``.

    ``approved_by`` is the owner whose PIN was checked (by the caller: the window's approval
    dialog); ``shift_id`` the open shift the money leaves from; ``expected_amount`` the
    amount the owner approved (refused if another till's refund changed it meanwhile). Raises a
    :class:`~pos_app.refunds.RefundError` when the refund is not possible as asked."""
    reason = check_reason(reason)
    refund_id = str(uuid.uuid4())
    with db.transaction() as conn:
        order = conn.execute("SELECT status, total FROM orders WHERE id = ?",
                             (order_id,)).fetchone()
        if order is None or order["status"] != "paid":
            raise NotRefundable(order_id, order["status"] if order else "unknown")
        method = paid_method(conn, order_id)
        check_paid_back(method, paid_back)
        already = int(conn.execute("SELECT coalesce(sum(amount), 0) FROM refunds"
                                   " WHERE order_id = ?", (order_id,)).fetchone()[0])
        sold = _sold_lines(conn, order_id)
        lines = refund_lines(sold, int(order["total"]), already, quantities)
        amount = sum(line.amount for line in lines)
        if amount <= 0:
            raise RefundError("the chosen lines are worth nothing to give back",
                              "Barang yang dipilih bernilai Rp 0")
        if expected_amount is not None and amount != expected_amount:
            raise RefundError(f"the refund is now {amount}, not the {expected_amount} approved",
                              "Jumlahnya berubah (ada pengembalian lain): periksa lagi")
        # The day it counts on: the shift's (a refund at 00:30 in a shift opened at 18:00 is
        # in that day's report, like the shift's sales and its cash), else the local date.
        shift = conn.execute("SELECT business_date FROM shifts WHERE id = ?",
                             (shift_id,)).fetchone() if shift_id else None
        business_date = (date.fromisoformat(shift["business_date"]) if shift
                         else local_date(now, tz))
        conn.execute(
            "INSERT INTO refunds (id, order_id, business_date, shift_id, created_at, cashier,"
            " approved_by, reason, method, amount, paid_back, paid_back_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (refund_id, order_id, business_date.isoformat(), shift_id, to_iso(now),
             cashier, approved_by, reason, method, amount, paid_back.value,
             None if paid_back is PaidBack.OWED else to_iso(now)))
        conn.executemany(
            "INSERT INTO refund_lines (refund_id, line_no, quantity, amount) VALUES (?,?,?,?)",
            [(refund_id, line.line_no, line.quantity, line.amount) for line in lines])
        skus = {s.line_no: s.sku for s in sold}
        conn.executemany(
            "UPDATE products SET stock = stock + ? WHERE sku = ? AND stock IS NOT NULL",
            [(line.quantity, skus[line.line_no]) for line in lines])
        db.audit(conn, cashier, "order_refunded", order_id=order_id, details=json.dumps({
            "refund_id": refund_id, "amount": amount, "approved_by": approved_by,
            "reason": reason, "paid_back": paid_back.value,
            "lines": {str(line.line_no): line.quantity for line in lines}}))
    return Refund(refund_id, order_id, business_date, now, cashier, approved_by, reason,
                  method, amount, paid_back, lines)


def mark_paid_back(db: Database, refund_id: str, how: PaidBack, *, actor: str,
                   now: datetime, shift_id: str | None = None) -> bool:
    """An owed QRIS refund paid back by hand (``how``: cash or transfer). False when it was
    not owed (already marked, or no such refund). Cash leaves the drawer of the shift open
    now (``shift_id``), not of the one the refund was recorded in: its count is that
    drawer's."""
    if how is PaidBack.OWED:
        raise ValueError("mark an owed refund paid back by cash or transfer")
    with db.transaction() as conn:
        done = conn.execute(
            "UPDATE refunds SET paid_back = ?, paid_back_at = ?,"
            " shift_id = CASE WHEN ? = 'cash' THEN coalesce(?, shift_id) ELSE shift_id END"
            " WHERE id = ? AND paid_back = 'owed'",
            (how.value, to_iso(now), how.value, shift_id, refund_id)).rowcount
        if done:
            db.audit(conn, actor, "refund_paid_back",
                     details=json.dumps({"refund_id": refund_id, "how": how.value}))
    return bool(done)


def refunds_of(db: Database, order_id: str) -> list[Refund]:
    out = []
    for r in db.query("SELECT * FROM refunds WHERE order_id = ? ORDER BY created_at", (order_id,)):
        lines = tuple(RefundLine(x["line_no"], x["quantity"], x["amount"]) for x in db.query(
            "SELECT line_no, quantity, amount FROM refund_lines WHERE refund_id = ?"
            " ORDER BY line_no", (r["id"],)))
        out.append(Refund(r["id"], r["order_id"], date.fromisoformat(r["business_date"]),
                          from_iso(r["created_at"]), r["cashier"], r["approved_by"], r["reason"],
                          r["method"], int(r["amount"]), PaidBack(r["paid_back"]), lines))
    return out


VOIDABLE = ("awaiting_payment", "expired", "cancelled")


def void(db: Database, order_id: str, *, reason: str, cashier: str, approved_by: str) -> None:
    """Mark an unpaid order voided (who approved, why). The caller cancels a QRIS still
    waiting first (``PaymentService.cancel``: it tells the gateway), so that a payment that
    arrives after all is still caught as a late payment. :class:`NotVoidable` for a paid
    order (that is a refund) or one voided already."""
    reason = check_reason(reason)
    with db.transaction() as conn:
        row = conn.execute("SELECT status, voided_by FROM orders WHERE id = ?",
                           (order_id,)).fetchone()
        if row is None or row["status"] not in VOIDABLE or row["voided_by"]:
            raise NotVoidable(order_id, row["status"] if row else "unknown")
        conn.execute("UPDATE orders SET voided_by = ?, void_reason = ? WHERE id = ?",
                     (approved_by, reason, order_id))
        db.audit(conn, cashier, "order_voided", order_id=order_id,
                 details=json.dumps({"approved_by": approved_by, "reason": reason}))
