"""Shared helpers for the Qt benchmarks (``bench_startup.py``, ``bench_window.py``).

Nothing here measures by itself: percentiles, waiting on the GUI thread without busy-looping,
an event-loop stall recorder, and a guard against refcount bugs of PySide6 6.12.0 on
Python 3.11 that would otherwise kill a benchmark long before it finishes (see
:func:`guard_pyside_refcounts`). PySide6 is imported lazily, so ``bench_startup.py`` can
use :func:`percentile` without loading Qt into the parent process.
"""

from __future__ import annotations

import ctypes
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _stats import percentile  # noqa: F401 - re-exported for the benches


def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


# -- PySide6 6.12.0 / Python 3.11: void Qt calls drop a reference to None, emit() one to True --

_HEADROOM = 1 << 40


def pyside_refcount_leaks() -> dict[str, float]:
    """References lost per call: to ``None`` by a void Qt method, to ``True`` by ``emit()``.

    Both are 0 on a healthy binding. Measured with ``QTimer.stop()`` on an idle timer and
    ``Signal.emit()`` with one receiver. On Python >= 3.12 ``None`` and ``True`` are
    immortal, so the counts never move and this reports 0 whatever the binding does.
    """
    from PySide6.QtCore import QObject, QTimer, Signal

    class _Emitter(QObject):
        ping = Signal(int)

    timer = QTimer()
    emitter = _Emitter()
    sink: list[int] = []
    emitter.ping.connect(sink.append)
    calls = 200
    timer.stop()
    before = sys.getrefcount(None)
    for _ in range(calls):
        timer.stop()
    none_lost = (before - sys.getrefcount(None)) / calls
    before = sys.getrefcount(True)
    for i in range(calls):
        emitter.ping.emit(i)
    true_lost = (before - sys.getrefcount(True)) / calls
    return {"none_per_void_call": round(none_lost, 3), "true_per_signal_emit": round(true_lost, 3)}


def guard_pyside_refcounts() -> dict[str, Any]:
    """Keep the benchmark alive on a binding that over-releases ``None`` and ``True``.

    PySide6/shiboken6 6.12.0 on CPython 3.11 (6.11.x does not) decrements ``None``'s refcount
    once per call of a void method (``setText``, ``show``, ``processEvents``...) and
    ``True``'s once per ``Signal.emit()``. ``None`` starts at ~5,000 - ~20,000 references, so
    a process that makes that many such calls dies with "Fatal Python error: none_dealloc"
    (``bool_dealloc`` for ``True``). The cashier window makes ~250 void calls per search
    keystroke, so a benchmark typing a few queries would crash. When a leak is detected this
    adds a large number of references to ``None``, ``True`` and ``False`` that are never
    released (they are never freed anyway), and reports what it found, so the JSON shows
    the problem instead of hiding it.
    """
    leaks = pyside_refcount_leaks()
    guarded = False
    if any(v > 0 for v in leaks.values()) and sys.version_info < (3, 12) \
            and sys.implementation.name == "cpython":
        for obj in (None, True, False):
            # ob_refcnt is the first field of every PyObject on CPython < 3.12.
            ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
        guarded = True
    return {"pyside_refs_lost": leaks, "refcount_guard": guarded}


def run_header(bench: str) -> dict[str, Any]:
    """The fields every Qt bench's JSON starts with: what ran, where, and how busy the machine
    was (the PySide refcount guard included, so a run on a broken PySide says so)."""
    import os
    import platform

    return {
        "bench": bench,
        "python": platform.python_version(),
        "qt_qpa_platform": os.environ.get("QT_QPA_PLATFORM", "").split(":")[0],
        "cpus": os.cpu_count(),
        **guard_pyside_refcounts(),
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
    }


def none_refcount() -> int:
    return sys.getrefcount(None)


def true_refcount() -> int:
    return sys.getrefcount(True)


