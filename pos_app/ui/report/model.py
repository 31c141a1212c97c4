"""What the Laporan screen and its PDF show of a report: words, numbers and the tables.

``pos_app.reports`` hands over the report as a plain dict (see ``build_report``). This module
turns it into :class:`Table` s -- a heading, :class:`Column` s and rows -- once, so that the
screen (a ``QTableView`` over :class:`RowsModel`) and the printed report (:mod:`.pdf`) say the
same thing in the same words: rupiah through ``format_rupiah``, times in the store's zone
(``report["timezone"]``), statuses and methods in Indonesian (``tr``).

The report is being extended while the screen is written: every key beyond the first daily
report (``days``, ``by_cashier``, ``voids``, ``net_after_refunds``, ...) is read with ``.get``
and a default, so an older report shows empty tables rather than failing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from pos_app.clock import DEFAULT_ZONE, from_iso
from pos_app.money import format_rupiah
from pos_app.report_xlsx import OUTCOME_TEXT, PAID_BACK_TEXT, STATUS_TEXT
from pos_app.ui.i18n import language, register, tr

Row = Mapping[str, Any]

register({
    # tables and their columns
    "Metode pembayaran": "Payment methods", "Metode": "Method", "Transaksi": "Sales",
    "Jumlah": "Amount", "Porsi": "Share", "Total": "Total",
    "Produk terlaris (jumlah)": "Best sellers (quantity)",
    "Produk terlaris (pendapatan)": "Best sellers (revenue)",
    "No.": "No.", "Produk": "Item", "SKU": "SKU", "Terjual": "Sold", "Pendapatan": "Revenue",
    "Per kasir": "By cashier", "Kasir": "Cashier", "Rata-rata": "Average",
    "Shift & kas": "Shifts & cash", "Shift": "Shift", "Dibuka": "Opened at", "Ditutup": "Closed at",
    "Modal awal": "Starting float", "Tunai masuk": "Cash sales", "Tunai keluar": "Cash refunds",
    "Seharusnya": "Expected", "Dihitung": "Counted", "Selisih": "Difference",
    "Catatan": "Note", "masih buka": "still open",
    "Pengembalian": "Refunds", "Void": "Voids", "Waktu": "Time", "No. pesanan": "Order no.",
    "Disetujui": "Approved by", "Alasan": "Reason", "Dikembalikan lewat": "Paid back",
    "tunai": "cash", "transfer": "transfer", "belum dibayar": "still owed",
    "Cocok": "Matched", "Kredit tanpa penjualan": "Credits without a sale",
    "Belum terkonfirmasi": "Unconfirmed", "Bayar terlambat": "Late payments",
    "Penyedia": "Provider", "Ref. penyedia": "Provider ref.", "Kredit": "Credit",
    "Waktu kredit": "Credited at", "Tagihan": "Billed", "Dibayar": "Paid",
    "Sumber": "Source", "Perlu dicek": "Check", "Hasil": "Outcome", "Status": "Status",
    "Semua transaksi": "All orders", "Dikembalikan": "Refunded", "Void oleh": "Voided by",
    "Ref./kredit": "Ref./credit", "Keterangan": "Remarks", "Tren harian": "Daily trend",
    "Tanggal": "Date", "Diterima": "Collected", "Bersih": "Net",
    "Tidak ada.": "None.",
    # values
    "Tunai": "Cash", "QRIS": "QRIS", "ya": "yes",
    "Lunas": "Paid", "Menunggu bayar": "Awaiting payment", "Kedaluwarsa": "Expired",
    "Dibatalkan": "Cancelled", "Terbuka": "Open",
    "diterima": "accepted", "dikembalikan": "refunded", "menunggu keputusan": "awaiting a decision",
    "void: {who}": "void: {who}", "dikembalikan {amount}": "refunded {amount}",
    # dates
    "Senin": "Monday", "Selasa": "Tuesday", "Rabu": "Wednesday", "Kamis": "Thursday",
    "Jumat": "Friday", "Sabtu": "Saturday", "Minggu": "Sunday",
    "Januari": "January", "Februari": "February", "Maret": "March", "April": "April",
    "Mei": "May", "Juni": "June", "Juli": "July", "Agustus": "August",
    "September": "September", "Oktober": "October", "November": "November",
    "Desember": "December",
})

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTH_NAMES = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
               "September", "Oktober", "November", "Desember")
RED = "#b42318"
MUTED = "#52606d"
DASH = "—"


# ---------------------------------------------------------------------- words and numbers

def number_text(n: int) -> str:
    """A count the Indonesian way: 1.250."""
    return f"{n:,}".replace(",", ".")


def percent_text(part: int, whole: int) -> str:
    """``part`` of ``whole`` with one decimal, Indonesian comma: ``45,2%``."""
    if whole <= 0:
        return DASH
    return f"{part * 100 / whole:.1f}%".replace(".", ",")


def money_text(value: Any) -> str:
    return format_rupiah(int(value)) if value is not None else DASH


@cache
def report_zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ValueError, KeyError):  # a zone this machine does not know: the shop's default
        return ZoneInfo(DEFAULT_ZONE)


def local_time(stamp: str | None, tz: ZoneInfo, with_date: bool = False) -> str:
    """A stored UTC stamp as the store's clock shows it: ``14:05`` (``27/11 14:05``)."""
    if not stamp:
        return DASH
    try:
        moment = from_iso(stamp).astimezone(tz)
    except ValueError:
        return stamp
    return moment.strftime("%d/%m %H:%M" if with_date else "%H:%M")


