"""Where credentials (tokens, API keys) are kept, and how they are kept out of output and logs.

SPEC section 4: secrets go to the OS keyring when one is available, else into
``config.toml`` (table ``[secrets]``, file mode 0o600); they are never printed or logged.

* :class:`KeyringSecretStore` - the OS keyring (Windows Credential Locker, macOS Keychain,
  Secret Service). The service name is ``"pos-app:" + <absolute data dir>`` so two data
  directories (two shops, or a test run next to the real till) never share credentials.
* :class:`FileSecretStore` - the fallback: ``[secrets]`` in ``config.toml``, keys are the full
  setting names (``"providers.orkut.token" = "..."``).
* :func:`default_secret_store` picks one; ``POS_APP_SECRET_BACKEND=file|keyring|auto`` forces
  the choice (tests and CI use ``file``). Forcing ``keyring`` when none is usable is an error
  rather than a silent fallback, so a maintainer who asked for the keyring never ends up with
  plaintext credentials on disk without knowing.

Redaction: :func:`register_secret` records every secret value the app reads or writes, and
:class:`SecretRedactingFilter` masks those values plus anything that looks like a credential
(``api_key=...``, ``"auth_token": "..."``, ``Authorization: Bearer ...``, ``X-Api-Key: ...``)
in log records, including exception tracebacks. Pakasir sends its API key in the query string
and httpx puts the URL into its error messages, so URL query strings matter most.
Attach the filter to *handlers* (``handler.addFilter(...)``): a filter on a logger does not
see records propagated from child loggers.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:  # keyring costs ~35 ms to import: only load it when a secret is needed
    from keyring.backend import KeyringBackend

from pos_app.paths import config_path, read_toml, update_toml

__all__ = [
    "MASK",
    "SECRETS_TABLE",
    "SECRET_BACKEND_ENV",
    "FileSecretStore",
    "KeyringSecretStore",
    "SecretRedactingFilter",
    "SecretStore",
    "SecretStoreError",
    "clear_registered_secrets",
    "default_secret_store",
    "keyring_is_usable",
    "redact",
    "register_secret",
    "registered_secrets",
]

SECRET_BACKEND_ENV = "POS_APP_SECRET_BACKEND"
SECRETS_TABLE = "secrets"
MASK = "***"
# Registered values shorter than this are not masked by value: masking "1234" everywhere
# would also eat amounts and order numbers from the logs. Real tokens and API keys are far
# longer, and short ones are still caught by the key=value / Bearer patterns.
MIN_REGISTERED_LENGTH = 6


class SecretStoreError(ValueError):
    """The secret store can't be used (keyring locked or missing, bad backend choice)."""


@runtime_checkable
class SecretStore(Protocol):
    """Somewhere to keep credentials; keys are full setting names like ``providers.orkut.token``."""

    def get(self, key: str) -> str | None:
        """The stored value, or ``None`` when there is none."""
        ...

    def set(self, key: str, value: str) -> None:
        """Store ``value`` (replacing any previous one)."""
        ...

    def delete(self, key: str) -> None:
        """Forget the value; deleting a missing key is not an error."""
        ...


# --------------------------------------------------------------------------- keyring


def keyring_is_usable(backend: KeyringBackend | None = None) -> bool:
    """True when ``backend`` (default: keyring's current one) really stores secrets.

    Not usable: ``fail.Keyring`` (no backend found), ``null.Keyring`` (keyring disabled),
    a chainer with nothing to chain, and keyrings.alt's plaintext file (no better than our
    own 0o600 file, and it would move the secrets out of the data dir and its backups).
    """
    import keyring
    from keyring.backends import chainer, fail, null

    try:
        kr = backend if backend is not None else keyring.get_keyring()
    except Exception:  # a broken plugin must not stop the till; the file store still works
        return False
    if isinstance(kr, (fail.Keyring, null.Keyring)):
        return False
    if isinstance(kr, chainer.ChainerBackend):
        try:
            return len(kr.backends) > 0
        except Exception:
            return False
    return type(kr).__name__ != "PlaintextKeyring"


class KeyringSecretStore:
    """Secrets in the OS keyring, under the service ``"pos-app:" + str(data_dir)``."""

    location = "OS keyring"

    def __init__(self, data_dir: Path, backend: KeyringBackend | None = None) -> None:
        # Capture the backend now so that the store keeps talking to the keyring it was
        # chosen for, even if something later calls keyring.set_keyring().
        import keyring

        self._backend: KeyringBackend = backend if backend is not None else keyring.get_keyring()
        self.service: str = f"pos-app:{data_dir}"

    def get(self, key: str) -> str | None:
        import keyring.errors

        try:
            value = self._backend.get_password(self.service, key)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"{key}: the OS keyring could not be read ({exc})") from None
        return value or None

    def set(self, key: str, value: str) -> None:
        import keyring.errors

        try:
            self._backend.set_password(self.service, key, value)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"{key}: the OS keyring refused to store it ({exc})") from None

    def delete(self, key: str) -> None:
        import keyring.errors

        try:
            self._backend.delete_password(self.service, key)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored: deleting is idempotent
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"{key}: the OS keyring refused to delete it ({exc})") from None


# --------------------------------------------------------------------------- file


