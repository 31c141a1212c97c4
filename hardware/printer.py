"""The receipt printer and the cash drawer behind it (ESC/POS, python-escpos): USB, serial or
network, chosen in Settings.

A printer that is off, unplugged or out of paper must never block or lose a sale, so:

* :class:`ReceiptPrinter` has ONE worker thread that owns the device. :meth:`print_receipt`,
  :meth:`print_text` and :meth:`kick_drawer` only put work in a queue and return at once, from
  any thread.
* A job is a receipt (:class:`ReceiptData`) or a plain-text document (:class:`TextDocument`,
  e.g. the Z report at "Tutup kasir"). Both share the one queue and are treated alike: the
  order, the retries, the paper check, the hand-over at :meth:`close`.
* Receipts print in the order they were queued. A receipt that fails stays at the head of the
  queue and is tried again after 2 s, 4 s, 8 s ... (at most 30 s between tries), or at once on
  :meth:`retry_now`; it is never dropped. Nothing behind it prints first.
* The device is opened for each job and closed after it, so a USB printer that was unplugged and
  plugged back in, or a network printer that was switched off and on, just works again.
* Before a receipt, the paper sensor is read where the connection can answer (network, serial,
  USB); an empty roll keeps the job queued with the reason "out of paper". A printer that does
  not answer the status query is not an error: it prints as usual.
* The state (:class:`PrinterState`, with a :class:`PrinterFault` and a short English reason for
  the log) is reported through ``on_state`` on every change; ``on_printed`` gets the order id
  of every receipt that printed (of a text document: its ``doc_id``). Both are called on the
  worker thread: the window passes them on to the GUI thread itself (this package does not
  import Qt).
* The cash drawer is kicked ahead of queued receipts (the customer is waiting for change), and
  a kick that fails is reported but not tried again later: a drawer that springs open minutes
  after the sale, with nobody at the till, is worse than the cashier using the key.

:class:`NullPrinter` stands in when printing is off; :func:`build_printer` and
:func:`printer_from_settings` pick one of the two.
"""

from __future__ import annotations

import logging
import math
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from hardware.receipt_escpos import COLUMNS, ReceiptData, TextDocument, receipt_bytes, text_bytes

log = logging.getLogger(__name__)

CONNECTION_KEY = "hardware.printer.connection"
ADDRESS_KEY = "hardware.printer.address"
WIDTH_KEY = "hardware.printer.width_mm"
CASH_DRAWER_KEY = "hardware.printer.cash_drawer"
AUTO_PRINT_KEY = "hardware.printer.auto_print"

DEFAULT_NETWORK_PORT = 9100  # the "raw"/JetDirect port every ESC/POS network printer listens on
DEFAULT_BAUDRATE = 9600
DRAWER_PIN = 2  # the drawer port's pin 2: where nearly every drawer cable is wired

StateCallback = Callable[["PrinterState", "str | None"], None]
PrintedCallback = Callable[[str], None]

#: What the printer's queue holds.
PrintJob = ReceiptData | TextDocument


def job_name(job: PrintJob) -> str:
    """The job for the log: ``receipt K1-20261127-0001`` or ``document Z-...``."""
    if isinstance(job, ReceiptData):
        return f"receipt {job.order_id}"
    return f"document {job.doc_id}"


def job_id(job: PrintJob) -> str:
    """What ``on_printed`` gets: a receipt's order id, a text document's ``doc_id``."""
    return job.order_id if isinstance(job, ReceiptData) else job.doc_id


class PrinterConnection(StrEnum):
    OFF = "off"
    USB = "usb"
    SERIAL = "serial"
    NETWORK = "network"
    # A device file written to directly: /dev/usb/lp0 (Linux's own USB printer driver) or a
    # printer port. Not offered in Settings yet; the tests print to real files with it.
    FILE = "file"


class PrinterState(StrEnum):
    OFF = "off"  # printing is switched off in Settings
    READY = "ready"  # nothing waiting, or the last attempt worked
    PRINTING = "printing"
    ERROR = "error"  # the last attempt failed; see the fault and the reason


class PrinterFault(StrEnum):
    """Why the printer is in ERROR."""

    OFFLINE = "offline"  # off, unplugged, unreachable, or it broke off mid-job
    PAPER_OUT = "paper_out"
    CONFIG = "config"  # the settings can't work (bad address, USB support missing)
    RECEIPT = "receipt"  # one job could not be laid out (a bug): it was skipped, see the log


