"""Per-provider health the cashier can see: ok / degraded / down / needs login.

* ok: the last call worked;
* degraded: 1-4 transient failures in a row (timeouts, 5xx, 429) — the engine keeps retrying;
* down: 5 or more in a row — still retried with backoff, and the window says QRIS is unreliable;
* needs_login: the back-end refused the credentials. Polling that provider stops (no 401 loop)
  until somebody logs in again or changes its settings (``reset``), or ``AUTH_RECHECK_S`` passes.

Settings that are missing or invalid (``ProviderConfigError``) make a provider ``down`` at once,
with the reason as ``last_error``: no retry can mend them, so there is no point in showing
"degraded" first. The engine still tries again now and then (backoff), and the first success
makes it ok again.

The state is kept in memory for the engine and written to ``provider_state`` so that
``pos-app sync status`` in another process sees it too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pos_app.clock import to_iso
from pos_app.storage.database import Database

DOWN_AFTER = 5
AUTH_RECHECK_S = 600.0


class Health(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"
    NEEDS_LOGIN = "needs_login"
    MISCONFIGURED = "misconfigured"  # its settings are missing or wrong: only the owner can fix it


@dataclass(frozen=True)
class ProviderHealth:
    provider: str
    state: Health
    failures: int
    last_error: str | None
    since: datetime


class HealthBook:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, ProviderHealth] = {}

    def get(self, provider: str) -> ProviderHealth:
        with self._lock:
            known = self._states.get(provider)
            return known or ProviderHealth(provider, Health.OK, 0, None, self.clock())

    def all(self) -> list[ProviderHealth]:
        with self._lock:
            return list(self._states.values())

    def blocked(self, provider: str) -> bool:
        """True while a provider needs a login (and the recheck time has not come)."""
        h = self.get(provider)
        recheck_at = h.since + timedelta(seconds=AUTH_RECHECK_S)
        return h.state is Health.NEEDS_LOGIN and self.clock() < recheck_at

    def success(self, provider: str) -> ProviderHealth | None:
        return self._set(provider, Health.OK, 0, None)

    def transient(self, provider: str, error: str) -> ProviderHealth | None:
        failures = self.get(provider).failures + 1
        state = Health.DOWN if failures >= DOWN_AFTER else Health.DEGRADED
        return self._set(provider, state, failures, error)

    def config_error(self, provider: str, error: str) -> ProviderHealth | None:
        """Its settings are missing or invalid: misconfigured at once, with the reason (not
        "down": retrying won't help, the owner has to open the settings)."""
        return self._set(provider, Health.MISCONFIGURED, self.get(provider).failures + 1, error)

    def auth_failed(self, provider: str, error: str) -> ProviderHealth | None:
        return self._set(provider, Health.NEEDS_LOGIN, self.get(provider).failures + 1, error)

    def reset(self, provider: str) -> ProviderHealth | None:
        return self._set(provider, Health.OK, 0, None)

    def _set(self, provider: str, state: Health, failures: int,
             error: str | None) -> ProviderHealth | None:
        """Record; returns the new health when the *state* changed (worth telling the UI)."""
        with self._lock:
            old = self._states.get(provider)
            changed = old is None or old.state is not state
            if (old is not None and not changed and old.failures == failures
                    and old.last_error == error):
                return None
            since = self.clock() if changed or old is None else old.since
            new = ProviderHealth(provider, state, failures, error, since)
            self._states[provider] = new
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO provider_state (provider, state, failures, last_error, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (provider) DO UPDATE SET"
                " state = excluded.state, failures = excluded.failures,"
                " last_error = excluded.last_error, updated_at = excluded.updated_at",
                (provider, state.value, failures, error, to_iso(self.clock())),
            )
        return new if changed else None
