"""Enrollment (pos_app/central/enroll.py): a one-time code becomes a till's own role; a code
works once, for one outlet, until it expires; no password is ever in an exception's text."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest

from pos_app.central import enroll
from pos_app.central.connect import connect
from pos_app.central.enroll import TillCredentials, make_code, parse_code, redeem
from pos_app.central.errors import AuthRefused, BadCode, CentralError, TerminalTaken
from pos_app.central.schema import add_outlet, apply_schema
from tests.pg_cluster import CentralDb, PgCluster, _drop, _new_db, admin_may_grant_groups

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def owner_conn(db: CentralDb) -> psycopg.Connection[Any]:
    return psycopg.connect(db.url)


def till_url(db: CentralDb) -> str:
    """What a till is given: the database's URL without any credentials."""
    return db.cluster.url(db.dbname, user=None)


def order(outlet: str, terminal: str = "K1") -> dict[str, Any]:
    return {"outlet_id": outlet, "uuid": uuid.uuid4(), "order_id": f"{terminal}-20261206-0001",
            "terminal_id": terminal, "business_date": date(2026, 12, 6), "seq": 1,
            "status": "paid", "subtotal": 1000, "total": 1000, "created_at": NOW,
            "updated_at": NOW}


def insert_order(conn: psycopg.Connection[Any], row: dict[str, Any]) -> None:
    conn.execute(f"INSERT INTO pos.orders ({', '.join(row)}) VALUES"
                 f" ({', '.join(['%s'] * len(row))})", list(row.values()))


def assert_no_secret(exc: BaseException, *secrets: str) -> None:
    text = f"{exc} {exc!r} {exc.args!r}"
    for secret in secrets:
        assert secret not in text
        assert secret.replace("-", "") not in text


# --------------------------------------------------------------------------- the code


def test_codes_are_grouped_unambiguous_and_case_insensitive(central_db: CentralDb) -> None:
    with owner_conn(central_db) as conn:
        codes = {make_code(conn, "Toko Bandung") for _ in range(5)}
    assert len(codes) == 5
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert set(code.replace("-", "")) <= set(enroll.ALPHABET)
        assert not set("01OIL") & set(code)
        role, secret = parse_code(code)
        assert parse_code(" " + code.lower().replace("-", " ") + "\n") == (role, secret)
        assert role.startswith("pos_enroll_") and len(secret) == 12
    with pytest.raises(BadCode, match="16 letters"):
        parse_code("ABCD-EFGH")
    with pytest.raises(BadCode, match="'0', 'O'"):
        parse_code("ABCD-EFGH-JKMN-PQ0O")


def test_a_code_leaves_only_a_hash_on_the_server(central_db: CentralDb) -> None:
    with owner_conn(central_db) as conn:
        code = make_code(conn, "Toko Bandung", ttl=timedelta(hours=2))
        role, secret = parse_code(code)
        row = conn.execute("SELECT outlet_id, expires_at - created_at, used_at FROM"
                           " pos.enroll_codes WHERE role_name = %s", (role,)).fetchone()
        auth = conn.execute("SELECT rolpassword, rolvaliduntil IS NOT NULL, rolcanlogin"
                            " FROM pg_authid WHERE rolname = %s", (role,)).fetchone()
        members = conn.execute("SELECT b.rolname FROM pg_auth_members m JOIN pg_roles a ON"
                               " a.oid = m.member JOIN pg_roles b ON b.oid = m.roleid"
                               " WHERE a.rolname = %s", (role,)).fetchall()
    assert row == ("toko-bandung", timedelta(hours=2), None)
    assert auth is not None and auth[0].startswith("SCRAM-SHA-256$") and secret not in auth[0]
    assert auth[1:] == (True, True)
    assert members == [("pos_enroll",)]


# --------------------------------------------------------------------------- redeem


