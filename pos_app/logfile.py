"""The app's log file: ``<data_dir>/logs/pos-app.log``, English, secrets redacted, owner-only.

The rule: logging never takes the app down and never floods the terminal. A read-only data
dir, a full disk or a log folder that vanished make the handler say so once on stderr (one
line, not Python's ``--- Logging error ---`` traceback per record) and then drop records
quietly until a write works again, when it carries on in the same file. The file is opened
only when the first record arrives, so a read-only command on a read-only data dir that logs
nothing prints nothing.

The file is created 0o600 whatever the umask (logs name amounts and order ids). A plain
handler is used at start-up; :func:`rotate_logs_later` swaps in the rotating one (2 MB x 5),
whose module costs a few ms to import, once the window is on screen (the CLI does it at once).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from io import TextIOWrapper
from pathlib import Path
from typing import Any

from pos_app.secrets import SecretRedactingFilter

__all__ = ["LOG_NAME", "rotate_logs_later", "setup_logging"]

LOG_NAME = "pos-app.log"
_FILE_MODE = 0o600
_DIR_MODE = 0o700
_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


class _QuietFileMixin:
    """What both file handlers share: a 0o600 file, and one stderr line when writing fails."""

    baseFilename: str
    encoding: str | None
    mode: str
    stream: Any
    _failing = False
    _failed_now = False

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _FILE_MODE)
        if os.name == "posix":
            with contextlib.suppress(OSError):
                if os.fstat(fd).st_mode & 0o077:
                    os.fchmod(fd, _FILE_MODE)  # an older file made under a loose umask
        return open(fd, "a", encoding=self.encoding, errors="backslashreplace")

    def emit(self, record: logging.LogRecord) -> None:
        self._failed_now = False
        super().emit(record)  # type: ignore[misc]
        if self._failing and not self._failed_now:
            self._failing = False
            _say(f"pos-app: writing the log {self.baseFilename} works again")

    def handleError(self, record: logging.LogRecord) -> None:
        self._failed_now = True
        error = sys.exc_info()[1]
        # Drop the stream: whatever it buffered can't be written, and the next record
        # reopens the file (the disk may have room again by then).
        stream, self.stream = self.stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()
        if not self._failing:
            self._failing = True
            reason = getattr(error, "strerror", None) or error or "unknown error"
            _say(f"pos-app: cannot write the log {self.baseFilename} ({reason}); "
                 "carrying on without it")


class _LogFile(_QuietFileMixin, logging.FileHandler):
    pass


def _say(line: str) -> None:
    stream = sys.stderr
    if stream is None:  # pythonw on Windows has no stderr
        return
    with contextlib.suppress(Exception):
        stream.write(line + "\n")
        stream.flush()


def _log_folder(data_dir: Path) -> Path | None:
    folder = Path(data_dir) / "logs"
    try:
        folder.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        _say(f"pos-app: cannot create the log folder {folder} ({exc.strerror or exc}); "
             "carrying on without a log")
        return None
    if os.name == "posix":
        with contextlib.suppress(OSError):
            if folder.stat().st_mode & 0o077:
                folder.chmod(_DIR_MODE)
    return folder


def setup_logging(data_dir: Path, *, verbose: bool = False) -> None:
    """Log to ``<data_dir>/logs/pos-app.log`` (secrets redacted); to stderr too if verbose.

    Never raises: a data dir where the log can't be written is reported once on stderr.
    """
    root = logging.getLogger()
    if getattr(root, "_pos_app_configured", False):
        return
    root.setLevel(logging.INFO)
    redact = SecretRedactingFilter()
    fmt = logging.Formatter(_FORMAT)
    folder = _log_folder(data_dir)
    if folder is not None:
        handler = _LogFile(folder / LOG_NAME, encoding="utf-8", delay=True)
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


def rotate_logs_later() -> None:
    """Replace the start-up file handler by a rotating one (2 MB x 5 files)."""
    import logging.handlers

    class RotatingLogFile(_QuietFileMixin, logging.handlers.RotatingFileHandler):
        pass

    root = logging.getLogger()
    for old in list(root.handlers):
        if type(old) is _LogFile:
            new = RotatingLogFile(old.baseFilename, maxBytes=2_000_000, backupCount=5,
                                  encoding="utf-8", delay=True)
            new.setFormatter(old.formatter)
            for f in old.filters:
                new.addFilter(f)
            root.addHandler(new)
            root.removeHandler(old)
            old.close()
