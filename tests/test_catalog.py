"""The catalogue in SQLite: the owner's add/edit/archive, categories in order, the demo
catalogue, and the till's lookups over it (pos_app.storage.catalog, migration 4)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import zone
from pos_app.demo import demo_products
from pos_app.products import CatalogItem, ProductInvalid, UnknownProduct
from pos_app.storage import catalog, open_database
from pos_app.storage.migrations import MIGRATIONS

WIB = zone("Asia/Jakarta")
KOPI = CatalogItem(sku="", name="Kopi Tubruk", price=5000, category="Minuman",
                   barcodes=("2000001", "2000002"))
ROTI = CatalogItem(sku="R-1", name="Roti Bakar", price=12000, category="Makanan",
                   barcodes=("3000001",), stock=4, low_stock=5)


def sell(db, sku: str) -> None:
    product = catalog.get_by_sku(db, sku)
    assert product is not None
    cart = Cart()
    cart.add(product)
    CheckoutService(db, Till("K1", WIB)).complete_cash_sale(cart, product.price)


def refused(exc: pytest.ExceptionInfo[ProductInvalid]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


# --------------------------------------------------------------------------- migration


def test_migration_4_keeps_an_old_demo_till_and_marks_its_demo_items(tmp_path: Path) -> None:
    path = tmp_path / "pos.sqlite3"
    old = open_database(path, migrations=MIGRATIONS[:3])
    catalog.upsert_products(old, [*demo_products(),
                                  Product("OWN-1", "Es Jeruk", 6000, "minuman", "777")])
    old.close()
    db = open_database(path, backup_dir=tmp_path / "backups")
    try:
        assert db.schema_version >= 4
        assert catalog.demo_count(db) == len(demo_products())
        assert catalog.get_item(db, "OWN-1").demo is False
        # "minuman" is the same category as the demo's "Minuman" (one tab, one spelling).
        assert catalog.get_item(db, "OWN-1").category == "Minuman"
        assert catalog.categories(db) == ["Camilan", "Makanan", "Minuman", "Pulsa & Token",
                                          "Rumah Tangga", "Sembako"], "the old order: by name"
        assert catalog.get_by_barcode(db, "777").sku == "OWN-1"
        assert catalog.get_item(db, "MNM-002").barcodes == ("8992761111014",)
        assert catalog.get_item(db, "PLS-001").barcodes == ()
    finally:
        db.close()


# --------------------------------------------------------------------------- add / edit


def test_add_assigns_a_sku_creates_the_category_and_reaches_the_till(db) -> None:
    stored = catalog.save_item(db, KOPI)
    assert stored.sku == "P-00001"
    assert stored.barcodes == ("2000001", "2000002")
    assert catalog.save_item(db, replace(KOPI, name="Kopi Susu", barcodes=())).sku == "P-00002"
    assert [c.name for c in catalog.category_list(db)] == ["Minuman"]
    # Any of its barcodes finds it, at once, at the till.
    assert catalog.get_by_barcode(db, "2000002").sku == "P-00001"
    assert catalog.get_by_barcode(db, "P-00001").name == "Kopi Tubruk"
    assert [p.sku for p in catalog.search(db, "2000002")] == ["P-00001"]
    assert [p.sku for p in catalog.search(db, "tubruk")] == ["P-00001"]
    assert [p.sku for p in catalog.search(db, "000002")] == ["P-00001"], "part of the 2nd"
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'product_added'") == 2


def test_add_trims_and_uses_the_existing_category_spelling(db) -> None:
    catalog.add_category(db, "Minuman")
    stored = catalog.save_item(db, CatalogItem("", "  Es   Teh ", 3000, " minuman "))
    assert (stored.name, stored.category) == ("Es Teh", "Minuman")
    assert len(catalog.category_list(db)) == 1


def test_duplicate_barcode_is_refused_in_indonesian_naming_the_other_product(db) -> None:
    catalog.save_item(db, KOPI)
    with pytest.raises(ProductInvalid) as exc:
        catalog.save_item(db, CatalogItem("", "Kopi Lain", 6000, barcodes=("2000002",)))
    assert refused(exc) == {"barcodes": "Barcode 2000002 sudah dipakai oleh Kopi Tubruk"}
    assert "barcode 2000002 is already used by Kopi Tubruk" in str(exc.value)
    assert catalog.product_count(db) == 1, "nothing was written"


def test_field_and_database_problems_come_together(db) -> None:
    catalog.save_item(db, ROTI)
    with pytest.raises(ProductInvalid) as exc:
        catalog.save_item(db, CatalogItem("R-1", "", 0, barcodes=("3000001",)))
    assert set(refused(exc)) == {"name", "price", "sku", "barcodes"}


def test_a_sku_and_a_barcode_never_name_two_products(db) -> None:
    catalog.save_item(db, ROTI)
    with pytest.raises(ProductInvalid) as exc:
        catalog.save_item(db, CatalogItem("3000001", "Kue", 2000))
    assert "sudah dipakai sebagai barcode oleh Roti Bakar" in refused(exc)["sku"]
    with pytest.raises(ProductInvalid) as exc:
        catalog.save_item(db, CatalogItem("", "Kue", 2000, barcodes=("R-1",)))
    assert "sudah dipakai sebagai SKU oleh Roti Bakar" in refused(exc)["barcodes"]
    # A product whose barcode is its own SKU is fine.
    assert catalog.save_item(db, CatalogItem("999", "Kue", 2000, barcodes=("999",))).sku == "999"


def test_edit_changes_price_barcodes_and_sku_in_one_go(db) -> None:
    kopi = catalog.save_item(db, KOPI)
    edited = catalog.save_item(db, replace(kopi, sku="KOPI-1", price=5500,
                                           barcodes=("2000002", "2000009")),
                               original_sku=kopi.sku)
    assert (edited.sku, edited.price, edited.barcodes) == (
        "KOPI-1", 5500, ("2000002", "2000009"))
    assert catalog.get_item(db, kopi.sku) is None
    assert catalog.get_by_barcode(db, "2000001") is None, "a removed barcode is free again"
    assert catalog.get_by_barcode(db, "2000009").sku == "KOPI-1"
    assert catalog.save_item(db, CatalogItem("", "Lain", 100, barcodes=("2000001",))).barcodes
    audit = db.query_one("SELECT details FROM audit_log WHERE action = 'product_changed'")
    assert '"before": {"sku": "P-00001", "price": 5000}' in audit["details"]


def test_edit_keeps_the_sku_when_the_form_leaves_it_empty(db) -> None:
    catalog.save_item(db, ROTI)
    stored = catalog.save_item(db, replace(ROTI, sku="", price=13000), original_sku="R-1")
    assert (stored.sku, stored.price) == ("R-1", 13000)


def test_the_sku_of_a_sold_product_stays(db) -> None:
    catalog.save_item(db, ROTI)
    sell(db, "R-1")
    with pytest.raises(ProductInvalid) as exc:
        catalog.save_item(db, replace(ROTI, sku="R-2"), original_sku="R-1")
    assert "sudah tercatat di penjualan" in refused(exc)["sku"]
    assert catalog.save_item(db, replace(ROTI, price=15000), original_sku="R-1").price == 15000


def test_editing_a_product_that_is_gone(db) -> None:
    with pytest.raises(UnknownProduct):
        catalog.save_item(db, ROTI, original_sku="NOPE")


def test_an_edited_demo_item_becomes_the_shops_own(db) -> None:
    catalog.seed_demo(db)
    aqua = catalog.get_item(db, "MNM-002")
    assert aqua.demo
    assert catalog.save_item(db, replace(aqua, price=4500), original_sku="MNM-002").demo is False
    assert catalog.demo_count(db) == len(demo_products()) - 1


def test_a_failed_save_leaves_everything_as_it_was(db, monkeypatch: pytest.MonkeyPatch) -> None:
    kopi = catalog.save_item(db, KOPI)

    def boom(*_a, **_k):
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(db, "audit", boom)
    with pytest.raises(sqlite3.OperationalError):
        catalog.save_item(db, replace(kopi, sku="NEW", price=1, barcodes=("1",),
                                      category="Baru"), original_sku=kopi.sku)
    assert catalog.get_item(db, kopi.sku) == kopi
    assert catalog.get_item(db, "NEW") is None
    assert [c.name for c in catalog.category_list(db)] == ["Minuman"]


def test_low_stock_and_unit_reach_the_cart_product(db) -> None:
    catalog.save_item(db, replace(ROTI, unit="bungkus"))
    found = catalog.search(db, "roti")[0]
    assert (found.low_stock, found.unit, found.stock) == (True, "bungkus", 4)
    assert catalog.get_by_barcode(db, "3000001").low_stock is True
    catalog.save_item(db, replace(ROTI, stock=6), original_sku="R-1")
    assert catalog.get_by_sku(db, "R-1").low_stock is False


# --------------------------------------------------------------------------- archive / delete


def test_archive_takes_it_off_the_till_and_restore_brings_it_back(db) -> None:
    catalog.save_item(db, ROTI)
    catalog.archive_item(db, "R-1")
    assert catalog.get_by_barcode(db, "3000001") is None
    assert catalog.search(db, "roti") == []
    assert catalog.categories(db) == []
    assert catalog.list_items(db) == []
    assert [i.sku for i in catalog.list_items(db, include_archived=True)] == ["R-1"]
    with pytest.raises(ProductInvalid):  # an archived product keeps its barcode
        catalog.save_item(db, CatalogItem("", "Lain", 1, barcodes=("3000001",)))
    catalog.restore_item(db, "R-1")
    assert catalog.get_by_barcode(db, "3000001").sku == "R-1"
    with pytest.raises(UnknownProduct):
        catalog.archive_item(db, "NOPE")


def test_delete_only_what_was_never_sold(db) -> None:
    catalog.save_item(db, ROTI)
    kopi = catalog.save_item(db, KOPI)
    sell(db, "R-1")
    assert catalog.delete_item(db, "R-1") is False
    assert catalog.get_item(db, "R-1") is not None
    assert catalog.delete_item(db, kopi.sku) is True
    assert catalog.get_item(db, kopi.sku) is None
    assert db.scalar("SELECT count(*) FROM product_barcodes WHERE sku = ?", (kopi.sku,)) == 0
    assert catalog.delete_item(db, kopi.sku) is False


# --------------------------------------------------------------------------- lists


def test_list_items_searches_filters_and_limits(db) -> None:
    catalog.save_item(db, KOPI)
    catalog.save_item(db, ROTI)
    catalog.save_item(db, CatalogItem("", "Kopi Susu", 7000, "Minuman"))
    assert [i.name for i in catalog.list_items(db)] == ["Kopi Susu", "Kopi Tubruk", "Roti Bakar"]
    assert [i.name for i in catalog.list_items(db, "kopi")] == ["Kopi Susu", "Kopi Tubruk"]
    assert [i.name for i in catalog.list_items(db, "3000001")] == ["Roti Bakar"]
    assert [i.name for i in catalog.list_items(db, category="Makanan")] == ["Roti Bakar"]
    assert len(catalog.list_items(db, limit=2)) == 2
    assert catalog.list_items(db, "kopi")[1].barcodes == ("2000001", "2000002")


def test_search_ranks_an_exact_code_first_and_can_leave_demo_items_out(db) -> None:
    catalog.seed_demo(db)
    catalog.save_item(db, CatalogItem("", "Aqua Galon", 20000, "Minuman", ("600",)))
    assert catalog.search(db, "600")[0].name == "Aqua Galon", "an exact barcode comes first"
    assert [p.name for p in catalog.search(db, "aqua", include_demo=False)] == ["Aqua Galon"]
    assert catalog.get_by_barcode(db, "8992761111014", include_demo=False) is None
    assert catalog.get_by_barcode(db, "8992761111014").sku == "MNM-002"
    assert catalog.categories(db, include_demo=False) == ["Minuman"]
    assert "Sembako" in catalog.categories(db)


# --------------------------------------------------------------------------- categories


def test_categories_add_rename_reorder_and_the_grid_follows(db) -> None:
    catalog.save_item(db, KOPI)
    catalog.save_item(db, ROTI)
    catalog.add_category(db, "Rokok")
    assert [(c.name, c.position, c.product_count) for c in catalog.category_list(db)] == [
        ("Minuman", 0, 1), ("Makanan", 1, 1), ("Rokok", 2, 0)]
    assert catalog.categories(db) == ["Minuman", "Makanan"], "a tab only for what is on sale"

    catalog.reorder_categories(db, ["Rokok", "makanan"])
    assert [c.name for c in catalog.category_list(db)] == ["Rokok", "Makanan", "Minuman"]
    assert catalog.categories(db) == ["Makanan", "Minuman"]

    catalog.rename_category(db, "Minuman", "Minuman Dingin")
    assert catalog.get_item(db, "P-00001").category == "Minuman Dingin"
    assert [p.sku for p in catalog.search(db, "", category="Minuman Dingin")] == ["P-00001"]
    catalog.rename_category(db, "minuman dingin", "MINUMAN DINGIN")  # a change of case only
    assert catalog.categories(db) == ["Makanan", "MINUMAN DINGIN"]


@pytest.mark.parametrize(("name", "message"), [
    ("", "Nama kategori wajib diisi"), ("makanan", "Kategori Makanan sudah ada"),
    ("x" * 61, "terlalu panjang")])
def test_bad_category_names(db, name: str, message: str) -> None:
    catalog.add_category(db, "Makanan")
    catalog.add_category(db, "Minuman")
    with pytest.raises(ProductInvalid) as exc:
        catalog.add_category(db, name)
    assert message in refused(exc)["category"]
    with pytest.raises(ProductInvalid):
        catalog.rename_category(db, "Minuman", name)
    assert [c.name for c in catalog.category_list(db)] == ["Makanan", "Minuman"]


def test_reorder_with_an_unknown_name_changes_nothing(db) -> None:
    catalog.add_category(db, "A")
    catalog.add_category(db, "B")
    with pytest.raises(ProductInvalid):
        catalog.reorder_categories(db, ["B", "Nope"])
    assert [c.name for c in catalog.category_list(db)] == ["A", "B"]
    with pytest.raises(ProductInvalid):
        catalog.rename_category(db, "Nope", "C")


def test_delete_category_only_when_empty(db) -> None:
    catalog.save_item(db, ROTI)
    catalog.add_category(db, "Kosong")
    assert catalog.delete_category(db, "Makanan") is False
    assert catalog.delete_category(db, "kosong") is True
    assert [c.name for c in catalog.category_list(db)] == ["Makanan"]


# --------------------------------------------------------------------------- demo catalogue


def test_seed_demo_skips_what_the_shop_already_uses(db) -> None:
    catalog.save_item(db, CatalogItem("", "Aqua Botol", 4000, barcodes=("8992761111014",)))
    catalog.save_item(db, CatalogItem("MNM-001", "Teh Sendiri", 5000))
    n = catalog.seed_demo(db)
    assert n == len(demo_products()) - 2
    assert catalog.demo_count(db) == n
    assert catalog.seed_demo(db) == 0, "seeding twice adds nothing"
    assert all(i.demo for i in catalog.list_items(db) if i.sku != "MNM-001"
               and i.name != "Aqua Botol")


def test_drop_demo_items_deletes_unsold_archives_sold_and_their_categories(db) -> None:
    catalog.seed_demo(db)
    own = catalog.save_item(db, CatalogItem("", "Es Jeruk", 6000, "Minuman"))
    sell(db, "MKN-001")
    assert catalog.drop_demo_items(db) == len(demo_products())
    assert catalog.demo_count(db) == 0
    assert [i.sku for i in catalog.list_items(db)] == [own.sku]
    assert catalog.get_item(db, "MKN-001").active is False, "a sold demo item is archived"
    assert catalog.get_item(db, "MNM-002") is None
    assert [c.name for c in catalog.category_list(db)] == ["Minuman", "Makanan"], \
        "Makanan keeps the archived sold item; Minuman has the shop's own"
    assert catalog.categories(db) == ["Minuman"]


def test_adopt_demo_items_makes_them_the_shops_own(db) -> None:
    catalog.seed_demo(db)
    assert catalog.adopt_demo_items(db) == len(demo_products())
    assert catalog.demo_count(db) == 0
    assert catalog.drop_demo_items(db) == 0
    assert catalog.product_count(db) == len(demo_products())


def test_upsert_products_sets_the_first_barcode_and_keeps_the_others(db) -> None:
    catalog.save_item(db, KOPI)
    catalog.upsert_products(db, [Product("P-00001", "Kopi Tubruk", 5500, "Minuman", "2000009")])
    item = catalog.get_item(db, "P-00001")
    assert (item.price, item.barcodes) == (5500, ("2000009", "2000002"))
    assert catalog.get_by_barcode(db, "2000001") is None
    catalog.upsert_products(db, [Product("N-1", "Baru", 100, "Kategori Baru")])
    assert catalog.categories(db) == ["Minuman", "Kategori Baru"]