def test_a_redeemed_code_gives_the_till_a_role_of_its_own(central_db: CentralDb) -> None:
    with owner_conn(central_db) as conn:
        code = make_code(conn, "Toko Bandung")
        add_outlet(conn, "Toko Bogor")
    creds = redeem(till_url(central_db), "Toko Bandung", code, "K2")
    assert isinstance(creds, TillCredentials)
    assert creds.outlet_id == "toko-bandung"
    assert creds.role.startswith("pos_till_toko_bandung_k2_")
    assert len(creds.password) >= 32
    assert creds.password not in repr(creds)

    with connect(till_url(central_db), user=creds.role, password=creds.password) as till:
        assert till.execute("SELECT pos.my_outlet()").fetchone() == ("toko-bandung",)
        insert_order(till, order("toko-bandung", "K2"))
        till.commit()
        assert till.execute("SELECT count(*) FROM pos.orders").fetchone() == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            insert_order(till, order("toko-bogor", "K2"))

    with owner_conn(central_db) as conn:
        assert conn.execute("SELECT role_name, outlet_id, terminal_id FROM pos.tills"
                            ).fetchall() == [(creds.role, "toko-bandung", "K2")]
        used = conn.execute("SELECT used_at IS NOT NULL, terminal_id, till_role FROM"
                            " pos.enroll_codes").fetchone()
        assert used == (True, "K2", creds.role)
        temp = parse_code(code)[0]
        assert conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (temp,)
                            ).fetchone() == (False,)
        # The next code drops the spent role.
        make_code(conn, "Toko Bogor")
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (temp,)
                            ).fetchone() == (0,)


def test_a_code_works_once(central_db: CentralDb) -> None:
    with owner_conn(central_db) as conn:
        code = make_code(conn, "Toko Bandung")
    creds = redeem(till_url(central_db), "Toko Bandung", code, "K1")
    with pytest.raises(BadCode, match="wrong, used or expired") as info:
        redeem(till_url(central_db), "Toko Bandung", code, "K2")
    assert_no_secret(info.value, code, creds.password)


def test_a_wrong_code_is_refused(central_db: CentralDb) -> None:
    with owner_conn(central_db) as conn:
        code = make_code(conn, "Toko Bandung")
    role_part = code[:4]
    other = enroll.format_code(role_part, "23456789ABCD")  # right id, wrong secret
    if other == code:  # one chance in 31**12
        other = enroll.format_code(role_part, "DCBA98765432")
    with pytest.raises(BadCode, match="wrong, used or expired") as info:
        redeem(till_url(central_db), "Toko Bandung", other, "K1")
    assert_no_secret(info.value, other, code)
    with pytest.raises(BadCode):  # an id nobody made
        redeem(till_url(central_db), "Toko Bandung", "ZZZZ-2345-6789-ABCD", "K1")
    # The right code still works afterwards.
    assert redeem(till_url(central_db), "Toko Bandung", code, "K1").outlet_id == "toko-bandung"


def test_an_expired_code_is_refused(central_db: CentralDb) -> None:
    with owner_conn(central_db) as conn:
        code = make_code(conn, "Toko Bandung", ttl=timedelta(seconds=1))
    time.sleep(1.5)
    with pytest.raises(BadCode, match="wrong, used or expired") as info:
        redeem(till_url(central_db), "Toko Bandung", code, "K1")
    assert_no_secret(info.value, code)
    with owner_conn(central_db) as conn:
        assert conn.execute("SELECT count(*) FROM pos.tills").fetchone() == (0,)


def test_a_code_for_another_outlet_is_refused_and_stays_usable(central_db: CentralDb) -> None:
    with owner_conn(central_db) as conn:
        code = make_code(conn, "Toko Bandung")
        add_outlet(conn, "Toko Bogor")
    for outlet in ("Toko Bogor", "Toko Nowhere"):
        with pytest.raises(BadCode, match=f"not for outlet '{outlet}'") as info:
            redeem(till_url(central_db), outlet, code, "K1")
        assert_no_secret(info.value, code)
    assert redeem(till_url(central_db), "toko bandung", code, "K1").outlet_id == \
        "toko-bandung"


def test_a_second_till_with_a_taken_id_is_refused_and_keeps_its_code(
        central_db: CentralDb) -> None:
    # A second PC left at the default id "K1" must not shut the first one out.
    with owner_conn(central_db) as conn:
        first_code, second_code = make_code(conn, "Toko Bandung"), make_code(conn, "Toko Bandung")
    first = redeem(till_url(central_db), "Toko Bandung", first_code, "K1")
    with pytest.raises(TerminalTaken, match="store.terminal_id K2") as info:
        redeem(till_url(central_db), "Toko Bandung", second_code, "K1")
    assert info.value.usage
    connect(till_url(central_db), user=first.role, password=first.password).close()  # still in
    second = redeem(till_url(central_db), "Toko Bandung", second_code, "K2")  # the same code
    assert second.role != first.role


