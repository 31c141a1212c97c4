"""Background work for the window, the way Anki's ``aqt/taskman.py`` does it.

Database writes run on one worker thread (so sales are written in the order the cashier made
them), catalogue reads on another, and each result is handed back to the GUI thread through a
queued Qt signal, where the caller's ``on_success``/``on_failure`` runs. The GUI thread never
waits for SQLite or the network.

Each lane is a ``ThreadPoolExecutor(max_workers=1)``: one thread, jobs in submission order.
Nobody waits on the ``Future`` it returns, because results arrive as callbacks. ``shutdown()``
drops the queued reads, lets the queued writes (a sale being committed) finish, and refuses
work from then on with :class:`TaskManagerClosed`.

A worker holds only a weak reference to its TaskManager, and the signal is sent by one relay
object that lives as long as the process. If a worker held the last reference to a QObject,
Python would delete it on that thread while the GUI thread may be delivering its events: a
crash, e.g. when a dialog drops its TaskManager with a connection test still running.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


@dataclass(frozen=True, slots=True)
class _Done:
    """One finished job, on its way from a worker thread to the GUI thread."""

    manager: weakref.ReferenceType[TaskManager]
    result: Any
    error: BaseException | None
    on_success: Success | None
    on_failure: Failure | None


class _Relay(QObject):
    """Carries every TaskManager's finished jobs to the GUI thread; never deleted."""

    finished = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        # Emitted on a worker thread, received on the thread that made the relay (the GUI
        # thread): Qt's automatic connection queues it, so callbacks run on the GUI thread.
        self.finished.connect(self._deliver)

    def _deliver(self, done: _Done) -> None:
        manager = done.manager()
        if manager is not None:  # else its window is gone, and nobody waits for the answer
            manager._deliver(done)


_relay: _Relay | None = None


def _the_relay() -> _Relay:
    """The process's relay, made on first use by the first TaskManager (on the GUI thread)."""
    global _relay
    if _relay is None:
        _relay = _Relay()
    return _relay


class TaskManagerClosed(RuntimeError):
    """Work handed to the TaskManager after ``shutdown()``."""


class TaskManager(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay = _the_relay()
        # The executors start their thread with the first job. They are not daemon threads:
        # at interpreter exit Python lets them finish what is queued, which shutdown() already
        # does for writes (a write cut short by a killed process is rolled back by SQLite).
        self._writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._reads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-reader")
        self._closed = False
        self.pending = 0

    @property
    def closed(self) -> bool:
        """True once ``shutdown()`` has dropped the queued reads and refuses new work."""
        return self._closed

    def write(self, fn: Callable[[], Any], on_success: Success | None = None,
              on_failure: Failure | None = None) -> None:
        """Run ``fn`` on the database writer thread; callbacks run on the GUI thread."""
        self._submit(self._writes, "db-writer", fn, on_success, on_failure)

    def read(self, fn: Callable[[], Any], on_success: Success | None = None,
             on_failure: Failure | None = None) -> None:
        """Run ``fn`` on the reader thread (catalogue searches, reports); callbacks as ``write``."""
        self._submit(self._reads, "db-reader", fn, on_success, on_failure)

    def _submit(self, lane: ThreadPoolExecutor, name: str, fn: Callable[[], Any],
                on_success: Success | None, on_failure: Failure | None) -> None:
        relay, manager = self._relay, weakref.ref(self)

        def job() -> None:
            try:
                done = _Done(manager, fn(), None, on_success, on_failure)
            except BaseException as exc:  # handed to the GUI thread, which tells the cashier
                done = _Done(manager, None, exc, on_success, on_failure)
            try:
                relay.finished.emit(done)
            except Exception:  # nobody reads the Future: say it here
                log.exception("%s: a job could not report back", name)

        if self._closed:
            raise TaskManagerClosed(f"{name}: shut down, work refused")
        try:
            lane.submit(job)
        except RuntimeError:  # the executor is shut down (a race with shutdown(), or exit)
            raise TaskManagerClosed(f"{name}: shut down, work refused") from None
        self.pending += 1

    def _deliver(self, done: _Done) -> None:
        self.pending -= 1
        if done.error is not None:
            if done.on_failure is not None:
                done.on_failure(done.error)
            else:
                log.error("background task failed", exc_info=done.error)
        elif done.on_success is not None:
            done.on_success(done.result)

    def shutdown(self) -> None:
        # Reads can be dropped; queued writes (a sale being committed) must finish.
        self._reads.shutdown(wait=False, cancel_futures=True)
        self._closed = True
        self._writes.shutdown(wait=True)
