"""The SQLite file: opening it, its pragmas, migrations, transactions and backups.

One connection per process, shared by threads behind a lock; every write that matters runs in
``Database.transaction()`` (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a sale is either all there
or not there at all, even after ``kill -9``. WAL keeps readers from blocking the writer, and
``synchronous=FULL`` makes every commit durable against power loss too, which a till in a
warung with an unreliable mains supply needs more than the last millisecond.

Opening checks the file before anything is written to it:

* ``PRAGMA quick_check`` (every page's structure, not the slower index-vs-table comparison of
  ``integrity_check``): a damaged file raises :class:`DatabaseDamaged`, whose message names the
  newest backup to ``pos-app restore``. Writing sales into a damaged file would only spread the
  damage and hide the day's sales from the restore.
* A zero-byte ``pos.sqlite3`` is what a lost database often looks like (a crashed copy, a full
  disk during a restore); it raises :class:`EmptyDatabase` unless the caller says the data dir is
  new, instead of quietly becoming an empty shop.
* ``read_only=True`` opens the file without writing anything (a read-only data dir): reports
  still work, every write fails at once.

The file and its WAL/SHM side files are owner-only (0o600) whatever the umask: SQLite gives the
side files the main file's mode, so it is enough to create the main file so.
"""

from __future__ import annotations

import contextlib
import logging
import os
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


class DatabaseDamaged(StorageError):
    """The file's pages are damaged (``quick_check`` failed, or SQLite said "malformed")."""


class EmptyDatabase(StorageError):
    """``pos.sqlite3`` exists but has zero bytes, in a data dir that has been used before."""


_FILE_MODE = 0o600


def owner_only(path: Path) -> None:
    """Make ``path`` 0o600 if it exists and is group/world accessible (POSIX; best effort)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            path.chmod(_FILE_MODE)


def create_owner_only(path: Path) -> None:
    """Create ``path`` empty with mode 0o600 unless it exists (so SQLite never makes it 0o644)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE))


def newest_backup(folder: Path | None) -> Path | None:
    """The most recently written ``*.sqlite3`` in ``folder``, or None."""
    if folder is None:
        return None
    try:
        found = [p for p in Path(folder).glob("*.sqlite3") if p.is_file()]
    except OSError:
        return None
    return max(found, key=lambda p: p.stat().st_mtime, default=None)


def _restore_hint(backup_dir: Path | None) -> str:
    best = newest_backup(backup_dir)
    if best is None:
        return "no backup was found; copy a backup in and run `pos-app restore FILE`"
    return f"restore the newest backup with `pos-app restore {best}`"


