"""The central PostgreSQL schema ``pos`` (docs/central.md): tables, monthly partitions, the group
roles, row-level security, and the enrollment functions.

:func:`apply_schema` creates or upgrades it and can be run any number of times: every statement
is ``IF NOT EXISTS``/``OR REPLACE`` or guarded, and version 1's tables are only created when
``pos.schema_version`` says they are missing. It runs in one transaction under an advisory lock,
so two owners running ``pos-app central init`` at once don't trip over each other.

Who runs it matters. The tables and the ``SECURITY DEFINER`` functions belong to that role,
and enrollment (which creates login roles) runs with its rights: it needs ``CREATEROLE`` - the
cluster's superuser, or a dedicated admin role with ``CREATEROLE`` that owns the database. On
PostgreSQL 16 and later such an admin must also hold the three group roles ``WITH ADMIN
OPTION`` (it does when it created them, i.e. ran the cluster's first init; else the superuser
grants them once). It is made a member of ``pos_owner``, which row-level security lets see and
change everything.

Policies decide what a till sees; they compare ``outlet_id`` with ``pos.my_outlet()``, the outlet
``pos.tills`` records for the *login* role (``session_user``: a till can't ``SET ROLE`` its way
into another outlet). Every table that carries ``outlet_id`` has RLS enabled and forced.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from pos_app.central.connect import error_detail
from pos_app.central.errors import AuthRefused, BadOutlet, CentralError, SchemaMismatch

__all__ = [
    "OUTLET_TABLES",
    "SALES_TABLES",
    "SCHEMA_VERSION",
    "add_outlet",
    "apply_schema",
    "committed",
    "current_version",
    "ensure_partitions",
    "find_outlet",
    "slug",
]

#: 1: tables, roles, row-level security, partitions; 2: the owner's report's pre-aggregated
#: sales and its indexes (pos_app/central/reports.py: a month across 50 outlets can't be summed
#: from the sales rows within the issue's 3 s)
#: 3: enrolment refuses a terminal id already taken (``p_replace``), the functions check the
#: role names they drop or disable, the owner only reads tills/codes, outlets start unmanaged
SCHEMA_VERSION = 3
#: The sales tables partitioned by month on business_date.
PARTITIONED = ("orders", "order_lines", "payments")
#: Every table a till writes (its own outlet's rows only).
SALES_TABLES = ("orders", "order_lines", "payments", "refunds", "refund_lines", "shifts",
                "credits")
#: Every table with an outlet_id column: RLS is enabled and forced on each.
OUTLET_TABLES = ("outlets", "tills", "enroll_codes", *SALES_TABLES, "products")
#: Months of partitions made ahead of today by apply_schema; later rows land in the default
#: partition (still correct) until `central init` or pos.ensure_partitions makes their month.
MONTHS_AHEAD = 12
# Any number, as long as nothing else in the database uses it: serialises apply_schema.
_LOCK_KEY = 0x706F735F73636D61  # "pos_scma"

# --------------------------------------------------------------------------- roles

# Group roles are cluster-wide and NOLOGIN; logins (a till, the owner) are made members.
# pos_enroll is the group of the short-lived enrollment roles: all they may do is call
# pos.redeem_enrollment().
ROLES = """
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['pos_owner', 'pos_till', 'pos_enroll'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$$;
"""

# --------------------------------------------------------------------------- version 1 tables

BASE_TABLES = """
CREATE SCHEMA IF NOT EXISTS pos;
CREATE TABLE IF NOT EXISTS pos.schema_version (version int PRIMARY KEY);

-- outlet_id is a slug of the name ("Toko Bandung" -> "toko-bandung"), made by pos_app.
CREATE TABLE IF NOT EXISTS pos.outlets (
    outlet_id       text PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    -- on with the first price list head office pushes (pos_app.central.catalog): until then
    -- an enrolled till keeps editing its own products
    catalog_managed bool NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Which login role is which till. One row per (outlet, terminal): re-enrolling a till replaces
-- its row (and disables the old role).
CREATE TABLE IF NOT EXISTS pos.tills (
    role_name   text PRIMARY KEY,
    outlet_id   text NOT NULL REFERENCES pos.outlets,
    terminal_id text NOT NULL,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (outlet_id, terminal_id)
);

-- One-time enrollment codes. A code is a temporary LOGIN role (role_name) and its password;
-- the password is kept only as PostgreSQL's SCRAM verifier of that role, so this table holds
-- nothing a thief could type in.
CREATE TABLE IF NOT EXISTS pos.enroll_codes (
    role_name   text PRIMARY KEY,
    outlet_id   text NOT NULL REFERENCES pos.outlets,
    created_by  text NOT NULL DEFAULT session_user,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    terminal_id text,
    till_role   text
);
"""

# Money is bigint rupiah, times timestamptz, business_date the store-local day. No foreign keys
# between the sales tables: the central store is a copy of what each till already keeps
# consistent, and an upload batch may end between an order and its payment.
SALES_DDL = """
CREATE TABLE IF NOT EXISTS pos.orders (
    outlet_id       text NOT NULL REFERENCES pos.outlets,
    uuid            uuid NOT NULL,
    order_id        text NOT NULL,          -- K1-20261206-0001: unique per till, not globally
    terminal_id     text NOT NULL,
    business_date   date NOT NULL,
    seq             int NOT NULL,
    status          text NOT NULL,
    subtotal        bigint NOT NULL,
    line_discounts  bigint NOT NULL DEFAULT 0,
    order_discount  bigint NOT NULL DEFAULT 0,
    tax_mode        text NOT NULL DEFAULT 'off',
    tax_rate_bp     int NOT NULL DEFAULT 0,
    tax             bigint NOT NULL DEFAULT 0,
    total           bigint NOT NULL,
    note            text NOT NULL DEFAULT '',
    cashier         text NOT NULL DEFAULT '',
    cashier_id      text,
    shift_id        text,
    void_reason     text,
    voided_by       text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    paid_at         timestamptz,
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    -- A partitioned table's key must contain the partition key.
    PRIMARY KEY (uuid, business_date)
) PARTITION BY RANGE (business_date);

CREATE TABLE IF NOT EXISTS pos.order_lines (
    outlet_id       text NOT NULL REFERENCES pos.outlets,
    order_uuid      uuid NOT NULL,
    business_date   date NOT NULL,
    line_no         int NOT NULL,
    sku             text NOT NULL,
    name            text NOT NULL,
    category        text NOT NULL DEFAULT '',
    unit_price      bigint NOT NULL,
    quantity        int NOT NULL,
    discount        bigint NOT NULL DEFAULT 0,
    net             bigint NOT NULL,
    PRIMARY KEY (order_uuid, business_date, line_no)
) PARTITION BY RANGE (business_date);

CREATE TABLE IF NOT EXISTS pos.payments (
    outlet_id       text NOT NULL REFERENCES pos.outlets,
    id              text NOT NULL,
    order_uuid      uuid NOT NULL,
    business_date   date NOT NULL,          -- the order's day, so a payment sits with its order
    method          text NOT NULL,
    provider        text,
    amount          bigint NOT NULL,
    payable_amount  bigint,
    unique_code     int NOT NULL DEFAULT 0,
    tendered        bigint,
    change_given    bigint,
    paid_amount     bigint,
    provider_ref    text,
    status          text NOT NULL,
    error           text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    expires_at      timestamptz,
    paid_at         timestamptz,
    PRIMARY KEY (id, business_date)
) PARTITION BY RANGE (business_date);

-- The default partitions catch any day whose month has no partition yet (an old history
-- uploaded at enrolment, a till with a wrong clock): nothing is ever refused for its date.
CREATE TABLE IF NOT EXISTS pos.orders_default PARTITION OF pos.orders DEFAULT;
CREATE TABLE IF NOT EXISTS pos.order_lines_default PARTITION OF pos.order_lines DEFAULT;
CREATE TABLE IF NOT EXISTS pos.payments_default PARTITION OF pos.payments DEFAULT;

-- Small tables: not partitioned.
CREATE TABLE IF NOT EXISTS pos.refunds (
    outlet_id       text NOT NULL REFERENCES pos.outlets,
    id              text PRIMARY KEY,
    order_uuid      uuid NOT NULL,
    business_date   date NOT NULL,          -- the day of the refund, not of the sale
    shift_id        text,
    created_at      timestamptz NOT NULL,
    cashier         text NOT NULL,
    approved_by     text NOT NULL,
    reason          text NOT NULL,
    method          text NOT NULL,
    amount          bigint NOT NULL,
    paid_back       text NOT NULL,
    paid_back_at    timestamptz
);

CREATE TABLE IF NOT EXISTS pos.refund_lines (
    outlet_id       text NOT NULL REFERENCES pos.outlets,
    refund_id       text NOT NULL,
    line_no         int NOT NULL,
    quantity        int NOT NULL,
    amount          bigint NOT NULL,
    PRIMARY KEY (refund_id, line_no)
);

CREATE TABLE IF NOT EXISTS pos.shifts (
    outlet_id       text NOT NULL REFERENCES pos.outlets,
    id              text PRIMARY KEY,
    terminal_id     text NOT NULL,
    business_date   date NOT NULL,
    status          text NOT NULL,
    opened_by       text NOT NULL,
    opened_at       timestamptz NOT NULL,
    opening_float   bigint NOT NULL,
    closed_by       text,
    closed_at       timestamptz,
    expected_cash   bigint,
    counted_cash    bigint,
    counts          jsonb,
    note            text NOT NULL DEFAULT ''
);

-- Two tills on one mutasi account both see a credit: each keeps its own row (the key holds
-- the terminal), and the report counts a (source, credit_id) once.
CREATE TABLE IF NOT EXISTS pos.credits (
    outlet_id       text NOT NULL REFERENCES pos.outlets,
    terminal_id     text NOT NULL,
    source          text NOT NULL,
    credit_id       text NOT NULL,
    account         text NOT NULL,
    amount          bigint NOT NULL,
    credited_at     timestamptz NOT NULL,
    precision       text NOT NULL DEFAULT 'second',
    description     text NOT NULL DEFAULT '',
    seen_at         timestamptz NOT NULL,
    status          text NOT NULL,
    payment_id      text,
    note            text NOT NULL DEFAULT '',
    PRIMARY KEY (outlet_id, terminal_id, source, credit_id)
);
"""

# The indexes the cross-outlet reports read by: a day (or a range of days) for one outlet or
# all. Made on the partitioned parents, so every partition gets its own.
INDEXES = """
CREATE INDEX IF NOT EXISTS orders_by_day ON pos.orders (business_date, outlet_id);
CREATE INDEX IF NOT EXISTS order_lines_by_day ON pos.order_lines (business_date);
CREATE INDEX IF NOT EXISTS payments_by_day ON pos.payments (business_date, order_uuid);
CREATE INDEX IF NOT EXISTS refunds_by_day ON pos.refunds (business_date, outlet_id);
CREATE INDEX IF NOT EXISTS shifts_by_day ON pos.shifts (business_date, outlet_id);
CREATE INDEX IF NOT EXISTS credits_by_time ON pos.credits (credited_at);
"""

# The catalogue, per outlet. A till pulls `version > last_seen ORDER BY version`; every insert
# and update takes the next value of one sequence (a trigger, so no writer can forget it or
# reuse an old number), which makes "what changed since" one index range scan.
CATALOG = """
CREATE SEQUENCE IF NOT EXISTS pos.catalog_version;

CREATE TABLE IF NOT EXISTS pos.products (
    outlet_id   text NOT NULL REFERENCES pos.outlets,
    sku         text NOT NULL,
    name        text NOT NULL,
    category    text NOT NULL DEFAULT '',
    price       bigint NOT NULL CHECK (price >= 0),
    barcodes    text[] NOT NULL DEFAULT '{}',
    stock       int,                        -- NULL: stock is not tracked
    active      bool NOT NULL DEFAULT true,
    version     bigint NOT NULL,            -- set by the trigger below
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (outlet_id, sku)
);
CREATE INDEX IF NOT EXISTS products_by_version ON pos.products (outlet_id, version);

CREATE OR REPLACE FUNCTION pos.products_take_version() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.version := nextval('pos.catalog_version');
    IF TG_OP = 'UPDATE' AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER products_version BEFORE INSERT OR UPDATE ON pos.products
    FOR EACH ROW EXECUTE FUNCTION pos.products_take_version();
"""

# --------------------------------------------------------------------------- functions

# The connected till's outlet. SECURITY DEFINER: a till may not read pos.tills itself.
# STABLE: evaluated once per statement, not once per row. The pinned search_path keeps a
# caller's own objects (a "pos" in pg_temp, say) from being called with the owner's rights.
MY_OUTLET = """
CREATE OR REPLACE FUNCTION pos.my_outlet() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT t.outlet_id FROM pos.tills t WHERE t.role_name = session_user
$$;
"""

# Months [first, last] as partitions of the three partitioned tables; returns how many tables
# it made. Rows already in a default partition for such a month are moved into the new one in
# the same transaction (PostgreSQL refuses to attach otherwise). SECURITY DEFINER so that a
# pos_owner member without CREATE on the schema (or a job) can run it; the tables stay owned
# by the schema's owner.
ENSURE_PARTITIONS = """
CREATE OR REPLACE FUNCTION pos.ensure_partitions(first_day date, last_day date) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    month date := date_trunc('month', first_day)::date;
    stop date := date_trunc('month', last_day)::date;
    parent text;
    part text;
    made int := 0;
    moving bool;
BEGIN
    IF first_day IS NULL OR last_day IS NULL OR last_day < first_day THEN
        RAISE EXCEPTION 'pos.ensure_partitions: bad range % .. %', first_day, last_day
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF stop > month + interval '10 years' THEN
        RAISE EXCEPTION 'pos.ensure_partitions: at most 10 years at a time'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WHILE month <= stop LOOP
        FOREACH parent IN ARRAY ARRAY['orders', 'order_lines', 'payments'] LOOP
            part := format('%s_%s', parent, to_char(month, 'YYYY_MM'));
            CONTINUE WHEN to_regclass(format('pos.%I', part)) IS NOT NULL;
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM pos.%I WHERE business_date >= %L'
                           ' AND business_date < %L)', parent || '_default', month,
                           (month + interval '1 month')::date) INTO moving;
            IF NOT moving THEN
                EXECUTE format('CREATE TABLE pos.%I PARTITION OF pos.%I'
                               ' FOR VALUES FROM (%L) TO (%L)', part, parent, month,
                               (month + interval '1 month')::date);
            ELSE
                EXECUTE format('CREATE TABLE pos.%I (LIKE pos.%I INCLUDING DEFAULTS'
                               ' INCLUDING CONSTRAINTS)', part, parent);
                EXECUTE format('WITH moved AS (DELETE FROM pos.%I WHERE business_date >= %L'
                               ' AND business_date < %L RETURNING *)'
                               ' INSERT INTO pos.%I SELECT * FROM moved',
                               parent || '_default', month, (month + interval '1 month')::date,
                               part);
                EXECUTE format('ALTER TABLE pos.%I ATTACH PARTITION pos.%I'
                               ' FOR VALUES FROM (%L) TO (%L)', parent, part, month,
                               (month + interval '1 month')::date);
            END IF;
            made := made + 1;
        END LOOP;
        month := (month + interval '1 month')::date;
    END LOOP;
    RETURN made;
END
$$;
"""

# Enrollment, step 1 (the owner): a temporary LOGIN role with the code's password (sent as a
# SCRAM verifier: the clear password never reaches the server) that expires, and its row.
# SECURITY DEFINER because it needs CREATEROLE, which the owner's login need not have. On the
# way it drops the roles of codes that were used or have expired.
MAKE_ENROLL_CODE = """
CREATE OR REPLACE FUNCTION pos.make_enroll_code(p_outlet_id text, p_role text,
                                                p_verifier text, p_expires timestamptz)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    spent text;
BEGIN
    IF p_role !~ '^pos_enroll_[a-z0-9]{4,16}$' THEN
        RAISE EXCEPTION 'bad enrollment role name %', p_role USING ERRCODE = 'PE003';
    END IF;
    IF p_verifier !~ '^SCRAM-SHA-256\\$' THEN
        RAISE EXCEPTION 'the code must be sent as a SCRAM-SHA-256 verifier' USING ERRCODE = 'PE003';
    END IF;
    IF p_expires <= now() OR p_expires > now() + interval '30 days' THEN
        RAISE EXCEPTION 'a code must expire within 30 days' USING ERRCODE = 'PE003';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pos.outlets WHERE outlet_id = p_outlet_id) THEN
        RAISE EXCEPTION 'no outlet %', p_outlet_id USING ERRCODE = 'PE002';
    END IF;
    FOR spent IN SELECT c.role_name FROM pos.enroll_codes c JOIN pg_roles r
                     ON r.rolname = c.role_name
                  WHERE (c.used_at IS NOT NULL OR c.expires_at < now())
                    -- only roles this function made: pos_owner can read enroll_codes, not
                    -- write it, but a name check costs nothing against a DROP ROLE
                    AND c.role_name ~ '^pos_enroll_[a-z0-9]{4,16}$' LOOP
        BEGIN
            EXECUTE format('DROP ROLE %I', spent);
        EXCEPTION WHEN OTHERS THEN
            NULL;  -- still in use somewhere: the next code tries again
        END;
    END LOOP;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L VALID UNTIL %L IN ROLE pos_enroll',
                   p_role, p_verifier, p_expires);
    INSERT INTO pos.enroll_codes (role_name, outlet_id, expires_at)
        VALUES (p_role, p_outlet_id, p_expires);
