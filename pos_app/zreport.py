"""The Z report: what a closed shift sold and what its drawer held, as plain text for a
58/80 mm receipt printer and for the screen.

Printed at "Tutup kasir" (``pos_app.ui.shift_dialogs``) and kept by the owner with the cash:
store, "LAPORAN Z / TUTUP KASIR", the till, who opened and closed it and when (store-local),
the float, cash and QRIS sales with their counts, refunds, voids, the expected cash, the count
by denomination, the difference and the cashier's note.

Decisions:

* **The stored figures win.** The expected and counted cash come from the closed
  :class:`~pos_app.shifts.Shift` (computed in the close transaction), not from the totals the
  dialog showed a moment before: a QRIS paid late, or a refund written from elsewhere in
  between, must not make the paper disagree with the database. The sales lines come from the
  :class:`~pos_app.shifts.ShiftTotals` read after the close. Only a shift that is not closed
  yet (a preview) falls back to ``totals.expected_cash``.
* **ASCII only**, one column per character, like the printed receipt
  (``hardware.receipt_escpos``): accents dropped, other scripts ``?``. Spaces are the layout:
  labels left, amounts right-aligned to ``width``; a row that does not fit is wrapped (label,
  then the amount right-aligned under it), never cut.
* ``width`` 32 fits both paper widths (58 mm prints 32 columns, 80 mm 48), so the same text
  prints anywhere; 40 matches the on-screen receipt preview. Anything from 24 to 64 works.
* Only denominations with a count are listed (a drawer rarely holds all ten), largest first;
  an empty drawer says so.
* Labels are Indonesian (the paper is for the shop), amounts ``format_rupiah``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from pos_app.money import format_rupiah
from pos_app.receipt import ascii_text
from pos_app.shifts import DENOMINATIONS, CashCount, Shift, ShiftTotals

TITLE = "LAPORAN Z / TUTUP KASIR"
MIN_WIDTH, MAX_WIDTH = 24, 64


def _time(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M") if moment is not None else "-"


class _Paper:
    """The report's lines at one width."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[str] = []

    def rule(self, char: str = "-") -> None:
        self.lines.append(char * self.width)

    def center(self, text: str) -> None:
        for line in self._wrap(ascii_text(text).strip()):
            self.lines.append(line.center(self.width).rstrip())

    def text(self, text: str) -> None:
        self.lines.extend(self._wrap(ascii_text(text)))

    def pair(self, left: str, right: str) -> None:
        left, right = ascii_text(left), ascii_text(right)
        if len(left) + 1 + len(right) <= self.width:
            self.lines.append(left + right.rjust(self.width - len(left)))
            return
        self.lines.extend(self._wrap(left))
        self.lines.extend(self._wrap(right.rjust(self.width)))

    def _wrap(self, text: str) -> list[str]:
        if not text.strip():
            return [""]
        return textwrap.wrap(text, self.width, break_long_words=True,
                             break_on_hyphens=False) or [""]


def difference_label(difference: int) -> str:
    """``Pas`` / ``Kurang`` / ``Lebih`` for counted - expected (also the dialog's word)."""
    if difference == 0:
        return "Pas"
    return "Kurang" if difference < 0 else "Lebih"


def z_report_text(shift: Shift, totals: ShiftTotals, counts: Mapping[int, int],
                  store_name: str, tz: ZoneInfo, width: int = 32) -> str:
    """The Z report of ``shift`` (rules in the module docstring): lines of at most ``width``
    columns, each ending in a newline.

    ``counts`` is pieces per denomination (``{100_000: 2, 500: 3}``), as counted at close;
    :class:`~pos_app.shifts.BadCount` for a value that isn't a rupiah denomination or a count
    below 0, ``ValueError`` when they don't add up to the shift's stored ``counted_cash`` or
    ``width`` is outside 24..64.
    """
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"Z report width must be {MIN_WIDTH}..{MAX_WIDTH} columns, got {width}")
    count = CashCount(dict(counts))
    counted = shift.counted_cash if shift.counted_cash is not None else count.total
    if counted != count.total:
        raise ValueError(f"the counts add up to {count.total}, but shift {shift.id} stored "
                         f"{counted} as counted")
    expected = shift.expected_cash if shift.expected_cash is not None else totals.expected_cash
    difference = counted - expected
    rp = format_rupiah
    paper = _Paper(width)

    if store_name.strip():
        paper.center(store_name)
    paper.center(TITLE)
    paper.rule("=")
    paper.pair("Kasir", shift.terminal_id)
    paper.pair("Tanggal usaha", shift.business_date.strftime("%d/%m/%Y"))
    paper.pair("Dibuka oleh", shift.opened_by)
    paper.pair("  pada", _time(shift.opened_at, tz))
    if shift.closed_at is not None or shift.closed_by:
        paper.pair("Ditutup oleh", shift.closed_by or "-")
        paper.pair("  pada", _time(shift.closed_at, tz))
    paper.rule()
    paper.pair("Modal awal", rp(shift.opening_float))
    paper.pair(f"Penjualan tunai ({totals.cash_orders}x)", rp(totals.cash_sales))
    paper.pair(f"Penjualan QRIS ({totals.qris_orders}x)", rp(totals.qris_sales))
    paper.pair("Refund tunai", "-" + rp(totals.cash_refunds) if totals.cash_refunds else rp(0))
    paper.pair("Refund non-tunai", rp(totals.other_refunds))
    paper.pair("Void", f"{totals.voids} transaksi")
    paper.rule()
    paper.pair("UANG SEHARUSNYA", rp(expected))
    paper.text("  (modal + tunai - refund tunai)")
    paper.rule()
    paper.text("Hitungan uang di laci:")
    if count.total == 0:
        paper.text("  (laci kosong)")
    for value in DENOMINATIONS:
        pieces = count.pieces.get(value, 0)
        if pieces:
            paper.pair(f"  {rp(value)} x {pieces}", rp(value * pieces))
    paper.pair("UANG DIHITUNG", rp(counted))
    label = difference_label(difference)
    paper.pair("SELISIH" if difference == 0 else f"SELISIH ({label.upper()})",
               rp(0) + " (pas)" if difference == 0
               else ("+" if difference > 0 else "") + rp(difference))
    if shift.note.strip():
        paper.rule()
        paper.text("Catatan:")
        paper.text(shift.note.strip())
    paper.rule("=")
    return "".join(line + "\n" for line in paper.lines)
