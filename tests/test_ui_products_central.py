"""The products screen and the first-run products step on a till whose price list head office
manages (issue 14): read-only with a banner, export still allowed, every write refused on the
writer thread too; and normal when the till keeps its own list. pytest-qt, offscreen, a real
SQLite file and the real TaskManager threads; the central state is set in SQLite directly, as
the catalogue pull leaves it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from pos_app.products import CatalogItem
from pos_app.settings import Settings
from pos_app.storage import catalog, open_database
from pos_app.storage.database import Database
from pos_app.ui import i18n
from pos_app.ui.first_run import FirstRunGuide
from pos_app.ui.first_run.products import ProductsStep
from pos_app.ui.first_run.progress import STEP_KEY
from pos_app.ui.products import ProductsDialog
from pos_app.ui.products.screen import guarded
from pos_app.ui.tasks import TaskManager
from tests.waiting import WAIT_MS, qt_wait_for

BANNER = ("Daftar harga diatur kantor pusat (outlet toko-a). Ubah harga dan produk di kantor "
          "pusat; perubahan sampai ke kasir ini otomatis.")
BANNER_EN = ("The price list is managed by head office (outlet toko-a). Change prices and "
             "products at head office; changes reach this till automatically.")
KOPI = CatalogItem(sku="K-1", name="Kopi Susu", price=5000, category="Minuman",
                   barcodes=("111",))


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    i18n.set_language("id")
    yield
    i18n.set_language("id")


@pytest.fixture
def tasks() -> Iterator[TaskManager]:
    manager = TaskManager()
    yield manager
    manager.shutdown()


def make_central(db: Database, managed: bool = True) -> None:
    with db.transaction() as conn:
        conn.execute("UPDATE central_state SET enrolled = 1, outlet_id = 'toko-a',"
                     " terminal_id = 'K1', catalog_managed = ?", (int(managed),))


def open_screen(qtbot: Any, db: Database, data_dir: Path, tasks: TaskManager) -> ProductsDialog:
    dlg = ProductsDialog(db, tasks, Settings.load(data_dir))
    qtbot.addWidget(dlg)
    dlg.show()
    settle(qtbot, dlg)
    return dlg


def settle(qtbot: Any, dlg: ProductsDialog) -> None:
    qt_wait_for(qtbot, lambda: not dlg.loading and not dlg._search_timer.isActive(),
                "the product list")


def idle(qtbot: Any, tasks: TaskManager) -> None:
    qt_wait_for(qtbot, lambda: tasks.pending == 0, "the worker jobs")


# --------------------------------------------------------------------------- the products screen


def test_the_screen_is_read_only_with_the_banner_when_head_office_manages_the_list(
        qtbot: Any, db: Database, data_dir: Path, tasks: TaskManager, tmp_path: Path) -> None:
    catalog.save_item(db, KOPI)
    make_central(db)
    dlg = open_screen(qtbot, db, data_dir, tasks)
    assert dlg.read_only
    assert dlg.central_banner.isVisible() and dlg.central_banner.text() == BANNER
    assert dlg.selected_item is not None and dlg.selected_item.name == "Kopi Susu"
    for button in (dlg.add_button, dlg.archive_button, dlg.categories_button,
                   dlg.import_button):
        assert not button.isEnabled(), button.text()
    assert dlg.export_button.isEnabled()
    assert dlg.edit_button.isEnabled() and dlg.edit_button.text() == "Lihat (Enter)"

    # Ins, Del and the import path do nothing but say why.
    changes: list[bool] = []
    dlg.catalogChanged.connect(lambda: changes.append(True))
    qtbot.keyClick(dlg.search, Qt.Key.Key_Insert)
    assert dlg.editor is None
    assert dlg.status.text() == ("Daftar harga diatur kantor pusat (outlet toko-a): ubah di "
                                 "kantor pusat.")
    dlg.table.setFocus()
    qtbot.keyClick(dlg.table, Qt.Key.Key_Delete)
    assert dlg.question is None
    dlg.open_categories()
    assert dlg.categories_dialog is None
    dlg.import_file(tmp_path / "tidak-ada.csv")
    assert not dlg.file_busy and dlg.preview is None

    # A double-click opens the product to look at: nothing can be changed or saved.
    index = dlg.model.index(0, 0)
    rect = dlg.table.visualRect(index)
    qtbot.mouseClick(dlg.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(dlg.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qt_wait_for(qtbot, lambda: dlg.editor is not None and dlg.editor.isVisible(), "the viewer")
    ed = dlg.editor
    assert ed is not None and ed.read_only
    assert ed.windowTitle() == "Lihat produk: Kopi Susu"
    assert ed.name.isReadOnly() and ed.price.isReadOnly() and ed.barcodes.isReadOnly()
    assert not ed.category.isEnabled() and not ed.active.isEnabled()
    assert not ed.save_button.isVisible()
    assert ed.field_text("price") == "5.000"
    ed.price.setText("9.000")  # even if a field were changed, there is no save
    ed.save()
    assert not ed.saving
    ed.reject()
    idle(qtbot, tasks)

    # Export still works (it only reads).
    out = tmp_path / "produk.csv"
    dlg.export_file(out)
    qt_wait_for(qtbot, lambda: not dlg.file_busy, "the export")
    assert out.exists() and "Kopi Susu" in out.read_text(encoding="utf-8-sig")

    # A write that gets through anyway (a pull arrived after the screen read the list) is
    # refused on the writer thread, in the owner's language, and nothing changes.
    dlg._write_then_refresh(lambda d: catalog.archive_item(d, "K-1"), "diarsipkan")
    qt_wait_for(qtbot, lambda: dlg.status.text().startswith("Gagal:"), "the refusal")
    assert dlg.status.text() == ("Gagal: Daftar harga kasir ini diatur kantor pusat (outlet "
                                 "toko-a): ubah di kantor pusat.")
    idle(qtbot, tasks)
    assert catalog.get_by_sku(db, "K-1").active  # type: ignore[union-attr]
    assert changes == []


def test_the_banner_in_english(qtbot: Any, db: Database, data_dir: Path,
                               tasks: TaskManager) -> None:
    i18n.set_language("en")
    make_central(db)
    dlg = open_screen(qtbot, db, data_dir, tasks)
    assert dlg.central_banner.text() == BANNER_EN
    assert dlg.count_label.text() == "No products from head office yet"


def test_the_screen_is_normal_when_the_till_keeps_its_own_list(
        qtbot: Any, db: Database, data_dir: Path, tasks: TaskManager) -> None:
    catalog.save_item(db, KOPI)
    make_central(db, managed=False)  # enrolled, but the outlet keeps its own price list
    dlg = open_screen(qtbot, db, data_dir, tasks)
    assert not dlg.read_only and not dlg.central_banner.isVisible()
    for button in (dlg.add_button, dlg.edit_button, dlg.archive_button, dlg.categories_button,
                   dlg.import_button, dlg.export_button):
        assert button.isEnabled(), button.text()
    assert dlg.edit_button.text() == "Ubah (Enter)"
    qtbot.keyClick(dlg.search, Qt.Key.Key_Return)
    qt_wait_for(qtbot, lambda: dlg.editor is not None and dlg.editor.isVisible(), "the editor")
    ed = dlg.editor
    assert ed is not None and not ed.read_only and ed.windowTitle() == "Ubah produk: Kopi Susu"
    ed.price.clear()
    ed.price.setText("6.000")
    with qtbot.waitSignal(dlg.catalogChanged, timeout=WAIT_MS):
        ed.save()
    settle(qtbot, dlg)
    assert catalog.get_by_sku(db, "K-1").price == 6000  # type: ignore[union-attr]


def test_the_screen_follows_a_pull_that_makes_the_list_central(
        qtbot: Any, db: Database, data_dir: Path, tasks: TaskManager) -> None:
    catalog.save_item(db, KOPI)
    dlg = open_screen(qtbot, db, data_dir, tasks)
    assert not dlg.read_only
    dlg.add_product()
    qt_wait_for(qtbot, lambda: dlg.editor is not None and dlg.editor.isVisible(), "the editor")
    ed = dlg.editor
    assert ed is not None
    make_central(db)  # the first pull lands while the owner types
    ed.name.setText("Teh Manis")
    ed.price.setText("4.000")
    ed.save()
    qt_wait_for(qtbot, lambda: not ed.saving, "the refused save")
    assert ed.isVisible() and "diatur kantor pusat" in ed.status.text()
    assert catalog.get_by_sku(db, "P-00001") is None
    ed.reject()
    dlg.refresh()
    settle(qtbot, dlg)
    assert dlg.read_only and dlg.central_banner.isVisible()
    assert not dlg.add_button.isEnabled()


def test_guarded_writes_pass_when_the_till_keeps_its_own_list(db: Database) -> None:
    assert guarded(db, lambda d: catalog.save_item(d, KOPI)).sku == "K-1"


# --------------------------------------------------------------------------- the first-run guide


@pytest.fixture
def guide_parts(data_dir: Path, qapp: Any) -> Iterator[tuple[Settings, Database, TaskManager]]:
    settings = Settings.load(data_dir)
    db = open_database(data_dir / "pos.sqlite3")
    tasks = TaskManager()
    yield settings, db, tasks
    tasks.shutdown()
    db.close()


def open_products_step(qtbot: Any, settings: Settings, db: Database,
                       tasks: TaskManager) -> tuple[FirstRunGuide, ProductsStep]:
    settings.set(STEP_KEY, "payment")  # the next step is Produk
    guide = FirstRunGuide(settings, db, tasks, demo=True)
    qtbot.addWidget(guide)
    guide.resize(1366, 768)
    guide.show()
    qtbot.waitExposed(guide, timeout=WAIT_MS)
    idle(qtbot, tasks)
    step = guide.current
    assert isinstance(step, ProductsStep)
    return guide, step


def test_first_run_products_step_says_the_list_comes_from_head_office(
        qtbot: Any, guide_parts: tuple[Settings, Database, TaskManager]) -> None:
    settings, db, tasks = guide_parts
    catalog.save_item(db, KOPI)  # pulled from head office already
    make_central(db)
    guide, step = open_products_step(qtbot, settings, db, tasks)
    qt_wait_for(qtbot, lambda: step.central_note.isVisible(), "the head-office sentence")
    assert step.central_note.text() == BANNER
    assert not step.choices.isVisible()
    assert not step.import_button.isVisible() and not step.demo_button.isVisible()
    assert step.count_label.text() == "Katalog sekarang: 1 produk"
    # Lanjut goes on.
    qtbot.mouseClick(guide.next_button, Qt.MouseButton.LeftButton)
    qt_wait_for(qtbot, lambda: guide.current.key == "devices", "the next step")
    assert catalog.product_count(db) == 1


def test_first_run_products_step_offers_the_choices_otherwise(
        qtbot: Any, guide_parts: tuple[Settings, Database, TaskManager]) -> None:
    settings, db, tasks = guide_parts
    _guide, step = open_products_step(qtbot, settings, db, tasks)
    qt_wait_for(qtbot, lambda: step.count_label.text() == "Katalog sekarang: 0 produk",
                "the count")
    assert step.choices.isVisible() and not step.central_note.isVisible()
    assert step.demo_button.isVisible() and step.demo_button.isEnabled()