class PrinterConfigError(ValueError):
    """Settings that can't describe a printer. ``str()`` starts with the key, e.g.
    ``hardware.printer.address: expected the USB printer's VID:PID ...``."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


class PaperOutError(Exception):
    """The printer's paper sensor says the roll is empty."""


class SettingsReader(Protocol):
    """What :meth:`PrinterConfig.from_settings` needs: ``pos_app.settings.Settings`` has it."""

    def get(self, key: str) -> Any: ...


# --------------------------------------------------------------------------- configuration

_HEX_ID = re.compile(r"(?:0x)?([0-9a-fA-F]{1,4})")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)


def _usb_ids(address: str) -> tuple[int, int]:
    vid, sep, pid = address.partition(":")
    vid_match, pid_match = _HEX_ID.fullmatch(vid.strip()), _HEX_ID.fullmatch(pid.strip())
    if not sep or vid_match is None or pid_match is None:
        raise PrinterConfigError(ADDRESS_KEY, "expected the USB printer's VID:PID in hex, e.g. "
                                 f"0416:5011 (see lsusb or Device Manager), got {address!r}")
    vendor, product = int(vid_match[1], 16), int(pid_match[1], 16)
    if vendor == 0 or product == 0:
        raise PrinterConfigError(ADDRESS_KEY, f"USB ids can't be 0000, got {address!r}")
    return vendor, product


def _serial_port(address: str) -> tuple[str, int]:
    port, sep, baud = address.partition("@")
    port = port.strip()
    if not port:
        raise PrinterConfigError(ADDRESS_KEY, "expected the serial port, e.g. /dev/ttyUSB0 or "
                                 f"COM3 (optionally @19200 for the speed), got {address!r}")
    if not sep:
        return port, DEFAULT_BAUDRATE
    if not baud.strip().isdigit() or int(baud) not in _BAUDRATES:
        raise PrinterConfigError(ADDRESS_KEY, f"serial speed must be one of "
                                 f"{', '.join(map(str, _BAUDRATES))}, got {address!r}")
    return port, int(baud)


def _network_address(address: str) -> tuple[str, int]:
    text = address.strip()
    if text.startswith("["):  # [IPv6]:port
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else rest
        bad_host = not host or not re.fullmatch(r"[0-9A-Fa-f:.]+", host)
    elif text.count(":") > 1:  # a bare IPv6 address: no port
        host, port_text = text, ""
        bad_host = not re.fullmatch(r"[0-9A-Fa-f:.]+", host)
    else:
        host, _, port_text = text.partition(":")
        if ":" in text and not port_text:
            port_text = "missing"
        bad_host = _HOST.fullmatch(host) is None
    if bad_host:
        raise PrinterConfigError(ADDRESS_KEY, "expected the network printer's host name or IP "
                                 f"address, optionally with :port (e.g. 192.168.1.50:9100), "
                                 f"got {address!r}")
    if not port_text:
        return host, DEFAULT_NETWORK_PORT
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise PrinterConfigError(ADDRESS_KEY, f"port must be 1-65535, got {address!r}")
    return host, int(port_text)


