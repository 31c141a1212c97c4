"""Staff accounts and PINs: salted scrypt hashes, the five-wrong-PINs lock, and the real
``pos-app user`` commands (the PIN from stdin, never an argument, never printed or logged)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from pos_app.staff import (
    LOCK_FOR,
    LockedOut,
    PinInvalid,
    Role,
    UnknownUser,
    UserExists,
    WrongPin,
    hash_pin,
    pin_matches,
)
from pos_app.storage import staff
from pos_app.storage.database import Database
from tests.cli_helpers import run
from tests.conftest import FakeClock


# -- hashing ---------------------------------------------------------------------------------
def test_a_pin_is_stored_as_a_salted_scrypt_hash() -> None:
    first, second = hash_pin("123456"), hash_pin("123456")
    assert first != second  # a salt per PIN: equal PINs, different hashes
    scheme, n, r, p, salt, digest = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert hashlib.scrypt(b"123456", salt=bytes.fromhex(salt), n=16384, r=8, p=1,
                          dklen=32).hex() == digest
    assert "123456" not in first
    assert pin_matches(first, "123456") and pin_matches(second, "123456")
    assert not pin_matches(first, "123457")
    assert not pin_matches("scrypt$garbage", "123456")


@pytest.mark.parametrize("pin", ["123", "1234567", "12a4", "", " 1234", "١٢٣٤"])
def test_a_pin_is_four_to_six_ascii_digits(pin: str) -> None:
    with pytest.raises(PinInvalid):
        hash_pin(pin)


# -- the table -------------------------------------------------------------------------------
def test_users_are_added_once_by_name_ignoring_case(db: Database, clock: FakeClock) -> None:
    staff.add_user(db, "Bu Sri", Role.OWNER, "1234", clock(), actor="test")
    with pytest.raises(UserExists):
        staff.add_user(db, "bu  sri", Role.CASHIER, "5678", clock(), actor="test")
    staff.add_user(db, "Andi", Role.CASHIER, "5678", clock(), actor="test")
    assert [(u.name, u.role) for u in staff.list_users(db)] == [
        ("Bu Sri", Role.OWNER), ("Andi", Role.CASHIER)]
    assert staff.owner_count(db) == 1
    actions = [r["action"] for r in db.query("SELECT action FROM audit_log")]
    assert actions == ["user_added", "user_added"]


def test_five_wrong_pins_lock_the_user_for_five_minutes(db: Database, clock: FakeClock) -> None:
    staff.add_user(db, "Andi", Role.CASHIER, "5678", clock(), actor="test")
    lefts = []
    for _ in range(4):
        with pytest.raises(WrongPin) as wrong:
            staff.sign_in(db, "Andi", "0000", clock())
        lefts.append(wrong.value.left)
    assert lefts == [4, 3, 2, 1]
    with pytest.raises(LockedOut):
        staff.sign_in(db, "Andi", "0000", clock())
    # Locked: even the right PIN is refused until the five minutes are over.
    clock.advance(LOCK_FOR.total_seconds() - 1)
    with pytest.raises(LockedOut):
        staff.sign_in(db, "Andi", "5678", clock())
    clock.advance(2)
    assert staff.sign_in(db, "Andi", "5678", clock()).name == "Andi"
    assert staff.get_user(db, "Andi").failed_attempts == 0
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'user_locked'") == 1


def test_a_right_pin_clears_the_count_and_a_lock_survives_a_restart(
        tmp_path: Path, clock: FakeClock) -> None:
    from pos_app.storage import open_database

    path = tmp_path / "staff.sqlite3"
    db = open_database(path)
    staff.add_user(db, "Andi", Role.CASHIER, "5678", clock(), actor="test")
    for _ in range(3):
        with pytest.raises(WrongPin):
            staff.sign_in(db, "Andi", "1111", clock())
    staff.sign_in(db, "Andi", "5678", clock())
    for _ in range(5):
        with pytest.raises((WrongPin, LockedOut)):
            staff.sign_in(db, "Andi", "1111", clock())
    db.close()
    db = open_database(path)  # the app restarted: still locked
    try:
        with pytest.raises(LockedOut):
            staff.sign_in(db, "Andi", "5678", clock() + timedelta(seconds=10))
    finally:
        db.close()


def test_set_pin_replaces_the_pin_and_lifts_the_lock(db: Database, clock: FakeClock) -> None:
    staff.add_user(db, "Andi", Role.CASHIER, "5678", clock(), actor="test")
    for _ in range(5):
        with pytest.raises((WrongPin, LockedOut)):
            staff.sign_in(db, "Andi", "1111", clock())
    staff.set_pin(db, "andi", "2468", clock(), actor="owner:Bu Sri")
    assert staff.sign_in(db, "Andi", "2468", clock()).role is Role.CASHIER
    with pytest.raises(WrongPin):
        staff.sign_in(db, "Andi", "5678", clock())
    with pytest.raises(UnknownUser):
        staff.sign_in(db, "Budi", "5678", clock())


def test_set_active_never_leaves_the_shop_without_an_owner(db: Database,
                                                          clock: FakeClock) -> None:
    from pos_app.storage.staff import LastOwner

    staff.add_user(db, "Bu Sri", Role.OWNER, "1234", clock(), actor="test")
    staff.add_user(db, "Andi", Role.CASHIER, "5678", clock(), actor="test")
    with pytest.raises(LastOwner) as last:
        staff.set_active(db, "bu sri", False, clock(), actor="user:Bu Sri")
    assert last.value.message_id == (
        "Bu Sri adalah pemilik aktif terakhir: tidak bisa dinonaktifkan")
    assert staff.get_user(db, "Bu Sri").active

    andi = staff.set_active(db, "Andi", False, clock(), actor="user:Bu Sri")
    assert not andi.active and not staff.get_user(db, "Andi").active
    with pytest.raises(UnknownUser):  # an inactive user can't sign in
        staff.sign_in(db, "Andi", "5678", clock())
    staff.set_active(db, "Andi", False, clock(), actor="user:Bu Sri")  # already: no change
    assert staff.set_active(db, "Andi", True, clock(), actor="user:Bu Sri").active
    assert staff.sign_in(db, "Andi", "5678", clock()).name == "Andi"

    # With a second owner, either may go, but not both.
    staff.add_user(db, "Pak Budi", Role.OWNER, "2468", clock(), actor="test")
    staff.set_active(db, "Bu Sri", False, clock(), actor="user:Pak Budi")
    with pytest.raises(LastOwner):
        staff.set_active(db, "Pak Budi", False, clock(), actor="user:Pak Budi")
    assert staff.owner_count(db) == 1
    with pytest.raises(UnknownUser):
        staff.set_active(db, "Tono", False, clock(), actor="test")
    audit = [(r["actor"], r["action"], json.loads(r["details"])["user"]) for r in db.query(
        "SELECT actor, action, details FROM audit_log WHERE action LIKE 'user_%activated'"
        " ORDER BY id")]
    assert audit == [("user:Bu Sri", "user_deactivated", "Andi"),
                     ("user:Bu Sri", "user_activated", "Andi"),
                     ("user:Pak Budi", "user_deactivated", "Bu Sri")]


# -- the command line ------------------------------------------------------------------------
def test_user_commands_take_the_pin_from_stdin_and_never_show_it(data_dir: Path) -> None:
    r = run(data_dir, "user", "add", "Bu Sri", "--role", "owner", stdin="482916\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "added owner Bu Sri"
    r = run(data_dir, "user", "add", "Andi", "--role", "cashier", stdin="12a4\n")
    assert r.returncode == 2 and r.stderr.strip() == "pos-app: the PIN must be 4 to 6 digits"
    r = run(data_dir, "user", "add", "BU SRI", "--role", "cashier", stdin="135790\n")
    assert r.returncode == 2 and "already exists" in r.stderr
    r = run(data_dir, "user", "add", "Andi", "--role", "cashier", stdin="135790\n")
    assert r.returncode == 0, r.stderr
    r = run(data_dir, "user", "list", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [
        {"name": "Bu Sri", "role": "owner", "active": True, "locked_until": None},
        {"name": "Andi", "role": "cashier", "active": True, "locked_until": None}]
    r = run(data_dir, "user", "set-pin", "andi", stdin="975310\n")
    assert r.returncode == 0 and r.stdout.strip() == "new PIN set for Andi"
    r = run(data_dir, "user", "set-pin", "Budi", stdin="975310\n")
    assert r.returncode == 2 and "no user named 'Budi'" in r.stderr
    r = run(data_dir, "user", "add", "Tono", "--role", "boss", stdin="1234\n")
    assert r.returncode == 2
    everything = "".join(p.read_text(errors="replace") for p in data_dir.rglob("*.log*"))
    for pin in ("482916", "135790", "975310"):
        assert pin not in everything
        assert pin.encode() not in (data_dir / "pos.sqlite3").read_bytes()


def test_demo_accounts_never_sign_in_for_real(db, clock) -> None:  # type: ignore[no-untyped-def]
    """Demo mode's owner has PIN 1234 on the screen: once the till runs for real (a provider
    set up), those accounts are retired and the shop's first owner is asked for."""
    from pos_app.staff import Role, UnknownUser
    from pos_app.storage import staff as store

    store.ensure_demo_user(db, "Pemilik Demo", Role.OWNER, "1234", clock())
    store.ensure_demo_user(db, "Pemilik Demo", Role.OWNER, "1234", clock())  # again: no error
    assert store.owner_count(db) == 1
    assert store.retire_demo_users(db, clock()) == 1
    assert store.owner_count(db) == 0
    with pytest.raises(UnknownUser):
        store.sign_in(db, "Pemilik Demo", "1234", clock())
    real = store.add_user(db, "Bu Sari", Role.OWNER, "2468", clock(), actor="setup")
    assert store.retire_demo_users(db, clock()) == 0 and store.owner_count(db) == 1
    store.ensure_demo_user(db, "Pemilik Demo", Role.OWNER, "1234", clock())  # --demo again
    assert store.sign_in(db, "Pemilik Demo", "1234", clock()).role is Role.OWNER
    assert store.sign_in(db, "Bu Sari", "2468", clock()).id == real.id
