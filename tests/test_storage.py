"""The SQLite file: pragmas, migrations on old files, failed migrations, one-transaction sales."""

from __future__ import annotations

import sqlite3
from datetime import UTC
from pathlib import Path

import pytest

from pos_app.cart import Cart, Discount, Product, TaxConfig, TaxMode
from pos_app.checkout import CheckoutError, CheckoutService, Till
from pos_app.clock import zone
from pos_app.order_state import InsufficientCash, OrderStatus, PaymentStatus
from pos_app.storage import MigrationError, StorageError, catalog, open_database
from pos_app.storage.migrations import MIGRATIONS, Migration
from pos_app.storage.orders import latest_payment, load_order, pending_outbox

WIB = zone("Asia/Jakarta")
P1 = Product(sku="A", barcode="111", name="Kopi Susu", category="Minuman", price=5000, stock=10)
P2 = Product(sku="B", barcode="222", name="Roti Bakar", category="Makanan", price=12000)
P3 = Product(sku="C", barcode="333", name="Teh Manis", category="Minuman", price=4000)


def cart3() -> Cart:
    c = Cart()
    c.add(P1, 2)
    c.add(P2)
    c.add(P3, 3)
    return c


def test_pragmas(db) -> None:
    assert db.scalar("PRAGMA journal_mode") == "wal"
    assert db.scalar("PRAGMA foreign_keys") == 1
    assert db.schema_version == MIGRATIONS[-1].version


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "pos.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not a usable pos-app database"):
        open_database(bad)


def test_old_file_is_migrated_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "pos.sqlite3"
    old = open_database(path, migrations=MIGRATIONS[:1])
    catalog.upsert_products(old, [P1])
    old.close()
    extra = Migration(MIGRATIONS[-1].version + 1, "add notes to products",
                      "ALTER TABLE products ADD COLUMN notes TEXT NOT NULL DEFAULT ''")
    new = open_database(path, migrations=(*MIGRATIONS, extra), backup_dir=tmp_path / "backups")
    assert new.schema_version == extra.version
    row = new.query_one("SELECT name, notes FROM products WHERE sku = 'A'")
    assert (row["name"], row["notes"]) == ("Kopi Susu", "")
    backups = list((tmp_path / "backups").glob("pos-before-v*.sqlite3"))
    assert len(backups) == 1, "a file with data is backed up before it is migrated"
    new.close()


def test_failed_migration_leaves_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "pos.sqlite3"
    old = open_database(path)
    catalog.upsert_products(old, [P1])
    old.close()
    v = MIGRATIONS[-1].version
    broken = Migration(
        v + 1, "broken", "CREATE TABLE t1 (x INTEGER); INSERT INTO nowhere VALUES (1);"
    )
    expected = rf"migration {v + 1} \(broken\) failed.*unchanged at schema version {v}"
    with pytest.raises(MigrationError, match=expected):
        open_database(path, migrations=(*MIGRATIONS, broken))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == v
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 't1'").fetchone()[0] == 0
    assert conn.execute("SELECT name FROM products").fetchall() == [("Kopi Susu",)]
    conn.close()


def test_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pos.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StorageError, match="newer than this pos-app knows"):
        open_database(path)


def test_cash_sale_writes_everything_in_one_transaction(db) -> None:
    catalog.upsert_products(db, [P1, P2, P3])
    svc = CheckoutService(db, Till("K1", WIB))
    cart = cart3()
    cart.set_order_discount(Discount.amount(1000))
    order = svc.complete_cash_sale(cart, 50000)
    assert order.status is OrderStatus.PAID
    assert order.id.startswith("K1-") and order.id.endswith("-0001")
    assert order.total == 2 * 5000 + 12000 + 3 * 4000 - 1000
    assert [(line.sku, line.quantity) for line in order.lines] == [("A", 2), ("B", 1), ("C", 3)]
    pay = latest_payment(db, order.id)
    assert pay is not None and pay.status is PaymentStatus.PAID
    assert pay.tendered == 50000 and pay.change_given == 50000 - order.total
    assert [e.kind.value for e in pending_outbox(db)] == ["sale_completed"]
    assert db.scalar("SELECT stock FROM products WHERE sku = 'A'") == 8
    untracked = db.scalar("SELECT stock FROM products WHERE sku = 'B'")
    assert untracked is None, "untracked stays untracked"
    second = svc.complete_cash_sale(cart3(), 100000)
    assert second.id.endswith("-0002")