@dataclass(frozen=True)
class PrinterConfig:
    """Where the printer is and how the till uses it (the ``hardware.printer.*`` settings).

    Only the fields of ``connection`` matter: ``usb_ids`` for USB, ``device`` and ``baudrate``
    for serial, ``device`` for a device file, ``host`` and ``port`` for network. ``timeout_s``
    bounds connecting and writing, so a dead printer costs the worker seconds, not forever.
    """

    connection: PrinterConnection
    width_mm: int = 58
    cash_drawer: bool = False
    auto_print: bool = True
    usb_ids: tuple[int, int] | None = None
    device: str = ""
    baudrate: int = DEFAULT_BAUDRATE
    host: str = ""
    port: int = DEFAULT_NETWORK_PORT
    timeout_s: float = 5.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "connection", PrinterConnection(self.connection))
        if self.width_mm not in COLUMNS:
            raise PrinterConfigError(WIDTH_KEY, f"paper width must be 58 or 80, got "
                                     f"{self.width_mm!r}")
        missing = {
            PrinterConnection.USB: self.usb_ids is None,
            PrinterConnection.SERIAL: not self.device,
            PrinterConnection.FILE: not self.device,
            PrinterConnection.NETWORK: not self.host,
        }.get(self.connection, False)
        if missing:
            raise PrinterConfigError(ADDRESS_KEY, f"a {self.connection.value} printer needs an "
                                     "address")

    @classmethod
    def from_values(cls, connection: str, address: str, width_mm: str | int = 58, *,
                    cash_drawer: bool = False, auto_print: bool = True,
                    timeout_s: float = 5.0) -> PrinterConfig:
        """The config the settings' values describe; :class:`PrinterConfigError` (naming the
        key) when they can't. The address is ignored for ``off``."""
        try:
            kind = PrinterConnection(str(connection).strip().lower())
        except ValueError:
            raise PrinterConfigError(CONNECTION_KEY, "expected off, usb, serial or network, got "
                                     f"{connection!r}") from None
        try:
            width = int(width_mm)
        except (TypeError, ValueError):
            raise PrinterConfigError(WIDTH_KEY, f"paper width must be 58 or 80, got "
                                     f"{width_mm!r}") from None
        common: dict[str, Any] = {"connection": kind, "width_mm": width,
                                  "cash_drawer": bool(cash_drawer),
                                  "auto_print": bool(auto_print), "timeout_s": timeout_s}
        address = (address or "").strip()
        if kind is PrinterConnection.OFF:
            return cls(**common)
        if not address:
            raise PrinterConfigError(ADDRESS_KEY, f"enter where the {kind.value} printer is "
                                     f"(e.g. {_EXAMPLES[kind]})")
        if kind is PrinterConnection.USB:
            return cls(**common, usb_ids=_usb_ids(address))
        if kind is PrinterConnection.SERIAL:
            port, baud = _serial_port(address)
            return cls(**common, device=port, baudrate=baud)
        if kind is PrinterConnection.NETWORK:
            host, port_number = _network_address(address)
            return cls(**common, host=host, port=port_number)
        return cls(**common, device=address)

    @classmethod
    def from_settings(cls, settings: SettingsReader) -> PrinterConfig:
        """:meth:`from_values` with the ``hardware.printer.*`` settings."""
        return cls.from_values(
            str(settings.get(CONNECTION_KEY)), str(settings.get(ADDRESS_KEY) or ""),
            str(settings.get(WIDTH_KEY)), cash_drawer=bool(settings.get(CASH_DRAWER_KEY)),
            auto_print=bool(settings.get(AUTO_PRINT_KEY)))

    def describe(self) -> str:
        """Where the printer is, for the log: ``network 192.168.1.50:9100``."""
        kind = self.connection
        if kind is PrinterConnection.USB and self.usb_ids is not None:
            return f"usb {self.usb_ids[0]:04x}:{self.usb_ids[1]:04x}"
        if kind is PrinterConnection.SERIAL:
            return f"serial {self.device}@{self.baudrate}"
        if kind is PrinterConnection.NETWORK:
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"network {host}:{self.port}"
        if kind is PrinterConnection.FILE:
            return f"file {self.device}"
        return kind.value


_EXAMPLES = {
    PrinterConnection.USB: "0416:5011",
    PrinterConnection.SERIAL: "/dev/ttyUSB0 or COM3",
    PrinterConnection.NETWORK: "192.168.1.50:9100",
    PrinterConnection.FILE: "/dev/usb/lp0",
}


# --------------------------------------------------------------------------- the device


class EscposDevice(Protocol):
    """The part of a python-escpos printer this module uses (the package has no types)."""

    def close(self) -> None: ...

    def _raw(self, msg: bytes) -> None: ...

    def paper_status(self) -> int: ...

    def cashdraw(self, pin: int) -> None: ...


