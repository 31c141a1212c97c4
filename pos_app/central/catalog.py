"""The owner's side of the central price list (issue 14, docs/central.md): products written to
``pos.products`` for one outlet or for every outlet, read back, and a price-list file imported
there; and the till's side of the rule that a centrally managed till refuses local edits.

Rules, and why:

* **One transaction per push, writers one at a time.** Every row written takes the next value
  of ``pos.catalog_version`` (a trigger), and a till pulls ``version > last_seen``. Two owners'
  transactions interleaving could commit a *lower* version after a till already pulled a higher
  one, and that till would never see it (the "known limit" in ``sync/central.py``). So a push
  takes ``LOCK TABLE pos.products IN EXCLUSIVE MODE`` first: tills keep reading (their SELECT
  takes ACCESS SHARE, which does not conflict), any other writer waits, and commit order is
  version order. A push waits at most :data:`LOCK_TIMEOUT_S` for another one to finish.
* **Only what changed is written.** A row is compared with central's on the columns central
  owns -- name, category, price, barcodes (in order), stock and active -- and is sent only when
  one differs; the upsert's ``WHERE ROW(...) IS DISTINCT FROM ROW(...)`` guards it again on the
  server. An unchanged row keeps its version: otherwise every import would make every till
  pull the whole list again. Cost, unit and the low-stock threshold are the till's own (see
  ``sync.central.apply_catalog``), so a file's columns for them are read but not sent.
* **A file is read exactly as the till reads it.** :func:`import_file` hands the file to
  :func:`pos_app.product_io.plan_import` itself, against the outlet's central list loaded into
  an in-memory SQLite catalogue: the same columns and aliases (CSV, XLSX, a Loyverse export),
  rows matched the same way (SKU, else barcode, else name), an empty cell keeps central's
  value, and a bad row is refused with the same words and row number. Outlets whose central
  lists are identical (the usual case: one price list for every outlet) are planned once.
* **All or nothing.** A refused row writes nothing anywhere (unless the caller says to skip
  refused rows, as ``--skip-refused`` does locally); a file can't be half-imported into some
  outlets either: every outlet is written in the one transaction.
* **SKUs.** A central row needs one. A new product without a SKU gets, in row (or item) order,
  the SKU the same product already has in another outlet -- found as the import matches: the
  central products that have one of its barcodes, else its name, when that is exactly one SKU
  and it is free in every outlet written to -- otherwise the next ``P-00001``-style number
  (the local import's format) above the highest ``P-`` SKU in the *whole* central catalogue,
  skipping any number used as a barcode or claimed by the file. Numbering chain-wide means a
  ``P-`` SKU names one product in every outlet (the central reports add a SKU up across
  outlets); the same product gets the same SKU in every outlet written at once; and the same
  file on the same central state gets the same SKUs.
* Nothing is ever deleted centrally: a product left out of a file stays as it is (archive it
  with an ``aktif`` column of ``tidak``), as with the local import.

Till side: :func:`managed_outlet` says whether the till's price list is central's (and whose);
:func:`refuse_local_edit` raises :class:`ManagedCentrally` for the CLI and the products screen.
This module imports no PostgreSQL driver until a function that talks to the server runs, so the
till's screens may use that part freely.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pos_app.central.errors import BadOutlet, CentralError
from pos_app.products import CatalogItem, check_item
from pos_app.storage.database import Database

if TYPE_CHECKING:
    import psycopg

    from pos_app.product_io import ImportPlan

__all__ = [
    "ALL",
    "LOCK_TIMEOUT_S",
    "CatalogRefused",
    "CentralImport",
    "CentralRefusal",
    "ManagedCentrally",
    "Outlet",
    "OutletChanges",
    "PushResult",
    "import_file",
    "list_items",
    "local_refusal",
    "managed_outlet",
    "push_items",
    "refuse_local_edit",
    "resolve_outlets",
]

log = logging.getLogger(__name__)

#: ``--outlet all``: every outlet, one price list
ALL = "all"
#: how long a push waits for another owner's push to commit before giving up
LOCK_TIMEOUT_S = 30
_SKU_PREFIX = "P-"
_P_NUMBER = re.compile(r"^P-[0-9]{1,15}$")


# --------------------------------------------------------------------------- the till's side


def managed_outlet(db: Database) -> str | None:
    """The outlet (its id) whose head office manages this till's price list; None while the
    till keeps its own. The rule is :func:`sync.central.catalog_is_central`'s (the last pull's
    answer); SQLite only, no network."""
    from sync.central import catalog_is_central

    if not catalog_is_central(db):
        return None
    row = db.query_one("SELECT outlet_id FROM central_state WHERE id = 1")
    return str(row["outlet_id"] or "?") if row else "?"


def local_refusal(outlet_id: str) -> str:
    """The one line the CLI prints when a local product edit is refused (English)."""
    return (f"this till's price list is managed by head office (outlet {outlet_id}): change it "
            "there (pos-app product import --central)")


class ManagedCentrally(Exception):
    """A local product edit refused because head office manages this till's price list.
    ``str()`` is the CLI's line; ``message`` (Indonesian) and ``message_en`` are the screen's."""

    def __init__(self, outlet_id: str) -> None:
        super().__init__(local_refusal(outlet_id))
        self.outlet_id = outlet_id
        self.message = (f"Daftar harga kasir ini diatur kantor pusat (outlet {outlet_id}): "
                        "ubah di kantor pusat.")
        self.message_en = (f"This till's price list is managed by head office (outlet "
                           f"{outlet_id}): change it there.")


def refuse_local_edit(db: Database) -> None:
    """Raise :class:`ManagedCentrally` while the till's price list is central's. Call it inside
    the write's own SQLite transaction: the puller changes the flag in one too, so the check
    and the write see the same state."""
    outlet = managed_outlet(db)
    if outlet is not None:
        raise ManagedCentrally(outlet)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Outlet:
    outlet_id: str
    name: str


@dataclass(frozen=True)
class OutletChanges:
    """What a push did (or, not written, would do) to one outlet's price list."""

    outlet_id: str
    name: str
    added: tuple[str, ...]  # SKUs, in row order
    changed: tuple[str, ...]
    unchanged: int