END
$$;
"""

# Enrollment, step 2 (the till, logged in as the temporary role): check the code is for this
# outlet, unused and unexpired; create the till's own LOGIN role (a member of pos_till) with
# the SCRAM verifier of a password the till made and keeps; record it; spend the code. The
# temporary role is made NOLOGIN here (a role can't drop itself while logged in) and dropped
# by the next pos.make_enroll_code. Errors carry SQLSTATEs of class PE for pos_app.central.
REDEEM_ENROLLMENT = """
CREATE OR REPLACE FUNCTION pos.redeem_enrollment(p_outlet_id text, p_terminal_id text,
                                                 p_verifier text, p_replace boolean)
RETURNS TABLE (role_name text, outlet_id text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    code pos.enroll_codes%ROWTYPE;
    old_role text;
    new_role text;
    tries int := 0;
BEGIN
    SELECT * INTO code FROM pos.enroll_codes c WHERE c.role_name = session_user FOR UPDATE;
    IF NOT FOUND OR code.used_at IS NOT NULL OR code.expires_at <= now() THEN
        RAISE EXCEPTION 'the enrollment code is unknown, used or expired' USING ERRCODE = 'PE001';
    END IF;
    IF code.outlet_id IS DISTINCT FROM p_outlet_id THEN
        RAISE EXCEPTION 'the enrollment code is not for outlet %', p_outlet_id
            USING ERRCODE = 'PE002';
    END IF;
    IF p_terminal_id IS NULL OR p_terminal_id !~ '^[A-Z0-9]{1,8}$' THEN
        RAISE EXCEPTION 'bad terminal id %', p_terminal_id USING ERRCODE = 'PE003';
    END IF;
    IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\\$' THEN
        RAISE EXCEPTION 'the password must be sent as a SCRAM-SHA-256 verifier'
            USING ERRCODE = 'PE003';
    END IF;

    -- Re-enrolling a till (a new PC, a lost password) replaces its old role, but only when
    -- asked: a second PC left at the default id "K1" would otherwise shut the first one out
    -- (its sales would wait for ever). Refused, the code stays unspent for another try.
    SELECT t.role_name INTO old_role FROM pos.tills t
        WHERE t.outlet_id = code.outlet_id AND t.terminal_id = p_terminal_id FOR UPDATE;
    IF FOUND AND NOT coalesce(p_replace, false) THEN
        RAISE EXCEPTION 'till % is already enrolled in outlet %', p_terminal_id, code.outlet_id
            USING ERRCODE = 'PE004';
    END IF;
    IF FOUND THEN
        DELETE FROM pos.tills t WHERE t.role_name = old_role;
        -- only a till role is ever disabled here, whatever pos.tills says
        IF old_role ~ '^pos_till_' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = old_role)
           AND pg_has_role(old_role, 'pos_till', 'MEMBER') THEN
            EXECUTE format('ALTER ROLE %I NOLOGIN', old_role);
            EXECUTE format('REVOKE pos_till FROM %I', old_role);
        END IF;
    END IF;

    LOOP  -- pos_till_<outlet>_<terminal>_<random>: readable in \\du, unique in the cluster
        new_role := format('pos_till_%s_%s_%s',
                           left(regexp_replace(code.outlet_id, '[^a-z0-9]+', '_', 'g'), 30),
                           lower(p_terminal_id), left(md5(gen_random_uuid()::text), 6));
        BEGIN
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE pos_till',
                           new_role, p_verifier);
            EXIT;
        EXCEPTION WHEN duplicate_object THEN
            tries := tries + 1;
            IF tries > 5 THEN RAISE; END IF;
        END;
    END LOOP;
    INSERT INTO pos.tills (role_name, outlet_id, terminal_id)
        VALUES (new_role, code.outlet_id, p_terminal_id);
    UPDATE pos.enroll_codes c SET used_at = now(), terminal_id = p_terminal_id,
                                  till_role = new_role
        WHERE c.role_name = code.role_name;
    EXECUTE format('ALTER ROLE %I NOLOGIN', code.role_name);
    EXECUTE format('REVOKE pos_enroll FROM %I', code.role_name);
    RETURN QUERY SELECT new_role, code.outlet_id;