def open_device(config: PrinterConfig, *, read_timeout_s: float = 1.0) -> EscposDevice:
    """Open the python-escpos device ``config`` describes: ``Usb(vid, pid)``, ``Serial(port,
    baudrate)``, ``Network(host, port)`` or ``File(path)``.

    Raises escpos' ``DeviceNotFoundError`` (or an ``OSError``) when the printer isn't there,
    :class:`PrinterConfigError` when it can't be used at all. ``read_timeout_s`` bounds a status
    query that the printer doesn't answer.
    """
    from escpos.printer import File, Network, Serial, Usb

    kind = config.connection
    if kind is PrinterConnection.USB:
        assert config.usb_ids is not None
        if not Usb.is_usable():
            raise PrinterConfigError(CONNECTION_KEY, "USB printers need pyusb and libusb "
                                     "(pip install 'python-escpos[usb]'); or connect the "
                                     "printer as serial or network")
        usb = Usb(config.usb_ids[0], config.usb_ids[1], timeout=int(config.timeout_s * 1000))
        usb.open()
        _use_bulk_endpoints(usb)
        return usb
    if kind is PrinterConnection.SERIAL:
        serial = Serial(devfile=config.device, baudrate=config.baudrate,
                        timeout=read_timeout_s)
        serial.open()
        try:
            # pyserial writes block forever by default: a printer holding the line (flow
            # control, offline) would then hang the worker for good.
            serial.device.write_timeout = config.timeout_s
        except Exception as exc:  # an older pyserial: keep its default
            log.debug("printer: no write timeout on %s: %s", config.device, exc)
        return serial
    if kind is PrinterConnection.NETWORK:
        network = Network(config.host, config.port, timeout=config.timeout_s)
        network.open()
        return network
    if kind is PrinterConnection.FILE:
        file = File(config.device)
        file.open()
        return file
    raise PrinterConfigError(CONNECTION_KEY, "printing is off")


def _use_bulk_endpoints(usb: Any) -> None:
    """Point escpos at the printer's own bulk endpoints. Its defaults (in 0x82, out 0x01) are
    wrong for many cheap printers (the common 0416:5011 uses 0x81/0x03); best effort, the
    defaults stay when the descriptor can't be read."""
    try:
        interface = usb.device.get_active_configuration()[(0, 0)]
        found_in = found_out = None
        for endpoint in interface:
            if endpoint.bmAttributes & 0x03 != 0x02:  # bulk endpoints only
                continue
            address = int(endpoint.bEndpointAddress)
            if address & 0x80:
                found_in = found_in if found_in is not None else address
            else:
                found_out = found_out if found_out is not None else address
        if found_out is not None:
            usb.out_ep = found_out
        if found_in is not None:
            usb.in_ep = found_in
    except Exception as exc:  # best effort, see above
        log.debug("printer: USB endpoints not read, escpos defaults kept: %s", exc)


def paper_status(device: EscposDevice, timeout_s: float = 1.0) -> int | None:
    """The paper sensor: 2 plenty, 1 running low, 0 empty; None when unknown (a device that
    can't answer, like a file, or no answer within ``timeout_s``). Never raises."""
    from escpos.escpos import Escpos

    if getattr(type(device), "_read", None) is Escpos._read:
        return None  # write-only (File): asking would only print the query's bytes
    sock = getattr(device, "_device", None)
    previous = sock.gettimeout() if isinstance(sock, socket.socket) else None
    if isinstance(sock, socket.socket):
        sock.settimeout(timeout_s)
    try:
        return int(device.paper_status())
    except Exception as exc:  # no answer, an odd answer: unknown, not a failure
        log.debug("printer: paper status unknown: %s", exc)
        return None
    finally:
        if isinstance(sock, socket.socket):
            try:
                sock.settimeout(previous)
            except OSError:
                pass


def _close_quietly(device: EscposDevice) -> None:
    try:
        device.close()
    except Exception as exc:  # the job's outcome is already decided
        log.debug("printer: closing the device failed: %s", exc)


def _detail(exc: BaseException) -> str:
    """The most telling line of an error: the OSError escpos wrapped, if any."""
    seen: BaseException | None = exc
    found: BaseException = exc
    while seen is not None:
        if isinstance(seen, OSError):
            found = seen
        seen = seen.__cause__ or seen.__context__
    text = " ".join(str(found).split()) or type(found).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def backoff_delay(failures: int, initial_s: float = 2.0, maximum_s: float = 30.0) -> float:
    """Seconds before the next try after ``failures`` failed tries in a row: ``initial_s``,
    doubling, at most ``maximum_s``."""
    if failures <= 0:
        return 0.0
    return float(min(maximum_s, initial_s * 2 ** min(failures - 1, 32)))