@dataclass(frozen=True)
class PushResult:
    outlets: tuple[OutletChanges, ...]
    written: bool  # False: a dry run, or refused rows (nothing was written)

    @property
    def added(self) -> int:
        return sum(len(o.added) for o in self.outlets)

    @property
    def changed(self) -> int:
        return sum(len(o.changed) for o in self.outlets)

    @property
    def unchanged(self) -> int:
        return sum(o.unchanged for o in self.outlets)


@dataclass(frozen=True)
class CentralRefusal:
    """A refused row of a file: its row number and reason as the local import gives them;
    ``outlets`` names the outlets it is refused for when that is not every one written to."""

    row: int
    reason: str  # Indonesian
    reason_en: str
    outlets: tuple[str, ...] = ()


@dataclass(frozen=True)
class CentralImport:
    """What :func:`import_file` found and did."""

    source: str
    format: str
    columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    refused: tuple[CentralRefusal, ...]
    result: PushResult


class CatalogRefused(CentralError):
    """Items :func:`push_items` refuses (the product rules, a SKU or barcode twice, a barcode
    another product of the outlet has); ``problems`` lists (item number, English reason)."""

    usage = True
    message_id = "Produk ditolak."

    def __init__(self, problems: Sequence[tuple[int, str]]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(f"item {n}: {why}" for n, why in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"products refused: {shown}{more}")


# --------------------------------------------------------------------------- outlets, reading


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def resolve_outlets(conn: psycopg.Connection[Any], outlet: str | None) -> tuple[Outlet, ...]:
    """The outlets ``outlet`` means: every one for None or ``all`` (by name), else the one whose
    name or id it is (case and spacing ignored). :class:`BadOutlet` names the known ones."""
    rows = conn.execute("SELECT outlet_id, name FROM pos.outlets ORDER BY name, outlet_id"
                        ).fetchall()
    known = tuple(Outlet(str(r[0]), str(r[1])) for r in rows)
    if not known:
        raise BadOutlet("the central store has no outlets yet: `pos-app central code --outlet "
                        "NAME` creates one")
    if outlet is None or outlet.strip().casefold() == ALL:
        return known
    wanted = _fold(outlet)
    for o in known:
        if wanted in (o.outlet_id.casefold(), _fold(o.name)):
            return (o,)
    raise BadOutlet(f"unknown outlet {outlet!r} (outlets: {', '.join(o.name for o in known)})")


_COLUMNS = "sku, name, category, price, barcodes, stock, active"


def _item(row: Sequence[Any]) -> CatalogItem:
    return CatalogItem(sku=str(row[0]), name=str(row[1]), category=str(row[2] or ""),
                       price=int(row[3]), barcodes=tuple(str(c) for c in (row[4] or ())),
                       stock=None if row[5] is None else int(row[5]), active=bool(row[6]))


def list_items(conn: psycopg.Connection[Any], outlet: str) -> list[CatalogItem]:
    """One outlet's central price list (archived products too), by name then SKU. Only the
    columns central keeps are set; cost, unit and the threshold are the defaults."""
    if outlet.strip().casefold() == ALL:
        raise BadOutlet("list_items reads one outlet's list: name the outlet")
    (one,) = resolve_outlets(conn, outlet)
    rows = conn.execute(f"SELECT {_COLUMNS} FROM pos.products WHERE outlet_id = %s"
                        " ORDER BY lower(name), sku", (one.outlet_id,)).fetchall()
    return [_item(r) for r in rows]


# An outlet's list as one digest, computed on the server: outlets with the same digest have the
# same list, which is then loaded (and a file planned against it) once, not once per outlet.
# The separators are control characters no product field holds.
_DIGESTS = """
SELECT o.outlet_id, md5(coalesce(string_agg(concat_ws(chr(31), p.sku, p.name, p.category,
        p.price::text, array_to_string(p.barcodes, chr(30)), coalesce(p.stock::text, chr(29)),
        p.active::text), chr(28) ORDER BY p.sku COLLATE "C"), ''))
FROM pos.outlets o LEFT JOIN pos.products p ON p.outlet_id = o.outlet_id
WHERE o.outlet_id = ANY(%s) GROUP BY o.outlet_id
"""


@dataclass(frozen=True)
class _Lists:
    """The target outlets' current central lists: ``by_outlet`` maps each outlet to its list
    (sku -> item); outlets with identical lists share one dict (``groups``)."""

    by_outlet: dict[str, dict[str, CatalogItem]]
    groups: tuple[tuple[str, ...], ...]


def _load(conn: psycopg.Connection[Any], outlets: Sequence[Outlet]) -> _Lists:
    ids = [o.outlet_id for o in outlets]
    digests = {str(r[0]): str(r[1]) for r in conn.execute(_DIGESTS, (ids,)).fetchall()}
    members: dict[str, list[str]] = {}
    for oid in ids:
        members.setdefault(digests.get(oid, ""), []).append(oid)
    by_outlet: dict[str, dict[str, CatalogItem]] = {}
    for group in members.values():
        rows = conn.execute(f"SELECT {_COLUMNS} FROM pos.products WHERE outlet_id = %s"
                            " ORDER BY sku", (group[0],)).fetchall()
        items = {str(r[0]): _item(r) for r in rows}
        for oid in group:
            by_outlet[oid] = items
    return _Lists(by_outlet, tuple(tuple(g) for g in members.values()))


# --------------------------------------------------------------------------- writing


def _central(item: CatalogItem) -> tuple[object, ...]:
    """What central keeps of a product: the columns compared to decide "changed"."""
    return (item.name, item.category, item.price, tuple(item.barcodes), item.stock,
            item.active)


_UPSERT = (
    "INSERT INTO pos.products AS t (outlet_id, sku, name, category, price, barcodes, stock,"
    " active) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (outlet_id, sku) DO UPDATE SET name = EXCLUDED.name,"
    " category = EXCLUDED.category, price = EXCLUDED.price, barcodes = EXCLUDED.barcodes,"
    " stock = EXCLUDED.stock, active = EXCLUDED.active"
    # Belt and braces: a row that is already so is not rewritten (no new version).
    " WHERE ROW(t.name, t.category, t.price, t.barcodes, t.stock, t.active)"
    " IS DISTINCT FROM ROW(EXCLUDED.name, EXCLUDED.category, EXCLUDED.price,"
    " EXCLUDED.barcodes, EXCLUDED.stock, EXCLUDED.active)")


@contextmanager
def _writing(conn: psycopg.Connection[Any], *, lock: bool) -> Iterator[None]:
    """One committed transaction; with ``lock``, the price list's writers' lock (see the module
    docstring). A dry run takes no lock: it writes nothing, and must not make an import wait."""
    from pos_app.central.schema import committed

    with committed(conn):
        if lock:
            conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_S}s'")
            conn.execute("LOCK TABLE pos.products IN EXCLUSIVE MODE")
        yield


