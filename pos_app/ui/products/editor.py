"""The add / edit form of one product ("Tambah produk" / "Ubah produk").

The form never decides what a valid product is: it turns the text into a
:class:`~pos_app.products.CatalogItem` and hands it to ``catalog.save_item`` on the writer
thread, which checks it (``check_item`` and the database's rules: a barcode another product
uses, a taken SKU) and raises :class:`~pos_app.products.ProductInvalid`. Each refused field's
message is shown in red under that field, in the UI's language, and the form stays open with
everything as typed. Only text that can't become a number at all (a price "lima ribu") is
refused here, before anything is sent, with the same red label.

``check_item`` runs on the GUI thread too, before the write: it is pure (no database), and it
lets the owner see every field problem at once even when the writer thread is busy.

``read_only`` (a till whose price list head office manages) shows the product to look at: every
field locked, no save, and the write is refused on the writer thread anyway
(``refuse_local_edit``), should a save be asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_app.central.catalog import ManagedCentrally, refuse_local_edit
from pos_app.money import format_rupiah
from pos_app.products import (
    CatalogItem,
    ProductInvalid,
    check_item,
    parse_rupiah_text,
    split_barcodes,
)
from pos_app.storage import catalog
from pos_app.storage.database import Database
from pos_app.ui.i18n import language, register, tr
from pos_app.ui.tasks import TaskManager

register({
    "Tambah produk": "Add product", "Ubah produk: {name}": "Edit product: {name}",
    "Nama": "Name", "Kategori": "Category", "Harga jual": "Price",
    "Modal": "Cost", "Barcode": "Barcode", "SKU": "SKU", "Satuan": "Unit",
    "Lacak stok": "Track stock", "Stok": "Stock", "Batas stok menipis": "Low-stock threshold",
    "Aktif (dijual di kasir)": "Active (sold at the till)",
    "mis. Indomie Goreng": "e.g. Indomie Goreng", "mis. 15.000": "e.g. 15,000",
    "Opsional": "Optional",
    "Satu per baris, atau pisahkan dengan koma": "One per line, or separated by commas",
    "Kosongkan: dibuat otomatis": "Leave empty: made for you",
    "Tanpa kategori": "No category", "mis. 24": "e.g. 24", "mis. 5": "e.g. 5",
    "Simpan (Ctrl+S)": "Save (Ctrl+S)", "Batal (Esc)": "Cancel (Esc)",
    "Menyimpan…": "Saving…",
    "Harga tidak terbaca — tulis angka rupiah, mis. 15.000":
        "The price can't be read — write rupiah, e.g. 15,000",
    "Modal tidak terbaca — tulis angka rupiah, mis. 12.000, atau kosongkan":
        "The cost can't be read — write rupiah, e.g. 12,000, or leave it empty",
    "Harga wajib diisi": "Enter a price",
    "Stok harus bilangan bulat, mis. 24": "Stock must be a whole number, e.g. 24",
    "Batas stok harus bilangan bulat, mis. 5, atau kosongkan":
        "The threshold must be a whole number, e.g. 5, or empty",
    "Stok wajib diisi bila stok dilacak": "Enter the stock when it is tracked",
    "Belum disimpan — periksa kolom yang merah": "Not saved — check the fields in red",
    "Gagal menyimpan: {error}": "Could not save: {error}",
    "Lihat produk: {name}": "View product: {name}",
    "Tutup (Esc)": "Close (Esc)",
})

UNITS = ("pcs", "kg", "gram", "liter", "bungkus", "botol", "dus", "lusin")
"""The units offered; the combo is editable, so "sachet" or "ikat" can be typed."""

FIELD_MIN_WIDTH = 320


def _save(db: Database, item: CatalogItem, original_sku: str | None) -> CatalogItem:
    """On the writer thread: refused while head office manages the price list (checked in the
    save's own transaction), else ``catalog.save_item``."""
    with db.transaction():
        refuse_local_edit(db)
        return catalog.save_item(db, item, original_sku=original_sku)


def _parse_count(text: str) -> int:
    """A whole number as an owner writes it: "24", "1.200", "-3"."""
    cleaned = text.strip().replace(".", "").replace(" ", "")
    if not re.fullmatch(r"-?\d+", cleaned):
        raise ValueError(text)
    return int(cleaned)


def _rupiah_problem(exc: ValueError, fallback: str) -> str:
    """The parser's own words (RupiahTextError has both languages), else ``fallback``."""
    message = getattr(exc, "message_en" if language() == "en" else "message", None)
    return str(message) if message else fallback


def _rupiah_field_text(amount: int | None) -> str:
    return "" if amount is None else format_rupiah(amount).removeprefix("Rp ").strip()


def _label(text: str) -> QLabel:
    """A form label as tall as an input, its text level with the input's."""
    label = QLabel(text)
    label.setMinimumHeight(40)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label


class _Field:
    """One row of the form: its editor and the red message under it."""

    def __init__(self, editor: QWidget, read: Callable[[], str]) -> None:
        self.editor = editor
        self.read = read
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.hide()
        self.box = QWidget()
        layout = QVBoxLayout(self.box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.error)

    def show_error(self, text: str) -> None:
        if self.error.isHidden() or not self.error.text():
            self.error.setText(text)
        else:  # two problems with one field: both
            self.error.setText(f"{self.error.text()}\n{text}")
        self.error.show()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()


class ProductEditor(QDialog):
    """Add (``item=None``) or edit one product; emits :attr:`saved` with the stored item."""

    saved = Signal(object)
    """The :class:`CatalogItem` as stored (with its assigned SKU), after the write."""

    def __init__(self, db: Database, tasks: TaskManager, *, item: CatalogItem | None,
                 categories: Sequence[str], read_only: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productEditor")
        self.db = db
        self.tasks = tasks
        self.original = item
        self.saving = False
        self.read_only = read_only
        if item is None:
            self.setWindowTitle(tr("Tambah produk"))
        elif read_only:
            self.setWindowTitle(tr("Lihat produk: {name}", name=item.name))
        else:
            self.setWindowTitle(tr("Ubah produk: {name}", name=item.name))

        self.name = QLineEdit(objectName="editName")
        self.name.setPlaceholderText(tr("mis. Indomie Goreng"))
        self.name.setMaxLength(200)
        self.category = QComboBox(objectName="editCategory")
        self.category.setEditable(True)
        self.category.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.category.addItems([c for c in categories if c])
        self.category.lineEdit().setPlaceholderText(tr("Tanpa kategori"))
        self.price = QLineEdit(objectName="editPrice")
        self.price.setPlaceholderText(tr("mis. 15.000"))
        self.cost = QLineEdit(objectName="editCost")
        self.cost.setPlaceholderText(tr("Opsional"))
        self.barcodes = QPlainTextEdit(objectName="editBarcodes")
        self.barcodes.setPlaceholderText(tr("Satu per baris, atau pisahkan dengan koma"))
        self.barcodes.setTabChangesFocus(True)
        self.barcodes.setFixedHeight(96)
        self.sku = QLineEdit(objectName="editSku")
        self.sku.setPlaceholderText(tr("Kosongkan: dibuat otomatis"))
        self.unit = QComboBox(objectName="editUnit")
        self.unit.setEditable(True)
        self.unit.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.unit.addItems(list(UNITS))
        self.tracked = QCheckBox(tr("Lacak stok"), objectName="editTracked")
        self.stock = QLineEdit(objectName="editStock")
        self.stock.setPlaceholderText(tr("mis. 24"))
        self.low_stock = QLineEdit(objectName="editLowStock")
        self.low_stock.setPlaceholderText(tr("mis. 5"))
        self.active = QCheckBox(tr("Aktif (dijual di kasir)"), objectName="editActive")
        self.tracked.toggled.connect(self._tracked_changed)

        self.fields: dict[str, _Field] = {
            "name": _Field(self.name, self.name.text),
            "category": _Field(self.category, self.category.currentText),
            "price": _Field(self.price, self.price.text),
            "cost": _Field(self.cost, self.cost.text),
            "unit": _Field(self.unit, self.unit.currentText),
            "barcodes": _Field(self.barcodes, self.barcodes.toPlainText),
            "sku": _Field(self.sku, self.sku.text),
            "stock": _Field(self.stock, self.stock.text),
            "low_stock": _Field(self.low_stock, self.low_stock.text),
        }
        for f in self.fields.values():
            f.editor.setMinimumWidth(FIELD_MIN_WIDTH)

        left = QFormLayout()
        right = QFormLayout()
        for form in (left, right):
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            form.setVerticalSpacing(10)
        for key, label in (("name", "Nama"), ("category", "Kategori"), ("price", "Harga jual"),
                           ("cost", "Modal"), ("unit", "Satuan")):
            left.addRow(_label(tr(label)), self.fields[key].box)
        left.addRow("", self.active)
        right.addRow(_label(tr("Barcode")), self.fields["barcodes"].box)
        right.addRow(_label(tr("SKU")), self.fields["sku"].box)
        right.addRow("", self.tracked)
        right.addRow(_label(tr("Stok")), self.fields["stock"].box)
        right.addRow(_label(tr("Batas stok menipis")), self.fields["low_stock"].box)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addSpacing(24)
        columns.addLayout(right, 1)

        self.status = QLabel(objectName="errorText")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.save_button = QPushButton(tr("Simpan (Ctrl+S)"), objectName="primaryButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(tr("Batal (Esc)"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(lambda: self.reject())  # not the C++ slot
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)

        self.heading = QLabel(self.windowTitle(), objectName="productsTitle")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)  # the title bar is missing on a till without a WM
        layout.addSpacing(6)
        layout.addLayout(columns)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._load(item)
        if read_only:
            self._lock()
        self.name.setFocus()
        self.resize(960, 500)

    def _lock(self) -> None:
        """Look, don't touch: text stays selectable (a barcode can be copied), nothing edits."""
        for edit in (self.name, self.price, self.cost, self.sku, self.stock, self.low_stock):
            edit.setReadOnly(True)
        self.barcodes.setReadOnly(True)
        for widget in (self.category, self.unit, self.tracked, self.active):
            widget.setEnabled(False)
        self.save_button.hide()
        self.save_button.setEnabled(False)
        self.cancel_button.setText(tr("Tutup (Esc)"))

    # ------------------------------------------------------------------ loading and reading

    def _load(self, item: CatalogItem | None) -> None:
        if item is None:
            self.active.setChecked(True)
            self.unit.setCurrentText(UNITS[0])
            self.category.setCurrentText("")
            self._tracked_changed(False)
            return
        self.name.setText(item.name)
        self.category.setCurrentText(item.category)
        self.price.setText(_rupiah_field_text(item.price))
        self.cost.setText(_rupiah_field_text(item.cost))
        self.barcodes.setPlainText("\n".join(item.barcodes))
        self.sku.setText(item.sku)
        self.unit.setCurrentText(item.unit)
        self.tracked.setChecked(item.stock is not None)
        self.stock.setText("" if item.stock is None else str(item.stock))
        self.low_stock.setText("" if item.low_stock is None else str(item.low_stock))
        self.active.setChecked(item.active)
        self._tracked_changed(item.stock is not None)

    def _tracked_changed(self, tracked: bool) -> None:
        # Disabled, not cleared: unticking and ticking again gives the numbers back.
        self.stock.setEnabled(tracked)
        self.low_stock.setEnabled(tracked)

    def field_text(self, field: str) -> str:
        """What the form holds for ``field`` (for tests and the screen)."""
        return self.fields[field].read()

    def error_text(self, field: str) -> str:
        """The red message under ``field`` ("" when none)."""
        label = self.fields[field].error
        return "" if label.isHidden() else label.text()

    def read_item(self) -> tuple[CatalogItem | None, list[tuple[str, str]]]:
        """The item the form describes, or the fields whose text isn't a number at all."""
        problems: list[tuple[str, str]] = []
        price = 0
        price_text = self.price.text().strip()
        if not price_text:
            problems.append(("price", tr("Harga wajib diisi")))
        else:
            try:
                price = parse_rupiah_text(price_text)
            except ValueError as exc:
                problems.append(("price", _rupiah_problem(exc, tr(
                    "Harga tidak terbaca — tulis angka rupiah, mis. 15.000"))))
        cost: int | None = None
        if self.cost.text().strip():
            try:
                cost = parse_rupiah_text(self.cost.text().strip())
            except ValueError as exc:
                problems.append(("cost", _rupiah_problem(exc, tr(
                    "Modal tidak terbaca — tulis angka rupiah, mis. 12.000, atau kosongkan"))))
        stock: int | None = None
        low_stock: int | None = None
        if self.tracked.isChecked():
            if not self.stock.text().strip():
                problems.append(("stock", tr("Stok wajib diisi bila stok dilacak")))
            else:
                try:
                    stock = _parse_count(self.stock.text())
                except ValueError:
                    problems.append(("stock", tr("Stok harus bilangan bulat, mis. 24")))
            if self.low_stock.text().strip():
                try:
                    low_stock = _parse_count(self.low_stock.text())
                except ValueError:
                    problems.append(("low_stock", tr("Batas stok harus bilangan bulat, mis. 5, "
                                                     "atau kosongkan")))
        if problems:
            return None, problems
        item = CatalogItem(
            sku=self.sku.text().strip(),
            name=" ".join(self.name.text().split()),
            price=price,
            category=" ".join(self.category.currentText().split()),
            barcodes=split_barcodes(self.barcodes.toPlainText()),
            cost=cost,
            stock=stock,
            low_stock=low_stock,
            unit=self.unit.currentText().strip(),
            active=self.active.isChecked(),
            demo=self.original.demo if self.original is not None else False,
        )
        return item, []

    # ------------------------------------------------------------------ saving

    def save(self) -> None:
        """Check the form and write it on the writer thread; refused fields show in red."""
        if self.saving or self.read_only:
            return
        self._clear_errors()
        try:
            item, problems = self.read_item()
        except ValueError as exc:  # a value the item itself refuses to hold
            self._refused([("", str(exc))])
            return
        if item is None:
            self._refused(problems)
            return
        found = check_item(item)
        if found:
            self._refused([(p.field, self._message(p)) for p in found])
            return
        self.saving = True
        self.save_button.setEnabled(False)
        self.status.setObjectName("dialogCaption")
        self._restyle(self.status)
        self.status.setText(tr("Menyimpan…"))
        original_sku = self.original.sku if self.original is not None else None
        db = self.db
        self.tasks.write(lambda: _save(db, item, original_sku), self._stored, self._failed)

    def _stored(self, stored: CatalogItem) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.status.clear()
        self.saved.emit(stored)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(error, ProductInvalid):
            self._refused([(p.field, self._message(p)) for p in error.problems])
        elif isinstance(error, ManagedCentrally):
            self._refused([("", error.message_en if language() == "en" else error.message)])
        else:
            self._refused([("", tr("Gagal menyimpan: {error}", error=error))])

    @staticmethod
    def _message(problem: object) -> str:
        message = getattr(problem, "message", "")
        english = getattr(problem, "message_en", "")
        return str(english if language() == "en" and english else message)

    def _refused(self, problems: Sequence[tuple[str, str]]) -> None:
        general: list[str] = []
        first: QWidget | None = None
        for field, message in problems:
            target = self.fields.get(field)
            if target is None:
                general.append(message)
                continue
            target.show_error(message)
            if first is None:
                first = target.editor
        self.status.setObjectName("errorText")
        self._restyle(self.status)
        self.status.setText("\n".join(general) if general
                            else tr("Belum disimpan — periksa kolom yang merah"))
        if first is not None:
            first.setFocus()

    def _clear_errors(self) -> None:
        for f in self.fields.values():
            f.clear_error()
        self.status.clear()

    @staticmethod
    def _restyle(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)
