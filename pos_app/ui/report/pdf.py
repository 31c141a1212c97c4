"""The report as a printed A4 page set (PDF, ``QPdfWriter``): what the owner files or sends.

:func:`write_pdf` lays out, top to bottom: the header (store, day or range, time zone, printed
at), the summary, payment methods (QRIS providers *under* QRIS), the hourly chart (and, for a
range, the daily trend with its table), best sellers by quantity and by revenue side by side,
per cashier, shifts and their cash differences (a shortage in red), refunds and voids with who
approved them, the QRIS reconciliation (the matched total, then every exception), and every
order, over as many pages as it takes, the table header repeated on each. Each page has a
footer with "Halaman n/m".

How:

* Two passes over the same layout code (:class:`_Doc`): the first only measures, to know the
  page count m for "Halaman n/m"; the second draws. Fonts have pixel sizes of the 300 dpi page,
  so both passes measure the same with or without a device.
* The tables are the screen's (:func:`.model.tables`), columns flagged ``pdf=False`` left out
  so a row fits A4's width; text that is still too long ends in "…".
* Charts are QtCharts widgets, made on the GUI thread: the caller passes ``charts`` rendered
  there (:func:`.charts.chart_images`), or, on the GUI thread, they are rendered here. The rest
  (QPainter on a ``QPdfWriter``) is fine on a worker thread, which is where the screen writes.
* The PDF is made in memory and written with :func:`pos_app.paths.write_atomically`, so a
  full disk leaves no half file and the ``OSError`` keeps its errno for the message.

A ``QApplication`` must exist (the caller makes one; ``QT_QPA_PLATFORM=offscreen`` is fine).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QCoreApplication, QIODevice, QMarginsF, QRectF, Qt, QThread
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from pos_app.clock import utcnow
from pos_app.paths import write_atomically
from pos_app.ui.i18n import register, tr
from pos_app.ui.report.model import (
    DASH,
    Align,
    Column,
    Row,
    Table,
    days_table,
    is_range,
    money_text,
    number_text,
    period_text,
    report_zone,
    tables,
)

__all__ = ["write_pdf"]

log = logging.getLogger(__name__)

register({
    "Laporan harian": "Daily report", "Laporan periode": "Report for a period",
    "Zona waktu: {zone} · Dicetak: {when}": "Time zone: {zone} · Printed: {when}",
    "Halaman {n}/{m}": "Page {n}/{m}", "Ringkasan": "Summary",
    "Jumlah transaksi": "Number of sales", "Penjualan kotor": "Gross sales",
    "Diskon": "Discount", "PPN": "VAT", "Diterima": "Collected",
    "Penjualan bersih": "Net sales", "Pengembalian": "Refunds",
    "Diterima setelah pengembalian": "Collected after refunds",
    "Rata-rata belanja": "Average basket",
    "Void": "Voids", "belum dibayar: {amount}": "still owed: {amount}",
    "Penjualan per jam": "Sales per hour", "Produk terlaris": "Best sellers",
    "Rekonsiliasi QRIS": "QRIS reconciliation",
    "Cocok: {count} transaksi, {amount} — rincian per transaksi ada di daftar transaksi.":
        "Matched: {count} sales, {amount} — each one is in the list of orders.",
    "{title} (lanjutan)": "{title} (continued)", "Semua transaksi ({n})": "All orders ({n})",
    "{title} ({n})": "{title} ({n})",
})

DPI = 300
MM = DPI / 25.4
PT = DPI / 72
PAGE_W, PAGE_H = round(210 * MM), round(297 * MM)
LEFT, RIGHT = round(15 * MM), round(15 * MM)
TOP, BOTTOM = round(13 * MM), round(14 * MM)
WIDTH = PAGE_W - LEFT - RIGHT
PAD = 1.4 * MM  # inside a table cell

INK = QColor("#1f2933")
MUTED = QColor("#52606d")
ACCENT = QColor("#0f766e")
RULE = QColor("#c5ccd3")
HEADER_BACK = QColor("#e9edf0")
ZEBRA = QColor("#f5f7f8")


def _font(points: float, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont(["DejaVu Sans", "Noto Sans", "Arial", "sans-serif"])
    font.setPixelSize(round(points * PT))
    font.setBold(bold)
    font.setItalic(italic)
    # The same advances when measuring (no device) and when drawing (the PDF).
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    # No "fi"/"fl" ligatures: a search in the PDF for "terkonfirmasi" must find it.
    font.setFeature(QFont.Tag("liga"), 0)
    return font


class _Fonts:
    def __init__(self) -> None:
        self.title = _font(16, bold=True)
        self.subtitle = _font(11.5)
        self.meta = _font(8)
        self.heading = _font(11, bold=True)
        self.subheading = _font(9, bold=True)
        self.body = _font(7.5)
        self.body_bold = _font(7.5, bold=True)
        self.note = _font(7.5, italic=True)
        self.footer = _font(7)
        self.summary_label = _font(9)
        self.summary_value = _font(10, bold=True)
        self.metrics = {id(f): QFontMetricsF(f) for f in vars(self).values()}

    def fm(self, font: QFont) -> QFontMetricsF:
        return self.metrics[id(font)]


class _Doc:
    """A cursor down A4 pages. With no painter it only measures (the first pass)."""

    def __init__(self, painter: QPainter | None, writer: QPdfWriter | None, fonts: _Fonts,
                 total_pages: int, running_title: str) -> None:
        self.p = painter
        self.writer = writer
        self.f = fonts
        self.total = total_pages
        self.running_title = running_title
        self.page = 0
        self.y = 0.0
        self.bottom = PAGE_H - BOTTOM - 7 * MM  # the footer's room
        self.row_h = self.f.fm(self.f.body).height() * 1.55
        self._start_page(first=True)

    # -- pages -------------------------------------------------------------------------
    def _start_page(self, first: bool = False) -> None:
        if not first and self.writer is not None:
            self.writer.newPage()
        self.page += 1
        self.y = TOP
        self._footer()
        if not first:
            self._running_header()

    def _footer(self) -> None:
        if self.p is None:
            return
        y = PAGE_H - BOTTOM - 4 * MM
        self.line(LEFT, y, LEFT + WIDTH, RULE, 0.2)
        rect = QRectF(LEFT, y + 1 * MM, WIDTH, 4 * MM)
        self._text(rect, self.running_title, self.f.footer, MUTED, Align.LEFT)
        self._text(rect, tr("Halaman {n}/{m}", n=self.page, m=self.total or "?"),
                   self.f.footer, MUTED, Align.RIGHT)

    def _running_header(self) -> None:
        h = self.f.fm(self.f.footer).height()
        self._text(QRectF(LEFT, self.y, WIDTH, h), self.running_title, self.f.footer, MUTED,
                   Align.LEFT)
        self.y += h + 1 * MM
        self.line(LEFT, self.y, LEFT + WIDTH, RULE, 0.2)
        self.y += 3 * MM

    def need(self, height: float) -> None:
        """Go to a new page unless ``height`` still fits on this one."""
        if self.y + height > self.bottom:
            self._start_page()

    # -- drawing primitives (no-ops when measuring) ------------------------------------
    def _text(self, rect: QRectF, text: str, font: QFont, color: QColor,
              align: Align = Align.LEFT) -> None:
        if self.p is None:
            return
        self.p.setFont(font)
        self.p.setPen(color)
        flags = Qt.AlignmentFlag.AlignVCenter | (
            Qt.AlignmentFlag.AlignRight if align is Align.RIGHT else Qt.AlignmentFlag.AlignLeft)
        self.p.drawText(rect, flags, text)

    def line(self, x1: float, y: float, x2: float, color: QColor, width_mm: float) -> None:
        if self.p is None:
            return
        self.p.setPen(QPen(color, width_mm * MM))
        self.p.drawLine(round(x1), round(y), round(x2), round(y))

    def _fill(self, rect: QRectF, color: QColor) -> None:
        if self.p is not None:
            self.p.fillRect(rect, color)

    # -- blocks --------------------------------------------------------------------------
    def line_of_text(self, text: str, font: QFont, color: QColor = INK,
                     gap_mm: float = 1.0) -> None:
        h = self.f.fm(font).height()
        self.need(h)
        self._text(QRectF(LEFT, self.y, WIDTH, h), text, font, color)
        self.y += h + gap_mm * MM

    def heading(self, text: str, keep: float = 0.0) -> None:
        """A section heading, kept on the page with ``keep`` of what follows it."""
        h = self.f.fm(self.f.heading).height()
        self.y += 3 * MM
        self.need(h + 2 * MM + keep)
        self._text(QRectF(LEFT, self.y, WIDTH, h), text, self.f.heading, ACCENT)
        self.y += h + 0.6 * MM
        self.line(LEFT, self.y, LEFT + WIDTH, ACCENT, 0.35)
        self.y += 1.8 * MM

    def subheading(self, text: str, keep: float = 0.0) -> None:
        h = self.f.fm(self.f.subheading).height()
        self.y += 1.2 * MM
        self.need(h + 1 * MM + keep)
        self._text(QRectF(LEFT, self.y, WIDTH, h), text, self.f.subheading, INK)
        self.y += h + 1 * MM

    def note(self, text: str) -> None:
        self.line_of_text(text, self.f.note, MUTED, gap_mm=1.2)

    def table_height(self, rows: int) -> float:
        return self.row_h * (rows + 1)

    def table(self, table: Table, *, title: str | None = None, x: float = LEFT,
              width: float = WIDTH, paginate: bool = True) -> float:
        """Draw ``table`` from the cursor (header row repeated after a page break); returns
        the height used on the last page. ``paginate=False``: the caller made room."""
        columns = [c for c in table.columns if c.pdf]
        if not table.rows:
            if paginate:
                self.note(tr("Tidak ada."))
            return 0.0
        # Measuring is for drawing: the first pass only counts rows.
        widths = self._fit(columns, table.rows, width) if self.p is not None else [0.0]
        start = self.y
        self._table_header(columns, widths, x)
        for n, row in enumerate(table.rows):
            if paginate and self.y + self.row_h > self.bottom:
                self._start_page()
                if title:
                    self.subheading(tr("{title} (lanjutan)", title=title))
                start = self.y
                self._table_header(columns, widths, x)
            self._table_row(columns, widths, x, row, zebra=n % 2 == 1)
        self.line(x, self.y, x + width, RULE, 0.2)
        self.y += 1 * MM
        return self.y - start

    def _fit(self, columns: Sequence[Column], rows: Sequence[Row],
             width: float) -> list[float]:
        """Column widths from their content: each gets what its widest cell needs; room left
        over is shared by weight. When the row is too wide for the page, the text columns
        that may shrink give way, the widest first (a "Sri" keeps its room, a long reference
        ends in "…"); amounts, times and order numbers keep their width."""
        head, body = self.f.fm(self.f.body_bold), self.f.fm(self.f.body)
        natural = []
        for column in columns:
            # A sample is enough for a long list (1,000 orders look alike).
            cells = [column.text(row) for row in rows[:400]]
            widest = max((body.horizontalAdvance(text) for text in cells), default=0.0)
            natural.append(max(widest * 1.04, head.horizontalAdvance(tr(column.title)))
                           + 2 * PAD + 0.3 * MM)
        if sum(natural) <= width:
            weight = sum(c.weight for c in columns) or 1.0
            extra = width - sum(natural)
            return [n + extra * c.weight / weight for n, c in zip(natural, columns, strict=True)]
        flexible = [i for i, c in enumerate(columns) if c.shrink and c.align is Align.LEFT]
        room = width - sum(n for i, n in enumerate(natural) if i not in flexible)
        # Water-filling: the narrow columns keep their width, the rest share what is left.
        widths = list(natural)
        left = sorted(flexible, key=lambda i: natural[i])
        while left:
            cap = max(room, 0.0) / len(left)
            if natural[left[0]] <= cap:
                room -= natural[left[0]]
                left.pop(0)
                continue
            for i in left:
                widths[i] = cap
            break
        return widths

    def _table_header(self, columns: Sequence[Column], widths: Sequence[float],
                      x: float) -> None:
        if self.p is not None:
            self._fill(QRectF(x, self.y, sum(widths), self.row_h), HEADER_BACK)
            cx = x
            fm = self.f.fm(self.f.body_bold)
            for column, w in zip(columns, widths, strict=True):
                text = fm.elidedText(tr(column.title), Qt.TextElideMode.ElideRight, w - 2 * PAD)
                self._text(QRectF(cx + PAD, self.y, w - 2 * PAD, self.row_h), text,
                           self.f.body_bold, INK, column.align)
                cx += w
        self.y += self.row_h

    def _table_row(self, columns: Sequence[Column], widths: Sequence[float], x: float,
                   row: Row, zebra: bool) -> None:
        if self.p is not None:
            if zebra:
                self._fill(QRectF(x, self.y, sum(widths), self.row_h), ZEBRA)
            font = self.f.body_bold if row.get("bold") else self.f.body
            fm = self.f.fm(font)
            cx = x
            for column, w in zip(columns, widths, strict=True):
                text = column.text(row)
                if text:
                    if fm.horizontalAdvance(text) > w - 2 * PAD:
                        text = fm.elidedText(text, Qt.TextElideMode.ElideRight, w - 2 * PAD)
                    color = column.color(row) if column.color is not None else None
                    self._text(QRectF(cx + PAD, self.y, w - 2 * PAD, self.row_h), text, font,
                               QColor(color) if color else INK, column.align)
                cx += w
        self.y += self.row_h

    def section_table(self, heading: str, table: Table, note: str = "") -> None:
        """A heading, an optional note line and the table, the heading kept with 3 rows."""
        self.heading(heading, keep=self.table_height(min(3, len(table.rows)) or 1))
        if note:
            self.note(note)
        self.table(table, title=heading)

    def side_by_side(self, left: tuple[str, Table], right: tuple[str, Table]) -> None:
        """Two short tables next to each other (best sellers), each under its subheading."""
        gap = 6 * MM
        half = (WIDTH - gap) / 2
        tallest = max(len(left[1].rows), len(right[1].rows), 1)
        sub_h = self.f.fm(self.f.subheading).height() + 2.2 * MM
        self.need(sub_h + self.table_height(tallest) + 2 * MM)
        top = self.y
        bottoms = []
        for (title, table), x in ((left, LEFT), (right, LEFT + half + gap)):
            self.y = top
            h = self.f.fm(self.f.subheading).height()
            self.y += 1.2 * MM
            self._text(QRectF(x, self.y, half, h), title, self.f.subheading, INK)
            self.y += h + 1 * MM
            if table.rows:
                self.table(table, x=x, width=half, paginate=False)
            else:
                fh = self.f.fm(self.f.note).height()
                self._text(QRectF(x, self.y, half, fh), tr("Tidak ada."), self.f.note, MUTED)
                self.y += fh + 1.2 * MM
            bottoms.append(self.y)
        self.y = max(bottoms)

    def image(self, image: QImage, width: float = WIDTH) -> None:
        if image.isNull():
            return
        height = width * image.height() / image.width()
        self.need(height)
        if self.p is not None:
            self.p.drawImage(QRectF(LEFT + (WIDTH - width) / 2, self.y, width, height), image)
        self.y += height + 1 * MM

    def summary(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Label/value pairs in two columns of ruled lines, values right-aligned."""
        gap = 8 * MM
        half = (WIDTH - gap) / 2
        per_column = (len(pairs) + 1) // 2
        line_h = self.f.fm(self.f.summary_value).height() * 1.6
        self.need(per_column * line_h)
        top = self.y
        for n, (label, value) in enumerate(pairs):
            col, line = divmod(n, per_column)
            x = LEFT + col * (half + gap)
            y = top + line * line_h
            self._text(QRectF(x, y, half, line_h), label, self.f.summary_label, MUTED)
            self._text(QRectF(x, y, half, line_h), value, self.f.summary_value, INK,
                       Align.RIGHT)
            self.line(x, y + line_h, x + half, RULE, 0.15)
        self.y = top + per_column * line_h + 1 * MM


