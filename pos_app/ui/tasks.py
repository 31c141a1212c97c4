"""Background work for the window, the way Anki's ``aqt/taskman.py`` does it.

Database writes run on one single-thread executor (so sales are written in the order the
cashier made them), catalogue reads on another, and each result is handed back to the GUI
thread through a queued Qt signal, where the caller's ``on_success``/``on_failure`` runs. The
GUI thread never waits for SQLite or the network.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


@dataclass(frozen=True)
class _Done:
    result: Any
    error: BaseException | None
    on_success: Success | None
    on_failure: Failure | None


class TaskManager(QObject):
    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-reader")
        # Emitted on a worker thread, received here on the GUI thread: Qt's automatic connection
        # queues it, so callbacks always run on the GUI thread.
        self._finished.connect(self._deliver)
        self.pending = 0

    def write(self, fn: Callable[[], Any], on_success: Success | None = None,
              on_failure: Failure | None = None) -> Future[Any]:
        """Run ``fn`` on the database writer thread; callbacks run on the GUI thread."""
        return self._submit(self._writer, fn, on_success, on_failure)

    def read(self, fn: Callable[[], Any], on_success: Success | None = None,
             on_failure: Failure | None = None) -> Future[Any]:
        return self._submit(self._reader, fn, on_success, on_failure)

    def _submit(self, pool: ThreadPoolExecutor, fn: Callable[[], Any], on_success: Success | None,
                on_failure: Failure | None) -> Future[Any]:
        self.pending += 1

        def job() -> Any:
            try:
                result = fn()
            except BaseException as exc:  # handed to the GUI thread, which tells the cashier
                self._finished.emit(_Done(None, exc, on_success, on_failure))
                raise
            self._finished.emit(_Done(result, None, on_success, on_failure))
            return result

        return pool.submit(job)

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
        # Let queued writes (a sale being committed) finish; reads can be dropped.
        self._reader.shutdown(wait=False, cancel_futures=True)
        self._writer.shutdown(wait=True)
