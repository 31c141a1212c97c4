"""Opening the app's world: data dir, settings, database and logging, for the CLI and the window."""

from __future__ import annotations

import logging
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
    # A plain file handler first; ``rotate_logs_later`` swaps in the rotating one (whose module
    # costs ~7 ms to import) once the window is on screen. The CLI calls it at once.
    handler = logging.FileHandler(folder / LOG_NAME, encoding="utf-8")
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


LOG_NAME = "pos-app.log"


def rotate_logs_later() -> None:
    """Replace the start-up file handler by a rotating one (2 MB x 5 files)."""
    import logging.handlers

    root = logging.getLogger()
    for old in list(root.handlers):
        if type(old) is logging.FileHandler and Path(old.baseFilename).name == LOG_NAME:
            new = logging.handlers.RotatingFileHandler(
                old.baseFilename, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
            new.setFormatter(old.formatter)
            for f in old.filters:
                new.addFilter(f)
            root.addHandler(new)
            root.removeHandler(old)
            old.close()


def open_context(data_dir_option: str | None = None, *, log: bool = True, rotate_now: bool = True) -> AppContext:
    data_dir = resolve_data_dir(data_dir_option)
    if log:
        setup_logging(data_dir)
        if rotate_now:
            rotate_logs_later()
    settings = Settings.load(data_dir)
    db = open_database(db_path(data_dir), backup_dir=backup_dir(data_dir))
    return AppContext(data_dir=data_dir, settings=settings, db=db)
