"""The ``users`` table: staff accounts, their PIN hashes and lockouts (rules in ``pos_app.staff``).

Every change is one transaction with its audit row (who did it: ``actor``). A PIN check that
fails is written too -- the count of failures must survive a restart of the app, or a locked
user would only have to wait for the next start.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import replace
from datetime import datetime

from pos_app.clock import from_iso, to_iso
from pos_app.staff import (
    MAX_FAILURES,
    LockedOut,
    Role,
    StaffError,
    UnknownUser,
    User,
    UserExists,
    WrongPin,
    after_failure,
    check_name,
    hash_pin,
    pin_matches,
)
from pos_app.storage.database import Database

_COLUMNS = "id, name, role, active, failed_attempts, locked_until"


def _user(row: sqlite3.Row) -> User:
    locked = row["locked_until"]
    return User(row["id"], row["name"], Role(row["role"]), bool(row["active"]),
                int(row["failed_attempts"]), from_iso(locked) if locked else None)


def add_user(db: Database, name: str, role: Role, pin: str, now: datetime, *,
             actor: str, demo: bool = False) -> User:
    name = check_name(name)
    pin_hash = hash_pin(pin)  # checks the PIN; slow on purpose: outside the transaction
    user = User(str(uuid.uuid4()), name, role)
    try:
        with db.transaction() as conn:
            conn.execute(
                "INSERT INTO users (id, name, role, pin_hash, created_at, updated_at, demo)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user.id, name, role.value, pin_hash, to_iso(now), to_iso(now), int(demo)))
            db.audit(conn, actor, "user_added",
                     details=json.dumps({"user": name, "role": role.value}))
    except sqlite3.IntegrityError:
        raise UserExists(name) from None
    return user


def list_users(db: Database) -> list[User]:
    return [_user(r) for r in db.query(
        f"SELECT {_COLUMNS} FROM users ORDER BY role = 'cashier', name COLLATE NOCASE")]


def get_user(db: Database, name: str) -> User:
    row = db.query_one(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (" ".join(name.split()),))
    if row is None:
        raise UnknownUser(name)
    return _user(row)


def ensure_demo_user(db: Database, name: str, role: Role, pin: str, now: datetime) -> None:
    """Demo mode's account ``name``: made, or active again (a real shop's own accounts of the
    same name are left alone)."""
    try:
        add_user(db, name, role, pin, now, actor="demo", demo=True)
    except UserExists:
        with db.transaction() as conn:
            conn.execute("UPDATE users SET active = 1 WHERE name = ? AND demo = 1", (name,))


def retire_demo_users(db: Database, now: datetime) -> int:
    """Deactivate demo mode's accounts (their PIN is printed on the screen and in the README):
    a till that runs for real must never accept them. How many were active."""
    with db.transaction() as conn:
        n = conn.execute("UPDATE users SET active = 0, updated_at = ? WHERE demo = 1"
                         " AND active = 1", (to_iso(now),)).rowcount
        if n:
            db.audit(conn, "setup", "demo_users_retired", details=json.dumps({"count": n}))
    return int(n)


def first_real_owner(db: Database) -> str | None:
    """The name of the shop's first active owner that is not a demo account, or None."""
    row = db.query_one("SELECT name FROM users WHERE role = 'owner' AND active = 1 AND demo = 0"
                       " ORDER BY created_at, name LIMIT 1")
    return None if row is None else str(row["name"])


def owner_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM users WHERE role = 'owner' AND active = 1"))


def set_pin(db: Database, name: str, pin: str, now: datetime, *, actor: str) -> None:
    """A new PIN (and the lock lifted: the owner who sets it has checked who is asking)."""
    user = get_user(db, name)
    pin_hash = hash_pin(pin)
    with db.transaction() as conn:
        conn.execute("UPDATE users SET pin_hash = ?, failed_attempts = 0, locked_until = NULL,"
                     " updated_at = ? WHERE id = ?", (pin_hash, to_iso(now), user.id))
        db.audit(conn, actor, "user_pin_set", details=json.dumps({"user": user.name}))


class LastOwner(StaffError):
    """Deactivating this owner would leave the shop without one (nobody could approve)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is the last active owner and can't be deactivated",
                         f"{name} adalah pemilik aktif terakhir: tidak bisa dinonaktifkan")


def set_active(db: Database, name: str, active: bool, now: datetime, *, actor: str) -> User:
    """Activate or deactivate a user; the user as it is now. Deactivating the last active owner
    raises :class:`LastOwner`: refunds, voids and the staff list need one. The check and the
    change are one transaction, so two tills can't each deactivate one of the last two."""
    with db.transaction() as conn:
        row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?",
                           (" ".join(name.split()),)).fetchone()
        if row is None:
            raise UnknownUser(name)
        user = _user(row)
        if user.active == active:
            return user  # nothing changes, nothing to audit
        if not active and user.role is Role.OWNER:
            owners = conn.execute("SELECT count(*) FROM users WHERE role = 'owner'"
                                  " AND active = 1").fetchone()[0]
            if owners <= 1:
                raise LastOwner(user.name)
        conn.execute("UPDATE users SET active = ?, updated_at = ? WHERE id = ?",
                     (int(active), to_iso(now), user.id))
        db.audit(conn, actor, "user_activated" if active else "user_deactivated",
                 details=json.dumps({"user": user.name}))
    return replace(user, active=active)


def sign_in(db: Database, name: str, pin: str, now: datetime) -> User:
    """The user, when ``pin`` is theirs; :class:`WrongPin` (with the tries left),
    :class:`LockedOut` or :class:`UnknownUser` otherwise. Inactive users can't sign in."""
    row = db.query_one(f"SELECT {_COLUMNS}, pin_hash FROM users WHERE name = ? AND active = 1",
                       (" ".join(name.split()),))
    if row is None:
        raise UnknownUser(name)
    user = _user(row)
    if user.locked(now):
        assert user.locked_until is not None
        raise LockedOut(user.locked_until)
    if pin_matches(row["pin_hash"], pin):
        if user.failed_attempts or user.locked_until:
            with db.transaction() as conn:
                conn.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL"
                             " WHERE id = ?", (user.id,))
        return user
    failures, locked_until = after_failure(user, now)
    with db.transaction() as conn:
        conn.execute("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                     (failures, to_iso(locked_until) if locked_until else None, user.id))
        if locked_until is not None:
            db.audit(conn, f"user:{user.name}", "user_locked",
                     details=json.dumps({"until": to_iso(locked_until)}))
    if locked_until is not None:
        raise LockedOut(locked_until)
    raise WrongPin(MAX_FAILURES - failures)
