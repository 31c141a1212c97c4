"""Finding the soundbox among the PC's serial ports (``hardware.soundbox.port = auto``).

Only ports whose USB vendor:product id is in ``hardware.soundbox.usb_ids`` are opened, and
each is asked ``hello``: the first that answers like a soundbox is it. Other serial devices --
a receipt printer on a USB-serial cable, a scale, a modem -- are never sent a byte: a stray
JSON line would print garbage or worse.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from typing import Protocol

import serial
from serial.tools import list_ports

from hardware.protocol import (
    ANSWER_TIMEOUT_S,
    BAUD,
    Answer,
    Cmd,
    Command,
    LineBuffer,
    ProtocolError,
    parse_device_line,
)

log = logging.getLogger(__name__)

#: what a serial line raises when its device goes away: pyserial's own error, the OS's, and
#: termios.error (not an OSError) from tcdrain/tcsetattr on a port whose device vanished
LINE_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError)
if sys.platform != "win32":
    import termios

    LINE_ERRORS += (termios.error,)
#: opening a port: also a malformed port name
OPEN_ERRORS: tuple[type[BaseException], ...] = (*LINE_ERRORS, ValueError)


class PortInfo(Protocol):
    """What ``serial.tools.list_ports.comports()`` gives for one port (the fields we read)."""

    device: str
    vid: int | None
    pid: int | None
    description: str


PortLister = Callable[[], Iterable[PortInfo]]


def candidates(usb_ids: Iterable[tuple[int, int]],
               list_ports_fn: PortLister | None = None) -> list[PortInfo]:
    """The serial ports that may be a soundbox, in the order the system lists them."""
    wanted = set(usb_ids)
    ports = (list_ports_fn or list_ports.comports)()
    return [p for p in ports if p.vid is not None and (p.vid, p.pid) in wanted]


def probe(device: str) -> tuple[serial.Serial, Answer] | None:
    """Open ``device`` and ask ``hello``; the open port and the answer when it is a soundbox."""
    try:
        port = serial.Serial(device, BAUD, timeout=0.05, write_timeout=1, exclusive=True)
    except OPEN_ERRORS as exc:
        log.debug("soundbox probe: cannot open %s: %s", device, exc)
        return None
    command = Command(f"probe-{time.monotonic_ns():x}", Cmd.HELLO)
    try:
        port.reset_input_buffer()
        port.write(command.encode())
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        lines = LineBuffer()
        while time.monotonic() < deadline:
            for line in lines.feed(port.read(max(1, port.in_waiting))):
                try:
                    msg = parse_device_line(line)
                except ProtocolError:
                    continue
                if isinstance(msg, Answer) and msg.id == command.id and msg.ok:
                    port.timeout = 0
                    return port, msg
    except LINE_ERRORS as exc:
        log.debug("soundbox probe: %s failed: %s", device, exc)
    port.close()
    return None


def find_soundbox(usb_ids: Iterable[tuple[int, int]],
                  list_ports_fn: PortLister | None = None,
                  ) -> tuple[serial.Serial, Answer] | None:
    """The first candidate port that answers ``hello``, opened; None when there is none."""
    for info in candidates(usb_ids, list_ports_fn):
        found = probe(info.device)
        if found is not None:
            log.info("soundbox found on %s (%s)", info.device, info.description)
            return found
    return None
