"""The product side of the till: category buttons and a grid of large product tiles.

Tiles are created once and reused: search-as-you-type only changes their text and visibility,
which keeps each keystroke cheap even when the catalogue has 20,000 products.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from pos_app.cart import Product
from pos_app.money import format_rupiah
from pos_app.ui.i18n import register, tr
from pos_app.ui.props import no_focus, set_props, set_state

register({"Semua": "All", "Tidak ada produk yang cocok": "No matching products",
          "Stok tinggal {stock} {unit}": "Only {stock} {unit} left"})

MAX_TILES = 60
COLUMNS = 4


class ProductTile(QPushButton):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productTile")
        self.product: Product | None = None
        self.setMinimumHeight(100)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        no_focus(self)  # the scanner's keystrokes stay in the input
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(2)
        self.name = QLabel(objectName="tileName")
        self.name.setWordWrap(True)
        set_props(self.name, alignment="AlignLeft|AlignTop")
        self.name.setMinimumHeight(44)  # two lines of a long product name
        self.price = QLabel(objectName="tilePrice")
        # Plain labels ignore mouse presses, so a tap on the name or the price reaches the tile.
        for label in (self.name, self.price):
            box.addWidget(label)

    def set_product(self, product: Product) -> None:
        self.product = product
        self.name.setText(product.name)
        price = format_rupiah(product.price)
        if product.low_stock:
            # Marked, never blocked: a warung's count drifts, the sale goes on.
            price += "  ⚠ " + tr("Stok tinggal {stock} {unit}", stock=product.stock,
                                 unit=product.unit)
        self.price.setText(price)
        barcode = f" · {product.barcode}" if product.barcode else ""
        self.setToolTip(f"{product.name}\n{product.sku}{barcode}")
        set_state(self, lowStock=product.low_stock)

    def set_highlighted(self, on: bool) -> None:
        set_state(self, highlighted=on)


class CategoryBar(QWidget):
    categoryChanged = Signal(object)  # str | None (all)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.buttonClicked.connect(
            lambda b: self.categoryChanged.emit(b.property("category"))
        )

    def set_categories(self, categories: Sequence[str]) -> None:
        for b in self._group.buttons():
            self._group.removeButton(b)
            b.deleteLater()
        for cat in [None, *categories]:
            # "&" would become a keyboard mnemonic ("Pulsa & Token" -> "Pulsa _Token").
            label = tr("Semua") if cat is None else cat.replace("&", "&&")
            b = QPushButton(label, objectName="categoryButton")
            b.setCheckable(True)
            no_focus(b)
            b.setProperty("category", cat)
            self._group.addButton(b)
            self._layout.addWidget(b)
            if cat is None:
                b.setChecked(True)
        self._layout.addStretch(1)

    def retranslate(self) -> None:
        for b in self._group.buttons():
            if b.property("category") is None:
                b.setText(tr("Semua"))

    def current(self) -> str | None:
        b = self._group.checkedButton()
        return None if b is None else b.property("category")


class ProductGrid(QScrollArea):
    productClicked = Signal(object)  # Product

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setObjectName("productGrid")
        self._inner = QWidget()
        outer = QVBoxLayout(self._inner)
        self._grid = QGridLayout()
        self._grid.setSpacing(8)
        outer.addLayout(self._grid)
        outer.addStretch(1)  # a short result list sits at the top
        for column in range(COLUMNS):  # one search hit keeps a tile's width, not the whole row
            self._grid.setColumnStretch(column, 1)
        # Tiles are made when the first results arrive (after the window is on screen) and then
        # reused, so neither start-up nor a keystroke pays for creating widgets.
        self._tiles: list[ProductTile] = []
        self._empty = QLabel(objectName="emptyHint")
        set_props(self._empty, alignment="AlignCenter")
        self._grid.addWidget(self._empty, MAX_TILES, 0, 1, COLUMNS)
        self._empty.hide()
        self.setWidget(self._inner)
        self.shown: list[Product] = []
        self._highlight = -1  # the hit chosen with the arrow keys (-1: none)
        self.retranslate()

    def retranslate(self) -> None:
        self._empty.setText(tr("Tidak ada produk yang cocok"))

    def _tile_clicked(self, tile: ProductTile) -> None:
        if tile.product is not None:
            self.productClicked.emit(tile.product)

    def _grow(self, count: int) -> None:
        while len(self._tiles) < min(count, MAX_TILES):
            i = len(self._tiles)
            tile = ProductTile(self._inner)
            tile.clicked.connect(lambda _=False, t=tile: self._tile_clicked(t))
            tile.hide()
            self._grid.addWidget(tile, i // COLUMNS, i % COLUMNS)
            self._tiles.append(tile)

    def set_products(self, products: Sequence[Product]) -> None:
        self.shown = list(products[:MAX_TILES])
        self._set_highlight(-1)
        self.setUpdatesEnabled(False)
        self._grow(len(self.shown))
        for i, tile in enumerate(self._tiles):
            if i < len(self.shown):
                tile.set_product(self.shown[i])
                tile.show()
            else:
                tile.hide()
        self._empty.setVisible(not self.shown)
        self.setUpdatesEnabled(True)
        self.verticalScrollBar().setValue(0)

    def highlighted(self) -> Product | None:
        """The hit chosen with the arrow keys, if any."""
        return self.shown[self._highlight] if 0 <= self._highlight < len(self.shown) else None

    def clear_highlight(self) -> None:
        self._set_highlight(-1)

    def move_highlight(self, step: int) -> None:
        """Up/Down: the next or previous hit (from none, Down starts at the first)."""
        if not self.shown:
            return
        start = -1 if self._highlight < 0 and step > 0 else self._highlight
        self._set_highlight(max(0, min(len(self.shown) - 1, start + step)))

    def _set_highlight(self, index: int) -> None:
        if 0 <= self._highlight < len(self._tiles):
            self._tiles[self._highlight].set_highlighted(False)
        self._highlight = index
        if 0 <= index < len(self._tiles):
            tile = self._tiles[index]
            tile.set_highlighted(True)
            self.ensureWidgetVisible(tile)

    def tile_for(self, sku: str) -> ProductTile | None:
        for tile in self._tiles:
            if tile.isVisible() and tile.product is not None and tile.product.sku == sku:
                return tile
        return None
