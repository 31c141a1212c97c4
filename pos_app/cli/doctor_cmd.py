"""``pos-app doctor [--json]``: the health of everything the shop depends on (``pos_app.doctor``).

Exit 0 when no check failed (warnings included), 1 when any did. A damaged or missing database
is one of the things it reports, so unlike the other commands it does not stop at one: it opens
the database read-only and unchecked (the ``database`` check runs its own quick_check), and the
checks that read it do without when it can't be opened. It never writes to the data dir's
database. A ``config.toml`` that isn't TOML still stops it (exit 2), as every command: nothing
can be checked without the settings.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from pos_app.cli.common import Exit, open_settings

if TYPE_CHECKING:
    from pos_app.storage.database import Database


def run(args: argparse.Namespace) -> int:
    from pos_app.doctor import Status, Target, report_text, run_checks, to_json

    data_dir, settings = open_settings(args)
    db = _open_read_only(data_dir)
    try:
        checks = run_checks(Target(data_dir, settings, db))
    finally:
        if db is not None:
            db.close()
    if args.json:
        print(json.dumps(to_json(checks), ensure_ascii=False), flush=True)
    else:
        print(report_text(checks), flush=True)
    return Exit.FAILED if any(c.status is Status.FAIL for c in checks) else Exit.OK


def _open_read_only(data_dir: Path) -> Database | None:
    """The database for reading (credits, provider states), or None when it can't be opened:
    missing, damaged, empty, or in need of an upgrade (the ``database`` check says which)."""
    from pos_app.paths import backup_dir, db_path
    from pos_app.storage.database import StorageError, open_database

    try:
        return open_database(db_path(data_dir), backup_dir=backup_dir(data_dir, create=False),
                             read_only=True, check=False, new_data_dir=False)
    except (StorageError, sqlite3.Error, OSError):
        return None
