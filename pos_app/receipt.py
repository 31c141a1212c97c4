"""The receipt as text: the preview after payment now, the printer's input later.

The rows a receipt has (which labels, which amounts, in which order) are decided once, here, by
:func:`item_rows`, :func:`totals_rows` and :func:`payment_rows`; the text preview
(:func:`render_receipt`) and the printed receipt (``hardware.receipt_escpos``) both lay out
those rows, so screen and paper never disagree about what a sale was. Only the fitting to a
width differs: the preview cuts a row that is too long, paper wraps it (nothing on a customer's
proof of payment may be cut off).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pos_app.money import format_rupiah
from pos_app.storage.orders import OrderRecord, PaymentRecord

WIDTH = 40


@dataclass(frozen=True)
class StoreHeader:
    name: str
    address: str = ""


@dataclass(frozen=True)
class Row:
    """One receipt row before it is fitted to a width.

    ``right is None``: a line of text (an item's name). Otherwise a label on the left and an
    amount on the right. ``strong`` marks the row paper prints in bold (TOTAL).
    """

    left: str
    right: str | None = None
    strong: bool = False


def receipt_time(when: datetime, tz: ZoneInfo) -> str:
    """The store-local date and time a receipt shows: ``27/11/2026 10:00``."""
    return when.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def tax_label(rate_bp: int) -> str:
    """``PPN 11%`` for 1100 basis points."""
    return f"PPN {rate_bp / 100:g}%"


def item_rows(name: str, quantity: int, unit_price: int, discount: int) -> tuple[Row, ...]:
    """An order line: its name, ``quantity x unit price`` with the gross, and its discount."""
    rp = format_rupiah
    rows = [Row(name), Row(f"  {quantity} x {rp(unit_price)}", rp(quantity * unit_price))]
    if discount:
        rows.append(Row("  Diskon", "-" + rp(discount)))
    return tuple(rows)


def totals_rows(subtotal: int, order_discount: int, tax_mode: str, tax_rate_bp: int, tax: int,
                total: int) -> tuple[Row, ...]:
    """Subtotal, the order discount, PPN (added on top, or the part of the total it is) and
    TOTAL. ``tax_mode`` is ``"off"``, ``"included"`` or ``"added"`` (``pos_app.cart.TaxMode``)."""
    rp = format_rupiah
    rows = [Row("Subtotal", rp(subtotal))]
    if order_discount:
        rows.append(Row("Diskon", "-" + rp(order_discount)))
    if tax_mode == "added":
        rows.append(Row(tax_label(tax_rate_bp), rp(tax)))
    rows.append(Row("TOTAL", rp(total), strong=True))
    if tax_mode == "included" and tax:
        rows.append(Row(f"  termasuk {tax_label(tax_rate_bp)}", rp(tax)))
    return tuple(rows)


def paid_amount(payment: PaymentRecord) -> int:
    """What the customer paid by QRIS: the amount the provider reported, else what was asked
    (the total plus any unique code)."""
    if payment.paid_amount is not None:
        return payment.paid_amount
    return payment.payable_amount or 0


def payment_rows(method: str, *, tendered: int | None = None, change: int | None = None,
                 paid: int | None = None, qris_label: str = "QRIS") -> tuple[Row, ...]:
    """Cash: ``Tunai`` (tendered) and ``Kembali`` (change). QRIS: ``qris_label`` and the amount
    paid. The QRIS reference is not among them: the preview shows its tail, paper all of it."""
    rp = format_rupiah
    if method == "cash":
        return (Row("Tunai", rp(tendered or 0)), Row("Kembali", rp(change or 0)))
    return (Row(qris_label, rp(paid or 0)),)


def _row(left: str, right: str, width: int = WIDTH) -> str:
    space = max(1, width - len(left) - len(right))
    if len(left) + len(right) + 1 > width:
        left = left[: width - len(right) - 2] + "…"
        space = 1
    return f"{left}{' ' * space}{right}"


def _fit(row: Row, width: int) -> str:
    return row.left[:width] if row.right is None else _row(row.left, row.right, width)


def render_receipt(order: OrderRecord, payment: PaymentRecord | None, store: StoreHeader,
                   tz: ZoneInfo, width: int = WIDTH) -> str:
    rows: list[Row] = []
    for line in order.lines:
        rows += item_rows(line.name, line.quantity, line.unit_price, line.discount)
    totals = list(totals_rows(order.subtotal, order.order_discount, order.tax_mode,
                              order.tax_rate_bp, order.tax, order.total))
    if payment is not None:
        if payment.method.value == "cash":
            totals += payment_rows("cash", tendered=payment.tendered, change=payment.change_given)
        else:
            totals += payment_rows("qris", paid=paid_amount(payment),
                                   qris_label=f"QRIS ({payment.provider})")
            if payment.provider_ref:
                # the end of a long reference is what a bank statement shows; the ellipsis
                # says it was cut (a bare tail read like a broken print)
                ref = payment.provider_ref
                totals.append(Row("Ref", ref if len(ref) <= 20 else "…" + ref[-19:]))

    out = [store.name.center(width).rstrip()]
    if store.address:
        out.append(store.address.center(width).rstrip())
    out.append("=" * width)
    out.append(_row(order.id, receipt_time(order.created_at, tz), width))
    if order.cashier:
        out.append(f"Kasir: {order.cashier}"[:width])
    out.append("-" * width)
    out += [_fit(row, width) for row in rows]
    out.append("-" * width)
    out += [_fit(row, width) for row in totals]
    out.append("=" * width)
    out.append("Terima kasih".center(width).rstrip())
    return "\n".join(out) + "\n"


_LOOK_ALIKES = {
    "\u2026": "...", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'",
    "\u201c": '"', "\u201d": '"', "\u00d7": "x", "\u2022": "*", "\u00b7": "-", "\u00df": "ss",
    "\u00e6": "ae", "\u00c6": "AE", "\u00f8": "o", "\u00d8": "O", "\u0131": "i",
}


def ascii_text(text: str) -> str:
    """``text`` in printable ASCII for a receipt printer with no code page to rely on: look-alike
    punctuation replaced, accents dropped ("é" -> "e"), a letter of another script ``?``, line
    breaks and tabs as spaces, other spaces as they are (a text document aligns with them).
    Shared by the printed receipt and the Z report."""
    for fancy, plain in _LOOK_ALIKES.items():
        text = text.replace(fancy, plain)
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if " " <= char <= "~":
            out.append(char)
        elif char in "\t\r\n\u00a0":
            out.append(" ")
        elif unicodedata.category(char)[0] in "MSC":
            # The accent of a decomposed letter ("é" -> "e"), an emoji or other symbol, an
            # invisible or control character: nothing a reader misses on a receipt.
            continue
        else:
            out.append("?")  # a letter or digit of another script: show that one is missing
    return "".join(out)
