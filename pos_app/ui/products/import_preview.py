"""The import preview ("Pratinjau impor"): what a price list will add, change and refuse.

Nothing is written until the owner presses "Impor N produk"; the dialog only shows the
:class:`~pos_app.product_io.ImportPlan` that ``plan_import`` read, and asks the products screen
to commit it (:attr:`ImportPreviewDialog.commitRequested`), which runs ``apply_import`` in one
transaction on the writer thread.

Refused rows: the command line refuses the whole file when any row is refused (a script should
fail loudly). In the window the owner sees each refused row with its number and reason, and may
import the good rows *after ticking* "Lewati N baris yang ditolak" -- the commit button stays
disabled until then, so skipping rows is always an explicit choice, never a surprise. Fixing
the file and importing it again is the other way; re-importing changes nothing that is
already right.

The tables are models over the plan's tuples, so a 20,000-row file opens as fast as a small one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app.money import format_rupiah
from pos_app.ui.i18n import language, register, tr

if TYPE_CHECKING:  # product_io (and the spreadsheet reader) loads when a file is read
    from pos_app.product_io import ImportPlan, RowChange, RowRefusal
    from pos_app.products import CatalogItem

register({
    "Pratinjau impor": "Import preview",
    "{file} — {added} baru, {changed} diubah, {unchanged} sama, {refused} ditolak":
        "{file} — {added} new, {changed} changed, {unchanged} unchanged, {refused} refused",
    "Dikenali sebagai ekspor Loyverse.": "Recognised as a Loyverse export.",
    "Ditambah ({n})": "Added ({n})", "Diubah ({n})": "Changed ({n})",
    "Ditolak ({n})": "Refused ({n})",
    "Baris": "Row", "Nama": "Name", "Kategori": "Category", "Harga": "Price",
    "Barcode": "Barcode", "SKU": "SKU", "Stok": "Stock", "Lainnya": "Other changes",
    "Alasan": "Reason", "(otomatis)": "(made for you)",
    "{before} → {after}": "{before} → {after}",
    "kategori": "category", "barcode": "barcode", "stok": "stock",
    "batas stok": "low-stock threshold", "modal": "cost", "satuan": "unit",
    "diarsipkan": "archived", "diaktifkan": "made active",
    "{n} baris ditolak dan tidak bisa diimpor. Perbaiki file lalu impor lagi, "
    "atau lewati baris itu.":
        "{n} rows are refused and can't be imported. Fix the file and import it again, "
        "or skip those rows.",
    "Lewati {n} baris yang ditolak dan impor sisanya":
        "Skip the {n} refused rows and import the rest",
    "Tidak ada yang perlu diimpor: semua produk di file sudah sama dengan katalog.":
        "Nothing to import: every product in the file is already in the catalogue as it is.",
    "Impor {n} produk": "Import {n} products", "Batal (Esc)": "Cancel (Esc)",
    "Mengimpor…": "Importing…", "Impor gagal: {error}": "Import failed: {error}",
})

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class RowsModel(QAbstractTableModel):
    """Read-only rows; each row's cells are made when the view asks for them."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Any],
                 cells: Callable[[Any], Sequence[str]], right: frozenset[int] = frozenset(),
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows = rows
        self._cells = cells
        self._right = right

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:  # over its column's text
            return _RIGHT if section in self._right else _LEFT
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cells(self._rows[index.row()])[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self._right:
            return _RIGHT
        return None

    def texts(self) -> list[list[str]]:
        """Every cell as shown (for tests)."""
        return [list(self._cells(r)) for r in self._rows]


def _arrow(before: str, after: str) -> str:
    return after if before == after else tr("{before} → {after}", before=before, after=after)


def other_changes(before: CatalogItem, after: CatalogItem) -> str:
    """The changed fields besides name and price, with their values ("stok 30 → 36")."""
    def count(value: int | None) -> str:
        return "—" if value is None else str(value)

    def rupiah(value: int | None) -> str:
        return "—" if value is None else format_rupiah(value)

    pairs = (
        (tr("SKU"), before.sku, after.sku),
        (tr("kategori"), before.category or "—", after.category or "—"),
        (tr("barcode"), ", ".join(before.barcodes) or "—", ", ".join(after.barcodes) or "—"),
        (tr("stok"), count(before.stock), count(after.stock)),
        (tr("batas stok"), count(before.low_stock), count(after.low_stock)),
        (tr("modal"), rupiah(before.cost), rupiah(after.cost)),
        (tr("satuan"), before.unit, after.unit),
    )
    changed = [f"{label} {_arrow(old, new)}" for label, old, new in pairs if old != new]
    if before.active != after.active:
        changed.append(tr("diaktifkan") if after.active else tr("diarsipkan"))
    return "; ".join(changed)


def _added_cells(change: RowChange) -> tuple[str, ...]:
    item = change.item
    return (str(change.row), item.name, item.category, format_rupiah(item.price),
            ", ".join(item.barcodes), item.sku or tr("(otomatis)"),
            "" if item.stock is None else str(item.stock))


def _changed_cells(change: RowChange) -> tuple[str, ...]:
    after = change.item
    before = change.before or after
    return (str(change.row), after.sku, _arrow(before.name, after.name),
            _arrow(format_rupiah(before.price), format_rupiah(after.price)),
            other_changes(before, after))


def _refused_cells(refusal: RowRefusal) -> tuple[str, ...]:
    reason = refusal.reason_en if language() == "en" and refusal.reason_en else refusal.reason
    return (str(refusal.row), reason)


def _table(model: RowsModel, stretch: int) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setObjectName("importTable")
    view.verticalHeader().setVisible(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    view.setColumnWidth(0, 72)
    return view


class ImportPreviewDialog(QDialog):
    """Shows an :class:`ImportPlan`; emits :attr:`commitRequested` with it on "Impor"."""

    commitRequested = Signal(object)

    def __init__(self, plan: ImportPlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importPreview")
        self.setWindowTitle(tr("Pratinjau impor"))
        self.plan = plan
        self.busy = False
        count = len(plan.added) + len(plan.changed)
        self.to_import = count

        self.summary = QLabel(objectName="importSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setText(tr(
            "{file} — {added} baru, {changed} diubah, {unchanged} sama, {refused} ditolak",
            file=_file_name(plan.source), added=len(plan.added), changed=len(plan.changed),
            unchanged=plan.unchanged, refused=len(plan.refused)))
        self.format_note = QLabel(tr("Dikenali sebagai ekspor Loyverse."),
                                  objectName="dialogCaption")
        self.format_note.setVisible(str(plan.format) == "loyverse")  # ImportFormat.LOYVERSE

        self.added_model = RowsModel(
            [tr("Baris"), tr("Nama"), tr("Kategori"), tr("Harga"), tr("Barcode"), tr("SKU"),
             tr("Stok")], plan.added, _added_cells, frozenset({0, 3, 6}), self)
        self.changed_model = RowsModel(
            [tr("Baris"), tr("SKU"), tr("Nama"), tr("Harga"), tr("Lainnya")], plan.changed,
            _changed_cells, frozenset({0}), self)
        self.refused_model = RowsModel([tr("Baris"), tr("Alasan")], plan.refused,
                                       _refused_cells, frozenset({0}), self)
        self.added_view = _table(self.added_model, 1)
        for column, width in ((2, 180), (3, 130), (4, 260), (5, 120), (6, 80)):
            self.added_view.setColumnWidth(column, width)
        self.changed_view = _table(self.changed_model, 2)
        for column, width in ((1, 110), (3, 240), (4, 380)):
            self.changed_view.setColumnWidth(column, width)
        self.refused_view = _table(self.refused_model, 1)
        self.tabs = QTabWidget(objectName="importTabs")
        self.tabs.addTab(self.added_view, tr("Ditambah ({n})", n=len(plan.added)))
        self.tabs.addTab(self.changed_view, tr("Diubah ({n})", n=len(plan.changed)))
        self.tabs.addTab(self.refused_view, tr("Ditolak ({n})", n=len(plan.refused)))

        refused = len(plan.refused)
        self.refused_note = QLabel(tr(
            "{n} baris ditolak dan tidak bisa diimpor. Perbaiki file lalu impor lagi, "
            "atau lewati baris itu.", n=refused), objectName="errorText")
        self.refused_note.setWordWrap(True)
        self.skip_refused = QCheckBox(tr("Lewati {n} baris yang ditolak dan impor sisanya",
                                         n=refused), objectName="skipRefused")
        self.skip_refused.toggled.connect(self._update_button)
        for w in (self.refused_note, self.skip_refused):
            w.setVisible(refused > 0 and count > 0)
        if refused and count == 0:
            self.refused_note.setVisible(True)  # nothing good to import: only the reason
        self.nothing_note = QLabel(
            tr("Tidak ada yang perlu diimpor: semua produk di file sudah sama dengan katalog."),
            objectName="dialogCaption")
        self.nothing_note.setWordWrap(True)
        self.nothing_note.setVisible(count == 0 and refused == 0)

        self.status = QLabel(objectName="errorText")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.commit_button = QPushButton(tr("Impor {n} produk", n=count),
                                         objectName="primaryButton")
        self.commit_button.setAutoDefault(False)
        self.commit_button.clicked.connect(self.commit)
        self.cancel_button = QPushButton(tr("Batal (Esc)"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(lambda: self.reject())  # not the C++ slot
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.commit_button)

        heading = QLabel(tr("Pratinjau impor"), objectName="productsTitle")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)  # the title bar is missing on a till without a WM
        layout.addWidget(self.summary)
        layout.addWidget(self.format_note)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.refused_note)
        layout.addWidget(self.skip_refused)
        layout.addWidget(self.nothing_note)
        layout.addLayout(buttons)
        # Open on the rows the owner must look at first.
        if refused:
            self.tabs.setCurrentWidget(self.refused_view)
        elif not plan.added and plan.changed:
            self.tabs.setCurrentWidget(self.changed_view)
        self._update_button()
        self.resize(1180, 640)

    @property
    def can_commit(self) -> bool:
        if self.busy or self.to_import == 0:
            return False
        return not self.plan.refused or self.skip_refused.isChecked()

    def _update_button(self) -> None:
        self.commit_button.setEnabled(self.can_commit)
        self.commit_button.setDefault(self.can_commit)

    def commit(self) -> None:
        if not self.can_commit:
            return
        self.busy = True
        self._update_button()
        self.skip_refused.setEnabled(False)
        self.status.setObjectName("dialogCaption")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(tr("Mengimpor…"))
        self.commitRequested.emit(self.plan)

    def failed(self, error: str) -> None:
        """The commit was refused; the preview stays, the owner may try again or cancel."""
        self.busy = False
        self.skip_refused.setEnabled(True)
        self.status.setObjectName("errorText")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(tr("Impor gagal: {error}", error=error))
        self._update_button()

    def reject(self) -> None:
        if self.busy:  # the write is on its way: its result closes the dialog
            return
        super().reject()


def _file_name(source: str) -> str:
    return source.replace("\\", "/").rsplit("/", 1)[-1] or source
