"""Categories ("Kategori"): add, rename and put in order; the till's tabs follow the order.

Every change is written at once (one ``catalog`` call on the writer thread), then the list is
read again, so what the dialog shows is what the database holds. A rename moves the products
with it, in the same transaction (``catalog.rename_category``). :attr:`CategoriesDialog.changed`
tells the products screen after each committed change.

The name box under the list serves both "Tambah" (Enter: a new category with the typed name)
and "Ganti nama" (F2: the selected category gets the typed name). Choosing a category fills the
box with its name, so a rename is: pick, edit, F2.

While head office manages the till's price list the products screen does not open this dialog,
and every write here is refused on the writer thread anyway (``refuse_local_edit``, in the
write's own transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_app.central.catalog import ManagedCentrally, refuse_local_edit
from pos_app.products import ProductInvalid
from pos_app.storage import catalog
from pos_app.storage.database import Database
from pos_app.ui.i18n import language, register, tr
from pos_app.ui.tasks import TaskManager

register({
    "Kategori produk": "Product categories",
    "Urutan di sini adalah urutan tab kategori di kasir.":
        "This order is the order of the category tabs at the till.",
    "{name}  ({count} produk)": "{name}  ({count} products)",
    "Nama kategori": "Category name", "Tambah (Enter)": "Add (Enter)",
    "Ganti nama (F2)": "Rename (F2)", "Naik (Ctrl+↑)": "Up (Ctrl+↑)",
    "Turun (Ctrl+↓)": "Down (Ctrl+↓)", "Tutup (Esc)": "Close (Esc)",
    "Tulis nama kategori dulu": "Type a category name first",
    "Pilih kategori yang akan diganti namanya": "Pick the category to rename",
    "Gagal: {error}": "Failed: {error}",
})


def _guarded(db: Database, change: Callable[[Database], Any]) -> Any:
    with db.transaction():
        refuse_local_edit(db)
        return change(db)


class CategoriesDialog(QDialog):
    """The shop's categories in the owner's order; emits :attr:`changed` after each write."""

    changed = Signal()

    def __init__(self, db: Database, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("categoriesDialog")
        self.setWindowTitle(tr("Kategori produk"))
        self.db = db
        self.tasks = tasks
        self.names: list[str] = []
        self.busy = False
        self.loaded = False

        heading = QLabel(tr("Kategori produk"), objectName="productsTitle")
        hint = QLabel(tr("Urutan di sini adalah urutan tab kategori di kasir."),
                      objectName="dialogCaption")
        hint.setWordWrap(True)
        self.list = QListWidget(objectName="categoryList")
        self.list.currentRowChanged.connect(self._picked)
        self.name = QLineEdit(objectName="categoryName")
        self.name.setPlaceholderText(tr("Nama kategori"))
        self.name.setMaxLength(60)
        self.name.returnPressed.connect(self._add_clicked)
        self.error = QLabel(objectName="errorText")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)

        self.add_button = QPushButton(tr("Tambah (Enter)"), objectName="primaryButton")
        self.rename_button = QPushButton(tr("Ganti nama (F2)"))
        self.up_button = QPushButton(tr("Naik (Ctrl+↑)"))
        self.down_button = QPushButton(tr("Turun (Ctrl+↓)"))
        self.close_button = QPushButton(tr("Tutup (Esc)"))
        self.add_button.clicked.connect(self._add_clicked)
        self.rename_button.clicked.connect(self._rename_clicked)
        self.up_button.clicked.connect(lambda: self._move_clicked(-1))
        self.down_button.clicked.connect(lambda: self._move_clicked(1))
        self.close_button.clicked.connect(lambda: self.reject())  # not the C++ slot
        for b in (self.add_button, self.rename_button, self.up_button, self.down_button,
                  self.close_button):
            b.setAutoDefault(False)
        QShortcut(QKeySequence("F2"), self, activated=self._rename_clicked)
        QShortcut(QKeySequence("Ctrl+Up"), self, activated=lambda: self._move_clicked(-1))
        QShortcut(QKeySequence("Ctrl+Down"), self, activated=lambda: self._move_clicked(1))

        side = QVBoxLayout()
        side.addWidget(self.up_button)
        side.addWidget(self.down_button)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addLayout(side)
        edit = QHBoxLayout()
        edit.addWidget(self.name, 1)
        edit.addWidget(self.add_button)
        edit.addWidget(self.rename_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error, 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)  # the title bar is missing on a till without a WM
        layout.addWidget(hint)
        layout.addLayout(body, 1)
        layout.addLayout(edit)
        layout.addLayout(bottom)
        self.resize(640, 560)
        self.name.setFocus()
        self.reload()

    # ------------------------------------------------------------------ public actions

    def add(self, name: str) -> None:
        """Add a category named ``name`` (written at once)."""
        name = " ".join(name.split())
        if not name:
            self._show_error(tr("Tulis nama kategori dulu"))
            return
        self._write(lambda db: catalog.add_category(db, name), select=name, clear_name=True)

    def rename(self, old: str, new: str) -> None:
        """Rename ``old`` to ``new``; its products follow."""
        new = " ".join(new.split())
        if not new:
            self._show_error(tr("Tulis nama kategori dulu"))
            return
        self._write(lambda db: catalog.rename_category(db, old, new), select=new)

    def move(self, name: str, delta: int) -> None:
        """Move ``name`` ``delta`` places (-1 up, +1 down) and store the new order."""
        if name not in self.names:
            return
        at = self.names.index(name)
        to = max(0, min(len(self.names) - 1, at + delta))
        if to == at:
            return
        order = list(self.names)
        order.insert(to, order.pop(at))
        self._write(lambda db: catalog.reorder_categories(db, order), select=name)

    def reload(self, select: str | None = None) -> None:
        db = self.db
        self.tasks.read(lambda: catalog.category_list(db),
                        lambda cats: self._loaded(cats, select), self._failed)

    # ------------------------------------------------------------------ internals

    @property
    def selected(self) -> str | None:
        row = self.list.currentRow()
        return self.names[row] if 0 <= row < len(self.names) else None

    def _add_clicked(self) -> None:
        self.add(self.name.text())

    def _rename_clicked(self) -> None:
        old = self.selected
        if old is None:
            self._show_error(tr("Pilih kategori yang akan diganti namanya"))
            return
        self.rename(old, self.name.text())

    def _move_clicked(self, delta: int) -> None:
        if self.selected is not None:
            self.move(self.selected, delta)

    def _picked(self, row: int) -> None:
        if 0 <= row < len(self.names):
            self.name.setText(self.names[row])
            self.name.selectAll()

    def _write(self, change: Callable[[Database], Any], *, select: str,
               clear_name: bool = False) -> None:
        if self.busy:
            return
        self._set_busy(True)
        self.error.clear()
        db = self.db

        def done(_result: object) -> None:
            self._set_busy(False)
            if clear_name:
                self.name.clear()
            self.changed.emit()
            self.reload(select)

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self._failed(exc)

        self.tasks.write(lambda: _guarded(db, change), done, failed)

    def _loaded(self, cats: Sequence[Any], select: str | None) -> None:
        self.loaded = True
        keep = select if select is not None else self.selected
        self.names = [c.name for c in cats]
        self.list.blockSignals(True)
        self.list.clear()
        for c in cats:
            item = QListWidgetItem(tr("{name}  ({count} produk)", name=c.name,
                                      count=c.product_count))
            item.setData(Qt.ItemDataRole.UserRole, c.name)
            self.list.addItem(item)
        row = self.names.index(keep) if keep in self.names else -1
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ProductInvalid):
            english = language() == "en"
            self._show_error("\n".join(p.message_en if english else p.message
                                       for p in exc.problems))
        elif isinstance(exc, ManagedCentrally):
            self._show_error(exc.message_en if language() == "en" else exc.message)
        else:
            self._show_error(tr("Gagal: {error}", error=exc))

    def _show_error(self, text: str) -> None:
        self.error.setText(text)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for b in (self.add_button, self.rename_button, self.up_button, self.down_button):
            b.setEnabled(not busy)