def thread_cpu_ms() -> dict[str, float]:
    """CPU time (ms) used so far by each thread of this process, by thread name (Linux only).

    Python threads are named as in ``threading``; Qt's own threads by their OS name. Coarse
    (the kernel counts in 10 ms ticks), meant for "which thread burned the CPU" over seconds.
    """
    import os
    import threading

    task_dir = Path("/proc/self/task")
    if not task_dir.is_dir():
        return {}
    tick_ms = 1000.0 / os.sysconf("SC_CLK_TCK")
    names = {t.native_id: t.name for t in threading.enumerate()}
    out: dict[str, float] = {}
    for task in task_dir.iterdir():
        try:
            stat = (task / "stat").read_text()
            comm = (task / "comm").read_text().strip()
        except OSError:
            continue  # the thread ended meanwhile
        fields = stat[stat.rindex(")") + 2:].split()
        name = names.get(int(task.name), f"{comm}[{task.name}]")
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) * tick_ms
    return out


def cpu_share(before: dict[str, float], after: dict[str, float], wall_s: float) -> dict[str, float]:
    """Percent of one core used by each thread between two :func:`thread_cpu_ms` snapshots."""
    share = {k: (v - before.get(k, 0.0)) / (wall_s * 10.0) for k, v in after.items()}
    return {k: round(v, 1) for k, v in sorted(share.items(), key=lambda kv: -kv[1]) if v >= 0.5}


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


def bring_up_till(window: Any, display: Any, settings: Any, tasks: Any, timeout_s: float) -> bool:
    """Show the cashier window and the customer display the way ``pos_app/ui/app.py`` does,
    give the search box the focus, and wait for the first search to be on screen."""
    window.show()
    display.place(preferred_index=int(settings.get("ui.customer_display_screen")))
    display.show_idle(str(settings.get("store.name")))
    window.activateWindow()
    window.search_input.setFocus()
    return wait_until(lambda: tasks.pending == 0 and bool(window.grid.shown), timeout_s)


@dataclass(frozen=True)
class Stall:
    """One gap between two timer ticks, and what the process did meanwhile."""

    wall_s: float
    gui_cpu_s: float  # CPU time of the GUI thread itself during the gap
    process_cpu_s: float  # CPU time of all threads of the process during the gap
    phase: str

    def as_json(self) -> dict[str, Any]:
        """gui_cpu close to wall: the GUI thread was busy computing. Much less, with process_cpu
        close to wall: it waited for another thread of the app (GIL, a lock). Both low: it was
        off the CPU (another process had it, or it slept on I/O)."""
        return {"ms": ms(self.wall_s), "phase": self.phase, "gui_thread_cpu_ms": ms(self.gui_cpu_s),
                "process_cpu_ms": ms(self.process_cpu_s)}


class StallRecorder:
    """Records the gaps between timeouts of a 1 ms timer on the GUI thread.

    A gap much longer than the interval means the GUI thread did not get back to its event
    loop for that long: nothing else, not a keystroke nor a repaint, could run meanwhile.
    ``phase`` labels each gap with what the benchmark was doing, so the longest stall can be
    attributed; thread and process CPU times tell computing from waiting (see :class:`Stall`).
    """

    def __init__(self, interval_ms: int = 1) -> None:
        from PySide6.QtCore import Qt, QTimer

        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = (0.0, 0.0, 0.0)
        self.phase = ""
        self.gaps: list[float] = []
        self.worst = Stall(0.0, 0.0, 0.0, "")  # the longest gap
        self.busiest = Stall(0.0, 0.0, 0.0, "")  # the gap with the most GUI-thread CPU time

    @staticmethod
    def _now() -> tuple[float, float, float]:
        return time.perf_counter(), time.thread_time(), time.process_time()

    def _tick(self) -> None:
        now = self._now()
        gap = now[0] - self._last[0]
        self.gaps.append(gap)
        if gap > self.worst.wall_s or now[1] - self._last[1] > self.busiest.gui_cpu_s:
            stall = Stall(gap, now[1] - self._last[1], now[2] - self._last[2], self.phase)
            if gap > self.worst.wall_s:
                self.worst = stall
            if stall.gui_cpu_s > self.busiest.gui_cpu_s:
                self.busiest = stall
        self._last = now

    def start(self) -> None:
        self.gaps = []
        self.worst = Stall(0.0, 0.0, 0.0, "")
        self.busiest = Stall(0.0, 0.0, 0.0, "")
        self._last = self._now()
        self._timer.start()

    def stop(self) -> list[float]:
        """Stop and return the gaps (seconds); the time since the last tick counts too."""
        self._tick()
        self._timer.stop()
        return self.gaps
