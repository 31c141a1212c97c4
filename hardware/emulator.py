"""A virtual soundbox on a pseudo-terminal: the device end of SPEC.md section 6.

``pos-app soundbox emulate`` runs one for a person to point the till at; the tests and the
benches run one to check the host's link against a real serial line (pyserial opens the pty
like a USB-CDC port). It keeps what a device keeps -- the last 32 ``event_id`` s, a queue of
sentences never cut off -- and counts what it *said*, which is what the shop hears.

``port`` is a stable path (a symlink, like ``/dev/serial/by-id/...``) that follows the pty
across :meth:`unplug` / :meth:`replug`: unplugging closes the pty's master side, so the host's
next read or write fails exactly as it does when the USB cable is pulled. The device's memory
(the last ``event_id`` s) survives an unplug -- soundboxes run on a battery -- unless the replug
is a power cycle (``replug(boot=True)``), which also says ``{"evt": "boot"}``.

Faults for tests: :meth:`drop_answers` (the next commands are acted on, their answers lost),
:meth:`ignore` (the next commands are not even read), :meth:`busy` (answers ``BUSY``).
"""

from __future__ import annotations

import contextlib
import os
import queue
import select
import threading
import time
import tty
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardware.protocol import (
    Answer,
    Cmd,
    Command,
    Err,
    Event,
    Evt,
    LineBuffer,
    ProtocolError,
    UnknownCommand,
    parse_host_line,
)

DEDUP_WINDOW = 32
DEFAULT_MAX_AMOUNT = 100_000_000  # what a real soundbox's firmware spells; above: BAD_ARG


@dataclass(frozen=True)
class Spoken:
    event_id: str
    amount: int
    lang: str
    sentence: str


