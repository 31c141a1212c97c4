"""Shipping this till's sales to the central PostgreSQL, and pulling its outlet's price list.

The rule (docs/central.md, "Till side"): central gets every row the till holds of orders (with
their lines), payments, refunds (with their lines), shifts and incoming credits, *as the row is
now*, at least once after each change, and a row sent twice changes nothing there.

* What to send is the change log: migration 9's triggers write a ``central_changes`` row (table,
  key) in the same SQLite transaction as every insert or update, while the till is enrolled. A
  sale can't be committed without its change row, so a ``kill -9`` or a week offline loses
  nothing; a void, a late payment, a refund paid back or a shift closed is a change like a sale.
* :meth:`CentralSync.upload_once` reads up to ``batch_size`` change rows in id order, loads the
  current rows they name (each key once), and upserts them all in **one** PostgreSQL
  transaction (``INSERT ... ON CONFLICT (pk) DO UPDATE ... WHERE row IS DISTINCT FROM new``:
  a batch sent again rewrites nothing, not even ``uploaded_at``); only after the commit does it
  delete exactly the change ids it read, in one SQLite transaction. A crash between the two
  sends the batch again, which changes nothing; a crash before the commit sends nothing. A row
  changed again meanwhile keeps its newer change row and goes again.
* Rows go with ``executemany`` (psycopg pipelines it: one round trip's worth of waiting per
  batch, not one per row) rather than COPY into a temporary table and an upsert from it. COPY
  is faster on the wire (about 22,000 rows/s against 12,000 on a loopback test cluster), but a
  batch is a few thousand rows at most (a busy day is well under a second either way), a
  temporary table per batch churns the system catalogue of a server several tills write to all
  day, and it needs the TEMP privilege, which a hardened server may not give a till's role.
  Parents go before children (shifts, orders, their lines, payments, refunds, their lines,
  credits), and the change log is in commit order, so a row's order is never behind it.
* The catalogue: ``pos.products`` rows with ``version`` above the last one seen, in version
  order, are applied to the local products and barcodes in one SQLite transaction together with
  the new ``catalog_version_seen`` (a crash applies them again). Central owns name, category,
  price, barcodes and active; cost, unit, the low-stock threshold and the *stock count* stay
  the till's (central's stock is taken only for a product new to the till: the till counts its
  own sales down, central does not see them until they are uploaded). A barcode central gives
  one product leaves any other local product that had it. An outlet whose
  ``pos.outlets.catalog_managed`` is off keeps its own price list: nothing is applied (nor marked
  seen); the flag is kept locally (:func:`catalog_is_central`) for the screens that refuse
  local product edits while it is on.
* Matching. Every shop's own import numbers its products P-00001, P-00002, ..., and central's
  list is usually one shop's export, so the same SKU may be another product on this till. The
  till *joins* once: the first pull (``catalog_version_seen`` 0) reads the outlet's whole list,
  page after page, and applies it in **one** SQLite transaction with its final version, so a
  join is never half done (no state about it needs to survive a restart). At the join a
  central product is the local product found first of: the one with its SKU, when it is the
  same product (a barcode in common, or neither has barcodes and the names are equal, case and
  spaces ignored); one with any of its barcodes, which takes central's SKU (re-keyed); the one
  with its SKU and its name (their barcodes differ); for a product without barcodes, the one
  local product of that name without barcodes; else it is new. Every local product central
  did not match -- one in the way of a central SKU ("moved aside") as much as one central's
  list does not have -- gets a local-only SKU ``L-00001``, ``L-00002``, ... (above every
  ``L-`` number the till has used), which central never issues (its new products are the
  next ``P-`` numbers of the chain); it keeps its name, price, stock, active flag and the
  barcodes central gives no other product. A product already ``L-`` keeps its SKU, so a
  second join changes nothing. Whenever a product's SKU changes, its order lines change with
  it in the same transaction (through the same two steps, so chains and swaps hold): the stock
  triggers of an awaiting or late payment, line refunds and reports find the product by the
  line's SKU, and an old SKU may be another product now; the orders are queued for upload
  again (as the change-log triggers would), and central's upsert rewrites their lines. Each
  move is logged and counted. After the join every local product is central's or ``L-``, so
  the rule is simple: a central SKU the till has is that product (a rename or a new barcode is
  an edit of it), any other is new; nothing is matched by barcode or name, and a barcode
  central gives one product is only taken off any other local product.
* The worker (:meth:`start`/:meth:`stop`, one thread) uploads while changes wait, pulls the
  catalogue every ``catalog_interval_s``, and backs off (``sync.backoff``) on any failure —
  PostgreSQL unreachable, a row refused, a locked database — upload and catalogue separately.
  Nothing here runs on a caller's thread except what the caller calls; :meth:`status` reads
  SQLite only.

Errors are logged and kept (``central_state.last_error``) in English and without secrets: the
connection factory holds the password, and messages are scrubbed of anything that looks like
one. No Qt here (sync/ is Qt-free).

Known limit: a product version taken by an owner's transaction that commits *after* a higher
version was already pulled would be skipped (versions come from a sequence). Owners edit the
price list from one place at a time; setting ``central_state.catalog_version_seen`` back to 0
pulls the outlet's whole list again (enrolment in a new outlet does that), matched as a join.
After the join, a product the owner adds centrally that the shop already had under its own
(now ``L-``) SKU becomes a second product: barcodes are not matched any more (the local one
loses the barcodes central gives its twin); merging them is the owner's call. Central does
not refuse an owner's SKU that begins ``L-`` (an import of a joined till's export keeps its
SKUs): after the join, one that a local-only product of this till has is taken as an edit of it.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pos_app.clock import from_iso, to_iso, utcnow
from pos_app.storage.catalog import ensure_categories
from pos_app.storage.database import Database
from sync.backoff import Backoff

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

ConnectionFactory = Callable[[], "psycopg.Connection[Any]"]

#: change rows per upload: a sale is ~3 rows of change log and ~5 central rows, so 500 changes
#: are a few hundred sales — one short transaction on the server, ~10 ms of SQLite reads here
BATCH_SIZE = 500
#: catalogue rows per pull; more are pulled at once after this many
CATALOG_PAGE = 1000
CATALOG_INTERVAL_S = 60.0
#: how often the idle worker looks at the change log (``wake`` cuts it short)
POLL_S = 5.0
#: a till that is not enrolled looks again this often (enrolment may happen in another process)
NOT_ENROLLED_POLL_S = 30.0
#: pause between two full batches, so a cashier's write never waits behind a long catch-up
BETWEEN_BATCHES_S = 0.05
STOP_WAIT_S = 15.0
#: server-side limit on one statement: a hung server must end in an error we back off from
STATEMENT_TIMEOUT_MS = 60_000
MAX_ERROR_CHARS = 300

_UPLOAD = ("central", "upload")
_CATALOG = ("central", "catalog")


class CentralStateError(ValueError):
    """The till's enrolment can't change as asked (already enrolled in another outlet)."""


# --------------------------------------------------------------------------- results, status


@dataclass(frozen=True)
class UploadResult:
    """One :meth:`CentralSync.upload_once`: ``changes`` change rows consumed, ``rows`` central
    rows upserted (lines included), ``left`` change rows still waiting, ``lag_s`` the age of the
    oldest of those (None when none waits)."""

    changes: int
    rows: int
    left: int
    lag_s: float | None


@dataclass(frozen=True)
class CentralStatus:
    """What ``sync status`` and the doctor show; read from SQLite only (no network)."""

    enrolled: bool
    outlet_id: str | None
    terminal_id: str | None
    last_upload_at: datetime | None
    changes_waiting: int
    lag_s: float | None
    last_error: str | None
    last_error_at: datetime | None
    catalog_version_seen: int
    last_catalog_at: datetime | None
    #: the outlet's price list is central's (as of the last pull): local edits are refused
    catalog_managed: bool


def _dt(text: str | None) -> datetime | None:
    return from_iso(text) if text else None


def central_status(db: Database, now: datetime | None = None) -> CentralStatus:
    """The till's central state (any process may ask: it is all in the database)."""
    now = now or utcnow()
    with db.lock:
        state = db.conn.execute("SELECT * FROM central_state WHERE id = 1").fetchone()
        waiting, oldest = db.conn.execute(
            "SELECT count(*), (SELECT at FROM central_changes ORDER BY id LIMIT 1)"
            " FROM central_changes").fetchone()
    return CentralStatus(
        enrolled=bool(state["enrolled"]),
        outlet_id=state["outlet_id"],
        terminal_id=state["terminal_id"],
        last_upload_at=_dt(state["last_upload_at"]),
        changes_waiting=int(waiting),
        lag_s=_lag(oldest, now),
        last_error=state["last_error"],
        last_error_at=_dt(state["last_error_at"]),
        catalog_version_seen=int(state["catalog_version_seen"]),
        last_catalog_at=_dt(state["last_catalog_at"]),
        catalog_managed=bool(state["enrolled"] and state["catalog_managed"]),
    )


