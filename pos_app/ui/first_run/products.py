"""Step 5, *Produk*: what the shop sells - a file imported, the demo list, or nothing yet.

* **"Impor file…"** is the products screen's import: :func:`pos_app.product_io.plan_import`
  on the reader thread, the same :class:`~pos_app.ui.products.import_preview.ImportPreviewDialog`
  (nothing is written before "Impor N produk"), then
  :func:`~pos_app.product_io.apply_import` in one transaction on the writer thread. CSV, XLSX
  and a Loyverse item export as it is. The file is planned *without the demo items*: a shop
  entering its own list leaves the demo catalogue behind (the products screen asks; here the
  owner has just said what the shop sells, so it isn't asked again).
* **"Pakai daftar contoh"** puts the demo catalogue on the till
  (:func:`pos_app.storage.catalog.seed_demo`) *and adopts it* as the shop's own
  (:func:`~pos_app.storage.catalog.adopt_demo_items`): demo items are hidden once the till
  leaves demo mode, and a shop that starts from the list means to sell those items.
* **"Mulai kosong"** writes nothing: products are added later in *Produk* (or imported there).

Each is also in the *Produk* screen later. *Lanjut* never needs a choice: the step is done
when the owner moves on.

A till enrolled in an outlet whose price list head office manages (issue 14) gets its products
from there: the three choices give way to the products screen's sentence saying so, read on the
reader thread with the product count each time the step is shown, and *Lanjut* goes on. The
writes behind the choices are refused on the writer thread then anyway (``guarded``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from pos_app.central.catalog import managed_outlet
from pos_app.demo import demo_products
from pos_app.storage import catalog
from pos_app.ui.file_places import open_file
from pos_app.ui.first_run.steps import GuideContext, Step
from pos_app.ui.i18n import register, tr
from pos_app.ui.products.import_preview import ImportPreviewDialog
from pos_app.ui.products.screen import (
    CENTRAL_BANNER_STYLE,
    central_banner_text,
    guarded,
    owner_text,
)
from pos_app.ui.settings.form import ERROR_STYLE, HINT_STYLE, OK_STYLE

if TYPE_CHECKING:
    from pos_app.product_io import ImportPlan, ImportResult

__all__ = ["ProductsStep"]

log = logging.getLogger(__name__)

register({
    "Produk": "Products",
    "Barang yang dijual toko. Impor dari file, mulai dari daftar contoh, atau isi nanti di "
    "menu Produk.":
        "What the shop sells. Import it from a file, start from the sample list, or fill it "
        "in later in Products.",
    "Impor dari file": "Import a file",
    "CSV atau Excel (XLSX), juga ekspor item Loyverse apa adanya. Pratinjau dulu, baru "
    "disimpan.":
        "CSV or Excel (XLSX), also a Loyverse item export as it is. Previewed before "
        "anything is saved.",
    "Pilih file…": "Choose file…",
    "Daftar contoh": "Sample list",
    "{n} barang warung (minuman, makanan, sembako …) untuk mulai cepat; harganya bisa "
    "diubah.":
        "{n} typical shop items (drinks, food, groceries …) to start quickly; prices can be "
        "changed.",
    "Pakai daftar contoh": "Use the sample list",
    "Mulai kosong": "Start empty",
    "Tambah produk satu per satu nanti di menu Produk.":
        "Add products one by one later in Products.",
    "Katalog sekarang: {n} produk": "Catalogue now: {n} products",
    "Impor daftar produk": "Import the product list",
    "Daftar produk (*.csv *.xlsx)": "Product lists (*.csv *.xlsx)",
    "Membaca file…": "Reading the file…",
    "File tidak bisa diimpor: {error}": "The file can't be imported: {error}",
    "Impor selesai: {added} ditambah, {changed} diubah":
        "Import done: {added} added, {changed} changed",
    "{n} produk contoh siap dijual; harga bisa diubah di menu Produk.":
        "{n} sample products are ready to sell; prices can be changed in Products.",
    "Katalog dibiarkan kosong: tambah produk nanti di menu Produk.":
        "The catalogue is left empty: add products later in Products.",
    "Menyimpan…": "Saving…",
    "Gagal: {error}": "Failed: {error}",
})


def _use_demo_list(db: Any) -> int:
    """On the writer thread: the demo catalogue on the till, as the shop's own products."""
    def use(d: Any) -> int:
        catalog.seed_demo(d)
        return catalog.adopt_demo_items(d)

    return int(guarded(db, use))