END
$$;
"""

# --------------------------------------------------------------------------- privileges

# Nothing by default: functions are executable by PUBLIC unless revoked, tables are not.
GRANTS = """
REVOKE ALL ON SCHEMA pos FROM PUBLIC;
GRANT USAGE ON SCHEMA pos TO pos_owner, pos_till, pos_enroll;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pos FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pos.my_outlet() TO pos_owner, pos_till;
GRANT EXECUTE ON FUNCTION pos.ensure_partitions(date, date) TO pos_owner;
GRANT EXECUTE ON FUNCTION pos.make_enroll_code(text, text, text, timestamptz) TO pos_owner;
GRANT EXECUTE ON FUNCTION pos.redeem_enrollment(text, text, text, boolean) TO pos_enroll;

-- The owner: everything, through the parents (partitions are reached through them and get
-- no grants of their own: RLS is on the parents only).
GRANT ALL ON pos.schema_version, pos.outlets, pos.orders,
    pos.order_lines, pos.payments, pos.refunds, pos.refund_lines, pos.shifts, pos.credits,
    pos.products TO pos_owner;
-- Which role is which till, and the codes: read only. The SECURITY DEFINER functions that
-- write them also drop and disable the roles they name, so a manager with pos_owner must not
-- be able to point them at any other role of the cluster.
REVOKE ALL ON pos.tills, pos.enroll_codes FROM pos_owner;
GRANT SELECT ON pos.tills, pos.enroll_codes TO pos_owner;
GRANT USAGE, SELECT ON SEQUENCE pos.catalog_version TO pos_owner;

