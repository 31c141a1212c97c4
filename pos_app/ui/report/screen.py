"""The owner's report screen ("Laporan"): a day or a range, on screen and as PDF, Excel or CSV.

* **Which days**: a date picker (calendar popup) and "Hari ini", "Kemarin", "7 hari" (the seven
  days ending on the picked date), "Bulan ini" (the picked date's month, up to today); "‹" and
  "›" (Alt+Left / Alt+Right) step by the same length. A range adds the daily trend chart.
* **Loading**: ``pos_app.reports`` builds the report on the reader thread (``tasks.read``);
  the screen says "Memuat…" meanwhile. Each request has a number: an answer to an older one is
  dropped, and a request already superseded when the reader gets to it is not even built, so
  stepping quickly through days never shows a stale day.
* **What is shown**: the summary tiles above tabs with the payment methods (QRIS providers
  indented *under* QRIS) and charts (:mod:`.charts`), best sellers, cashiers and shifts (a
  cash shortage in red), refunds and voids with who approved them, the QRIS reconciliation in
  its four groups, and every order. Tables are ``QTableView`` s over :class:`.model.RowsModel`
  (a busy day has 1,000 orders), sortable by a header click; a double click or Enter on a row
  about an order emits :attr:`ReportScreen.orderRequested` (the window opens it in Riwayat).
* **Files**: "PDF…", "Excel…", "CSV…" ask where (``QFileDialog``) and write the shown report
  on a ``TaskManager`` of the screen's own (``read``), so that a month's PDF never holds up
  the till's reader thread; the chart images for the PDF are rendered first, here, on the GUI
  thread (they are widgets). A failure says why in Indonesian: disk full, no permission, no
  such folder. Files appear whole or not at all (``pos_app.paths.write_atomically``).
* **Outlets** (issue 14): given ``settings`` naming a central server (``central.url``: the
  owner's PC, or an enrolled till), the top bar has an outlet selector: "Toko ini" (this
  till's own report, the default), "Semua outlet", then each outlet by name. The list and the
  reports of the central PostgreSQL (:mod:`.outlets`) are loaded on a ``TaskManager`` of the
  screen's own -- a server across town may take seconds, or ten to give up, and neither the
  GUI thread nor the till's reader waits for it -- with the same "Memuat…" and request
  numbers as the till's own report. A server that can't be reached turns the list into
  "Pusat tidak terjangkau" (disabled, the reason as its tooltip) and leaves "Toko ini"; a
  report that fails says why in red and keeps the last one on screen. "Semua outlet" adds
  the tab "Per outlet" (one row per outlet, a total row), first; the lists of a central
  report have an "Outlet" column and open nothing in Riwayat (they are other tills' orders).
  A week or a month lists no orders (a chain's month is too many): the tab says so. CSV
  saves a central report (``central_report_csv``); PDF and Excel are for this till's own
  report only (disabled, with a tooltip saying so), as ``pos-app report --central`` allows
  text, JSON and CSV only.

:attr:`ReportScreen.loaded` is emitted each time a report is on screen (tests and the bench
wait on it); :attr:`ReportScreen.current_report` is that report.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCharts import QChartView
from PySide6.QtCore import QDate, QModelIndex, QPointF, QStandardPaths, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app import reports
from pos_app.clock import local_date, utcnow
from pos_app.money import format_rupiah
from pos_app.settings import Settings
from pos_app.storage.database import Database
from pos_app.ui.i18n import register, tr
from pos_app.ui.props import set_state
from pos_app.ui.report import charts, outlets
from pos_app.ui.report.model import (
    Align,
    RowsModel,
    Table,
    is_range,
    number_text,
    period_text,
    report_span,
    tables,
)
from pos_app.ui.tasks import TaskManager

__all__ = ["ReportScreen", "save_error_text"]

log = logging.getLogger(__name__)

register({
    "Laporan": "Report", "Hari ini": "Today", "Kemarin": "Yesterday", "7 hari": "7 days",
    "Bulan ini": "This month", "Sebelumnya (Alt+←)": "Previous (Alt+←)",
    "Berikutnya (Alt+→)": "Next (Alt+→)", "PDF…": "PDF…", "Excel…": "Excel…", "CSV…": "CSV…",
    "Simpan laporan sebagai PDF, Excel atau CSV": "Save the report as PDF, Excel or CSV",
    "Memuat…": "Loading…", "Laporan tidak bisa dimuat: {error}":
        "The report could not be loaded: {error}",
    "Penjualan kotor": "Gross sales", "Diskon": "Discount", "PPN": "VAT",
    "Diterima": "Collected", "Bersih": "Net", "Pengembalian": "Refunds",
    "Jumlah transaksi": "Number of sales", "Rata-rata belanja": "Average basket",
    "setelah pengembalian:\n{amount}": "after refunds:\n{amount}",
    "{n} transaksi": "{n} sales",
    "{n} transaksi\nbelum dibayar {amount}": "{n} sales\nstill owed {amount}",
    "lunas": "paid", "tanpa PPN": "without VAT",
    "Ringkasan": "Summary", "Produk terlaris": "Best sellers", "Kasir & shift":
        "Cashiers & shifts", "Pengembalian & void": "Refunds & voids",
    "Rekonsiliasi QRIS": "QRIS reconciliation", "Daftar transaksi": "Order list",
    "{title} ({n})": "{title} ({n})",
    "Klik dua kali (atau Enter) pada transaksi untuk membukanya di Riwayat.":
        "Double-click (or Enter) an order to open it in History.",
    "Simpan laporan (PDF)": "Save the report (PDF)", "Simpan laporan (Excel)":
        "Save the report (Excel)", "Simpan laporan (CSV)": "Save the report (CSV)",
    "PDF (*.pdf)": "PDF (*.pdf)", "Excel (*.xlsx)": "Excel (*.xlsx)",
    "CSV (*.csv)": "CSV (*.csv)",
    "Menyimpan {file}…": "Saving {file}…", "Disimpan: {file}": "Saved: {file}",
    "Laporan tidak bisa disimpan": "The report could not be saved",
    "Disk penuh: {file} tidak bisa disimpan. Kosongkan ruang atau pilih disk lain.":
        "The disk is full: {file} could not be saved. Free some space or choose another disk.",
    "Tidak ada izin menulis ke folder {folder}. Pilih folder lain, mis. Dokumen.":
        "No permission to write to the folder {folder}. Choose another one, e.g. Documents.",
    "Folder {folder} hanya bisa dibaca. Pilih folder lain.":
        "The folder {folder} is read-only. Choose another one.",
    "Folder {folder} tidak ada (flashdisk dicabut?). Pilih folder lain.":
        "The folder {folder} does not exist (USB stick removed?). Choose another one.",
    "{file} tidak bisa disimpan: {error}": "{file} could not be saved: {error}",
    "Cocok: {matched} × {amount}. Perlu dicek: {credits} kredit tanpa penjualan, "
    "{unconfirmed} belum terkonfirmasi, {late} bayar terlambat.":
        "Matched: {matched} × {amount}. To check: {credits} credits without a sale, "
        "{unconfirmed} unconfirmed, {late} late payments.",
    "Kredit tanpa penjualan": "Credits without a sale", "Belum terkonfirmasi": "Unconfirmed",
    "Bayar terlambat": "Late payments", "Cocok": "Matched",
    # outlets (issue 14)
    "Toko ini": "This shop", "Semua outlet": "All outlets",
    "Memuat daftar outlet…": "Loading the outlets…",
    "Pusat tidak terjangkau": "Central server unreachable",
    "Laporan dari: toko ini (kasir ini), semua outlet, atau satu outlet (server pusat)":
        "Report of: this shop (this till), all outlets, or one outlet (central server)",
    "Daftar outlet tidak bisa dimuat: {reason}\n{detail}\nTekan F5 untuk mencoba lagi.":
        "The outlets could not be loaded: {reason}\n{detail}\nPress F5 to try again.",
    "Laporan pusat tidak bisa dimuat: {reason}":
        "The central report could not be loaded: {reason}",
    "Per outlet": "By outlet", "Per outlet ({n})": "By outlet ({n})",
    "Transaksi outlet dari server pusat tidak dibuka di Riwayat.":
        "Outlet orders from the central server do not open in History.",
    "Laporan pusat beberapa hari tidak mendaftar transaksi satu per satu (terlalu banyak): "
    "pilih satu hari (mis. Hari ini) untuk melihat daftarnya.":
        "A central report of several days does not list the orders one by one (too many): "
        "pick one day (e.g. Today) to see them.",
    "Daftar pembayaran yang cocok hanya ada di laporan satu hari.":
        "The matched payments are listed in a one-day report only.",
    "PDF dan Excel hanya untuk laporan toko ini. Laporan pusat disimpan sebagai CSV.":
        "PDF and Excel are for this shop's own report only. Save a central report as CSV.",
})

LOCAL = ""
"""The outlet selector's data for "Toko ini": this till's own SQLite report."""


class Span(Enum):
    """What the picked date stands for."""

    DAY = "day"
    WEEK = "week"  # the seven days ending on it
    MONTH = "month"  # its month, up to today


SUMMARY_TILES = (
    ("gross_sales", "Penjualan kotor"), ("discounts", "Diskon"), ("tax", "PPN"),
    ("collected", "Diterima"), ("net_sales", "Bersih"), ("refunds", "Pengembalian"),
    ("order_count", "Jumlah transaksi"), ("average_basket", "Rata-rata belanja"),
)

STYLE = """
#reportTitle { font-size: 20px; font-weight: bold; color: #0f766e; }
#reportPeriod { font-size: 18px; font-weight: bold; }
#reportStatus { color: #52606d; }
#reportStatus[state="error"] { color: #b42318; font-weight: bold; }
#reportTile { background: #ffffff; border: 1px solid #d5dbe1; border-radius: 8px; }
#tileTitle, #tileSub { color: #52606d; }
#tileValue { color: #1f2933; }
#tileValue[accent="true"] { color: #0f766e; }
QDateEdit { min-height: 40px; padding: 2px 8px; border: 1px solid #c5ccd3; border-radius: 8px;
            background: #ffffff; font-size: 16px; }
QDateEdit::drop-down { border: none; width: 26px; }
QComboBox#reportOutlet { min-height: 40px; padding: 2px 30px 2px 10px; font-size: 16px; }
QComboBox#reportOutlet::drop-down { border: none; width: 30px; }
#reportSection { font-size: 15px; font-weight: bold; color: #0f766e; }
#reportHint { color: #52606d; }
QTableView { background: #ffffff; alternate-background-color: #f7f9fa;
             gridline-color: #e4e8eb; }
QPushButton#rangeButton:checked { background: #0f766e; color: #ffffff; border-color: #0f766e; }
"""

RECONCILIATION = (
    ("unmatched_credits", "Kredit tanpa penjualan"), ("unconfirmed", "Belum terkonfirmasi"),
    ("late", "Bayar terlambat"), ("matched", "Cocok"),
)
"""The QRIS reconciliation's groups: the three that need a look, then the matched ones."""

EXPORTS = {
    "pdf": ("Simpan laporan (PDF)", "PDF (*.pdf)", ".pdf"),
    "xlsx": ("Simpan laporan (Excel)", "Excel (*.xlsx)", ".xlsx"),
    "csv": ("Simpan laporan (CSV)", "CSV (*.csv)", ".csv"),
}


def save_error_text(exc: BaseException, path: Path) -> str:
    """Why a file could not be written, for the owner (Indonesian through ``tr``)."""
    folder, file = str(path.parent), path.name
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):  # no EDQUOT on Windows
        return tr("Disk penuh: {file} tidak bisa disimpan. Kosongkan ruang atau pilih disk "
                  "lain.", file=file)
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return tr("Tidak ada izin menulis ke folder {folder}. Pilih folder lain, mis. Dokumen.",
                  folder=folder)
    if code == errno.EROFS:
        return tr("Folder {folder} hanya bisa dibaca. Pilih folder lain.", folder=folder)
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        return tr("Folder {folder} tidak ada (flashdisk dicabut?). Pilih folder lain.",
                  folder=folder)
    return tr("{file} tidak bisa disimpan: {error}", file=file,
              error=getattr(exc, "strerror", None) or str(exc))


def _tab_text(text: str) -> str:
    """A tab's text as shown: "&" is Qt's mnemonic marker, "&&" an ampersand."""
    return text.replace("&", "&&")


def month_span(day: date, today: date) -> tuple[date, date]:
    """The month of ``day``; the current month ends today (the rest has no sales yet)."""
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, min(last, max(today, first))


class ReportTable(QTableView):
    """A report table; a double click or Enter on a row about an order asks to open it."""

    orderActivated = Signal(str)

    def __init__(self, name: str, sortable: bool = True, parent: QWidget | None = None, *,
                 pinned: bool = False) -> None:
        """``pinned``: rows marked ``pinned`` (a total) stay last when the rows are sorted."""
        super().__init__(parent)
        self.setObjectName(name)
        self.rows_model = _PinnedRowsModel([], self) if pinned else RowsModel([], self)
        self.setModel(self.rows_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(30)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        if sortable:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the report's order
            self.setSortingEnabled(True)
        self.doubleClicked.connect(self._activate)
        self._widths: list[int] = []
        self._stretch: int | None = None

    def set_table(self, table: Table) -> None:
        self.rows_model.set_table(table)
        widths = [c.width for c in table.columns]
        if widths != self._widths:  # fixed widths: measuring 1,000 rows would cost
            self._widths = widths
            for n, width in enumerate(widths):
                self.setColumnHidden(n, width == 0)  # a column for the PDF only
                if width:
                    self.setColumnWidth(n, width)
            # The widest text column (a name, a reason) takes the room the others leave.
            text_columns = [n for n, c in enumerate(table.columns)
                            if c.align is Align.LEFT and c.width]
            self._stretch = max(text_columns, key=lambda n: widths[n], default=None)
        self._fill_width()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fill_width()

    def _fill_width(self) -> None:
        if self._stretch is None:
            return
        others = sum(self.columnWidth(n) for n in range(len(self._widths))
                     if n != self._stretch and not self.isColumnHidden(n))
        self.setColumnWidth(self._stretch, max(self._widths[self._stretch],
                                               self.viewport().width() - others))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._activate(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    def _activate(self, index: QModelIndex) -> None:
        order_id = self.rows_model.order_id(index.row())
        if order_id:
            self.orderActivated.emit(order_id)


class _PinnedRowsModel(RowsModel):
    """Rows that sort, but the ``pinned`` ones (a total row) stay at the bottom."""

    def _sorted(self, rows: Any) -> list[Any]:
        pinned = [r for r in rows if r.get("pinned")]
        return super()._sorted([r for r in rows if not r.get("pinned")]) + pinned


class _OutletBox(QComboBox):
    """The outlet selector. The till's style sheet gives combo boxes a border, which leaves
    the platform's drop-down button half drawn: this one draws a plain chevron instead, and
    a name too long for the box ends in "…" rather than being cut off."""

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, max(field.width() - 4, 0))
        styled = QStylePainter(self)
        styled.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        styled.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
        styled.end()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor("#52606d" if self.isEnabled() else "#9aa5b1"), 2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        x, y = self.width() - 18.0, self.height() / 2
        painter.drawPolyline([QPointF(x - 5, y - 2.5), QPointF(x, y + 2.5),
                              QPointF(x + 5, y - 2.5)])
        painter.end()


class _Tile(QFrame):
    """One summary figure: a caption, the value, and a line (or two) under it."""

    def __init__(self, key: str, title: str) -> None:
        super().__init__()
        self.setObjectName("reportTile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        self.title = QLabel(tr(title), objectName="tileTitle")
        self.value = QLabel("—", objectName="tileValue")
        self.value.setProperty("accent", key in ("collected", "net_sales"))
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sub = QLabel("", objectName="tileSub")
        for label in (self.title, self.value, self.sub):
            # Ignored: the row gives every tile the same width, whatever its text asks for.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            layout.addWidget(label)


class _TileRow(QWidget):
    """The eight summary tiles in one row. Their fonts shrink together (never below 11 px)
    until the widest text fits: eight tiles share 1366 px, and a month's takings
    ("Rp 1.273.640.000") are wider than a day's; one size for all reads as one row."""

    SIZES = (("title", 13, False), ("value", 19, True), ("sub", 12, False))

    def __init__(self) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        self.tiles: dict[str, _Tile] = {}
        for n, (key, title) in enumerate(SUMMARY_TILES):
            tile = _Tile(key, title)
            self.tiles[key] = tile
            grid.addWidget(tile, 0, n)
            grid.setColumnStretch(n, 1)

    def set_texts(self, values: Mapping[str, str], subs: Mapping[str, str]) -> None:
        for key, tile in self.tiles.items():
            tile.value.setText(values[key])
            tile.value.setToolTip(values[key])
            tile.sub.setText(subs.get(key, ""))
        self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        for part, largest, bold in self.SIZES:
            labels: list[QLabel] = [getattr(tile, part) for tile in self.tiles.values()]
            font = QFont(self.font())
            font.setBold(bold)
            pixels = largest
            while pixels > 11:
                font.setPixelSize(pixels)
                metrics = QFontMetrics(font)
                if all(self._fits(metrics, label) for label in labels):
                    break
                pixels -= 1
            font.setPixelSize(pixels)
            # The line under a value has room for two lines on every tile, so that the row
            # keeps its height whichever tile says more.
            lines = 2 if part == "sub" else 1
            height = QFontMetrics(font).lineSpacing() * lines + 2
            for label in labels:
                if label.font() != font:
                    label.setFont(font)
                if label.minimumHeight() != height:
                    label.setMinimumHeight(height)

    @staticmethod
    def _fits(metrics: QFontMetrics, label: QLabel) -> bool:
        room = label.contentsRect().width()
        return room <= 0 or all(metrics.horizontalAdvance(line) <= room
                                for line in label.text().splitlines())


class ReportScreen(QDialog):
    """See the module docstring."""

    orderRequested = Signal(str)
    """A row about this order was double-clicked (or Enter): open it in Riwayat."""

    loaded = Signal()
    """A report is on screen (:attr:`current_report`)."""

    outletsLoaded = Signal()
    """The outlet selector has its list, or says the central server can't be reached."""

    def __init__(self, db: Database, tz: ZoneInfo, tasks: TaskManager, store_name: str,
                 clock: Callable[[], datetime] = utcnow, parent: QWidget | None = None, *,
                 day: date | None = None, settings: Settings | None = None) -> None:
        """``day``: the day shown first (the till passes its open shift's day: after
        midnight the night still belongs to the day the shift opened); today by default.
        ``settings``: when they name a central server (``central.url``), the outlet selector
        (see the module docstring); None (the default): this till's report only."""
        super().__init__(parent)
        self.setObjectName("reportScreen")
        self.setWindowTitle(tr("Laporan"))
        self.setStyleSheet(STYLE)
        self.db = db
        self.tz = tz
        self.tasks = tasks
        self.store_name = store_name
        self.clock = clock
        self.current_report: dict[str, Any] | None = None
        self.loading = False
        self.exporting = False
        self.message_box: QMessageBox | None = None
        self._files: TaskManager | None = None  # the exports' own thread, made on first use
        self.finished.connect(lambda _result: self._close_files())
        self.span = Span.DAY
        self.anchor = day or self.today()
        self._seq = 0
        self._last_dir = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        # Outlets: the central store (None: no selector), the outlet picked (None: this
        # till's own report, "all", or an outlet id), and the central reads' own thread.
        self.central: outlets.CentralSource | None = None
        if settings is not None and outlets.central_configured(settings):
            self.central = outlets.CentralSource.from_settings(settings)
        self.outlet: str | None = None
        self.outlet_box: QComboBox | None = None
        self.outlets_state = ""  # "loading", "ready" or "failed" (with a selector)
        self.outlets_page: QWidget | None = None
        self._central_tasks: TaskManager | None = None
        self.finished.connect(lambda _result: self._close_central())

        root = QVBoxLayout(self)
        root.setContentsMargins(14, 10, 14, 10)
        root.setSpacing(8)
        root.addLayout(self._top_bar())
        period_row = QHBoxLayout()
        self.period = QLabel(objectName="reportPeriod")
        self.status = QLabel(objectName="reportStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        period_row.addWidget(self.period, 1)
        period_row.addWidget(self.status)
        root.addLayout(period_row)

        self.tile_row = _TileRow()
        self.tiles = self.tile_row.tiles
        root.addWidget(self.tile_row)

        self.tabs = QTabWidget(objectName="reportTabs")
        self.tables: dict[str, ReportTable] = {}
        self.section_labels: dict[str, tuple[QLabel, str]] = {}  # key: (label, its title)
        self._build_tabs()
        root.addWidget(self.tabs, 1)

        QShortcut(QKeySequence("Alt+Left"), self, lambda: self.step(-1))
        QShortcut(QKeySequence("Alt+Right"), self, lambda: self.step(1))
        QShortcut(QKeySequence("F5"), self, self.refresh)
        self.resize(1366, 768)
        self._load()
        if self.central is not None:
            self._load_outlets()

    # ------------------------------------------------------------------ building

    def _button(self, text: str, slot: Callable[[], None], name: str = "") -> QPushButton:
        button = QPushButton(text)
        if name:
            button.setObjectName(name)
        button.setAutoDefault(False)  # Enter belongs to the tables (open the order)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _top_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel(tr("Laporan"), objectName="reportTitle"))
        bar.addSpacing(10)
        if self.central is not None:
            box = _OutletBox()
            box.setObjectName("reportOutlet")
            # As wide as "Pusat tidak terjangkau", whatever the outlets are called: a long
            # name must not push the export buttons off a 1366 px screen (the list itself
            # is as wide as its longest name).
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(13)
            box.view().setTextElideMode(Qt.TextElideMode.ElideNone)
            box.setToolTip(tr("Laporan dari: toko ini (kasir ini), semua outlet, atau satu "
                              "outlet (server pusat)"))
            box.currentIndexChanged.connect(self._outlet_picked)
            self.outlet_box = box
            bar.addWidget(box)
            bar.addSpacing(6)
        self.date_edit = QDateEdit(objectName="reportDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setMinimumWidth(150)
        self.date_edit.dateChanged.connect(self._date_picked)
        self.prev_button = self._button("‹", lambda: self.step(-1), "stepButton")
        self.prev_button.setToolTip(tr("Sebelumnya (Alt+←)"))
        self.next_button = self._button("›", lambda: self.step(1), "stepButton")
        self.next_button.setToolTip(tr("Berikutnya (Alt+→)"))
        for b in (self.prev_button, self.next_button):
            b.setFixedWidth(48)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.date_edit)
        bar.addWidget(self.next_button)
        bar.addSpacing(6)
        self.today_button = self._button(tr("Hari ini"), lambda: self.show_day(self.today()),
                                         "rangeButton")
        self.yesterday_button = self._button(
            tr("Kemarin"), lambda: self.show_day(self.today() - timedelta(days=1)),
            "rangeButton")
        self.week_button = self._button(tr("7 hari"), lambda: self.show_week(self.today()),
                                        "rangeButton")
        self.month_button = self._button(tr("Bulan ini"), lambda: self.show_month(self.today()),
                                         "rangeButton")
        for b in (self.today_button, self.yesterday_button, self.week_button,
                  self.month_button):
            b.setCheckable(True)
            bar.addWidget(b)
        bar.addStretch(1)
        self.pdf_button = self._button(tr("PDF…"), lambda: self.export("pdf"), "exportPdf")
        self.xlsx_button = self._button(tr("Excel…"), lambda: self.export("xlsx"), "exportXlsx")
        self.csv_button = self._button(tr("CSV…"), lambda: self.export("csv"), "exportCsv")
        for b in (self.pdf_button, self.xlsx_button, self.csv_button):
            b.setToolTip(tr("Simpan laporan sebagai PDF, Excel atau CSV"))
            b.setEnabled(False)  # until a report is shown
            bar.addWidget(b)
        return bar

    def _table(self, key: str, sortable: bool = True, pinned: bool = False) -> ReportTable:
        table = ReportTable(f"report_{key}", sortable, pinned=pinned)
        table.orderActivated.connect(self._order_activated)
        self.tables[key] = table
        return table

    def _order_activated(self, order_id: str) -> None:
        """Open it in Riwayat -- when it is this till's: a central report's orders are other
        tills' (and two outlets' K1 tills make the same order numbers)."""
        if self.current_report is None or not self._is_central(self.current_report):
            self.orderRequested.emit(order_id)

    @staticmethod
    def _is_central(report: Mapping[str, Any]) -> bool:
        return bool(report.get("outlet"))

    def _section(self, text: str) -> QLabel:
        return QLabel(text, objectName="reportSection")

    def _chart_view(self, name: str) -> QChartView:
        view = QChartView(objectName=name)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(200)
        return view

    def _build_tabs(self) -> None:
        # Ringkasan: methods and the donut, then the hourly chart (and the trend, for a range)
        summary = QWidget()
        grid = QGridLayout(summary)
        grid.setContentsMargins(6, 8, 6, 6)
        methods = self._table("methods", sortable=False)
        methods.verticalHeader().setDefaultSectionSize(28)
        methods.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.payment_view = self._chart_view("paymentChart")
        self.hourly_view = self._chart_view("hourlyChart")
        self.trend_view = self._chart_view("trendChart")
        grid.addWidget(methods, 0, 0)
        grid.addWidget(self.payment_view, 0, 1)
        grid.addWidget(self.hourly_view, 1, 0)
        grid.addWidget(self.trend_view, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(1, 3)
        self._summary_grid = grid
        self.summary_page = summary
        self.tabs.addTab(summary, tr("Ringkasan"))

        products = QWidget()
        row = QHBoxLayout(products)
        for key, title in (("top_quantity", "Produk terlaris (jumlah)"),
                           ("top_revenue", "Produk terlaris (pendapatan)")):
            column = QVBoxLayout()
            column.addWidget(self._section(tr(title)))
            column.addWidget(self._table(key))
            row.addLayout(column)
        self.tabs.addTab(products, tr("Produk terlaris"))

        self.tabs.addTab(self._stacked([("cashiers", "Per kasir", 2),
                                        ("shifts", "Shift & kas", 3)]),
                         _tab_text(tr("Kasir & shift")))
        self.refunds_page = self._stacked([("refunds", "Pengembalian", 1),
                                           ("voids", "Void", 1)])
        self.tabs.addTab(self.refunds_page, _tab_text(tr("Pengembalian & void")))
        self.reconciliation_page = self._reconciliation()
        self.tabs.addTab(self.reconciliation_page, tr("Rekonsiliasi QRIS"))

        orders = QWidget()
        column = QVBoxLayout(orders)
        self.orders_hint = QLabel(tr("Klik dua kali (atau Enter) pada transaksi untuk "
                                     "membukanya di Riwayat."), objectName="reportHint")
        self.orders_hint.setWordWrap(True)
        column.addWidget(self.orders_hint)
        column.addWidget(self._table("orders"), 1)
        self.orders_page = orders
        self.tabs.addTab(orders, tr("Daftar transaksi"))

        if self.central is not None:
            # "Semua outlet": the outlets side by side, first; hidden for any other report.
            page = QWidget()
            column = QVBoxLayout(page)
            self.outlets_label = self._section(tr("Per outlet"))
            column.addWidget(self.outlets_label)
            column.addWidget(self._table("outlets", pinned=True), 1)
            self.outlets_page = page
            self.tabs.insertTab(0, page, tr("Per outlet"))
            self.tabs.setTabVisible(0, False)
            self.tabs.setCurrentWidget(summary)

    def _reconciliation(self) -> QWidget:
        """The four groups as tabs of their own (each needs the height: a day can have
        hundreds of matched payments), what needs a look first; a line above sums them up."""
        page = QWidget()
        column = QVBoxLayout(page)
        self.reconciliation_summary = QLabel(objectName="reportHint")
        self.reconciliation_summary.setWordWrap(True)
        column.addWidget(self.reconciliation_summary)
        self.reconciliation_tabs = QTabWidget(objectName="reconciliationTabs")
        self.reconciliation_tabs.setDocumentMode(True)
        for key, _title in RECONCILIATION:
            self.reconciliation_tabs.addTab(self._table(key), "")
        column.addWidget(self.reconciliation_tabs, 1)
        return page

    def _stacked(self, parts: list[tuple[str, str, int]]) -> QWidget:
        """Tables under their headings, one above the other (stretch: their share)."""
        page = QWidget()
        column = QVBoxLayout(page)
        for key, title, stretch in parts:
            label = self._section(tr(title))
            self.section_labels[key] = (label, title)
            column.addWidget(label)
            column.addWidget(self._table(key), stretch)
        return page

    # ------------------------------------------------------------------ which days

    def today(self) -> date:
        return local_date(self.clock(), self.tz)

    def span_dates(self) -> tuple[date, date]:
        """The first and last day the screen is (or will be) showing."""
        if self.span is Span.WEEK:
            return self.anchor - timedelta(days=6), self.anchor
        if self.span is Span.MONTH:
            return month_span(self.anchor, self.today())
        return self.anchor, self.anchor

    def show_day(self, day: date) -> None:
        self._go(Span.DAY, day)

    def show_week(self, last: date) -> None:
        """The seven days ending on ``last``."""
        self._go(Span.WEEK, last)

    def show_month(self, day: date) -> None:
        self._go(Span.MONTH, day)

    def step(self, direction: int) -> None:
        """The previous (-1) or next (+1) day, seven days or month."""
        if direction > 0 and not self.next_button.isEnabled():
            return
        if self.span is Span.MONTH:
            first = self.anchor.replace(day=1)
            target = (first - timedelta(days=1)).replace(day=1) if direction < 0 \
                else (first + timedelta(days=32)).replace(day=1)
        else:
            target = self.anchor + timedelta(days=7 if self.span is Span.WEEK else 1) * direction
        self._go(self.span, target)

    def refresh(self) -> None:
        """Build the shown days' report again (F5); a list of outlets that could not be
        loaded is tried again too."""
        self._load()
        if self.central is not None and self.outlets_state == "failed":
            self._load_outlets()

    def _go(self, span: Span, anchor: date) -> None:
        self.span = span
        self.anchor = min(anchor, self.today())
        self._load()

    def _date_picked(self, picked: QDate) -> None:
        day = date(picked.year(), picked.month(), picked.day())
        if day != self.anchor:
            self._go(self.span, day)

    def _sync_controls(self) -> None:
        today = self.today()
        first, last = self.span_dates()
        self.date_edit.blockSignals(True)
        self.date_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.date_edit.setDate(QDate(self.anchor.year, self.anchor.month, self.anchor.day))
        self.date_edit.blockSignals(False)
        self.next_button.setEnabled(last < today)
        checks = {
            self.today_button: self.span is Span.DAY and self.anchor == today,
            self.yesterday_button: (self.span is Span.DAY
                                    and self.anchor == today - timedelta(days=1)),
            self.week_button: self.span is Span.WEEK and self.anchor == today,
            self.month_button: (self.span is Span.MONTH
                                and (first.year, first.month) == (today.year, today.month)),
        }
        for button, on in checks.items():
            button.setChecked(on)

    # ------------------------------------------------------------------ loading

    def _load(self) -> None:
        first, last = self.span_dates()
        self._sync_controls()
        self._seq += 1
        seq = self._seq
        self.loading = True
        self._set_status(tr("Memuat…"))
        self.setCursor(Qt.CursorShape.BusyCursor)
        db, tz = self.db, self.tz
        source, outlet = self.central, self.outlet
        if source is not None and outlet is not None:
            def build_central() -> dict[str, Any] | None:
                if seq != self._seq:  # superseded while it waited for the central thread
                    return None
                return source.load(first, last, tz, outlet)

            self._central_lane().read(build_central, lambda report: self._loaded(seq, report),
                                      lambda exc: self._failed(seq, exc, central=True))
            return

        def build() -> dict[str, Any] | None:
            if seq != self._seq:  # superseded while it waited for the reader thread
                return None
            return reports.build_report(db, first, last, tz)

        self.tasks.read(build, lambda report: self._loaded(seq, report),
                        lambda exc: self._failed(seq, exc))

    def _loaded(self, seq: int, report: dict[str, Any] | None) -> None:
        if not shiboken6.isValid(self):
            return
        if seq != self._seq or report is None:
            log.debug("report screen: dropped the answer to request %d (now %d)", seq,
                      self._seq)
            return
        self.loading = False
        self.unsetCursor()
        self._set_status("")
        self._show(report)
        self.loaded.emit()

    def _failed(self, seq: int, exc: BaseException, central: bool = False) -> None:
        """The report could not be built: say why; the last report stays on screen."""
        if not shiboken6.isValid(self) or seq != self._seq:
            return
        self.loading = False
        self.unsetCursor()
        if central and self.central is not None:
            detail = self.central.detail(exc)
            log.warning("report screen: the central report failed: %s", detail)
            self._set_status(tr("Laporan pusat tidak bisa dimuat: {reason}",
                                reason=outlets.error_text(exc, detail)), error=True,
                             detail=detail)
            return
        log.error("report screen: the report could not be built", exc_info=exc)
        self._set_status(tr("Laporan tidak bisa dimuat: {error}", error=str(exc)), error=True)

    def _set_status(self, text: str, error: bool = False, detail: str = "") -> None:
        self.status.setText(text)
        self.status.setToolTip(detail)
        set_state(self.status, state="error" if error else "")

    # ------------------------------------------------------------------ outlets

    def _central_lane(self) -> TaskManager:
        """The central store's own thread: a server that takes seconds to answer (or ten to
        give up) holds up neither the GUI nor the till's reader (catalogue searches)."""
        if self._central_tasks is None:
            self._central_tasks = TaskManager(self)
        return self._central_tasks

    def _close_central(self) -> None:
        """The screen is closed: drop queued central reads, close the connection (one in
        use is closed when its report is done)."""
        if self._central_tasks is not None:
            self._central_tasks.shutdown()
        if self.central is not None:
            self.central.close()

    def _load_outlets(self) -> None:
        """Fill the selector from the server, on the central thread."""
        source = self.central
        if source is None:
            return
        self.outlets_state = "loading"
        self._fill_outlet_box([], tr("Memuat daftar outlet…"))
        try:
            self._central_lane().read(source.outlets, self._outlets_loaded,
                                      self._outlets_failed)
        except RuntimeError as exc:  # shut down: the screen was closed
            log.debug("report screen: outlets not loaded (%s)", exc)

    def _outlets_loaded(self, names: Mapping[str, str]) -> None:
        if not shiboken6.isValid(self):
            return
        self.outlets_state = "ready"
        self._fill_outlet_box(list(names.items()))
        self.outletsLoaded.emit()

    def _outlets_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self) or self.central is None:
            return
        detail = self.central.detail(exc)
        log.warning("report screen: the central server's outlets could not be loaded: %s",
                    detail)
        self.outlets_state = "failed"
        reason = tr("Daftar outlet tidak bisa dimuat: {reason}\n{detail}\nTekan F5 untuk "
                    "mencoba lagi.", reason=outlets.error_text(exc, detail), detail=detail)
        self._fill_outlet_box([], tr("Pusat tidak terjangkau"), reason)
        if self.outlet is not None:  # a central report was asked for meanwhile
            self.outlet = None
            self._load()
        self.outletsLoaded.emit()

    def _fill_outlet_box(self, names: list[tuple[str, str]], note: str = "",
                         reason: str = "") -> None:
        """"Toko ini", then "Semua outlet" and the outlets -- or ``note``, disabled (its
        tooltip ``reason``). The outlet picked stays picked while it is in the list."""
        box = self.outlet_box
        if box is None:
            return
        box.blockSignals(True)
        box.clear()
        box.addItem(tr("Toko ini"), LOCAL)
        if names:
            box.addItem(tr("Semua outlet"), "all")
            for oid, name in names:
                box.addItem(name, oid)
        if note:
            box.addItem(note, None)
            item = box.model().item(box.count() - 1)  # type: ignore[attr-defined]
            item.setEnabled(False)
            if reason:
                item.setToolTip(reason)
        view = box.view()
        view.setMinimumWidth(max(box.width(), view.sizeHintForColumn(0) + 24))
        index = box.findData(self.outlet if self.outlet is not None else LOCAL)
        box.setCurrentIndex(max(index, 0))
        box.setToolTip(reason or tr("Laporan dari: toko ini (kasir ini), semua outlet, atau "
                                    "satu outlet (server pusat)"))
        box.blockSignals(False)

    def _outlet_picked(self, index: int) -> None:
        box = self.outlet_box
        if box is None or index < 0:
            return
        data = box.itemData(index)
        if data is None:  # the disabled note
            return
        outlet = None if data == LOCAL else str(data)
        if outlet != self.outlet:
            self.outlet = outlet
            self._load()

    def select_outlet(self, outlet: str | None) -> None:
        """Pick ``outlet`` (an id, "all", or None for this till's own report) in the
        selector, as the owner would."""
        if self.outlet_box is None:
            raise ValueError("this report screen has no outlet selector")
        index = self.outlet_box.findData(LOCAL if outlet is None else outlet)
        if index < 0:
            raise ValueError(f"no outlet {outlet!r} in the selector")
        self.outlet_box.setCurrentIndex(index)

    # ------------------------------------------------------------------ showing

    def _show(self, report: dict[str, Any]) -> None:
        self.current_report = report
        central = self._is_central(report)
        period = period_text(report)
        if self.central is not None:  # which outlet(s) the figures are of
            scope = (tr("Semua outlet") if report.get("outlet") == "all"
                     else str(report.get("outlet") or tr("Toko ini")))
            period = f"{period} · {scope}"
        self.period.setText(period)
        self._fill_tiles(report)
        all_tables = tables(report)
        if central:
            for key in outlets.OUTLET_TABLES:
                all_tables[key] = outlets.with_outlet_column(all_tables[key])
            if report.get("outlets") is not None:
                all_tables["outlets"] = outlets.outlets_table(report)
        self._fill_outlets(report, all_tables.get("outlets"))
        for key, view in self.tables.items():
            if key in all_tables:
                view.set_table(all_tables[key])
        # The methods table shows all its rows (a handful), with no scroll bar.
        methods = self.tables["methods"]
        methods.setMinimumHeight(methods.horizontalHeader().sizeHint().height() + 2
                                 + 2 * methods.frameWidth() + methods.verticalHeader()
                                 .defaultSectionSize() * len(all_tables["methods"].rows))
        for key, (label, title) in self.section_labels.items():
            rows = all_tables[key].rows
            note = all_tables[key].note
            text = tr("{title} ({n})", title=tr(title), n=number_text(len(rows)))
            label.setText(f"{text} · {note}" if note else text)
        self._fill_charts(report)
        self._fill_tab_titles(all_tables)
        self._fill_reconciliation(report, all_tables)
        self._fill_orders_hint(report)
        self._sync_export_buttons()

    def _fill_outlets(self, report: Mapping[str, Any], table: Table | None) -> None:
        """The "Per outlet" tab: shown (and opened, when it was not) for "Semua outlet"."""
        page = self.outlets_page
        if page is None:
            return
        index = self.tabs.indexOf(page)
        shown = self.tabs.isTabVisible(index)
        if table is None:
            if self.tabs.currentWidget() is page:
                self.tabs.setCurrentWidget(self.summary_page)
            self.tabs.setTabVisible(index, False)
            return
        n = number_text(len(report.get("outlets") or []))
        self.tabs.setTabText(index, tr("Per outlet ({n})", n=n))
        self.outlets_label.setText(tr("Per outlet ({n})", n=n))
        self.tabs.setTabVisible(index, True)
        if not shown:
            self.tabs.setCurrentWidget(page)

    def _fill_orders_hint(self, report: Mapping[str, Any]) -> None:
        if not self._is_central(report):
            text = tr("Klik dua kali (atau Enter) pada transaksi untuk membukanya di Riwayat.")
        elif report.get("detail") is False:
            text = tr("Laporan pusat beberapa hari tidak mendaftar transaksi satu per satu "
                      "(terlalu banyak): pilih satu hari (mis. Hari ini) untuk melihat "
                      "daftarnya.")
        else:
            text = tr("Transaksi outlet dari server pusat tidak dibuka di Riwayat.")
        self.orders_hint.setText(text)

    def _fill_tiles(self, report: Mapping[str, Any]) -> None:
        refunds: Mapping[str, Any] = report.get("refunds") or {}
        values = {key: format_rupiah(int(report.get(key) or 0)) for key, _title in SUMMARY_TILES
                  if key not in ("refunds", "order_count")}
        values["refunds"] = format_rupiah(int(refunds.get("amount") or 0))
        values["order_count"] = number_text(int(report.get("order_count") or 0))
        subs = {
            "collected": tr("setelah pengembalian:\n{amount}",
                            amount=format_rupiah(int(report["net_after_refunds"])))
            if "net_after_refunds" in report else "",
            "net_sales": tr("tanpa PPN"),
            "refunds": tr("{n} transaksi\nbelum dibayar {amount}",
                          n=number_text(int(refunds.get("count") or 0)),
                          amount=format_rupiah(int(refunds.get("owed") or 0)))
            if refunds.get("owed") else tr("{n} transaksi",
                                           n=number_text(int(refunds.get("count") or 0))),
            "order_count": tr("lunas"),
        }
        self.tile_row.set_texts(values, subs)

    def _fill_charts(self, report: Mapping[str, Any]) -> None:
        many_days = is_range(report)
        self._set_chart(self.payment_view, charts.payment_chart(report))
        self._set_chart(self.hourly_view, charts.hourly_chart(report))
        trend = charts.trend_chart(report) if many_days else None
        self.trend_view.setVisible(trend is not None)
        if trend is not None:
            self._set_chart(self.trend_view, trend)
        # One day: the hourly chart takes the whole second row.
        grid = self._summary_grid
        grid.removeWidget(self.hourly_view)
        grid.addWidget(self.hourly_view, 1, 0, 1, 1 if many_days else 2)

    @staticmethod
    def _set_chart(view: QChartView, chart: Any) -> None:
        old = view.chart()
        view.setChart(chart)
        if old is not None and shiboken6.isValid(old):
            old.deleteLater()  # the view gives up ownership of the chart it showed before

    def _fill_reconciliation(self, report: Mapping[str, Any],
                             all_tables: Mapping[str, Table]) -> None:
        counts = {key: len(all_tables[key].rows) for key, _title in RECONCILIATION}
        listed = report.get("detail") is not False
        if not listed:  # a central range: the matched payments are counted, not listed
            counts["matched"] = int(((report.get("reconciliation") or {}).get("matched")
                                     or {}).get("count") or 0)
        for n, (key, title) in enumerate(RECONCILIATION):
            self.reconciliation_tabs.setTabText(
                n, tr("{title} ({n})", title=tr(title), n=number_text(counts[key])))
        matched = (report.get("reconciliation") or {}).get("matched") or {}
        self.reconciliation_summary.setText(tr(
            "Cocok: {matched} × {amount}. Perlu dicek: {credits} kredit tanpa penjualan, "
            "{unconfirmed} belum terkonfirmasi, {late} bayar terlambat.",
            matched=number_text(int(matched.get("count") or 0)),
            amount=format_rupiah(int(matched.get("amount") or 0)),
            credits=counts["unmatched_credits"], unconfirmed=counts["unconfirmed"],
            late=counts["late"]))
        if not listed:
            self.reconciliation_summary.setText(
                f"{self.reconciliation_summary.text()} "
                f"{tr('Daftar pembayaran yang cocok hanya ada di laporan satu hari.')}")
        # Open on the first group that needs a look (the matched ones when none does).
        first = next((n for n, (key, _t) in enumerate(RECONCILIATION) if counts[key]), 3)
        self.reconciliation_tabs.setCurrentIndex(first)

    def _fill_tab_titles(self, all_tables: Mapping[str, Table]) -> None:
        def titled(index: int, title: str, n: int) -> None:
            text = tr("{title} ({n})", title=tr(title), n=number_text(n)) if n else tr(title)
            self.tabs.setTabText(index, _tab_text(text))

        titled(self.tabs.indexOf(self.refunds_page), "Pengembalian & void",
               len(all_tables["refunds"].rows) + len(all_tables["voids"].rows))
        # The reconciliation's count is what needs a look, not the matched ones.
        titled(self.tabs.indexOf(self.reconciliation_page), "Rekonsiliasi QRIS",
               sum(len(all_tables[k].rows) for k in ("unmatched_credits", "unconfirmed",
                                                     "late")))
        titled(self.tabs.indexOf(self.orders_page), "Daftar transaksi",
               len(all_tables["orders"].rows))

    # ------------------------------------------------------------------ files

    def file_name(self, kind: str) -> str:
        first, last = report_span(self.current_report) if self.current_report \
            else self.span_dates()
        days = first.isoformat() if first == last else f"{first.isoformat()}_{last.isoformat()}"
        if self.current_report and self._is_central(self.current_report):
            days = f"{outlets.outlet_slug(self.current_report)}-{days}"
        return f"laporan-{days}{EXPORTS[kind][2]}"

    def export(self, kind: str) -> None:
        """Ask where, then write the shown report as ``kind`` (pdf, xlsx, csv) off the GUI
        thread."""
        report = self.current_report
        if report is None or self.exporting:
            return
        if kind != "csv" and self._is_central(report):
            return  # PDF and Excel are this till's report only (the buttons say so)
        title, pattern, suffix = EXPORTS[kind]
        chosen, _filter = QFileDialog.getSaveFileName(
            self, tr(title), str(Path(self._last_dir) / self.file_name(kind)), tr(pattern))
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        self._last_dir = str(path.parent)
        job = self._export_job(kind, report, path)
        self._exporting(True)
        self._set_status(tr("Menyimpan {file}…", file=path.name))

        def done(_result: object) -> None:
            if shiboken6.isValid(self):
                self._exporting(False)
                self._set_status(tr("Disimpan: {file}", file=str(path)))
                log.info("report saved as %s", kind)

        def failed(exc: BaseException) -> None:
            log.error("report export (%s) failed", kind, exc_info=exc)
            if shiboken6.isValid(self):
                self._exporting(False)
                self._tell_failure(save_error_text(exc, path))

        self._file_tasks().read(job, done, failed)

    def _file_tasks(self) -> TaskManager:
        """A thread for writing files, apart from the till's reader: a month's PDF takes
        seconds, and a catalogue search at the till must not wait behind it. (The report
        dict is in memory by then: writing it touches no database.)"""
        if self._files is None or self._files.closed:
            self._files = TaskManager(self)
        return self._files

    def _close_files(self) -> None:
        """The screen is closed: drop queued exports (one being written finishes)."""
        if self._files is not None:
            self._files.shutdown()

    def _export_job(self, kind: str, report: dict[str, Any], path: Path) -> Callable[[], None]:
        if kind == "pdf":
            from pos_app.ui.report.pdf import write_pdf

            # Charts are widgets: rendered here, on the GUI thread; the pages on the reader.
            images = charts.chart_images(report)
            printed_at = self.clock()
            store = self.store_name
            return lambda: write_pdf(report, path, store, printed_at=printed_at, charts=images)
        if kind == "xlsx":
            def xlsx() -> None:
                from pos_app.report_xlsx import write_xlsx

                write_xlsx(report, path)
            return xlsx

        central = self._is_central(report)

        def csv() -> None:
            from pos_app.paths import write_atomically

            if central:
                from pos_app.central.reports import central_report_csv

                text = central_report_csv(report)
            else:
                text = reports.report_csv(report)
            write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8",
                                                              newline=""))
        return csv

    def _exporting(self, busy: bool) -> None:
        self.exporting = busy
        self._sync_export_buttons()

    def _sync_export_buttons(self) -> None:
        """Enabled with a report on screen and no file being written; PDF and Excel not for
        a central report (their tooltip says why)."""
        report = self.current_report
        central = report is not None and self._is_central(report)
        for b in (self.pdf_button, self.xlsx_button, self.csv_button):
            only_local = central and b is not self.csv_button
            b.setEnabled(report is not None and not self.exporting and not only_local)
            b.setToolTip(tr("PDF dan Excel hanya untuk laporan toko ini. Laporan pusat "
                            "disimpan sebagai CSV.") if only_local
                         else tr("Simpan laporan sebagai PDF, Excel atau CSV"))

    def _tell_failure(self, text: str) -> None:
        self._set_status(text, error=True)
        box = QMessageBox(QMessageBox.Icon.Warning, tr("Laporan tidak bisa disimpan"), text,
                          parent=self)
        box.setObjectName("reportSaveError")
        box.open()  # not exec(): the event loop (and the till's sync) carries on
        self.message_box = box