# --------------------------------------------------------------------------- the printers


@dataclass(frozen=True)
class PrinterStatus:
    """A consistent snapshot for the status bar. ``pending`` counts jobs (receipts, text
    documents) not printed yet, the one being printed included; ``retry_in_s`` is set while
    they wait for a retry."""

    state: PrinterState
    fault: PrinterFault | None = None
    reason: str | None = None
    pending: int = 0
    failures: int = 0
    retry_in_s: float | None = None


class Printer(Protocol):
    """What the window uses: :class:`ReceiptPrinter` and :class:`NullPrinter` both are one."""

    on_state: StateCallback | None
    on_printed: PrintedCallback | None

    @property
    def state(self) -> PrinterState: ...

    @property
    def status(self) -> PrinterStatus: ...

    @property
    def pending(self) -> int: ...

    @property
    def cash_drawer(self) -> bool: ...

    @property
    def auto_print(self) -> bool: ...

    def print_receipt(self, receipt: ReceiptData) -> bool: ...

    def print_text(self, doc: TextDocument) -> bool: ...

    def kick_drawer(self) -> bool: ...

    def retry_now(self) -> None: ...

    def close(self, timeout_s: float = 5.0) -> tuple[ReceiptData, ...]: ...


class _Kick:
    """The queued drawer kick (a marker: kicks asked for together open the drawer once)."""


_KICK = _Kick()


def _escpos_cache() -> None:
    """python-escpos caches its printer profiles in a *new* temporary directory at every
    import unless told where: one folder in the user's cache instead of a /tmp dir a day."""
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    try:
        import platformdirs

        folder = Path(platformdirs.user_cache_dir("pos-app")) / "escpos"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # escpos makes its temporary directory, as it would anyway
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder)


