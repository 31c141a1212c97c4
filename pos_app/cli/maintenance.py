"""``pos-app backup`` and ``pos-app restore FILE``."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from pos_app.cli.common import Exit, die, open_ctx
from pos_app.clock import utcnow
from pos_app.context import Access, open_context
from pos_app.paths import DataDirError, backup_dir, db_path, resolve_data_dir
from pos_app.settings import SettingsError
from pos_app.storage.database import StorageError, copy_file_database, replace_database_file
from pos_app.storage.migrations import LATEST_VERSION


def _stamp() -> str:
    return utcnow().strftime("%Y%m%d-%H%M%S")


def run(args: argparse.Namespace) -> int:
    if args.command == "backup":
        ctx = open_ctx(args)
        try:
            dest = ctx.db.backup_to(backup_dir(ctx.data_dir) / f"pos-{_stamp()}.sqlite3")
        finally:
            ctx.close()
        print(dest)
        return Exit.OK
    src_path = Path(args.file)
    if not src_path.is_file():
        die(f"{src_path}: no such file")
    try:
        # immutable: a backup is not being written, and reading it must leave no -shm behind.
        src = sqlite3.connect(f"{src_path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        ok = src.execute("PRAGMA integrity_check").fetchone()[0]
        version = int(src.execute("PRAGMA user_version").fetchone()[0])
        has_orders = src.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'orders'"
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        die(f"{src_path} is not a pos-app backup: {exc}")
    if ok != "ok" or not has_orders:
        src.close()
        die(f"{src_path} is not a usable pos-app backup (integrity: {ok})")
    if version > LATEST_VERSION:
        src.close()
        die(f"{src_path} comes from a newer pos-app (schema {version} > {LATEST_VERSION})")
    # The database being replaced may be damaged or empty (the usual reasons to restore):
    # then it is kept as a file copy and replaced as a file, without being opened.
    try:
        data_dir = resolve_data_dir(args.data_dir)
        ctx = open_context(str(data_dir), access=Access.WRITE)
    except (DataDirError, SettingsError) as exc:
        die(str(exc))
    except StorageError as exc:
        live = db_path(data_dir)
        # Not named *.sqlite3: it must never be offered as "the newest backup".
        safety = backup_dir(data_dir) / f"pos-unusable-{_stamp()}.sqlite3.bad"
        copy_file_database(live, safety)
        replace_database_file(src, live)
        src.close()
        print(f"restored {src_path}; the previous database ({exc.__class__.__name__}) is kept "
              f"as {safety}")
    else:
        try:
            safety = ctx.db.backup_to(
                backup_dir(ctx.data_dir) / f"pos-before-restore-{_stamp()}.sqlite3")
            with ctx.db.lock:
                src.backup(ctx.db.conn)
            src.close()
            print(f"restored {src_path}; the previous database is saved as {safety}")
        finally:
            ctx.close()
    # Reopen once so that an older backup is migrated to the current schema right away.
    open_ctx(args).close()
    return Exit.OK