def _next_numbers(conn: psycopg.Connection[Any], count: int, claimed: set[str]) -> list[str]:
    """``count`` fresh ``P-00001``-style SKUs above the highest one in the whole central
    catalogue, skipping any that is a barcode there or in ``claimed``."""
    if count == 0:
        return []
    row = conn.execute("SELECT max(substring(sku FROM 3)::bigint) FROM pos.products"
                       " WHERE sku ~ %s", (_P_NUMBER.pattern,)).fetchone()
    n = int(row[0] or 0) if row else 0
    taken = set(claimed)
    while True:
        out: list[str] = []
        while len(out) < count:
            n += 1
            sku = f"{_SKU_PREFIX}{n:05d}"
            if sku not in taken:
                out.append(sku)
        codes = {str(r[0]) for r in conn.execute(
            "SELECT DISTINCT c FROM pos.products, unnest(barcodes) AS c WHERE c = ANY(%s)",
            (out,)).fetchall()}
        if not codes:
            return out
        # Rare: a number some product uses as a barcode. Skip it and number again from the
        # first one handed out (n is reset so the result stays in order).
        taken |= codes
        n = int(out[0][2:]) - 1


def _chain_match(conn: psycopg.Connection[Any], items: Mapping[Hashable, CatalogItem]
                 ) -> dict[Hashable, str]:
    """For each new item, the one SKU the same product has centrally (any outlet): by one of
    its barcodes, else by its name -- the import's order of matching."""
    codes = sorted({c for it in items.values() for c in it.barcodes})
    names = sorted({" ".join(it.name.split()).lower() for it in items.values()})
    rows = conn.execute("SELECT DISTINCT sku, name, barcodes FROM pos.products"
                        " WHERE barcodes && %s::text[] OR lower(name) = ANY(%s)",
                        (codes, names)).fetchall()
    by_code: dict[str, set[str]] = {}
    by_name: dict[str, set[str]] = {}
    for sku, name, barcodes in rows:
        for code in barcodes or ():
            by_code.setdefault(str(code), set()).add(str(sku))
        by_name.setdefault(_fold(str(name)), set()).add(str(sku))
    found: dict[Hashable, str] = {}
    for key, it in items.items():
        skus: set[str] = set()
        for code in it.barcodes:
            skus |= by_code.get(code, set())
        if not skus:
            skus = by_name.get(_fold(it.name), set())
        if len(skus) == 1:
            found[key] = skus.pop()
    return found


