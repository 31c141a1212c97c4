"""The central schema (pos_app/central/schema.py, docs/central.md): created once, upgraded
idempotently, partitioned by month with a default partition, the catalogue's version trigger,
RLS enabled and forced everywhere an outlet's rows are."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest

from pos_app.central.errors import BadOutlet, CentralError, SchemaMismatch
from pos_app.central.schema import (
    OUTLET_TABLES,
    SCHEMA_VERSION,
    add_outlet,
    apply_schema,
    current_version,
    ensure_partitions,
    find_outlet,
    slug,
)
from tests.pg_cluster import CentralDb, PgCluster, _drop, _new_db, admin_may_grant_groups

TODAY = date(2026, 12, 6)
NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _catalog(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Everything apply_schema makes, in a comparable form."""
    q = {
        "relations": "SELECT c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,"
                     " c.relacl::text FROM pg_class c JOIN pg_namespace n ON n.oid ="
                     " c.relnamespace WHERE n.nspname = 'pos' ORDER BY 1",
        "functions": "SELECT p.proname, md5(p.prosrc), p.prosecdef, p.provolatile,"
                     " p.proconfig::text, p.proacl::text FROM pg_proc p JOIN pg_namespace n"
                     " ON n.oid = p.pronamespace WHERE n.nspname = 'pos' ORDER BY 1",
        "policies": "SELECT tablename, policyname, cmd, roles::text, qual, with_check"
                    " FROM pg_policies WHERE schemaname = 'pos' ORDER BY 1, 2",
        "triggers": "SELECT tgname, tgrelid::regclass::text FROM pg_trigger t JOIN pg_class c"
                    " ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'pos' AND NOT tgisinternal ORDER BY 1, 2",
        "versions": "SELECT version FROM pos.schema_version ORDER BY 1",
        "schema_acl": "SELECT nspacl::text FROM pg_namespace WHERE nspname = 'pos'",
        "roles": "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN"
                 " ('pos_owner', 'pos_till', 'pos_enroll') ORDER BY 1",
    }
    return {name: conn.execute(query).fetchall() for name, query in q.items()}


def _order(outlet: str, day: date, order_id: str = "K1-20261206-0001") -> dict[str, Any]:
    return {"outlet_id": outlet, "uuid": uuid.uuid4(), "order_id": order_id,
            "terminal_id": "K1", "business_date": day, "seq": 1, "status": "paid",
            "subtotal": 15000, "total": 15000, "created_at": NOW, "updated_at": NOW}


def _insert(conn: psycopg.Connection[Any], table: str, row: dict[str, Any]) -> None:
    cols = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    conn.execute(f"INSERT INTO pos.{table} ({cols}) VALUES ({marks})", list(row.values()))


def _where(conn: psycopg.Connection[Any], table: str, key: str, value: Any) -> str:
    row = conn.execute(f"SELECT tableoid::regclass::text FROM pos.{table} WHERE {key} = %s",
                       (value,)).fetchone()
    assert row is not None
    return str(row[0])


# --------------------------------------------------------------------------- create, upgrade


def test_apply_creates_the_schema_and_twice_changes_nothing(empty_db: CentralDb) -> None:
    with empty_db.connect() as conn:
        assert current_version(conn) == 0
        assert apply_schema(conn, today=TODAY) == SCHEMA_VERSION == 3
        before = _catalog(conn)
        assert apply_schema(conn, today=TODAY) == 3
        assert _catalog(conn) == before
        assert before["versions"] == [(1,), (2,), (3,)]
        assert before["roles"] == [("pos_enroll", False), ("pos_owner", False),
                                   ("pos_till", False)]
        names = {r[0] for r in before["relations"]}
        for table in ("schema_version", "outlets", "tills", "enroll_codes", "orders",
                      "order_lines", "payments", "refunds", "refund_lines", "shifts",
                      "credits", "products", "catalog_version", "orders_default"):
            assert table in names, table
        # The reports' indexes.
        indexes = {r[0]: r[1] for r in conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'pos'"
            " AND tablename IN ('orders', 'order_lines', 'payments', 'products')")}
        assert "(business_date, outlet_id)" in indexes["orders_by_day"]
        assert "(business_date)" in indexes["order_lines_by_day"]
        assert "(business_date, order_uuid)" in indexes["payments_by_day"]
        assert "(outlet_id, version)" in indexes["products_by_version"]


def test_apply_in_a_later_month_only_adds_its_partitions(empty_db: CentralDb) -> None:
    with empty_db.connect() as conn:
        apply_schema(conn, today=TODAY)
        before = {r[0] for r in _catalog(conn)["relations"]}
        apply_schema(conn, today=date(2027, 1, 15))
        added = {r[0] for r in _catalog(conn)["relations"] if r[1] == "r"} - before
    assert added == {"orders_2028_01", "order_lines_2028_01", "payments_2028_01"}


def test_a_newer_schema_is_refused(central_db: CentralDb) -> None:
    with central_db.connect() as conn:
        conn.execute("INSERT INTO pos.schema_version VALUES (4)")
        conn.commit()
        with pytest.raises(SchemaMismatch, match="version 4"):
            apply_schema(conn)


