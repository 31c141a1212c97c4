"""Capped exponential backoff, per key, for every failure path of the sync engine.

The rule: after the n-th failure in a row of the same thing (one payment's check, one outbox
entry, one provider's set-up, one account's statement, one feed), wait about
``BASE_S * 2**(n-1)`` seconds, never more than ``CAP_S``, with jitter (half to all of the delay)
so that several tills do not retry in step; a server's ``Retry-After`` is a floor. A success
forgets the key.

Why: a failure that repeats at once — settings that became invalid, an adapter with a bug, a
back-end that is down, a database that is locked — must cost a few attempts a minute and a few
log lines, not thousands a second, and must not hold up other keys. Time comes from an injected
clock (seconds), so tests move it by hand.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Hashable

BASE_S = 1.0
CAP_S = 60.0
#: a server asking for more than this is capped: an hour is already "later"
RETRY_AFTER_CAP_S = 3600.0


def backoff_delay(attempt: int, rng: random.Random, retry_after_s: float | None = None) -> float:
    """Seconds to wait before try ``attempt + 1`` (``attempt`` counts failures so far, from 0)."""
    delay = min(CAP_S, BASE_S * (2 ** min(max(0, attempt), 32)))
    delay = delay / 2 + rng.random() * delay / 2
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, RETRY_AFTER_CAP_S))
    return delay


class Backoff:
    """``failed(key)`` books the next try of ``key``; ``wait_for(key)`` says how far off it is.

    Thread-safe; keys are any hashable (``("payment", id)``, ``("route", "orkut")``).
    """

    def __init__(self, clock: Callable[[], float], rng: random.Random | None = None) -> None:
        self._clock = clock
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._failures: dict[Hashable, int] = {}
        self._until: dict[Hashable, float] = {}

    def failed(self, key: Hashable, retry_after_s: float | None = None) -> float:
        """One more failure of ``key`` in a row; returns the seconds until it may be tried again."""
        now = self._clock()
        with self._lock:
            failures = self._failures.get(key, 0)
            delay = backoff_delay(failures, self._rng, retry_after_s)
            self._failures[key] = failures + 1
            self._until[key] = now + delay
            return delay

    def succeeded(self, key: Hashable) -> None:
        with self._lock:
            self._failures.pop(key, None)
            self._until.pop(key, None)

    def failures(self, key: Hashable) -> int:
        """Failures of ``key`` in a row (0 after a success)."""
        with self._lock:
            return self._failures.get(key, 0)

    def wait_for(self, key: Hashable) -> float:
        """Seconds until ``key`` may be tried again (0.0: now)."""
        with self._lock:
            until = self._until.get(key)
        return 0.0 if until is None else max(0.0, until - self._clock())
