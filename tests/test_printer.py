"""Receipt printer and cash drawer (hardware/printer.py, hardware/receipt_escpos.py).

Real parts only: sales written by the checkout service into a real SQLite file, ESC/POS bytes
from python-escpos (its ``Dummy`` backend, a real file, a real TCP printer on 127.0.0.1 that
answers the paper-status query like a thermal printer does, a pseudo-terminal as the serial
port). A printer that is off, unplugged or out of paper keeps its jobs, reports why, and never
makes the till wait.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from escpos.printer import Dummy, Usb

from hardware.printer import (
    NullPrinter,
    PrinterConfig,
    PrinterConfigError,
    PrinterConnection,
    PrinterFault,
    PrinterState,
    ReceiptPrinter,
    backoff_delay,
    build_printer,
    printer_from_settings,
)
from hardware.receipt_escpos import (
    ReceiptData,
    TextDocument,
    receipt_data,
    text_bytes,
    write_receipt,
    write_text,
)
from pos_app.cart import Cart, Discount, Product, TaxConfig, TaxMode
from pos_app.checkout import CheckoutService, Till
from pos_app.money import format_rupiah
from pos_app.order_state import PaymentStatus
from pos_app.receipt import StoreHeader, render_receipt
from pos_app.settings import Settings
from pos_app.storage.orders import (
    OrderRecord,
    PaymentRecord,
    latest_payment,
    load_order,
    update_payment,
)
from tests.waiting import wait_for

TZ = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 10:00 WIB
STORE = "Warung Bu Sri"
ADDRESS = "Jl. Melati No. 5, Bandung"
FOOTER = "Terima kasih atas kunjungan Anda"
QRIS_REF = "PKS-20261127-ABCDEFGHIJ-0123456789"
LONG_NAME = "Roti Bakar Coklat Keju Spesial Jumbo Ekstra"
COLUMNS = {58: 32, 80: 48}
KICK = b"\x1bp\x00\x32\x32"  # ESC p, pin 2, 100 ms on, 100 ms off
STATUS_QUERY = b"\x10\x04\x04"  # DLE EOT 4: the paper sensor
FAST = 0.05  # seconds: the caller's budget for any call on the printer (it only queues)


# --------------------------------------------------------------------------- real sales


@dataclass(frozen=True)
class Sale:
    order: OrderRecord
    payment: PaymentRecord

    def receipt(self, *, reprint: bool = False, store: str = STORE,
                address: str = ADDRESS) -> ReceiptData:
        return receipt_data(self.order, self.payment, store, address, FOOTER, TZ,
                            reprint=reprint)


@dataclass(frozen=True)
class Sales:
    cash: Sale  # PPN added, a line discount, an order discount, a long item name
    qris: Sale  # PPN included, paid by Pakasir with a unique code and a long reference
    plain: Sale  # one item, cash


@pytest.fixture
def sales(db) -> Sales:
    checkout = CheckoutService(db, Till("K1", TZ), clock=lambda: NOW)

    cart = Cart(TaxConfig(TaxMode.ADDED, 1100))
    cart.add(Product(sku="KOPI", name="Kopi Susu Gula Aren", price=18000), 2)
    cart.add(Product(sku="ROTI", name=LONG_NAME, price=25000), 1)
    cart.set_line_discount("KOPI", Discount.amount(3000))
    cart.set_order_discount(Discount.percent(10))
    cash = checkout.complete_cash_sale(cart, 100000)

    cart = Cart(TaxConfig(TaxMode.INCLUDED, 1100))
    cart.add(Product(sku="TEH", name="Es Teh Manis", price=5000), 3)
    qris, pending = checkout.open_qris_sale(cart, "pakasir", ttl_s=600)
    with db.transaction() as conn:  # what the sync ledger writes when Pakasir says "paid"
        update_payment(conn, pending.id, NOW, status=PaymentStatus.PAID, payable_amount=15123,
                       paid_amount=15123, provider_ref=QRIS_REF)

    cart = Cart()
    cart.add(Product(sku="AIR", name="Air Mineral", price=4000), 1)
    plain = checkout.complete_cash_sale(cart, 5000)

    def sale(order: OrderRecord) -> Sale:
        stored, payment = load_order(db, order.id), latest_payment(db, order.id)
        assert stored is not None and payment is not None
        return Sale(stored, payment)

    return Sales(sale(cash), sale(qris), sale(plain))


# --------------------------------------------------------------------------- reading ESC/POS

# Every command the receipt and the drawer may send, with its number of parameter bytes. An
# unknown command fails the test: the bytes are checked, not skimmed.
_PARAMS = {
    b"\x1b@": 0, b"\x1b!": 1, b"\x1bE": 1, b"\x1b-": 1, b"\x1bM": 1, b"\x1ba": 1, b"\x1bt": 1,
    b"\x1bd": 1, b"\x1b{": 1, b"\x1dB": 1, b"\x1db": 1, b"\x1d!": 1, b"\x1bp": 3,
}


@dataclass
class Paper:
    """What a printer would do with the bytes: lines with their style, cuts, kicks, queries."""

    lines: list[Line] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # "text", "cut", "kick", "status" in order

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]

    def line(self, startswith: str) -> Line:
        found = [line for line in self.lines if line.text.startswith(startswith)]
        assert len(found) == 1, f"one line starting {startswith!r} expected in {self.texts}"
        return found[0]

    def row(self, label: str) -> str:
        """The amount printed right of ``label``."""
        return self.line(label).text[len(label):].strip()


@dataclass(frozen=True)
class Line:
    text: str
    bold: bool
    tall: bool
    centered: bool


def read_paper(data: bytes) -> Paper:
    paper = Paper()
    bold = tall = centered = False
    text = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte in (0x1B, 0x1D):
            command = data[i:i + 2]
            if command == b"\x1dV":  # cut: GS V m, or GS V m n for m = 65/66
                paper.events.append("cut")
                i += 4 if data[i + 2] in (65, 66) else 3
                continue
            assert command in _PARAMS, f"unexpected ESC/POS command {command!r} at {i}"
            params = data[i + 2:i + 2 + _PARAMS[command]]
            if command == b"\x1bE":
                bold = bool(params[0] & 1)
            elif command == b"\x1b!":
                tall = bool(params[0] & 0x10)
            elif command == b"\x1ba":
                centered = params[0] == 1
            elif command == b"\x1bp":
                paper.events.append("kick")
            i += 2 + _PARAMS[command]
        elif data[i:i + 3] == STATUS_QUERY:
            paper.events.append("status")
            i += 3
        elif byte == 0x0A:
            paper.lines.append(Line(text.decode("ascii"), bold, tall, centered))
            paper.events.append("text")
            text.clear()
            i += 1
        else:
            assert 0x20 <= byte <= 0x7E, f"unprintable byte {byte:#04x} at {i}"
            text.append(byte)
            i += 1
    assert not text, f"text without a line end: {bytes(text)!r}"
    return paper


def dummy_paper(receipt: ReceiptData, width_mm: int) -> tuple[Paper, bytes]:
    dummy = Dummy()
    write_receipt(dummy, receipt, width_mm)
    return read_paper(dummy.output), dummy.output


# --------------------------------------------------------------------------- the receipt


@pytest.mark.parametrize("width_mm", [58, 80])
def test_cash_receipt_through_the_dummy_backend(sales: Sales, width_mm: int) -> None:
    order = sales.cash.order
    paper, raw = dummy_paper(sales.cash.receipt(), width_mm)
    columns = COLUMNS[width_mm]
    rp = format_rupiah

    assert all(len(text) <= columns for text in paper.texts), paper.texts
    header = paper.lines[0]
    assert (header.text, header.bold, header.tall, header.centered) == (STORE, True, True, True)
    assert paper.lines[1].text == ADDRESS and paper.lines[1].centered
    assert not paper.lines[1].tall and not paper.lines[1].bold
    assert paper.lines[2].text == "=" * columns
    assert order.id in paper.texts[3]  # the order id, then the store-local time (10:00 WIB)
    assert "27/11/2026 10:00" in " ".join(paper.texts[3:5])

    body = " ".join(" ".join(paper.texts).split())  # wrapped lines joined, as a reader sees it
    for line in order.lines:
        assert line.name in body
        assert f"{line.quantity} x {rp(line.unit_price)}" in body
    assert paper.row("  Diskon") == "-" + rp(3000)  # the coffee's line discount
    assert paper.row("Subtotal") == rp(order.subtotal)
    assert paper.row("Diskon") == "-" + rp(order.order_discount)
    assert paper.row("PPN 11%") == rp(order.tax)
    total = paper.line("TOTAL")
    assert total.bold and not paper.line("Subtotal").bold
    assert paper.row("TOTAL") == rp(order.total) == rp(57942)
    assert paper.row("Tunai") == rp(100000)
    assert paper.row("Kembali") == rp(100000 - 57942)
    assert paper.texts[-1] == FOOTER and paper.lines[-1].centered
    assert "CETAK ULANG" not in body and "QRIS" not in body
    # Fed and cut once after the last line; a receipt never opens the drawer by itself.
    assert paper.events[-1] == "cut" and paper.events.count("cut") == 1
    assert "kick" not in paper.events
    assert raw.startswith(b"\x1b@")  # reset first: a job cut short may have left bold on


@pytest.mark.parametrize("width_mm", [58, 80])
def test_qris_reprint_receipt(sales: Sales, width_mm: int) -> None:
    paper, _ = dummy_paper(sales.qris.receipt(reprint=True), width_mm)
    columns = COLUMNS[width_mm]

    assert all(len(text) <= columns for text in paper.texts), paper.texts
    assert paper.lines[0].text == "*** CETAK ULANG ***" and paper.lines[0].bold
    assert paper.lines[1].text == STORE and paper.lines[1].tall
    assert paper.row("TOTAL") == format_rupiah(15000)
    assert paper.row("  termasuk PPN 11%") == format_rupiah(sales.qris.order.tax)
    # What the customer paid: the total plus the unique code, with the provider's name.
    assert paper.row("QRIS (Pakasir)") == format_rupiah(15123)
    assert "Tunai" not in " ".join(paper.texts)
    # The reference prints whole, wrapped if it must be, never cut.
    ref_at = paper.texts.index(next(t for t in paper.texts if t.startswith("Ref QRIS:")))
    after = "".join(t.strip() for t in paper.texts[ref_at:ref_at + 3])
    assert QRIS_REF in after
    assert sales.qris.order.id in " ".join(paper.texts)
    assert paper.events[-1] == "cut"


@pytest.mark.parametrize("width_mm", [58, 80])
def test_text_the_printer_cannot_print_is_replaced_not_fatal(sales: Sales,
                                                             width_mm: int) -> None:
    receipt = sales.cash.receipt(store="Kedai Kopi Café ☕ Senja \x1b@", address="咖啡 Jl. Raya")
    name = "Nasi Goreng Spesial Telur Dadar Ayam Suwir Sambal Matah Kerupuk " * 2
    lines = (replace(receipt.lines[0], name=name + "\x1bp\x00 – “enak”…"), *receipt.lines[1:])
    paper, raw = dummy_paper(replace(receipt, lines=lines), width_mm)

    assert all(len(text) <= COLUMNS[width_mm] for text in paper.texts), paper.texts
    body = " ".join(paper.texts)
    assert "Kedai Kopi Cafe Senja @" in body  # accent dropped, emoji and ESC left out
    assert "?? Jl. Raya" in body  # letters of another script: marked, not crashed on
    assert '- "enak"...' in " ".join(body.split())
    assert "kick" not in paper.events  # the ESC p in the item's name did not become a command
    assert raw.count(b"\x1b@") == 1
    for word in name.split():
        assert word in body


def test_text_receipt_is_unchanged(sales: Sales) -> None:
    """The preview keeps its layout; the rows it shares with paper come from the same rules."""
    store = StoreHeader(STORE, ADDRESS)
    cash = render_receipt(sales.cash.order, sales.cash.payment, store, TZ)
    assert cash == (
        "             Warung Bu Sri\n"
        "       Jl. Melati No. 5, Bandung\n"
        "========================================\n"
        "K1-20261127-0001        27/11/2026 10:00\n"
        "----------------------------------------\n"
        "Kopi Susu Gula Aren\n"
        "  2 x Rp 18.000                Rp 36.000\n"
        "  Diskon                       -Rp 3.000\n"
        "Roti Bakar Coklat Keju Spesial Jumbo Eks\n"
        "  1 x Rp 25.000                Rp 25.000\n"
        "----------------------------------------\n"
        "Subtotal                       Rp 61.000\n"
        "Diskon                         -Rp 5.800\n"
        "PPN 11%                         Rp 5.742\n"
        "TOTAL                          Rp 57.942\n"
        "Tunai                         Rp 100.000\n"
        "Kembali                        Rp 42.058\n"
        "========================================\n"
        "              Terima kasih\n"
    )
    qris = render_receipt(sales.qris.order, sales.qris.payment, store, TZ, 32)
    assert qris == (
        "         Warung Bu Sri\n"
        "   Jl. Melati No. 5, Bandung\n"
        "================================\n"
        "K1-20261127-00… 27/11/2026 10:00\n"
        "--------------------------------\n"
        "Es Teh Manis\n"
        "  3 x Rp 5.000         Rp 15.000\n"
        "--------------------------------\n"
        "Subtotal               Rp 15.000\n"
        "TOTAL                  Rp 15.000\n"
        "  termasuk PPN 11%      Rp 1.486\n"
        "QRIS (pakasir)         Rp 15.123\n"
        "Ref         …CDEFGHIJ-0123456789\n"  # a cut reference says so
        "================================\n"
        "          Terima kasih\n"
    )


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(("connection", "address", "expected"), [
    ("usb", "0416:5011", {"usb_ids": (0x0416, 0x5011)}),
    ("USB", " 0x04b8:0x0202 ", {"usb_ids": (0x04B8, 0x0202)}),
    ("serial", "/dev/ttyUSB0", {"device": "/dev/ttyUSB0", "baudrate": 9600}),
    ("serial", "COM3@19200", {"device": "COM3", "baudrate": 19200}),
    ("network", "192.168.1.50", {"host": "192.168.1.50", "port": 9100}),
    ("network", "printer.local:9101", {"host": "printer.local", "port": 9101}),
    ("network", "[fe80::1]:9100", {"host": "fe80::1", "port": 9100}),
    ("off", "", {}),
])
def test_config_from_values(connection: str, address: str, expected: dict[str, object]) -> None:
    config = PrinterConfig.from_values(connection, address, "80", cash_drawer=True)
    assert config.connection is PrinterConnection(connection.lower())
    assert (config.width_mm, config.cash_drawer, config.auto_print) == (80, True, True)
    for name, value in expected.items():
        assert getattr(config, name) == value


@pytest.mark.parametrize(("connection", "address", "width", "key", "words"), [
    ("usb", "xyz", "58", "hardware.printer.address", "VID:PID"),
    ("usb", "0416-5011", "58", "hardware.printer.address", "VID:PID"),
    ("usb", "", "58", "hardware.printer.address", "0416:5011"),
    ("serial", "@9600", "58", "hardware.printer.address", "serial port"),
    ("serial", "/dev/ttyUSB0@fast", "58", "hardware.printer.address", "serial speed"),
    ("network", "bad host", "58", "hardware.printer.address", "host name"),
    ("network", "10.0.0.5:99999", "58", "hardware.printer.address", "1-65535"),
    ("network", "10.0.0.5:", "58", "hardware.printer.address", "1-65535"),
    ("network", "10.0.0.5", "70", "hardware.printer.width_mm", "58 or 80"),
    ("bluetooth", "x", "58", "hardware.printer.connection", "off, usb, serial or network"),
])
def test_config_errors_name_the_key(connection: str, address: str, width: str, key: str,
                                    words: str) -> None:
    with pytest.raises(PrinterConfigError) as caught:
        PrinterConfig.from_values(connection, address, width)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: ") and words in str(caught.value)


def test_config_from_the_real_settings(data_dir: Path) -> None:
    settings = Settings.load(data_dir)
    assert isinstance(printer_from_settings(settings), NullPrinter)  # the default: off
    settings.set("hardware.printer.connection", "network")
    settings.set("hardware.printer.address", "192.168.1.50:9101")
    settings.set("hardware.printer.width_mm", "80")
    settings.set("hardware.printer.cash_drawer", "on")
    settings.set("hardware.printer.auto_print", "off")
    config = PrinterConfig.from_settings(settings)
    assert config == PrinterConfig(PrinterConnection.NETWORK, width_mm=80, cash_drawer=True,
                                   auto_print=False, host="192.168.1.50", port=9101)
    assert config.describe() == "network 192.168.1.50:9101"


def test_backoff_doubles_from_two_seconds_to_thirty() -> None:
    assert [backoff_delay(n) for n in range(7)] == [0, 2, 4, 8, 16, 30, 30]
    assert backoff_delay(10_000) == 30


# --------------------------------------------------------------------------- real devices


class Recorder:
    """The printer's callbacks, recorded (they come from the worker thread)."""

    def __init__(self) -> None:
        self.states: list[tuple[PrinterState, str | None]] = []
        self.printed: list[str] = []

    def on_state(self, state: PrinterState, reason: str | None) -> None:
        self.states.append((state, reason))

    def on_printed(self, order_id: str) -> None:
        self.printed.append(order_id)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def printers() -> Iterator[list[ReceiptPrinter]]:
    """Printers a test builds; closed afterwards whatever happened."""
    made: list[ReceiptPrinter] = []
    yield made
    for printer in made:
        printer.close(1.0)