def _summary_pairs(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    refunds: Mapping[str, Any] = report.get("refunds") or {}
    refund_text = money_text(refunds.get("amount") or 0)
    if refunds.get("count"):
        refund_text = f"{number_text(int(refunds['count']))} × {refund_text}"
    pairs = [
        (tr("Jumlah transaksi"), number_text(int(report.get("order_count") or 0))),
        (tr("Penjualan kotor"), money_text(report.get("gross_sales") or 0)),
        (tr("Diskon"), money_text(report.get("discounts") or 0)),
        (tr("PPN"), money_text(report.get("tax") or 0)),
        (tr("Diterima"), money_text(report.get("collected") or 0)),
        (tr("Penjualan bersih"), money_text(report.get("net_sales") or 0)),
        (tr("Pengembalian"), refund_text),
    ]
    if "net_after_refunds" in report:
        pairs.append((tr("Diterima setelah pengembalian"),
                      money_text(report["net_after_refunds"])))
    pairs.append((tr("Rata-rata belanja"), money_text(report.get("average_basket") or 0)))
    voids: Mapping[str, Any] = report.get("voids") or {}
    if voids.get("count"):
        pairs.append((tr("Void"), f"{number_text(int(voids['count']))} × "
                                  f"{money_text(voids.get('amount') or 0)}"))
    return pairs


def _layout(doc: _Doc, report: Mapping[str, Any], store_name: str, printed: str,
            charts: Mapping[str, QImage]) -> None:
    """Everything, top to bottom; called once to count pages and once to draw."""
    f = doc.f
    many_days = is_range(report)
    t = tables(report)

    # -- the header
    doc.line_of_text(store_name or DASH, f.title, INK, gap_mm=1.2)
    kind = tr("Laporan periode") if many_days else tr("Laporan harian")
    doc.line_of_text(f"{kind} · {period_text(report)}", f.subtitle, INK, gap_mm=1.0)
    doc.line_of_text(tr("Zona waktu: {zone} · Dicetak: {when}",
                        zone=report.get("timezone") or DASH, when=printed), f.meta, MUTED,
                     gap_mm=1.5)
    doc.line(LEFT, doc.y, LEFT + WIDTH, ACCENT, 0.6)
    doc.y += 1 * MM

    doc.heading(tr("Ringkasan"))
    doc.summary(_summary_pairs(report))

    doc.section_table(tr("Metode pembayaran"), t["methods"])

    if "hourly" in charts:
        doc.heading(tr("Penjualan per jam"), keep=40 * MM)
        doc.image(charts["hourly"])
    if many_days:
        days = days_table(report)
        doc.heading(tr("Tren harian"), keep=40 * MM)
        if "trend" in charts:
            doc.image(charts["trend"])
        doc.table(days, title=tr("Tren harian"))

    doc.heading(tr("Produk terlaris"), keep=doc.table_height(3))
    doc.side_by_side((tr("Produk terlaris (jumlah)"), t["top_quantity"]),
                     (tr("Produk terlaris (pendapatan)"), t["top_revenue"]))

    doc.section_table(tr("Per kasir"), t["cashiers"])
    doc.section_table(tr("Shift & kas"), t["shifts"])

    refunds: Mapping[str, Any] = report.get("refunds") or {}
    note = t["refunds"].note
    if refunds.get("owed"):
        note = f"{note}; " if note else ""
        note += tr("belum dibayar: {amount}", amount=money_text(refunds["owed"]))
    doc.section_table(tr("Pengembalian"), t["refunds"], note)
    doc.section_table(tr("Void"), t["voids"], t["voids"].note)

    rec: Mapping[str, Any] = report.get("reconciliation") or {}
    matched: Mapping[str, Any] = rec.get("matched") or {}
    doc.heading(tr("Rekonsiliasi QRIS"), keep=doc.table_height(2))
    doc.note(tr("Cocok: {count} transaksi, {amount} — rincian per transaksi ada di daftar "
                "transaksi.", count=number_text(int(matched.get("count") or 0)),
                amount=money_text(matched.get("amount") or 0)))
    for key in ("unmatched_credits", "unconfirmed", "late"):
        table = t[key]
        title = tr("{title} ({n})", title=tr(table.title), n=len(table.rows))
        doc.subheading(title, keep=doc.table_height(min(2, len(table.rows))))
        doc.table(table, title=title)

    orders = t["orders"]
    title = tr("Semua transaksi ({n})", n=number_text(len(orders.rows)))
    doc.heading(title, keep=doc.table_height(3))
    doc.table(orders, title=title)


def write_pdf(report: Mapping[str, Any], path: Path, store_name: str, *,
              printed_at: datetime | None = None,
              charts: Mapping[str, QImage] | None = None) -> None:
    """Write ``report`` as an A4 PDF to ``path`` (atomically).

    ``charts``: the images of :func:`.charts.chart_images`, rendered on the GUI thread; when
    ``None`` they are rendered here, which needs the GUI thread (off it, the PDF has no charts
    and a warning is logged). ``printed_at`` (UTC; default now) is shown in the header.
    """
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("write_pdf needs a QApplication (charts and fonts are Qt's)")
    if charts is None:
        if QThread.currentThread() is app.thread():
            from pos_app.ui.report.charts import chart_images

            charts = chart_images(report)
        else:
            log.warning("write_pdf off the GUI thread without chart images: no charts")
            charts = {}
    tz = report_zone(report.get("timezone"))
    printed = (printed_at or utcnow()).astimezone(tz).strftime("%d/%m/%Y %H:%M %Z")
    period = period_text(report)
    running = f"{store_name} · {period}" if store_name else period
    fonts = _Fonts()

    # Pass 1: measure only, for the page count.
    dry = _Doc(None, None, fonts, 0, running)
    _layout(dry, report, store_name, printed, charts)

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0),
                                     QPageLayout.Unit.Millimeter))
    writer.setTitle(f"{tr('Laporan harian') if not is_range(report) else tr('Laporan periode')}"
                    f" {period}")
    writer.setCreator("pos-app")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError("could not start the PDF")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        doc = _Doc(painter, writer, fonts, dry.page, running)
        _layout(doc, report, store_name, printed, charts)
    finally:
        painter.end()
    data = bytes(buffer.data().data())
    buffer.close()
    if doc.page != dry.page:  # the two passes must agree, or "Halaman n/m" lies
        log.warning("report PDF: measured %d pages, drew %d", dry.page, doc.page)
    write_atomically(Path(path), lambda tmp: tmp.write_bytes(data))
    log.info("report PDF written: %s (%d pages, %d bytes)", Path(path).name, doc.page,
             len(data))
