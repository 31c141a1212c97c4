"""The owner's products screen (Produk), driven like an owner would (pytest-qt, offscreen): real
widgets, a real SQLite file, the real TaskManager threads. Every change is checked in the
database (``catalog``), not only on screen, and every committed one must tell the till
(``catalogChanged``)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from pos_app.products import CatalogItem
from pos_app.settings import Settings
from pos_app.storage import catalog
from pos_app.ui.products import ProductsDialog
from pos_app.ui.products.model import LOW_STOCK_ROLE, Column
from pos_app.ui.tasks import TaskManager
from tests.waiting import WAIT_MS, qt_wait_for

AQUA = CatalogItem(sku="", name="Aqua 600ml", price=4000, category="Minuman",
                   barcodes=("8992761111014",))
INDOMIE = CatalogItem(sku="", name="Indomie Goreng", price=3500, category="Makanan",
                      barcodes=("089686010947",), stock=3, low_stock=5, unit="bungkus")
GULA = CatalogItem(sku="", name="Gula Pasir 1kg", price=18500, category="Sembako")


@pytest.fixture
def tasks():
    manager = TaskManager()
    yield manager
    manager.shutdown()


def open_screen(qtbot, db, data_dir: Path, tasks: TaskManager, **kwargs) -> ProductsDialog:
    dlg = ProductsDialog(db, tasks, Settings.load(data_dir), **kwargs)
    qtbot.addWidget(dlg)
    dlg.show()
    settle(qtbot, dlg)
    return dlg


def settle(qtbot, dlg: ProductsDialog) -> None:
    """Wait until the list shows the answer to the latest search."""
    qt_wait_for(qtbot, lambda: not dlg.loading and not dlg._search_timer.isActive(),
                "the product list")


def shown_names(dlg: ProductsDialog) -> list[str]:
    model = dlg.model
    return [model.index(r, Column.NAME).data() for r in range(model.rowCount())]


def row_texts(dlg: ProductsDialog, name: str) -> list[str]:
    model = dlg.model
    for r in range(model.rowCount()):
        if model.index(r, Column.NAME).data() == name:
            return [model.index(r, c).data() for c in Column]
    raise AssertionError(f"{name} is not in the list: {shown_names(dlg)}")


def stored(db) -> dict[str, CatalogItem]:
    return {i.name: i for i in catalog.list_items(db, include_archived=True)}


def answer(qtbot, dlg: ProductsDialog, yes: bool) -> None:
    """Press Ya or Tidak on the question the screen asks."""
    qt_wait_for(qtbot, lambda: dlg.question is not None and dlg.question.isVisible(),
                "a question")
    box = dlg.question
    assert box is not None
    # Indonesian buttons, not Qt's English Yes/No.
    assert box.button(QMessageBox.StandardButton.Yes).text() == "Ya"
    assert box.button(QMessageBox.StandardButton.No).text() == "Tidak"
    box.button(QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No).click()


def editor_of(qtbot, dlg: ProductsDialog):  # type: ignore[no-untyped-def]
    qt_wait_for(qtbot, lambda: dlg.editor is not None and dlg.editor.isVisible(), "the editor")
    return dlg.editor


def type_into(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    qtbot.keyClicks(widget, text)


# --------------------------------------------------------------------------- add and edit


def test_add_a_product_shows_it_in_the_list_and_at_the_till(qtbot, db, data_dir, tasks) -> None:
    dlg = open_screen(qtbot, db, data_dir, tasks)
    assert dlg.search.hasFocus() or dlg.focusWidget() is dlg.search
    assert shown_names(dlg) == []
    assert dlg.count_label.text() == "Belum ada produk — Tambah (Ins) atau Impor…"

    qtbot.keyClick(dlg.search, Qt.Key.Key_Insert)
    ed = editor_of(qtbot, dlg)
    assert ed.windowTitle() == "Tambah produk"
    type_into(qtbot, ed.name, "Kopi Susu Gula Aren")
    type_into(qtbot, ed.category.lineEdit(), "Minuman")
    type_into(qtbot, ed.price, "Rp 15.000")
    type_into(qtbot, ed.cost, "9.500")
    type_into(qtbot, ed.barcodes, "8990001112223, 8990001112224")
    ed.unit.setCurrentText("botol")
    ed.tracked.setChecked(True)
    type_into(qtbot, ed.stock, "24")
    type_into(qtbot, ed.low_stock, "5")
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        qtbot.keyClick(ed.name, Qt.Key.Key_Return)  # Enter saves
    assert not ed.isVisible()
    settle(qtbot, dlg)

    assert shown_names(dlg) == ["Kopi Susu Gula Aren"]
    cells = row_texts(dlg, "Kopi Susu Gula Aren")
    assert cells[Column.PRICE] == "Rp 15.000"
    assert cells[Column.BARCODE] == "8990001112223 +1"
    assert cells[Column.STOCK] == "24"
    assert cells[Column.UNIT] == "botol"
    assert cells[Column.STATUS] == "Aktif"
    assert dlg.selected_item is not None and dlg.selected_item.name == "Kopi Susu Gula Aren"

    # What the till's search and scanner see.
    hits = catalog.search(db, "gula aren")
    assert [(p.name, p.price, p.category) for p in hits] == [
        ("Kopi Susu Gula Aren", 15000, "Minuman")]
    by_second_code = catalog.get_by_barcode(db, "8990001112224")
    assert by_second_code is not None and by_second_code.name == "Kopi Susu Gula Aren"
    item = stored(db)["Kopi Susu Gula Aren"]
    assert (item.cost, item.stock, item.low_stock, item.unit) == (9500, 24, 5, "botol")
    assert item.sku  # made for the owner


def test_a_refused_save_keeps_every_field_and_says_why_in_indonesian(qtbot, db, data_dir,
                                                                      tasks) -> None:
    catalog.save_item(db, AQUA)
    dlg = open_screen(qtbot, db, data_dir, tasks)
    changes: list[bool] = []
    dlg.catalogChanged.connect(lambda: changes.append(True))
    dlg.add_product()
    ed = editor_of(qtbot, dlg)

    # Caught before the write: price 0 and an empty name.
    type_into(qtbot, ed.price, "0")
    type_into(qtbot, ed.barcodes, "8992761111014")
    ed.save()
    assert ed.error_text("name") == "Nama produk wajib diisi"
    assert ed.error_text("price") == "Harga harus lebih dari Rp 0"
    assert ed.isVisible()

    # Caught by the database: the barcode belongs to Aqua.
    type_into(qtbot, ed.name, "Air Mineral Botol")
    ed.price.clear()
    type_into(qtbot, ed.price, "4.500")
    type_into(qtbot, ed.sku, "AIR-01")
    ed.save()
    qt_wait_for(qtbot, lambda: not ed.saving and ed.error_text("barcodes"), "the refusal")
    assert ed.error_text("barcodes") == "Barcode 8992761111014 sudah dipakai oleh Aqua 600ml"
    assert ed.error_text("name") == "" and ed.error_text("price") == ""
    assert ed.isVisible()
    # Nothing the owner typed is lost.
    assert ed.field_text("name") == "Air Mineral Botol"
    assert ed.field_text("price") == "4.500"
    assert ed.field_text("barcodes") == "8992761111014"
    assert ed.field_text("sku") == "AIR-01"
    assert "Barcode" not in ed.status.text() and ed.status.text()
    assert set(stored(db)) == {"Aqua 600ml"}
    assert changes == []

    # A price that isn't a number at all never reaches the database.
    ed.price.clear()
    type_into(qtbot, ed.price, "lima ribu")
    ed.save()
    assert "bukan jumlah rupiah" in ed.error_text("price")
    assert ed.field_text("price") == "lima ribu"
    assert not ed.saving


def test_price_above_the_qris_limit_is_refused(qtbot, db, data_dir, tasks) -> None:
    dlg = open_screen(qtbot, db, data_dir, tasks)
    dlg.add_product()
    ed = editor_of(qtbot, dlg)
    type_into(qtbot, ed.name, "Mobil")
    type_into(qtbot, ed.price, "Rp 10.000.000.000.000")
    ed.save()
    assert ed.error_text("price").startswith("Harga melebihi batas QRIS")
    assert ed.field_text("price") == "Rp 10.000.000.000.000"


def test_edit_a_price_with_enter_on_the_selected_row(qtbot, db, data_dir, tasks) -> None:
    for item in (AQUA, INDOMIE, GULA):
        catalog.save_item(db, item)
    dlg = open_screen(qtbot, db, data_dir, tasks)
    # Search as you type, then Enter edits the (only) hit.
    qtbot.keyClicks(dlg.search, "indo")
    settle(qtbot, dlg)
    assert shown_names(dlg) == ["Indomie Goreng"]
    qtbot.keyClick(dlg.search, Qt.Key.Key_Return)
    ed = editor_of(qtbot, dlg)
    assert ed.windowTitle() == "Ubah produk: Indomie Goreng"
    assert ed.field_text("price") == "3.500"
    assert ed.field_text("barcodes") == "089686010947"
    assert ed.tracked.isChecked() and ed.field_text("stock") == "3"
    ed.price.selectAll()
    qtbot.keyClicks(ed.price, "4.000")
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        ed.save()
    settle(qtbot, dlg)
    assert row_texts(dlg, "Indomie Goreng")[Column.PRICE] == "Rp 4.000"
    item = stored(db)["Indomie Goreng"]
    assert item.price == 4000
    assert item.barcodes == ("089686010947",) and item.stock == 3  # the rest unchanged
    assert len(stored(db)) == 3  # an edit, not a new product


def test_low_stock_is_marked_and_untracked_stock_shows_a_dash(qtbot, db, data_dir,
                                                              tasks) -> None:
    for item in (AQUA, INDOMIE):
        catalog.save_item(db, item)
    dlg = open_screen(qtbot, db, data_dir, tasks)
    assert row_texts(dlg, "Indomie Goreng")[Column.STOCK] == "3 (menipis)"
    assert row_texts(dlg, "Aqua 600ml")[Column.STOCK] == "—"
    lows = {dlg.model.index(r, Column.NAME).data(): dlg.model.index(r, Column.STOCK).data(
        LOW_STOCK_ROLE) for r in range(dlg.model.rowCount())}
    assert lows == {"Indomie Goreng": True, "Aqua 600ml": False}
    assert dlg.count_label.text() == "2 produk · 1 stok menipis"
    price = dlg.model.index(0, Column.PRICE).data(Qt.ItemDataRole.TextAlignmentRole)
    assert Qt.AlignmentFlag(price) & Qt.AlignmentFlag.AlignRight


def test_search_category_filter_and_keys(qtbot, db, data_dir, tasks) -> None:
    for item in (AQUA, INDOMIE, GULA):
        catalog.save_item(db, item)
    dlg = open_screen(qtbot, db, data_dir, tasks)
    assert shown_names(dlg) == ["Aqua 600ml", "Gula Pasir 1kg", "Indomie Goreng"]
    assert [dlg.category_filter.itemText(i) for i in range(dlg.category_filter.count())] == [
        "Semua kategori", "Minuman", "Makanan", "Sembako"]
    dlg.category_filter.setCurrentIndex(dlg.category_filter.findData("Sembako"))
    settle(qtbot, dlg)
    assert shown_names(dlg) == ["Gula Pasir 1kg"]
    dlg.category_filter.setCurrentIndex(0)
    settle(qtbot, dlg)
    # A header click sorts by the value, not the text ("Rp 18.500" after "Rp 4.000").
    header = dlg.table.horizontalHeader()
    x = header.sectionViewportPosition(Column.PRICE) + header.sectionSize(Column.PRICE) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))
    assert shown_names(dlg) == ["Indomie Goreng", "Aqua 600ml", "Gula Pasir 1kg"]
    dlg.select_sku(stored(db)["Indomie Goreng"].sku)
    dlg.table.sortByColumn(Column.PRICE, Qt.SortOrder.DescendingOrder)
    assert shown_names(dlg) == ["Gula Pasir 1kg", "Aqua 600ml", "Indomie Goreng"]
    assert dlg.selected_item.name == "Indomie Goreng"  # the selection follows its product
    dlg.refresh()  # a new read keeps the owner's sort
    settle(qtbot, dlg)
    assert shown_names(dlg) == ["Gula Pasir 1kg", "Aqua 600ml", "Indomie Goreng"]
    dlg.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)

    qtbot.keyClicks(dlg.search, "8992761111014")  # a barcode finds its product
    settle(qtbot, dlg)
    assert shown_names(dlg) == ["Aqua 600ml"]
    qtbot.keyClick(dlg.search, Qt.Key.Key_Escape)  # Esc clears the search first...
    settle(qtbot, dlg)
    assert dlg.search.text() == "" and len(shown_names(dlg)) == 3 and dlg.isVisible()

    # Down from the search box moves in the list; Enter edits that row.
    assert dlg.selected_item is not None and dlg.selected_item.name == "Aqua 600ml"
    qtbot.keyClick(dlg.search, Qt.Key.Key_Down)
    assert dlg.selected_item.name == "Gula Pasir 1kg"
    qtbot.keyClick(dlg.search, Qt.Key.Key_Return)
    ed = editor_of(qtbot, dlg)
    assert ed.field_text("name") == "Gula Pasir 1kg"
    qtbot.keyClick(ed.name, Qt.Key.Key_Escape)
    qt_wait_for(qtbot, lambda: not ed.isVisible(), "the editor to close")

    qtbot.keyClick(dlg, Qt.Key.Key_Escape)  # ...and closes the screen when it is empty
    assert not dlg.isVisible()


# --------------------------------------------------------------------------- archive


def test_archive_asks_then_restore(qtbot, db, data_dir, tasks) -> None:
    for item in (AQUA, GULA):
        catalog.save_item(db, item)
    dlg = open_screen(qtbot, db, data_dir, tasks)
    dlg.select_sku(stored(db)["Aqua 600ml"].sku)
    assert dlg.archive_button.text() == "Arsipkan (Del)"

    dlg.table.setFocus()
    qtbot.keyClick(dlg.table, Qt.Key.Key_Delete)
    answer(qtbot, dlg, yes=False)  # Tidak: nothing happens
    qtbot.wait(50)
    assert stored(db)["Aqua 600ml"].active

    dlg.archive_or_restore_selected()
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        answer(qtbot, dlg, yes=True)
    settle(qtbot, dlg)
    assert not stored(db)["Aqua 600ml"].active
    assert catalog.search(db, "aqua") == []  # off the till
    assert shown_names(dlg) == ["Gula Pasir 1kg"]
    assert dlg.status.text() == "Aqua 600ml diarsipkan"

    dlg.show_archived.setChecked(True)
    settle(qtbot, dlg)
    assert row_texts(dlg, "Aqua 600ml")[Column.STATUS] == "Diarsipkan"
    dlg.select_sku(stored(db)["Aqua 600ml"].sku)
    assert dlg.archive_button.text() == "Pulihkan (Del)"
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        dlg.archive_or_restore_selected()  # restoring needs no question
    settle(qtbot, dlg)
    assert stored(db)["Aqua 600ml"].active
    assert row_texts(dlg, "Aqua 600ml")[Column.STATUS] == "Aktif"
    assert [p.name for p in catalog.search(db, "aqua")] == ["Aqua 600ml"]


# --------------------------------------------------------------------------- categories


def test_categories_add_rename_and_reorder(qtbot, db, data_dir, tasks) -> None:
    for item in (AQUA, INDOMIE, GULA):
        catalog.save_item(db, item)
    dlg = open_screen(qtbot, db, data_dir, tasks)
    changes: list[bool] = []
    dlg.catalogChanged.connect(lambda: changes.append(True))
    dlg.open_categories()
    cats = dlg.categories_dialog
    assert cats is not None
    qt_wait_for(qtbot, lambda: cats.loaded, "the categories")
    assert cats.names == ["Minuman", "Makanan", "Sembako"]

    type_into(qtbot, cats.name, "Rokok")
    qtbot.keyClick(cats.name, Qt.Key.Key_Return)
    qt_wait_for(qtbot, lambda: "Rokok" in cats.names, "the new category")
    assert [c.name for c in catalog.category_list(db)][-1] == "Rokok"
    assert len(changes) == 1

    cats.list.setCurrentRow(cats.names.index("Minuman"))
    assert cats.name.text() == "Minuman"
    cats.name.setText("Minuman Dingin")
    qtbot.keyClick(cats, Qt.Key.Key_F2)
    qt_wait_for(qtbot, lambda: "Minuman Dingin" in cats.names, "the rename")
    assert stored(db)["Aqua 600ml"].category == "Minuman Dingin"  # the product followed
    assert len(changes) == 2

    cats.list.setCurrentRow(cats.names.index("Sembako"))
    qtbot.keyClick(cats, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    qt_wait_for(qtbot, lambda: cats.names.index("Sembako") == 1, "Sembako moved up")
    assert [c.name for c in catalog.category_list(db)] == [
        "Minuman Dingin", "Sembako", "Makanan", "Rokok"]
    assert catalog.categories(db)[:3] == ["Minuman Dingin", "Sembako", "Makanan"]
    assert len(changes) == 3

    # A duplicate is refused in Indonesian, and nothing changes.
    cats.name.setText("sembako")
    cats.add(cats.name.text())
    qt_wait_for(qtbot, lambda: cats.error.text(), "the refusal")
    assert "sudah ada" in cats.error.text()
    assert len(changes) == 3

    settle(qtbot, dlg)
    assert [dlg.category_filter.itemText(i) for i in range(dlg.category_filter.count())] == [
        "Semua kategori", "Minuman Dingin", "Sembako", "Makanan", "Rokok"]
    assert row_texts(dlg, "Aqua 600ml")[Column.CATEGORY] == "Minuman Dingin"


# --------------------------------------------------------------------------- import / export


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def preview_of(qtbot, dlg: ProductsDialog):  # type: ignore[no-untyped-def]
    qt_wait_for(qtbot, lambda: dlg.preview is not None and dlg.preview.isVisible(),
                "the import preview")
    return dlg.preview


def test_import_csv_preview_shows_refused_rows_then_commits_the_rest(qtbot, db, data_dir,
                                                                      tasks) -> None:
    catalog.save_item(db, AQUA)
    path = write_csv(tmp := data_dir / "harga.csv", [
        ["nama", "harga", "kategori", "barcode"],
        ["Aqua 600ml", "Rp 4.500", "Minuman", "8992761111014"],  # row 2: price changes
        ["Kopi Kapal Api", "2.000", "Minuman", "8992388101013"],  # row 3: new
        ["Rokok Surya 12", "lima ribu", "Rokok", ""],  # row 4: refused
        ["Tahu Goreng", "1,000", "Makanan", ""],  # row 5: new (Excel's 1,000)
    ])
    dlg = open_screen(qtbot, db, data_dir, tasks)
    changes: list[bool] = []
    dlg.catalogChanged.connect(lambda: changes.append(True))
    dlg.import_file(path)
    assert dlg.status.text() == "Membaca file…"
    pv = preview_of(qtbot, dlg)
    assert pv.summary.text() == "harga.csv — 2 baru, 1 diubah, 0 sama, 1 ditolak"
    assert [r[1] for r in pv.added_model.texts()] == ["Kopi Kapal Api", "Tahu Goreng"]
    assert pv.added_model.texts()[1][3] == "Rp 1.000"
    changed = pv.changed_model.texts()
    assert changed[0][0] == "2" and changed[0][3] == "Rp 4.000 → Rp 4.500"
    refused = pv.refused_model.texts()
    assert [r[0] for r in refused] == ["4"]
    assert "lima ribu" in refused[0][1]
    assert pv.tabs.currentWidget() is pv.refused_view  # the owner sees the problem first
    assert pv.tabs.tabText(2) == "Ditolak (1)"
    # Skipping refused rows is an explicit choice.
    assert pv.commit_button.text() == "Impor 3 produk"
    assert not pv.commit_button.isEnabled()
    assert stored(db)["Aqua 600ml"].price == 4000  # nothing written by the preview
    pv.skip_refused.setChecked(True)
    assert pv.commit_button.isEnabled()
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        qtbot.mouseClick(pv.commit_button, Qt.MouseButton.LeftButton)
    qt_wait_for(qtbot, lambda: not pv.isVisible(), "the preview to close")
    settle(qtbot, dlg)
    items = stored(db)
    assert set(items) == {"Aqua 600ml", "Kopi Kapal Api", "Tahu Goreng"}
    assert items["Aqua 600ml"].price == 4500
    assert items["Tahu Goreng"].price == 1000
    assert shown_names(dlg) == ["Aqua 600ml", "Kopi Kapal Api", "Tahu Goreng"]
    assert dlg.status.text() == "Impor selesai: 2 ditambah, 1 diubah"
    assert changes == [True]
    del tmp

    # The same file again: nothing to add or change.
    dlg.import_file(path)
    pv2 = preview_of(qtbot, dlg)
    assert pv2 is not pv
    assert pv2.to_import == 0 and not pv2.commit_button.isEnabled()


def test_import_xlsx_preview_and_commit(qtbot, db, data_dir, tasks) -> None:
    catalog.save_item(db, GULA)
    path = write_xlsx(data_dir / "daftar harga.xlsx", [
        ["Nama", "Harga", "Kategori", "Kode", "Stok"],
        ["Gula Pasir 1kg", 19000, "Sembako", None, None],
        ["Minyak Goreng 1L", 21000, "Sembako", "8993496101015", 12],
        ["Beras 5kg", "Rp 78.000", "Sembako", "8999999002091", None],
    ])
    dlg = open_screen(qtbot, db, data_dir, tasks)
    dlg.import_file(path)
    pv = preview_of(qtbot, dlg)
    assert len(pv.plan.added) == 2 and len(pv.plan.changed) == 1 and not pv.plan.refused
    assert not pv.skip_refused.isVisible()
    assert pv.commit_button.isEnabled() and pv.commit_button.text() == "Impor 3 produk"
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        pv.commit()
    settle(qtbot, dlg)
    items = stored(db)
    assert items["Gula Pasir 1kg"].price == 19000
    assert items["Minyak Goreng 1L"].stock == 12
    assert items["Beras 5kg"].price == 78000
    assert catalog.get_by_barcode(db, "8993496101015") is not None


def test_import_of_a_loyverse_export(qtbot, db, data_dir, tasks) -> None:
    path = write_csv(data_dir / "export_items.csv", [
        ["Handle", "SKU", "Name", "Category", "Sold by weight", "Option 1 name",
         "Option 1 value", "Default price", "Cost", "Barcode", "Track stock",
         "In stock [Warung Bu Sri]"],
        ["kopi-tubruk", "10001", "Kopi Tubruk", "Minuman", "N", "", "", "5000", "2000",
         "8990000000011", "Y", "40"],
        ["gula-curah", "10002", "Gula Curah", "Sembako", "Y", "", "", "17.000", "15000",
         "", "N", ""],
    ])
    dlg = open_screen(qtbot, db, data_dir, tasks)
    dlg.import_file(path)
    pv = preview_of(qtbot, dlg)
    assert pv.format_note.isVisibleTo(pv)
    assert pv.format_note.text() == "Dikenali sebagai ekspor Loyverse."
    assert [r[1] for r in pv.added_model.texts()] == ["Kopi Tubruk", "Gula Curah"]
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        pv.commit()
    settle(qtbot, dlg)
    assert row_texts(dlg, "Kopi Tubruk")[Column.STOCK] == "40"
    assert row_texts(dlg, "Gula Curah")[Column.UNIT] == "kg"
    assert row_texts(dlg, "Gula Curah")[Column.PRICE] == "Rp 17.000"


def test_import_of_a_file_that_is_not_a_price_list_says_why(qtbot, db, data_dir,
                                                            tasks) -> None:
    path = write_csv(data_dir / "catatan.csv", [["tanggal", "catatan"], ["1/1", "libur"]])
    dlg = open_screen(qtbot, db, data_dir, tasks)
    dlg.import_file(path)
    qt_wait_for(qtbot, lambda: not dlg.file_busy, "the file to be read")
    assert dlg.preview is None
    assert dlg.status.text().startswith("File tidak bisa diimpor: ")
    assert dlg.status.property("state") == "error"
    assert dlg.import_button.isEnabled()


def test_export_then_import_changes_nothing(qtbot, db, data_dir, tasks) -> None:
    for item in (AQUA, INDOMIE, GULA):
        catalog.save_item(db, item)
    dlg = open_screen(qtbot, db, data_dir, tasks)
    out = data_dir / "produk.xlsx"
    dlg.export_file(out)
    qt_wait_for(qtbot, lambda: not dlg.file_busy, "the export")
    assert dlg.status.text() == "3 produk diekspor ke produk.xlsx"
    assert out.stat().st_size > 0
    dlg.import_file(out)
    pv = preview_of(qtbot, dlg)
    assert (len(pv.plan.added), len(pv.plan.changed), pv.plan.unchanged) == (0, 0, 3)
    assert pv.nothing_note.isVisibleTo(pv)
    assert not pv.commit_button.isEnabled()


# --------------------------------------------------------------------------- demo products


def add_own_product(qtbot, dlg: ProductsDialog, name: str, price: str) -> None:
    dlg.add_product()
    ed = editor_of(qtbot, dlg)
    type_into(qtbot, ed.name, name)
    type_into(qtbot, ed.price, price)
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        ed.save()


def test_first_own_product_asks_to_drop_the_demo_products_yes(qtbot, db, data_dir,
                                                               tasks) -> None:
    seeded = catalog.seed_demo(db)
    assert seeded > 20
    dlg = open_screen(qtbot, db, data_dir, tasks, demo=True)
    assert dlg.banner.isVisibleTo(dlg) and str(seeded) in dlg.banner.text()
    assert row_texts(dlg, "Aqua 600ml")[Column.STATUS] == "Aktif · demo"
    add_own_product(qtbot, dlg, "Es Kopi Susu", "18.000")
    qt_wait_for(qtbot, lambda: dlg.question is not None, "the demo question")
    assert dlg.question.text() == "Hapus produk demo?"
    assert str(seeded) in dlg.question.informativeText()
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        answer(qtbot, dlg, yes=True)
    settle(qtbot, dlg)
    assert catalog.demo_count(db) == 0
    assert [p.name for p in catalog.search(db, "")] == ["Es Kopi Susu"]
    assert shown_names(dlg) == ["Es Kopi Susu"]
    assert not dlg.banner.isVisibleTo(dlg)

    add_own_product(qtbot, dlg, "Es Teh Jumbo", "5.000")  # asked once only
    settle(qtbot, dlg)
    qtbot.wait(100)
    assert dlg.question is None


def test_first_own_product_asks_to_drop_the_demo_products_no(qtbot, db, data_dir,
                                                              tasks) -> None:
    seeded = catalog.seed_demo(db)
    dlg = open_screen(qtbot, db, data_dir, tasks, demo=True)
    add_own_product(qtbot, dlg, "Es Kopi Susu", "18.000")
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        answer(qtbot, dlg, yes=False)  # keep them: they become the shop's own
    settle(qtbot, dlg)
    assert catalog.demo_count(db) == 0
    items = catalog.list_items(db)
    assert len(items) == seeded + 1 and not any(i.demo for i in items)
    assert row_texts(dlg, "Aqua 600ml")[Column.STATUS] == "Aktif"

    add_own_product(qtbot, dlg, "Es Teh Jumbo", "5.000")
    settle(qtbot, dlg)
    qtbot.wait(100)
    assert dlg.question is None


def test_importing_into_a_demo_catalogue_asks_before_the_preview(qtbot, db, data_dir,
                                                                 tasks) -> None:
    catalog.seed_demo(db)
    path = write_csv(data_dir / "produk.csv", [
        ["nama", "harga", "barcode"],
        ["Bakso Urat", "15000", ""],
        ["Aqua Botol 600ml", "4.500", "8992761111014"],  # the demo Aqua's barcode
    ])
    dlg = open_screen(qtbot, db, data_dir, tasks, demo=True)
    dlg.import_file(path)
    qt_wait_for(qtbot, lambda: dlg.question is not None, "the demo question")
    assert dlg.preview is None  # asked before the file is planned
    answer(qtbot, dlg, yes=True)
    pv = preview_of(qtbot, dlg)
    assert pv.plan.without_demo
    # Planned without the demo items: the Aqua row adds the shop's own product.
    assert [r[1] for r in pv.added_model.texts()] == ["Bakso Urat", "Aqua Botol 600ml"]
    assert catalog.demo_count(db) > 0  # nothing dropped before the commit
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        pv.commit()
    settle(qtbot, dlg)
    assert catalog.demo_count(db) == 0
    assert shown_names(dlg) == ["Aqua Botol 600ml", "Bakso Urat"]
    assert "produk demo dihapus" in dlg.status.text()


def test_importing_into_a_demo_catalogue_and_keeping_the_demo(qtbot, db, data_dir,
                                                              tasks) -> None:
    seeded = catalog.seed_demo(db)
    path = write_csv(data_dir / "produk.csv", [["nama", "harga"], ["Bakso Urat", "15000"]])
    dlg = open_screen(qtbot, db, data_dir, tasks, demo=True)
    dlg.import_file(path)
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        answer(qtbot, dlg, yes=False)  # adopted at once
    assert catalog.demo_count(db) == 0
    pv = preview_of(qtbot, dlg)
    assert not pv.plan.without_demo
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        pv.commit()
    settle(qtbot, dlg)
    assert len(shown_names(dlg)) == seeded + 1
    assert dlg.question is None