-- A till: read and upsert its outlet's sales; no DELETE, no TRUNCATE. Read its catalogue,
-- its own outlet row (catalog_managed) and the schema version (to know it speaks the same).
GRANT SELECT, INSERT, UPDATE ON pos.orders, pos.order_lines, pos.payments, pos.refunds,
    pos.refund_lines, pos.shifts, pos.credits TO pos_till;
GRANT SELECT ON pos.products, pos.outlets, pos.schema_version TO pos_till;

-- Tills and codes connect to this database even where CONNECT was revoked from PUBLIC.
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO pos_owner, pos_till, pos_enroll',
                   current_database());
END
$$;
"""

# Policies: one per command, so that no DELETE policy exists for a till even if someone grants
# DELETE later. The owner's single FOR ALL policy lets pos_owner members see and change all.
_TILL_POLICIES = """
CREATE POLICY till_select ON pos.{t} FOR SELECT TO pos_till
    USING (outlet_id = pos.my_outlet());
CREATE POLICY till_insert ON pos.{t} FOR INSERT TO pos_till
    WITH CHECK (outlet_id = pos.my_outlet());
CREATE POLICY till_update ON pos.{t} FOR UPDATE TO pos_till
    USING (outlet_id = pos.my_outlet()) WITH CHECK (outlet_id = pos.my_outlet());
