"""The host's end of the USB soundbox (SPEC.md section 6): one worker thread owns the port.

Callers never touch the serial port. They queue commands -- ``announce`` returns a
``Future`` of the device's answer, ``show_qr`` / ``clear`` / ``set_volume`` are fire and forget
-- from any thread, and the worker sends them one at a time, in order:

* a command waits up to 1 s for the answer with its ``id``; no answer: sent again with the
  *same* ``id`` (and, for ``announce``, the same ``event_id``), up to 3 retries. Four silent
  attempts mean the device is gone: the port is closed and reopened like after an unplug.
  ``BUSY`` is asked again a little later; ``DUP`` is success (the device already said it);
* a ``SerialException`` / ``OSError`` (the cable pulled) closes the port: the state becomes
  ``DISCONNECTED`` and the port is reopened with a short backoff (0.1 s doubling to 0.5 s, so
  a replugged soundbox is usable within about a second), then ``hello`` again, the volume, and
  the QR the customer should be seeing. Commands queued while it is away fail at once with
  :class:`NotConnected`, so that the caller (``hardware.announcer``) can let the PC speaker
  speak instead of waiting;
* ``port = auto`` finds the device among the serial ports whose USB id is in the configured
  list, by asking each ``hello`` (``hardware.discovery``); nothing is sent to other devices.

Device events (``boot``, ``play_started`` ...) are passed to ``on_event``; ``boot`` (the device
restarted) is followed by ``hello`` and the volume again.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import serial

from hardware.discovery import LINE_ERRORS, OPEN_ERRORS, PortLister, find_soundbox
from hardware.protocol import (
    ANSWER_TIMEOUT_S,
    ATTEMPTS,
    BAUD,
    Answer,
    Cmd,
    Command,
    Err,
    Event,
    Evt,
    LineBuffer,
    ProtocolError,
    parse_device_line,
)

log = logging.getLogger(__name__)

RECONNECT_MIN_S = 0.1
RECONNECT_MAX_S = 0.5
BUSY_WAIT_S = 0.2
BUSY_TRIES = 20  # a device whose queue stays full for 4 s is treated as not answering
IDLE_PING_S = 5.0  # a soundbox that died silently (no USB error) is noticed within this


class SoundboxState(StrEnum):
    OFF = "off"  # hardware.soundbox.port = off
    SEARCHING = "searching"  # auto: no soundbox found yet
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # was there (or a fixed port), now can't be opened


class SoundboxError(Exception):
    """A command the soundbox didn't carry out."""


class NotConnected(SoundboxError):
    """No soundbox on the line now (unplugged, not found, off)."""


class NoAnswer(SoundboxError):
    """No answer to four attempts."""


class MaybeSaid(NoAnswer):
    """``play`` went out and no answer came: the device may have played it (never resent)."""


class Refused(SoundboxError):
    """The device answered ``ok: false`` (``BAD_ARG``, ``UNKNOWN_CMD``)."""

    def __init__(self, err: str) -> None:
        super().__init__(f"soundbox refused: {err}")
        self.err = err


@dataclass(frozen=True)
class DeviceInfo:
    """What ``hello`` said, and where."""

    port: str
    sn: str = ""
    fw: str = ""
    langs: tuple[str, ...] = ()
    max_amount: int | None = None
    screen: bool = False

    @classmethod
    def of(cls, port: str, answer: Answer) -> DeviceInfo:
        f = answer.fields
        langs = f.get("langs")
        max_amount = f.get("max_amount")
        return cls(port, str(f.get("sn") or ""), str(f.get("fw") or ""),
                   tuple(str(x) for x in langs) if isinstance(langs, list) else (),
                   max_amount if isinstance(max_amount, int) else None,
                   bool(f.get("screen")))

    @property
    def label(self) -> str:
        return f"soundbox {self.sn}" if self.sn else f"soundbox on {self.port}"


@dataclass(frozen=True)
class SoundboxConfig:
    port: str = "auto"  # a path, "auto" or "off"
    usb_ids: tuple[tuple[int, int], ...] = ()
    volume: int | None = None


@dataclass
class _Job:
    command: Command
    future: Future[Answer] | None = None
    display: bool = False  # show_qr / clear: replaced by newer ones, resent after reconnect


def _unsendable(command: Command) -> str | None:
    """Why ``command`` can't go on the line (a frame over 512 bytes), or None."""
    try:
        command.encode()
    except ProtocolError as exc:
        return str(exc)
    return None


