"""The owner's products screen ("Produk"): the catalogue as a list, and everything done to it.

* **The list** is a ``QTableView`` over :class:`~.model.ProductTableModel` (a header click
  sorts by that column; until then the catalogue's order: by name, best match first while
  searching). Search as you type (name, barcode, SKU), a category filter and "Tampilkan yang
  diarsipkan" each start one read of ``catalog.list_items`` on the reader thread; an answer to
  an older question is dropped when a newer one is on its way.
* **Changes** -- add / edit (:mod:`.editor`), archive / restore, categories
  (:mod:`.categories`), import (:mod:`.import_preview`) -- are written on the writer thread,
  then the list is read again and :attr:`ProductsDialog.catalogChanged` tells the till, whose
  grid, tabs and search refresh from it.
* **Files** are read and written off the GUI thread too: ``plan_import`` (which reads the file
  and the catalogue, and writes nothing) on the reader thread while the screen says "Membaca
  file…", ``apply_import`` on the writer, ``export_items`` on the reader (it only reads the
  database; the file it writes is the owner's). :mod:`pos_app.product_io` itself is imported
  on those threads when the first file is read, so opening the screen doesn't load the
  spreadsheet reader.
* **Demo products** (the demo catalogue of a fresh install): when the shop adds its first own
  product, or picks its first file to import, while demo items are still there, it is asked
  "Hapus produk demo?". Ya drops them (``drop_demo_items``: sold ones are archived, the others
  deleted; for an import, ``apply_import`` does it in the import's transaction, and the preview
  already leaves them out); Tidak (or Esc) adopts them (``adopt_demo_items``: they become the
  shop's own). Either way no demo item is left, so the question comes once.
* **Head office's price list** (several outlets, issue 14): while the till is enrolled in an
  outlet whose price list central manages (``sync.central.catalog_is_central``, read on the
  reader thread with every list), the screen is read-only: a banner says so, add, archive,
  categories and import are disabled, Enter and a double-click open the product to *look at*
  (:class:`~.editor.ProductEditor` read-only), and export still works. Every write is checked
  again on the writer thread, in its own transaction (``refuse_local_edit``), so a pull that
  arrives while the screen is open can't be raced by a click.
* **Keys**: the search box has the focus; Up/Down move in the list from there, Enter edits the
  selected product, Ins or Ctrl+N adds one, Del archives (or restores) it, Ctrl+F goes back to
  the search box, Esc clears the search and, when it is empty, closes the screen.

Questions are non-blocking message boxes with "Ya" / "Tidak" (:mod:`.questions`); the one on
screen is :attr:`ProductsDialog.question`, so a test (or a kiosk without a window manager) can
answer it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pos_app.central.catalog import managed_outlet, refuse_local_edit
from pos_app.clock import local_date, utcnow
from pos_app.products import CatalogItem
from pos_app.settings import Settings
from pos_app.storage import catalog
from pos_app.storage.database import Database
from pos_app.ui.i18n import language, register, tr
from pos_app.ui.products.categories import CategoriesDialog
from pos_app.ui.products.editor import ProductEditor
from pos_app.ui.products.import_preview import ImportPreviewDialog
from pos_app.ui.products.model import Column, ProductTableModel, is_low
from pos_app.ui.products.questions import ask
from pos_app.ui.props import set_state
from pos_app.ui.tasks import TaskManager

if TYPE_CHECKING:
    from pos_app.product_io import ImportPlan, ImportResult

log = logging.getLogger(__name__)

register({
    # Not "Produk": the cart's column header registers that word as "Item".
    "Daftar produk": "Products",
    "Cari nama, barcode atau SKU (Ctrl+F)": "Search name, barcode or SKU (Ctrl+F)",
    "Semua kategori": "All categories",
    "Tampilkan yang diarsipkan": "Show archived",
    "Tambah (Ins)": "Add (Ins)", "Ubah (Enter)": "Edit (Enter)",
    "Arsipkan (Del)": "Archive (Del)", "Pulihkan (Del)": "Restore (Del)",
    "Kategori…": "Categories…", "Impor…": "Import…", "Ekspor…": "Export…",
    "Tutup (Esc)": "Close (Esc)",
    "Memuat…": "Loading…", "{n} produk": "{n} products",
    "{n} produk cocok dengan \"{query}\"": "{n} products match \"{query}\"",
    "Tidak ada produk yang cocok": "No matching products",
    "Belum ada produk — Tambah (Ins) atau Impor…": "No products yet — Add (Ins) or Import…",
    "{n} stok menipis": "{n} low on stock",
    "Gagal memuat produk: {error}": "Could not load the products: {error}",
    "Ada {n} produk demo (contoh) di katalog. Saat Anda menambah atau mengimpor produk "
    "sendiri, Anda akan ditanya apakah produk demo dihapus.":
        "There are {n} demo (sample) products in the catalogue. When you add or import your "
        "own products, you will be asked whether to remove them.",
    "{name} disimpan": "{name} saved",
    "Arsipkan {name}?": "Archive {name}?",
    "Produk ini tidak dijual lagi di kasir, tetapi tetap ada di pesanan lama. "
    "Bisa dipulihkan kapan saja (centang \"Tampilkan yang diarsipkan\").":
        "The product is no longer sold at the till, but stays in old orders. "
        "It can be restored at any time (tick \"Show archived\").",
    "{name} diarsipkan": "{name} archived", "{name} dipulihkan": "{name} restored",
    "Gagal: {error}": "Failed: {error}",
    "Pilih produk dulu": "Select a product first",
    "Impor daftar produk": "Import a product list",
    "Daftar produk (*.csv *.xlsx)": "Product lists (*.csv *.xlsx)",
    "Ekspor daftar produk": "Export the product list",
    "Excel (*.xlsx)": "Excel (*.xlsx)", "CSV (*.csv)": "CSV (*.csv)",
    "Membaca file…": "Reading the file…",
    "File tidak bisa diimpor: {error}": "The file can't be imported: {error}",
    "Impor selesai: {added} ditambah, {changed} diubah":
        "Import done: {added} added, {changed} changed",
    "Mengekspor…": "Exporting…",
    "{n} produk diekspor ke {file}": "{n} products exported to {file}",
    "Ekspor gagal: {error}": "Export failed: {error}",
    "Hapus produk demo?": "Remove the demo products?",
    "Toko Anda sekarang punya produk sendiri. Masih ada {n} produk demo (contoh).\n\n"
    "Ya: hapus produk demo (yang pernah terjual hanya diarsipkan).\n"
    "Tidak: simpan sebagai produk toko Anda.":
        "Your shop now has its own products. There are still {n} demo (sample) products.\n\n"
        "Yes: remove the demo products (sold ones are only archived).\n"
        "No: keep them as your shop's own products.",
    "{n} produk demo dihapus": "{n} demo products removed",
    "Anda akan mengimpor produk toko sendiri. Masih ada {n} produk demo (contoh).\n\n"
    "Ya: hapus produk demo saat impor disimpan (yang pernah terjual hanya diarsipkan).\n"
    "Tidak: simpan sebagai produk toko Anda.":
        "You are importing your shop's own products. There are still {n} demo (sample) "
        "products.\n\nYes: remove the demo products when the import is saved (sold ones are "
        "only archived).\nNo: keep them as your shop's own products.",
    "Produk demo disimpan sebagai produk toko": "The demo products are kept as the shop's own",
    "Daftar harga diatur kantor pusat (outlet {outlet}). Ubah harga dan produk di kantor pusat; "
    "perubahan sampai ke kasir ini otomatis.":
        "The price list is managed by head office (outlet {outlet}). Change prices and products "
        "at head office; changes reach this till automatically.",
    "Daftar harga diatur kantor pusat (outlet {outlet}): ubah di kantor pusat.":
        "The price list is managed by head office (outlet {outlet}): change it there.",
    "Lihat (Enter)": "View (Enter)",
    "Belum ada produk dari kantor pusat": "No products from head office yet",
})

#: the banner of a till whose price list head office manages (a blue notice, not a warning)
CENTRAL_BANNER_STYLE = ("background: #e8f1fb; color: #1d4f91; border: 1px solid #a9c7ec;"
                        " border-radius: 8px; padding: 8px 12px; font-size: 15px;"
                        " font-weight: bold;")


def central_banner_text(outlet_id: str) -> str:
    """The sentence the products screen and the first-run guide show on a till whose price
    list head office manages."""
    return tr("Daftar harga diatur kantor pusat (outlet {outlet}). Ubah harga dan produk di "
              "kantor pusat; perubahan sampai ke kasir ini otomatis.", outlet=outlet_id)


def guarded(db: Database, change: Callable[[Database], Any]) -> Any:
    """``change(db)`` on the writer thread, refused (``ManagedCentrally``) while head office
    manages the price list; the check is in the write's own transaction."""
    with db.transaction():
        refuse_local_edit(db)
        return change(db)

