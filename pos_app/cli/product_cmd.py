"""``pos-app product list|add|import|export``: the shop's catalogue from the command line.

Messages are English (as every command's); a refused product or row exits 2 naming the field
or the row and the reason. Adding or importing the shop's first products leaves the demo
catalogue behind (``--keep-demo`` keeps its items as the shop's own instead), in the same
transaction, as the window does after asking once.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from pos_app.cli.common import Exit, die, err, open_ctx
from pos_app.money import format_rupiah
from pos_app.products import CatalogItem, ProductInvalid, RupiahTextError, parse_rupiah_text
from pos_app.storage.database import Database


def run(args: argparse.Namespace) -> int:
    command = {"list": _list, "add": _add, "import": _import, "export": _export}
    return command[args.product_command](args)


def item_json(item: CatalogItem) -> dict[str, object]:
    """One product as ``product list --format json`` prints it (SPEC section 3)."""
    return {
        "sku": item.sku,
        "name": item.name,
        "category": item.category,
        "price": item.price,
        "barcodes": list(item.barcodes),
        "cost": item.cost,
        "stock": item.stock,
        "low_stock": item.low_stock,
        "unit": item.unit,
        "active": item.active,
        "demo": item.demo,
    }


def _list(args: argparse.Namespace) -> int:
    from pos_app.product_io import EXPORT_HEADERS, export_row
    from pos_app.storage import catalog

    ctx = open_ctx(args, access="read")
    try:
        items = catalog.list_items(ctx.db, include_archived=True)
    finally:
        ctx.close()
    if args.format == "json":
        print(json.dumps([item_json(i) for i in items], ensure_ascii=False))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(EXPORT_HEADERS)
        writer.writerows(export_row(i) for i in items)
    else:
        for i in items:
            flags = [f for f, on in (("archived", not i.active), ("demo", i.demo),
                                     ("LOW STOCK", i.is_low)) if on]
            stock = "" if i.stock is None else f"  stock {i.stock} {i.unit}"
            codes = f"  [{', '.join(i.barcodes)}]" if i.barcodes else ""
            extra = f"  ({', '.join(flags)})" if flags else ""
            print(f"{i.sku:<12} {i.name:<32} {i.category:<16} {format_rupiah(i.price):>14}"
                  f"{codes}{stock}{extra}")
        print(f"{len(items)} products", file=sys.stderr)
    return Exit.OK


def _rupiah_arg(text: str | None, what: str) -> int | None:
    if text is None:
        return None
    try:
        return parse_rupiah_text(text)
    except RupiahTextError as exc:
        die(f"bad {what} {text!r}: {exc.message_en}")


def _leave_demo_behind(db: Database, keep: bool) -> str | None:
    """Inside the caller's transaction: the demo items go (or become the shop's own)."""
    from pos_app.storage import catalog

    n = catalog.demo_count(db)
    if n == 0:
        return None
    if keep:
        catalog.adopt_demo_items(db)
        return f"the {n} demo products are now your own products (--keep-demo)"
    removed = catalog.drop_demo_items(db)
    return (f"left the demo catalogue behind ({removed} demo products removed; --keep-demo "
            "keeps them as your own instead)")


def _add(args: argparse.Namespace) -> int:
    from pos_app.storage import catalog

    price = _rupiah_arg(args.price, "--price")
    assert price is not None
    item = CatalogItem(
        sku=args.sku or "", name=args.name, price=price, category=args.category or "",
        barcodes=tuple(args.barcode or ()), cost=_rupiah_arg(args.cost, "--cost"),
        stock=args.stock, low_stock=args.low_stock, unit=args.unit or "pcs",
    )
    ctx = open_ctx(args)
    try:
        try:
            with ctx.db.transaction():
                note = _leave_demo_behind(ctx.db, args.keep_demo)
                stored = catalog.save_item(ctx.db, item, actor="cli")
        except ProductInvalid as exc:
            die(f"product refused: {exc}")
    finally:
        ctx.close()
    if note:
        err(f"pos-app: {note}")
    if args.json:
        print(json.dumps(item_json(stored), ensure_ascii=False))
    else:
        print(f"added {stored.sku}: {stored.name}, {format_rupiah(stored.price)}")
    return Exit.OK


def _import(args: argparse.Namespace) -> int:
    from pos_app.product_io import (
        ImportConflict,
        ImportFileError,
        apply_import,
        plan_import,
        plan_summary,
    )
    from pos_app.storage import catalog

    ctx = open_ctx(args, access="read" if args.dry_run else "write")
    try:
        has_demo = catalog.demo_count(ctx.db) > 0
        try:
            plan = plan_import(ctx.db, Path(args.file),
                               without_demo=has_demo and not args.keep_demo)
        except ImportFileError as exc:
            die(f"cannot import {args.file}: {exc}")
        if args.json:
            print(json.dumps(plan_summary(plan), ensure_ascii=False))
        else:
            print(f"{Path(args.file).name} ({plan.format}): {len(plan.added)} to add, "
                  f"{len(plan.changed)} to change, {plan.unchanged} unchanged, "
                  f"{len(plan.refused)} refused")
        for r in plan.refused:
            err(f"pos-app: row {r.row}: {r.reason_en}")
        if plan.refused and not args.skip_refused:
            die(f"{len(plan.refused)} row(s) refused; nothing was imported (fix them, or "
                "--skip-refused to import the other rows)")
        if args.dry_run:
            err("pos-app: nothing was written (--dry-run)")
            return Exit.OK
        try:
            with ctx.db.transaction():
                note = _leave_demo_behind(ctx.db, True) if has_demo and args.keep_demo else None
                result = apply_import(ctx.db, plan, actor="cli")
        except ImportConflict as exc:
            die(str(exc), Exit.FAILED)
        if result.demo_dropped:
            note = (f"left the demo catalogue behind ({result.demo_dropped} demo products "
                    "removed; --keep-demo keeps them as your own instead)")
    finally:
        ctx.close()
    if note:
        err(f"pos-app: {note}")
    if not args.json:
        print(f"imported: {result.added} added, {result.changed} changed")
    return Exit.OK


def _export(args: argparse.Namespace) -> int:
    from pos_app.product_io import ImportFileError, export_items

    ctx = open_ctx(args, access="read")
    try:
        try:
            n = export_items(ctx.db, Path(args.file), include_demo=args.include_demo)
        except ImportFileError as exc:
            die(f"cannot export to {args.file}: {exc}")
        except OSError as exc:
            die(f"cannot write {args.file}: {exc.strerror or exc}", Exit.FAILED)
    finally:
        ctx.close()
    print(f"exported {n} products to {args.file}")
    return Exit.OK