def _assign_skus(conn: psycopg.Connection[Any], wanted: Mapping[str, Sequence[tuple[Hashable,
                 CatalogItem]]], lists: _Lists) -> dict[Hashable, str]:
    """A SKU for every key whose item has none (see the module docstring): one per key, the
    same in every outlet."""
    new: dict[Hashable, CatalogItem] = {}
    adding_in: dict[Hashable, list[str]] = {}
    claimed: set[str] = set()
    for oid, pairs in wanted.items():
        for key, item in pairs:
            claimed.update(item.barcodes)
            if item.sku:
                claimed.add(item.sku)
            else:
                new.setdefault(key, item)
                adding_in.setdefault(key, []).append(oid)
    if not new:
        return {}
    reuse = _chain_match(conn, new)
    # Per outlet, every SKU and barcode in use (outlets with one list share one set).
    used: dict[int, set[str]] = {}

    def in_use(oid: str) -> set[str]:
        items = lists.by_outlet[oid]
        if id(items) not in used:
            used[id(items)] = set(items) | {c for it in items.values() for c in it.barcodes}
        return used[id(items)]

    out: dict[Hashable, str] = {}
    for key in new:
        sku = reuse.get(key)
        # Free in every outlet it is added to: not a product there, nor a barcode of one.
        if sku is None or sku in claimed or any(sku in in_use(oid) for oid in adding_in[key]):
            continue
        out[key] = sku
        claimed.add(sku)
    rest = [key for key in new if key not in out]
    out.update(zip(rest, _next_numbers(conn, len(rest), claimed), strict=True))
    return out