class _Card(QFrame):
    def __init__(self, title: str, text: str, button: QPushButton) -> None:
        super().__init__()
        self.setObjectName("choiceCard")
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 12, 14, 14)
        column.setSpacing(8)
        heading = QLabel(title)
        heading.setStyleSheet("font-size: 17px; font-weight: bold;")
        body = QLabel(text)
        body.setWordWrap(True)
        column.addWidget(heading)
        column.addWidget(body, 1)
        column.addWidget(button)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)


class ProductsStep(Step):
    key = "products"
    title = "Produk"
    intro = ("Barang yang dijual toko. Impor dari file, mulai dari daftar contoh, atau isi nanti "
             "di menu Produk.")

    def __init__(self, ctx: GuideContext) -> None:
        super().__init__(ctx)
        self.file_dialog: QFileDialog | None = None
        self.preview: ImportPreviewDialog | None = None
        self._busy = False
        self.central_outlet: str | None = None  # head office sends the products (as last read)
        self._last_dir = str(Path.home())
        self.import_button = QPushButton(tr("Pilih file…"), objectName="productsImport")
        self.demo_button = QPushButton(tr("Pakai daftar contoh"), objectName="productsDemo")
        self.empty_button = QPushButton(tr("Mulai kosong"), objectName="productsEmpty")
        for button in (self.import_button, self.demo_button, self.empty_button):
            button.setAutoDefault(False)
        self.import_button.clicked.connect(self.choose_file)
        self.demo_button.clicked.connect(self.use_demo_list)
        self.empty_button.clicked.connect(self.start_empty)
        self.choices = QWidget(objectName="productsChoices")
        cards = QHBoxLayout(self.choices)
        cards.setContentsMargins(0, 0, 0, 0)
        cards.setSpacing(12)
        cards.addWidget(_Card(tr("Impor dari file"), tr(
            "CSV atau Excel (XLSX), juga ekspor item Loyverse apa adanya. Pratinjau dulu, baru "
            "disimpan."), self.import_button), 1)
        cards.addWidget(_Card(tr("Daftar contoh"), tr(
            "{n} barang warung (minuman, makanan, sembako …) untuk mulai cepat; harganya bisa "
            "diubah.", n=len(demo_products())), self.demo_button), 1)
        cards.addWidget(_Card(tr("Mulai kosong"), tr(
            "Tambah produk satu per satu nanti di menu Produk."), self.empty_button), 1)
        self.count_label = QLabel(objectName="productsCount")
        self.count_label.setStyleSheet("font-size: 16px;")
        self.status = QLabel(objectName="productsStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # may quote a file's content
        self.status.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.central_note = QLabel(objectName="productsCentral")
        self.central_note.setWordWrap(True)
        self.central_note.setTextFormat(Qt.TextFormat.PlainText)
        self.central_note.setStyleSheet(CENTRAL_BANNER_STYLE)
        self.central_note.hide()
        layout.addWidget(self.choices)
        layout.addWidget(self.central_note)
        layout.addWidget(self.count_label)
        layout.addWidget(self.status)
        layout.addStretch(1)

    # ------------------------------------------------------------------ guide hooks

    def enter(self) -> None:
        self._count()

    def busy(self) -> bool:
        return self._busy

    def state(self) -> dict[str, Any]:
        return {}  # nothing typed: what was done is in the database

    def status_text(self) -> str:
        return "" if self.status.isHidden() else self.status.text()

    # ------------------------------------------------------------------ the choices

    def choose_file(self) -> None:
        """Ask for a CSV or XLSX file, then :meth:`import_file` it."""
        self.file_dialog = open_file(self.ctx.parent, tr("Impor daftar produk"), self._last_dir,
                                     tr("Daftar produk (*.csv *.xlsx)"), self.import_file,
                                     lambda: setattr(self, "file_dialog", None))

    def import_file(self, path: Path) -> None:
        """Read ``path`` on the reader thread and show the import preview."""
        if self._busy:
            return
        path = Path(path)
        self._last_dir = str(path.parent)
        db = self.ctx.db

        def plan() -> ImportPlan:
            from pos_app.product_io import plan_import  # the spreadsheet reader, on first use

            return plan_import(db, path, without_demo=True)

        self._run(self.ctx.tasks.read, plan, self._planned, tr("Membaca file…"),
                  lambda exc: tr("File tidak bisa diimpor: {error}", error=owner_text(exc)))

    def _planned(self, plan: ImportPlan) -> None:
        preview = ImportPreviewDialog(plan, self.ctx.parent)
        preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        preview.commitRequested.connect(lambda p: self._commit(preview, p))
        preview.finished.connect(lambda _r: self._preview_closed(preview))
        self.preview = preview
        self.status.hide()
        preview.open()

    def _preview_closed(self, preview: ImportPreviewDialog) -> None:
        if self.preview is preview:
            self.preview = None

    def _commit(self, preview: ImportPreviewDialog, plan: ImportPlan) -> None:
        db = self.ctx.db

        def apply() -> ImportResult:
            from pos_app.product_io import apply_import

            return guarded(db, lambda d: apply_import(d, plan))

        def done(result: ImportResult) -> None:
            if not self._current():
                return
            if shiboken6.isValid(preview):
                preview.busy = False
                preview.accept()
            self._done(tr("Impor selesai: {added} ditambah, {changed} diubah",
                          added=result.added, changed=result.changed))

        def failed(exc: BaseException) -> None:
            log.error("first run: product import refused", exc_info=exc)
            if self._current() and shiboken6.isValid(preview):
                preview.failed(owner_text(exc))

        self.ctx.tasks.write(apply, done, failed)

    def use_demo_list(self) -> None:
        db = self.ctx.db
        self._run(self.ctx.tasks.write, lambda: _use_demo_list(db),
                  lambda n: self._done(tr("{n} produk contoh siap dijual; harga bisa diubah di "
                                          "menu Produk.", n=n)),
                  tr("Menyimpan…"), lambda exc: tr("Gagal: {error}", error=owner_text(exc)))

    def start_empty(self) -> None:
        self._say(tr("Katalog dibiarkan kosong: tambah produk nanti di menu Produk."), OK_STYLE)

    # ------------------------------------------------------------------ plumbing

    def _run(self, lane: Callable[..., None], job: Callable[[], Any],
             done: Callable[[Any], None], busy_text: str,
             message: Callable[[BaseException], str]) -> None:
        if self._busy:
            return

        def ok(result: Any) -> None:
            if self._current():
                self._set_busy(False)
                done(result)

        def failed(exc: BaseException) -> None:
            if not self._current():
                return
            self._set_busy(False)
            if not hasattr(exc, "message"):  # not the file's fault: the program's
                log.error("first run: products step failed", exc_info=exc)
            self._say(message(exc), ERROR_STYLE)

        self._set_busy(True)
        self._say(busy_text, HINT_STYLE)
        lane(job, ok, failed)

    def _current(self) -> bool:
        return self.ctx.alive() and shiboken6.isValid(self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for button in (self.import_button, self.demo_button, self.empty_button):
            button.setEnabled(not busy)
        self.changed.emit()

    def _done(self, text: str) -> None:
        self._say(text, OK_STYLE)
        self._count()

    def _say(self, text: str, style: str) -> None:
        self.status.setStyleSheet(style + " font-size: 16px; font-weight: bold;")
        self.status.setText(text)
        self.status.show()

    def _count(self) -> None:
        db = self.ctx.db

        def shown(answer: tuple[int, str | None]) -> None:
            if self._current():
                n, outlet = answer
                self.count_label.setText(tr("Katalog sekarang: {n} produk", n=n))
                self._show_central(outlet)

        self.ctx.tasks.read(lambda: (catalog.product_count(db), managed_outlet(db)), shown,
                            lambda exc: log.error("first run: counting products failed",
                                                  exc_info=exc))

    def _show_central(self, outlet: str | None) -> None:
        """Head office sends the products: its sentence instead of the three choices."""
        self.central_outlet = outlet
        if outlet is not None:
            self.central_note.setText(central_banner_text(outlet))
        self.central_note.setVisible(outlet is not None)
        self.choices.setVisible(outlet is None)
