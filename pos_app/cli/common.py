"""What every command shares: exit codes, the one-line error, and opening the app context."""

from __future__ import annotations

import sys
from enum import IntEnum
from typing import NoReturn


class Exit(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    EXPIRED = 3
    PENDING = 4


class CliError(Exception):
    """An expected failure: printed as one line on stderr, no traceback."""

    def __init__(self, message: str, code: int = Exit.USAGE) -> None:
        super().__init__(message)
        self.code = code


def die(message: str, code: int = Exit.USAGE) -> NoReturn:
    raise CliError(message, code)


def err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def open_ctx(args, *, log: bool = True, rotate_now: bool = True):  # type: ignore[no-untyped-def]
    """The app context for a command; bad data dir, config or database become one-line errors."""
    from pos_app.context import open_context
    from pos_app.paths import ConfigFileError, DataDirError
    from pos_app.settings import SettingsError
    from pos_app.storage.database import StorageError

    try:
        return open_context(getattr(args, "data_dir", None), log=log, rotate_now=rotate_now)
    except (SettingsError, DataDirError, ConfigFileError, StorageError) as exc:
        die(str(exc))


def parse_amount(text: str) -> int:
    from pos_app.money import parse_rupiah

    try:
        value = parse_rupiah(text)
    except ValueError as exc:
        die(f"bad amount {text!r}: {exc}")
    if value <= 0:
        die(f"bad amount {text!r}: must be at least 1 rupiah")
    return value