def _push(conn: psycopg.Connection[Any], outlets: Sequence[Outlet],
          wanted: Mapping[str, Sequence[tuple[Hashable, CatalogItem]]], lists: _Lists, *,
          write: bool, unchanged: Mapping[str, int] | None = None) -> PushResult:
    """Write ``wanted`` (outlet id -> (key, item) pairs; an item without a SKU gets the key's)
    where it differs from ``lists``; inside the caller's transaction."""
    skus = _assign_skus(conn, wanted, lists)
    rows: list[tuple[Any, ...]] = []
    changes: list[OutletChanges] = []
    for o in outlets:
        current = lists.by_outlet[o.outlet_id]
        added: list[str] = []
        changed: list[str] = []
        same = (unchanged or {}).get(o.outlet_id, 0)
        for key, item in wanted.get(o.outlet_id, ()):
            if not item.sku:
                item = replace(item, sku=skus[key])
            before = current.get(item.sku)
            if before is not None and _central(before) == _central(item):
                same += 1
                continue
            (added if before is None else changed).append(item.sku)
            rows.append((o.outlet_id, item.sku, item.name, item.category, item.price,
                         list(item.barcodes), item.stock, item.active))
        changes.append(OutletChanges(o.outlet_id, o.name, tuple(added), tuple(changed), same))
    if write and rows:
        with conn.cursor() as cur:
            cur.executemany(_UPSERT, rows)
    if write:
        # Head office has now given these outlets a price list: from the tills' next pull on
        # it is theirs (pos.outlets.catalog_managed starts off, so an enrolled till keeps
        # editing its own products until the owner actually takes them over).
        # only an outlet that now has products: an empty push (or every row refused with
        # --skip-refused) must not lock the tills out of their own list for nothing
        conn.execute("UPDATE pos.outlets o SET catalog_managed = true"
                     " WHERE o.outlet_id = ANY(%s) AND NOT o.catalog_managed"
                     " AND EXISTS (SELECT 1 FROM pos.products p WHERE p.outlet_id = o.outlet_id)",
                     ([o.outlet_id for o in outlets],))
    result = PushResult(tuple(changes), written=write)
    if write:
        log.info("central price list: %d added, %d changed, %d unchanged over %d outlet(s)",
                 result.added, result.changed, result.unchanged, len(outlets))
    return result


def _problems(items: Sequence[CatalogItem], current: Mapping[str, CatalogItem]
              ) -> list[tuple[int, str]]:
    """The rules :func:`push_items` checks for one outlet (the import's plan checks the same
    against that outlet's list): the product rules, and SKUs and barcodes unique."""
    problems: list[tuple[int, str]] = []
    mine = {it.sku for it in items if it.sku}
    # Barcodes and SKUs of the outlet's products this push does not rewrite.
    held: dict[str, str] = {}
    for other in current.values():
        if other.sku not in mine:
            held[other.sku] = other.name
            for code in other.barcodes:
                held.setdefault(code, other.name)
    seen: dict[str, int] = {}
    for n, it in enumerate(items, 1):
        problems += [(n, p.message_en) for p in check_item(it)]
        for code in (it.sku, *it.barcodes) if it.sku else it.barcodes:
            if code in held:
                problems.append((n, f"{code} is already used by {held[code]}"))
            elif code in seen and seen[code] != n:
                problems.append((n, f"{code} is also in item {seen[code]}"))
            seen.setdefault(code, n)
    return problems


