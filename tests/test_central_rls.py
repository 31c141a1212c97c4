"""Who may do what in the central store, enforced by PostgreSQL itself (docs/central.md, "Roles
and row-level security"): two outlets, one till each, an owner.

A till reads and upserts its own outlet's sales and nothing else; writing a row of another
outlet is refused by the database, not by pos-app; it deletes nothing; it reads its outlet's
catalogue and can't write it; it can't see who is enrolled or the codes. The owner sees all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest
from psycopg import errors

from pos_app.central.schema import SALES_TABLES, add_outlet
from tests.pg_cluster import CentralDb

DAY = date(2026, 12, 6)
NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
A, B = "toko-bandung", "toko-bogor"

# Every sales table's primary key, for the upserts.
KEYS = {"orders": ("uuid", "business_date"), "order_lines": ("order_uuid", "business_date",
        "line_no"), "payments": ("id", "business_date"), "refunds": ("id",),
        "refund_lines": ("refund_id", "line_no"), "shifts": ("id",),
        "credits": ("outlet_id", "terminal_id", "source", "credit_id")}


def rows_for(outlet: str, order_id: str = "K1-20261206-0001") -> dict[str, dict[str, Any]]:
    """One row of every sales table for ``outlet``, with fresh ids."""
    order_uuid = uuid.uuid4()
    refund_id, shift_id = str(uuid.uuid4()), str(uuid.uuid4())
    return {
        "shifts": {"outlet_id": outlet, "id": shift_id, "terminal_id": "K1",
                   "business_date": DAY, "status": "open", "opened_by": "Sri",
                   "opened_at": NOW, "opening_float": 100000},
        "orders": {"outlet_id": outlet, "uuid": order_uuid, "order_id": order_id,
                   "terminal_id": "K1", "business_date": DAY, "seq": 1, "status": "paid",
                   "subtotal": 15000, "total": 15000, "created_at": NOW, "updated_at": NOW,
                   "shift_id": shift_id},
        "order_lines": {"outlet_id": outlet, "order_uuid": order_uuid, "business_date": DAY,
                        "line_no": 1, "sku": "P-1", "name": "Teh", "unit_price": 5000,
                        "quantity": 3, "net": 15000},
        "payments": {"outlet_id": outlet, "id": str(uuid.uuid4()), "order_uuid": order_uuid,
                     "business_date": DAY, "method": "qris", "provider": "pakasir",
                     "amount": 15000, "status": "paid", "created_at": NOW, "updated_at": NOW},
        "refunds": {"outlet_id": outlet, "id": refund_id, "order_uuid": order_uuid,
                    "business_date": DAY, "created_at": NOW, "cashier": "Sri",
                    "approved_by": "Budi", "reason": "salah", "method": "cash",
                    "amount": 5000, "paid_back": "cash"},
        "refund_lines": {"outlet_id": outlet, "refund_id": refund_id, "line_no": 1,
                         "quantity": 1, "amount": 5000},
        "credits": {"outlet_id": outlet, "terminal_id": "K1", "source": "orkut",
                    "credit_id": str(uuid.uuid4()), "account": "OK123", "amount": 15000,
                    "credited_at": NOW, "seen_at": NOW, "status": "matched"},
    }


def insert(conn: psycopg.Connection[Any], table: str, row: dict[str, Any]) -> None:
    cols = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    conn.execute(f"INSERT INTO pos.{table} ({cols}) VALUES ({marks})", list(row.values()))


def upsert(conn: psycopg.Connection[Any], table: str, row: dict[str, Any]) -> None:
    """As the uploader does: INSERT ... ON CONFLICT (pk) DO UPDATE."""
    cols = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    keys = KEYS[table]
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in row if c not in keys)
    conn.execute(f"INSERT INTO pos.{table} ({cols}) VALUES ({marks}) ON CONFLICT"
                 f" ({', '.join(keys)}) DO UPDATE SET {sets}", list(row.values()))


def key_of(table: str, row: dict[str, Any]) -> tuple[str, list[Any]]:
    keys = KEYS[table]
    return " AND ".join(f"{k} = %s" for k in keys), [row[k] for k in keys]


@dataclass
class Shop:
    db: CentralDb
    till_a: str  # URLs
    till_b: str
    owner: str
    rows_a: dict[str, dict[str, Any]]
    rows_b: dict[str, dict[str, Any]]


def make_till(db: CentralDb, outlet: str, terminal: str = "K1") -> str:
    """A login role in pos_till recorded in pos.tills for ``outlet``; returns its URL."""
    role, password = db.login("till", "pos_till")
    with db.connect() as conn:
        conn.execute("INSERT INTO pos.tills (role_name, outlet_id, terminal_id)"
                     " VALUES (%s, %s, %s)", (role, outlet, terminal))
    return db.url_for(role, password)


@pytest.fixture
def shop(central_db: CentralDb) -> Shop:
    with central_db.connect() as conn:
        assert add_outlet(conn, "Toko Bandung") == A
        assert add_outlet(conn, "Toko Bogor") == B
    owner, owner_pw = central_db.login("owner", "pos_owner")
    shop = Shop(central_db, make_till(central_db, A), make_till(central_db, B),
                central_db.url_for(owner, owner_pw), rows_for(A), rows_for(B))
    with psycopg.connect(shop.till_b) as conn:  # B's till ships B's sales
        for table, row in shop.rows_b.items():
            insert(conn, table, row)
    return shop


@pytest.fixture
def till_a(shop: Shop) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(shop.till_a) as conn:
        yield conn


def count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM pos.{table}").fetchone()
    return int(row[0]) if row else -1


# --------------------------------------------------------------------------- own outlet


def test_a_till_knows_its_outlet(till_a: psycopg.Connection[Any]) -> None:
    assert till_a.execute("SELECT pos.my_outlet()").fetchone() == (A,)
    # Its own outlet row (catalog_managed), not the others.
    assert till_a.execute("SELECT outlet_id, catalog_managed FROM pos.outlets").fetchall() == \
        [(A, False)]  # until head office pushes a price list


@pytest.mark.parametrize("table", SALES_TABLES)
def test_a_till_inserts_upserts_and_reads_its_own_rows(shop: Shop, till_a: psycopg.Connection[
        Any], table: str) -> None:
    row = shop.rows_a[table]
    insert(till_a, table, row)
    till_a.commit()
    where, args = key_of(table, row)
    assert till_a.execute(f"SELECT count(*) FROM pos.{table} WHERE {where}", args
                          ).fetchone() == (1,)
    # Sent again, changed: the upsert rewrites it.
    changed = dict(row)
    field = next(c for c in ("status", "name", "amount", "quantity") if c in row)
    changed[field] = 4 if field == "quantity" else ("late" if field == "status" else
                                                     (7000 if field == "amount" else "Kopi"))
    upsert(till_a, table, changed)
    upsert(till_a, table, changed)  # twice: the same result
    till_a.commit()
    assert till_a.execute(f"SELECT {field} FROM pos.{table} WHERE {where}", args
                          ).fetchone() == (changed[field],)
    assert count(till_a, table) == 1  # B's row is there, but not for A


@pytest.mark.parametrize("table", SALES_TABLES)
def test_a_till_sees_nothing_of_another_outlet(shop: Shop, till_a: psycopg.Connection[Any],
                                               table: str) -> None:
    assert count(till_a, table) == 0
    where, args = key_of(table, shop.rows_b[table])
    assert till_a.execute(f"SELECT count(*) FROM pos.{table} WHERE {where}", args
                          ).fetchone() == (0,)
    # Switching to the group role changes nothing: the outlet follows the login.
    till_a.execute("SET ROLE pos_till")
    assert count(till_a, table) == 0
    with psycopg.connect(shop.owner) as owner:
        assert count(owner, table) == 1


@pytest.mark.parametrize("table", SALES_TABLES)
def test_writing_a_row_of_another_outlet_is_refused_by_the_database(
        shop: Shop, till_a: psycopg.Connection[Any], table: str) -> None:
    fresh_b = rows_for(B)[table]
    with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        insert(till_a, table, fresh_b)
    till_a.rollback()
    with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        upsert(till_a, table, fresh_b)
    till_a.rollback()
    # An upsert that lands on B's existing row, claiming it for A: refused too.
    hijack = {**shop.rows_b[table], "outlet_id": A}
    if table != "credits":  # credits' key holds the outlet: it would be a new row of A's
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            upsert(till_a, table, hijack)
        till_a.rollback()
    with psycopg.connect(shop.owner) as owner:
        assert count(owner, table) == 1  # only B's own row


@pytest.mark.parametrize("table", SALES_TABLES)
def test_updating_another_outlets_row_touches_nothing(shop: Shop, till_a: psycopg.Connection[
        Any], table: str) -> None:
    where, args = key_of(table, shop.rows_b[table])
    cur = till_a.execute(f"UPDATE pos.{table} SET outlet_id = outlet_id WHERE {where}", args)
    assert cur.rowcount == 0
    cur = till_a.execute(f"UPDATE pos.{table} SET outlet_id = %s", (A,))
    assert cur.rowcount == 0
    till_a.commit()
    # Its own row can't be moved to another outlet either.
    insert(till_a, table, shop.rows_a[table])
    till_a.commit()
    with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        till_a.execute(f"UPDATE pos.{table} SET outlet_id = %s", (B,))
    till_a.rollback()


@pytest.mark.parametrize("table", SALES_TABLES)
def test_a_till_deletes_and_truncates_nothing(shop: Shop, till_a: psycopg.Connection[Any],
                                              table: str) -> None:
    insert(till_a, table, shop.rows_a[table])
    till_a.commit()
    with pytest.raises(errors.InsufficientPrivilege):
        till_a.execute(f"DELETE FROM pos.{table}")
    till_a.rollback()
    with pytest.raises(errors.InsufficientPrivilege):
        till_a.execute(f"TRUNCATE pos.{table}")
    till_a.rollback()
    assert count(till_a, table) == 1


def test_two_outlets_may_use_the_same_order_number(shop: Shop,
                                                   till_a: psycopg.Connection[Any]) -> None:
    assert shop.rows_a["orders"]["order_id"] == shop.rows_b["orders"]["order_id"]
    insert(till_a, "orders", shop.rows_a["orders"])
    till_a.commit()
    with psycopg.connect(shop.owner) as owner:
        found = owner.execute("SELECT outlet_id FROM pos.orders WHERE order_id ="
                              " 'K1-20261206-0001' ORDER BY 1").fetchall()
    assert found == [(A,), (B,)]


# --------------------------------------------------------------------------- catalogue


def test_a_till_reads_only_its_catalogue_and_never_writes_it(
        shop: Shop, till_a: psycopg.Connection[Any]) -> None:
    with psycopg.connect(shop.owner) as owner:
        for outlet, sku in ((A, "P-1"), (B, "P-1"), (B, "P-2")):
            owner.execute("INSERT INTO pos.products (outlet_id, sku, name, price)"
                          " VALUES (%s, %s, 'Teh', 5000)", (outlet, sku))
    assert till_a.execute("SELECT outlet_id, sku FROM pos.products").fetchall() == [(A, "P-1")]
    for stmt in ("INSERT INTO pos.products (outlet_id, sku, name, price)"
                 " VALUES ('toko-bandung', 'P-9', 'Kopi', 1)",
                 "UPDATE pos.products SET price = 1",
                 "DELETE FROM pos.products"):
        with pytest.raises(errors.InsufficientPrivilege):
            till_a.execute(stmt)
        till_a.rollback()


# --------------------------------------------------------------------------- the rest is closed


@pytest.mark.parametrize("stmt", [
    "SELECT * FROM pos.tills",
    "SELECT * FROM pos.enroll_codes",
    "SELECT * FROM pos.orders_default",  # a partition: reached only through its parent
    "INSERT INTO pos.outlets (outlet_id, name) VALUES ('x', 'x')",
    "UPDATE pos.outlets SET catalog_managed = false",
    "SELECT pos.ensure_partitions('2031-01-01', '2031-01-31')",
    "SELECT pos.make_enroll_code('toko-bandung', 'pos_enroll_abcd', 'SCRAM-SHA-256$x',"
    " now() + interval '1 hour')",
    "SELECT * FROM pos.redeem_enrollment('toko-bandung', 'K9', 'SCRAM-SHA-256$x', true)",
    "SELECT nextval('pos.catalog_version')",
    "CREATE TABLE pos.mine (x int)",
])
def test_a_till_cannot(till_a: psycopg.Connection[Any], stmt: str) -> None:
    with pytest.raises(errors.InsufficientPrivilege):
        till_a.execute(stmt)


def test_a_pos_till_member_without_a_till_row_sees_and_writes_nothing(shop: Shop) -> None:
    role, password = shop.db.login("stray", "pos_till")
    with psycopg.connect(shop.db.url_for(role, password)) as conn:
        assert conn.execute("SELECT pos.my_outlet()").fetchone() == (None,)
        assert count(conn, "orders") == 0
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            insert(conn, "orders", rows_for(A)["orders"])


def test_the_owner_reads_and_changes_everything(shop: Shop,
                                                till_a: psycopg.Connection[Any]) -> None:
    for table, row in shop.rows_a.items():
        insert(till_a, table, row)
    till_a.commit()
    with psycopg.connect(shop.owner) as owner:
        for table in SALES_TABLES:
            assert count(owner, table) == 2, table
        assert count(owner, "tills") == 2
        assert owner.execute("SELECT count(*) FROM pos.outlets").fetchone() == (2,)
        assert owner.execute("DELETE FROM pos.refund_lines WHERE outlet_id = %s", (B,)
                             ).rowcount == 1
        owner.execute("UPDATE pos.outlets SET catalog_managed = false WHERE outlet_id = %s",
                      (B,))