def test_an_owner_cannot_point_the_enrollment_functions_at_other_roles(
        central_db: CentralDb) -> None:
    # pos_owner reads which role is which till, but can't write it: the SECURITY DEFINER
    # functions that drop and disable the roles named there must only ever see their own.
    victim, victim_password = central_db.login("victim")
    manager, password = central_db.login("manager", "pos_owner")
    with psycopg.connect(central_db.url_for(manager, password)) as conn:
        outlet = add_outlet(conn, "Toko Bandung")
        conn.commit()
        for stmt, args in (
                ("INSERT INTO pos.tills (role_name, outlet_id, terminal_id) VALUES (%s, %s, 'K1')",
                 (victim, outlet)),
                ("INSERT INTO pos.enroll_codes (role_name, outlet_id, expires_at)"
                 " VALUES (%s, %s, now() - interval '1 day')", (victim, outlet))):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(stmt, args)
            conn.rollback()
        assert conn.execute("SELECT count(*) FROM pos.tills").fetchone() == (0,)  # may read
        make_code(conn, "Toko Bandung")
    connect(central_db.url, user=victim, password=victim_password).close()  # untouched


def test_re_enrolling_a_till_replaces_its_old_role(central_db: CentralDb) -> None:
    with owner_conn(central_db) as conn:
        first_code, second_code = make_code(conn, "Toko Bandung"), make_code(conn, "Toko Bandung")
    first = redeem(till_url(central_db), "Toko Bandung", first_code, "K1")
    second = redeem(till_url(central_db), "Toko Bandung", second_code, "K1", replace=True)
    assert first.role != second.role
    with pytest.raises(AuthRefused) as info:
        connect(till_url(central_db), user=first.role, password=first.password)
    assert_no_secret(info.value, first.password)
    with owner_conn(central_db) as conn:
        assert conn.execute("SELECT role_name FROM pos.tills").fetchall() == [(second.role,)]


def test_make_code_needs_the_owner(central_db: CentralDb) -> None:
    role, password = central_db.login("nobody")
    with (psycopg.connect(central_db.url_for(role, password)) as conn,
          pytest.raises(AuthRefused, match="pos_owner")):
        make_code(conn, "Toko Bandung")
    with owner_conn(central_db) as conn, pytest.raises(CentralError, match="valid for"):
        make_code(conn, "Toko Bandung", ttl=timedelta(days=31))


def test_an_owner_without_createrole_makes_codes_through_the_schema(
        central_db: CentralDb) -> None:
    owner, password = central_db.login("owner", "pos_owner")
    with psycopg.connect(central_db.url_for(owner, password)) as conn:
        code = make_code(conn, "Toko Bandung")
    assert redeem(till_url(central_db), "Toko Bandung", code, "K1").role


def test_enrollment_under_a_createrole_admin(pg_cluster: PgCluster) -> None:
    """`central init` run by a dedicated admin (CREATEROLE, owns the database), not the
    superuser: the SECURITY DEFINER functions create the roles with the admin's rights."""
    helper = _new_db(pg_cluster)
    admin, password = helper.login("pos_admin", createrole=True)
    admin_may_grant_groups(pg_cluster, admin)
    db = _new_db(pg_cluster, owner=admin)
    try:
        with psycopg.connect(db.url_for(admin, password)) as conn:
            apply_schema(conn)
            code = make_code(conn, "Toko Bandung")
        creds = redeem(till_url(db), "Toko Bandung", code, "K1")
        with connect(till_url(db), user=creds.role, password=creds.password) as till:
            insert_order(till, order("toko-bandung"))
            till.commit()
        with psycopg.connect(db.url_for(admin, password)) as conn:
            assert conn.execute("SELECT count(*) FROM pos.orders").fetchone() == (1,)
    finally:
        _drop(db)
        _drop(helper)
