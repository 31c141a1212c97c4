"""What every command shares: exit codes, the one-line error, and opening the app context."""

from __future__ import annotations

import argparse
import math
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


def open_ctx(args, *, log: bool = True, rotate_now: bool = True,  # type: ignore[no-untyped-def]
             access: str = "write", check: bool = True):
    """The app context for a command; bad data dir, config or database become one-line errors.

    ``access`` is ``"read"`` for commands that only read (they work on a read-only data dir)
    or ``"write"`` (the default).
    """
    from pos_app.context import Access, open_context
    from pos_app.paths import ConfigFileError, DataDirError
    from pos_app.settings import SettingsError
    from pos_app.storage.database import StorageError

    try:
        return open_context(getattr(args, "data_dir", None), log=log, rotate_now=rotate_now,
                            access=Access(access), check=check)
    except (SettingsError, DataDirError, ConfigFileError, StorageError) as exc:
        die(str(exc))


def open_settings(args):  # type: ignore[no-untyped-def]
    """The data dir and settings without the database: for ``config``."""
    from pos_app.context import open_settings as _open
    from pos_app.paths import ConfigFileError, DataDirError
    from pos_app.settings import SettingsError

    try:
        return _open(getattr(args, "data_dir", None))
    except (SettingsError, DataDirError, ConfigFileError) as exc:
        die(str(exc))


def parse_amount(text: str) -> int:
    """A sale amount from the command line: whole rupiah, 1 up to what one QRIS can carry."""
    from pos_app.money import check_amount, parse_rupiah

    try:
        value = parse_rupiah(text)
        if value <= 0:
            die(f"bad amount {text!r}: must be at least 1 rupiah")
        return check_amount(value)
    except ValueError as exc:
        die(f"bad amount {text!r}: {exc}")


def seconds(text: str) -> float:
    """argparse type for ``--timeout``: a finite number of seconds greater than zero
    (``nan`` and ``inf`` parse as floats but mean nothing as a deadline)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds greater than 0")
    return value


def central_connection(settings):  # type: ignore[no-untyped-def]
    """The owner's connection to the central store for ``report --central`` and ``product
    import --central``: ``central.url`` with ``central.user``/``central.password`` when set,
    else libpq's own (PGUSER, PGPASSWORD, ~/.pgpass). Autocommit: each command manages its
    transactions. Exit 2 when unset or refused as a usage error, 1 when unreachable; the
    message names host, port and database, never a password."""
    from pos_app.central.connect import connect
    from pos_app.central.errors import CentralError

    def value(key: str) -> str:
        return str(settings.get(key) or "").strip()

    url = value("central.url")
    if not url:
        die("central.url is not set: `pos-app config set central.url "
            "postgresql://OWNER@HOST/DB?sslmode=require` (the password from PGPASSWORD or "
            "~/.pgpass), or run `pos-app central init URL`")
    try:
        return connect(url, user=value("central.user") or None,
                       password=value("central.password") or None, autocommit=True)
    except CentralError as exc:
        die(str(exc), Exit.USAGE if exc.usage else Exit.FAILED)