class _Stop(Exception):
    """The worker is closing."""


_ids = itertools.count(1)


def new_id() -> str:
    """A command id unique across restarts of the app (the pid and a counter)."""
    return f"h{os.getpid():x}-{next(_ids)}"


class SoundboxLink:
    """See the module docstring. ``start()`` starts the worker; ``close()`` stops it."""

    def __init__(self, config: SoundboxConfig, *,
                 on_state: Callable[[SoundboxState, str | None], None] | None = None,
                 on_event: Callable[[Event], None] | None = None,
                 list_ports: PortLister | None = None) -> None:
        self.config = config
        self._on_state = on_state
        self._on_event = on_event
        self._list_ports = list_ports
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._port: serial.Serial | None = None
        self._info: DeviceInfo | None = None
        self._state = SoundboxState.OFF if config.port == "off" else (
            SoundboxState.SEARCHING if config.port == "auto" else SoundboxState.DISCONNECTED)
        self._display: Command | None = None
        self._volume = config.volume
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._lines = LineBuffer()
        self._last_traffic = time.monotonic()
        self._rehello = False

    # -- what callers use (any thread) -----------------------------------------------------
    @property
    def state(self) -> SoundboxState:
        return self._state

    @property
    def info(self) -> DeviceInfo | None:
        return self._info

    @property
    def connected(self) -> bool:
        return self._state is SoundboxState.CONNECTED

    def start(self) -> SoundboxLink:
        if self.config.port != "off" and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="soundbox", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout_s: float = 3.0) -> None:
        """Stop the worker; it closes the port itself (never under its feet from here)."""
        self._closing.set()
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            if self._thread.is_alive():
                log.warning("soundbox: the worker is still busy after %g s; it closes the port "
                            "when it is done", timeout_s)
                return
        self._drop_port(None)
        self._fail_queued()

    def wait_connected(self, timeout_s: float) -> bool:
        """Wait (not on the GUI thread) until a soundbox is connected; False at the timeout."""
        end = time.monotonic() + timeout_s
        while not self.connected and time.monotonic() < end and not self._closing.is_set():
            time.sleep(0.02)
        return self.connected

    def request(self, cmd: Cmd, **args: Any) -> Future[Answer]:
        """Any command; the future holds the answer (or a :class:`SoundboxError`). A caller
        that stops waiting cancels the future: if it is still queued, it is never sent."""
        future: Future[Answer] = Future()
        command = Command(new_id(), cmd, args)
        if self.config.port == "off" or self._closing.is_set():
            future.set_exception(NotConnected("the soundbox is off"))
        elif (problem := _unsendable(command)) is not None:
            future.set_exception(Refused(problem))
        else:
            self._jobs.put(_Job(command, future))
        return future

    def announce(self, event_id: str, amount: int, lang: str = "id") -> Future[Answer]:
        """Say the payment sentence. The device drops an ``event_id`` it has seen (``DUP``,
        counted as success): a retry, a restart or a resend never makes it speak twice.

        A device without the language (a clip-only one), or an amount over its
        ``max_amount``, is sent the clips to ``play`` instead. ``play`` has no ``event_id``,
        so it is sent once, never again: an answer that doesn't come raises
        :class:`MaybeSaid` (the device may well have played it)."""
        info = self._info
        if info is not None and (lang not in info.langs or (
                info.max_amount is not None and amount > info.max_amount)):
            from hardware.clips import tokens_for

            return self.request(Cmd.PLAY, tokens=tokens_for(amount, lang))
        return self.request(Cmd.ANNOUNCE, event_id=event_id, amount=amount, lang=lang)

    def show_qr(self, payload: str, amount: int, expires_at: datetime | None) -> None:
        args: dict[str, Any] = {"payload": payload, "amount": amount}
        if expires_at is not None:
            args["expires_at"] = expires_at.isoformat().replace("+00:00", "Z")
        self._display_job(Command(new_id(), Cmd.SHOW_QR, args))

    def clear(self) -> None:
        self._display_job(Command(new_id(), Cmd.CLEAR))

    def set_volume(self, level: int) -> None:
        self._volume = level
        if self.config.port != "off":
            self._jobs.put(_Job(Command(new_id(), Cmd.SET_VOLUME, {"level": level})))

    def _display_job(self, command: Command) -> None:
        problem = _unsendable(command)
        if problem is not None:  # a QR too long for a frame: the till's screens show it
            log.warning("soundbox: %s not sent: %s", command.cmd.value, problem)
            return
        self._display = command
        if self.config.port != "off":
            self._jobs.put(_Job(command, display=True))

    # -- the worker ------------------------------------------------------------------------
    def _set_state(self, state: SoundboxState, detail: str | None = None) -> None:
        if state is self._state:
            return
        self._state = state
        if state is SoundboxState.CONNECTED:
            log.info("soundbox connected: %s", detail)
        else:
            log.warning("soundbox %s%s", state.value, f": {detail}" if detail else "")
        if self._on_state is not None:
            try:
                self._on_state(state, detail)
            except Exception:
                log.exception("soundbox state listener failed")

    def _run(self) -> None:
        try:
            self._work()
        finally:  # the worker owns the port: it closes it, whenever it ends
            self._drop_port(None)
            self._fail_queued()

    def _work(self) -> None:
        delay = RECONNECT_MIN_S
        while not self._closing.is_set():
            try:
                delay = self._turn(delay)
            except _Stop:
                return
            except Exception as exc:  # a bug, or a line error we don't know: the worker must
                # outlive it, or no payment would be announced any more
                log.exception("soundbox worker: unexpected error")
                self._drop_port(f"unexpected error: {type(exc).__name__}")
                if self._closing.wait(delay):
                    return

    def _turn(self, delay: float) -> float:
        """One turn of the worker: reconnect, or one command, or a look at the idle line.
        Returns the reconnect delay to use next."""
        if self._port is None:
            if self._open():
                return RECONNECT_MIN_S
            self._fail_queued()
            if self._closing.wait(delay):
                raise _Stop
            return min(delay * 2, RECONNECT_MAX_S)
        if self._rehello:
            self._greet_again()
            return delay
        try:
            job = self._jobs.get(timeout=0.05)
        except queue.Empty:
            self._idle()
            return delay
        if job is None:
            raise _Stop
        if job.future is not None and not job.future.set_running_or_notify_cancel():
            return delay  # the caller stopped waiting for it (and said it elsewhere)
        if self._rehello:
            self._greet_again()
        if job.display and job.command is not self._display:
            return delay  # a newer show_qr/clear replaced it while it waited
        if self._port is None:  # the greeting after a restart failed: the line is gone
            if job.future is not None:
                job.future.set_exception(NotConnected("no soundbox connected"))
            return delay
        try:
            self._carry_out(job)
        finally:
            if job.future is not None and not job.future.done():  # an unexpected error
                job.future.set_exception(NotConnected("the soundbox worker failed"))
        return delay

    def _open(self) -> bool:
        """Open the port and say ``hello``; False when there is no soundbox yet."""
        try:
            if self.config.port == "auto":
                found = find_soundbox(self.config.usb_ids, self._list_ports)
                if found is None:
                    if self._state is not SoundboxState.SEARCHING:
                        self._set_state(SoundboxState.DISCONNECTED, "no soundbox found")
                    return False
                port, answer = found
            else:
                port = serial.Serial(self.config.port, BAUD, timeout=0, write_timeout=1,
                                     exclusive=True)  # one owner: no reader steals answers
                answer = None
        except OPEN_ERRORS as exc:
            self._set_state(SoundboxState.DISCONNECTED if self._state is not
                            SoundboxState.SEARCHING else SoundboxState.SEARCHING, str(exc))
            return False
        self._port = port
        self._lines.clear()
        self._rehello = False
        try:
            self._greet(answer)
        except SoundboxError as exc:
            self._drop_port(f"no answer to hello on {port.port}: {exc}")
            return False
        except LINE_ERRORS as exc:
            self._drop_port(str(exc))
            return False
        assert self._info is not None
        self._set_state(SoundboxState.CONNECTED, f"{self._info.label} ({self._info.fw})")
        return True

    def _greet_again(self) -> None:
        """After the device's ``boot``: hello, the volume and the QR again."""
        self._rehello = False
        try:
            self._greet()
        except SoundboxError as exc:
            self._drop_port(f"no answer to hello after a restart: {exc}")
        except LINE_ERRORS as exc:
            self._drop_port(str(exc))

    def _greet(self, answer: Answer | None = None) -> None:
        port = self._port
        assert port is not None
        if answer is None:
            answer = self._exchange(Command(new_id(), Cmd.HELLO))
        self._info = DeviceInfo.of(str(port.port), answer)
        if self._volume is not None:
            self._exchange(Command(new_id(), Cmd.SET_VOLUME, {"level": self._volume}))
        display = self._display
        if display is not None:  # what the customer should be seeing, again
            self._jobs.put(_Job(display, display=True))

    def _drop_port(self, reason: str | None) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:  # closing a port whose device vanished can fail; it is gone
                pass
        if reason is not None and not self._closing.is_set():
            self._set_state(SoundboxState.DISCONNECTED, reason)

    def _fail_queued(self) -> None:
        """While no soundbox is there, queued commands fail now: the caller decides (the
        speaker speaks, the announcement waits). Display commands are kept as state."""
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is None:
                self._jobs.put(None)
                return
            if job.future is not None and not job.future.done():
                job.future.set_exception(NotConnected("no soundbox connected"))

    def _carry_out(self, job: _Job) -> None:
        try:
            answer = self._exchange(job.command)
        except Refused as exc:
            if job.future is not None:
                job.future.set_exception(exc)
            else:
                log.warning("soundbox refused %s: %s", job.command.cmd.value, exc.err)
            return
        except NoAnswer as exc:
            self._drop_port(f"no answer to {job.command.cmd.value}")
            if job.future is not None:
                job.future.set_exception(
                    MaybeSaid(str(exc)) if job.command.cmd is Cmd.PLAY else exc)
            return
        except LINE_ERRORS as exc:
            self._drop_port(str(exc))
            if job.future is not None:
                job.future.set_exception(NotConnected(str(exc)))
            return
        if job.future is not None:
            job.future.set_result(answer)

    def _exchange(self, command: Command) -> Answer:
        """Send ``command`` and wait for its answer: the retries, BUSY and DUP rules."""
        port = self._port
        assert port is not None
        frame = command.encode()
        busy = 0
        attempt = 0
        # play carries no event_id: a resend could not be told from a second payment
        attempts = 1 if command.cmd is Cmd.PLAY else ATTEMPTS
        while attempt < attempts:
            port.write(frame)
            port.flush()
            answer = self._await(command.id, time.monotonic() + ANSWER_TIMEOUT_S)
            if answer is None:
                attempt += 1
                if attempt < attempts:
                    log.info("soundbox: no answer to %s %s, sending it again",
                             command.cmd.value, command.id)
                continue
            if answer.ok or answer.err == Err.DUP:
                return answer
            if answer.err == Err.BUSY and busy < BUSY_TRIES:
                busy += 1
                if self._closing.wait(BUSY_WAIT_S):
                    raise NotConnected("closing")
                continue
            raise Refused(answer.err or "?")
        raise NoAnswer(f"no answer to {command.cmd.value} after {attempts} attempt(s)")

    def _await(self, ident: str, deadline: float) -> Answer | None:
        while True:
            for line in self._read_lines(max(0.0, deadline - time.monotonic())):
                try:
                    msg = parse_device_line(line)
                except ProtocolError as exc:
                    log.warning("soundbox sent a line that is not a frame: %s", exc)
                    continue
                if isinstance(msg, Event):
                    self._device_event(msg)
                elif msg.id == ident:
                    return msg
                # else: the late answer to an earlier attempt of another command
            if time.monotonic() >= deadline:
                return None

    def _read_lines(self, wait_s: float) -> list[bytes]:
        """Complete lines that arrived, waiting up to ``wait_s`` for the first bytes."""
        port = self._port
        assert port is not None
        port.timeout = min(wait_s, 0.05)
        chunk = port.read(max(1, port.in_waiting))
        if chunk:
            self._last_traffic = time.monotonic()
        return self._lines.feed(chunk)

    def _idle(self) -> None:
        """Between commands: device events, and the cable's state (a read on a port whose
        device is gone raises)."""
        try:
            for line in self._read_lines(0):
                try:
                    msg = parse_device_line(line)
                except ProtocolError:
                    continue
                if isinstance(msg, Event):
                    self._device_event(msg)
            if time.monotonic() - self._last_traffic > IDLE_PING_S:
                self._last_traffic = time.monotonic()
                self._exchange(Command(new_id(), Cmd.PING))
        except NoAnswer:
            self._drop_port("no answer to ping")
        except SoundboxError:
            pass
        except LINE_ERRORS as exc:
            self._drop_port(str(exc))

    def _device_event(self, event: Event) -> None:
        if event.evt == Evt.BOOT:
            # Restarted: it lost the volume and its screen. Said hello to again by the worker
            # loop, after the command being answered now (its answer may still be coming).
            log.info("soundbox restarted")
            self._rehello = True
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                log.exception("soundbox event listener failed")