def make_printer(printers: list[ReceiptPrinter], recorder: Recorder, connection: str,
                 address: str, width_mm: int = 58, *, cash_drawer: bool = False,
                 retry_initial_s: float = 2.0, retry_max_s: float = 30.0,
                 status_timeout_s: float = 1.0) -> ReceiptPrinter:
    config = PrinterConfig.from_values(connection, address, width_mm, cash_drawer=cash_drawer,
                                       timeout_s=3.0)
    printer = ReceiptPrinter(config, on_state=recorder.on_state, on_printed=recorder.on_printed,
                             retry_initial_s=retry_initial_s, retry_max_s=retry_max_s,
                             status_timeout_s=status_timeout_s)
    printers.append(printer)
    return printer


def timed(call, *args):  # type: ignore[no-untyped-def]
    """``call(*args)`` and the seconds it took."""
    start = time.perf_counter()
    result = call(*args)
    return result, time.perf_counter() - start


def test_file_device_prints_a_job(tmp_path: Path, sales: Sales, recorder: Recorder,
                                  printers: list[ReceiptPrinter]) -> None:
    path = tmp_path / "lp0"
    printer = make_printer(printers, recorder, "file", str(path), 80)
    assert printer.print_receipt(sales.cash.receipt())
    wait_for(lambda: recorder.printed == [sales.cash.order.id], "the receipt on the file")
    paper = read_paper(path.read_bytes())
    assert paper.lines[0].text == STORE and paper.events[-1] == "cut"
    assert paper.row("TOTAL") == format_rupiah(sales.cash.order.total)
    assert "status" not in paper.events  # a file can't answer: the query isn't written to it
    assert printer.status.state is PrinterState.READY and printer.pending == 0