class ReceiptPrinter:
    """A printer with a queue, driven by one worker thread (see the module docstring).

    ``config`` may be the :class:`PrinterConfigError` that the settings produced: the printer
    then stays in ERROR (fault CONFIG) and keeps what it is given, so nothing is lost until the
    window builds a new printer from corrected settings and hands it :meth:`close`'s leftovers.

    :meth:`close` returns the receipts; the text documents it could not print are kept in
    :attr:`left_documents` for the same hand-over (apart, so that ``close()`` keeps the type
    its callers know).
    """

    def __init__(self, config: PrinterConfig | PrinterConfigError, *,
                 on_state: StateCallback | None = None,
                 on_printed: PrintedCallback | None = None,
                 retry_initial_s: float = 2.0, retry_max_s: float = 30.0,
                 status_timeout_s: float = 1.0) -> None:
        if isinstance(config, PrinterConfigError):
            self.config: PrinterConfig | None = None
            self._config_error: PrinterConfigError | None = config
        else:
            if config.connection is PrinterConnection.OFF:
                raise ValueError("printing is off: use NullPrinter")
            self.config, self._config_error = config, None
        self.on_state = on_state
        self.on_printed = on_printed
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self._status_timeout_s = status_timeout_s
        self._cond = threading.Condition()
        # Guarded by _cond: the queue, the kick, the retry schedule, the state.
        self._jobs: deque[PrintJob] = deque()
        self.left_documents: tuple[TextDocument, ...] = ()  # set by close()
        self._kick = False
        self._failures = 0
        self._next_try = 0.0  # time.monotonic() of the next try; inf: only on retry_now()
        self._closing = False
        self._close_deadline = math.inf
        self._state = PrinterState.READY
        self._fault: PrinterFault | None = None
        self._reason: str | None = None
        self._thread = threading.Thread(target=self._run, name="receipt-printer", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ any thread

    @property
    def state(self) -> PrinterState:
        with self._cond:
            return self._state

    @property
    def status(self) -> PrinterStatus:
        with self._cond:
            retry_in = None
            if self._jobs and self._state is PrinterState.ERROR and self._next_try < math.inf:
                retry_in = max(0.0, self._next_try - time.monotonic())
            return PrinterStatus(self._state, self._fault, self._reason, len(self._jobs),
                                 self._failures, retry_in)

    @property
    def pending(self) -> int:
        """Jobs not printed yet, the one being printed included."""
        with self._cond:
            return len(self._jobs)

    @property
    def cash_drawer(self) -> bool:
        """Settings say: open the drawer after a cash sale."""
        return self.config is not None and self.config.cash_drawer

    @property
    def auto_print(self) -> bool:
        """Settings say: print the receipt when a sale completes (else only on 'Cetak ulang')."""
        return self.config.auto_print if self.config is not None else True

    def print_receipt(self, receipt: ReceiptData) -> bool:
        """Queue ``receipt`` behind the others and return at once. False only after
        :meth:`close`."""
        if not isinstance(receipt, ReceiptData):
            raise TypeError(f"print_receipt takes a ReceiptData, got {type(receipt).__name__}")
        return self._queue(receipt)

    def print_text(self, doc: TextDocument) -> bool:
        """Queue a plain-text document (the Z report) behind the others, like a receipt, and
        return at once. False only after :meth:`close`."""
        if not isinstance(doc, TextDocument):
            raise TypeError(f"print_text takes a TextDocument, got {type(doc).__name__}")
        return self._queue(doc)

    def _queue(self, job: PrintJob) -> bool:
        with self._cond:
            if self._closing:
                log.warning("printer: closed, %s not queued", job_name(job))
                return False
            self._jobs.append(job)
            count = len(self._jobs)
            self._cond.notify_all()
        log.info("printer: %s queued (%d waiting)", job_name(job), count)
        return True

    def kick_drawer(self) -> bool:
        """Open the cash drawer as soon as the printer can, ahead of queued receipts. It
        kicks whatever ``cash_drawer`` says: the window checks that setting after a sale.
        False only after :meth:`close`."""
        with self._cond:
            if self._closing:
                return False
            self._kick = True
            self._cond.notify_all()
        return True

    def retry_now(self) -> None:
        """Try the waiting receipts now ("Coba lagi"); the backoff starts again from its first
        delay."""
        with self._cond:
            self._next_try = 0.0
            self._failures = 0
            self._cond.notify_all()

    def close(self, timeout_s: float = 5.0) -> tuple[ReceiptData, ...]:
        """Stop taking work; let the worker print what it can within ``timeout_s`` (not
        while it waits for a retry); return the receipts that did not print, oldest first, so
        that a printer built from new settings can take them over. The text documents that did
        not print are left in :attr:`left_documents`, oldest first.

        A worker still stuck on the device after ``timeout_s`` (a daemon thread) is left to
        finish on its own; the job it holds is among those returned."""
        with self._cond:
            if not self._closing:
                self._closing = True
                self._close_deadline = time.monotonic() + timeout_s
            self._cond.notify_all()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.warning("printer: the worker is still busy with the device after %g s", timeout_s)
        with self._cond:
            jobs = tuple(self._jobs)
            self._jobs.clear()
        if jobs:
            log.warning("printer: closed with %d job(s) not printed: %s", len(jobs),
                        ", ".join(job_name(job) for job in jobs))
        self.left_documents = tuple(j for j in jobs if isinstance(j, TextDocument))
        return tuple(j for j in jobs if isinstance(j, ReceiptData))

    # ------------------------------------------------------------------ the worker

    def _run(self) -> None:
        _escpos_cache()
        try:
            import escpos.printer  # noqa: F401 - half a second, paid here and not by a sale
        except ImportError as exc:
            self._config_error = PrinterConfigError(CONNECTION_KEY,
                                                    f"python-escpos is missing ({exc})")
        if self._config_error is not None:
            with self._cond:
                self._next_try = math.inf
            self._set_state(PrinterState.ERROR, PrinterFault.CONFIG, str(self._config_error))
        while True:
            task = self._next_task()
            if task is None:
                return
            if isinstance(task, _Kick):
                self._do_kick()
            else:
                self._do_job(task)

    def _next_task(self) -> PrintJob | _Kick | None:
        with self._cond:
            while True:
                now = time.monotonic()
                due = bool(self._jobs) and now >= self._next_try
                if self._closing and (now >= self._close_deadline or not (self._kick or due)):
                    return None
                if self._kick:
                    self._kick = False
                    return _KICK
                if due:
                    return self._jobs[0]
                wait = self._next_try - now if self._jobs else math.inf
                if self._closing:
                    wait = min(wait, self._close_deadline - now)
                self._cond.wait(None if wait == math.inf else wait)

    def _open(self) -> EscposDevice:
        if self._config_error is not None:
            raise self._config_error
        assert self.config is not None
        return open_device(self.config, read_timeout_s=self._status_timeout_s)

    def _do_job(self, job: PrintJob) -> None:
        """Print one receipt or text document; both go through the same checks and retries."""
        if self.state is not PrinterState.ERROR:
            # A retry leaves ERROR (and its reason) showing until a receipt prints: the status
            # bar must not flicker between "printing" and the error every few seconds.
            self._set_state(PrinterState.PRINTING, None, None)
        name = job_name(job)
        width_mm = self.config.width_mm if self.config else 58
        try:
            if isinstance(job, ReceiptData):
                payload = receipt_bytes(job, width_mm)
            else:
                payload = text_bytes(job, width_mm)
        except Exception as exc:  # a bug: no retry can fix it, don't block the rest
            log.exception("printer: %s could not be laid out; skipped", name)
            self._finish(job)
            self._set_state(PrinterState.ERROR, PrinterFault.RECEIPT,
                            f"{name} skipped: {_detail(exc)}")
            return
        paper: int | None = None
        try:
            device = self._open()
            try:
                paper = paper_status(device, self._status_timeout_s)
                if paper == 0:
                    raise PaperOutError("out of paper")
                device._raw(payload)
            finally:
                _close_quietly(device)
        except Exception as exc:  # every failure keeps the job; classified below
            self._failed(exc, name)
            return
        more = self._finish(job)
        log.info("printer: %s printed", name)
        self._call(self.on_printed, job_id(job))
        low = "paper running low" if paper == 1 else None
        self._set_state(PrinterState.PRINTING if more else PrinterState.READY, None, low)

    def _finish(self, job: PrintJob) -> bool:
        """Take ``job`` off the head of the queue; True when more are waiting."""
        with self._cond:
            if self._jobs and self._jobs[0] is job:
                self._jobs.popleft()
            self._failures = 0
            self._next_try = 0.0
            return bool(self._jobs)

    def _do_kick(self) -> None:
        try:
            device = self._open()
            try:
                device.cashdraw(DRAWER_PIN)
            finally:
                _close_quietly(device)
        except Exception as exc:  # reported; never retried (module docstring)
            fault, reason = self._classify(exc)
            log.warning("printer: cash drawer not opened: %s", reason)
            self._set_state(PrinterState.ERROR, fault, f"cash drawer not opened: {reason}")
            return
        log.info("printer: cash drawer opened")
        with self._cond:
            waiting = bool(self._jobs)
            if waiting and self._next_try < math.inf:
                self._next_try = 0.0  # the printer answers again: the waiting receipts go now
        if not waiting:
            self._set_state(PrinterState.READY, None, None)

    def _classify(self, exc: BaseException) -> tuple[PrinterFault, str]:
        if isinstance(exc, PrinterConfigError):
            return PrinterFault.CONFIG, str(exc)
        if isinstance(exc, PaperOutError):
            return PrinterFault.PAPER_OUT, "out of paper"
        where = self.config.describe() if self.config is not None else "printer"
        return PrinterFault.OFFLINE, f"offline or unplugged ({where}): {_detail(exc)}"

    def _failed(self, exc: BaseException, what: str) -> None:
        fault, reason = self._classify(exc)
        with self._cond:
            self._failures += 1
            failures = self._failures
            if fault is PrinterFault.CONFIG:
                delay = math.inf  # the same settings fail the same way: wait for retry_now()
            else:
                delay = backoff_delay(failures, self._retry_initial_s, self._retry_max_s)
            self._next_try = time.monotonic() + delay
        if fault is PrinterFault.OFFLINE and not isinstance(exc, (OSError, *_device_errors())):
            log.warning("printer: %s failed unexpectedly", what, exc_info=exc)
        log.info("printer: %s not printed (try %d, next in %s): %s", what, failures,
                 "-" if delay == math.inf else f"{delay:g} s", reason)
        self._set_state(PrinterState.ERROR, fault, reason)

    def _set_state(self, state: PrinterState, fault: PrinterFault | None,
                   reason: str | None) -> None:
        with self._cond:
            if (state, fault, reason) == (self._state, self._fault, self._reason):
                return
            self._state, self._fault, self._reason = state, fault, reason
        level = logging.WARNING if state is PrinterState.ERROR else logging.DEBUG
        log.log(level, "printer: %s%s", state.value, f" ({reason})" if reason else "")
        self._call(self.on_state, state, reason)

    @staticmethod
    def _call(callback: Callable[..., None] | None, *args: Any) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:  # a broken listener must not stop the printer
            log.exception("printer: callback %r failed", callback)


def _device_errors() -> tuple[type[BaseException], ...]:
    """escpos' own device errors: expected failures, logged without a traceback."""
    from escpos.exceptions import Error as EscposError

    return (EscposError,)


class NullPrinter:
    """Printing is off: the same interface, state OFF, and every job is dropped (with a debug
    line in the log) because there is nothing to print on."""

    def __init__(self, *, on_state: StateCallback | None = None,
                 on_printed: PrintedCallback | None = None) -> None:
        self.config = PrinterConfig(PrinterConnection.OFF)
        self.on_state = on_state
        self.on_printed = on_printed
        self.left_documents: tuple[TextDocument, ...] = ()

    @property
    def state(self) -> PrinterState:
        return PrinterState.OFF

    @property
    def status(self) -> PrinterStatus:
        return PrinterStatus(PrinterState.OFF)

    @property
    def pending(self) -> int:
        return 0

    @property
    def cash_drawer(self) -> bool:
        return False

    @property
    def auto_print(self) -> bool:
        return False

    def print_receipt(self, receipt: ReceiptData) -> bool:
        log.debug("printer: off, receipt %s not printed", receipt.order_id)
        return False

    def print_text(self, doc: TextDocument) -> bool:
        log.debug("printer: off, document %s not printed", doc.doc_id)
        return False

    def kick_drawer(self) -> bool:
        log.debug("printer: off, cash drawer not opened")
        return False

    def retry_now(self) -> None:
        pass

    def close(self, timeout_s: float = 5.0) -> tuple[ReceiptData, ...]:
        return ()


def build_printer(config: PrinterConfig | PrinterConfigError | str, address: str = "",
                  width_mm: str | int = 58, *, cash_drawer: bool = False,
                  auto_print: bool = True, on_state: StateCallback | None = None,
                  on_printed: PrintedCallback | None = None, retry_initial_s: float = 2.0,
                  retry_max_s: float = 30.0) -> ReceiptPrinter | NullPrinter:
    """The printer a config describes: a :class:`NullPrinter` for ``off``, else a
    :class:`ReceiptPrinter`. Never raises for bad settings.

    ``config`` is a :class:`PrinterConfig`, the :class:`PrinterConfigError` reading the settings
    gave, or the settings' values themselves (``build_printer("network", "192.168.1.50", "80",
    cash_drawer=True)``). Wrong values give a printer stuck in ERROR (fault CONFIG, the reason
    names the key) that keeps its jobs.
    """
    if isinstance(config, str):
        if config.strip().lower() == PrinterConnection.OFF.value:
            return NullPrinter(on_state=on_state, on_printed=on_printed)
        try:
            config = PrinterConfig.from_values(config, address, width_mm,
                                               cash_drawer=cash_drawer, auto_print=auto_print)
        except PrinterConfigError as exc:
            config = exc
    if isinstance(config, PrinterConfig) and config.connection is PrinterConnection.OFF:
        return NullPrinter(on_state=on_state, on_printed=on_printed)
    if isinstance(config, PrinterConfigError):
        log.warning("printer: %s", config)
    return ReceiptPrinter(config, on_state=on_state, on_printed=on_printed,
                          retry_initial_s=retry_initial_s, retry_max_s=retry_max_s)


def printer_from_settings(settings: SettingsReader, *, on_state: StateCallback | None = None,
                          on_printed: PrintedCallback | None = None
                          ) -> ReceiptPrinter | NullPrinter:
    """:func:`build_printer` with the ``hardware.printer.*`` settings; never raises for a bad
    value (unlike :meth:`PrinterConfig.from_settings`)."""
    return build_printer(
        str(settings.get(CONNECTION_KEY)), str(settings.get(ADDRESS_KEY) or ""),
        str(settings.get(WIDTH_KEY)), cash_drawer=bool(settings.get(CASH_DRAWER_KEY)),
        auto_print=bool(settings.get(AUTO_PRINT_KEY)), on_state=on_state,
        on_printed=on_printed)
