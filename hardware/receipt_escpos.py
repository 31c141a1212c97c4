"""The printed receipt: :class:`ReceiptData` from a stored sale, laid out for 58 or 80 mm paper
and written as ESC/POS through any python-escpos printer object.

What the receipt says comes from ``pos_app.receipt`` (the same rows as the on-screen preview);
this module decides how it looks on paper: a bold double-height store name, rules, the items,
TOTAL in bold, the payment, the full QRIS reference, the footer, then feed and cut.

Decisions:

* Font A: 32 columns on 58 mm paper, 48 on 80 mm. No printed line is ever longer; a row that
  does not fit is wrapped (the label, then the amount right-aligned below it), never cut, so an
  order id or a QRIS reference always prints whole.
* Plain ASCII only. Cheap thermal printers disagree about code pages (and some print garbage
  after a code page switch), while ASCII prints the same everywhere and is one column per
  character. Accents are dropped (``Café`` -> ``Cafe``), a few typographic characters get their
  ASCII look-alikes, emoji, symbols and control characters (which would be ESC/POS commands)
  are left out, and a letter of another script becomes ``?``. Indonesian needs nothing outside
  ASCII.
* Amounts are :func:`pos_app.money.format_rupiah` (``Rp 50.000``), the words Indonesian.
* python-escpos is imported only when a receipt is written: importing it (Pillow, qrcode) costs
  about half a second, which the till's start-up should not pay.

Besides receipts the printer takes :class:`TextDocument` jobs: plain lines laid out by their
maker (the Z report of ``pos_app.zreport``), printed as they are in font A, then cut. Their
spaces are kept (a report aligns its columns with them); a line longer than the paper is
wrapped like any receipt line, never cut off.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pos_app.cart import TaxMode
from pos_app.money import require_int
from pos_app.order_state import PaymentMethod
from pos_app.receipt import (
    Row,
    ascii_text,
    item_rows,
    paid_amount,
    payment_rows,
    receipt_time,
    totals_rows,
)
from pos_app.storage.orders import OrderRecord, PaymentRecord

#: Characters per line in font A, by paper width in millimetres.
COLUMNS: dict[int, int] = {58: 32, 80: 48}

REPRINT_MARK = "*** CETAK ULANG ***"


def columns_for(width_mm: int) -> int:
    """32 for 58 mm paper, 48 for 80 mm; ``ValueError`` for any other width."""
    try:
        return COLUMNS[width_mm]
    except KeyError:
        raise ValueError(f"paper width must be 58 or 80 (mm), got {width_mm!r}") from None


def _optional_int(value: object, what: str) -> None:
    if value is not None:
        require_int(value, what)


@dataclass(frozen=True)
class ReceiptLine:
    """One item: ``line_total`` is quantity x unit price, before the line's ``discount``."""

    name: str
    quantity: int
    unit_price: int
    line_total: int
    discount: int = 0

    def __post_init__(self) -> None:
        for what in ("quantity", "unit_price", "line_total", "discount"):
            require_int(getattr(self, what), f"{what} of {self.name!r}")
        if self.line_total != self.quantity * self.unit_price:
            raise ValueError(f"line total of {self.name!r} is {self.line_total}, but "
                             f"{self.quantity} x {self.unit_price} = "
                             f"{self.quantity * self.unit_price}")


@dataclass(frozen=True)
class ReceiptData:
    """Everything one printed receipt says, already in store-local time (``when``).

    Built by :func:`receipt_data` from the stored records; checked when built, so that writing
    it can't fail halfway through a print job. ``method`` is None for an order without a
    payment; ``provider`` is the QRIS provider's display name (``Pakasir``), None for cash or
    when the method alone says enough; ``paid`` is what the customer paid by QRIS (the total
    plus any unique code).
    """

    store_name: str
    address: str
    order_id: str
    when: str
    lines: tuple[ReceiptLine, ...]
    subtotal: int
    order_discount: int
    tax_mode: TaxMode
    tax_rate_bp: int
    tax: int
    total: int
    method: PaymentMethod | None = None
    tendered: int | None = None
    change: int | None = None
    paid: int | None = None
    provider: str | None = None
    provider_ref: str | None = None
    footer: str = ""
    reprint: bool = False
    cashier: str = ""  # who rang it up (the signed-in user), "" when nobody was

    def __post_init__(self) -> None:
        # The stored string forms ("cash", "added") are accepted, as everywhere else.
        object.__setattr__(self, "tax_mode", TaxMode(self.tax_mode))
        if self.method is not None:
            object.__setattr__(self, "method", PaymentMethod(self.method))
        object.__setattr__(self, "lines", tuple(self.lines))
        for line in self.lines:
            if not isinstance(line, ReceiptLine):
                raise TypeError(f"receipt lines must be ReceiptLine, got {line!r}")
        for what in ("subtotal", "order_discount", "tax_rate_bp", "tax", "total"):
            require_int(getattr(self, what), what)
        for what in ("tendered", "change", "paid"):
            _optional_int(getattr(self, what), what)
        for what in ("store_name", "address", "order_id", "when", "footer", "cashier"):
            if not isinstance(getattr(self, what), str):
                raise TypeError(f"{what} must be a str, got {getattr(self, what)!r}")
        if not self.order_id:
            raise ValueError("a receipt needs the order id")


