"""The ``announcements`` table: what is owed to the shop's ears, and what was said.

The rule: a QRIS payment that the back-end confirms is announced exactly once. The row is
written by the sync engine in the transaction that records "paid" (:func:`owe`), and marked
``said`` by the announcer once a device has said it (:func:`mark_said`: which device, when).
A restart of the app finds what is still ``owed``; an announcement that waited too long (the
app was closed, no device anywhere) is ``skipped`` rather than said to the next customer.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pos_app.clock import from_iso, to_iso
from pos_app.storage.database import Database


class Said(StrEnum):
    OWED = "owed"
    SAID = "said"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Owed:
    event_id: str  # the payment's id
    order_id: str
    amount: int
    created_at: datetime
    attempts: int


def owe(conn: sqlite3.Connection, event_id: str, order_id: str, amount: int,
        now: datetime) -> None:
    """Inside the caller's transaction (the one that records "paid")."""
    conn.execute(
        "INSERT INTO announcements (event_id, order_id, amount, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
        (event_id, order_id, amount, to_iso(now)))


def owed(db: Database, limit: int = 100) -> list[Owed]:
    """Owed announcements, oldest first."""
    rows = db.query(
        "SELECT event_id, order_id, amount, created_at, attempts FROM announcements"
        " WHERE status = 'owed' ORDER BY created_at, event_id LIMIT ?", (limit,))
    return [Owed(r["event_id"], r["order_id"], int(r["amount"]), from_iso(r["created_at"]),
                 int(r["attempts"])) for r in rows]


def mark_said(db: Database, event_id: str, device: str, now: datetime) -> bool:
    """Said by ``device``; False when it was no longer owed (said or skipped already)."""
    with db.transaction() as conn:
        cur = conn.execute(
            "UPDATE announcements SET status = 'said', device = ?, said_at = ?,"
            " attempts = attempts + 1, last_error = NULL WHERE event_id = ? AND status = 'owed'",
            (device, to_iso(now), event_id))
        return cur.rowcount == 1


def mark_skipped(db: Database, event_id: str, reason: str, now: datetime) -> None:
    with db.transaction() as conn:
        conn.execute(
            "UPDATE announcements SET status = 'skipped', said_at = ?, last_error = ?"
            " WHERE event_id = ? AND status = 'owed'", (to_iso(now), reason, event_id))


def note_failure(db: Database, event_id: str, error: str) -> None:
    with db.transaction() as conn:
        conn.execute(
            "UPDATE announcements SET attempts = attempts + 1, last_error = ?"
            " WHERE event_id = ? AND status = 'owed'", (error[:200], event_id))


def status_of(db: Database, event_id: str) -> tuple[Said, str | None] | None:
    """The announcement's state and the device that said it (None: no announcement)."""
    rows = db.query("SELECT status, device FROM announcements WHERE event_id = ?", (event_id,))
    if not rows:
        return None
    return Said(rows[0]["status"]), rows[0]["device"]