class VirtualSoundbox:
    """See the module docstring. ``start()`` opens the pty; ``close()`` ends it."""

    def __init__(self, link_dir: Path | None = None, *, sn: str = "EMU-0001",
                 fw: str = "emu-1.0", langs: tuple[str, ...] = ("id", "en"),
                 max_amount: int = DEFAULT_MAX_AMOUNT, screen: bool = True,
                 speak_s: float = 0.0, log: Callable[[str], None] | None = None) -> None:
        self.sn, self.fw, self.langs = sn, fw, langs
        self.max_amount, self.screen = max_amount, screen
        self.speak_s = speak_s
        self._log = log
        self._link = (link_dir / "ttySOUNDBOX") if link_dir is not None else None
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_name = ""
        self._reader: threading.Thread | None = None
        self._closing = False
        self._seq = 0
        self._recent: deque[str] = deque(maxlen=DEDUP_WINDOW)
        self._drop = 0
        self._ignore = 0
        self._busy = 0
        self._speech: queue.Queue[tuple[Spoken | None, int | None]] = queue.Queue()
        self._speaker = threading.Thread(target=self._speak_loop, name="emulator-speech",
                                         daemon=True)
        # What the device saw and did, for tests and benches (read under no lock: appends only).
        self.frames: list[Command] = []
        self.received: list[tuple[float, Command]] = []  # (time.perf_counter(), frame)
        self.spoken: list[Spoken] = []
        self.volume = 50
        self.showing: dict[str, Any] | None = None
        self.answers_sent = 0

    # -- life -----------------------------------------------------------------------------
    @property
    def port(self) -> str:
        """The path the host opens: the stable link, or the pty itself."""
        return str(self._link) if self._link is not None else self._slave_name

    def start(self) -> VirtualSoundbox:
        self._speaker.start()
        self._plug()
        return self

    def close(self) -> None:
        self._closing = True
        self._unplug()
        self._speech.put((None, None))
        self._speaker.join(timeout=2)

    def __enter__(self) -> VirtualSoundbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def unplug(self) -> None:
        """Pull the cable: the host's port fails from now on."""
        self._unplug()
        self._say_log("-- unplugged")

    def replug(self, *, boot: bool = False) -> None:
        """Plug the cable back in (a new pty behind the same ``port``). ``boot``: the device
        was powered off meanwhile -- it forgot the last event ids, and says so."""
        if boot:
            self._recent.clear()
        self._plug()
        self._say_log("-- plugged in" + (" (boot)" if boot else ""))
        if boot:
            self._send(self._event(Evt.BOOT))

    @property
    def plugged(self) -> bool:
        return self._master is not None

    # -- faults ---------------------------------------------------------------------------
    def drop_answers(self, n: int) -> None:
        """Act on the next ``n`` commands but lose their answers (the host times out)."""
        self._drop = n

    def ignore(self, n: int) -> None:
        """Don't act on the next ``n`` commands at all (nor answer them)."""
        self._ignore = n

    def busy(self, n: int) -> None:
        """Answer the next ``n`` commands with ``BUSY``."""
        self._busy = n

    # -- counts ---------------------------------------------------------------------------
    def spoken_ids(self) -> Counter[str]:
        return Counter(s.event_id for s in self.spoken)

    def wait_spoken(self, n: int, timeout_s: float = 5.0) -> bool:
        end = time.monotonic() + timeout_s
        while len(self.spoken) < n and time.monotonic() < end:
            time.sleep(0.005)
        return len(self.spoken) >= n

    # -- the pty --------------------------------------------------------------------------
    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # bytes as they are: no echo, no newline translation
        with self._lock:
            self._master, self._slave = master, slave
            self._slave_name = os.ttyname(slave)
        if self._link is not None:
            tmp = self._link.with_name(self._link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self._slave_name)
            tmp.replace(self._link)  # atomic: the host never sees the link missing mid-replug
        reader = threading.Thread(target=self._read_loop, args=(master,),
                                  name="emulator-reader", daemon=True)
        self._reader = reader
        reader.start()

    def _unplug(self) -> None:
        with self._lock:
            master, slave = self._master, self._slave
            self._master = self._slave = None
        if self._link is not None:
            with contextlib.suppress(FileNotFoundError):
                self._link.unlink()
        for fd in (master, slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        reader = self._reader
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout=2)

    def _read_loop(self, master: int) -> None:
        lines = LineBuffer()
        while True:
            with self._lock:
                if self._master != master:
                    return
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                chunk = os.read(master, 4096)
            except (OSError, ValueError):
                return  # unplugged
            for line in lines.feed(chunk):
                self._handle(line)

    def _send(self, data: bytes) -> None:
        with self._lock:
            master = self._master
            if master is None:
                return
            try:
                os.write(master, data)
            except OSError:
                return

    # -- the protocol ---------------------------------------------------------------------
    def _event(self, evt: Evt) -> bytes:
        self._seq += 1
        return Event(evt.value, self._seq).encode()

    def _handle(self, line: bytes) -> None:
        if self._ignore > 0:
            self._ignore -= 1
            self._say_log(f"ignored {line.decode(errors='replace')}")
            return
        try:
            command = parse_host_line(line)
        except UnknownCommand as exc:
            self._answer(Answer(exc.id, False, Err.UNKNOWN_CMD.value))
            return
        except ProtocolError as exc:
            self._say_log(f"garbage from host: {exc}")
            return
        self.frames.append(command)
        self.received.append((time.perf_counter(), command))
        self._say_log(f"<- {line.decode(errors='replace')}")
        if self._busy > 0:
            self._busy -= 1
            self._answer(Answer(command.id, False, Err.BUSY.value))
            return
        self._answer(self._act(command))

    def _answer(self, answer: Answer) -> None:
        if self._drop > 0:
            self._drop -= 1
            self._say_log(f"(answer lost) {answer.encode().decode().strip()}")
            return
        self.answers_sent += 1
        data = answer.encode()
        self._say_log(f"-> {data.decode().strip()}")
        self._send(data)

    def _act(self, c: Command) -> Answer:
        a = c.args
        if c.cmd is Cmd.HELLO:
            return Answer(c.id, True, fields={"fw": self.fw, "sn": self.sn,
                                              "langs": list(self.langs),
                                              "max_amount": self.max_amount,
                                              "screen": self.screen})
        if c.cmd is Cmd.PING:
            return Answer(c.id, True)
        if c.cmd is Cmd.STATUS:
            return Answer(c.id, True, fields={"battery": 87, "volume": self.volume,
                                              "queue": self._speech.qsize()})
        if c.cmd is Cmd.SET_VOLUME:
            level = a.get("level")
            if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 100:
                return Answer(c.id, False, Err.BAD_ARG.value)
            self.volume = level
            return Answer(c.id, True)
        if c.cmd is Cmd.ANNOUNCE:
            return self._announce(c)
        if c.cmd is Cmd.PLAY:
            tokens = a.get("tokens")
            if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                return Answer(c.id, False, Err.BAD_ARG.value)
            self._speech.put((Spoken(f"play:{c.id}", 0, "", " ".join(tokens)), None))
            return Answer(c.id, True)
        if c.cmd is Cmd.SHOW_QR:
            if not self.screen:
                return Answer(c.id, False, Err.UNKNOWN_CMD.value)
            if not isinstance(a.get("payload"), str) or not isinstance(a.get("amount"), int):
                return Answer(c.id, False, Err.BAD_ARG.value)
            self.showing = dict(a)
            return Answer(c.id, True)
        if c.cmd is Cmd.CLEAR:
            self.showing = None
            return Answer(c.id, True)
        return Answer(c.id, False, Err.UNKNOWN_CMD.value)

    def _announce(self, c: Command) -> Answer:
        from pos_app.announcement import payment_sentence

        event_id, amount, lang = c.args.get("event_id"), c.args.get("amount"), c.args.get("lang")
        if (not isinstance(event_id, str) or not event_id or not isinstance(amount, int)
                or isinstance(amount, bool) or not 0 <= amount <= self.max_amount
                or lang not in self.langs):
            return Answer(c.id, False, Err.BAD_ARG.value)
        if event_id in self._recent:
            return Answer(c.id, False, Err.DUP.value)
        self._recent.append(event_id)
        self._speech.put((Spoken(event_id, amount, str(lang),
                                 payment_sentence(amount, str(lang))), None))
        return Answer(c.id, True)

    def _speak_loop(self) -> None:
        while True:
            item, _ = self._speech.get()
            if item is None:
                return
            self._send(self._event(Evt.PLAY_STARTED))
            if self.speak_s > 0:
                time.sleep(self.speak_s)  # one sentence at a time, never cut off
            self.spoken.append(item)
            self._say_log(f"says: {item.sentence}  [{item.event_id}]")
            self._send(self._event(Evt.PLAY_DONE))

    def _say_log(self, text: str) -> None:
        if self._log is not None:
            self._log(text)