def catalog_is_central(db: Database) -> bool:
    """True while this till is enrolled in an outlet whose price list central manages (as of
    the last pull): the products screen and ``pos-app product`` refuse local edits then."""
    row = db.query_one("SELECT enrolled, catalog_managed FROM central_state WHERE id = 1")
    return bool(row and row["enrolled"] and row["catalog_managed"])


def _lag(oldest_at: str | None, now: datetime) -> float | None:
    if not oldest_at:
        return None
    return max(0.0, (now - from_iso(oldest_at)).total_seconds())


# --------------------------------------------------------------------------- enrolment


# Parents first: the change log's id order is the order rows are shipped in.
_HISTORY = (
    "SELECT 'shifts', id FROM shifts ORDER BY opened_at, id",
    "SELECT 'orders', id FROM orders ORDER BY created_at, id",
    "SELECT 'payments', id FROM payments ORDER BY created_at, id",
    "SELECT 'refunds', id FROM refunds ORDER BY created_at, id",
    "SELECT 'credits', id FROM credits ORDER BY id",
)


def enqueue_history(conn: sqlite3.Connection) -> int:
    """Queue every existing row once (inside the caller's transaction); returns how many."""
    return sum(conn.execute(f"INSERT INTO central_changes (tbl, key) {select}").rowcount
               for select in _HISTORY)


def mark_enrolled(db: Database, outlet_id: str, terminal_id: str, *,
                  now: datetime | None = None) -> int:
    """This till now ships to ``outlet_id`` as ``terminal_id``: in one transaction the triggers
    start recording and the whole local history is queued (again, if the till was enrolled in
    this outlet already: harmless, every upsert is idempotent). Returns the rows queued.

    :class:`CentralStateError` when the till is enrolled in another outlet: its sales are that
    outlet's centrally, and the server would refuse them under a second one."""
    if not outlet_id or not terminal_id:
        raise ValueError("an outlet id and a terminal id are needed to enrol")
    stamp = to_iso(now or utcnow())
    with db.transaction() as conn:
        row = conn.execute("SELECT enrolled, outlet_id FROM central_state WHERE id = 1"
                           ).fetchone()
        if row["enrolled"] and row["outlet_id"] != outlet_id:
            raise CentralStateError(
                f"this till is enrolled in outlet {row['outlet_id']!r}, not {outlet_id!r}")
        same = bool(row["enrolled"]) or row["outlet_id"] == outlet_id
        conn.execute(
            "UPDATE central_state SET enrolled = 1, outlet_id = ?, terminal_id = ?,"
            " enrolled_at = ?, last_error = NULL, last_error_at = NULL,"
            " catalog_version_seen = CASE WHEN ? THEN catalog_version_seen ELSE 0 END,"
            " catalog_managed = CASE WHEN ? THEN catalog_managed ELSE 0 END"
            " WHERE id = 1",
            (outlet_id, terminal_id, stamp, int(same), int(same)))
        # The history covers whatever was waiting: one change row per row, not two.
        conn.execute("DELETE FROM central_changes")
        queued = enqueue_history(conn)
    log.info("enrolled in outlet %s as %s: %d rows queued for upload", outlet_id, terminal_id,
             queued)
    return queued