def push_items(conn: psycopg.Connection[Any], items: Sequence[CatalogItem],
               outlet: str | None, *, dry_run: bool = False) -> PushResult:
    """Write ``items`` into the central price list of ``outlet`` (a name or an id), or of every
    outlet (None or ``"all"``: one price list for all tills), in one transaction, committed
    here. Each item is complete (what central keeps of it is written as given); an item
    without a SKU is a new product and gets one (module docstring). Only rows that differ from
    central's are written. Raises :class:`CatalogRefused` (nothing written) for items the
    product rules refuse, :class:`BadOutlet`, or psycopg's errors."""
    clean = [it.normalized() for it in items]
    with _writing(conn, lock=not dry_run):
        outlets = resolve_outlets(conn, outlet)
        lists = _load(conn, outlets)
        problems: dict[tuple[int, str], None] = {}
        for group in lists.groups:
            for p in _problems(clean, lists.by_outlet[group[0]]):
                problems[p] = None
        if problems:
            raise CatalogRefused(sorted(problems))
        pairs: list[tuple[Hashable, CatalogItem]] = list(enumerate(clean))
        return _push(conn, outlets, {o.outlet_id: pairs for o in outlets}, lists,
                     write=not dry_run)


# --------------------------------------------------------------------------- files


def _plan(path: Path, items: Mapping[str, CatalogItem]) -> ImportPlan:
    """:func:`pos_app.product_io.plan_import` of ``path`` against ``items`` (one outlet's
    central list), through a throwaway in-memory SQLite catalogue."""
    from pos_app.product_io import plan_import
    from pos_app.storage import catalog
    from pos_app.storage.database import open_database

    scratch = open_database(":memory:")
    try:
        taken: set[str] = set()
        rows: list[CatalogItem] = []
        for it in items.values():
            # Barcodes are unique in a local catalogue; central does not enforce it. A code
            # two central products share stays with the first, as the till keeps it.
            codes = tuple(c for c in dict.fromkeys(it.barcodes) if c and c not in taken)
            taken.update(codes)
            rows.append(replace(it, barcodes=codes))
        with scratch.transaction() as sq:
            catalog.write_items(sq, rows)
            catalog.ensure_categories(sq, [it.category for it in rows])
        return plan_import(scratch, path)
    finally:
        scratch.close()


def _refusals(outlets: Sequence[Outlet], plans: Mapping[str, ImportPlan]
              ) -> tuple[CentralRefusal, ...]:
    where: dict[tuple[int, str, str], list[str]] = {}
    for o in outlets:
        for r in plans[o.outlet_id].refused:
            where.setdefault((r.row, r.reason, r.reason_en), []).append(o.outlet_id)
    every = len(outlets)
    return tuple(CentralRefusal(row, reason, reason_en,
                                () if len(ids) == every else tuple(ids))
                 for (row, reason, reason_en), ids in sorted(where.items()))


def import_file(conn: psycopg.Connection[Any], path: Path, outlet: str | None, *,
                dry_run: bool = False, skip_refused: bool = False) -> CentralImport:
    """Import a price-list file (CSV, XLSX, a Loyverse item export) into the central list of
    ``outlet`` or of every outlet, in one transaction (module docstring). When a row is refused
    nothing is written, unless ``skip_refused``; ``result.written`` says whether anything was.
    Raises :class:`pos_app.product_io.ImportFileError` for a file that can't be imported at
    all, :class:`BadOutlet`, or psycopg's errors."""
    path = Path(path)
    with _writing(conn, lock=not dry_run):
        outlets = resolve_outlets(conn, outlet)
        lists = _load(conn, outlets)
        plans: dict[str, ImportPlan] = {}
        for group in lists.groups:
            plan = _plan(path, lists.by_outlet[group[0]])
            for oid in group:
                plans[oid] = plan
        refused = _refusals(outlets, plans)
        # Keyed by row: a row new in several outlets gets one SKU for all of them.
        wanted = {oid: [(c.row, c.item) for c in (*p.added, *p.changed)]
                  for oid, p in plans.items()}
        write = not dry_run and (not refused or skip_refused)
        result = _push(conn, outlets, wanted, lists, write=write,
                       unchanged={oid: p.unchanged for oid, p in plans.items()})
    first = plans[outlets[0].outlet_id]
    return CentralImport(source=str(path), format=str(first.format), columns=first.columns,
                         ignored_columns=first.ignored_columns, refused=refused, result=result)
