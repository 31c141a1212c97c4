"""Opening the app's world: data dir, settings, database and logging, for the CLI and the window."""

from __future__ import annotations

import logging
import logging.handlers
from dataclasses import dataclass
from pathlib import Path

from pos_app.paths import backup_dir, db_path, log_dir, resolve_data_dir
from pos_app.secrets import SecretRedactingFilter
from pos_app.settings import Settings
from pos_app.storage.database import Database, open_database


@dataclass
class AppContext:
    data_dir: Path
    settings: Settings
    db: Database

    def close(self) -> None:
        self.db.close()


def setup_logging(data_dir: Path, *, verbose: bool = False) -> None:
    """Log to a rotating file in the data dir (English, secrets redacted); stderr only if verbose."""
    root = logging.getLogger()
    if getattr(root, "_pos_app_configured", False):
        return
    root.setLevel(logging.INFO)
    redact = SecretRedactingFilter()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    folder = log_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        folder / "pos-app.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(fmt)
    handler.addFilter(redact)
    root.addHandler(handler)
    if verbose:
        err = logging.StreamHandler()
        err.setFormatter(fmt)
        err.addFilter(redact)
        root.addHandler(err)
    # httpx logs every request URL at INFO; Pakasir puts its API key in the query string.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    root._pos_app_configured = True  # type: ignore[attr-defined]


def open_context(data_dir_option: str | None = None, *, log: bool = True) -> AppContext:
    data_dir = resolve_data_dir(data_dir_option)
    if log:
        setup_logging(data_dir)
    settings = Settings.load(data_dir)
    db = open_database(db_path(data_dir), backup_dir=backup_dir(data_dir))
    return AppContext(data_dir=data_dir, settings=settings, db=db)
