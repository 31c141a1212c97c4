"""Spacing calls per key (an account, a provider's create endpoint), shared by all threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Spacer:
    """``try_acquire(key, interval)`` says whether a call may go now, and if not, how long to wait.

    Keys are strings like ``"orkut:user:merchant"``; the interval is passed each time so that
    one spacer serves keys with different limits.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def try_acquire(self, key: str, interval_s: float) -> float:
        """0.0 and the slot is taken; otherwise the seconds until the key is free."""
        if interval_s <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            free_at = self._next.get(key, 0.0)
            if now < free_at:
                return free_at - now
            self._next[key] = now + interval_s
            return 0.0

    def wait_for(self, key: str) -> float:
        """Seconds until the key is free (0.0 when it is), without taking it."""
        with self._lock:
            return max(0.0, self._next.get(key, 0.0) - self._clock())

    def book(self, key: str, interval_s: float) -> float:
        """Reserve the next free slot; returns the seconds until it (0.0: now)."""
        now = self._clock()
        with self._lock:
            start = max(now, self._next.get(key, 0.0))
            self._next[key] = start + interval_s
            return start - now

    def push_back(self, key: str, seconds: float) -> None:
        """The back-end asked us to slow down (429, "terlalu sering"): keep away that long."""
        with self._lock:
            self._next[key] = max(self._next.get(key, 0.0), self._clock() + seconds)
