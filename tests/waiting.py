"""Waiting for states in tests: poll a condition until a generous deadline, never sleep for a
fixed time to synchronise. A loaded machine (CI, a 2-core till, ``stress-ng``) only makes a
test slower, never red; a deadline that passes says what was being waited for."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: how long a test waits for something that normally takes milliseconds
WAIT_S = 30.0
WAIT_MS = int(WAIT_S * 1000)


def wait_for(predicate: Callable[[], T], what: str, timeout: float = WAIT_S,
             interval: float = 0.02) -> T:
    """Poll ``predicate`` (off the Qt event loop) until it returns something truthy; return it.
    After ``timeout`` seconds fail with "timed out ... waiting for <what>"."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def qt_wait_for(qtbot, predicate: Callable[[], object], what: str,  # type: ignore[no-untyped-def]
                timeout_ms: int = WAIT_MS) -> None:
    """``qtbot.waitUntil`` (Qt events keep flowing) with a generous deadline and a message
    saying what was being waited for."""
    try:
        qtbot.waitUntil(lambda: bool(predicate()), timeout=timeout_ms)
    except qtbot.TimeoutError:
        message = f"timed out after {timeout_ms / 1000:g} s waiting for {what}"
        raise AssertionError(message) from None


def qt_seconds_until(qtbot, predicate: Callable[[], object], since: float, what: str,  # type: ignore[no-untyped-def]
                     timeout_ms: int = WAIT_MS) -> float:
    """Process Qt events until ``predicate()`` holds; return the seconds from ``since`` (a
    ``time.monotonic()`` stamp) to the end of the event pass in which it first held.

    That is an upper bound of when the change happened, so ``>= d`` is a load-proof way to
    say "not before ``d``": a slow machine only makes the number larger."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        QApplication.processEvents()
        now = time.monotonic()
        if predicate():
            return now - since
        if now >= deadline:
            raise AssertionError(f"timed out after {timeout_ms / 1000:g} s waiting for {what}")
        qtbot.wait(1)
