"""The SQLite file: opening it, its pragmas, migrations, transactions and backups.

One connection per process, shared by threads behind a lock; every write that matters runs in
``Database.transaction()`` (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a sale is either all there
or not there at all, even after ``kill -9``. WAL keeps readers from blocking the writer, and
``synchronous=FULL`` makes every commit durable against power loss too, which a till in a
warung with an unreliable mains supply needs more than the last millisecond.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pos_app.clock import to_iso, utcnow
from pos_app.storage.migrations import MIGRATIONS, Migration

log = logging.getLogger(__name__)


class StorageError(Exception):
    """Something about the database file stops the app (corrupt, too new, locked)."""


class MigrationError(StorageError):
    """A migration failed; the file was left as it was before."""


class Database:
    """The open database: a lock-guarded connection plus sqlite-utils' helpers over it."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.conn = conn
        self.path = path
        self.lock = threading.RLock()
        self._utils: Any = None

    @property
    def utils(self) -> Any:
        """sqlite-utils over the same connection, for bulk work (imports, exports). Imported on
        first use: it pulls in click and plugins (~45 ms), which a till start doesn't need."""
        if self._utils is None:
            import sqlite_utils

            self._utils = sqlite_utils.Database(self.conn)
        return self._utils

    # -- reading -----------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        with self.lock:
            return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self.query_one(sql, params)
        return None if row is None else row[0]

    # -- writing -----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work. Nested use joins the outer transaction."""
        with self.lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    def audit(
        self,
        conn: sqlite3.Connection,
        actor: str,
        action: str,
        *,
        order_id: str | None = None,
        payment_id: str | None = None,
        details: str = "{}",
    ) -> None:
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, order_id, payment_id, details)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (to_iso(utcnow()), actor, action, order_id, payment_id, details),
        )

    @property
    def schema_version(self) -> int:
        return int(self.scalar("PRAGMA user_version"))

    def backup_to(self, target: Path) -> Path:
        """A consistent copy of the live database (SQLite's online backup API)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(target)
        try:
            with self.lock:
                self.conn.backup(dest)
        finally:
            dest.close()
        return target

    def close(self) -> None:
        with self.lock:
            try:
                self.conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self.conn.close()


def _connect(path: Path | str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,  # we issue BEGIN/COMMIT ourselves
        check_same_thread=False,  # guarded by Database.lock
        timeout=10.0,
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 10000")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(path) != ":memory:" and mode.lower() != "wal":
        raise StorageError(f"could not switch {path} to WAL mode (got {mode})")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def apply_migrations(
    conn: sqlite3.Connection,
    path: Path | None,
    migrations: Sequence[Migration] = MIGRATIONS,
    backup_dir: Path | None = None,
) -> list[int]:
    """Bring the file up to the newest schema; returns the versions applied."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise StorageError(
            f"{path} has schema version {current}, newer than this pos-app knows ({latest}); "
            "install the newer pos-app or restore a backup"
        )
    pending = [m for m in migrations if m.version > current]
    if not pending:
        return []
    if current > 0 and path is not None and backup_dir is not None:
        # A copy before touching a file with data in it: cheap insurance for the shop owner.
        stamp = to_iso(utcnow()).replace(":", "").replace("-", "")
        dest = backup_dir / f"pos-before-v{pending[0].version}-{stamp}.sqlite3"
        dest.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(str(path))
        try:
            out = sqlite3.connect(str(dest))
            src.backup(out)
            out.close()
        finally:
            src.close()
        log.info("backed up %s to %s before migrating", path, dest)
    applied: list[int] = []
    for migration in pending:
        script = f"BEGIN IMMEDIATE;\n{migration.sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
        try:
            conn.executescript(script)
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise MigrationError(
                f"migration {migration.version} ({migration.name}) failed: {exc}; "
                f"{path or 'the database'} is unchanged at schema version "
                f"{int(conn.execute('PRAGMA user_version').fetchone()[0])}"
            ) from exc
        log.info("applied migration %d (%s)", migration.version, migration.name)
        applied.append(migration.version)
    return applied


def open_database(
    path: Path | str,
    *,
    migrations: Sequence[Migration] = MIGRATIONS,
    backup_dir: Path | None = None,
) -> Database:
    """Open (creating if needed) and migrate the database at ``path``."""
    p = None if str(path) == ":memory:" else Path(path)
    if p is not None:
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = _connect(path)
        # Fail early and clearly on a file that is not a database at all.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path} is not a usable pos-app database: {exc}") from exc
    try:
        apply_migrations(conn, p, migrations, backup_dir)
    except BaseException:
        conn.close()
        raise
    return Database(conn, p)


def copy_file_database(src: Path, dest: Path) -> None:
    """Copy a closed database file with its WAL side files (used by restore)."""
    for suffix in ("", "-wal", "-shm"):
        s = Path(str(src) + suffix)
        if s.exists():
            shutil.copy2(s, Path(str(dest) + suffix))
