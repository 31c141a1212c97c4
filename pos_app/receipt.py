"""The receipt as text: the preview after payment now, the printer's input later."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pos_app.money import format_rupiah
from pos_app.storage.orders import OrderRecord, PaymentRecord

WIDTH = 40


@dataclass(frozen=True)
class StoreHeader:
    name: str
    address: str = ""


def _row(left: str, right: str, width: int = WIDTH) -> str:
    space = max(1, width - len(left) - len(right))
    if len(left) + len(right) + 1 > width:
        left = left[: width - len(right) - 2] + "…"
        space = 1
    return f"{left}{' ' * space}{right}"


def render_receipt(order: OrderRecord, payment: PaymentRecord | None, store: StoreHeader,
                   tz: ZoneInfo, width: int = WIDTH) -> str:
    rp = format_rupiah
    out = [store.name.center(width).rstrip()]
    if store.address:
        out.append(store.address.center(width).rstrip())
    out.append("=" * width)
    out.append(_row(order.id, order.created_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"), width))
    out.append("-" * width)
    for line in order.lines:
        out.append(line.name[:width])
        unit = f"  {line.quantity} x {rp(line.unit_price)}"
        out.append(_row(unit, rp(line.quantity * line.unit_price), width))
        if line.discount:
            out.append(_row("  Diskon", "-" + rp(line.discount), width))
    out.append("-" * width)
    out.append(_row("Subtotal", rp(order.subtotal), width))
    if order.order_discount:
        out.append(_row("Diskon", "-" + rp(order.order_discount), width))
    if order.tax_mode == "added":
        out.append(_row(f"PPN {order.tax_rate_bp / 100:g}%", rp(order.tax), width))
    out.append(_row("TOTAL", rp(order.total), width))
    if order.tax_mode == "included" and order.tax:
        out.append(_row(f"  termasuk PPN {order.tax_rate_bp / 100:g}%", rp(order.tax), width))
    if payment is not None:
        if payment.method.value == "cash":
            out.append(_row("Tunai", rp(payment.tendered or 0), width))
            out.append(_row("Kembali", rp(payment.change_given or 0), width))
        else:
            paid = (
                payment.paid_amount
                if payment.paid_amount is not None
                else payment.payable_amount or 0
            )
            out.append(_row(f"QRIS ({payment.provider})", rp(paid), width))
            if payment.provider_ref:
                out.append(_row("Ref", payment.provider_ref[-20:], width))
    out.append("=" * width)
    out.append("Terima kasih".center(width).rstrip())
    return "\n".join(out) + "\n"