EXPORT_NAME = "produk-{date}.xlsx"
NAME_MIN_WIDTH = 260
_MOVES = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -10,
          Qt.Key.Key_PageDown: 10}
SEARCH_DELAY_MS = 120
"""Keystrokes closer together than this start one read, not one each."""


@dataclass(frozen=True)
class Snapshot:
    """One read of the catalogue for the screen."""

    items: list[CatalogItem]
    categories: list[str]
    demo_count: int
    central_outlet: str | None = None  # head office manages the price list (this outlet's)


class _Table(QTableView):
    """The list: the name column takes the width the others leave, but never less than
    :data:`NAME_MIN_WIDTH` (a narrow window scrolls sideways instead of cutting names to "…")."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_name_column()

    def fit_name_column(self) -> None:
        others = sum(self.columnWidth(c) for c in Column if c != Column.NAME)
        self.setColumnWidth(Column.NAME, max(NAME_MIN_WIDTH, self.viewport().width() - others))


class ProductsDialog(QDialog):
    """The products screen. ``demo`` (the till runs in demo mode) is kept for the owner-PIN
    check to come; the demo question depends on the catalogue alone (``catalog.demo_count``),
    because a shop may leave demo mode with the demo products still there."""

    catalogChanged = Signal()
    """After every committed change: save, archive, restore, categories, import, demo."""

    def __init__(self, db: Database, tasks: TaskManager, settings: Settings, *,
                 demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productsDialog")
        self.setWindowTitle(tr("Daftar produk"))
        self.db = db
        self.tasks = tasks
        self.settings = settings
        self.demo = demo
        self.categories: list[str] = []
        self.demo_count = 0
        self.loading = False
        self.file_busy = False
        self.central_outlet: str | None = None  # as of the last read of the list
        self._load_seq = 0
        self._select_after_load: str | None = None
        self._last_dir = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        self.editor: ProductEditor | None = None
        self.categories_dialog: CategoriesDialog | None = None
        self.preview: ImportPreviewDialog | None = None
        self.question: QMessageBox | None = None
        self.file_dialog: QFileDialog | None = None

        # -- the filter row
        self.search = QLineEdit(objectName="productsSearch")
        self.search.setPlaceholderText(tr("Cari nama, barcode atau SKU (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        self.category_filter = QComboBox(objectName="productsCategory")
        self.category_filter.setMinimumWidth(220)
        self.category_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToContentsOnFirstShow)
        self.category_filter.addItem(tr("Semua kategori"), None)
        self.show_archived = QCheckBox(tr("Tampilkan yang diarsipkan"),
                                       objectName="productsShowArchived")
        heading = QLabel(tr("Daftar produk"), objectName="productsTitle")
        filters = QHBoxLayout()
        filters.addWidget(heading)  # the title bar is missing on a till without a WM
        filters.addSpacing(8)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.category_filter)
        filters.addWidget(self.show_archived)

        self.banner = QLabel(objectName="demoBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.central_banner = QLabel(objectName="centralBanner")
        self.central_banner.setWordWrap(True)
        self.central_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.central_banner.setStyleSheet(CENTRAL_BANNER_STYLE)
        self.central_banner.hide()

        # -- the list
        self.model = ProductTableModel(self)
        self.table = _Table(objectName="productsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(36)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the catalogue's order
        self.table.setSortingEnabled(True)
        # Fixed widths, not ResizeToContents: that measures every row (20,000 of them).
        # 865 px: at 1280 wide the name still gets ~335 px ("Pepsodent Pencegah Gigi
        # Berlubang 190g"); a longer name ends in "…" and shows whole in its tooltip.
        widths = {Column.CATEGORY: 140, Column.PRICE: 130, Column.BARCODE: 160,
                  Column.SKU: 105, Column.STOCK: 120, Column.UNIT: 80, Column.STATUS: 130}
        for column, width in widths.items():
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().currentRowChanged.connect(
            lambda _now, _before: self._update_buttons())

        # -- the buttons
        # Two parts: what the last action did (or why it failed), and what the list shows.
        self.status = QLabel(objectName="productsStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.count_label = QLabel(objectName="productsCount")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.count_label)
        self.add_button = QPushButton(tr("Tambah (Ins)"), objectName="primaryButton")
        self.edit_button = QPushButton(tr("Ubah (Enter)"))
        self.archive_button = QPushButton(tr("Arsipkan (Del)"), objectName="dangerButton")
        self.categories_button = QPushButton(tr("Kategori…"))
        self.import_button = QPushButton(tr("Impor…"))
        self.export_button = QPushButton(tr("Ekspor…"))
        self.close_button = QPushButton(tr("Tutup (Esc)"))
        self.add_button.clicked.connect(self.add_product)
        self.edit_button.clicked.connect(self.edit_selected)
        self.archive_button.clicked.connect(self.archive_or_restore_selected)
        self.categories_button.clicked.connect(self.open_categories)
        self.import_button.clicked.connect(self.choose_import_file)
        self.export_button.clicked.connect(self.choose_export_file)
        self.close_button.clicked.connect(lambda: self.reject())  # not the C++ slot
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.archive_button,
                  self.categories_button, self.import_button, self.export_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        for b in (self.add_button, self.edit_button, self.archive_button,
                  self.categories_button, self.import_button, self.export_button,
                  self.close_button):
            # Enter belongs to the list ("edit the selected product"), not to a button.
            b.setAutoDefault(False)
            b.setDefault(False)
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        layout = QVBoxLayout(self)
        layout.addWidget(self.central_banner)
        layout.addLayout(filters)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addLayout(status_row)
        layout.addLayout(buttons)

        for keys, slot in (("Ins", self.add_product), ("Ctrl+N", self.add_product),
                           ("Ctrl+F", self.focus_search)):
            QShortcut(QKeySequence(keys), self, activated=slot)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.category_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.show_archived.toggled.connect(lambda _on: self.refresh())

        self._fit_screen(parent)
        self._update_buttons()
        self.search.setFocus()
        self.refresh()

    def _fit_screen(self, parent: QWidget | None) -> None:
        """Most of the screen: 1326x668 on a 1366x768 counter PC with a taskbar."""
        screen = parent.screen() if parent is not None else QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        width = min(1400, area.width() - 40) if area is not None else 1300
        height = min(900, area.height() - 60) if area is not None else 700
        self.setMinimumSize(min(960, width), min(520, height))
        self.resize(max(width, 960), max(height, 520))

    # ------------------------------------------------------------------ the list

    @property
    def query(self) -> str:
        return self.search.text().strip()

    @property
    def category(self) -> str | None:
        data = self.category_filter.currentData()
        return str(data) if data else None

    @property
    def selected_item(self) -> CatalogItem | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.item_at(index.row())

    def select_sku(self, sku: str) -> bool:
        """Make the product ``sku`` the current row (when it is in the list)."""
        row = self.model.row_of(sku)
        if row < 0:
            return False
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def refresh(self, select: str | None = None) -> None:
        """Read the list again with the current search, category and archive filter."""
        self._search_timer.stop()
        self._load_seq += 1
        seq = self._load_seq
        if select is not None:
            self._select_after_load = select
        elif self.selected_item is not None and self._select_after_load is None:
            self._select_after_load = self.selected_item.sku
        self.loading = True
        self.count_label.setText(tr("Memuat…"))
        db, query, category = self.db, self.query, self.category
        archived = self.show_archived.isChecked()

        def read() -> Snapshot:
            return Snapshot(
                items=catalog.list_items(db, query, category=category,
                                         include_archived=archived),
                categories=[c.name for c in catalog.category_list(db)],
                demo_count=catalog.demo_count(db),
                central_outlet=managed_outlet(db))

        self.tasks.read(read, lambda snap: self._loaded(seq, snap),
                        lambda exc: self._load_failed(seq, exc))

    def _loaded(self, seq: int, snap: Snapshot) -> None:
        if seq != self._load_seq:
            return  # a newer question is on its way
        self.loading = False
        self.model.set_items(snap.items)
        self._set_categories(snap.categories)
        self.demo_count = snap.demo_count
        self.central_outlet = snap.central_outlet
        if snap.central_outlet is not None:
            self.central_banner.setText(central_banner_text(snap.central_outlet))
        self.central_banner.setVisible(snap.central_outlet is not None)
        self.banner.setText(tr(
            "Ada {n} produk demo (contoh) di katalog. Saat Anda menambah atau mengimpor produk "
            "sendiri, Anda akan ditanya apakah produk demo dihapus.", n=snap.demo_count))
        # The demo question never comes on a till whose list head office sends.
        self.banner.setVisible(snap.demo_count > 0 and snap.central_outlet is None)
        wanted, self._select_after_load = self._select_after_load, None
        if not (wanted and self.select_sku(wanted)) and snap.items:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self._show_count()
        self._update_buttons()

    def _load_failed(self, seq: int, exc: BaseException) -> None:
        if seq != self._load_seq:
            return
        self.loading = False
        log.error("products: could not load the list", exc_info=exc)
        self._set_status(tr("Gagal memuat produk: {error}", error=exc), error=True)

    def _set_categories(self, names: list[str]) -> None:
        if names == self.categories:
            return
        current = self.category
        self.categories = names
        self.category_filter.blockSignals(True)
        self.category_filter.clear()
        self.category_filter.addItem(tr("Semua kategori"), None)
        for name in names:
            self.category_filter.addItem(name, name)
        at = self.category_filter.findData(current) if current else 0
        self.category_filter.setCurrentIndex(max(at, 0))
        self.category_filter.blockSignals(False)
        if current and at < 0:  # the filtered category was renamed away
            self.refresh()

    def _show_count(self) -> None:
        n = self.model.rowCount()
        count = _thousands(n)
        if n == 0 and not (self.query or self.category or self.show_archived.isChecked()):
            text = (tr("Belum ada produk dari kantor pusat") if self.read_only
                    else tr("Belum ada produk — Tambah (Ins) atau Impor…"))
        elif n == 0:
            text = tr("Tidak ada produk yang cocok")
        elif self.query:
            text = tr("{n} produk cocok dengan \"{query}\"", n=count, query=self.query)
        else:
            text = tr("{n} produk", n=count)
        low = sum(1 for item in self.model.items if is_low(item) and item.active)
        if low:
            text += " · " + tr("{n} stok menipis", n=_thousands(low))
        self.count_label.setText(text)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        set_state(self.status, state="error" if error else "info")

    @property
    def read_only(self) -> bool:
        """Head office manages the price list: look, export, change nothing."""
        return self.central_outlet is not None

    def _update_buttons(self) -> None:
        item = self.selected_item
        writable = not self.read_only
        self.edit_button.setEnabled(item is not None)
        self.edit_button.setText(tr("Ubah (Enter)") if writable else tr("Lihat (Enter)"))
        self.archive_button.setEnabled(item is not None and writable)
        archived = item is not None and not item.active
        self.archive_button.setText(tr("Pulihkan (Del)") if archived else tr("Arsipkan (Del)"))
        self.add_button.setEnabled(writable)
        self.categories_button.setEnabled(writable)
        self.import_button.setEnabled(writable and not self.file_busy)
        self.export_button.setEnabled(not self.file_busy)

    def _refused_read_only(self) -> bool:
        """True (and the reason on the status line) when the screen is read-only."""
        if self.central_outlet is None:
            return False
        self._set_status(tr("Daftar harga diatur kantor pusat (outlet {outlet}): ubah di "
                            "kantor pusat.", outlet=self.central_outlet), error=True)
        return True

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # ------------------------------------------------------------------ keys

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.edit_selected()
            return
        if key == Qt.Key.Key_Escape:
            if self.search.text():
                self.search.clear()
                self.refresh()
            else:
                self.reject()
            return
        if key == Qt.Key.Key_Delete and not self.search.hasFocus():
            self.archive_or_restore_selected()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up/Down/PageUp/PageDown in the search box move in the list: the owner types a few
        # letters and picks the row without leaving the keyboard's home.
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            step = _MOVES.get(Qt.Key(event.key())) if isinstance(event, QKeyEvent) else None
            if step is not None:
                self._move_selection(step)
                return True
        return super().eventFilter(watched, event)

    def _move_selection(self, delta: int) -> None:
        rows = self.model.rowCount()
        if rows == 0:
            return
        current = self.table.currentIndex().row()
        row = max(0, min(rows - 1, (0 if current < 0 else current + delta)))
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    # ------------------------------------------------------------------ add and edit

    def add_product(self) -> None:
        if self._refused_read_only():
            return
        self._open_editor(None)

    def edit_selected(self) -> None:
        item = self.selected_item
        if item is None:
            self._set_status(tr("Pilih produk dulu"))
            return
        self._open_editor(item)

    def _open_editor(self, item: CatalogItem | None) -> None:
        if self.editor is not None and self.editor.isVisible():
            self.editor.raise_()
            return
        self.editor = ProductEditor(self.db, self.tasks, item=item, categories=self.categories,
                                    read_only=self.read_only, parent=self)
        self.editor.saved.connect(lambda stored, new=item is None: self._saved(stored, new))
        self.editor.finished.connect(lambda _r: self.focus_search())
        self.editor.open()

    def _saved(self, stored: CatalogItem, new: bool) -> None:
        self._set_status(tr("{name} disimpan", name=stored.name))
        self.catalogChanged.emit()
        self.refresh(select=stored.sku)
        if new and not stored.demo:
            self._maybe_ask_about_demo()

    # ------------------------------------------------------------------ archive and restore

    def archive_or_restore_selected(self) -> None:
        item = self.selected_item
        if item is None or self._refused_read_only():
            return
        if item.active:
            self.archive(item)
        else:
            self.restore(item)

    def archive(self, item: CatalogItem) -> None:
        """Ask, then archive ``item``."""
        self.question = ask(
            self, tr("Arsipkan {name}?", name=item.name), tr("Arsipkan {name}?", name=item.name),
            tr("Produk ini tidak dijual lagi di kasir, tetapi tetap ada di pesanan lama. "
               "Bisa dipulihkan kapan saja (centang \"Tampilkan yang diarsipkan\")."),
            on_yes=lambda: self._write_then_refresh(
                lambda db: catalog.archive_item(db, item.sku),
                tr("{name} diarsipkan", name=item.name), select=item.sku),
            on_no=self._question_done)

    def restore(self, item: CatalogItem) -> None:
        self._write_then_refresh(lambda db: catalog.restore_item(db, item.sku),
                                 tr("{name} dipulihkan", name=item.name), select=item.sku)

    def _question_done(self) -> None:
        self.question = None
        self.focus_search()

    def _write_then_refresh(self, change: Callable[[Database], Any], done_text: str, *,
                            select: str | None = None,
                            after: Callable[[Any], None] | None = None) -> None:
        """Run ``change(db)`` on the writer thread; then say ``done_text``, tell the till and
        read the list again."""
        self._question_done()
        db = self.db

        def done(result: object) -> None:
            self._set_status(done_text)
            self.catalogChanged.emit()
            self.refresh(select=select)
            if after is not None:
                after(result)

        def failed(exc: BaseException) -> None:
            log.error("products: a change was refused", exc_info=exc)
            self._set_status(tr("Gagal: {error}", error=owner_text(exc)), error=True)

        self.tasks.write(lambda: guarded(db, change), done, failed)

    # ------------------------------------------------------------------ categories

    def open_categories(self) -> None:
        if self._refused_read_only():
            return
        if self.categories_dialog is not None and self.categories_dialog.isVisible():
            self.categories_dialog.raise_()
            return
        self.categories_dialog = CategoriesDialog(self.db, self.tasks, self)
        self.categories_dialog.changed.connect(self._categories_changed)
        self.categories_dialog.finished.connect(lambda _r: self.focus_search())
        self.categories_dialog.open()

    def _categories_changed(self) -> None:
        self.catalogChanged.emit()
        self.refresh()

    # ------------------------------------------------------------------ import

    def choose_import_file(self) -> None:
        """Ask for a CSV or XLSX file, then :meth:`import_file` it."""
        if self._refused_read_only():
            return
        dialog = QFileDialog(self, tr("Impor daftar produk"), self._last_dir,
                             tr("Daftar produk (*.csv *.xlsx)"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.fileSelected.connect(lambda path: self.import_file(Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.file_dialog = dialog
        dialog.open()

    def import_file(self, path: Path) -> None:
        """Read ``path`` (off the GUI thread) and show what importing it would do. While demo
        products are still there, first ask whether they go (see :meth:`_ask_about_demo`)."""
        if self.file_busy or self._refused_read_only():
            return
        self.file_dialog = None
        path = Path(path)
        self._last_dir = str(path.parent)
        self._file_busy(True, tr("Membaca file…"))
        db = self.db
        self.tasks.read(lambda: catalog.demo_count(db),
                        lambda count: self._before_planning(path, count), self._plan_failed)

    def _before_planning(self, path: Path, demo_count: int) -> None:
        if demo_count <= 0:
            self._plan(path, without_demo=False)
            return
        # Asked before the preview, so the preview shows what will really happen: with "Ya"
        # the file is planned as if the demo items were gone, and apply_import drops them in
        # the import's own transaction (cancelling the preview keeps them, and asks again).
        self._file_busy(False)
        self._set_status("")
        self.question = ask(
            self, tr("Hapus produk demo?"), tr("Hapus produk demo?"),
            tr("Anda akan mengimpor produk toko sendiri. Masih ada {n} produk demo (contoh).\n\n"
               "Ya: hapus produk demo saat impor disimpan (yang pernah terjual hanya "
               "diarsipkan).\nTidak: simpan sebagai produk toko Anda.", n=demo_count),
            on_yes=lambda: self._plan(path, without_demo=True),
            on_no=lambda: self._write_then_refresh(
                catalog.adopt_demo_items, tr("Produk demo disimpan sebagai produk toko"),
                after=lambda _n: self._plan(path, without_demo=False)))

    def _plan(self, path: Path, *, without_demo: bool) -> None:
        self.question = None
        self._file_busy(True, tr("Membaca file…"))
        db = self.db

        def plan() -> ImportPlan:
            # Imported here, on the reader thread: the spreadsheet reader is not needed
            # until the first file, and loading it must not hold up the window.
            from pos_app.product_io import plan_import

            return plan_import(db, path, without_demo=without_demo)

        self.tasks.read(plan, self._planned, self._plan_failed)

    def _planned(self, plan: ImportPlan) -> None:
        self._file_busy(False)
        self._set_status("")
        self.preview = ImportPreviewDialog(plan, self)
        self.preview.commitRequested.connect(self._commit_import)
        self.preview.finished.connect(lambda _r: self.focus_search())
        self.preview.open()

    def _plan_failed(self, exc: BaseException) -> None:
        self._file_busy(False)
        if not hasattr(exc, "message"):  # not ImportFileError: the program, not the file
            log.error("products: import could not read the file", exc_info=exc)
        self._set_status(tr("File tidak bisa diimpor: {error}", error=owner_text(exc)),
                         error=True)

    def _commit_import(self, plan: ImportPlan) -> None:
        db = self.db
        preview = self.preview

        def done(result: ImportResult) -> None:
            if preview is not None:
                preview.busy = False
                preview.accept()
            text = tr("Impor selesai: {added} ditambah, {changed} diubah",
                      added=result.added, changed=result.changed)
            if result.demo_dropped:
                text += " · " + tr("{n} produk demo dihapus", n=result.demo_dropped)
            self._set_status(text)
            self.catalogChanged.emit()
            self.refresh()

        def failed(exc: BaseException) -> None:
            log.error("products: import refused", exc_info=exc)
            if preview is not None:
                preview.failed(owner_text(exc))

        def apply() -> ImportResult:
            from pos_app.product_io import apply_import

            return guarded(db, lambda d: apply_import(d, plan))

        self.tasks.write(apply, done, failed)

    # ------------------------------------------------------------------ export

    def choose_export_file(self) -> None:
        """Ask where to save, then :meth:`export_file`."""
        name = EXPORT_NAME.format(date=local_date(utcnow(), self.settings.timezone()))
        dialog = QFileDialog(self, tr("Ekspor daftar produk"), str(Path(self._last_dir) / name),
                             ";;".join((tr("Excel (*.xlsx)"), tr("CSV (*.csv)"))))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("xlsx")
        dialog.fileSelected.connect(lambda path: self.export_file(Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.file_dialog = dialog
        dialog.open()

    def export_file(self, path: Path) -> None:
        """Write the catalogue to ``path`` (CSV or XLSX by its extension), off the GUI thread."""
        if self.file_busy:
            return
        self.file_dialog = None
        path = Path(path)
        self._last_dir = str(path.parent)
        self._file_busy(True, tr("Mengekspor…"))
        db = self.db

        def done(count: int) -> None:
            self._file_busy(False)
            self._set_status(tr("{n} produk diekspor ke {file}", n=count, file=path.name))

        def failed(exc: BaseException) -> None:
            self._file_busy(False)
            log.error("products: export failed", exc_info=exc)
            self._set_status(tr("Ekspor gagal: {error}", error=owner_text(exc)), error=True)

        def export() -> int:
            from pos_app.product_io import export_items

            return export_items(db, path)

        self.tasks.read(export, done, failed)

    def _file_busy(self, busy: bool, text: str = "") -> None:
        self.file_busy = busy
        if busy:
            self._set_status(text)
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()
        self._update_buttons()

    # ------------------------------------------------------------------ demo products

    def _maybe_ask_about_demo(self) -> None:
        db = self.db
        self.tasks.read(lambda: catalog.demo_count(db), self._ask_about_demo)

    def _ask_about_demo(self, count: int) -> None:
        if count <= 0 or (self.question is not None and self.question.isVisible()):
            return
        self.question = ask(
            self, tr("Hapus produk demo?"), tr("Hapus produk demo?"),
            tr("Toko Anda sekarang punya produk sendiri. Masih ada {n} produk demo (contoh).\n\n"
               "Ya: hapus produk demo (yang pernah terjual hanya diarsipkan).\n"
               "Tidak: simpan sebagai produk toko Anda.", n=count),
            on_yes=lambda: self._write_then_refresh(
                catalog.drop_demo_items, "",
                after=lambda n: self._set_status(tr("{n} produk demo dihapus", n=n))),
            on_no=lambda: self._write_then_refresh(
                catalog.adopt_demo_items, tr("Produk demo disimpan sebagai produk toko")))


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def owner_text(exc: BaseException) -> str:
    """A refusal in the owner's language: each problem of a ProductInvalid, the message of an
    ImportFileError / ImportConflict (Indonesian ``.message``, English ``str()``), else the
    error as it is."""
    english = language() == "en"
    problems = getattr(exc, "problems", None)
    if problems:
        return "; ".join(str(p.message_en if english else p.message) for p in problems)
    message = getattr(exc, "message", None)
    if message and not english:
        return str(message)
    return str(getattr(exc, "message_en", None) or exc)


__all__ = ["ProductsDialog", "Snapshot", "central_banner_text", "guarded"]
