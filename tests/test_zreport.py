"""The Z report (pos_app/zreport.py): a real shift over a real SQLite file -- cash and QRIS
sales, a cash refund, a QRIS refund owed, a void -- closed with a count, laid out as the plain
ASCII text a 58/80 mm printer prints."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import zone
from pos_app.money import format_rupiah
from pos_app.refunds import PaidBack
from pos_app.shifts import BadCount, CashCount, Shift, ShiftStatus, ShiftTotals
from pos_app.storage import refunds as refund_store, shifts as shift_store
from pos_app.zreport import TITLE, z_report_text

WIB = zone("Asia/Jakarta")
STORE = "Warung Bu Sri"
KOPI = Product(sku="A", name="Kopi Susu", price=5000)
ROTI = Product(sku="B", name="Roti Bakar", price=12000)


def _cart(product: Product, n: int) -> Cart:
    cart = Cart()
    cart.add(product, n)
    return cart


@dataclass(frozen=True)
class BusyShift:
    """An open shift with one of everything the Z report lists."""

    shift: Shift
    checkout: CheckoutService


def busy_shift(db, clock, user: str = "Sri") -> BusyShift:  # type: ignore[no-untyped-def]
    """Float 200.000; cash: 10.000 + 24.000 (3 orders with the refunded one: 12.000 back in
    cash); QRIS: 24.000 paid, 12.000 of it owed back; one QRIS sale voided.
    Expected cash: 200.000 + 46.000 - 12.000 = 234.000."""
    shift = shift_store.open_shift(db, "K1", WIB, user, 200_000, clock())
    till = Till("K1", WIB, cashier=user, shift_id=shift.id, business_date=shift.business_date)
    svc = CheckoutService(db, till, clock)
    svc.complete_cash_sale(_cart(KOPI, 2), 20_000)  # 10.000
    svc.complete_cash_sale(_cart(ROTI, 1), 12_000)  # 12.000
    paid = svc.complete_cash_sale(_cart(ROTI, 2), 50_000)  # 24.000
    refund_store.refund(db, paid.id, {1: 1}, reason="gosong", cashier=user, approved_by="Budi",
                        paid_back=PaidBack.CASH, tz=WIB, now=clock(), shift_id=shift.id)
    order, payment = svc.open_qris_sale(_cart(ROTI, 2), "simulator", ttl_s=300)
    with db.transaction() as conn:  # what the sync ledger writes when the provider says "paid"
        conn.execute("UPDATE payments SET status = 'paid', paid_amount = 24000 WHERE id = ?",
                     (payment.id,))
        conn.execute("UPDATE orders SET status = 'paid' WHERE id = ?", (order.id,))
    refund_store.refund(db, order.id, {1: 1}, reason="salah pesan", cashier=user,
                        approved_by="Budi", paid_back=PaidBack.OWED, tz=WIB, now=clock(),
                        shift_id=shift.id)
    cancelled, _ = svc.open_qris_sale(_cart(KOPI, 1), "simulator", ttl_s=300)
    refund_store.void(db, cancelled.id, reason="pelanggan batal", cashier=user,
                      approved_by="Budi")
    return BusyShift(shift, svc)


def _close(db, clock, counts: dict[int, int], note: str = ""):  # type: ignore[no-untyped-def]
    busy = busy_shift(db, clock)
    clock.advance(12 * 3600)  # 22:00 WIB
    closed = shift_store.close_shift(db, busy.shift.id, "Budi", CashCount(counts), note, clock())
    return closed, shift_store.shift_totals(db, closed.id)


def _row(text: str, label: str) -> str:
    """The value printed right of ``label`` (one line starting with it)."""
    lines = [line for line in text.splitlines() if line.startswith(label)]
    assert len(lines) == 1, f"one line starting {label!r} expected in:\n{text}"
    return lines[0][len(label):].strip()


@pytest.mark.parametrize("width", [32, 40])
def test_z_report_of_a_real_shift(db, clock, width: int) -> None:
    counts = {100_000: 2, 20_000: 1, 10_000: 1, 1_000: 1, 500: 2}  # 232.000: 2.000 short
    closed, totals = _close(db, clock, counts, "  kurang dua ribu  ")
    assert (totals.cash_orders, totals.qris_orders, totals.voids) == (3, 1, 1)

    text = z_report_text(closed, totals, counts, STORE, WIB, width)
    lines = text.splitlines()
    assert text.endswith("\n") and all(len(line) <= width for line in lines), text
    assert text.isascii()
    assert lines[0].strip() == STORE and lines[1].strip() == TITLE
    assert _row(text, "Kasir") == "K1"
    assert _row(text, "Tanggal usaha") == "27/11/2026"
    assert _row(text, "Dibuka oleh") == "Sri" and _row(text, "Ditutup oleh") == "Budi"
    # Store-local times: opened 10:00 WIB (03:00 UTC), closed 22:00 WIB.
    assert [line.split()[-1] for line in lines if line.startswith("  pada")] == ["10:00", "22:00"]
    assert _row(text, "Modal awal") == "Rp 200.000"
    assert _row(text, "Penjualan tunai (3x)") == "Rp 46.000"
    assert _row(text, "Penjualan QRIS (1x)") == "Rp 24.000"
    assert _row(text, "Refund tunai") == "-Rp 12.000"
    assert _row(text, "Refund non-tunai") == "Rp 12.000"
    assert _row(text, "Void") == "1 transaksi"
    assert _row(text, "UANG SEHARUSNYA") == "Rp 234.000"
    # The count, largest first, only the denominations counted.
    assert _row(text, "  Rp 100.000 x 2") == "Rp 200.000"
    assert _row(text, "  Rp 1.000 x 1") == "Rp 1.000"
    assert _row(text, "  Rp 500 x 2") == "Rp 1.000"
    denominations = [line.split(" x ")[0].strip() for line in lines if " x " in line]
    assert denominations == ["Rp 100.000", "Rp 20.000", "Rp 10.000", "Rp 1.000", "Rp 500"]
    assert "Rp 50.000" not in text
    assert _row(text, "UANG DIHITUNG") == "Rp 232.000"
    assert _row(text, "SELISIH (KURANG)") == "-Rp 2.000"
    assert lines[lines.index("Catatan:") + 1] == "kurang dua ribu"
    assert lines[-1] == "=" * width


def test_exact_and_over(db, clock) -> None:
    closed, totals = _close(db, clock, {100_000: 2, 20_000: 1, 10_000: 1, 2_000: 2})
    text = z_report_text(closed, totals, {100_000: 2, 20_000: 1, 10_000: 1, 2_000: 2}, STORE,
                         WIB)
    assert _row(text, "SELISIH") == "Rp 0 (pas)"
    assert "Catatan" not in text  # no note, no heading

    over = replace(closed, counted_cash=235_000, note="lebih seribu")
    text = z_report_text(over, totals, {100_000: 2, 20_000: 1, 10_000: 1, 5_000: 1}, STORE, WIB)
    assert _row(text, "SELISIH (LEBIH)") == "+Rp 1.000"


def test_the_stored_expected_cash_wins(db, clock) -> None:
    """The close computed the expected cash in its transaction; totals read later (a cash
    refund written from elsewhere meanwhile) must not change what the paper says."""
    counts = {100_000: 2, 20_000: 1, 10_000: 1, 2_000: 2}
    closed, totals = _close(db, clock, counts)
    later = replace(totals, cash_refunds=totals.cash_refunds + 5_000)
    text = z_report_text(closed, later, counts, STORE, WIB)
    assert _row(text, "UANG SEHARUSNYA") == format_rupiah(closed.expected_cash or 0)
    assert _row(text, "SELISIH") == "Rp 0 (pas)"
    # A shift not closed yet (a preview) has nothing stored: the totals say it.
    opened = replace(closed, expected_cash=None, counted_cash=None, closed_at=None,
                     closed_by=None)
    assert _row(z_report_text(opened, later, counts, STORE, WIB),
                "UANG SEHARUSNYA") == "Rp 229.000"


def test_text_the_printer_cannot_print_and_long_values() -> None:
    opened = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    shift = Shift("s1", "K1", opened.date(), ShiftStatus.CLOSED,
                  "Siti Nurhaliza binti Abdullah Rahman", opened, 0, "Bu Dé", opened, 0, 0,
                  "Uang pas ✓ — “aman” 收银")
    totals = ShiftTotals(0, 0, 0, 0, 0, 0, 0, 0, 0)
    text = z_report_text(shift, totals, {}, "Kedai Kopi Café ☕ Senja", WIB)
    assert text.isascii() and all(len(line) <= 32 for line in text.splitlines())
    assert "Kedai Kopi Cafe" in text and "Bu De" in text
    assert "(laci kosong)" in text
    # A name too long for one line is wrapped, its words all there.
    assert "Siti Nurhaliza binti Abdullah Rahman" in " ".join(text.split())
    assert "Uang pas" in text and "aman" in text and "??" in text


def test_refusals() -> None:
    opened = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    shift = Shift("s1", "K1", opened.date(), ShiftStatus.CLOSED, "Sri", opened, 0, "Sri", opened,
                  0, 5_000)
    totals = ShiftTotals(0, 0, 0, 0, 0, 0, 0, 0, 0)
    with pytest.raises(ValueError, match="add up"):  # the counts are not what was stored
        z_report_text(shift, totals, {1_000: 1}, STORE, WIB)
    with pytest.raises(BadCount):
        z_report_text(shift, totals, {7_500: 1}, STORE, WIB)
    with pytest.raises(ValueError, match="width"):
        z_report_text(shift, totals, {5_000: 1}, STORE, WIB, width=10)
