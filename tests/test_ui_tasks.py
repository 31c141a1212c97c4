"""The window's TaskManager: work on two threads, results back on the GUI thread, in order."""

from __future__ import annotations

import threading
import time
import weakref

import pytest

from pos_app.ui.tasks import TaskManager, TaskManagerClosed
from tests.waiting import WAIT_MS, WAIT_S, wait_for


@pytest.fixture
def tasks(qapp):
    manager = TaskManager()
    yield manager
    manager.shutdown()


def test_writes_run_in_order_off_the_gui_thread_and_report_on_it(tasks: TaskManager, qtbot) -> None:
    gui = threading.current_thread()
    ran: list[tuple[int, str]] = []
    delivered: list[tuple[int, bool]] = []
    for i in range(20):
        def fn(i: int = i) -> int:
            time.sleep(0.001 * (i % 3))  # uneven work must not reorder writes
            ran.append((i, threading.current_thread().name))
            return i
        tasks.write(fn, lambda r: delivered.append((r, threading.current_thread() is gui)))
    qtbot.waitUntil(lambda: len(delivered) == 20, timeout=WAIT_MS)
    assert [i for i, _ in ran] == list(range(20))
    assert {name for _, name in ran} == {"db-writer_0"}  # one thread: the writer lane's
    assert delivered == [(i, True) for i in range(20)]
    assert tasks.pending == 0


def test_failure_goes_to_on_failure_and_the_worker_keeps_going(tasks: TaskManager, qtbot) -> None:
    errors: list[BaseException] = []
    results: list[str] = []
    tasks.read(lambda: 1 / 0, results.append, errors.append)
    tasks.read(lambda: "next", results.append, errors.append)
    qtbot.waitUntil(lambda: results == ["next"], timeout=WAIT_MS)
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)


def test_unhandled_failure_is_logged(tasks: TaskManager, qtbot,
                                     caplog: pytest.LogCaptureFixture) -> None:
    tasks.write(lambda: {}["missing"])
    qtbot.waitUntil(lambda: tasks.pending == 0, timeout=WAIT_MS)
    assert "background task failed" in caplog.text and "KeyError" in caplog.text


def test_shutdown_finishes_queued_writes_and_drops_queued_reads(qapp) -> None:
    tasks = TaskManager()
    gate = threading.Event()
    written: list[int] = []
    read: list[int] = []
    tasks.write(lambda: gate.wait(WAIT_S))
    tasks.read(lambda: gate.wait(WAIT_S))
    for i in range(5):
        tasks.write(lambda i=i: written.append(i))
        tasks.read(lambda i=i: read.append(i))

    def open_gate_once_shutdown_waits_for_the_writer() -> None:
        # The manager is closed only after the queued reads were dropped; opening the gate any
        # earlier (a fixed delay on a slow machine) would let the reader run them.
        try:
            wait_for(lambda: tasks.closed, "shutdown() to drop the reads and wait for the writer")
        finally:
            gate.set()

    threading.Thread(target=open_gate_once_shutdown_waits_for_the_writer, daemon=True).start()
    tasks.shutdown()  # returns once the writer has drained
    assert written == [0, 1, 2, 3, 4]
    assert read == []
    with pytest.raises(TaskManagerClosed):
        tasks.write(lambda: None)


def test_a_worker_never_holds_the_last_reference_to_its_manager(qapp, qtbot) -> None:
    """A dialog may drop its TaskManager with a connection test still running: the manager must
    then go away on the GUI thread (a QObject deleted on the worker crashed the GUI thread)."""
    started, gate, ran = threading.Event(), threading.Event(), threading.Event()
    delivered: list[object] = []

    def slow_read() -> str:
        started.set()
        gate.wait(WAIT_S)
        ran.set()
        return "late"

    tasks = TaskManager()
    tasks.read(slow_read, delivered.append, delivered.append)
    assert started.wait(WAIT_S)  # running, not queued: shutdown() doesn't drop it
    tasks.shutdown()
    manager = weakref.ref(tasks)
    del tasks
    assert manager() is None  # gone here, on the GUI thread, while its read still runs
    gate.set()
    assert ran.wait(WAIT_S)
    qtbot.wait(50)  # the relay gets the answer, finds no manager, and drops it
    assert delivered == []
