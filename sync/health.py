"""Per-provider health the cashier can see: ok / degraded / down / needs login / misconfigured.

* ok: the last call worked;
* degraded: 1-4 transient failures in a row (timeouts, 5xx, 429) — the engine keeps retrying;
* down: 5 or more in a row — still retried with backoff, and the window says QRIS is unreliable;
* needs_login: the back-end refused a login's token (``AuthExpired``: Order Kuota, Orkut) or a
  device's activation (the soundbox platform). Polling that provider stops (no 401 loop) until
  somebody logs in again or changes its settings (``reset``), or ``AUTH_RECHECK_S`` passes;
* misconfigured: its settings are missing or invalid (``ProviderConfigError``), or the back-end
  refused an API key typed into them (``KeyRefused``: Midtrans, Pakasir -- there is no login to
  renew). Shown at once, with the reason as ``last_error``: no retry can mend them, so there
  is no point in showing "degraded" first. A refused key stops polling like needs_login; bad
  settings are tried again now and then (the engine's backoff), and the first success makes it
  ok again.

Each state also keeps the :class:`~sync.errors.Problem` behind it (and, for missing settings,
which keys), in memory: what the window needs to tell the cashier what to do.

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
from sync.errors import Problem

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
    last_error: str | None  # English, for the log and ``pos-app sync status``
    since: datetime
    problem: Problem | None = None  # why it is not ok
    missing: tuple[str, ...] = ()  # SETTINGS_MISSING: the keys, by full name


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
        """True while a provider's credentials stand refused -- it needs a login, or its API key
        was refused -- and the recheck time has not come."""
        h = self.get(provider)
        recheck_at = h.since + timedelta(seconds=AUTH_RECHECK_S)
        refused = h.state is Health.NEEDS_LOGIN or (
            h.state is Health.MISCONFIGURED and h.problem is Problem.KEY_REFUSED)
        return refused and self.clock() < recheck_at

    def success(self, provider: str) -> ProviderHealth | None:
        return self._set(provider, Health.OK, 0, None)

    def transient(self, provider: str, error: str,
                  problem: Problem = Problem.GATEWAY) -> ProviderHealth | None:
        """``problem``: NETWORK (no connection), GATEWAY (it answered badly) or INTERNAL."""
        failures = self.get(provider).failures + 1
        state = Health.DOWN if failures >= DOWN_AFTER else Health.DEGRADED
        return self._set(provider, state, failures, error, problem)

    def config_error(self, provider: str, error: str, *,
                     problem: Problem = Problem.SETTINGS_INVALID,
                     missing: tuple[str, ...] = ()) -> ProviderHealth | None:
        """Its settings are missing (``missing``: which keys) or invalid: misconfigured at once,
        with the reason (not "down": retrying won't help, the owner has to open the settings)."""
        return self._set(provider, Health.MISCONFIGURED, self.get(provider).failures + 1, error,
                         problem, missing)

    def key_refused(self, provider: str, error: str) -> ProviderHealth | None:
        """The back-end refused an API key typed into the settings: misconfigured, and
        :meth:`blocked` (no 401 loop) until the settings change or the recheck time."""
        return self._set(provider, Health.MISCONFIGURED, self.get(provider).failures + 1, error,
                         Problem.KEY_REFUSED)

    def auth_failed(self, provider: str, error: str) -> ProviderHealth | None:
        return self._set(provider, Health.NEEDS_LOGIN, self.get(provider).failures + 1, error,
                         Problem.LOGIN_EXPIRED)

    def reset(self, provider: str) -> ProviderHealth | None:
        return self._set(provider, Health.OK, 0, None)

    def _set(self, provider: str, state: Health, failures: int, error: str | None,
             problem: Problem | None = None,
             missing: tuple[str, ...] = ()) -> ProviderHealth | None:
        """Record; returns the new health when the *state* changed (worth telling the UI)."""
        with self._lock:
            old = self._states.get(provider)
            # A new reason in the same state (bad settings, then a refused key; other settings
            # missing) is worth telling too: the cashier's sentence changes with it.
            changed = (old is None or old.state is not state or old.problem is not problem
                       or old.missing != missing)
            if (old is not None and not changed and old.failures == failures
                    and old.last_error == error):
                return None
            since = self.clock() if changed or old is None else old.since
            new = ProviderHealth(provider, state, failures, error, since, problem, missing)
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