def test_every_outlet_table_has_rls_enabled_and_forced(central_db: CentralDb) -> None:
    with central_db.connect() as conn:
        with_outlet = {r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pos'"
            " AND a.attname = 'outlet_id' AND c.relkind IN ('r', 'p') AND NOT c.relispartition")}
        flags = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pos'")}
    # the report's pre-aggregated sales (schema version 2) are outlet rows like the others
    summaries = {"sales_by_slot", "sales_by_payment", "sales_by_product"}
    assert with_outlet == set(OUTLET_TABLES) | summaries
    for table in with_outlet:
        assert flags[table] == (True, True), table


def test_my_outlet_is_security_definer_stable_with_a_pinned_search_path(
        central_db: CentralDb) -> None:
    with central_db.connect() as conn:
        row = conn.execute("SELECT prosecdef, provolatile, proconfig FROM pg_proc"
                           " WHERE oid = 'pos.my_outlet()'::regprocedure").fetchone()
        public_acl = conn.execute(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,"
            " aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a"
            " WHERE n.nspname = 'pos' AND a.grantee = 0").fetchone()
    assert row is not None and row[0] is True and row[1] == "s"
    assert row[2] == ["search_path=pg_catalog, pg_temp"]
    assert public_acl == (0,)  # no function of pos is executable by PUBLIC


# --------------------------------------------------------------------------- partitions