class Database:
    """The open database: a lock-guarded connection plus sqlite-utils' helpers over it."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None,
                 backup_dir: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        self.backup_dir = backup_dir
        self.lock = threading.RLock()
        self._utils: Any = None
        self._refused: str | None = None  # why writes are refused (damage found), or None

    def verify(self) -> str | None:
        """Run ``PRAGMA quick_check`` now, on a connection of its own (readers carry on); on
        damage refuse every write from then on and return the message, else None.

        The window opens its database unchecked and calls this on its writer thread right
        after the window is shown: on a year of sales the check takes longer than the whole
        start-up (see bench/bench_integrity.py), and writes queue behind it anyway.
        """
        if self.path is None:
            return None
        conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            problems = _quick_check(conn)
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
        finally:
            conn.close()
        if not problems:
            return None
        log.error("quick_check of %s failed: %s", self.path, "; ".join(problems))
        self._refused = _damaged_message(self.path, problems[0], self.backup_dir)
        return self._refused

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

    def query_one(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> sqlite3.Row | None:
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
            if self._refused is not None:
                raise DatabaseDamaged(self._refused)
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
        """A consistent copy of the live database (SQLite's online backup API), mode 0o600."""
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        create_owner_only(target)
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


def _connect(path: Path | str, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        # mode=ro writes nothing. In a read-only directory SQLite can't make the WAL index
        # (-shm) either, so a file with no -wal beside it (closed cleanly) is opened as
        # immutable: nothing else can be writing to it there.
        p = Path(path)
        immutable = not Path(f"{p}-wal").exists()
        uri = p.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                               timeout=10.0)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 10000")
        return conn
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
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        create_owner_only(dest)
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
        script = (
            f"BEGIN IMMEDIATE;\n{migration.sql}\n;"
            f"PRAGMA user_version = {migration.version};\nCOMMIT;"
        )
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
    read_only: bool = False,
    check: bool = True,
    new_data_dir: bool = True,
) -> Database:
    """Open (creating if needed) and migrate the database at ``path``.

    ``check`` runs ``PRAGMA quick_check`` first (:class:`DatabaseDamaged`); ``restore`` turns
    it off to replace a damaged file. ``new_data_dir=False`` makes a zero-byte file an
    :class:`EmptyDatabase` error. ``read_only`` writes nothing (no migration, no WAL switch).
    """
    p = None if str(path) == ":memory:" else Path(path)
    if p is not None:
        if read_only and not p.exists():
            raise StorageError(f"{p} does not exist, and the data directory is read-only")
        if p.exists() and p.stat().st_size == 0 and not new_data_dir:
            raise EmptyDatabase(
                f"{p} is empty (0 bytes) in a data directory that has been used before: the "
                f"shop's database may have been lost; {_restore_hint(backup_dir)}, or delete "
                "the empty file to start a new, empty shop"
            )
        if not read_only:
            p.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            create_owner_only(p)
            owner_only(p)
            for side in ("-wal", "-shm"):
                owner_only(Path(f"{p}{side}"))
    try:
        conn = _connect(path, read_only=read_only and p is not None)
    except sqlite3.DatabaseError as exc:
        raise _open_error(path, exc, backup_dir) from exc
    try:
        # Fail early and clearly on a file that is not a database at all, or is damaged.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if check and p is not None:
            problems = _quick_check(conn)
            if problems:
                log.error("quick_check of %s failed: %s", path, "; ".join(problems))
                raise DatabaseDamaged(_damaged_message(p, problems[0], backup_dir))
        if read_only:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            latest = migrations[-1].version if migrations else 0
            if current != latest:
                raise StorageError(f"{path} needs an upgrade (schema {current} -> {latest}), "
                                   "which a read-only data directory does not allow")
        else:
            apply_migrations(conn, p, migrations, backup_dir)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _open_error(path, exc, backup_dir) from exc
    except BaseException:
        conn.close()
        raise
    return Database(conn, p, backup_dir)


def _quick_check(conn: sqlite3.Connection) -> list[str]:
    """The first few problems ``PRAGMA quick_check`` finds; empty when the file is sound."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    return [] if problems == ["ok"] else problems


def _damaged_message(path: Path | str, problem: str, backup_dir: Path | None) -> str:
    return (f"{path} is damaged ({problem}); nothing more is written to it. "
            f"{_sentence(_restore_hint(backup_dir))}")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _open_error(
    path: Path | str, exc: sqlite3.DatabaseError, backup_dir: Path | None
) -> StorageError:
    text = str(exc)
    if "malformed" in text or "corrupt" in text:
        return DatabaseDamaged(_damaged_message(path, text, backup_dir))
    if isinstance(exc, sqlite3.OperationalError) and ("disk" in text or "unable to open" in text):
        # Opening writes the WAL index (-shm): a full disk or a folder we may not write to
        # shows up here, not as a damaged file.
        where = Path(path).parent
        try:
            free = f"{shutil.disk_usage(where).free // 1024} KB free on its disk"
        except OSError:
            free = "its disk could not be read"
        return StorageError(f"cannot open {path}: {text} ({free}); free some space or check "
                            "the disk, then try again")
    return StorageError(f"{path} is not a usable pos-app database: {text}")


def copy_file_database(src: Path, dest: Path) -> None:
    """Copy a closed database file with its WAL side files (used by restore)."""
    for suffix in ("", "-wal", "-shm"):
        s = Path(str(src) + suffix)
        if s.exists():
            shutil.copy2(s, Path(str(dest) + suffix))


def replace_database_file(src: sqlite3.Connection, path: Path) -> None:
    """Make ``path`` a copy of ``src`` without opening the old file (which may be damaged).

    The copy is written next to it (0o600), fsynced, and renamed over it; the old WAL/SHM go.
    A process that still has the old file open keeps writing to the old, unlinked copy, so the
    till must be closed first.
    """
    tmp = path.with_name(f".{path.name}.restore")
    for side in ("", "-wal", "-shm", "-journal"):
        Path(f"{tmp}{side}").unlink(missing_ok=True)
    create_owner_only(tmp)
    out = sqlite3.connect(str(tmp), isolation_level=None)
    try:
        src.backup(out)
        out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file to rename
    finally:
        out.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    os.replace(tmp, path)
