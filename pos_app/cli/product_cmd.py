"""``pos-app product list|add|import|export``: the shop's catalogue from the command line.

Messages are English (as every command's); a refused product or row exits 2 naming the field
or the row and the reason. Adding or importing the shop's first products leaves the demo
catalogue behind (``--keep-demo`` keeps its items as the shop's own instead), in the same
transaction, as the window does after asking once.

Several outlets (issue 14, docs/central.md):

* ``product import FILE --central [--outlet NAME|all] [--dry-run]`` is the owner's: the file
  goes into the central price list of one outlet or of every outlet (the default), in one
  PostgreSQL transaction (``pos_app.central.catalog.import_file``: the file is read and its
  rows refused exactly as the local import does). It needs no till database, only the data
  dir's settings: ``central.url``, and ``central.user``/the secret ``central.password`` when
  set, else libpq's own (``PGUSER``, ``PGPASSWORD``, ``~/.pgpass``), as ``central code``. A
  refused row exits 2 naming it (nothing written); a server that can't be reached, or that
  refuses, exits 1 with one line and never a password.
* While head office manages the till's price list (``sync.central.catalog_is_central``), the
  local writes -- ``product add`` and ``product import`` without ``--central`` -- exit 2 with
  one line saying so; the check runs inside the write's own transaction, so a catalogue pull
  can't slip between them. ``product list`` and ``export`` only read and still work.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pos_app.cli.common import Exit, central_connection, die, err, open_ctx, open_settings
from pos_app.money import format_rupiah
from pos_app.products import CatalogItem, ProductInvalid, RupiahTextError, parse_rupiah_text
from pos_app.storage.database import Database

if TYPE_CHECKING:
    from pos_app.central.catalog import CentralImport


def run(args: argparse.Namespace) -> int:
    command = {"list": _list, "add": _add, "import": _import, "export": _export}
    if args.product_command == "import" and getattr(args, "central", False):
        return _import_central(args)
    if getattr(args, "outlet", None) is not None:
        die("--outlet needs --central: a till's own price list is its own outlet's")
    return command[args.product_command](args)


def _refuse_if_central(db: Database) -> None:
    """Exit 2 while head office manages this till's price list (call it inside the write's
    transaction)."""
    from pos_app.central.catalog import ManagedCentrally, refuse_local_edit

    try:
        refuse_local_edit(db)
    except ManagedCentrally as exc:
        die(str(exc))


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
                _refuse_if_central(ctx.db)
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
        _refuse_if_central(ctx.db)  # before reading the file: its rows are not the point
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
                _refuse_if_central(ctx.db)  # again: a pull may have come since
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



# --------------------------------------------------------------------------- --central


def _import_central(args: argparse.Namespace) -> int:
    """``product import FILE --central``: the owner's price list into the central store."""
    import psycopg

    from pos_app.central.catalog import ALL, import_file
    from pos_app.central.connect import error_detail
    from pos_app.central.errors import CentralError
    from pos_app.product_io import ImportFileError

    if args.keep_demo:
        die("--keep-demo has no meaning with --central: the central price list has no demo "
            "products")
    _data_dir, settings = open_settings(args)
    conn = central_connection(settings)
    password = str(settings.get("central.password") or "")  # kept out of any message
    try:
        done = import_file(conn, Path(args.file), args.outlet, dry_run=args.dry_run,
                           skip_refused=args.skip_refused)
    except ImportFileError as exc:
        die(f"cannot import {args.file}: {exc}")
    except CentralError as exc:  # an unknown outlet (names the known ones), no outlets yet
        die(str(exc), Exit.USAGE if exc.usage else Exit.FAILED)
    except psycopg.errors.LockNotAvailable:
        die("another import is writing the central price list right now; nothing was "
            "written: try again in a minute", Exit.FAILED)
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
        die("the central store has no pos schema yet: run `pos-app central init URL` first",
            Exit.FAILED)
    except psycopg.errors.InsufficientPrivilege as exc:
        die(f"the central server refused the price list ({error_detail(exc, [password])}): "
            "it is changed with the owner's login (a member of pos_owner), not a till's; "
            "nothing was written", Exit.FAILED)
    except psycopg.OperationalError as exc:
        # The connection broke: before the commit nothing was written, during it we can't
        # know. Importing the file again is safe either way (unchanged rows are not written).
        die(f"lost the central server ({error_detail(exc, [password])}); run the import "
            "again: it writes only what is not there yet", Exit.FAILED)
    except psycopg.Error as exc:
        die(f"the central import failed: {error_detail(exc, [password])}; nothing was "
            "written", Exit.FAILED)
    finally:
        conn.close()
    result = done.result
    if args.json:
        print(json.dumps(_central_json(done), ensure_ascii=False))
    else:
        every = args.outlet is None or args.outlet.strip().casefold() == ALL
        scope = (f"all {len(result.outlets)} outlets" if every
                 else ", ".join(o.name for o in result.outlets))
        refused = f", {len(done.refused)} row(s) refused" if done.refused else ""
        print(f"{Path(args.file).name} ({done.format}): the central price list of {scope}"
              f"{refused}")
        verbs = ("added", "changed") if result.written else ("to add", "to change")
        for o in result.outlets:
            print(f"  {o.name} ({o.outlet_id}): {len(o.added)} {verbs[0]}, "
                  f"{len(o.changed)} {verbs[1]}, {o.unchanged} unchanged")
    for r in done.refused:
        where = f" (outlet {', '.join(r.outlets)})" if r.outlets else ""
        err(f"pos-app: row {r.row}{where}: {r.reason_en}")
    if done.refused and not args.skip_refused:
        die(f"{len(done.refused)} row(s) refused; nothing was imported (fix them, or "
            "--skip-refused to import the other rows)")
    if args.dry_run:
        err("pos-app: nothing was written (--dry-run)")
    elif result.added or result.changed:
        err("pos-app: the tills of these outlets apply the changes at their next catalogue "
            "pull (about a minute when online)")
    return Exit.OK


def _central_json(done: CentralImport) -> dict[str, object]:
    """``product import --central --json``: per outlet, the SKUs added and changed."""
    return {
        "source": done.source,
        "format": done.format,
        "written": done.result.written,
        "outlets": [{"outlet": o.outlet_id, "name": o.name, "added": list(o.added),
                     "changed": list(o.changed), "unchanged": o.unchanged}
                    for o in done.result.outlets],
        "refused": [{"row": r.row, "reason": r.reason_en, "outlets": list(r.outlets)}
                    for r in done.refused],
        "columns": list(done.columns),
        "ignored_columns": list(done.ignored_columns),
    }
