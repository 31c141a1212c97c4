"""``pos-app backup`` and ``pos-app restore FILE``."""

from __future__ import annotations

import argparse
from pathlib import Path

from pos_app.cli.common import Exit, die, open_ctx
from pos_app.clock import utcnow
from pos_app.paths import DataDirError, backup_dir, resolve_data_dir
from pos_app.settings import SettingsError


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
    from pos_app.backups import BackupError, restore

    try:
        data_dir = resolve_data_dir(args.data_dir)
        print(restore(data_dir, Path(args.file), utcnow()))
    except (BackupError, DataDirError, SettingsError) as exc:
        die(str(exc))
    # Reopen once so that an older backup is migrated to the current schema right away.
    open_ctx(args).close()
    return Exit.OK
