"""Opening the app's world: data dir, settings, database and logging, for the CLI and the window.

What a command may do with the data dir is said when it is opened (:class:`Access`), so that
every command meets a bad data dir the same way, before it has written anything:

* a value in ``config.toml`` that doesn't parse stops every command but ``config`` (which is
  how it gets repaired) with the same one line;
* a read-only data dir still serves the commands that only read (``report``, ``sync
  status``, ``config get``); a command that must write says so at once instead of failing
  half-way through a sale;
* a damaged or zero-byte database stops everything but ``restore`` (which replaces the file
  without opening it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pos_app.logfile import LOG_NAME, rotate_logs_later, setup_logging
from pos_app.paths import DataDirError, backup_dir, config_path, db_path, resolve_data_dir
from pos_app.settings import Settings
from pos_app.storage.database import Database, newest_backup, open_database

__all__ = ["LOG_NAME", "Access", "AppContext", "open_context", "open_settings",
           "rotate_logs_later", "setup_logging"]


class Access(Enum):
    READ = "read"  # reports, status: works on a read-only data dir
    WRITE = "write"  # sales, sync, backups: needs a writable data dir


@dataclass
class AppContext:
    data_dir: Path
    settings: Settings
    db: Database

    def close(self) -> None:
        self.db.close()


def data_dir_writable(data_dir: Path) -> bool:
    return os.access(data_dir, os.W_OK)


def open_settings(data_dir_option: str | None = None, *, log: bool = True,
                  rotate_now: bool = True) -> tuple[Path, Settings]:
    """The data dir and its settings, without the database (``config`` commands)."""
    data_dir = resolve_data_dir(data_dir_option)
    if log:
        setup_logging(data_dir)
        if rotate_now:
            rotate_logs_later()
    return data_dir, Settings.load(data_dir)


def _is_new(data_dir: Path) -> bool:
    """A data dir no one has used yet: no settings saved, no backup made."""
    return (
        not config_path(data_dir).exists()
        and newest_backup(backup_dir(data_dir, create=False)) is None
    )


def open_context(data_dir_option: str | None = None, *, log: bool = True, rotate_now: bool = True,
                 access: Access = Access.WRITE, check: bool = True) -> AppContext:
    """``check=False`` skips the integrity check at open: the window runs it (``db.verify()``)
    on its writer thread once it is on screen."""
    data_dir, settings = open_settings(data_dir_option, log=log, rotate_now=rotate_now)
    settings.check_values()
    read_only = not data_dir_writable(data_dir)
    if read_only and access is not Access.READ:
        raise DataDirError(f"data directory {data_dir} is read-only; this command needs to "
                           "write to it (check the disk, the mount or the folder's permissions)")
    db = open_database(
        db_path(data_dir),
        backup_dir=backup_dir(data_dir, create=False),
        read_only=read_only,
        check=check,
        new_data_dir=_is_new(data_dir),
    )
    return AppContext(data_dir=data_dir, settings=settings, db=db)