class FileSecretStore:
    """Secrets in the ``[secrets]`` table of ``config.toml`` (kept at mode 0o600)."""

    location = "config.toml"

    def __init__(self, data_dir: Path) -> None:
        self.path: Path = config_path(Path(data_dir))

    def get(self, key: str) -> str | None:
        # Read the file each time: another process (``pos-app provider login``) may have
        # stored a fresh token since we started, and the file is tiny.
        table = read_toml(self.path).get(SECRETS_TABLE)
        if not isinstance(table, dict):
            return None
        value = table.get(key)
        return value if isinstance(value, str) and value else None

    def set(self, key: str, value: str) -> None:
        def mutate(doc: dict[str, Any]) -> None:
            table = doc.setdefault(SECRETS_TABLE, {})
            if not isinstance(table, dict):
                raise SecretStoreError(
                    f"{self.path}: '{SECRETS_TABLE}' must be a table; fix or remove it"
                )
            table[key] = value

        update_toml(self.path, mutate)

    def delete(self, key: str) -> None:
        def mutate(doc: dict[str, Any]) -> bool:
            table = doc.get(SECRETS_TABLE)
            if not isinstance(table, dict) or key not in table:
                return False  # nothing to do: don't rewrite the file
            del table[key]
            if not table:
                del doc[SECRETS_TABLE]
            return True

        if self.path.exists():
            update_toml(self.path, mutate)


def default_secret_store(data_dir: Path) -> SecretStore:
    """The keyring when a real one is available, else the config file.

    ``POS_APP_SECRET_BACKEND`` = ``file`` | ``keyring`` | ``auto`` (default) overrides.
    """
    choice = os.environ.get(SECRET_BACKEND_ENV, "").strip().lower()
    data_dir = Path(data_dir)
    if choice == "file":
        return FileSecretStore(data_dir)
    if choice == "keyring":
        import keyring

        if not keyring_is_usable():
            raise SecretStoreError(
                f"{SECRET_BACKEND_ENV}=keyring but no usable OS keyring was found "
                f"({keyring.get_keyring().__class__.__module__}); unset it to store secrets "
                "in config.toml instead"
            )
        return KeyringSecretStore(data_dir)
    if choice in ("", "auto"):
        return KeyringSecretStore(data_dir) if keyring_is_usable() else FileSecretStore(data_dir)
    raise SecretStoreError(
        f"{SECRET_BACKEND_ENV}: {choice!r} is not one of file, keyring, auto"
    )


# --------------------------------------------------------------------------- redaction

_registry: set[str] = set()
_registry_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that log output never shows it (no-op for short/empty values)."""
    if not value or len(value.strip()) < MIN_REGISTERED_LENGTH:
        return
    with _registry_lock:
        _registry.add(value)


def registered_secrets() -> frozenset[str]:
    """A snapshot of the registered secret values."""
    with _registry_lock:
        return frozenset(_registry)


def clear_registered_secrets() -> None:
    """Forget all registered values (for tests)."""
    with _registry_lock:
        _registry.clear()


# A parameter / header / JSON field whose *name* ends in a credential word: api_key, apikey,
# X-Api-Key, token, auth_token, device_token, password, secret, otp. The value runs up to a
# delimiter of the syntaxes we log: query strings (&), JSON and reprs (quotes , } ]),
# headers (whitespace). The name must end at a word boundary, so "token_expired=1" is kept.
_SENSITIVE_PAIR = re.compile(r"""(?ix)
        (?P<pre>(?<![\w-])[\w-]*(?:api[_-]?key|token|password|passwd|secret|otp)(?![\w-])
         ["']?\s*[:=]\s*["']?)
        (?P<value>[^\s"'&,;)}\]]+)""")
# "Authorization: Bearer x", "'authorization': 'Basic x'", "Authorization=x".
_AUTH_HEADER = re.compile(r"""(?ix)(?P<pre>(?<![\w-])(?:proxy-)?authorization["']?\s*[:=]\s*["']?
         (?:(?:bearer|basic|digest|token)\s+)?)
        (?P<value>[^\s"',;)}\]]+)""")
# A bare "Bearer <token>" anywhere else (curl lines, error messages). 8+ token characters
# so that ordinary prose containing the word "bearer" is left alone.
_BEARER = re.compile(r"(?i)(?P<pre>\bbearer\s+)(?P<value>[A-Za-z0-9._~+/=-]{8,})")


def _mask_value(match: re.Match[str]) -> str:
    return match.group("pre") + MASK


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with every value in ``secrets`` and every credential-looking pattern
    replaced by ``***``. Secrets are also matched in their URL-encoded forms."""
    variants: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        variants.update({secret, quote(secret, safe=""), quote_plus(secret, safe="")})
    # Longest first, so a secret that contains another secret is masked as a whole.
    for value in sorted(variants, key=len, reverse=True):
        text = text.replace(value, MASK)
    text = _AUTH_HEADER.sub(_mask_value, text)
    text = _BEARER.sub(_mask_value, text)
    return _SENSITIVE_PAIR.sub(_mask_value, text)


class SecretRedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the message, its args and any traceback.

    It renders ``msg % args`` itself and stores the redacted text with empty args, because a
    secret passed as an argument (``log.info("GET %s", url)``) only becomes visible once
    formatted. It never drops a record.
    """

    def __init__(self, name: str = "", extra_secrets: Iterable[str] = ()) -> None:
        super().__init__(name)
        self._extra: frozenset[str] = frozenset(s for s in extra_secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = registered_secrets() | self._extra
        try:
            message = record.getMessage()
        except Exception:
            # Bad format args: leave the record alone, logging reports the error itself.
            return True
        record.msg = redact(message, secrets)
        record.args = ()
        if record.exc_info and not record.exc_text:
            # Formatter.format() reuses exc_text when it is set, so caching a redacted copy
            # here keeps secrets from exception messages (httpx puts the URL in them) out.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True