def unenroll(db: Database) -> int:
    """Stop recording and drop what was waiting; returns how many change rows were dropped."""
    with db.transaction() as conn:
        conn.execute("UPDATE central_state SET enrolled = 0, catalog_managed = 0 WHERE id = 1")
        dropped = conn.execute("DELETE FROM central_changes").rowcount
    log.info("left the central database: %d waiting changes dropped", dropped)
    return int(dropped)


# --------------------------------------------------------------------------- central tables


def _q(name: str) -> str:
    return f'"{name}"'


@dataclass(frozen=True)
class _Table:
    """A central table: its columns (in the order rows are built), its conflict key, and the
    column set to ``now()`` when a row really changes (None: none)."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    touch: str | None = None

    @property
    def upsert(self) -> str:
        rest = [c for c in self.columns if c not in self.key]
        sets = [f"{_q(c)} = EXCLUDED.{_q(c)}" for c in rest]
        if self.touch:
            sets.append(f"{_q(self.touch)} = now()")
        # Row comparison: a row sent again is not rewritten (no new tuple, no new uploaded_at).
        old = ", ".join(f"t.{_q(c)}" for c in rest)
        new = ", ".join(f"EXCLUDED.{_q(c)}" for c in rest)
        return (f"INSERT INTO pos.{self.name} AS t ({', '.join(map(_q, self.columns))})"
                f" VALUES ({', '.join(['%s'] * len(self.columns))})"
                f" ON CONFLICT ({', '.join(map(_q, self.key))}) DO UPDATE SET {', '.join(sets)}"
                f" WHERE ROW({old}) IS DISTINCT FROM ROW({new})")


SHIFTS = _Table("shifts", (
    "outlet_id", "id", "terminal_id", "business_date", "status", "opened_by", "opened_at",
    "opening_float", "closed_by", "closed_at", "expected_cash", "counted_cash", "counts", "note",
), ("id",))
ORDERS = _Table("orders", (
    "outlet_id", "uuid", "order_id", "terminal_id", "business_date", "seq", "status",
    "subtotal", "line_discounts", "order_discount", "tax_mode", "tax_rate_bp", "tax", "total",
    "note", "cashier", "cashier_id", "shift_id", "void_reason", "voided_by", "created_at",
    "updated_at", "paid_at",
), ("uuid", "business_date"), touch="uploaded_at")
ORDER_LINES = _Table("order_lines", (
    "outlet_id", "order_uuid", "business_date", "line_no", "sku", "name", "category",
    "unit_price", "quantity", "discount", "net",
), ("order_uuid", "business_date", "line_no"))
PAYMENTS = _Table("payments", (
    "outlet_id", "id", "order_uuid", "business_date", "method", "provider", "amount",
    "payable_amount", "unique_code", "tendered", "change_given", "paid_amount", "provider_ref",
    "status", "error", "created_at", "updated_at", "expires_at", "paid_at",
), ("id", "business_date"))
REFUNDS = _Table("refunds", (
    "outlet_id", "id", "order_uuid", "business_date", "shift_id", "created_at", "cashier",
    "approved_by", "reason", "method", "amount", "paid_back", "paid_back_at",
), ("id",))
REFUND_LINES = _Table("refund_lines", (
    "outlet_id", "refund_id", "line_no", "quantity", "amount",
), ("refund_id", "line_no"))
CREDITS = _Table("credits", (
    "outlet_id", "terminal_id", "source", "credit_id", "account", "amount", "credited_at",
    "precision", "description", "seen_at", "status", "payment_id", "note",
), ("outlet_id", "terminal_id", "source", "credit_id"))

#: the order the tables are written in one batch: parents before children
SHIPPING_ORDER = (SHIFTS, ORDERS, ORDER_LINES, PAYMENTS, REFUNDS, REFUND_LINES, CREDITS)
#: the change log's ``tbl`` values this version ships
CHANGE_TABLES = ("shifts", "orders", "payments", "refunds", "credits")


# --------------------------------------------------------------------------- local rows


def _ts(text: str | None) -> datetime | None:
    return from_iso(text) if text else None


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _uuid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


def _in(keys: Sequence[str]) -> str:
    """The JSON array bound for ``IN (SELECT value FROM json_each(?))``: any number of keys in
    one parameter (no 999/32766-variable limit, one statement per table)."""
    return json.dumps(list(keys))


_EACH = "(SELECT value FROM json_each(?))"


@dataclass(frozen=True)
class Batch:
    """What one upload sends: the change ids it consumes, and the rows per central table."""

    change_ids: tuple[int, ...]
    rows: dict[str, list[tuple[Any, ...]]]

    @property
    def row_count(self) -> int:
        return sum(len(r) for r in self.rows.values())


def _load_rows(conn: sqlite3.Connection, outlet: str, terminal: str,
               keys: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """The current local rows named by ``keys`` (table -> keys), as central rows."""
    from psycopg.types.json import Jsonb

    out: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in SHIPPING_ORDER}
    if keys.get("shifts"):
        out["shifts"] = [(
            outlet, r["id"], r["terminal_id"], _day(r["business_date"]), r["status"],
            r["opened_by"], _ts(r["opened_at"]), r["opening_float"], r["closed_by"],
            _ts(r["closed_at"]), r["expected_cash"], r["counted_cash"],
            None if r["counts"] is None else Jsonb(json.loads(r["counts"])), r["note"],
        ) for r in conn.execute(f"SELECT * FROM shifts WHERE id IN {_EACH} ORDER BY id",
                                (_in(keys["shifts"]),))]
    if keys.get("orders"):
        ids = _in(keys["orders"])
        out["orders"] = [(
            outlet, _uuid(r["uuid"]), r["id"], r["terminal_id"], _day(r["business_date"]),
            r["seq"], r["status"], r["subtotal"], r["line_discounts"], r["order_discount"],
            r["tax_mode"], r["tax_rate_bp"], r["tax"], r["total"], r["note"], r["cashier"],
            r["cashier_id"], r["shift_id"], r["void_reason"], r["voided_by"],
            _ts(r["created_at"]), _ts(r["updated_at"]), _ts(r["paid_at"]),
        ) for r in conn.execute(f"SELECT * FROM orders WHERE id IN {_EACH} ORDER BY id",
                                (ids,))]
        # Shipping an order ships its lines: they are written with it and never change, so
        # the upsert only ever adds lines that central does not have yet.
        out["order_lines"] = [(
            outlet, _uuid(r["uuid"]), _day(r["business_date"]), r["line_no"], r["sku"],
            r["name"], r["category"], r["unit_price"], r["quantity"], r["discount"], r["net"],
        ) for r in conn.execute(
            "SELECT l.*, o.uuid, o.business_date FROM order_lines l"
            f" JOIN orders o ON o.id = l.order_id WHERE l.order_id IN {_EACH}"
            " ORDER BY l.order_id, l.line_no", (ids,))]
    if keys.get("payments"):
        out["payments"] = [(
            outlet, r["id"], _uuid(r["order_uuid"]), _day(r["business_date"]), r["method"],
            r["provider"], r["amount"], r["payable_amount"], r["unique_code"], r["tendered"],
            r["change_given"], r["paid_amount"], r["provider_ref"], r["status"], r["error"],
            _ts(r["created_at"]), _ts(r["updated_at"]), _ts(r["expires_at"]),
            _ts(r["paid_at"]),
        ) for r in conn.execute(
            "SELECT p.*, o.uuid AS order_uuid, o.business_date FROM payments p"
            f" JOIN orders o ON o.id = p.order_id WHERE p.id IN {_EACH} ORDER BY p.id",
            (_in(keys["payments"]),))]
    if keys.get("refunds"):
        ids = _in(keys["refunds"])
        out["refunds"] = [(
            outlet, r["id"], _uuid(r["order_uuid"]), _day(r["business_date"]), r["shift_id"],
            _ts(r["created_at"]), r["cashier"], r["approved_by"], r["reason"], r["method"],
            r["amount"], r["paid_back"], _ts(r["paid_back_at"]),
        ) for r in conn.execute(
            "SELECT r.*, o.uuid AS order_uuid FROM refunds r JOIN orders o ON o.id = r.order_id"
            f" WHERE r.id IN {_EACH} ORDER BY r.id", (ids,))]
        out["refund_lines"] = [
            (outlet, r["refund_id"], r["line_no"], r["quantity"], r["amount"])
            for r in conn.execute(f"SELECT * FROM refund_lines WHERE refund_id IN {_EACH}"
                                  " ORDER BY refund_id, line_no", (ids,))]
    if keys.get("credits"):
        out["credits"] = [(
            outlet, terminal, r["source"], r["credit_id"], r["account"], r["amount"],
            _ts(r["credited_at"]), r["precision"], r["description"], _ts(r["seen_at"]),
            r["status"], r["payment_id"], r["note"],
        ) for r in conn.execute(f"SELECT * FROM credits WHERE id IN {_EACH} ORDER BY id",
                                (_in(keys["credits"]),))]
    return out


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class CentralProduct:
    """One ``pos.products`` row as the till applies it."""

    sku: str
    name: str
    category: str
    price: int
    barcodes: tuple[str, ...]
    stock: int | None
    active: bool
    version: int


@dataclass(frozen=True)
class CatalogApplied:
    """What one :func:`apply_catalog` did to local products besides writing central's rows.

    ``taken_over``: ``(local SKU, central SKU)`` of each local product found, at the join, to
    be a central product with another SKU (by barcode, or by name) and re-keyed to central's.
    ``moved_aside``: ``(old SKU, new SKU)`` of each local product that had a central SKU but is
    another product, moved to a local-only ``L-`` SKU at the join. ``local_only``: ``(old SKU,
    new SKU)`` of each other local product central did not match, numbered ``L-`` at the join.
    ``order_lines``: the order lines whose SKU followed their product; ``orders_queued``: the
    orders queued for upload again because of it."""

    products: int = 0
    taken_over: tuple[tuple[str, str], ...] = ()
    moved_aside: tuple[tuple[str, str], ...] = ()
    local_only: tuple[tuple[str, str], ...] = ()
    order_lines: int = 0
    orders_queued: int = 0


def _name_key(name: str) -> str:
    """A name as the matching compares it: case and spaces ignored."""
    return "".join(name.split()).casefold()


@dataclass(frozen=True)
class _Matching:
    local: dict[str, str]  # central SKU -> the local SKU that is that product
    why: dict[str, str]  # central SKU -> how it was found (for the log)
    names: dict[str, str]  # local SKU -> name, of the local products involved
    aside: tuple[str, ...]  # local SKUs of this batch's central SKUs that are other products


def _match(conn: sqlite3.Connection, products: Sequence[CentralProduct],
           codes: dict[str, tuple[str, ...]], joining: bool) -> _Matching:
    """Which local product each central product is (module docstring: "Matching").

    Reads only: the caller re-keys. A local product is matched to one central product at most.
    """
    skus = list(dict.fromkeys(p.sku for p in products))
    names = {str(r[0]): str(r[1]) for r in conn.execute(
        f"SELECT sku, name FROM products WHERE sku IN {_EACH}", (_in(skus),))}
    local: dict[str, str] = {}
    why: dict[str, str] = {}
    claimed: set[str] = set()

    def take(p: CentralProduct, sku: str, how: str) -> None:
        local[p.sku] = sku
        why[p.sku] = how
        claimed.add(sku)

    if not joining:
        # After the join every local product that is not central's has an L- SKU, which
        # central never issues: the local product with a central SKU is that product (an
        # edit), whatever its name or barcodes now. Nothing is matched by barcode or name.
        for p in products:
            if p.sku in names:
                take(p, p.sku, "SKU")
        return _Matching(local, why, names, ())

    held: dict[str, set[str]] = {}  # barcodes of the local products that have a central SKU
    for sku, code in conn.execute(
            f"SELECT sku, barcode FROM product_barcodes WHERE sku IN {_EACH}", (_in(skus),)):
        held.setdefault(str(sku), set()).add(str(code))
    holder: dict[str, str] = {}  # central's barcodes -> the local product that has it
    for code, sku, name in conn.execute(
            "SELECT b.barcode, b.sku, p.name FROM product_barcodes b JOIN products p"
            f" ON p.sku = b.sku WHERE b.barcode IN {_EACH}",
            (_in(sorted({c for cs in codes.values() for c in cs})),)):
        holder[str(code)] = str(sku)
        names.setdefault(str(sku), str(name))

    def open_same_sku(p: CentralProduct) -> bool:
        return p.sku not in local and p.sku in names and p.sku not in claimed

    def same_name(p: CentralProduct) -> bool:
        return _name_key(names[p.sku]) == _name_key(p.name)

    def common_code(p: CentralProduct) -> bool:
        return bool(held.get(p.sku, set()) & set(codes[p.sku]))

    # No local product is central's yet: a SKU is only a number that may mean another product
    # here, so it counts only with evidence that it is the same product.
    for p in products:
        if open_same_sku(p) and (common_code(p) or (
                not held.get(p.sku) and not codes[p.sku] and same_name(p))):
            take(p, p.sku, "SKU")
    # Another local product that has one of its barcodes (in central's order).
    for p in products:
        if p.sku in local:
            continue
        for code in codes[p.sku]:
            sku = holder.get(code)
            if sku is not None and sku not in claimed:
                take(p, sku, f"barcode {code}")
                break
    # Still the same SKU and the same name, the barcodes differing: the same product.
    for p in products:
        if open_same_sku(p) and same_name(p):
            take(p, p.sku, "SKU")
    # No barcodes on either side: the one local product of that name, if exactly one.
    lonely = [p for p in products if p.sku not in local and not codes[p.sku]]
    if lonely:
        by_name: dict[str, list[str]] = {}
        for sku, name in conn.execute(
                "SELECT sku, name FROM products p WHERE NOT EXISTS"
                " (SELECT 1 FROM product_barcodes b WHERE b.sku = p.sku)"):
            by_name.setdefault(_name_key(str(name)), []).append(str(sku))
            names.setdefault(str(sku), str(name))
        for p in lonely:
            found = [s for s in by_name.get(_name_key(p.name), ()) if s not in claimed]
            if len(found) == 1:
                take(p, found[0], "name")
    aside = tuple(s for s in skus if s in names and s not in claimed)
    return _Matching(local, why, names, aside)


#: the prefix of a local-only product's SKU (module docstring, "Matching"): central issues
#: ``P-`` numbers (:mod:`pos_app.central.catalog`) and never this
LOCAL_PREFIX = "L-"
_L_SKU = re.compile(r"L-[0-9]{1,12}")
#: SQLite range over every ``L-<digits>`` text (":" sorts right after "9"): an index range
_L_RANGE = "BETWEEN 'L-0' AND 'L-:'"


def _local_skus(conn: sqlite3.Connection, count: int, reserved: set[str]) -> list[str]:
    """``count`` fresh ``L-00001``-style SKUs, above every ``L-`` number this till has used as a
    SKU, a barcode or in an order line (an old sale's SKU must never become another
    product's), apart from ``reserved`` (the SKUs and barcodes central is writing)."""
    if count == 0:
        return []
    top = 0
    for sql in (f"SELECT sku FROM products WHERE sku {_L_RANGE}",
                f"SELECT barcode FROM product_barcodes WHERE barcode {_L_RANGE}",
                f"SELECT DISTINCT sku FROM order_lines WHERE sku {_L_RANGE}"):
        for (text,) in conn.execute(sql):
            if _L_SKU.fullmatch(str(text)):
                top = max(top, int(str(text)[2:]))
    out: list[str] = []
    while len(out) < count:
        top += 1
        sku = f"{LOCAL_PREFIX}{top:05d}"
        if sku not in reserved:
            out.append(sku)
    return out


def _follow(conn: sqlite3.Connection, moves: dict[str, str], temp: dict[str, str]) -> tuple[
        int, int]:
    """Order lines follow their product to its new SKU (``moves``: old -> new), in two steps
    through the products' temporary SKUs (``temp``: old -> temporary), so that a chain or a
    swap never meets itself half-way; the orders they belong to are queued for upload again
    (as migration 9's triggers do: only while enrolled; central's upsert rewrites the lines).
    Returns (lines rewritten, orders queued). Lines of SKUs that did not move are untouched."""
    if not moves:
        return 0, 0
    olds = _in(sorted(moves))
    queued = conn.execute(
        "INSERT INTO central_changes (tbl, key) SELECT 'orders', o.id FROM orders o"
        f" WHERE o.id IN (SELECT order_id FROM order_lines WHERE sku IN {_EACH})"
        " AND (SELECT enrolled FROM central_state) = 1 ORDER BY o.created_at, o.id",
        (olds,)).rowcount
    lines = 0
    for old in moves:
        lines += conn.execute("UPDATE order_lines SET sku = ? WHERE sku = ?",
                              (temp[old], old)).rowcount
    for old, new in moves.items():
        conn.execute("UPDATE order_lines SET sku = ? WHERE sku = ?", (new, temp[old]))
    return int(lines), int(queued)


def apply_catalog(conn: sqlite3.Connection, products: Sequence[CentralProduct],
                  now: datetime, *, joining: bool = True) -> CatalogApplied:
    """Write central's products into the local catalogue, inside the caller's transaction.

    ``joining``: this is the till's whole outlet list, taken for the first time (the join).
    Each central product is then first matched to the local product it is (module docstring,
    "Matching"): a local product found by barcode or name under another SKU is re-keyed to
    central's (its barcodes and stock follow), and every other local product -- one that has a
    central SKU but is another product, or one central did not match -- gets a local-only
    ``L-`` SKU central never issues, keeping its name, price, stock, active flag and the
    barcodes central gives no other product. The order lines of every product that moved move
    with it (past sales, an open QRIS, refunds and reports find their product by the line's
    SKU), and their orders are queued for upload again. Afterwards (``joining`` false) a
    central SKU is matched to the local product with that SKU only.

    Name, category (in the spelling the till already has), price, barcodes and active are
    central's; a product new to the till takes central's stock, a matched one keeps its own
    count, cost, unit and threshold. Barcodes are unique locally: one that two central products
    share stays with the first, one that another local product had moves to central's."""
    # A SKU twice (a product edited while the join read the list page by page): the newest.
    products = list({p.sku: p for p in products}.values())
    if not products:
        return CatalogApplied()
    stamp = to_iso(now)
    taken: set[str] = set()
    codes: dict[str, tuple[str, ...]] = {}
    for p in products:
        mine = []
        for code in dict.fromkeys(c.strip() for c in p.barcodes):
            if not code:
                continue
            if code in taken:
                log.warning("central catalogue: barcode %s of %s is another product's too;"
                            " kept on the first", code, p.sku)
                continue
            taken.add(code)
            mine.append(code)
        codes[p.sku] = tuple(mine)
    matching = _match(conn, products, codes, joining)
    central_name = {p.sku: p.name for p in products}
    over = [(sku, c) for c, sku in matching.local.items() if sku != c]
    rest: list[str] = []  # the local products central did not match, by SKU
    if joining:
        claimed = set(matching.local.values())
        rest = [str(r[0]) for r in conn.execute("SELECT sku FROM products ORDER BY sku")
                if r[0] not in claimed and (r[0] in codes or not _L_SKU.fullmatch(r[0]))]
    fresh = dict(zip(rest, _local_skus(conn, len(rest), set(codes) | taken), strict=True))
    moves = dict(over) | fresh
    # Every local product changing SKU goes to a temporary one first: a chain or a swap of
    # SKUs (P-00001 -> P-00007 while P-00007 -> P-00001) never meets itself half-way. Its
    # barcodes follow (ON UPDATE CASCADE); its order lines follow the same two steps.
    temp = {sku: f"~central-{uuid.uuid4().hex}" for sku in moves}
    lines, queued = _follow(conn, moves, temp)
    conn.executemany("UPDATE products SET sku = ? WHERE sku = ?",
                     [(t, sku) for sku, t in temp.items()])
    conn.executemany("UPDATE products SET sku = ?, updated_at = ? WHERE sku = ?",
                     [(new, stamp, temp[sku]) for sku, new in moves.items()])
    for sku, c in over:
        log.info("central catalogue: local product %s %r is central's %s %r (same %s);"
                 " it takes that SKU and keeps its stock", sku, matching.names[sku], c,
                 central_name[c], matching.why[c])
    aside = [(sku, fresh[sku]) for sku in matching.aside]
    for sku, new in aside:
        log.warning("central catalogue: local product %s %r is not central's %s %r; moved to"
                    " SKU %s with its stock and barcodes", sku, matching.names[sku], sku,
                    central_name[sku], new)
    local_only = [(sku, new) for sku, new in fresh.items() if sku not in codes]
    for sku, new in local_only:
        log.debug("central catalogue: local product %s is not on central's list; it is %s now",
                  sku, new)
    if lines:
        log.info("central catalogue: %d order lines follow their product to its new SKU;"
                 " %d orders queued for upload again", lines, queued)
    skus = [(p.sku,) for p in products]
    all_codes = _in(sorted(taken))
    losers = [str(r[0]) for r in conn.execute(
        f"SELECT DISTINCT sku FROM product_barcodes WHERE barcode IN {_EACH}", (all_codes,))
        if r[0] not in codes]
    # Old barcodes go first, so that a barcode may move between products of one pull
    # (products.barcode is UNIQUE too).
    conn.executemany("DELETE FROM product_barcodes WHERE sku = ?", skus)
    conn.executemany("UPDATE products SET barcode = NULL WHERE sku = ?", skus)
    conn.execute(f"DELETE FROM product_barcodes WHERE barcode IN {_EACH}", (all_codes,))
    conn.execute(f"UPDATE products SET barcode = NULL WHERE barcode IN {_EACH}", (all_codes,))
    spelled: dict[str, str] = {}
    for p in products:
        if p.category and p.category.casefold() not in spelled:
            row = conn.execute("SELECT name FROM categories WHERE name = ?",
                               (p.category,)).fetchone()
            spelled[p.category.casefold()] = str(row[0]) if row else p.category
    conn.executemany(
        "INSERT INTO products (sku, barcode, name, category, price, stock, active, demo,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)"
        " ON CONFLICT (sku) DO UPDATE SET barcode = excluded.barcode, name = excluded.name,"
        " category = excluded.category, price = excluded.price, active = excluded.active,"
        " demo = 0, updated_at = excluded.updated_at",
        [(p.sku, codes[p.sku][0] if codes[p.sku] else None, p.name,
          spelled.get(p.category.casefold(), p.category), p.price, p.stock, int(p.active),
          stamp) for p in products])
    conn.executemany(
        "INSERT INTO product_barcodes (barcode, sku, position) VALUES (?, ?, ?)",
        [(code, p.sku, i) for p in products for i, code in enumerate(codes[p.sku])])
    # A local product that lost its first barcode shows its next one, if it has another.
    conn.executemany(
        "UPDATE products SET barcode = (SELECT b.barcode FROM product_barcodes b"
        " WHERE b.sku = products.sku ORDER BY b.position LIMIT 1) WHERE sku = ?",
        [(s,) for s in losers])
    ensure_categories(conn, [spelled.get(p.category.casefold(), p.category) for p in products])
    return CatalogApplied(len(products), tuple(over), tuple(aside), tuple(local_only), lines,
                          queued)


# --------------------------------------------------------------------------- errors


_SECRET = re.compile(r"(?i)\b(password|passwd|pwd|secret|token|sslpassword)(\s*[=:]\s*)"
                     r"('[^']*'|\"[^\"]*\"|\S+)")
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@")


def describe(exc: BaseException) -> str:
    """A short English line for logs, ``last_error`` and ``sync status``: the error's type and
    its first line, with anything that looks like a password replaced by ``***``."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _SECRET.sub(r"\1\2***", text)
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line[:MAX_ERROR_CHARS]


def _expected(exc: BaseException) -> bool:
    """Failures of the network, the server or the database file (a message is enough), as
    against a bug here (logged with its traceback)."""
    module = type(exc).__module__ or ""
    return (isinstance(exc, OSError | sqlite3.Error)
            or module.startswith(("psycopg", "pos_app.central")))


# --------------------------------------------------------------------------- the worker


class CentralSync:
    """The uploader and catalogue puller of one till (see the module docstring).

    ``connect`` returns a new psycopg connection each time it is called (it holds the URL and
    the till's password; tests hand one to a throwaway cluster). ``clock`` gives the time: the
    stamps written, the lag, and the backoff's schedule.
    """

    def __init__(self, db: Database, connect: ConnectionFactory, *,
                 clock: Callable[[], datetime] = utcnow, batch_size: int = BATCH_SIZE,
                 catalog_page: int = CATALOG_PAGE,
                 catalog_interval_s: float = CATALOG_INTERVAL_S, poll_s: float = POLL_S,
                 backoff: Backoff | None = None) -> None:
        if batch_size < 1 or catalog_page < 1:
            raise ValueError("batch_size and catalog_page must be positive")
        self.db = db
        self.clock = clock
        self.batch_size = batch_size
        self.catalog_page = catalog_page
        self.catalog_interval_s = catalog_interval_s
        self.poll_s = poll_s
        self.backoff = backoff or Backoff(lambda: self.clock().timestamp())
        self._connect = connect
        self._pg: psycopg.Connection[Any] | None = None
        self._lock = threading.RLock()  # one upload or pull at a time, one user of _pg
        self._next_catalog = 0.0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- enrolment and status (SQLite only) ------------------------------------------------
    def mark_enrolled(self, outlet_id: str, terminal_id: str) -> int:
        queued = mark_enrolled(self.db, outlet_id, terminal_id, now=self.clock())
        self._next_catalog = 0.0
        self.wake()
        return queued

    def enqueue_history(self) -> int:
        with self.db.transaction() as conn:
            return enqueue_history(conn)

    def status(self) -> CentralStatus:
        return central_status(self.db, self.clock())

    # -- the connection --------------------------------------------------------------------
    def _connection(self) -> psycopg.Connection[Any]:
        pg = self._pg
        if pg is not None and not pg.closed and not pg.broken:
            return pg
        self._drop_connection()
        pg = self._connect()
        try:
            # Every write is an explicit transaction; reads outside one must not leave the
            # session "idle in transaction" on a server that several tills share.
            pg.autocommit = True
            pg.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        except BaseException:
            pg.close()
            raise
        self._pg = pg
        return pg

    def _drop_connection(self) -> None:
        pg, self._pg = self._pg, None
        if pg is not None:
            try:
                pg.close()
            except Exception:  # closing a broken connection: nothing more to do
                log.debug("closing the central connection failed", exc_info=True)

    # -- uploading -------------------------------------------------------------------------
    def read_batch(self) -> Batch | None:
        """The next change rows and the current rows they name, read in one SQLite snapshot
        (change rows first: a row is never older than its change); None when not enrolled."""
        with self._snapshot() as conn:
            state = conn.execute("SELECT enrolled, outlet_id, terminal_id FROM central_state"
                                 " WHERE id = 1").fetchone()
            if not state["enrolled"]:
                return None
            changes = conn.execute("SELECT id, tbl, key FROM central_changes ORDER BY id"
                                   " LIMIT ?", (self.batch_size,)).fetchall()
            keys: dict[str, list[str]] = {}
            for change in changes:
                if change["tbl"] not in CHANGE_TABLES:
                    log.warning("central change %d names unknown table %r: dropped",
                                change["id"], change["tbl"])
                    continue
                keys.setdefault(change["tbl"], []).append(str(change["key"]))
            keys = {t: list(dict.fromkeys(k)) for t, k in keys.items()}
            rows = _load_rows(conn, state["outlet_id"], state["terminal_id"], keys)
        return Batch(tuple(int(c["id"]) for c in changes), rows)

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction under the database's lock: one consistent view of several
        SELECTs (another process may be writing)."""
        with self.db.lock:
            conn = self.db.conn
            if conn.in_transaction:
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    def ship(self, batch: Batch) -> None:
        """Upsert the batch's rows in one PostgreSQL transaction (all or nothing)."""
        if batch.row_count == 0:
            return
        pg = self._connection()
        with pg.transaction(), pg.cursor() as cur:
            for table in SHIPPING_ORDER:
                rows = batch.rows.get(table.name)
                if rows:
                    cur.executemany(table.upsert, rows)

    def forget(self, change_ids: Sequence[int]) -> int:
        """Delete exactly the shipped change rows, and note the upload, in one transaction."""
        with self.db.transaction() as conn:
            gone = conn.execute(f"DELETE FROM central_changes WHERE id IN {_EACH}",
                                (json.dumps(list(change_ids)),)).rowcount
            conn.execute("UPDATE central_state SET last_upload_at = ?, last_error = NULL,"
                         " last_error_at = NULL WHERE id = 1", (to_iso(self.clock()),))
        return int(gone)

    def upload_once(self) -> UploadResult:
        """Ship one batch of the change log (see the module docstring). Raises whatever the
        server or the database raised; nothing is forgotten then."""
        with self._lock:
            batch = self.read_batch()
            if batch is None or not batch.change_ids:
                return self._result(0, 0)
            self.ship(batch)
            self.forget(batch.change_ids)
            return self._result(len(batch.change_ids), batch.row_count)

    def _result(self, changes: int, rows: int) -> UploadResult:
        with self.db.lock:
            left, oldest = self.db.conn.execute(
                "SELECT count(*), (SELECT at FROM central_changes ORDER BY id LIMIT 1)"
                " FROM central_changes").fetchone()
        return UploadResult(changes, rows, int(left), _lag(oldest, self.clock()))

    # -- the catalogue ---------------------------------------------------------------------
    def pull_catalog_once(self) -> int:
        """Apply the outlet's products newer than the last version seen; returns how many.

        After the join, up to ``catalog_page`` of them (``catalog_page``: there may be more).
        The join (``catalog_version_seen`` 0) reads the whole list, page after page, and
        applies it in one SQLite transaction with its final version: nothing of a join is ever
        half done, so nothing about it has to survive a restart."""
        return self._pull_catalog()[0]

    def _read_products(self, pg: psycopg.Connection[Any], outlet_id: str, after: int
                       ) -> list[CentralProduct]:
        # RLS already limits a till to its outlet; the filter also serves the index
        # (outlet_id, version), and an owner's connection.
        rows = pg.execute(
            "SELECT sku, name, category, price, barcodes, stock, active, version"
            " FROM pos.products WHERE outlet_id = %s AND version > %s"
            " ORDER BY version LIMIT %s", (outlet_id, after, self.catalog_page)).fetchall()
        return [CentralProduct(
            sku=str(r[0]), name=str(r[1]), category=str(r[2] or ""), price=int(r[3]),
            barcodes=tuple(str(c) for c in (r[4] or ())),
            stock=None if r[5] is None else int(r[5]), active=bool(r[6]),
            version=int(r[7])) for r in rows]

    def _pull_catalog(self) -> tuple[int, bool]:
        """:meth:`pull_catalog_once`, and whether more may be waiting (pull again at once)."""
        with self._lock:
            state = self.db.query_one("SELECT enrolled, outlet_id, catalog_version_seen"
                                      " FROM central_state WHERE id = 1")
            if state is None or not state["enrolled"]:
                return 0, False
            seen = int(state["catalog_version_seen"])
            outlet_id = str(state["outlet_id"])
            pg = self._connection()
            row = pg.execute("SELECT catalog_managed FROM pos.outlets WHERE outlet_id = %s",
                             (outlet_id,)).fetchone()
            managed = bool(row and row[0])
            if not managed:
                # The outlet keeps its own price list: nothing is applied, and nothing is
                # marked seen, so the owner's edits arrive if central management comes back.
                with self.db.transaction() as conn:
                    conn.execute("UPDATE central_state SET catalog_managed = 0,"
                                 " last_catalog_at = ? WHERE id = 1", (to_iso(self.clock()),))
                return 0, False
            # The first pass over the outlet's list matches products as a shop joining the
            # chain (module docstring, "Matching"): the whole list, in one transaction.
            joining = seen == 0
            products = self._read_products(pg, outlet_id, seen)
            more = len(products) >= self.catalog_page
            while joining and more:
                page = self._read_products(pg, outlet_id, products[-1].version)
                products += page
                more = len(page) >= self.catalog_page
            now = self.clock()
            top = max((p.version for p in products), default=seen)
            with self.db.transaction() as conn:
                if int(conn.execute("SELECT catalog_version_seen FROM central_state"
                                    " WHERE id = 1").fetchone()[0]) != seen:
                    # Another process (``pos-app sync run`` beside the app) pulled meanwhile:
                    # what was read is not from where the catalogue is now. Read again.
                    return 0, True
                applied = apply_catalog(conn, products, now, joining=joining)
                conn.execute("UPDATE central_state SET catalog_version_seen = ?,"
                             " last_catalog_at = ?, catalog_managed = 1 WHERE id = 1",
                             (top, to_iso(now)))
            if products:
                log.info("central catalogue: %d products applied (version %d%s); %d local"
                         " products took a central SKU, %d moved to a new SKU, %d local-only"
                         " products given an %s SKU", len(products), top,
                         ", joined" if joining else "", len(applied.taken_over),
                         len(applied.moved_aside), len(applied.local_only), LOCAL_PREFIX)
            return len(products), more

    # -- the worker ------------------------------------------------------------------------
    def step(self) -> float:
        """One pass of the worker: upload a batch and pull the catalogue when due, each unless
        backing off. Returns the seconds until the next pass is useful. Never raises."""
        try:
            enrolled = bool(self.db.scalar("SELECT enrolled FROM central_state WHERE id = 1"))
        except Exception as exc:  # a locked or closing database: try again later
            log.warning("central sync could not read its state: %s", describe(exc))
            return self.poll_s
        if not enrolled:
            with self._lock:
                self._drop_connection()
            return NOT_ENROLLED_POLL_S
        return min(self._upload_step(), self._catalog_step())

    def _upload_step(self) -> float:
        pause = self.backoff.wait_for(_UPLOAD)
        if pause > 0:
            return pause
        try:
            result = self.upload_once()
        except Exception as exc:
            return self._failed(_UPLOAD, "upload", exc)
        self.backoff.succeeded(_UPLOAD)
        # Only after progress (a batch shipped) is the next pass at once.
        return BETWEEN_BATCHES_S if result.left > 0 and result.changes > 0 else self.poll_s

    def _catalog_step(self) -> float:
        pause = self.backoff.wait_for(_CATALOG)
        if pause > 0:
            return pause
        now_s = self.clock().timestamp()
        if now_s < self._next_catalog:
            return self._next_catalog - now_s
        try:
            _, more = self._pull_catalog()
        except Exception as exc:
            return self._failed(_CATALOG, "catalogue pull", exc)
        self.backoff.succeeded(_CATALOG)
        if more:
            self._next_catalog = now_s
            return BETWEEN_BATCHES_S
        self._next_catalog = now_s + self.catalog_interval_s
        return self.catalog_interval_s

    def _failed(self, key: tuple[str, str], what: str, exc: Exception) -> float:
        delay = self.backoff.failed(key)
        text = describe(exc)
        with self._lock:
            self._drop_connection()  # reconnect after the pause: the session may be gone
        if _expected(exc):
            log.warning("central %s failed (next try in %.0f s): %s", what, delay, text)
        else:
            log.error("central %s failed (next try in %.0f s): %s", what, delay, text,
                      exc_info=True)
        try:
            with self.db.transaction() as conn:
                conn.execute("UPDATE central_state SET last_error = ?, last_error_at = ?"
                             " WHERE id = 1", (f"{what}: {text}", to_iso(self.clock())))
        except Exception:  # the database itself may be what failed
            log.debug("could not note the central error", exc_info=True)
        return delay

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                wait = self.step()
            except Exception:  # step() catches its work's errors; this is a bug in it
                log.exception("central sync pass failed")
                wait = self.poll_s
            self._wake.wait(timeout=max(wait, 0.01))

    def wake(self) -> None:
        """Look at the change log now (after a sale, an enrolment) instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="central-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = STOP_WAIT_S) -> None:
        """Stop the worker and close the connection. Waits up to ``timeout_s`` for a batch in
        flight (it is bounded by the server's statement timeout); a batch abandoned then is
        sent again next time, which changes nothing."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("central sync still busy after %.0f s; left to finish", timeout_s)
                return
        with self._lock:
            self._drop_connection()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
