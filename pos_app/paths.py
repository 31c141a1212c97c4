"""Where pos-app keeps its files, and the one safe way to rewrite its TOML config.

Everything the app stores lives in one *data directory* (SPEC section 3): ``pos.sqlite3``,
``config.toml``, ``logs/`` and ``backups/``. It is chosen, in this order, by the global
``--data-dir`` option, the ``POS_APP_DATA_DIR`` environment variable, and finally
``platformdirs.user_data_dir("pos-app")``.

``config.toml`` may hold secrets (when no OS keyring is available), so it is only ever
written through :func:`update_toml`: read-modify-write under a lock, new content written to a
temporary file in the same directory, fsynced, then swapped in with ``os.replace`` so that a
crash or a full disk leaves either the old or the new file, never half of one. The file is
kept at mode 0o600 and the data directory and its folders are kept at 0o700, whatever the umask
and also when they already existed (POSIX; Windows relies on the per-user profile ACLs).

This module has no dependency on the rest of pos-app so that both ``pos_app.settings`` and
``pos_app.secrets`` can use it without importing each other.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "APP_NAME",
    "DATA_DIR_ENV",
    "ConfigFileError",
    "DataDirError",
    "backup_dir",
    "config_path",
    "db_path",
    "log_dir",
    "read_toml",
    "resolve_data_dir",
    "resources_dir",
    "tighten_permissions",
    "update_toml",
    "write_toml_atomic",
]

APP_NAME = "pos-app"
DATA_DIR_ENV = "POS_APP_DATA_DIR"

_DIR_MODE = 0o700
_FILE_MODE = 0o600
# Windows has no POSIX permission bits; os.chmod there only toggles read-only.
_POSIX = os.name == "posix"


class DataDirError(ValueError):
    """The data directory cannot be used (empty path, a file in the way, no permission)."""


class ConfigFileError(ValueError):
    """``config.toml`` cannot be read or written; the message names the file (and line)."""


# --------------------------------------------------------------------------- resources


def resources_dir() -> Path:
    """``resources/``: next to the package in a work tree, under ``share/pos-app`` when
    installed as a wheel, at the top of a PyInstaller bundle.

    Here rather than in the UI so that Qt-free code (``hardware/``'s sound clips) finds it too.
    """
    candidates = [Path(__file__).resolve().parent.parent / "resources",
                  Path(sys.prefix) / "share" / "pos-app" / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.insert(0, Path(bundle) / "resources")
    for path in candidates:
        if (path / "app.qss").exists():
            return path
    return candidates[0]


# --------------------------------------------------------------------------- data directory


def resolve_data_dir(cli_value: str | None = None) -> Path:
    """Return the absolute data directory, creating it (mode 0o700) if needed.

    Precedence: ``cli_value`` (the ``--data-dir`` option), then ``$POS_APP_DATA_DIR``, then
    the platformdirs user data dir. An empty environment variable counts as unset (the usual
    shell convention); an empty ``--data-dir`` is an error, because it is almost always an
    unset shell variable and silently falling back to the real shop's data would be worse.
    """
    if cli_value is not None:
        if not cli_value.strip():
            raise DataDirError("--data-dir must not be empty")
        raw = cli_value
    elif os.environ.get(DATA_DIR_ENV, "").strip():
        raw = os.environ[DATA_DIR_ENV]
    else:
        import platformdirs  # only when no data dir was given: keeps it off the start path

        raw = platformdirs.user_data_dir(APP_NAME, appauthor=False)
    # resolve() gives one canonical spelling per directory; the keyring service name is
    # derived from it, so "./data" and "/abs/data" must not end up with different secrets.
    path = Path(raw).expanduser().resolve()
    _ensure_dir(path)
    return path


def _ensure_dir(path: Path) -> None:
    # The folder holds the shop's sales, logs and maybe secrets: owner-only (0o700), also when
    # it already existed with a looser mode (mkdir's mode is masked by the umask, and does
    # nothing for an existing folder). A folder we can't chmod (someone else's, read-only
    # media) is used as it is.
    try:
        path.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
    except FileExistsError:
        raise DataDirError(f"data directory {path} exists but is not a directory") from None
    except OSError as exc:
        raise DataDirError(f"cannot create data directory {path}: {exc.strerror or exc}") from None
    if not path.is_dir():
        raise DataDirError(f"data directory {path} exists but is not a directory")
    if _POSIX:
        with contextlib.suppress(OSError):
            if path.stat().st_mode & 0o077:
                path.chmod(_DIR_MODE)


def db_path(data_dir: Path) -> Path:
    """The SQLite database: ``<data_dir>/pos.sqlite3``."""
    return Path(data_dir) / "pos.sqlite3"


def config_path(data_dir: Path) -> Path:
    """The settings file: ``<data_dir>/config.toml``."""
    return Path(data_dir) / "config.toml"


def log_dir(data_dir: Path) -> Path:
    """``<data_dir>/logs``, created (0o700) if missing: logs can name customers' amounts."""
    path = Path(data_dir) / "logs"
    _ensure_dir(path)
    return path


def backup_dir(data_dir: Path, *, create: bool = True) -> Path:
    """``<data_dir>/backups``, created (0o700) if missing and ``create``: backups may contain
    secrets."""
    path = Path(data_dir) / "backups"
    if create:
        _ensure_dir(path)
    return path


# --------------------------------------------------------------------------- TOML files


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a missing file is an empty document.

    A file that exists but cannot be parsed raises :class:`ConfigFileError` naming the file
    and the line: the caller must never treat a broken config as "all defaults" and then
    overwrite it, which would silently lose the shop's settings and credentials.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigFileError(
            f"{path}: line {line}: not UTF-8 text; fix or remove the file"
        ) from None
    import tomllib  # ~7 ms to import: only when there is a file to read

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message already ends with "(at line L, column C)".
        raise ConfigFileError(f"{path}: not valid TOML: {exc}; fix or remove the file") from None