"""
_READ_ONLY_POLICY = """
CREATE POLICY till_select ON pos.{t} FOR SELECT TO pos_till
    USING (outlet_id = pos.my_outlet());
"""
_OWNER_POLICY = """
CREATE POLICY owner_all ON pos.{t} FOR ALL TO pos_owner USING (true) WITH CHECK (true);
"""


def _rls_ddl() -> str:
    """ENABLE + FORCE RLS on every outlet table (FORCE: the tables' owner is bound too, unless
    a superuser), the owner's policy everywhere, the tills' where they may go."""
    parts: list[str] = []
    for table in OUTLET_TABLES:
        parts.append(f"ALTER TABLE pos.{table} ENABLE ROW LEVEL SECURITY;\n"
                     f"ALTER TABLE pos.{table} FORCE ROW LEVEL SECURITY;")
        parts.append(_OWNER_POLICY.format(t=table))
        if table in SALES_TABLES:
            parts.append(_TILL_POLICIES.format(t=table))
        elif table in ("products", "outlets"):
            parts.append(_READ_ONLY_POLICY.format(t=table))
        # tills, enroll_codes: the owner only (the functions read them as their owner).
    return "\n".join(parts)


def _version_1() -> list[str]:
    """Version 1, one statement group per concern, in order."""
    return [BASE_TABLES, SALES_DDL, INDEXES, CATALOG, MY_OUTLET, ENSURE_PARTITIONS,
            MAKE_ENROLL_CODE, REDEEM_ENROLLMENT, _rls_ddl()]


# --------------------------------------------------------------------------- Python side


@contextmanager
def committed(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """One transaction that is committed on success, whatever mode the connection is in:
    ``conn.transaction()`` alone would only make a savepoint inside a transaction that a
    non-autocommit connection opened implicitly with an earlier query."""
    with conn.transaction():
        yield
    if not conn.autocommit and conn.info.transaction_status == TransactionStatus.INTRANS:
        conn.commit()


def current_version(conn: psycopg.Connection[Any]) -> int:
    """The applied schema version, 0 when ``pos`` has not been created yet."""
    row = conn.execute("SELECT to_regclass('pos.schema_version') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM pos.schema_version").fetchone()
    return int(row[0]) if row else 0


def _months_ago(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def apply_schema(conn: psycopg.Connection[Any], *, today: date | None = None,
                 months_ahead: int = MONTHS_AHEAD) -> int:
    """Create or upgrade the central schema; returns the version now in place.

    One transaction (committed here). Running it again changes nothing, except making the
    partitions of months that have come into the window since (last month to
    ``months_ahead`` ahead) and making the running role a member of ``pos_owner``.
    Raises :class:`SchemaMismatch` when the database is newer than this code.
    """
    today = today or date.today()
    try:
        with committed(conn):
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            version = current_version(conn)
            if version > SCHEMA_VERSION:
                raise SchemaMismatch(f"the central schema is version {version}, newer than "
                                     f"this pos-app knows ({SCHEMA_VERSION}); update pos-app")
            conn.execute(ROLES)
            if version < 1:
                for ddl in _version_1():
                    conn.execute(ddl)
                conn.execute("INSERT INTO pos.schema_version (version) VALUES (1)")
            if version < 2:
                from pos_app.central.reports import INDEXES_DDL, SUMMARIES_DDL

                # No batch may land between the triggers going in and the first fill.
                conn.execute("LOCK TABLE pos.orders, pos.payments, pos.order_lines"
                             " IN SHARE ROW EXCLUSIVE MODE")
                conn.execute(SUMMARIES_DDL)
                conn.execute(INDEXES_DDL)
                conn.execute("SELECT pos.rebuild_sales_summaries(NULL, NULL)")
                conn.execute("INSERT INTO pos.schema_version (version) VALUES (2)")
            if version < 3:
                # A database made by version 2 has the old 3-argument redeem_enrollment (it
                # replaced a till without asking) and the old code-dropping loop; the grants
                # below then make the owner read-only on tills and codes.
                conn.execute("DROP FUNCTION IF EXISTS pos.redeem_enrollment(text, text, text)")
                conn.execute(MAKE_ENROLL_CODE)
                conn.execute(REDEEM_ENROLLMENT)
                from pos_app.central.reports import SUMMARIES_DDL

                conn.execute(SUMMARIES_DDL)  # CREATE OR REPLACE: the outlet checks
                conn.execute("ALTER TABLE pos.outlets ALTER COLUMN catalog_managed"
                             " SET DEFAULT false")
                conn.execute("INSERT INTO pos.schema_version (version) VALUES (3)")
            # Also on an upgrade run: functions may have been redefined, and a new object
            # starts with PUBLIC's defaults. Every statement here is idempotent.
            conn.execute(GRANTS)
            conn.execute("GRANT pos_owner TO current_user")
            conn.execute("SELECT pos.ensure_partitions(%s, %s)",
                         (_months_ago(today, 1), _months_ago(today, -months_ahead)))
            return current_version(conn)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise AuthRefused(f"this role may not create the central schema "
                          f"({error_detail(exc)}); run `pos-app central init` as the superuser "
                          "or a role with CREATEROLE that owns the database (PostgreSQL 16+: "
                          "and holds pos_owner, pos_till, pos_enroll WITH ADMIN OPTION)"
                          ) from None


def ensure_partitions(conn: psycopg.Connection[Any], first: date, last: date) -> int:
    """Make the monthly partitions for every month from ``first`` to ``last`` (inclusive);
    returns how many tables were made (three per new month). Commits."""
    with committed(conn):
        row = conn.execute("SELECT pos.ensure_partitions(%s, %s)", (first, last)).fetchone()
    return int(row[0]) if row else 0


def slug(name: str) -> str:
    """The outlet id for a name: ``Toko Bandung`` -> ``toko-bandung`` (ASCII, lower case,
    words joined by ``-``, at most 40 characters)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].rstrip("-")
    if not value:
        raise BadOutlet(f"an outlet name needs letters or digits (got {name!r})")
    return value


