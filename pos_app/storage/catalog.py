"""The product catalogue: bulk import, barcode lookup, and search-as-you-type.

Search is a LIKE scan over name, SKU and barcode, ranked so that an exact barcode or SKU comes
first, then names starting with the query, then names containing it. On 20,000 products that
is a few milliseconds (see ``bench/bench_storage.py``), well inside a keystroke's budget, and
unlike FTS it also finds "gor" inside "Kopi Goreng" and partial barcodes.
"""

from __future__ import annotations

from collections.abc import Iterable

from pos_app.cart import Product
from pos_app.clock import to_iso, utcnow
from pos_app.storage.database import Database

_COLUMNS = "sku, barcode, name, category, price, stock, active"


def _product(row) -> Product:  # type: ignore[no-untyped-def]
    return Product(
        sku=row["sku"],
        barcode=row["barcode"],
        name=row["name"],
        category=row["category"],
        price=int(row["price"]),
        stock=row["stock"],
        active=bool(row["active"]),
    )


def upsert_products(db: Database, products: Iterable[Product]) -> int:
    now = to_iso(utcnow())
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
    with db.transaction():
        db.utils["products"].upsert_all(rows, pk="sku", batch_size=1000)
    return len(rows)


def product_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM products WHERE active = 1"))


def get_by_barcode(db: Database, barcode: str) -> Product | None:
    code = barcode.strip()
    if not code:
        return None
    row = db.query_one(
        f"SELECT {_COLUMNS} FROM products WHERE (barcode = ? OR sku = ?) AND active = 1 LIMIT 1",
        (code, code),
    )
    return _product(row) if row else None


def get_by_sku(db: Database, sku: str) -> Product | None:
    row = db.query_one(f"SELECT {_COLUMNS} FROM products WHERE sku = ?", (sku,))
    return _product(row) if row else None


def categories(db: Database) -> list[str]:
    return [
        r[0]
        for r in db.query(
            "SELECT DISTINCT category FROM products WHERE active = 1 ORDER BY category"
        )
    ]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    db: Database, query: str, *, category: str | None = None, limit: int = 60
) -> list[Product]:
    """Active products matching ``query`` (case-insensitive), best matches first."""
    q = " ".join(query.split())
    params: list[object] = []
    where = ["active = 1"]
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
    like = f"%{_escape_like(q)}%"
    prefix = f"{_escape_like(q)}%"
    where.append(
        "(name LIKE ? ESCAPE '\\' OR sku LIKE ? ESCAPE '\\' OR barcode LIKE ? ESCAPE '\\')"
    )
    sql = (
        f"SELECT {_COLUMNS}, CASE"
        " WHEN barcode = ? OR sku = ? THEN 0"
        " WHEN name LIKE ? ESCAPE '\\' THEN 1"
        " ELSE 2 END AS rank"
        f" FROM products WHERE {' AND '.join(where)}"
        " ORDER BY rank, name COLLATE NOCASE LIMIT ?"
    )
    rows = db.query(sql, (q, q, prefix, *params, like, like, like, limit))
    return [_product(r) for r in rows]