def test_drawer_kick_is_the_esc_p_pulse(tmp_path: Path, recorder: Recorder,
                                        printers: list[ReceiptPrinter]) -> None:
    path = tmp_path / "lp0"
    printer = make_printer(printers, recorder, "file", str(path), cash_drawer=True)
    assert printer.cash_drawer
    assert printer.kick_drawer()
    wait_for(lambda: path.exists() and path.read_bytes() == KICK, "the drawer kick")
    assert read_paper(path.read_bytes()).events == ["kick"]


def test_missing_device_keeps_the_job_then_backoff_prints_it(
        tmp_path: Path, sales: Sales, recorder: Recorder,
        printers: list[ReceiptPrinter]) -> None:
    device_dir = tmp_path / "usb"  # not there yet: the printer is unplugged
    path = device_dir / "lp0"
    printer = make_printer(printers, recorder, "file", str(path), retry_initial_s=0.05,
                           retry_max_s=0.2)
    queued, took = timed(printer.print_receipt, sales.plain.receipt())
    assert queued and took < FAST

    status = wait_for(lambda: (s := printer.status).failures >= 3 and s, "three failed tries")
    assert status.state is PrinterState.ERROR and status.fault is PrinterFault.OFFLINE
    assert status.reason is not None and "unplugged" in status.reason and str(path) in status.reason
    assert status.pending == 1 and recorder.printed == []
    assert status.retry_in_s is not None and status.retry_in_s <= 0.2
    # One report of the error, not one per try; no flicker through PRINTING between tries.
    assert [s for s, _ in recorder.states].count(PrinterState.ERROR) == 1

    device_dir.mkdir()  # plugged in: the next try prints it, without anyone pressing retry
    wait_for(lambda: recorder.printed == [sales.plain.order.id], "the receipt after backoff")
    assert printer.close(5.0) == ()
    assert recorder.printed == [sales.plain.order.id]
    assert read_paper(path.read_bytes()).row("TOTAL") == format_rupiah(4000)
    assert recorder.states[-1] == (PrinterState.READY, None)


