"""Automatic backups of the shop's database: taken, listed, pinned, pruned, copied to a stick.

The rules, and why:

* **Always SQLite's online backup API**, from a connection of its own (:func:`take`): one step
  copies a consistent snapshot while the till keeps selling (WAL: the writer is never held up),
  where a file copy of a live database can catch a half-written page.
* **One a day** (the first time the till runs on a store-local day, :func:`daily_due`) and one
  at every shift close (``kind`` ``shift``), besides the owner's own (``manual``) and the safety
  copies that restore and migrations make.
* **The newest 14 are kept, and every pinned one** (:func:`prune`): two weeks to notice a
  mistake, and a pinned backup -- the evening before a stock count, say -- stays until unpinned.
  A pinned backup is a name: ``...-pinned.sqlite3``, so a file manager shows it too.
* **A second folder** (``backup.second_folder``, a USB stick) gets a copy of each new backup
  file. A stick that is not plugged in is a warning, not a failure: the backup is in
  ``backups/`` all the same.

No Qt: the window takes backups on a worker thread and lists them for the restore dialog.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from pos_app.paths import backup_dir, db_path
from pos_app.storage.database import create_owner_only

log = logging.getLogger(__name__)

KEEP = 14
_NAME = re.compile(r"pos-(?:(?P<kind>daily|shift|manual)-)?(?P<stamp>\d{8}-\d{6})(?:-\d+)?"
                   r"(?P<pinned>-pinned)?\.sqlite3")


class Kind(StrEnum):
    DAILY = "daily"
    SHIFT = "shift"
    MANUAL = "manual"
    OTHER = "other"  # made by restore or a migration (pos-before-...)


class BackupError(Exception):
    """A backup that could not be taken or read (the message says why, in English)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime  # UTC, from the name (or the file's time for other names)
    kind: Kind
    pinned: bool

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")


def take(data_dir: Path, kind: Kind, now: datetime, *,
         second_folder: str | Path | None = None) -> Path:
    """A backup of the live database into ``backups/``; copied to ``second_folder`` too."""
    folder = backup_dir(data_dir)
    target = folder / f"pos-{kind.value}-{_stamp(now)}.sqlite3"
    n = 1
    while target.exists():  # two in one second (a shift closed at midnight): both kept
        target = folder / f"pos-{kind.value}-{_stamp(now)}-{n}.sqlite3"
        n += 1
    create_owner_only(target)
    try:
        src = sqlite3.connect(f"{db_path(data_dir).resolve().as_uri()}?mode=ro", uri=True,
                              timeout=10)
        try:
            dest = sqlite3.connect(target)
            try:
                src.backup(dest)  # one step: a consistent snapshot, writers not blocked
            finally:
                dest.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"backup failed: {exc}") from None
    log.info("backup taken: %s", target.name)
    if second_folder:
        copy_to(target, Path(second_folder))
    return target


def copy_to(backup: Path, folder: Path) -> bool:
    """Copy a backup file (never the live database) to ``folder``; False with a warning when
    the folder is not there (the stick is not plugged in) or not writable."""
    try:
        if not folder.is_dir():
            log.warning("second backup folder %s is not there; backup kept in backups/ only",
                        folder)
            return False
        shutil.copy2(backup, folder / backup.name)
    except OSError as exc:
        log.warning("could not copy the backup to %s: %s", folder, exc)
        return False
    return True


def list_backups(data_dir: Path) -> list[Backup]:
    """Every backup in ``backups/``, newest first."""
    folder = backup_dir(data_dir, create=False)
    found: list[Backup] = []
    try:
        paths = [p for p in folder.glob("pos-*.sqlite3") if p.is_file()]
    except OSError:
        return []
    for path in paths:
        m = _NAME.fullmatch(path.name)
        if m is not None:
            taken = datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            kind = Kind(m["kind"]) if m["kind"] else Kind.MANUAL
            found.append(Backup(path, taken, kind, bool(m["pinned"])))
        else:
            taken = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            found.append(Backup(path, taken, Kind.OTHER, path.stem.endswith("-pinned")))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def set_pinned(backup: Backup, pinned: bool) -> Backup:
    """Pin (or unpin) a backup: its file is renamed, so the pin survives anything."""
    if backup.pinned == pinned:
        return backup
    stem = backup.path.name.removesuffix(".sqlite3")
    name = f"{stem}-pinned.sqlite3" if pinned else f"{stem.removesuffix('-pinned')}.sqlite3"
    target = backup.path.with_name(name)
    backup.path.rename(target)
    return Backup(target, backup.taken_at, backup.kind, pinned)