def write_toml_atomic(path: Path, doc: dict[str, Any]) -> None:
    """Replace ``path`` with ``doc`` atomically; the result has mode 0o600.

    Temp file in the same directory (so ``os.replace`` is a rename on one file system),
    written, flushed, fsynced, renamed over the target, then the directory is fsynced so the
    rename itself survives a power cut. On any failure the temp file is removed and the old
    file is untouched.
    """
    path = Path(path)
    try:
        import tomli_w  # only when writing: reading the config is on the start-up path

        payload = tomli_w.dumps(doc).encode("utf-8")
    except (TypeError, ValueError) as exc:  # a value tomli_w can't represent: our bug
        raise ConfigFileError(f"{path}: cannot serialise settings: {exc}") from None
    # mkstemp creates the file 0o600 from the start, so a secret is never briefly readable.
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot write: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if _POSIX:
            os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise ConfigFileError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise
    _fsync_dir(path.parent)


def update_toml(path: Path, mutate: Callable[[dict[str, Any]], bool | None]) -> dict[str, Any]:
    """Read ``path``, let ``mutate`` change the document in place, write it back atomically.

    Holds an advisory lock for the whole read-modify-write so that two processes (the cashier
    window and ``pos-app config set`` or ``provider login``) don't lose each other's change.
    ``mutate`` may return ``False`` to say "nothing changed, don't write". Returns the
    document as it is now on disk.
    """
    path = Path(path)
    _ensure_dir(path.parent)  # e.g. Settings.load() on a data dir that doesn't exist yet
    with _locked(path):
        doc = read_toml(path)
        if mutate(doc) is False:
            return doc
        write_toml_atomic(path, doc)
        return doc


def tighten_permissions(path: Path) -> None:
    """Make an existing file owner-only (0o600) if it is group/world accessible (POSIX)."""
    if not _POSIX:
        return
    try:
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, _FILE_MODE)
    except OSError:
        # Read-only media or someone else's file: reading still works, and writes will fail
        # loudly with a ConfigFileError of their own.
        pass


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # A separate lock file, because the config file itself is replaced (new inode) on every
    # write. fcntl is POSIX-only; on Windows the write is still atomic, only the
    # last-writer-wins protection between two simultaneous writers is missing.
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock_path = path.with_name(f".{path.name}.lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, _FILE_MODE)
    except OSError:
        # Read-only directory: the write will fail with a clear error anyway.
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def write_atomically(path: Path, fill: Callable[[Path], None]) -> None:
    """Call ``fill(tmp)`` to write a temporary file next to ``path``, fsync it and rename it
    to ``path``: a reader (or a power cut) never finds half a file. The file is owner-only
    (mkstemp's 0600): reports and exports are the shop's business. On any failure the
    temporary file is removed and the error re-raised (``OSError`` keeps its errno: ENOSPC
    disk full, EACCES no permission, ENOENT no such folder)."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        fill(tmp)
        with open(tmp, "rb+") as f:  # the rename must not reach the disk before the data
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):
        _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    if not _POSIX:
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
