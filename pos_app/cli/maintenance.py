"""``pos-app backup`` and ``pos-app restore FILE``."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from pos_app.cli.common import Exit, die, open_ctx


def _stamp() -> str:
    from pos_app.clock import utcnow

    return utcnow().strftime("%Y%m%d-%H%M%S")


def run(args: argparse.Namespace) -> int:
    from pos_app.paths import backup_dir
    from pos_app.storage.migrations import LATEST_VERSION

    ctx = open_ctx(args)
    try:
        if args.command == "backup":
            dest = ctx.db.backup_to(backup_dir(ctx.data_dir) / f"pos-{_stamp()}.sqlite3")
            print(dest)
            return Exit.OK
        src_path = Path(args.file)
        if not src_path.is_file():
            die(f"{src_path}: no such file")
        try:
            src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
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
        safety = ctx.db.backup_to(backup_dir(ctx.data_dir) / f"pos-before-restore-{_stamp()}.sqlite3")
        with ctx.db.lock:
            src.backup(ctx.db.conn)
        src.close()
        print(f"restored {src_path}; the previous database is saved as {safety}")
    finally:
        ctx.close()
    # Reopen once so that an older backup is migrated to the current schema right away.
    open_ctx(args).close()
    return Exit.OK
