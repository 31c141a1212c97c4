"""The owner's report as an Excel workbook: one sheet per table, numbers the owner can add up.

:func:`write_xlsx` takes the dict of ``pos_app.reports`` (a day or a range) and writes the
sheets Ringkasan, Metode, Per jam, Produk, Produk (pendapatan), Kasir, Shift, Pengembalian,
Void, Rekonsiliasi, Transaksi and, for a range, Tren. Rules:

* rupiah are integer cells with the ``#,##0`` format (Excel shows 1.250.000 in an Indonesian
  locale and the cell still sums), counts too; a shift's negative cash difference is red;
* times are the store's local time (``report["timezone"]``) as real date-time cells;
* each sheet's header row is bold and frozen, so it stays while the owner scrolls;
* the file appears whole or not at all: it is written to a temporary file in the same folder
  and renamed over the target (:func:`pos_app.paths.write_atomically`, which the PDF and CSV
  exports of the Laporan screen use too), so a full disk never leaves half a workbook under
  the owner's name.

Labels are Indonesian, like the printed report. Keys a report may not have yet (the report is
being extended: ``by_cashier``, ``voids``, ``days`` ...) are read with defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pos_app.clock import DEFAULT_ZONE, from_iso
from pos_app.paths import write_atomically

__all__ = ["OUTCOME_TEXT", "PAID_BACK_TEXT", "STATUS_TEXT", "write_xlsx"]

MONEY = "#,##0"
MONEY_RED = "#,##0;[Red]-#,##0"
TIME = "dd/mm/yyyy hh:mm"
DATE = "dd/mm/yyyy"

STATUS_TEXT = {
    "paid": "Lunas", "awaiting_payment": "Menunggu bayar", "expired": "Kedaluwarsa",
    "cancelled": "Dibatalkan", "late_payment": "Bayar terlambat",
    "refunded": "Dikembalikan", "open": "Terbuka",
}
PAID_BACK_TEXT = {"cash": "tunai", "transfer": "transfer", "owed": "belum dibayar"}
# A late payment: still waiting for the cashier's decision, accepted as a sale, or given back.
OUTCOME_TEXT = {"waiting": "menunggu keputusan", "accepted": "diterima",
                "refunded": "dikembalikan"}
METHOD_TEXT = {"cash": "Tunai", "qris": "QRIS"}


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ValueError, KeyError):
        return ZoneInfo(DEFAULT_ZONE)


def _provider(name: str | None) -> str:
    if not name:
        return ""
    try:
        from sync.providers import describe

        info = describe(name)
    except Exception:  # a provider this version does not know (an older database)
        return name
    return (info.source_label or info.label).id


def _int(value: Any) -> int:
    return int(value or 0)


def _money(value: Any) -> int | None:
    return None if value is None else int(value)


class _Sheets:
    """Writes sheets into one workbook: a bold, frozen header row, formats per column."""

    def __init__(self, tz: ZoneInfo) -> None:
        from openpyxl import Workbook  # type: ignore[import-untyped]  # the till never needs it
        from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

        self.book = Workbook()
        self.book.remove(self.book.active)
        self.tz = tz
        self.bold = Font(bold=True)
        self.indent = Alignment(indent=2)
        self.wrap_header = Alignment(vertical="center")

    def local(self, stamp: str | None) -> datetime | None:
        """A stored UTC stamp as a naive local date-time cell (Excel has no zones)."""
        if not stamp:
            return None
        try:
            return from_iso(stamp).astimezone(self.tz).replace(tzinfo=None)
        except ValueError:
            return None

    def sheet(self, title: str, columns: Sequence[tuple[str, str | None, int]],
              rows: Iterable[Sequence[Any]], *, bold_rows: Iterable[int] = (),
              indented_rows: Iterable[int] = ()) -> Any:
        """A sheet with ``columns`` (header, number format or None, width) and ``rows``."""
        ws = self.book.create_sheet(title)
        ws.append([header for header, _fmt, _width in columns])
        for cell in ws[1]:
            cell.font = self.bold
            cell.alignment = self.wrap_header
        for row in rows:
            ws.append(list(row))
        formats = [fmt for _header, fmt, _width in columns]
        for col, fmt in enumerate(formats, start=1):
            if fmt is None:
                continue
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = fmt
        from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

        for col, (_header, _fmt, width) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        for r in bold_rows:
            for cell in ws[r + 2]:
                cell.font = self.bold
        for r in indented_rows:
            ws.cell(row=r + 2, column=1).alignment = self.indent
        ws.freeze_panes = "A2"
        return ws


def _period(report: Mapping[str, Any]) -> str:
    if "date" in report:
        return str(report["date"])
    return f"{report.get('from')} s/d {report.get('to')}"


def write_xlsx(report: Mapping[str, Any], path: Path) -> None:
    """Write ``report`` (``pos_app.reports.daily_report`` / ``build_report``) to ``path``."""
    write_atomically(Path(path), lambda tmp: _build(report).save(tmp))


def _build(report: Mapping[str, Any]) -> Any:
    tz = _zone(report.get("timezone"))
    s = _Sheets(tz)
    refunds: Mapping[str, Any] = report.get("refunds") or {}
    voids: Mapping[str, Any] = report.get("voids") or {}
    rec: Mapping[str, Any] = report.get("reconciliation") or {}

    # -- Ringkasan
    summary: list[tuple[str, Any, str | None]] = [
        ("Periode", _period(report), None),
        ("Zona waktu", str(report.get("timezone") or ""), None),
        ("Jumlah transaksi", _int(report.get("order_count")), MONEY),
        ("Penjualan kotor", _int(report.get("gross_sales")), MONEY),
        ("Diskon", _int(report.get("discounts")), MONEY),
        ("PPN", _int(report.get("tax")), MONEY),
        ("Diterima", _int(report.get("collected")), MONEY),
        ("Penjualan bersih", _int(report.get("net_sales")), MONEY),
        ("Jumlah pengembalian", _int(refunds.get("count")), MONEY),
        ("Pengembalian", _int(refunds.get("amount")), MONEY),
    ]
    if "owed" in refunds:
        summary.append(("Pengembalian belum dibayar", _int(refunds.get("owed")), MONEY))
    if "net_after_refunds" in report:
        summary.append(("Diterima setelah pengembalian", _int(report["net_after_refunds"]),
                        MONEY))
    summary.append(("Rata-rata belanja", _int(report.get("average_basket")), MONEY))
    if voids:
        summary += [("Jumlah void", _int(voids.get("count")), MONEY),
                    ("Void", _int(voids.get("amount")), MONEY)]
    ws = s.sheet("Ringkasan", [("Keterangan", None, 30), ("Nilai", None, 24)],
                 [(label, value) for label, value, _fmt in summary])
    for n, (_label, _value, fmt) in enumerate(summary, start=2):
        if fmt:
            ws.cell(row=n, column=2).number_format = fmt

    # -- Metode: QRIS providers are part of QRIS, so they sit under it, indented
    methods: Mapping[str, Any] = report.get("by_payment_method") or {}
    providers: Mapping[str, Any] = report.get("qris_by_provider") or {}
    method_rows: list[tuple[str, int, int]] = []
    indented: list[int] = []
    for key in ("cash", "qris"):
        slot = methods.get(key) or {}
        method_rows.append((METHOD_TEXT[key], _int(slot.get("count")), _int(slot.get("amount"))))
        if key == "qris":
            for name, p in providers.items():
                indented.append(len(method_rows))
                method_rows.append((_provider(name), _int(p.get("count")),
                                    _int(p.get("amount"))))
    for key, slot in methods.items():
        if key not in ("cash", "qris") and key not in providers:
            method_rows.append((key, _int(slot.get("count")), _int(slot.get("amount"))))
    total_count = sum(r[1] for n, r in enumerate(method_rows) if n not in indented)
    method_rows.append(("Total", total_count, _int(report.get("collected"))))
    s.sheet("Metode", [("Metode", None, 26), ("Transaksi", MONEY, 12), ("Jumlah", MONEY, 16)],
            method_rows, bold_rows=[len(method_rows) - 1], indented_rows=indented)

    # -- Per jam
    s.sheet("Per jam", [("Jam", None, 10), ("Transaksi", MONEY, 12), ("Jumlah", MONEY, 16)],
            [(f"{_int(h.get('hour')):02d}:00", _int(h.get("count")), _int(h.get("amount")))
             for h in report.get("hourly") or []])

    # -- Produk
    product_columns = [("No.", None, 6), ("Produk", None, 34), ("SKU", None, 14),
                       ("Terjual", MONEY, 10), ("Pendapatan", MONEY, 16)]
    for title, key in (("Produk", "top_products"),
                       ("Produk (pendapatan)", "top_products_by_revenue")):
        s.sheet(title, product_columns,
                [(n, p.get("name"), p.get("sku"), _int(p.get("quantity")), _int(p.get("amount")))
                 for n, p in enumerate(report.get(key) or [], start=1)])

    # -- Kasir
    s.sheet("Kasir", [("Kasir", None, 20), ("Transaksi", MONEY, 12), ("Jumlah", MONEY, 16),
                      ("Rata-rata", MONEY, 14)],
            [(c.get("cashier") or "", _int(c.get("count")), _int(c.get("amount")),
              _int(c.get("amount")) // _int(c.get("count")) if _int(c.get("count")) else 0)
             for c in report.get("by_cashier") or []])

    # -- Shift
    s.sheet("Shift", [
        ("Terminal", None, 10), ("Tanggal", None, 12), ("Status", None, 10),
        ("Dibuka oleh", None, 14), ("Dibuka", TIME, 17), ("Ditutup oleh", None, 14),
        ("Ditutup", TIME, 17), ("Modal awal", MONEY, 13), ("Tunai masuk", MONEY, 13),
        ("Tunai keluar", MONEY, 13), ("Seharusnya", MONEY, 13), ("Dihitung", MONEY, 13),
        ("Selisih", MONEY_RED, 12), ("Catatan", None, 30),
    ], [(sh.get("terminal_id"), sh.get("business_date"),
         "buka" if sh.get("status") == "open" else "tutup", sh.get("opened_by"),
         s.local(sh.get("opened_at")), sh.get("closed_by"), s.local(sh.get("closed_at")),
         _money(sh.get("opening_float")), _money(sh.get("cash_sales")),
         _money(sh.get("cash_refunds")), _money(sh.get("expected_cash")),
         _money(sh.get("counted_cash")), _money(sh.get("difference")), sh.get("note") or "")
        for sh in report.get("shifts") or []])

    # -- Pengembalian
    s.sheet("Pengembalian", [
        ("Waktu", TIME, 17), ("No. pesanan", None, 20), ("Kasir", None, 14),
        ("Disetujui", None, 14), ("Alasan", None, 30), ("Metode", None, 10),
        ("Dikembalikan lewat", None, 18), ("Jumlah", MONEY, 14),
    ], [(s.local(r.get("created_at")), r.get("order_id"), r.get("cashier"),
         r.get("approved_by"), r.get("reason"), METHOD_TEXT.get(r.get("method") or "", ""),
         PAID_BACK_TEXT.get(r.get("paid_back") or "", r.get("paid_back") or ""),
         _int(r.get("amount")))
        for r in refunds.get("items") or []])

    # -- Void
    s.sheet("Void", [
        ("Waktu", TIME, 17), ("No. pesanan", None, 20), ("Kasir", None, 14),
        ("Disetujui", None, 14), ("Alasan", None, 34), ("Jumlah", MONEY, 14),
    ], [(s.local(v.get("created_at")), v.get("order_id"), v.get("cashier"),
         v.get("voided_by"), v.get("reason"), _int(v.get("amount")))
        for v in voids.get("items") or []])

    # -- Rekonsiliasi: the four groups in one table, the group in the first column
    matched: Mapping[str, Any] = rec.get("matched") or {}
    rec_rows: list[tuple[Any, ...]] = []
    items = matched.get("items")
    if items:
        rec_rows += [("Cocok", m.get("order_id"), _provider(m.get("provider")),
                      m.get("provider_ref"), m.get("credit_id"), s.local(m.get("credited_at")),
                      _money(m.get("amount")), _money(m.get("paid_amount")), "", "")
                     for m in items]
    elif matched:  # an older report: only how many matched, and for how much
        rec_rows.append(("Cocok", None, None, None, None, None, _int(matched.get("amount")),
                         None, "", f"{_int(matched.get('count'))} transaksi"))
    rec_rows += [("Kredit tanpa penjualan", None, _provider(c.get("source")), None,
                  c.get("credit_id"), s.local(c.get("credited_at")), None,
                  _money(c.get("amount")), "perlu dicek" if c.get("needs_review") else "",
                  c.get("note") or "")
                 for c in rec.get("unmatched_credits") or []]
    rec_rows += [("Belum terkonfirmasi", u.get("order_id"), _provider(u.get("provider")), None,
                  None, None, _money(u.get("amount")), None,
                  STATUS_TEXT.get(u.get("status") or "", u.get("status") or ""), "")
                 for u in rec.get("unconfirmed_sales") or []]
    rec_rows += [("Bayar terlambat", lp.get("order_id"), _provider(lp.get("provider")),
                  lp.get("provider_ref"), None, None, _money(lp.get("amount")),
                  _money(lp.get("paid_amount")),
                  OUTCOME_TEXT.get(lp.get("outcome") or "waiting", str(lp.get("outcome"))), "")
                 for lp in rec.get("late_payments") or []]
    s.sheet("Rekonsiliasi", [
        ("Kelompok", None, 22), ("No. pesanan", None, 20), ("Penyedia", None, 18),
        ("Ref. penyedia", None, 18), ("Kredit", None, 16), ("Waktu kredit", TIME, 17),
        ("Tagihan", MONEY, 13), ("Dibayar", MONEY, 13), ("Status/hasil", None, 18),
        ("Catatan", None, 30),
    ], rec_rows)

    # -- Transaksi
    def refunded(value: Any) -> int | None:
        if isinstance(value, bool):
            return None
        return int(value) if isinstance(value, int) and value > 0 else None

    s.sheet("Transaksi", [
        ("Waktu", TIME, 17), ("No. pesanan", None, 20), ("Status", None, 16),
        ("Metode", None, 10), ("Penyedia", None, 18), ("Kasir", None, 14),
        ("Jumlah", MONEY, 14), ("Dibayar", MONEY, 14), ("Ref. penyedia", None, 18),
        ("Kredit", None, 16), ("Dikembalikan", MONEY, 14), ("Void oleh", None, 14),
    ], [(s.local(o.get("created_at")), o.get("order_id"),
         STATUS_TEXT.get(o.get("status") or "", o.get("status") or ""),
         METHOD_TEXT.get(o.get("method") or "", o.get("method") or ""),
         _provider(o.get("provider")), o.get("cashier") or "", _int(o.get("amount")),
         _money(o.get("payable_amount")), o.get("provider_ref"), o.get("credit_id"),
         refunded(o.get("refunded")), o.get("voided_by"))
        for o in report.get("orders") or []])

    # -- Tren: a range's days
    days = report.get("days") or []
    if "date" not in report and days:
        s.sheet("Tren", [("Tanggal", DATE, 14), ("Transaksi", MONEY, 12),
                         ("Diterima", MONEY, 16), ("Bersih", MONEY, 16)],
                [(_day(d.get("date")), _int(d.get("order_count")), _int(d.get("collected")),
                  _int(d.get("net_sales"))) for d in days])
    return s.book


def _day(value: Any) -> date | str:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return str(value)