def test_failed_write_leaves_nothing(db, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = CheckoutService(db, Till("K1", WIB))
    import pos_app.checkout as checkout

    def boom(*a, **k):
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(checkout, "enqueue", boom)
    with pytest.raises(sqlite3.OperationalError):
        svc.complete_cash_sale(cart3(), 100000)
    for table in ("orders", "order_lines", "payments", "outbox", "order_sequences"):
        assert db.scalar(f"SELECT count(*) FROM {table}") == 0, table


def test_checkout_refuses_bad_sales(db) -> None:
    svc = CheckoutService(db, Till("K1", WIB))
    with pytest.raises(CheckoutError, match="empty"):
        svc.complete_cash_sale(Cart(), 1000)
    with pytest.raises(InsufficientCash):
        svc.complete_cash_sale(cart3(), 1000)
    assert db.scalar("SELECT count(*) FROM orders") == 0


def test_business_date_is_store_local(db, clock) -> None:
    from datetime import datetime

    clock.now = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # 00:30 WIB on the 28th
    svc = CheckoutService(db, Till("K2", WIB), clock)
    order = svc.complete_cash_sale(cart3(), 100000)
    assert order.business_date == "2026-11-28"
    assert order.id == "K2-20261128-0001"


def test_tax_added_is_stored(db) -> None:
    svc = CheckoutService(db, Till("K1", WIB))
    cart = Cart(TaxConfig(TaxMode.ADDED, 1100))
    cart.add(P2)
    order = svc.complete_cash_sale(cart, 20000)
    assert (order.subtotal, order.tax, order.total) == (12000, 1320, 13320)
    assert load_order(db, order.id).tax_mode == "added"


def test_search_ranks_exact_and_prefix(db) -> None:
    catalog.upsert_products(db, [
        P1, P2, P3,
        Product(sku="D", barcode="444", name="Es Kopi", category="Minuman", price=7000),
        Product(
            sku="E", barcode="555", name="Kopi 100%_murni", category="Minuman", price=9000,
            active=False,
        ),
    ])
    names = [p.name for p in catalog.search(db, "kopi")]
    assert names == ["Kopi Susu", "Es Kopi"], "prefix first, inactive hidden"
    assert [p.sku for p in catalog.search(db, "222")] == ["B"]
    assert catalog.search(db, "100%") == [], "LIKE wildcards in the query are literal"
    assert catalog.get_by_barcode(db, " 333 ").sku == "C"
    assert catalog.get_by_barcode(db, "999") is None
    assert [p.sku for p in catalog.search(db, "", category="Makanan")] == ["B"]


def test_history_lists_the_days_orders_newest_first_with_their_method(db, clock) -> None:
    from datetime import UTC, datetime

    from pos_app.storage.history import orders_of_day

    catalog.upsert_products(db, [P1, P2, P3])
    svc = CheckoutService(db, Till("K1", WIB), clock)
    clock.now = datetime(2026, 11, 27, 16, 59, tzinfo=UTC)  # 23:59 WIB, the 27th
    late_evening = svc.complete_cash_sale(cart3(), 100000)
    clock.advance(120)  # 00:01 WIB: the 28th, the next business day
    cash = svc.complete_cash_sale(cart3(), 100000)
    clock.advance(60)
    qris, _payment = svc.open_qris_sale(cart3(), "simulator", ttl_s=600)

    rows = orders_of_day(db, "2026-11-28")
    assert [(r.id, r.status, r.method) for r in rows] == [
        (qris.id, OrderStatus.AWAITING_PAYMENT, "simulator"), (cash.id, OrderStatus.PAID, "cash")]
    assert rows[0].total == qris.total and rows[0].created_at == clock.now
    assert [r.id for r in orders_of_day(db, "2026-11-27")] == [late_evening.id]
    assert orders_of_day(db, "2026-11-29") == []
