"""The cart side of the till: lines with quantity +/- and remove, and the totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pos_app.cart import Cart, CartLine, TaxMode
from pos_app.money import format_rupiah
from pos_app.ui.i18n import register, tr
from pos_app.ui.props import no_focus, set_props

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTableWidget

register({
    "Produk": "Item", "Jml": "Qty", "Subtotal": "Subtotal",
    "Diskon": "Discount", "PPN": "VAT", "PPN (termasuk)": "VAT (included)", "TOTAL": "TOTAL",
    "Kurangi": "Decrease", "Tambah": "Increase", "Hapus": "Remove",
    "Keranjang kosong — scan barcode atau pilih produk":
        "Cart is empty — scan a barcode or pick a product",
    "{n} barang": "Items: {n}",
})


class _QtyCell(QWidget):
    def __init__(self, line: CartLine, panel: CartPanel) -> None:
        super().__init__()
        box = QHBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.setSpacing(4)
        minus = QPushButton("−", objectName="qtyButton")
        minus.setToolTip(tr("Kurangi"))
        plus = QPushButton("+", objectName="qtyButton")
        plus.setToolTip(tr("Tambah"))
        qty = QLabel(str(line.quantity), objectName="qtyLabel")
        set_props(qty, alignment="AlignCenter")
        remove = QPushButton("✕", objectName="removeButton")
        remove.setToolTip(tr("Hapus"))
        no_focus(minus, plus, remove)
        minus.clicked.connect(lambda: panel.decrementRequested.emit(line.sku))
        plus.clicked.connect(lambda: panel.incrementRequested.emit(line.sku))
        remove.clicked.connect(lambda: panel.removeRequested.emit(line.sku))
        for w in (minus, qty, plus, remove):
            box.addWidget(w)


class CartPanel(QWidget):
    incrementRequested = Signal(str)
    decrementRequested = Signal(str)
    removeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # The lines table is made with the first line (see ``table``); until then the empty
        # hint fills its place. That keeps QTableWidget and its enums off the start-up path.
        self._table: QTableWidget | None = None
        self.empty_hint = QLabel(objectName="cartEmpty")
        self.empty_hint.setWordWrap(True)
        set_props(self.empty_hint, alignment="AlignCenter")
        layout.addWidget(self.empty_hint, 1)

        totals = QWidget(objectName="totalsPanel")
        form = QFormLayout(totals)
        set_props(form, labelAlignment="AlignLeft")
        self.subtotal = QLabel(objectName="subtotalValue")
        self.discount = QLabel(objectName="discountValue")
        self.subtotal_label = QLabel()
        self.discount_label = QLabel()
        self.tax_label = QLabel()
        self.tax = QLabel(objectName="taxValue")
        self.items = QLabel(objectName="itemCount")
        self.total = QLabel(objectName="totalValue")
        for value in (self.subtotal, self.discount, self.tax, self.total):
            set_props(value, alignment="AlignRight")
        form.addRow(self.subtotal_label, self.subtotal)
        form.addRow(self.discount_label, self.discount)
        form.addRow(self.tax_label, self.tax)
        self.total_label = QLabel(objectName="totalLabel")
        form.addRow(self.total_label, self.total)
        form.addRow(self.items)
        layout.addWidget(totals)
        self._skus: list[str] = []
        self.retranslate()

    def retranslate(self) -> None:
        """The fixed texts in the current language (amounts and counts follow on ``refresh``)."""
        self.empty_hint.setText(tr("Keranjang kosong — scan barcode atau pilih produk"))
        self.subtotal_label.setText(tr("Subtotal"))
        self.discount_label.setText(tr("Diskon"))
        self.total_label.setText(tr("TOTAL"))
        if self._table is not None:
            self._table.setHorizontalHeaderLabels(self._headers())

    @staticmethod
    def _headers() -> list[str]:
        # "Jml" next to "Jumlah" (both read "amount") left a newcomer guessing which is
        # which; "Qty" read as English in an Indonesian screen
        return [tr("Produk"), tr("Jml"), tr("Subtotal")]

    @property
    def table(self) -> QTableWidget:
        """The lines table, made on first use."""
        if self._table is None:
            from PySide6.QtCore import Qt
            from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget

            table = QTableWidget(0, 3, objectName="cartTable")
            table.setHorizontalHeaderLabels(self._headers())
            header = table.horizontalHeader()
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
            header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
            table.setColumnWidth(1, 190)
            table.verticalHeader().setVisible(False)
            table.verticalHeader().setDefaultSectionSize(52)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            table.hide()
            self._layout.insertWidget(0, table, 1)
            self._table = table
        return self._table

    def refresh(self, cart: Cart) -> None:
        lines = cart.lines
        self._skus = [line.sku for line in lines]
        if self._table is None and not lines:
            self._show_totals(cart)
            return
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QTableWidgetItem

        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            name = line.product.name
            if line.discount_amount:
                name += f"\n{tr('Diskon')} −{format_rupiah(line.discount_amount)}"
            item = QTableWidgetItem(name)
            item.setToolTip(f"{line.product.name} @ {format_rupiah(line.unit_price)}")
            self.table.setItem(row, 0, item)
            self.table.setCellWidget(row, 1, _QtyCell(line, self))
            amount = QTableWidgetItem(format_rupiah(line.net))
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 2, amount)
        if lines:
            self.table.scrollToBottom()
        self.table.setVisible(bool(lines))
        self.empty_hint.setVisible(not lines)
        self._show_totals(cart)

    def _show_totals(self, cart: Cart) -> None:
        t = cart.totals()
        self.subtotal.setText(format_rupiah(t.subtotal))
        self.discount.setText(("−" if t.discount_total else "") + format_rupiah(t.discount_total))
        mode = cart.tax_config.mode
        self.tax_label.setVisible(mode is not TaxMode.OFF)
        self.tax.setVisible(mode is not TaxMode.OFF)
        self.tax_label.setText(tr("PPN (termasuk)") if mode is TaxMode.INCLUDED else tr("PPN"))
        self.tax.setText(format_rupiah(t.tax))
        self.total.setText(format_rupiah(t.total))
        self.items.setText(tr("{n} barang", n=t.item_count))

    def selected_sku(self) -> str | None:
        if self._table is None:
            return None
        rows = self._table.selectionModel().selectedRows()
        if not rows:
            return self._skus[-1] if self._skus else None
        return self._skus[rows[0].row()]

    def select_sku(self, sku: str) -> None:
        if sku in self._skus:
            self.table.selectRow(self._skus.index(sku))