def test_rows_land_in_their_months_partition(empty_db: CentralDb) -> None:
    with empty_db.connect() as conn:
        apply_schema(conn, today=TODAY)
        outlet = add_outlet(conn, "Toko Bandung")
        order = _order(outlet, TODAY)
        _insert(conn, "orders", order)
        _insert(conn, "order_lines", {
            "outlet_id": outlet, "order_uuid": order["uuid"], "business_date": TODAY,
            "line_no": 1, "sku": "P-1", "name": "Teh", "unit_price": 5000, "quantity": 3,
            "net": 15000})
        _insert(conn, "payments", {
            "outlet_id": outlet, "id": "pay-1", "order_uuid": order["uuid"],
            "business_date": TODAY, "method": "cash", "amount": 15000, "status": "paid",
            "created_at": NOW, "updated_at": NOW})
        nov = _order(outlet, date(2026, 11, 30), "K1-20261130-0001")
        _insert(conn, "orders", nov)
        assert _where(conn, "orders", "uuid", order["uuid"]) == "pos.orders_2026_12"
        assert _where(conn, "orders", "uuid", nov["uuid"]) == "pos.orders_2026_11"
        assert _where(conn, "order_lines", "order_uuid", order["uuid"]) == \
            "pos.order_lines_2026_12"
        assert _where(conn, "payments", "id", "pay-1") == "pos.payments_2026_12"
        parts = {r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'pos.orders'::regclass")}
    # last month, this month and twelve ahead, plus the default
    assert parts == {"orders_default"} | {
        f"orders_{y}_{m:02d}" for y, m in [(2026, 11), (2026, 12)] +
        [(2027, m) for m in range(1, 13)]}


def test_the_default_partition_takes_other_months_until_theirs_is_made(
        central_db: CentralDb) -> None:
    with central_db.connect() as conn:
        outlet = add_outlet(conn, "Toko Bandung")
        old = _order(outlet, date(2019, 3, 2), "K1-20190302-0001")
        other = _order(outlet, date(2019, 4, 1), "K1-20190401-0001")
        _insert(conn, "orders", old)
        _insert(conn, "orders", other)
        _insert(conn, "order_lines", {
            "outlet_id": outlet, "order_uuid": old["uuid"], "business_date": old["business_date"],
            "line_no": 1, "sku": "P-1", "name": "Teh", "unit_price": 5000, "quantity": 3,
            "net": 15000})
        conn.commit()
        assert _where(conn, "orders", "uuid", old["uuid"]) == "pos.orders_default"

        # Making March 2019 moves its rows out of the default partition, in one transaction.
        assert ensure_partitions(conn, date(2019, 3, 10), date(2019, 3, 20)) == 3
        assert _where(conn, "orders", "uuid", old["uuid"]) == "pos.orders_2019_03"
        assert _where(conn, "order_lines", "order_uuid", old["uuid"]) == \
            "pos.order_lines_2019_03"
        assert _where(conn, "orders", "uuid", other["uuid"]) == "pos.orders_default"
        assert ensure_partitions(conn, date(2019, 3, 1), date(2019, 3, 31)) == 0  # made once
        # The key still holds across the move.
        with pytest.raises(psycopg.errors.UniqueViolation):
            _insert(conn, "orders", {**old, "order_id": "again"})
        conn.rollback()
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            ensure_partitions(conn, date(2019, 5, 1), date(2019, 4, 1))


def test_the_sql_function_makes_the_same_partitions(central_db: CentralDb) -> None:
    with central_db.connect() as conn:
        made = conn.execute("SELECT pos.ensure_partitions('2030-01-15', '2030-03-01')"
                            ).fetchone()
        conn.commit()
        assert made == (9,)
        assert conn.execute("SELECT to_regclass('pos.payments_2030_02')").fetchone() == \
            ("pos.payments_2030_02",)


# --------------------------------------------------------------------------- catalogue


def test_every_product_write_takes_the_next_catalog_version(central_db: CentralDb) -> None:
    with central_db.connect() as conn:
        a = add_outlet(conn, "Toko Bandung")
        conn.execute("INSERT INTO pos.products (outlet_id, sku, name, price, version)"
                     " VALUES (%s, 'P-1', 'Teh', 5000, 1)", (a,))
        v1, t1 = conn.execute("SELECT version, updated_at FROM pos.products").fetchone()
        conn.commit()
        conn.execute("UPDATE pos.products SET price = 6000, version = 1")  # can't pick one
        v2, t2 = conn.execute("SELECT version, updated_at FROM pos.products").fetchone()
        conn.execute("INSERT INTO pos.products (outlet_id, sku, name, price, barcodes)"
                     " VALUES (%s, 'P-2', 'Kopi', 4000, '{899000001}')", (a,))
        v3 = conn.execute("SELECT version FROM pos.products WHERE sku = 'P-2'").fetchone()[0]
        conn.commit()
    assert v1 < v2 < v3
    assert v2 != 1 and t2 > t1  # a new transaction: now() moved on


# --------------------------------------------------------------------------- outlets


def test_slugs_and_outlets(central_db: CentralDb) -> None:
    assert slug("Toko Bandung") == "toko-bandung"
    assert slug("  Kedai  Ñusa & Co. ") == "kedai-nusa-co"
    with pytest.raises(BadOutlet, match="letters or digits"):
        slug("!!!")
    with central_db.connect() as conn:
        assert add_outlet(conn, "Toko  Bandung") == "toko-bandung"
        assert add_outlet(conn, "toko bandung") == "toko-bandung"  # the same outlet
        assert find_outlet(conn, "TOKO BANDUNG") == "toko-bandung"
        assert find_outlet(conn, "Toko Bogor") is None
        rows = conn.execute("SELECT outlet_id, name, catalog_managed FROM pos.outlets"
                            ).fetchall()
    # the till keeps its own price list until head office pushes one
    assert rows == [("toko-bandung", "Toko Bandung", False)]


# --------------------------------------------------------------------------- a dedicated admin


def test_a_createrole_admin_that_owns_the_database_can_init(pg_cluster: PgCluster) -> None:
    """Not only the superuser: an admin with CREATEROLE that owns the database. RLS is forced,
    so the admin sees the rows through pos_owner, which init makes it a member of."""
    helper = _new_db(pg_cluster)  # only to make (and later drop) the admin role
    admin, password = helper.login("pos_admin", createrole=True)
    admin_may_grant_groups(pg_cluster, admin)
    db = _new_db(pg_cluster, owner=admin)
    try:
        with psycopg.connect(db.url_for(admin, password)) as conn:
            assert apply_schema(conn, today=TODAY) == SCHEMA_VERSION
            assert apply_schema(conn, today=TODAY) == SCHEMA_VERSION
            outlet = add_outlet(conn, "Toko Bandung")
            _insert(conn, "orders", _order(outlet, TODAY))
            conn.commit()
            assert conn.execute("SELECT count(*) FROM pos.orders").fetchone() == (1,)
            assert conn.execute("SELECT pg_has_role('pos_owner', 'MEMBER')").fetchone() == (True,)
    finally:
        _drop(db)
        _drop(helper)


def test_a_version_2_database_is_upgraded(central_db: CentralDb) -> None:
    """A database made by the first issue-14 build: the 3-argument redeem_enrollment that
    replaced a till without asking, outlets managed by default."""
    with central_db.connect() as conn:
        conn.execute("DELETE FROM pos.schema_version WHERE version = 3")
        conn.execute("CREATE FUNCTION pos.redeem_enrollment(text, text, text)"
                     " RETURNS TABLE (role_name text, outlet_id text) LANGUAGE sql"
                     " AS $$ SELECT 'x'::text, 'y'::text $$")
        conn.execute("ALTER TABLE pos.outlets ALTER COLUMN catalog_managed SET DEFAULT true")
        conn.commit()
        assert apply_schema(conn, today=TODAY) == 3
        signatures = [r[0] for r in conn.execute(
            "SELECT oid::regprocedure::text FROM pg_proc"
            " WHERE proname = 'redeem_enrollment'").fetchall()]
        assert signatures == ["pos.redeem_enrollment(text,text,text,boolean)"]
        assert add_outlet(conn, "Toko Baru") == "toko-baru"
        assert conn.execute("SELECT catalog_managed FROM pos.outlets WHERE outlet_id ="
                            " 'toko-baru'").fetchone() == (False,)


def test_an_outlet_cannot_be_called_all(central_db: CentralDb) -> None:
    with central_db.connect() as conn, pytest.raises(CentralError, match="every outlet"):
        add_outlet(conn, "All")