def provider_label(provider: str | None) -> str | None:
    """The name a customer knows a QRIS provider by (``pakasir`` -> ``Pakasir``), or None when
    ``QRIS`` alone says it (the shop's own static QRIS)."""
    if not provider:
        return None
    from sync.providers import PROVIDERS

    info = PROVIDERS.get(provider)
    if info is None:
        return provider
    # "Simulator (demo)" -> "Simulator": the receipt puts the name in parentheses itself.
    label = (info.source_label or info.label).id.split(" (")[0].strip()
    return None if "QRIS" in label.upper() else label


def receipt_data(order: OrderRecord, payment: PaymentRecord | None, store_name: str,
                 address: str, footer: str, tz: ZoneInfo, *, reprint: bool = False) -> ReceiptData:
    """The receipt of a stored order and its (latest) payment, as it prints.

    ``tz`` is the store's time zone (``settings.timezone()``): times are stored in UTC and
    printed store-local. ``reprint`` prints ``CETAK ULANG`` at the top.
    """
    lines = tuple(
        ReceiptLine(name=line.name, quantity=line.quantity, unit_price=line.unit_price,
                    line_total=line.quantity * line.unit_price, discount=line.discount)
        for line in order.lines
    )
    tendered: int | None = None
    change: int | None = None
    paid: int | None = None
    provider: str | None = None
    provider_ref: str | None = None
    if payment is not None and payment.method is PaymentMethod.CASH:
        tendered, change = payment.tendered, payment.change_given
    elif payment is not None and payment.method is PaymentMethod.QRIS:
        paid = paid_amount(payment)
        provider, provider_ref = provider_label(payment.provider), payment.provider_ref
    return ReceiptData(
        store_name=store_name,
        address=address,
        order_id=order.id,
        when=receipt_time(order.created_at, tz),
        cashier=order.cashier,
        lines=lines,
        subtotal=order.subtotal,
        order_discount=order.order_discount,
        tax_mode=TaxMode(order.tax_mode),
        tax_rate_bp=order.tax_rate_bp,
        tax=order.tax,
        total=order.total,
        method=payment.method if payment is not None else None,
        tendered=tendered,
        change=change,
        paid=paid,
        provider=provider,
        provider_ref=provider_ref,
        footer=footer,
        reprint=reprint,
    )


# --------------------------------------------------------------------------- layout

def printable(text: str) -> str:
    """``text`` in printable ASCII (see the module docstring): one column per character."""
    plain = ascii_text(text)
    # A left-out emoji between two words leaves two spaces; an indent stays as it is.
    indent = len(plain) - len(plain.lstrip(" "))
    return plain[:indent] + re.sub(r" {2,}", " ", plain[indent:])


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"


@dataclass(frozen=True)
class PaperLine:
    """One printed line: at most the paper's columns of printable ASCII, and its style."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    tall: bool = False  # double height (same width: the columns don't change)


def _wrap(text: str, columns: int) -> list[str]:
    """``text`` wrapped at words into lines of at most ``columns``; a word longer than a line
    is broken. A leading indent is kept on every line."""
    indent = text[: len(text) - len(text.lstrip(" "))]
    if len(indent) >= columns // 2:
        indent = ""
    return textwrap.wrap(text, columns, subsequent_indent=indent, break_long_words=True,
                         break_on_hyphens=False) or ([""] if text else [])


def _pair(left: str, right: str, columns: int) -> list[str]:
    """``left`` and ``right`` on one line when they fit, else ``left`` wrapped and ``right``
    right-aligned under it."""
    if len(left) + 1 + len(right) <= columns:
        return [left + " " * (columns - len(left) - len(right)) + right]
    lines = _wrap(left, columns) if left.strip() else []
    if len(right) <= columns:
        return [*lines, right.rjust(columns)]
    # Longer than a line (a long QRIS reference): broken into full lines, read left to right.
    return lines + [right[i:i + columns] for i in range(0, len(right), columns)]


def receipt_layout(data: ReceiptData, width_mm: int) -> tuple[PaperLine, ...]:
    """The receipt's lines for ``width_mm`` paper (58 or 80), before any ESC/POS."""
    columns = columns_for(width_mm)
    out: list[PaperLine] = []

    def text(value: str, *, align: Align = Align.LEFT, bold: bool = False,
             tall: bool = False) -> None:
        for line in _wrap(printable(value), columns):
            out.append(PaperLine(line, align, bold, tall))

    def rows(values: tuple[Row, ...] | list[Row]) -> None:
        for row in values:
            if row.right is None:
                text(row.left, bold=row.strong)
            else:
                for line in _pair(printable(row.left), printable(row.right), columns):
                    out.append(PaperLine(line, bold=row.strong))

    def rule(char: str) -> None:
        out.append(PaperLine(char * columns))

    if data.reprint:
        text(REPRINT_MARK, align=Align.CENTER, bold=True)
    text(data.store_name, align=Align.CENTER, bold=True, tall=True)
    if data.address:
        text(data.address, align=Align.CENTER)
    rule("=")
    rows([Row(data.order_id, data.when)])
    if data.cashier:
        rows([Row(f"Kasir: {data.cashier}", None)])
    rule("-")
    for line in data.lines:
        rows(item_rows(line.name, line.quantity, line.unit_price, line.discount))
    rule("-")
    rows(totals_rows(data.subtotal, data.order_discount, data.tax_mode.value, data.tax_rate_bp,
                     data.tax, data.total))
    if data.method is PaymentMethod.CASH:
        rows(payment_rows("cash", tendered=data.tendered, change=data.change))
    elif data.method is PaymentMethod.QRIS:
        label = f"QRIS ({data.provider})" if data.provider else "QRIS"
        rows(payment_rows("qris", paid=data.paid, qris_label=label))
        if data.provider_ref:
            rows([Row("Ref QRIS:", data.provider_ref)])
    rule("=")
    if data.footer:
        text(data.footer, align=Align.CENTER)
    return tuple(out)


