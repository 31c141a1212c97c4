"""Background work for the window, the way Anki's ``aqt/taskman.py`` does it.

Database writes run on one worker thread (so sales are written in the order the cashier made
them), catalogue reads on another, and each result is handed back to the GUI thread through a
queued Qt signal, where the caller's ``on_success``/``on_failure`` runs. The GUI thread never
waits for SQLite or the network.

Each worker is a thread with a ``queue.SimpleQueue``: what ``ThreadPoolExecutor(1)`` does here,
without importing ``concurrent.futures`` (~1.5 ms) on the till's start-up path; nobody needs a
``Future`` because results arrive as callbacks.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]

# What ``_finished`` carries: (result, error, on_success, on_failure). A plain tuple: this
# module is on the start-up path, where each dataclass costs ~0.5 ms to create.
_Done = tuple[Any, "BaseException | None", "Success | None", "Failure | None"]


class TaskManagerClosed(RuntimeError):
    """Work handed to the TaskManager after ``shutdown()``."""


class _Worker:
    """One thread running jobs one at a time, in the order they were submitted."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._closed:
                raise TaskManagerClosed(f"{self.name}: shut down, work refused")
            if self._thread is None:
                # Daemon: a write still queued when the process dies is rolled back by SQLite
                # (one transaction per sale); shutdown() is what waits for them normally.
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._jobs.put(job)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:  # e.g. the window is gone at exit; the next job must still run
                log.exception("%s: a job could not report back", self.name)

    def shutdown(self, *, wait: bool, drop_queued: bool) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if drop_queued:
                try:
                    while True:
                        self._jobs.get_nowait()
                except queue.Empty:
                    pass
            self._jobs.put(None)
            thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join()


class TaskManager(QObject):
    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = _Worker("db-writer")
        self._reader = _Worker("db-reader")
        # Emitted on a worker thread, received here on the GUI thread: Qt's automatic connection
        # queues it, so callbacks always run on the GUI thread.
        self._finished.connect(self._deliver)
        self.pending = 0

    def write(self, fn: Callable[[], Any], on_success: Success | None = None,
              on_failure: Failure | None = None) -> None:
        """Run ``fn`` on the database writer thread; callbacks run on the GUI thread."""
        self._submit(self._writer, fn, on_success, on_failure)

    def read(self, fn: Callable[[], Any], on_success: Success | None = None,
             on_failure: Failure | None = None) -> None:
        """Run ``fn`` on the reader thread (catalogue searches, reports); callbacks as ``write``."""
        self._submit(self._reader, fn, on_success, on_failure)

    def _submit(self, worker: _Worker, fn: Callable[[], Any], on_success: Success | None,
                on_failure: Failure | None) -> None:
        def job() -> None:
            try:
                result = fn()
            except BaseException as exc:  # handed to the GUI thread, which tells the cashier
                self._finished.emit((None, exc, on_success, on_failure))
            else:
                self._finished.emit((result, None, on_success, on_failure))

        worker.submit(job)
        self.pending += 1

    def _deliver(self, done: _Done) -> None:
        self.pending -= 1
        result, error, on_success, on_failure = done
        if error is not None:
            if on_failure is not None:
                on_failure(error)
            else:
                log.error("background task failed", exc_info=error)
        elif on_success is not None:
            on_success(result)

    def shutdown(self) -> None:
        # Let queued writes (a sale being committed) finish; reads can be dropped.
        self._reader.shutdown(wait=False, drop_queued=True)
        self._writer.shutdown(wait=True, drop_queued=False)
