"""The cashier's "Riwayat" (F8): one business day's orders, newest first, each with how it was
(or is being) paid.

A read of the ``orders`` and ``payments`` tables for the window's reader thread; the window
only formats what it gets (times in the store's zone, status texts in the cashier's language).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pos_app.clock import from_iso
from pos_app.order_state import OrderStatus
from pos_app.storage.database import Database


@dataclass(frozen=True)
class HistoryRow:
    """One order of the day as the history list shows it."""

    id: str
    status: OrderStatus
    total: int
    created_at: datetime  # aware, UTC
    # The latest payment's provider ("simulator", "static", ...) or, for cash, "cash";
    # ``None`` for an order without a payment (none is written so today, but old files may).
    method: str | None
    refunded: int = 0  # given back so far (pos_app.refunds)
    voided_by: str | None = None  # the owner who approved its void
    cashier: str = ""


def orders_of_day(db: Database, business_date: str) -> list[HistoryRow]:
    """The orders of ``business_date`` (``YYYY-MM-DD``, store-local), newest first."""
    rows = db.query(
        "SELECT o.id, o.status, o.total, o.created_at,"
        " (SELECT coalesce(p.provider, p.method) FROM payments p WHERE p.order_id = o.id"
        "  ORDER BY p.created_at DESC, p.rowid DESC LIMIT 1) AS method,"
        " (SELECT coalesce(sum(r.amount), 0) FROM refunds r WHERE r.order_id = o.id)"
        " AS refunded, o.voided_by, o.cashier"
        " FROM orders o WHERE o.business_date = ? ORDER BY o.created_at DESC, o.rowid DESC",
        (business_date,),
    )
    return [
        HistoryRow(id=r["id"], status=OrderStatus(r["status"]), total=r["total"],
                   created_at=from_iso(r["created_at"]), method=r["method"],
                   refunded=int(r["refunded"]), voided_by=r["voided_by"], cashier=r["cashier"])
        for r in rows
    ]
