"""Orders, their lines and payments, the outbox: typed records and the SQL that moves them.

Functions that take a ``conn`` run inside a caller's transaction (``Database.transaction()``);
functions that take a ``db`` are stand-alone reads.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pos_app.clock import from_iso, to_iso
from pos_app.order_state import OrderStatus, PaymentMethod, PaymentStatus
from pos_app.storage.database import Database


class OutboxKind(StrEnum):
    CREATE_PAYMENT = "create_payment"
    CANCEL_PAYMENT = "cancel_payment"
    SALE_COMPLETED = "sale_completed"


def _dt(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


@dataclass(frozen=True)
class OrderLineRecord:
    line_no: int
    sku: str
    name: str
    category: str
    unit_price: int
    quantity: int
    discount: int
    net: int


@dataclass(frozen=True)
class OrderRecord:
    id: str
    uuid: str
    terminal_id: str
    business_date: str
    seq: int
    status: OrderStatus
    subtotal: int
    line_discounts: int
    order_discount: int
    tax_mode: str
    tax_rate_bp: int
    tax: int
    total: int
    note: str
    cashier: str
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    lines: tuple[OrderLineRecord, ...] = field(default=())


@dataclass(frozen=True)
class PaymentRecord:
    id: str
    order_id: str
    method: PaymentMethod
    provider: str | None
    amount: int
    payable_amount: int | None
    unique_code: int
    tendered: int | None
    change_given: int | None
    paid_amount: int | None
    provider_ref: str | None
    qris: str | None
    checkout_url: str | None
    status: PaymentStatus
    error: str | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    next_check_at: datetime | None
    account: str | None = None
    reserved_amount: int | None = None


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    kind: OutboxKind
    order_id: str | None
    payment_id: str | None
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


def _order(row: sqlite3.Row, lines: tuple[OrderLineRecord, ...] = ()) -> OrderRecord:
    return OrderRecord(
        id=row["id"],
        uuid=row["uuid"],
        terminal_id=row["terminal_id"],
        business_date=row["business_date"],
        seq=row["seq"],
        status=OrderStatus(row["status"]),
        subtotal=row["subtotal"],
        line_discounts=row["line_discounts"],
        order_discount=row["order_discount"],
        tax_mode=row["tax_mode"],
        tax_rate_bp=row["tax_rate_bp"],
        tax=row["tax"],
        total=row["total"],
        note=row["note"],
        cashier=row["cashier"],
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        paid_at=_dt(row["paid_at"]),
        lines=lines,
    )


def _payment(row: sqlite3.Row) -> PaymentRecord:
    return PaymentRecord(
        id=row["id"],
        order_id=row["order_id"],
        method=PaymentMethod(row["method"]),
        provider=row["provider"],
        amount=row["amount"],
        payable_amount=row["payable_amount"],
        unique_code=row["unique_code"],
        tendered=row["tendered"],
        change_given=row["change_given"],
        paid_amount=row["paid_amount"],
        provider_ref=row["provider_ref"],
        qris=row["qris"],
        checkout_url=row["checkout_url"],
        status=PaymentStatus(row["status"]),
        error=row["error"],
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        expires_at=_dt(row["expires_at"]),
        paid_at=_dt(row["paid_at"]),
        next_check_at=_dt(row["next_check_at"]),
        account=row["account"],
        reserved_amount=row["reserved_amount"],
    )


def _outbox(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(
        id=row["id"],
        kind=OutboxKind(row["kind"]),
        order_id=row["order_id"],
        payment_id=row["payment_id"],
        payload=json.loads(row["payload"] or "{}"),
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=from_iso(row["next_attempt_at"]),
        last_error=row["last_error"],
    )


# -- writes (inside a caller's transaction) ------------------------------------------------
def allocate_order_id(
    conn: sqlite3.Connection, terminal_id: str, business_date: date
) -> tuple[str, int]:
    """Next human order number for this till and day: ``K1-20261127-0001``."""
    day = business_date.isoformat()
    row = conn.execute(
        "INSERT INTO order_sequences (terminal_id, business_date, last_seq) VALUES (?, ?, 1)"
        " ON CONFLICT (terminal_id, business_date)"
        " DO UPDATE SET last_seq = last_seq + 1"
        " RETURNING last_seq",
        (terminal_id, day),
    ).fetchone()
    seq = int(row[0])
    return f"{terminal_id}-{business_date:%Y%m%d}-{seq:04d}", seq


def enqueue(
    conn: sqlite3.Connection,
    kind: OutboxKind,
    now: datetime,
    *,
    order_id: str | None = None,
    payment_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    stamp = to_iso(now)
    cur = conn.execute(
        "INSERT INTO outbox"
        " (kind, order_id, payment_id, payload, next_attempt_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (kind.value, order_id, payment_id, json.dumps(payload or {}), stamp, stamp, stamp),
    )
    return int(cur.lastrowid or 0)


def set_order_status(
    conn: sqlite3.Connection,
    order_id: str,
    status: OrderStatus,
    now: datetime,
    *,
    paid: bool = False,
) -> None:
    stamp = to_iso(now)
    if paid:
        conn.execute(
            "UPDATE orders SET status = ?, updated_at = ?, paid_at = coalesce(paid_at, ?)"
            " WHERE id = ?",
            (status.value, stamp, stamp, order_id),
        )
    else:
        conn.execute(
            "UPDATE orders SET status = ?, updated_at = ? WHERE id = ?",
            (status.value, stamp, order_id),
        )


def update_payment(conn: sqlite3.Connection, payment_id: str, now: datetime, **fields: Any) -> None:
    """Set columns of a payment; datetimes are stored as UTC ISO text, enums as values."""
    cols: list[str] = []
    values: list[Any] = []
    for name, value in fields.items():
        if isinstance(value, datetime):
            value = to_iso(value)
        elif isinstance(value, StrEnum):
            value = value.value
        cols.append(f"{name} = ?")
        values.append(value)
    cols.append("updated_at = ?")
    values.append(to_iso(now))
    conn.execute(f"UPDATE payments SET {', '.join(cols)} WHERE id = ?", (*values, payment_id))


def finish_outbox(
    conn: sqlite3.Connection, entry_id: int, now: datetime, *, failed_error: str | None = None
) -> None:
    conn.execute(
        "UPDATE outbox SET status = ?, last_error = coalesce(?, last_error), updated_at = ?"
        " WHERE id = ?",
        ("failed" if failed_error else "done", failed_error, to_iso(now), entry_id),
    )


def reschedule_outbox(
    conn: sqlite3.Connection, entry_id: int, now: datetime, next_at: datetime, error: str
) -> None:
    conn.execute(
        "UPDATE outbox"
        " SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ?"
        " WHERE id = ?",
        (to_iso(next_at), error, to_iso(now), entry_id),
    )


# -- reads ---------------------------------------------------------------------------------
def load_order(db: Database, order_id: str) -> OrderRecord | None:
    with db.lock:
        row = db.conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            return None
        lines = tuple(
            OrderLineRecord(
                line_no=r["line_no"], sku=r["sku"], name=r["name"], category=r["category"],
                unit_price=r["unit_price"], quantity=r["quantity"], discount=r["discount"],
                net=r["net"],
            )
            for r in db.conn.execute(
                "SELECT * FROM order_lines WHERE order_id = ? ORDER BY line_no", (order_id,)
            )
        )
    return _order(row, lines)


def load_payment(db: Database, payment_id: str) -> PaymentRecord | None:
    row = db.query_one("SELECT * FROM payments WHERE id = ?", (payment_id,))
    return _payment(row) if row else None


def latest_payment(db: Database, order_id: str) -> PaymentRecord | None:
    row = db.query_one(
        "SELECT * FROM payments WHERE order_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
        (order_id,),
    )
    return _payment(row) if row else None


def orders_on(db: Database, business_date: str) -> list[OrderRecord]:
    return [
        _order(r)
        for r in db.query(
            "SELECT * FROM orders WHERE business_date = ? ORDER BY created_at", (business_date,)
        )
    ]


def due_outbox(db: Database, now: datetime, limit: int = 50) -> list[OutboxEntry]:
    rows = db.query(
        "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
        " ORDER BY id LIMIT ?",
        (to_iso(now), limit),
    )
    return [_outbox(r) for r in rows]


def pending_outbox(db: Database) -> list[OutboxEntry]:
    rows = db.query("SELECT * FROM outbox WHERE status = 'pending' ORDER BY id")
    return [_outbox(r) for r in rows]


def payments_with_status(db: Database, *statuses: PaymentStatus) -> list[PaymentRecord]:
    marks = ",".join("?" * len(statuses))
    rows = db.query(
        f"SELECT * FROM payments WHERE status IN ({marks}) ORDER BY created_at",
        tuple(s.value for s in statuses),
    )
    return [_payment(r) for r in rows]
