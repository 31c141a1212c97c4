"""The ``shifts`` table: opening and closing a till's shift, and what a shift sold (rules in
``pos_app.shifts``).

Opening and closing are one transaction each, with their audit row. The expected cash of a
shift is computed from its orders and refunds when asked (never kept up to date by each sale:
one more write per sale would be one more thing a crash could leave half done); it is stored
once, at close, next to the count.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pos_app.clock import from_iso, local_date, to_iso
from pos_app.money import require_int
from pos_app.shifts import (
    BadCount,
    CashCount,
    NoOpenShift,
    NoteRequired,
    Shift,
    ShiftAlreadyOpen,
    ShiftStatus,
    ShiftTotals,
)
from pos_app.storage.database import Database
from pos_app.storage.refunds import VOIDABLE

_COLUMNS = ("id, terminal_id, business_date, status, opened_by, opened_at, opening_float,"
            " closed_by, closed_at, expected_cash, counted_cash, note")


def _shift(row: sqlite3.Row) -> Shift:
    return Shift(
        id=row["id"], terminal_id=row["terminal_id"],
        business_date=date.fromisoformat(row["business_date"]),
        status=ShiftStatus(row["status"]), opened_by=row["opened_by"],
        opened_at=from_iso(row["opened_at"]), opening_float=int(row["opening_float"]),
        closed_by=row["closed_by"],
        closed_at=from_iso(row["closed_at"]) if row["closed_at"] else None,
        expected_cash=row["expected_cash"], counted_cash=row["counted_cash"],
        note=row["note"] or "")


def current_shift(db: Database, terminal_id: str) -> Shift | None:
    """The open shift of this till, or None."""
    row = db.query_one(f"SELECT {_COLUMNS} FROM shifts WHERE terminal_id = ? AND status = 'open'",
                       (terminal_id,))
    return _shift(row) if row else None


def get_shift(db: Database, shift_id: str) -> Shift | None:
    row = db.query_one(f"SELECT {_COLUMNS} FROM shifts WHERE id = ?", (shift_id,))
    return _shift(row) if row else None


def shifts_on(db: Database, business_date: date) -> list[Shift]:
    return [_shift(r) for r in db.query(
        f"SELECT {_COLUMNS} FROM shifts WHERE business_date = ? ORDER BY opened_at",
        (business_date.isoformat(),))]


def open_shift(db: Database, terminal_id: str, tz: ZoneInfo, user: str, opening_float: int,
               now: datetime) -> Shift:
    """Open this till's shift with ``opening_float`` in the drawer; :class:`ShiftAlreadyOpen`
    when one is open (by anyone: the drawer is one)."""
    require_int(opening_float, "opening float")
    if opening_float < 0:
        raise BadCount("the opening float can't be negative", "Modal awal tidak boleh minus")
    shift = Shift(str(uuid.uuid4()), terminal_id, local_date(now, tz), ShiftStatus.OPEN, user,
                  now, opening_float)
    try:
        with db.transaction() as conn:
            conn.execute(
                "INSERT INTO shifts (id, terminal_id, business_date, status, opened_by,"
                " opened_at, opening_float) VALUES (?, ?, ?, 'open', ?, ?, ?)",
                (shift.id, terminal_id, shift.business_date.isoformat(), user, to_iso(now),
                 opening_float))
            db.audit(conn, user, "shift_opened",
                     details=json.dumps({"shift_id": shift.id, "opening_float": opening_float}))
    except sqlite3.IntegrityError:
        other = current_shift(db, terminal_id)
        raise ShiftAlreadyOpen(other.opened_by if other else "?") from None
    return shift


def shift_totals(db: Database, shift_id: str) -> ShiftTotals:
    """What the shift sold, gave back and voided, and so what its drawer should hold."""
    with db.lock:  # one consistent read: the sale and refund sums of the same moment
        return _totals(db.conn, shift_id)


def _totals(conn: sqlite3.Connection, shift_id: str) -> ShiftTotals:
    row = conn.execute("SELECT opening_float FROM shifts WHERE id = ?", (shift_id,)).fetchone()
    if row is None:
        raise NoOpenShift()
    sales = {r["method"]: (int(r["n"]), int(r["amount"])) for r in conn.execute(
        "SELECT p.method, count(*) AS n, coalesce(sum(o.total), 0) AS amount FROM orders o"
        " JOIN payments p ON p.order_id = o.id AND p.status IN ('paid', 'late')"
        " WHERE o.shift_id = ? AND o.status = 'paid' GROUP BY p.method", (shift_id,))}
    refunds = conn.execute(
        "SELECT coalesce(sum(CASE WHEN paid_back = 'cash' THEN amount END), 0) AS cash,"
        " coalesce(sum(CASE WHEN paid_back != 'cash' THEN amount END), 0) AS other"
        " FROM refunds WHERE shift_id = ?", (shift_id,)).fetchone()
    voids = conn.execute(
        "SELECT count(*) FROM orders WHERE shift_id = ? AND voided_by IS NOT NULL"
        f" AND status IN ({', '.join('?' * len(VOIDABLE))})", (shift_id, *VOIDABLE)).fetchone()[0]
    cash, qris = sales.get("cash", (0, 0)), sales.get("qris", (0, 0))
    return ShiftTotals(
        opening_float=int(row["opening_float"]), orders=cash[0] + qris[0],
        cash_sales=cash[1], cash_orders=cash[0], qris_sales=qris[1], qris_orders=qris[0],
        cash_refunds=int(refunds["cash"]), other_refunds=int(refunds["other"]),
        voids=int(voids))


def close_shift(db: Database, shift_id: str, user: str, count: CashCount, note: str,
                now: datetime) -> Shift:
    """Close the shift with the drawer's count. The expected cash is computed in the same
    transaction as the close, so a sale written meanwhile is either in both or in neither."""
    with db.transaction() as conn:
        row = conn.execute("SELECT status FROM shifts WHERE id = ?", (shift_id,)).fetchone()
        if row is None or row["status"] != ShiftStatus.OPEN.value:
            raise NoOpenShift()
        expected = _totals(conn, shift_id).expected_cash
        if count.total != expected and not note.strip():
            # Checked here too: a sale written after the dialog showed its figures may have
            # turned a count that matched into a difference.
            raise NoteRequired(count.total - expected)
        conn.execute(
            "UPDATE shifts SET status = 'closed', closed_by = ?, closed_at = ?,"
            " expected_cash = ?, counted_cash = ?, counts = ?, note = ? WHERE id = ?",
            (user, to_iso(now), expected, count.total, json.dumps(count.as_json()),
             note.strip(), shift_id))
        db.audit(conn, user, "shift_closed", details=json.dumps({
            "shift_id": shift_id, "expected_cash": expected, "counted_cash": count.total,
            "difference": count.total - expected}))
    shift = get_shift(db, shift_id)
    assert shift is not None
    return shift
