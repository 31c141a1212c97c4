"""Shared helpers for the Qt benchmarks (``bench_startup.py``, ``bench_window.py``).

Nothing here measures by itself: percentiles, waiting on the GUI thread without busy-looping,
an event-loop stall recorder, and a guard against a refcount bug of PySide6 6.12.0 on
Python 3.11 that would otherwise kill a benchmark long before it finishes (see
:func:`guard_pyside_none_refcount`). PySide6 is imported lazily, so ``bench_startup.py`` can
use :func:`percentile` without loading Qt into the parent process.
"""

from __future__ import annotations

import ctypes
import math
import sys
import time
from collections.abc import Callable
from typing import Any


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile, ``p`` in [0, 1] (same as ``bench_storage.py``)."""
    if not values:
        return math.nan
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


# -- PySide6 6.12.0 / Python 3.11: every call of a void Qt method drops one reference to None --

_NONE_HEADROOM = 1 << 40


def pyside_none_leak_per_call() -> float:
    """References to ``None`` lost per call of a void Qt method (0 on a healthy binding).

    Measured with ``QTimer.stop()`` on an idle timer. On Python >= 3.12 ``None`` is immortal,
    so the count never moves and this reports 0 whatever the binding does.
    """
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.stop()
    before = sys.getrefcount(None)
    calls = 200
    for _ in range(calls):
        timer.stop()
    return (before - sys.getrefcount(None)) / calls


def guard_pyside_none_refcount() -> dict[str, Any]:
    """Keep the benchmark alive on a binding that over-releases ``None``.

    PySide6/shiboken6 6.12.0 on CPython 3.11 decrements ``None``'s refcount once per call of
    a void method (``setText``, ``show``, ``processEvents``...). The count starts at ~5,000 -
    ~20,000, so an app that makes that many such calls dies with "Fatal Python error:
    none_dealloc". The cashier window makes ~240 per search keystroke, so a benchmark typing a
    few queries would crash. When the leak is detected this adds a large number of
    references that are never released (``None`` is never freed anyway), and reports what
    it found so the JSON shows the problem instead of hiding it.
    """
    leak = pyside_none_leak_per_call()
    guarded = False
    if leak > 0 and sys.version_info < (3, 12) and sys.implementation.name == "cpython":
        # ob_refcnt is the first field of every PyObject on CPython < 3.12.
        ctypes.c_ssize_t.from_address(id(None)).value += _NONE_HEADROOM
        guarded = True
    return {"pyside_none_refs_lost_per_void_call": round(leak, 3), "none_refcount_guard": guarded}


def none_refcount() -> int:
    return sys.getrefcount(None)


# -- waiting on the GUI thread -------------------------------------------------------------

def spin(ms_: int) -> None:
    """Run the Qt event loop for ``ms_`` milliseconds."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms_, loop.quit)
    loop.exec()


def wait_until(predicate: Callable[[], bool], timeout_s: float, poll_ms: int = 2) -> bool:
    """Run the event loop until ``predicate()`` is true (checked every ``poll_ms``)."""
    from PySide6.QtCore import QEventLoop, QTimer

    if predicate():
        return True
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s
    ok = False

    def check() -> None:
        nonlocal ok
        if predicate():
            ok = True
            loop.quit()
        elif time.perf_counter() > deadline:
            loop.quit()

    poll = QTimer()
    poll.setInterval(poll_ms)
    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    return ok


class StallRecorder:
    """Records the gaps between timeouts of a 1 ms timer on the GUI thread.

    A gap much longer than the interval means the GUI thread was busy (or blocked) for that
    long: nothing else, not a keystroke nor a repaint, could run meanwhile. ``phase`` labels
    each gap with what the benchmark was doing, so the longest stall can be attributed.
    """

    def __init__(self, interval_ms: int = 1) -> None:
        from PySide6.QtCore import Qt, QTimer

        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.phase = ""
        self.gaps: list[float] = []
        self.worst: tuple[float, str] = (0.0, "")

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self._last
        self._last = now
        self.gaps.append(gap)
        if gap > self.worst[0]:
            self.worst = (gap, self.phase)

    def start(self) -> None:
        self.gaps = []
        self.worst = (0.0, "")
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> list[float]:
        """Stop and return the gaps (seconds); the time since the last tick counts too."""
        self._tick()
        self._timer.stop()
        return self.gaps