def find_outlet(conn: psycopg.Connection[Any], name: str) -> str | None:
    """The id of the outlet called ``name`` (or whose id is its slug), None when there is none."""
    try:
        row = conn.execute("SELECT outlet_id FROM pos.outlets WHERE outlet_id = %s OR name = %s",
                           (slug(name), " ".join(name.split()))).fetchone()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise AuthRefused(f"this role may not read the outlets ({error_detail(exc)}); connect "
                          "as the owner (a member of pos_owner)") from None
    return str(row[0]) if row else None


def add_outlet(conn: psycopg.Connection[Any], name: str) -> str:
    """Create the outlet ``name`` (or find it: the same slug is the same outlet); returns its
    id. Commits."""
    clean = " ".join(name.split())
    outlet_id = slug(clean)
    if outlet_id == "all":  # `--outlet all` and "Semua outlet" mean every outlet
        raise CentralError("an outlet can't be called 'all': that word means every outlet")
    try:
        with committed(conn):
            conn.execute("INSERT INTO pos.outlets (outlet_id, name) VALUES (%s, %s) "
                         "ON CONFLICT DO NOTHING", (outlet_id, clean))
    except psycopg.errors.InsufficientPrivilege as exc:
        raise AuthRefused(f"this role may not add outlets ({error_detail(exc)}); connect as "
                          "the owner (a member of pos_owner)") from None
    found = find_outlet(conn, clean)
    if found is None:  # the name is taken by an outlet with another slug: can't happen by slug
        raise CentralError(f"outlet {clean!r} could not be created")
    return found
