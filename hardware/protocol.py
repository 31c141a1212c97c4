"""The soundbox's serial protocol (SPEC.md section 6), as values and line codecs.

USB-CDC serial, 115200 8N1, UTF-8 JSON, one object per line, at most 512 bytes a line. The
host sends ``{"id", "cmd", ...}``; the device answers every command within 1 s with
``{"id", "ok": true}`` or ``{"id", "ok": false, "err": "BUSY|BAD_ARG|UNKNOWN_CMD|DUP"}`` and
may say unsolicited ``{"evt": "boot|play_started|play_done|button", "seq": n}``.

Both ends use this module: the host's link (``hardware.soundbox``) and the virtual soundbox
(``hardware.emulator``), so that the two can't drift apart on the framing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

BAUD = 115200
MAX_LINE = 512  # bytes, the newline included
ANSWER_TIMEOUT_S = 1.0  # the device answers every command within this
ATTEMPTS = 4  # the first send and 3 retries with the same id


class Cmd(StrEnum):
    HELLO = "hello"
    PING = "ping"
    ANNOUNCE = "announce"
    PLAY = "play"
    SHOW_QR = "show_qr"
    CLEAR = "clear"
    SET_VOLUME = "set_volume"
    STATUS = "status"


class Err(StrEnum):
    BUSY = "BUSY"
    BAD_ARG = "BAD_ARG"
    UNKNOWN_CMD = "UNKNOWN_CMD"
    DUP = "DUP"


class Evt(StrEnum):
    BOOT = "boot"
    PLAY_STARTED = "play_started"
    PLAY_DONE = "play_done"
    BUTTON = "button"


class ProtocolError(ValueError):
    """A line that is not a frame of this protocol (garbage, too long, not JSON)."""


@dataclass(frozen=True)
class Command:
    """One host-to-device frame."""

    id: str
    cmd: Cmd
    args: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        data = json.dumps({"id": self.id, "cmd": self.cmd.value, **self.args},
                          ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        if len(data) > MAX_LINE:
            raise ProtocolError(f"{self.cmd.value} frame is {len(data)} bytes, over {MAX_LINE}")
        return data


@dataclass(frozen=True)
class Answer:
    """The device's answer to the command with the same ``id``; ``fields`` are the extras
    (``fw``, ``sn`` ... of ``hello``; ``battery`` ... of ``status``)."""

    id: str
    ok: bool
    err: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        body: dict[str, Any] = {"id": self.id, "ok": self.ok, **self.fields}
        if self.err is not None:
            body["err"] = self.err
        return json.dumps(body, separators=(",", ":")).encode() + b"\n"


@dataclass(frozen=True)
class Event:
    """An unsolicited device event."""

    evt: str
    seq: int

    def encode(self) -> bytes:
        body = {"evt": self.evt, "seq": self.seq}
        return json.dumps(body, separators=(",", ":")).encode() + b"\n"


def _object(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_LINE:
        raise ProtocolError(f"line of {len(line)} bytes, over {MAX_LINE}")
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"not a JSON line ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ProtocolError("not a JSON object")
    return data


def parse_device_line(line: bytes) -> Answer | Event:
    """A line from the device: an answer or an event."""
    data = _object(line)
    if "evt" in data:
        seq = data.get("seq", 0)
        return Event(str(data["evt"]), seq if isinstance(seq, int) else 0)
    if not isinstance(data.get("id"), str) or not isinstance(data.get("ok"), bool):
        raise ProtocolError("an answer needs a string id and a boolean ok")
    extras = {k: v for k, v in data.items() if k not in ("id", "ok", "err")}
    err = data.get("err")
    return Answer(data["id"], data["ok"], str(err) if err is not None else None, extras)


def parse_host_line(line: bytes) -> Command:
    """A line from the host: a command (``ProtocolError`` when it has no id; an unknown
    ``cmd`` is kept as text so that the device can answer ``UNKNOWN_CMD``)."""
    data = _object(line)
    ident = data.get("id")
    if not isinstance(ident, str) or not ident:
        raise ProtocolError("a command needs a string id")
    name = str(data.get("cmd", ""))
    args = {k: v for k, v in data.items() if k not in ("id", "cmd")}
    try:
        cmd = Cmd(name)
    except ValueError:
        raise UnknownCommand(ident, name) from None
    return Command(ident, cmd, args)


class UnknownCommand(ProtocolError):
    def __init__(self, ident: str, name: str) -> None:
        super().__init__(f"unknown command {name!r}")
        self.id = ident
        self.name = name


class LineBuffer:
    """Bytes off the line in, complete frames out (blank lines dropped). A "line" that never
    ends is garbage, not a frame: past 8 frames' worth it is thrown away."""

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buf += chunk
        lines = []
        while b"\n" in self._buf:
            line, self._buf = self._buf.split(b"\n", 1)
            if line.strip():
                lines.append(line)
        if len(self._buf) > 8 * MAX_LINE:
            self._buf = b""
        return lines

    def clear(self) -> None:
        self._buf = b""