def test_close_prints_what_is_queued_and_hands_back_the_rest(
        tmp_path: Path, sales: Sales, recorder: Recorder,
        printers: list[ReceiptPrinter]) -> None:
    printer = make_printer(printers, recorder, "file", str(tmp_path / "lp0"))
    printer.print_receipt(sales.cash.receipt())
    printer.print_receipt(sales.plain.receipt())
    assert printer.close(10.0) == ()  # a working printer finishes its queue first
    assert recorder.printed == [sales.cash.order.id, sales.plain.order.id]
    assert not printer.print_receipt(sales.qris.receipt()) and printer.pending == 0

    broken = make_printer(printers, recorder, "file", str(tmp_path / "missing" / "lp0"))
    broken.print_receipt(sales.qris.receipt())
    wait_for(lambda: broken.state is PrinterState.ERROR, "the error")
    left, took = timed(broken.close, 10.0)
    assert [r.order_id for r in left] == [sales.qris.order.id]
    assert took < 2.0  # it does not sit out the retry delay


class FakeNetworkPrinter:
    """A network receipt printer on 127.0.0.1: it records what each connection sends and
    answers the paper-status query (DLE EOT 4) as thermal printers do.

    Until :meth:`power_on` the port is bound but not listening: connecting is refused, exactly
    as with a printer that is switched off."""

    PAPER_OK = 0x12
    PAPER_LOW = 0x1E  # near-end sensor
    PAPER_OUT = 0x72  # paper-end sensor

    def __init__(self, *, on: bool = True, paper: int = PAPER_OK, answers: bool = True,
                 answer_delay_s: float = 0.0) -> None:
        self.paper = paper
        self.answers = answers
        self.answer_delay_s = answer_delay_s
        self.connections: list[bytearray] = []
        self.queries = 0
        self._lock = threading.Lock()
        self._accepting = threading.Lock()  # held while a connection is being accepted
        self._open = 0  # connections accepted and not read to their end yet
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        if on:
            self.power_on()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def power_on(self) -> None:
        self._server.listen(8)
        self._server.settimeout(0.05)
        self._start(self._accept)

    def _start(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            with self._accepting:
                try:
                    conn, _ = self._server.accept()
                except (TimeoutError, OSError):
                    continue
                received = bytearray()
                with self._lock:
                    self.connections.append(received)
                    self._open += 1
            self._start(self._serve, conn, received)

    def _serve(self, conn: socket.socket, received: bytearray) -> None:
        try:
            self._read(conn, received)
        finally:
            with self._lock:
                self._open -= 1

    def _read(self, conn: socket.socket, received: bytearray) -> None:
        answered = 0
        conn.settimeout(0.05)
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                with self._lock:
                    received.extend(data)
                    asked = received.count(STATUS_QUERY)
                    self.queries += asked - answered
                while answered < asked:
                    answered += 1
                    if self._stop.wait(self.answer_delay_s):
                        return
                    if self.answers:
                        conn.sendall(bytes([self.paper]))

    @property
    def received(self) -> bytes:
        """Everything received so far (connections may still be sending)."""
        with self._lock:
            return b"".join(bytes(c) for c in self.connections)

    def _settled(self) -> bool:
        with self._accepting:  # not halfway through accepting one
            waiting = bool(select.select([self._server], [], [], 0)[0])
        with self._lock:
            return self._open == 0 and not waiting

    def settle(self) -> list[bytes]:
        """What each connection sent, once every connection made to the printer has been
        accepted and read to its end (the client closed it): nothing more is on its way."""
        wait_for(self._settled, "the printer to have read every connection to its end")
        with self._lock:
            return [bytes(c) for c in self.connections]

    def receipts(self) -> list[Paper]:
        """What each connection printed, as paper, for the connections that printed text."""
        return [paper for paper in map(read_paper, self.settle()) if paper.lines]

    def stop(self) -> None:
        self._stop.set()
        self._server.close()
        for thread in self._threads:
            thread.join(2.0)


@pytest.fixture
def network_printers() -> Iterator[list[FakeNetworkPrinter]]:
    made: list[FakeNetworkPrinter] = []
    yield made
    for fake in made:
        fake.stop()


def fake_printer(made: list[FakeNetworkPrinter], **kwargs: object) -> FakeNetworkPrinter:
    fake = FakeNetworkPrinter(**kwargs)  # type: ignore[arg-type]
    made.append(fake)
    return fake


def test_network_printer_prints_after_asking_for_paper(
        sales: Sales, recorder: Recorder, printers: list[ReceiptPrinter],
        network_printers: list[FakeNetworkPrinter]) -> None:
    fake = fake_printer(network_printers)
    printer = make_printer(printers, recorder, "network", fake.address, 80)
    printer.print_receipt(sales.qris.receipt())
    wait_for(lambda: recorder.printed == [sales.qris.order.id], "the network receipt")
    printer.close(5.0)

    [paper] = fake.receipts()
    assert paper.events[0] == "status" and paper.events[-1] == "cut"
    assert paper.row("QRIS (Pakasir)") == format_rupiah(15123)
    assert QRIS_REF in " ".join(paper.texts)
    assert all(len(text) <= 48 for text in paper.texts)
    assert (PrinterState.PRINTING, None) in recorder.states
    assert recorder.states[-1] == (PrinterState.READY, None)


def test_printer_that_does_not_answer_the_status_query_still_prints(
        sales: Sales, recorder: Recorder, printers: list[ReceiptPrinter],
        network_printers: list[FakeNetworkPrinter]) -> None:
    fake = fake_printer(network_printers, answers=False)  # a print server that only listens
    printer = make_printer(printers, recorder, "network", fake.address, status_timeout_s=0.2)
    printer.print_receipt(sales.plain.receipt())
    wait_for(lambda: recorder.printed == [sales.plain.order.id], "the receipt")
    assert len(fake.receipts()) == 1
    assert all(state is not PrinterState.ERROR for state, _ in recorder.states)


def test_printer_switched_off_keeps_jobs_in_order_until_it_is_on(
        sales: Sales, recorder: Recorder, printers: list[ReceiptPrinter],
        network_printers: list[FakeNetworkPrinter]) -> None:
    fake = fake_printer(network_printers, on=False)
    # The next automatic try is a minute away: only retry_now() can print within the test.
    printer = make_printer(printers, recorder, "network", fake.address, retry_initial_s=60,
                           retry_max_s=60)
    first, second = sales.cash.receipt(), sales.qris.receipt()

    for receipt in (first, second):
        queued, took = timed(printer.print_receipt, receipt)
        assert queued and took < FAST, f"print_receipt took {took:.3f} s"
    status = wait_for(lambda: (s := printer.status).state is PrinterState.ERROR and s,
                      "the error")
    assert status.fault is PrinterFault.OFFLINE
    assert status.reason is not None and fake.address in status.reason
    assert "refused" in status.reason.lower()
    assert status.retry_in_s is not None and status.retry_in_s > 30
    assert printer.pending == 2 and recorder.printed == [] and fake.received == b""

    fake.power_on()
    _, took = timed(printer.retry_now)
    assert took < FAST
    wait_for(lambda: len(recorder.printed) == 2, "both receipts")
    assert printer.close(5.0) == ()  # the worker is done: nothing can print again after this

    assert recorder.printed == [first.order_id, second.order_id]
    receipts = fake.receipts()
    assert len(receipts) == 2  # each exactly once, in the order they were rung up
    assert first.order_id in receipts[0].texts[3] and second.order_id in receipts[1].texts[3]
    everything = b"".join(fake.settle())
    assert everything.count(first.order_id.encode()) == 1
    assert everything.count(second.order_id.encode()) == 1
    assert recorder.states[-1] == (PrinterState.READY, None)


def test_paper_out_keeps_the_job_until_the_roll_is_changed(
        sales: Sales, recorder: Recorder, printers: list[ReceiptPrinter],
        network_printers: list[FakeNetworkPrinter]) -> None:
    fake = fake_printer(network_printers, paper=FakeNetworkPrinter.PAPER_OUT)
    printer = make_printer(printers, recorder, "network", fake.address, retry_initial_s=60,
                           retry_max_s=60)
    printer.print_receipt(sales.cash.receipt())

    status = wait_for(lambda: (s := printer.status).state is PrinterState.ERROR and s,
                      "the paper error")
    assert status.fault is PrinterFault.PAPER_OUT and status.reason == "out of paper"
    assert (PrinterState.ERROR, "out of paper") in recorder.states
    assert status.pending == 1 and recorder.printed == []
    assert fake.queries >= 1 and fake.receipts() == []  # asked, and printed nothing

    fake.paper = FakeNetworkPrinter.PAPER_LOW  # a new roll ... that is nearly used up
    printer.retry_now()
    wait_for(lambda: recorder.printed == [sales.cash.order.id], "the receipt")
    printer.close(5.0)
    assert len(fake.receipts()) == 1
    assert recorder.states[-1] == (PrinterState.READY, "paper running low")


def test_the_caller_never_waits_for_a_hung_printer(
        sales: Sales, recorder: Recorder, printers: list[ReceiptPrinter],
        network_printers: list[FakeNetworkPrinter]) -> None:
    fake = fake_printer(network_printers, answer_delay_s=1.5)  # busy: answers late
    printer = make_printer(printers, recorder, "network", fake.address, cash_drawer=True,
                           status_timeout_s=5.0)
    printer.print_receipt(sales.cash.receipt())
    wait_for(lambda: fake.queries == 1, "the worker waiting on the printer")

    for call, args in ((printer.print_receipt, (sales.qris.receipt(),)),
                       (printer.kick_drawer, ()), (printer.retry_now, ()),
                       (lambda: printer.status, ()), (lambda: printer.pending, ())):
        _, took = timed(call, *args)
        assert took < FAST, f"{call} took {took:.3f} s"
    assert printer.state is PrinterState.PRINTING and printer.pending == 2

    wait_for(lambda: len(recorder.printed) == 2, "both receipts", timeout=30)
    printer.close(5.0)
    assert recorder.printed == [sales.cash.order.id, sales.qris.order.id]
    # The kick asked for while the first receipt printed went before the second one.
    events = [e for sent in fake.settle() for e in read_paper(sent).events]
    assert events.count("kick") == 1
    assert events.index("kick") < len(events) - events[::-1].index("cut") - 1


def test_drawer_opens_without_paper_and_a_failed_kick_is_not_repeated(
        sales: Sales, recorder: Recorder, printers: list[ReceiptPrinter],
        network_printers: list[FakeNetworkPrinter]) -> None:
    fake = fake_printer(network_printers, paper=FakeNetworkPrinter.PAPER_OUT)
    printer = make_printer(printers, recorder, "network", fake.address, cash_drawer=True)
    printer.print_receipt(sales.cash.receipt())
    wait_for(lambda: printer.status.fault is PrinterFault.PAPER_OUT, "the paper error")
    printer.kick_drawer()  # the customer waits for change: the drawer doesn't need paper
    wait_for(lambda: KICK in fake.received, "the drawer kick")
    assert printer.pending == 1 and fake.receipts() == []
    printer.close(5.0)

    off = fake_printer(network_printers, on=False)
    printer = make_printer(printers, recorder, "network", off.address, cash_drawer=True)
    printer.kick_drawer()
    wait_for(lambda: (r := printer.status.reason) is not None
             and r.startswith("cash drawer not opened"), "the drawer error")
    assert printer.status.fault is PrinterFault.OFFLINE
    off.power_on()
    printer.print_receipt(sales.plain.receipt())
    wait_for(lambda: sales.plain.order.id in recorder.printed, "the receipt")
    printer.close(5.0)
    # Minutes later, with nobody at the till, the drawer must not spring open by itself.
    assert KICK not in b"".join(off.settle())


def test_serial_printer_on_a_pseudo_terminal(sales: Sales, recorder: Recorder,
                                             printers: list[ReceiptPrinter]) -> None:
    master, slave = os.openpty()  # a real tty: what /dev/ttyUSB0 is to pyserial
    try:
        port = os.ttyname(slave)
        printer = make_printer(printers, recorder, "serial", f"{port}@19200", 58,
                               cash_drawer=True, status_timeout_s=0.2)
        assert printer.config is not None and printer.config.baudrate == 19200
        printer.print_receipt(sales.cash.receipt())
        printer.kick_drawer()
        received = bytearray()
        deadline = time.monotonic() + 30
        while received.count(b"\x1dV") < 1 or KICK not in received:
            assert time.monotonic() < deadline, f"serial bytes so far: {bytes(received)!r}"
            if select.select([master], [], [], 0.1)[0]:
                received.extend(os.read(master, 4096))
        wait_for(lambda: recorder.printed == [sales.cash.order.id], "the serial receipt")
        paper = read_paper(bytes(received))
        assert paper.events.count("kick") == 1 and paper.events.count("cut") == 1
        assert paper.row("TOTAL") == format_rupiah(sales.cash.order.total)
        assert all(len(text) <= 32 for text in paper.texts)
    finally:
        for printer in printers:
            printer.close(2.0)
        os.close(master)
        os.close(slave)


# --------------------------------------------------------------------------- off, bad settings


def test_off_gives_the_null_printer(sales: Sales, recorder: Recorder) -> None:
    printer = build_printer("off", "", on_state=recorder.on_state)
    assert isinstance(printer, NullPrinter)
    assert printer.state is PrinterState.OFF and printer.status.state is PrinterState.OFF
    _, took = timed(printer.print_receipt, sales.cash.receipt())
    assert took < FAST and printer.pending == 0
    assert not printer.kick_drawer() and not printer.auto_print and not printer.cash_drawer
    assert printer.close() == () and recorder.states == []
    assert isinstance(build_printer(PrinterConfig(PrinterConnection.OFF)), NullPrinter)


def test_bad_settings_keep_jobs_for_the_printer_built_after_the_fix(
        tmp_path: Path, sales: Sales, recorder: Recorder) -> None:
    broken = build_printer("network", "printer at the back", on_state=recorder.on_state)
    assert isinstance(broken, ReceiptPrinter)
    try:
        wait_for(lambda: broken.state is PrinterState.ERROR, "the config error")
        status = broken.status
        assert status.fault is PrinterFault.CONFIG
        assert status.reason is not None and status.reason.startswith("hardware.printer.address")
        assert broken.print_receipt(sales.cash.receipt())
        broken.retry_now()  # the same settings fail the same way, and the job stays
        assert broken.pending == 1
    finally:
        left = broken.close(2.0)
    assert [r.order_id for r in left] == [sales.cash.order.id]

    path = tmp_path / "lp0"
    fixed = build_printer(PrinterConfig(PrinterConnection.FILE, device=str(path)),
                          on_printed=recorder.on_printed)
    try:
        for receipt in left:
            fixed.print_receipt(receipt)
        wait_for(lambda: recorder.printed == [sales.cash.order.id], "the handed-over receipt")
    finally:
        fixed.close(2.0)


def test_usb_printer_needs_pyusb_or_the_device(sales: Sales, recorder: Recorder,
                                               printers: list[ReceiptPrinter]) -> None:
    printer = make_printer(printers, recorder, "usb", "0416:5011")
    printer.print_receipt(sales.plain.receipt())
    status = wait_for(lambda: (s := printer.status).state is PrinterState.ERROR and s,
                      "the USB error")
    assert status.pending == 1 and recorder.printed == []
    if Usb.is_usable():  # pyusb installed: no such printer on this machine
        assert status.fault in (PrinterFault.OFFLINE, PrinterFault.CONFIG)
    else:
        assert status.fault is PrinterFault.CONFIG
        assert status.reason is not None and "pyusb" in status.reason


# --------------------------------------------------------------------------- text documents

Z_LINES = ("         Warung Bu Sri", "    LAPORAN Z / TUTUP KASIR", "=" * 32,
           "Modal awal            Rp 200.000", "", "Catatan:", "uang kembalian kurang",
           "=" * 32)


@pytest.mark.parametrize("width_mm", [58, 80])
def test_text_document_prints_its_lines_then_a_cut(width_mm: int) -> None:
    doc = TextDocument("Z-shift-1", Z_LINES)
    dummy = Dummy()
    write_text(dummy, doc, width_mm)
    paper = read_paper(dummy.output)
    # As laid out by its maker: the spaces that align the columns are kept, blank lines too.
    assert paper.texts == list(Z_LINES)
    assert not any(line.bold or line.tall or line.centered for line in paper.lines)
    assert paper.events == ["text"] * len(Z_LINES) + ["cut"]
    assert dummy.output.startswith(b"\x1b@")
    assert text_bytes(doc, width_mm) == dummy.output


def test_text_document_is_made_printable_and_fits_the_paper() -> None:
    doc = TextDocument.from_text("Z-2", "Kedai Café ☕ \x1bp\x00\nCatatan: " + "uang kecil " * 6
                                 + "\n")
    assert doc.lines[0].startswith("Kedai") and len(doc.lines) == 2
    paper = read_paper(text_bytes(doc, 58))
    assert paper.texts[0] == "Kedai Cafe  p"  # accent dropped, emoji and ESC left out
    assert all(len(text) <= 32 for text in paper.texts) and len(paper.texts) == 4
    assert " ".join(" ".join(paper.texts[1:]).split()) == "Catatan: " + " ".join(
        ["uang kecil"] * 6)
    assert "kick" not in paper.events and paper.events[-1] == "cut"
    with pytest.raises(ValueError):
        TextDocument("", ("x",))


def test_the_worker_prints_text_documents_between_receipts(
        sales: Sales, recorder: Recorder, printers: list[ReceiptPrinter],
        network_printers: list[FakeNetworkPrinter]) -> None:
    fake = fake_printer(network_printers)
    printer = make_printer(printers, recorder, "network", fake.address, 80)
    printer.print_receipt(sales.cash.receipt())
    queued, took = timed(printer.print_text, TextDocument("Z-shift-1", Z_LINES))
    assert queued and took < FAST
    printer.print_receipt(sales.plain.receipt())
    wait_for(lambda: len(recorder.printed) == 3, "two receipts and the Z report")
    assert printer.close(5.0) == () and printer.left_documents == ()
    # In the order they were queued; on_printed names the document by its doc_id.
    assert recorder.printed == [sales.cash.order.id, "Z-shift-1", sales.plain.order.id]
    cash, z, plain = fake.receipts()  # one job per connection, each asked for paper first
    assert z.texts == list(Z_LINES) and z.events[0] == "status" and z.events[-1] == "cut"
    assert cash.row("TOTAL") == format_rupiah(sales.cash.order.total)
    assert plain.row("TOTAL") == format_rupiah(sales.plain.order.total)
    assert recorder.states[-1] == (PrinterState.READY, None)
    with pytest.raises(TypeError):
        printer.print_text(sales.cash.receipt())  # type: ignore[arg-type]


def test_a_text_document_waits_for_paper_like_a_receipt(
        sales: Sales, recorder: Recorder, printers: list[ReceiptPrinter],
        network_printers: list[FakeNetworkPrinter]) -> None:
    fake = fake_printer(network_printers, paper=FakeNetworkPrinter.PAPER_OUT)
    printer = make_printer(printers, recorder, "network", fake.address, retry_initial_s=60,
                           retry_max_s=60)
    printer.print_text(TextDocument("Z-shift-1", Z_LINES))
    status = wait_for(lambda: (s := printer.status).state is PrinterState.ERROR and s,
                      "the paper error")
    assert status.fault is PrinterFault.PAPER_OUT and status.pending == 1
    assert recorder.printed == [] and fake.receipts() == []

    fake.paper = FakeNetworkPrinter.PAPER_OK
    printer.retry_now()
    wait_for(lambda: recorder.printed == ["Z-shift-1"], "the Z report")
    printer.close(5.0)
    [paper] = fake.receipts()
    assert paper.events[0] == "status" and paper.texts == list(Z_LINES)


def test_close_hands_back_text_documents_apart_from_receipts(
        tmp_path: Path, sales: Sales, recorder: Recorder,
        printers: list[ReceiptPrinter]) -> None:
    broken = make_printer(printers, recorder, "file", str(tmp_path / "missing" / "lp0"))
    doc = TextDocument("Z-shift-1", Z_LINES)
    broken.print_receipt(sales.cash.receipt())
    broken.print_text(doc)
    wait_for(lambda: broken.state is PrinterState.ERROR, "the error")
    left = broken.close(5.0)
    assert [r.order_id for r in left] == [sales.cash.order.id]
    assert broken.left_documents == (doc,)

    off = build_printer("off", "")
    assert not off.print_text(doc) and off.left_documents == ()