def prune(data_dir: Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest ``keep`` unpinned backups; the deleted paths."""
    unpinned = [b for b in list_backups(data_dir) if not b.pinned]
    gone = []
    for b in unpinned[keep:]:
        try:
            b.path.unlink()
            gone.append(b.path)
        except OSError as exc:
            log.warning("could not delete old backup %s: %s", b.path.name, exc)
    return gone


def daily_due(data_dir: Path, now: datetime, tz: ZoneInfo) -> bool:
    """Whether today's (store-local) daily backup is still to be taken."""
    today: date = now.astimezone(tz).date()
    return not any(b.kind is Kind.DAILY and b.taken_at.astimezone(tz).date() == today
                   for b in list_backups(data_dir))


def summary(path: Path) -> tuple[int, datetime | None]:
    """What a backup holds, for the restore confirmation: its number of orders and the time
    of its newest order (UTC), read without changing the file. :class:`BackupError` when it
    is not a usable pos-app database."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            count, newest = con.execute("SELECT count(*), max(created_at) FROM orders").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{path.name} is not a usable pos-app backup: {exc}") from None
    from pos_app.clock import from_iso

    return int(count), from_iso(newest) if newest else None


class DailyBackups:
    """The day's backup, on a thread of its own: at start and every ``check_every_s`` the
    till asks :func:`daily_due`, and takes and prunes when it is. Never on the GUI thread nor
    the database writer's (a backup of a year of sales takes seconds)."""

    def __init__(self, data_dir: Path, tz: ZoneInfo, *, second_folder: str = "",
                 clock: Callable[[], datetime] | None = None, check_every_s: float = 600.0,
                 on_taken: Callable[[Path], None] | None = None) -> None:
        from pos_app.clock import utcnow

        self.data_dir, self.tz, self.second_folder = data_dir, tz, second_folder
        self.clock = clock or utcnow
        self.check_every_s = check_every_s
        self.on_taken = on_taken
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="daily-backup", daemon=True)

    def start(self) -> DailyBackups:
        self._thread.start()
        return self

    def close(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def check_now(self) -> Path | None:
        """Take the day's backup if it is due; its path, or None."""
        now = self.clock()
        if not daily_due(self.data_dir, now, self.tz):
            return None
        path = take(self.data_dir, Kind.DAILY, now, second_folder=self.second_folder)
        prune(self.data_dir)
        if self.on_taken is not None:
            self.on_taken(path)
        return path

    def _run(self) -> None:
        while True:
            try:
                self.check_now()
            except (BackupError, OSError) as exc:  # a full disk: the next check tries again
                log.error("daily backup failed: %s", exc)
            except Exception:
                log.exception("daily backup failed")
            if self._stop.wait(self.check_every_s):
                return


def restore(data_dir: Path, src_path: Path, now: datetime) -> str:
    """Replace the shop's database with the backup ``src_path`` (the till must be closed);
    what was done, in English. The database being replaced is kept first: as a backup when
    it opens, as a ``.bad`` file copy when it is damaged. :class:`BackupError` when the file
    is not a usable pos-app backup, or is from a newer pos-app."""
    from pos_app.context import Access, open_context
    from pos_app.storage.database import StorageError, copy_file_database, replace_database_file
    from pos_app.storage.migrations import LATEST_VERSION

    if not src_path.is_file():
        raise BackupError(f"{src_path}: no such file")
    try:
        # immutable: a backup is not being written, and reading it must leave no -shm behind.
        src = sqlite3.connect(f"{src_path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        ok = src.execute("PRAGMA integrity_check").fetchone()[0]
        version = int(src.execute("PRAGMA user_version").fetchone()[0])
        has_orders = src.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'orders'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{src_path} is not a pos-app backup: {exc}") from None
    try:
        if ok != "ok" or not has_orders:
            raise BackupError(f"{src_path} is not a usable pos-app backup (integrity: {ok})")
        if version > LATEST_VERSION:
            raise BackupError(f"{src_path} comes from a newer pos-app (schema {version} > "
                              f"{LATEST_VERSION})")
        # The database being replaced may be damaged or empty (the usual reasons to
        # restore): then it is kept as a file copy and replaced as a file, unopened.
        try:
            ctx = open_context(str(data_dir), access=Access.WRITE)
        except StorageError as exc:
            live = db_path(data_dir)
            # Not named *.sqlite3: it must never be offered as "the newest backup".
            safety = backup_dir(data_dir) / f"pos-unusable-{_stamp(now)}.sqlite3.bad"
            copy_file_database(live, safety)
            replace_database_file(src, live)
            return (f"restored {src_path}; the previous database ({exc.__class__.__name__}) "
                    f"is kept as {safety}")
        try:
            safety = ctx.db.backup_to(
                backup_dir(ctx.data_dir) / f"pos-before-restore-{_stamp(now)}.sqlite3")
            with ctx.db.lock:
                src.backup(ctx.db.conn)
        finally:
            ctx.close()
        return f"restored {src_path}; the previous database is saved as {safety}"
    finally:
        src.close()
