"""The product catalogue: the till's lookups (barcode, search-as-you-type, the grid's tabs) and
the owner's side (add, edit, archive, categories in order, the demo catalogue).

Search is a LIKE scan over name, SKU and every barcode, ranked so that an exact barcode or SKU
comes first, then names starting with the query, then names containing it. On 20,000 products
that is a few milliseconds (see ``bench/bench_storage.py`` and ``bench/bench_catalog.py``), well
inside a keystroke's budget, and unlike FTS it also finds "gor" inside "Kopi Goreng" and partial
barcodes.

Schema (migration 4): ``products`` keeps one row per SKU and its first barcode in
``products.barcode``; ``product_barcodes`` holds every barcode (the primary key makes each
unique across the catalogue) and follows a SKU that is renamed; ``categories`` holds the owner's
order. Every write here is one transaction; a product that was ever sold or is in an order is
archived, never deleted, so old orders keep their lines (they hold their own copy of name and
price anyway, but reports group by SKU).

The rules that need the database, on top of :func:`pos_app.products.check_item`:

* a barcode belongs to one product, and is not another product's SKU (a scan looks up both);
* a SKU belongs to one product, and is not another product's barcode;
* the SKU of a product that was sold is not changed (its old orders and the reports name it);
* a category named like an existing one in another case is that one ("minuman" -> "Minuman").
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from pos_app.cart import Product
from pos_app.clock import to_iso, utcnow
from pos_app.products import (
    MAX_CATEGORY,
    CatalogItem,
    ProductInvalid,
    ProductProblem,
    UnknownProduct,
    check_item,
)
from pos_app.storage.database import Database

log = logging.getLogger(__name__)

__all__ = [
    "Category",
    "add_category",
    "adopt_demo_items",
    "archive_item",
    "categories",
    "category_list",
    "delete_category",
    "delete_item",
    "demo_count",
    "drop_demo_items",
    "get_by_barcode",
    "get_by_sku",
    "get_item",
    "list_items",
    "product_count",
    "rename_category",
    "reorder_categories",
    "restore_item",
    "save_item",
    "search",
    "seed_demo",
    "upsert_products",
]

_COLUMNS = "sku, barcode, name, category, price, stock, active, low_stock, unit"
# Every barcode of the row's product, in the owner's order, space-separated (a barcode never
# holds whitespace).
_BARCODES = ("(SELECT group_concat(barcode, ' ') FROM (SELECT barcode FROM product_barcodes b"
             " WHERE b.sku = products.sku ORDER BY b.position))")
_ITEM_COLUMNS = (f"sku, name, price, category, cost, stock, low_stock, unit, active, demo,"
                 f" {_BARCODES} AS barcodes")
_SKU_PREFIX = "P-"
ACTOR = "owner"


def _product(row: sqlite3.Row) -> Product:
    stock, threshold = row["stock"], row["low_stock"]
    return Product(
        sku=row["sku"],
        barcode=row["barcode"],
        name=row["name"],
        category=row["category"],
        price=int(row["price"]),
        stock=stock,
        active=bool(row["active"]),
        low_stock=stock is not None and threshold is not None and stock <= threshold,
        unit=row["unit"],
    )


def _item(row: sqlite3.Row) -> CatalogItem:
    return CatalogItem(
        sku=row["sku"],
        name=row["name"],
        price=int(row["price"]),
        category=row["category"],
        barcodes=tuple((row["barcodes"] or "").split()),
        cost=row["cost"],
        stock=row["stock"],
        low_stock=row["low_stock"],
        unit=row["unit"],
        active=bool(row["active"]),
        demo=bool(row["demo"]),
    )


# --------------------------------------------------------------------------- the till's side


def upsert_products(db: Database, products: Iterable[Product]) -> int:
    """Bulk insert-or-update of cart products (benches, tests, older callers): each product's
    barcode becomes its first one; its other barcodes, cost, unit and threshold are kept."""
    now = to_iso(utcnow())
    products = list(products)
    rows = [
        {
            "sku": p.sku,
            "barcode": p.barcode or None,
            "name": p.name,
            "category": p.category,
            "price": int(p.price),
            "stock": p.stock,
            "active": 1 if p.active else 0,
            "updated_at": now,
        }
        for p in products
    ]
    with db.transaction() as conn:
        db.utils["products"].upsert_all(rows, pk="sku", batch_size=1000)
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'product_barcodes'"
                        ).fetchone() is None:
            # A file still at an older schema (the migration tests build one): migration 4
            # copies products.barcode when it runs.
            return len(rows)
        conn.executemany("DELETE FROM product_barcodes WHERE sku = ? AND position = 0",
                         [(r["sku"],) for r in rows])
        conn.executemany(
            "INSERT INTO product_barcodes (barcode, sku, position) VALUES (?, ?, 0)",
            [(r["barcode"], r["sku"]) for r in rows if r["barcode"]])
        _ensure_categories(conn, [p.category for p in products])
    return len(rows)


def product_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM products WHERE active = 1"))


def get_by_barcode(db: Database, barcode: str, *, include_demo: bool = True) -> Product | None:
    """The active product with this barcode (any of its barcodes), else the one with this SKU."""
    code = barcode.strip()
    if not code:
        return None
    demo = "" if include_demo else " AND demo = 0"
    row = db.query_one(
        f"SELECT {_COLUMNS} FROM products WHERE active = 1{demo}"
        " AND (sku IN (SELECT sku FROM product_barcodes WHERE barcode = ?) OR sku = ?)"
        " ORDER BY sku = ? LIMIT 1",
        (code, code, code),
    )
    return _product(row) if row else None


def get_by_sku(db: Database, sku: str) -> Product | None:
    row = db.query_one(f"SELECT {_COLUMNS} FROM products WHERE sku = ?", (sku,))
    return _product(row) if row else None


def categories(db: Database, *, include_demo: bool = True) -> list[str]:
    """The grid's tabs: categories with an active product, in the owner's order (a category
    that somehow has no row in ``categories`` comes last, by name)."""
    demo = "" if include_demo else " AND p.demo = 0"
    return [
        r[0]
        for r in db.query(
            "SELECT p.category, min(coalesce(c.position, 1000000000)) AS pos FROM products p"
            " LEFT JOIN categories c ON c.name = p.category"
            f" WHERE p.active = 1 AND p.category != ''{demo}"
            " GROUP BY p.category ORDER BY pos, p.category"
        )
    ]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class _Match:
    """A non-empty query as SQL: the rank (a column) and the condition, with their parameters."""

    rank: str
    rank_params: tuple[object, ...]
    where: str
    where_params: tuple[object, ...]

    @classmethod
    def of(cls, q: str) -> _Match:
        like = f"%{_escape_like(q)}%"
        prefix = f"{_escape_like(q)}%"
        return cls(
            "CASE WHEN sku = ? OR sku IN (SELECT sku FROM product_barcodes WHERE barcode = ?)"
            " THEN 0 WHEN name LIKE ? ESCAPE '\\' THEN 1 ELSE 2 END",
            (q, q, prefix),
            # The first barcode is products.barcode, in the row; only the others (few, with
            # an index of their own) need the subquery.
            "(name LIKE ? ESCAPE '\\' OR sku LIKE ? ESCAPE '\\' OR barcode LIKE ? ESCAPE '\\'"
            " OR sku IN (SELECT sku FROM product_barcodes INDEXED BY product_barcodes_extra"
            " WHERE position > 0 AND barcode LIKE ? ESCAPE '\\'))",
            (like, like, like, like),
        )


def search(
    db: Database, query: str, *, category: str | None = None, limit: int = 60,
    include_demo: bool = True,
) -> list[Product]:
    """Active products matching ``query`` (case-insensitive), best matches first."""
    q = " ".join(query.split())
    params: list[object] = []
    where = ["active = 1"]
    if not include_demo:
        where.append("demo = 0")
    if category:
        where.append("category = ?")
        params.append(category)
    if not q:
        rows = db.query(
            f"SELECT {_COLUMNS} FROM products WHERE {' AND '.join(where)}"
            " ORDER BY category, name COLLATE NOCASE LIMIT ?",
            (*params, limit),
        )
        return [_product(r) for r in rows]
    m = _Match.of(q)
    sql = (
        f"SELECT {_COLUMNS}, {m.rank} AS rank"
        f" FROM products WHERE {' AND '.join(where)} AND {m.where}"
        " ORDER BY rank, name COLLATE NOCASE LIMIT ?"
    )
    rows = db.query(sql, (*m.rank_params, *params, *m.where_params, limit))
    return [_product(r) for r in rows]


# --------------------------------------------------------------------------- the owner's side


def list_items(
    db: Database, query: str = "", *, category: str | None = None,
    include_archived: bool = False, limit: int | None = None,
) -> list[CatalogItem]:
    """The products screen's list: every item (demo ones too, marked), archived ones only when
    asked; a query ranks as :func:`search` does, else by name."""
    q = " ".join(query.split())
    params: list[object] = []
    where = ["1"] if include_archived else ["active = 1"]
    if category is not None:
        where.append("category = ?")
        params.append(category)
    lim = -1 if limit is None else limit
    if not q:
        rows = db.query(
            f"SELECT {_ITEM_COLUMNS} FROM products WHERE {' AND '.join(where)}"
            " ORDER BY name COLLATE NOCASE, sku LIMIT ?",
            (*params, lim),
        )
        return [_item(r) for r in rows]
    m = _Match.of(q)
    rows = db.query(
        f"SELECT {_ITEM_COLUMNS}, {m.rank} AS rank FROM products"
        f" WHERE {' AND '.join(where)} AND {m.where}"
        " ORDER BY rank, name COLLATE NOCASE, sku LIMIT ?",
        (*m.rank_params, *params, *m.where_params, lim),
    )
    return [_item(r) for r in rows]


def get_item(db: Database, sku: str) -> CatalogItem | None:
    row = db.query_one(f"SELECT {_ITEM_COLUMNS} FROM products WHERE sku = ?", (sku,))
    return _item(row) if row else None


def was_sold(db: Database | sqlite3.Connection, sku: str) -> bool:
    """True when an order (in any state) has a line with this SKU."""
    conn = db.conn if isinstance(db, Database) else db
    return conn.execute("SELECT 1 FROM order_lines WHERE sku = ? LIMIT 1",
                        (sku,)).fetchone() is not None


def save_item(
    db: Database, item: CatalogItem, *, original_sku: str | None = None, actor: str = ACTOR,
) -> CatalogItem:
    """Add (``original_sku`` None) or edit the item, in one transaction; returns it as stored.

    Whitespace is trimmed first (:meth:`CatalogItem.normalized`). Raises
    :class:`~pos_app.products.ProductInvalid` with every problem found (the field rules and the
    database's), :class:`~pos_app.products.UnknownProduct` when the edited product is gone. A
    new item without a SKU gets the next ``P-00001``; a new category is created at the end of
    the owner's order. An edit makes a demo item the shop's own (``demo`` False).
    """
    item = item.normalized()
    problems = check_item(item)
    with db.transaction() as conn:
        before: CatalogItem | None = None
        if original_sku is not None:
            before = get_item(db, original_sku)
            if before is None:
                raise UnknownProduct(original_sku)
            if not item.sku:
                item = replace(item, sku=original_sku)
        problems += _database_problems(conn, item, original_sku)
        if problems:
            raise ProductInvalid(problems)
        if not item.sku:
            item = replace(item, sku=next_sku(conn))
        item = replace(item, category=_canonical_category(conn, item.category),
                     demo=item.demo if before is None else False)
        if original_sku is not None and original_sku != item.sku:
            conn.execute("UPDATE products SET sku = ? WHERE sku = ?", (item.sku, original_sku))
        write_items(conn, [item])
        _ensure_categories(conn, [item.category])
        action = "product_added" if before is None else "product_changed"
        details: dict[str, object] = {"sku": item.sku, "name": item.name, "price": item.price}
        if before is not None:
            details["before"] = {"sku": before.sku, "price": before.price}
        db.audit(conn, actor, action, details=json.dumps(details, ensure_ascii=False))
        stored = get_item(db, item.sku)
    assert stored is not None
    log.info("%s %s (%s)", action.replace("_", " "), item.sku, item.price)
    return stored


def next_sku(conn: sqlite3.Connection) -> str:
    """The next free ``P-00001``-style SKU."""
    top = conn.execute(
        "SELECT max(CAST(substr(sku, 3) AS INTEGER)) FROM products WHERE sku GLOB 'P-[0-9]*'"
    ).fetchone()[0]
    n = int(top or 0) + 1
    while True:
        sku = f"{_SKU_PREFIX}{n:05d}"
        taken = conn.execute(
            "SELECT 1 FROM products WHERE sku = ? UNION ALL"
            " SELECT 1 FROM product_barcodes WHERE barcode = ?", (sku, sku)).fetchone()
        if taken is None:
            return sku
        n += 1


def _database_problems(
    conn: sqlite3.Connection, item: CatalogItem, original_sku: str | None
) -> list[ProductProblem]:
    """The rules that need the database; ``original_sku`` is the product being edited."""
    problems: list[ProductProblem] = []
    own = original_sku  # its own barcodes are no conflict
    if item.sku and item.sku != original_sku:
        row = conn.execute("SELECT name FROM products WHERE sku = ?", (item.sku,)).fetchone()
        if row is not None:
            problems.append(ProductProblem(
                "sku", f"SKU {item.sku} sudah dipakai oleh {row['name']}",
                f"SKU {item.sku} is already used by {row['name']}"))
        if original_sku is not None and was_sold(conn, original_sku):
            problems.append(ProductProblem(
                "sku", f"SKU {original_sku} sudah tercatat di penjualan dan tidak bisa diubah",
                f"SKU {original_sku} is in past orders and cannot be changed"))
    if item.sku:
        row = conn.execute(
            "SELECT p.name FROM product_barcodes b JOIN products p ON p.sku = b.sku"
            " WHERE b.barcode = ? AND b.sku IS NOT ?", (item.sku, own)).fetchone()
        if row is not None:
            problems.append(ProductProblem(
                "sku", f"SKU {item.sku} sudah dipakai sebagai barcode oleh {row['name']}",
                f"SKU {item.sku} is already a barcode of {row['name']}"))
    for code in item.barcodes:
        row = conn.execute(
            "SELECT p.name FROM product_barcodes b JOIN products p ON p.sku = b.sku"
            " WHERE b.barcode = ? AND b.sku IS NOT ?", (code, own)).fetchone()
        if row is not None:
            problems.append(ProductProblem(
                "barcodes", f"Barcode {code} sudah dipakai oleh {row['name']}",
                f"barcode {code} is already used by {row['name']}"))
            continue
        row = conn.execute("SELECT name FROM products WHERE sku = ? AND sku IS NOT ?",
                           (code, own)).fetchone()
        if row is not None and code != item.sku:
            problems.append(ProductProblem(
                "barcodes", f"Barcode {code} sudah dipakai sebagai SKU oleh {row['name']}",
                f"barcode {code} is already the SKU of {row['name']}"))
    return problems


def write_items(conn: sqlite3.Connection, items: Sequence[CatalogItem]) -> None:
    """Insert or update complete items (SKUs assigned, already checked) inside the caller's
    transaction; each item's barcodes replace its old ones. Categories are not created here
    (see :func:`ensure_categories`)."""
    now = to_iso(utcnow())
    skus = [(it.sku,) for it in items]
    # All old barcodes go first, so a barcode may move from one item of the batch to another
    # (products.barcode is UNIQUE too).
    conn.executemany("DELETE FROM product_barcodes WHERE sku = ?", skus)
    conn.executemany("UPDATE products SET barcode = NULL WHERE sku = ?", skus)
    conn.executemany(
        "INSERT INTO products (sku, barcode, name, category, price, cost, stock, low_stock,"
        " unit, active, demo, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (sku) DO UPDATE SET barcode = excluded.barcode, name = excluded.name,"
        " category = excluded.category, price = excluded.price, cost = excluded.cost,"
        " stock = excluded.stock, low_stock = excluded.low_stock, unit = excluded.unit,"
        " active = excluded.active, demo = excluded.demo, updated_at = excluded.updated_at",
        [(it.sku, it.barcodes[0] if it.barcodes else None, it.name, it.category, it.price,
          it.cost, it.stock, it.low_stock, it.unit, int(it.active), int(it.demo), now)
         for it in items],
    )
    conn.executemany(
        "INSERT INTO product_barcodes (barcode, sku, position) VALUES (?, ?, ?)",
        [(code, it.sku, i) for it in items for i, code in enumerate(it.barcodes)],
    )


def ensure_categories(conn: sqlite3.Connection, names: Iterable[str]) -> int:
    """Create the categories not there yet (at the end of the owner's order); returns how many."""
    return _ensure_categories(conn, names)


def _ensure_categories(conn: sqlite3.Connection, names: Iterable[str]) -> int:
    wanted = list(dict.fromkeys(n for n in names if n))
    if not wanted:
        return 0
    known = {r[0].casefold() for r in conn.execute("SELECT name FROM categories")}
    top = conn.execute("SELECT coalesce(max(position), -1) FROM categories").fetchone()[0]
    added = 0
    for name in wanted:
        if name.casefold() in known:
            continue
        top += 1
        conn.execute("INSERT INTO categories (name, position) VALUES (?, ?)", (name, top))
        known.add(name.casefold())
        added += 1
    return added


def _canonical_category(conn: sqlite3.Connection, name: str) -> str:
    if not name:
        return ""
    row = conn.execute("SELECT name FROM categories WHERE name = ?", (name,)).fetchone()
    return str(row[0]) if row else name


def canonical_categories(db: Database) -> dict[str, str]:
    """casefolded name -> the owner's spelling, for matching imported category cells."""
    return {str(r[0]).casefold(): str(r[0]) for r in db.query("SELECT name FROM categories")}


def _set_active(db: Database, sku: str, active: bool, actor: str) -> None:
    with db.transaction() as conn:
        cur = conn.execute("UPDATE products SET active = ?, updated_at = ? WHERE sku = ?",
                           (int(active), to_iso(utcnow()), sku))
        if cur.rowcount == 0:
            raise UnknownProduct(sku)
        db.audit(conn, actor, "product_restored" if active else "product_archived",
                 details=json.dumps({"sku": sku}))
    log.info("product %s %s", sku, "restored" if active else "archived")


def archive_item(db: Database, sku: str, *, actor: str = ACTOR) -> None:
    """Take the product off the till (``active`` 0); it stays for the orders that sold it."""
    _set_active(db, sku, False, actor)


def restore_item(db: Database, sku: str, *, actor: str = ACTOR) -> None:
    _set_active(db, sku, True, actor)


def delete_item(db: Database, sku: str, *, actor: str = ACTOR) -> bool:
    """Delete a product that was never sold and is in no order; False (nothing done) when it
    was, or when there is no such product: archive it instead."""
    with db.transaction() as conn:
        if was_sold(conn, sku):
            return False
        cur = conn.execute("DELETE FROM products WHERE sku = ?", (sku,))
        if cur.rowcount == 0:
            return False
        db.audit(conn, actor, "product_deleted", details=json.dumps({"sku": sku}))
    log.info("product %s deleted", sku)
    return True


# --------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class Category:
    name: str
    position: int
    product_count: int  # products in it that are not archived


def category_list(db: Database) -> list[Category]:
    """Every category the owner has, in the owner's order (empty ones too)."""
    rows = db.query(
        "SELECT c.name, c.position, (SELECT count(*) FROM products p WHERE p.category = c.name"
        " AND p.active = 1) AS n FROM categories c ORDER BY c.position, c.name"
    )
    return [Category(r["name"], int(r["position"]), int(r["n"])) for r in rows]


def _category_name_problems(conn: sqlite3.Connection, name: str,
                            old: str | None = None) -> list[ProductProblem]:
    if not name:
        return [ProductProblem("category", "Nama kategori wajib diisi",
                               "the category name is empty")]
    if len(name) > MAX_CATEGORY:
        return [ProductProblem(
            "category", f"Nama kategori terlalu panjang (paling banyak {MAX_CATEGORY} huruf)",
            f"the category name is longer than {MAX_CATEGORY} characters")]
    row = conn.execute("SELECT name FROM categories WHERE name = ?", (name,)).fetchone()
    if row is not None and (old is None or row[0].casefold() != old.casefold()):
        return [ProductProblem("category", f"Kategori {row[0]} sudah ada",
                               f"category {row[0]} already exists")]
    return []


def add_category(db: Database, name: str) -> None:
    """A new, empty category at the end of the owner's order."""
    name = " ".join(name.split())
    with db.transaction() as conn:
        problems = _category_name_problems(conn, name)
        if problems:
            raise ProductInvalid(problems)
        _ensure_categories(conn, [name])


def rename_category(db: Database, old: str, new: str) -> None:
    """Rename a category; its products (archived ones too) follow, in one transaction."""
    new = " ".join(new.split())
    with db.transaction() as conn:
        row = conn.execute("SELECT name FROM categories WHERE name = ?", (old,)).fetchone()
        if row is None:
            raise ProductInvalid([ProductProblem("category", f"Kategori {old} tidak ditemukan",
                                                 f"no category named {old!r}")])
        current = str(row[0])
        problems = _category_name_problems(conn, new, current)
        if problems:
            raise ProductInvalid(problems)
        conn.execute("UPDATE categories SET name = ? WHERE name = ?", (new, current))
        conn.execute("UPDATE products SET category = ?, updated_at = ? WHERE category = ?",
                     (new, to_iso(utcnow()), current))
        db.audit(conn, ACTOR, "category_renamed",
                 details=json.dumps({"from": current, "to": new}, ensure_ascii=False))


def reorder_categories(db: Database, names: Sequence[str]) -> None:
    """The new order: ``names`` first, in that order; any category not listed keeps its
    relative place after them. An unknown name is refused (nothing changes)."""
    with db.transaction() as conn:
        current = [str(r[0]) for r in conn.execute(
            "SELECT name FROM categories ORDER BY position, name")]
        by_fold = {n.casefold(): n for n in current}
        unknown = [n for n in names if n.casefold() not in by_fold]
        if unknown:
            raise ProductInvalid([ProductProblem(
                "category", f"Kategori {n} tidak ditemukan", f"no category named {n!r}")
                for n in unknown])
        first = list(dict.fromkeys(by_fold[n.casefold()] for n in names))
        order = first + [n for n in current if n not in first]
        conn.executemany("UPDATE categories SET position = ? WHERE name = ?",
                         [(i, n) for i, n in enumerate(order)])


def delete_category(db: Database, name: str) -> bool:
    """Remove a category no product uses (archived ones included); False when one does."""
    with db.transaction() as conn:
        if conn.execute("SELECT 1 FROM products WHERE category = ? COLLATE NOCASE LIMIT 1",
                        (name,)).fetchone() is not None:
            return False
        return conn.execute("DELETE FROM categories WHERE name = ?", (name,)).rowcount > 0


# --------------------------------------------------------------------------- demo catalogue


def demo_count(db: Database) -> int:
    """Demo items still on the till (active)."""
    return int(db.scalar("SELECT count(*) FROM products WHERE demo = 1 AND active = 1"))


def drop_demo_items(db: Database) -> int:
    """Leave the demo catalogue behind: demo items are deleted, or archived when a (demo) sale
    had them; categories only they used go too. Returns how many items left the till."""
    with db.transaction() as conn:
        demo_cats = {str(r[0]) for r in conn.execute(
            "SELECT DISTINCT category FROM products WHERE demo = 1 AND category != ''")}
        sold = conn.execute(
            "UPDATE products SET active = 0, updated_at = ? WHERE demo = 1 AND active = 1"
            " AND sku IN (SELECT sku FROM order_lines)", (to_iso(utcnow()),)).rowcount
        deleted = conn.execute(
            "DELETE FROM products WHERE demo = 1 AND sku NOT IN (SELECT sku FROM order_lines)"
        ).rowcount
        for cat in demo_cats:
            conn.execute("DELETE FROM categories WHERE name = ? AND NOT EXISTS"
                         " (SELECT 1 FROM products WHERE category = ?)", (cat, cat))
        db.audit(conn, ACTOR, "demo_items_dropped",
                 details=json.dumps({"deleted": deleted, "archived": sold}))
    log.info("demo catalogue left behind: %d deleted, %d archived", deleted, sold)
    return deleted + sold


def adopt_demo_items(db: Database) -> int:
    """The owner keeps the demo items: they become the shop's own products."""
    with db.transaction() as conn:
        n = conn.execute("UPDATE products SET demo = 0, updated_at = ? WHERE demo = 1"
                         " AND active = 1", (to_iso(utcnow()),)).rowcount
        db.audit(conn, ACTOR, "demo_items_adopted", details=json.dumps({"count": n}))
    return int(n)


def seed_demo(db: Database) -> int:
    """Put the demo catalogue on the till (``demo`` = 1); items whose SKU or barcode the shop
    already uses are skipped. Returns how many were added."""
    from pos_app.demo import demo_products

    with db.transaction() as conn:
        items: list[CatalogItem] = []
        for p in demo_products():
            taken = conn.execute(
                "SELECT 1 FROM products WHERE sku = ? UNION ALL"
                " SELECT 1 FROM product_barcodes WHERE barcode IN (?, ?)",
                (p.sku, p.barcode or "", p.sku)).fetchone()
            if taken is None:
                items.append(CatalogItem(sku=p.sku, name=p.name, price=p.price,
                                         category=_canonical_category(conn, p.category),
                                         barcodes=(p.barcode,) if p.barcode else (),
                                         demo=True))
        write_items(conn, items)
        _ensure_categories(conn, [it.category for it in items])
    return len(items)