# --------------------------------------------------------------------------- ESC/POS


def write_receipt(p: Any, data: ReceiptData, width_mm: int) -> None:
    """Write the receipt through ``p``, any python-escpos printer (``Dummy``, ``File``,
    ``Network``, ``Serial``, ``Usb``): reset, the lines with their styles, feed and cut.

    ``p`` is typed ``Any``: python-escpos ships no type information.
    """
    lines = receipt_layout(data, width_mm)
    p.hw("INIT")  # a job cut short earlier may have left double height or bold on
    style: tuple[Align, bool, bool] | None = None
    for line in lines:
        wanted = (line.align, line.bold, line.tall)
        if wanted != style:
            p.set_with_default(align=line.align.value, font="a", bold=line.bold,
                               double_height=line.tall)
            style = wanted
        p.textln(line.text)
    p.set_with_default()
    p.cut()  # feeds past the tear bar first; a printer without a cutter ignores the cut


def receipt_bytes(data: ReceiptData, width_mm: int) -> bytes:
    """The whole receipt as ESC/POS bytes (rendered through python-escpos's ``Dummy``), so a
    print job sends it to the device in one write."""
    from escpos.printer import Dummy

    dummy = Dummy()
    write_receipt(dummy, data, width_mm)
    return bytes(dummy.output)


# --------------------------------------------------------------------------- text documents


@dataclass(frozen=True)
class TextDocument:
    """A plain-text print job: ``lines`` printed one under the other, then cut.

    ``doc_id`` names the job in the log and in the printer's ``on_printed`` callback (the Z
    report uses ``Z-<shift id>``, never an order id). The maker lays the lines out for the
    paper (32 columns fit both widths); :func:`text_layout` only makes them printable.
    """

    doc_id: str
    lines: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.doc_id, str) or not self.doc_id:
            raise ValueError("a text document needs its doc_id")
        lines = tuple(self.lines)
        for line in lines:
            if not isinstance(line, str):
                raise TypeError(f"text document lines must be str, got {line!r}")
        # A line with line breaks in it is several lines: split here, so that the layout (and
        # the paper) see one line per entry.
        object.__setattr__(self, "lines", tuple(part for line in lines
                                                for part in line.splitlines() or [""]))

    @classmethod
    def from_text(cls, doc_id: str, text: str) -> TextDocument:
        """The document of ``text``, one printed line per line (a final newline adds none)."""
        return cls(doc_id, tuple(text.splitlines()))


def text_layout(doc: TextDocument, width_mm: int) -> tuple[str, ...]:
    """The document's lines for ``width_mm`` paper: printable ASCII, spaces kept, a line
    longer than the paper wrapped, trailing blanks dropped."""
    columns = columns_for(width_mm)
    out: list[str] = []
    for line in doc.lines:
        plain = ascii_text(line).rstrip()
        if len(plain) <= columns:
            out.append(plain)
        else:
            out.extend(_wrap(plain, columns))
    return tuple(out)


def write_text(p: Any, doc: TextDocument, width_mm: int) -> None:
    """Write the document through ``p`` (any python-escpos printer): reset, the lines in plain
    font A, feed and cut."""
    lines = text_layout(doc, width_mm)
    p.hw("INIT")  # as for a receipt: a job cut short may have left a style on
    p.set_with_default(align="left", font="a")
    for line in lines:
        p.textln(line)
    p.set_with_default()
    p.cut()


def text_bytes(doc: TextDocument, width_mm: int) -> bytes:
    """The whole document as ESC/POS bytes, sent to the device in one write."""
    from escpos.printer import Dummy

    dummy = Dummy()
    write_text(dummy, doc, width_mm)
    return bytes(dummy.output)
