"""The product list's table model: one row per :class:`~pos_app.products.CatalogItem`.

A model (not a widget per cell) because a shop may have 20,000 products: the view asks only
for the rows on screen. A header click sorts the model itself, with a Python key on raw values
(the price as a number, "not tracked" stock below every count, so "Rp 9.000" comes before
"Rp 15.000"): ~20 ms for 20,000 rows, where a ``QSortFilterProxyModel`` asking ``data()`` for
every comparison took 2 s. Until a header is clicked the rows keep the catalogue's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from pos_app.money import format_rupiah
from pos_app.products import CatalogItem
from pos_app.ui.i18n import register, tr

register({
    "Nama": "Name", "Kategori": "Category", "Harga": "Price", "Barcode": "Barcode",
    "SKU": "SKU", "Stok": "Stock", "Satuan": "Unit", "Status": "Status",
    "Aktif": "Active", "Diarsipkan": "Archived", "{status} · demo": "{status} · demo",
    "{stock} (menipis)": "{stock} (low)", "Stok menipis: {stock} (batas {limit})":
        "Low stock: {stock} (threshold {limit})",
    "Stok tidak dilacak": "Stock not tracked",
})

LOW_STOCK_ROLE = Qt.ItemDataRole.UserRole + 2
"""True on every cell of a row whose tracked stock is at or below its threshold."""

NOT_TRACKED = "—"
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_ARCHIVED = QBrush(QColor("#7b8794"))
_LOW_TEXT = QBrush(QColor("#b42318"))
_LOW_BACK = QBrush(QColor("#fde8e6"))


class Column(IntEnum):
    NAME = 0
    CATEGORY = 1
    PRICE = 2
    BARCODE = 3
    SKU = 4
    STOCK = 5
    UNIT = 6
    STATUS = 7


HEADERS = {
    Column.NAME: "Nama", Column.CATEGORY: "Kategori", Column.PRICE: "Harga",
    Column.BARCODE: "Barcode", Column.SKU: "SKU", Column.STOCK: "Stok",
    Column.UNIT: "Satuan", Column.STATUS: "Status",
}


def is_low(item: CatalogItem) -> bool:
    """Tracked stock at or below its threshold (the grid's rule)."""
    return item.stock is not None and item.low_stock is not None and item.stock <= item.low_stock


def barcode_text(item: CatalogItem) -> str:
    """The first barcode, and how many more ("8991234567890 +2")."""
    if not item.barcodes:
        return ""
    more = len(item.barcodes) - 1
    return item.barcodes[0] + (f" +{more}" if more else "")


def stock_text(item: CatalogItem) -> str:
    if item.stock is None:
        return NOT_TRACKED
    text = f"{item.stock:,}".replace(",", ".")
    return tr("{stock} (menipis)", stock=text) if is_low(item) else text


def status_text(item: CatalogItem) -> str:
    status = tr("Aktif") if item.active else tr("Diarsipkan")
    return tr("{status} · demo", status=status) if item.demo else status


class ProductTableModel(QAbstractTableModel):
    """The loaded products, in the order the catalogue returned them."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[CatalogItem] = []
        self._sort: tuple[Column, bool] | None = None  # column, descending

    # -- data in and out ----------------------------------------------------------------
    def set_items(self, items: Sequence[CatalogItem]) -> None:
        """Show ``items`` (sorted as the owner last asked, else in their own order)."""
        self.beginResetModel()
        self._items = self._sorted(items)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            self._sort = None  # the view's "no sort indicator": keep the catalogue's order
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (Column(column), order == Qt.SortOrder.DescendingOrder)
        before = self._items
        self._items = self._sorted(before)
        # The selection (and every other persistent index) stays on its product.
        moved_to = {id(item): row for row, item in enumerate(self._items)}
        for index in self.persistentIndexList():
            if index.isValid() and index.row() < len(before):
                row = moved_to[id(before[index.row()])]
                self.changePersistentIndex(index, self.index(row, index.column()))
        self.layoutChanged.emit()

    def _sorted(self, items: Sequence[CatalogItem]) -> list[CatalogItem]:
        if self._sort is None:
            return list(items)
        column, descending = self._sort
        # Stable, so rows with the same value keep the catalogue's order (by name).
        return sorted(items, key=lambda item: self._sort_value(item, column),
                      reverse=descending)

    @property
    def items(self) -> list[CatalogItem]:
        return list(self._items)

    def item_at(self, row: int) -> CatalogItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, sku: str) -> int:
        """The row showing ``sku``, or -1."""
        for row, item in enumerate(self._items):
            if item.sku == sku:
                return row
        return -1

    # -- QAbstractTableModel ------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            if role == Qt.ItemDataRole.DisplayRole:
                return tr(HEADERS[Column(section)])
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _RIGHT if section in (Column.PRICE, Column.STOCK) else _LEFT
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item_at(index.row()) if index.isValid() else None
        if item is None:
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column in (Column.PRICE, Column.STOCK) else _LEFT
        if role == LOW_STOCK_ROLE:
            return is_low(item)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == Column.STOCK and is_low(item):
                return _LOW_TEXT
            return None if item.active else _ARCHIVED
        if role == Qt.ItemDataRole.BackgroundRole and column == Column.STOCK and is_low(item):
            return _LOW_BACK
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, column)
        return None

    @staticmethod
    def _text(item: CatalogItem, column: Column) -> str:
        if column == Column.NAME:
            return item.name
        if column == Column.CATEGORY:
            return item.category
        if column == Column.PRICE:
            return format_rupiah(item.price)
        if column == Column.BARCODE:
            return barcode_text(item)
        if column == Column.SKU:
            return item.sku
        if column == Column.STOCK:
            return stock_text(item)
        if column == Column.UNIT:
            return item.unit
        return status_text(item)

    @staticmethod
    def _sort_value(item: CatalogItem, column: Column) -> Any:
        if column == Column.PRICE:
            return item.price
        if column == Column.STOCK:
            # Not tracked sorts before every count (even a negative one).
            return (item.stock is not None, item.stock or 0)
        if column == Column.STATUS:
            return (not item.active, item.demo)
        if column == Column.BARCODE:
            return item.barcodes
        return ProductTableModel._text(item, column).casefold()

    @staticmethod
    def _tooltip(item: CatalogItem, column: Column) -> str | None:
        if column == Column.BARCODE and len(item.barcodes) > 1:
            return "\n".join(item.barcodes)
        if column == Column.STOCK:
            if item.stock is None:
                return tr("Stok tidak dilacak")
            if is_low(item):
                return tr("Stok menipis: {stock} (batas {limit})", stock=item.stock,
                          limit=item.low_stock)
        if column == Column.NAME:
            return item.name
        return None