def date_text(day: date, weekday: bool = True) -> str:
    """``Jumat, 27 November 2026`` (or without the weekday)."""
    text = f"{day.day} {tr(MONTH_NAMES[day.month - 1])} {day.year}"
    return f"{tr(DAY_NAMES[day.weekday()])}, {text}" if weekday else text


def report_span(report: Mapping[str, Any]) -> tuple[date, date]:
    """The first and last business day the report covers."""
    if "date" in report:
        day = date.fromisoformat(report["date"])
        return day, day
    return date.fromisoformat(report["from"]), date.fromisoformat(report["to"])


def is_range(report: Mapping[str, Any]) -> bool:
    first, last = report_span(report)
    return first != last


def period_text(report: Mapping[str, Any]) -> str:
    """The day (``Jumat, 27 November 2026``) or the range (``21–27 November 2026``)."""
    first, last = report_span(report)
    if first == last:
        return date_text(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{date_text(last, weekday=False)}"
    if first.year == last.year:
        return f"{first.day} {tr(MONTH_NAMES[first.month - 1])} – {date_text(last, False)}"
    return f"{date_text(first, False)} – {date_text(last, False)}"


def provider_label(name: str | None) -> str:
    """A QRIS provider's short name (``Midtrans (Snap)``, ``Orkut``), or its key."""
    if not name:
        return DASH
    try:
        from sync.providers import describe

        info = describe(name)
    except Exception:  # a provider this version does not know (an older database)
        return name
    text = info.source_label or info.label
    return text.en if language() == "en" else text.id


def method_text(method: str | None, provider: str | None) -> str:
    if method == "cash":
        return tr("Tunai")
    if method == "qris":
        return f"QRIS · {provider_label(provider)}" if provider else "QRIS"
    return method or DASH


def status_text(status: str | None) -> str:
    return tr(STATUS_TEXT[status]) if status in STATUS_TEXT else (status or DASH)


def refunded_text(value: Any) -> str:
    """An order's ``refunded``: an amount, or a flag in an older report."""
    if isinstance(value, bool):
        return tr("ya") if value else ""
    if isinstance(value, int) and value > 0:
        return format_rupiah(value)
    return ""


# ---------------------------------------------------------------------- tables

class Align(Enum):
    LEFT = "left"
    RIGHT = "right"


@dataclass(frozen=True)
class Column:
    """One column: its heading (Indonesian, shown through ``tr``), its text, its sort value."""

    title: str
    text: Callable[[Row], str]
    sort: Callable[[Row], Any]
    align: Align = Align.LEFT
    width: int = 120  # on screen, in pixels
    weight: float = 1.0  # share of a printed table's width
    color: Callable[[Row], str | None] | None = None
    pdf: bool = True  # printed too (the PDF leaves out what does not fit on A4)
    shrink: bool = True  # may end in "…" when a printed row is too wide (not an order no.)


def _get(key: str) -> Callable[[Row], Any]:
    return lambda row: row.get(key)


def text_col(title: str, key: str | Callable[[Row], Any], *, width: int = 120,
             weight: float = 1.0, pdf: bool = True,
             color: Callable[[Row], str | None] | None = None,
             shrink: bool = True) -> Column:
    value = _get(key) if isinstance(key, str) else key

    def text(row: Row) -> str:
        v = value(row)
        return "" if v is None else str(v)

    # An order number is what the owner looks up: printed whole, always.
    return Column(title, text, lambda row: text(row).casefold(), width=width, weight=weight,
                  pdf=pdf, color=color, shrink=shrink and key != "order_id")


def money_col(title: str, key: str | Callable[[Row], Any], *, width: int = 120,
              weight: float = 1.0, pdf: bool = True,
              color: Callable[[Row], str | None] | None = None) -> Column:
    value = _get(key) if isinstance(key, str) else key
    # None (an open shift's count, say) sorts below every amount.
    return Column(title, lambda row: money_text(value(row)),
                  lambda row: (value(row) is not None, value(row) or 0), Align.RIGHT,
                  width, weight, color, pdf, shrink=False)


def count_col(title: str, key: str, *, width: int = 90, weight: float = 0.6) -> Column:
    return Column(title, lambda row: number_text(int(row.get(key) or 0)),
                  lambda row: int(row.get(key) or 0), Align.RIGHT, width, weight, shrink=False)


def time_col(title: str, key: str, tz: ZoneInfo, *, with_date: bool = False,
             width: int = 80, weight: float = 0.6) -> Column:
    # ISO UTC text sorts as time does.
    return Column(title, lambda row: local_time(row.get(key), tz, with_date),
                  lambda row: row.get(key) or "", width=width, weight=weight, shrink=False)


@dataclass
class Table:
    """A heading, its columns and its rows; rows with an ``order_id`` open that order."""

    key: str
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    sortable: bool = True
    note: str = ""  # a line under the heading: a count and an amount, say


def _red_if_negative(key: str) -> Callable[[Row], str | None]:
    return lambda row: RED if (row.get(key) or 0) < 0 else None


def method_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Cash, QRIS and *under* QRIS each provider (a part of the QRIS line, not beside it),
    then any other method, then the total."""
    methods: Mapping[str, Any] = report.get("by_payment_method") or {}
    providers: Mapping[str, Any] = report.get("qris_by_provider") or {}
    collected = int(report.get("collected") or 0)
    empty = {"count": 0, "amount": 0}

    def row(label: str, slot: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
        amount = int(slot.get("amount") or 0)
        return {"label": label, "count": int(slot.get("count") or 0), "amount": amount,
                "share": percent_text(amount, collected), **extra}

    rows = [row(tr("Tunai"), methods.get("cash", empty), key="cash"),
            row("QRIS", methods.get("qris", empty), key="qris")]
    rows += [row(f"      ↳ {provider_label(name)}", slot, key=name, indent=True)
             for name, slot in providers.items()]
    rows += [row(name, slot, key=name) for name, slot in methods.items()
             if name not in ("cash", "qris") and name not in providers]
    count = sum(r["count"] for r in rows if not r.get("indent"))
    rows.append({"label": tr("Total"), "count": count, "amount": collected,
                 "share": percent_text(collected, collected), "bold": True})
    return rows


def tables(report: Mapping[str, Any]) -> dict[str, Table]:
    """Every table of the report, by key (see :func:`TABLE_KEYS`)."""
    tz = report_zone(report.get("timezone"))
    many_days = is_range(report)
    refunds: Mapping[str, Any] = report.get("refunds") or {}
    voids: Mapping[str, Any] = report.get("voids") or {}
    rec: Mapping[str, Any] = report.get("reconciliation") or {}
    matched: Mapping[str, Any] = rec.get("matched") or {}
    late = [{**r, "outcome_text": tr(OUTCOME_TEXT.get(r.get("outcome") or "waiting",
                                                      str(r.get("outcome"))))}
            for r in rec.get("late_payments") or []]

    def product_table(key: str, title: str, rows: Sequence[Row]) -> Table:
        numbered = [{**r, "rank": n} for n, r in enumerate(rows, start=1)]
        return Table(key, title, [
            Column("No.", lambda r: str(r["rank"]), lambda r: r["rank"], Align.RIGHT, 44, 0.3),
            text_col("Produk", "name", width=260, weight=2.6),
            # Not printed: the best sellers share a line on A4, and the name is what is read.
            text_col("SKU", "sku", width=100, weight=0.9, pdf=False),
            count_col("Terjual", "quantity"),
            money_col("Pendapatan", "amount", weight=1.1),
        ], numbered)

    def cashier_average(r: Row) -> int:
        count = int(r.get("count") or 0)
        return int(r.get("amount") or 0) // count if count else 0

    out = [
        Table("methods", "Metode pembayaran", [
            Column("Metode", lambda r: r["label"], lambda r: r["label"], width=220,
                   weight=2.0, color=lambda r: MUTED if r.get("indent") else None),
            count_col("Transaksi", "count"),
            money_col("Jumlah", "amount", width=140),
            Column("Porsi", lambda r: r["share"], lambda r: r["amount"], Align.RIGHT, 80, 0.6),
        ], method_rows(report), sortable=False),
        product_table("top_quantity", "Produk terlaris (jumlah)",
                      report.get("top_products") or []),
        product_table("top_revenue", "Produk terlaris (pendapatan)",
                      report.get("top_products_by_revenue") or []),
        Table("cashiers", "Per kasir", [
            text_col("Kasir", lambda r: r.get("cashier") or DASH, width=200, weight=2.0),
            count_col("Transaksi", "count"),
            money_col("Jumlah", "amount", width=140),
            money_col("Rata-rata", cashier_average),
        ], list(report.get("by_cashier") or [])),
        Table("shifts", "Shift & kas", [
            text_col("Shift", lambda r: " ".join(str(r[k]) for k in ("terminal_id",
                     "business_date") if r.get(k)), width=150, weight=1.3, pdf=False),
            text_col("Dibuka", lambda r: f"{r.get('opened_by') or DASH} "
                     f"{local_time(r.get('opened_at'), tz, many_days)}", width=140, weight=1.3),
            text_col("Ditutup", lambda r: tr("masih buka") if r.get("status") == "open"
                     else f"{r.get('closed_by') or DASH} "
                          f"{local_time(r.get('closed_at'), tz, many_days)}",
                     width=140, weight=1.3),
            money_col("Modal awal", "opening_float"),
            money_col("Tunai masuk", "cash_sales"),
            money_col("Tunai keluar", "cash_refunds"),
            money_col("Seharusnya", "expected_cash"),
            money_col("Dihitung", "counted_cash"),
            money_col("Selisih", "difference", color=_red_if_negative("difference")),
            text_col("Catatan", "note", width=200, pdf=False),
        ], list(report.get("shifts") or [])),
        Table("refunds", "Pengembalian", [
            time_col("Waktu", "created_at", tz, with_date=many_days),
            text_col("No. pesanan", "order_id", width=170, weight=1.5),
            text_col("Kasir", "cashier", weight=0.9),
            text_col("Disetujui", "approved_by", weight=0.9),
            text_col("Alasan", "reason", width=200, weight=1.6),
            text_col("Metode", lambda r: method_text(r.get("method"), None), width=80,
                     weight=0.6),
            text_col("Dikembalikan lewat", lambda r: tr(PAID_BACK_TEXT.get(
                r.get("paid_back") or "", r.get("paid_back") or DASH)), width=170, weight=1.0,
                color=lambda r: RED if r.get("paid_back") == "owed" else None),
            money_col("Jumlah", "amount", weight=1.0),
        ], list(refunds.get("items") or []),
            note=_count_amount(refunds.get("count"), refunds.get("amount"))),
        Table("voids", "Void", [
            time_col("Waktu", "created_at", tz, with_date=many_days),
            text_col("No. pesanan", "order_id", width=170, weight=1.5),
            text_col("Kasir", "cashier", weight=0.9),
            text_col("Disetujui", "voided_by", weight=0.9),
            text_col("Alasan", "reason", width=240, weight=2.2),
            money_col("Jumlah", "amount", weight=1.0),
        ], list(voids.get("items") or []),
            note=_count_amount(voids.get("count"), voids.get("amount"))),
        Table("matched", "Cocok", [
            text_col("No. pesanan", "order_id", width=170, weight=1.5),
            text_col("Penyedia", lambda r: provider_label(r.get("provider")), width=140),
            text_col("Ref. penyedia", "provider_ref", width=150),
            text_col("Kredit", "credit_id", width=130),
            time_col("Waktu kredit", "credited_at", tz, with_date=many_days, width=130),
            money_col("Tagihan", "amount"),
            money_col("Dibayar", "paid_amount"),
        ], list(matched.get("items") or []),
            note=_count_amount(matched.get("count"), matched.get("amount"))),
        Table("unmatched_credits", "Kredit tanpa penjualan", [
            text_col("Sumber", lambda r: provider_label(r.get("source")), width=140),
            text_col("Kredit", "credit_id", width=150),
            time_col("Waktu kredit", "credited_at", tz, with_date=many_days, width=130),
            money_col("Jumlah", "amount"),
            text_col("Perlu dicek", lambda r: tr("ya") if r.get("needs_review") else "",
                     width=120, weight=0.7, color=lambda r: RED if r.get("needs_review")
                     else None),
            text_col("Catatan", "note", width=260, weight=2.0),
        ], list(rec.get("unmatched_credits") or [])),
        Table("unconfirmed", "Belum terkonfirmasi", [
            text_col("No. pesanan", "order_id", width=170, weight=1.5),
            text_col("Status", lambda r: status_text(r.get("status")), width=140),
            text_col("Penyedia", lambda r: provider_label(r.get("provider")), width=140),
            money_col("Jumlah", "amount"),
        ], list(rec.get("unconfirmed_sales") or [])),
        Table("late", "Bayar terlambat", [
            text_col("No. pesanan", "order_id", width=170, weight=1.5),
            text_col("Penyedia", lambda r: provider_label(r.get("provider")), width=140),
            text_col("Ref. penyedia", "provider_ref", width=150),
            money_col("Tagihan", "amount"),
            money_col("Dibayar", "paid_amount"),
            text_col("Hasil", "outcome_text", width=150),
        ], late),
        Table("orders", "Semua transaksi", [
            time_col("Waktu", "created_at", tz, with_date=many_days,
                     width=100 if many_days else 70, weight=0.8 if many_days else 0.5),
            text_col("No. pesanan", "order_id", width=170, weight=1.45),
            text_col("Status", lambda r: status_text(r.get("status")), width=130, weight=1.0),
            text_col("Metode", lambda r: method_text(r.get("method"), r.get("provider")),
                     width=210, weight=1.3),
            text_col("Kasir", "cashier", width=100, weight=0.8),
            money_col("Jumlah", "amount", weight=1.0),
            money_col("Dibayar", "payable_amount", pdf=False),
            text_col("Ref. penyedia", "provider_ref", width=150, pdf=False),
            text_col("Kredit", "credit_id", width=130, pdf=False),
            text_col("Ref./kredit", lambda r: r.get("credit_id") or r.get("provider_ref"),
                     width=0, weight=1.1),
            text_col("Dikembalikan", lambda r: refunded_text(r.get("refunded")), width=120,
                     pdf=False),
            text_col("Void oleh", "voided_by", width=110, pdf=False),
            # Printed only (the screen has a column each); what was given back stays whole.
            text_col("Keterangan", order_remark, width=0, weight=1.2, shrink=False),
        ], list(report.get("orders") or [])),
    ]
    return {t.key: t for t in out}


def order_remark(row: Row) -> str:
    """What the printed list says about an order beyond its status: refunded, voided by."""
    parts = []
    refunded = refunded_text(row.get("refunded"))
    if refunded:
        parts.append(tr("dikembalikan {amount}", amount=refunded))
    if row.get("voided_by"):
        parts.append(tr("void: {who}", who=row["voided_by"]))
    return "; ".join(parts)


def _count_amount(count: Any, amount: Any) -> str:
    if count is None and amount is None:
        return ""
    return f"{number_text(int(count or 0))} × {money_text(amount or 0)}"


def days_table(report: Mapping[str, Any]) -> Table:
    """The range's days (``days``): the trend as numbers."""
    def day_text(r: Row) -> str:
        try:
            return date_text(date.fromisoformat(r["date"]))
        except (KeyError, ValueError):
            return str(r.get("date") or DASH)

    return Table("days", "Tren harian", [
        Column("Tanggal", day_text, lambda r: r.get("date") or "", width=220, weight=2.0),
        count_col("Transaksi", "order_count"),
        money_col("Diterima", "collected"),
        money_col("Bersih", "net_sales"),
    ], list(report.get("days") or []))


# ---------------------------------------------------------------------- the Qt model

ORDER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""The order a row is about (``None``: a row about no one order, e.g. a bank credit)."""

_ALIGN = {Align.LEFT: Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
          Align.RIGHT: Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter}


@cache
def _brush(color: str) -> QBrush:
    return QBrush(QColor(color))


class RowsModel(QAbstractTableModel):
    """The rows of one :class:`Table`. A model, not an item per cell: a busy day has 1,000
    orders and the view asks only for the rows on screen. A header click sorts the rows in
    Python on the column's raw value (rupiah as numbers, times as UTC text)."""

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Row] = []
        self._sort: tuple[int, bool] | None = None
        self._bold = QFont()
        self._bold.setBold(True)

    def set_table(self, table: Table) -> None:
        self.beginResetModel()
        self.columns = table.columns
        self.rows = self._sorted(table.rows)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            self._sort = None
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order == Qt.SortOrder.DescendingOrder)
        self.rows = self._sorted(self.rows)
        self.layoutChanged.emit()

    def _sorted(self, rows: Sequence[Row]) -> list[Row]:
        if self._sort is None or self._sort[0] >= len(self.columns):
            return list(rows)
        column, descending = self._sort
        return sorted(rows, key=self.columns[column].sort, reverse=descending)

    def order_id(self, row: int) -> str | None:
        return self.rows[row].get("order_id") if 0 <= row < len(self.rows) else None

    def text(self, row: int, column: int) -> str:
        return self.columns[column].text(self.rows[row])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return tr(self.columns[section].title)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN[self.columns[section].align]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row, column = self.rows[index.row()], self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN[column.align]
        if role == Qt.ItemDataRole.ForegroundRole and column.color is not None:
            color = column.color(row)
            return _brush(color) if color else None
        if role == Qt.ItemDataRole.FontRole and row.get("bold"):
            return self._bold
        if role == ORDER_ID_ROLE:
            return row.get("order_id")
        return None
