"""The central price list (issue 14): ``pos-app product import FILE --central [--outlet NAME|all]``
through the real console script, as the owner (a login in ``pos_owner``, its password from
PGPASSWORD), and two enrolled tills pulling it (``sync.central.CentralSync`` with each till's
own role); ``pos_app.central.catalog`` directly for what the CLI does not show; and the till's
local product writes refused while head office manages its price list.

A real PostgreSQL (tests/pg_cluster.py) and real SQLite files."""

from __future__ import annotations

import csv
import json
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pos_app.central.catalog import (
    CatalogRefused,
    import_file,
    list_items,
    managed_outlet,
    push_items,
)
from pos_app.central.connect import connect
from pos_app.central.enroll import make_code, redeem
from pos_app.products import CatalogItem
from pos_app.settings import Settings
from pos_app.storage import Database, catalog, open_database
from sync.central import CentralSync, catalog_is_central
from tests.cli_helpers import ROOT, env_for, pos_app_cmd
from tests.pg_cluster import CentralDb

REFUSAL = ("pos-app: this till's price list is managed by head office (outlet toko-bandung): "
           "change it there (pos-app product import --central)")


def pos_app(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*pos_app_cmd(), "--data-dir", str(data_dir), *args],
                          env=env_for(data_dir, **env), capture_output=True, text=True,
                          timeout=120, input="", cwd=ROOT)


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


HEADER = ["nama", "harga", "kategori", "barcode", "stok", "modal"]
PRICE_LIST = [
    HEADER,
    ["Kopi Susu", "5.000", "Minuman", "111", "50", "3000"],
    ["Roti Bakar", "12000", "Makanan", "222", "", ""],
    ["Teh Manis", "Rp 4.000", "minuman", "", "", ""],
]


# --------------------------------------------------------------------------- the owner, the tills


@dataclass
class Owner:
    """The owner's PC: a data dir whose central.url names the owner's login (no password),
    and the password that libpq takes from PGPASSWORD."""

    data_dir: Path
    user: str
    password: str
    url: str

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return pos_app(self.data_dir, *args, PGPASSWORD=self.password)

    def connect(self) -> psycopg.Connection[Any]:
        return connect(self.url, password=self.password, autocommit=True)


@dataclass
class TillSide:
    outlet_id: str
    db: Database
    sync: CentralSync
    url: str  # without credentials
    role: str
    password: str


def enrolled_till(central_db: CentralDb, path: Path, outlet: str, terminal: str) -> TillSide:
    """An empty till enrolled in ``outlet`` with its own role, as ``central enroll`` makes it."""
    with central_db.connect() as conn:
        code = make_code(conn, outlet)
    base = central_db.cluster.url(central_db.dbname, user=None)
    creds = redeem(base, outlet, code, terminal)
    db = open_database(path / "pos.sqlite3", backup_dir=path / "backups")

    def factory() -> psycopg.Connection[Any]:
        return connect(base, user=creds.role, password=creds.password)

    sync = CentralSync(db, factory, clock=lambda: datetime.now(UTC))
    sync.mark_enrolled(creds.outlet_id, terminal)
    return TillSide(creds.outlet_id, db, sync, base, creds.role, creds.password)


@pytest.fixture
def owner(central_db: CentralDb, tmp_path: Path) -> Owner:
    user, password = central_db.login("owner", "pos_owner")
    data_dir = tmp_path / "owner"
    data_dir.mkdir()
    url = central_db.cluster.url(central_db.dbname, user, "")
    Settings.load(data_dir).set("central.url", url)
    return Owner(data_dir, user, password, url)


@pytest.fixture
def tills(central_db: CentralDb, tmp_path: Path) -> Iterator[list[TillSide]]:
    made = []
    for outlet, sub in (("Toko Bandung", "bandung"), ("Toko Bogor", "bogor")):
        (tmp_path / sub).mkdir()
        made.append(enrolled_till(central_db, tmp_path / sub, outlet, "K1"))
    yield made
    for t in made:
        t.sync.stop()
        t.db.close()


def versions(central_db: CentralDb) -> dict[tuple[str, str], int]:
    with central_db.connect() as conn:
        return {(str(o), str(s)): int(v) for o, s, v in conn.execute(
            "SELECT outlet_id, sku, version FROM pos.products")}


def prices(db: Database) -> dict[str, tuple[str, int]]:
    return {str(r["sku"]): (str(r["name"]), int(r["price"]))
            for r in db.query("SELECT sku, name, price FROM products")}


def one_line(r: subprocess.CompletedProcess[str]) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


# --------------------------------------------------------------------------- importing for all


def test_a_price_list_for_all_outlets_reaches_both_tills_and_a_change_moves_one_row(
        owner: Owner, tills: list[TillSide], central_db: CentralDb, tmp_path: Path) -> None:
    bandung, bogor = tills
    path = write_csv(tmp_path / "harga.csv", PRICE_LIST)
    r = owner.run("product", "import", str(path), "--central")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "harga.csv (generic): the central price list of all 2 outlets",
        "  Toko Bandung (toko-bandung): 3 added, 0 changed, 0 unchanged",
        "  Toko Bogor (toko-bogor): 3 added, 0 changed, 0 unchanged",
    ]
    assert owner.password not in r.stdout + r.stderr
    # One SKU per product in every outlet: the local import's P-00001 numbering, in row order.
    with owner.connect() as conn:
        for outlet in ("Toko Bandung", "toko-bogor"):
            assert [(i.sku, i.name, i.category, i.price, i.barcodes, i.stock)
                    for i in list_items(conn, outlet)] == [
                ("P-00001", "Kopi Susu", "Minuman", 5000, ("111",), 50),
                ("P-00002", "Roti Bakar", "Makanan", 12_000, ("222",), None),
                # "minuman" is the category the file already spelled "Minuman"
                ("P-00003", "Teh Manis", "Minuman", 4000, (), None),
            ]
    for till in tills:
        assert till.sync.pull_catalog_once() == 3
        assert prices(till.db) == {"P-00001": ("Kopi Susu", 5000),
                                   "P-00002": ("Roti Bakar", 12_000),
                                   "P-00003": ("Teh Manis", 4000)}
        assert catalog_is_central(till.db)
        assert catalog.get_by_barcode(till.db, "111").sku == "P-00001"
    assert managed_outlet(bandung.db) == "toko-bandung"
    assert managed_outlet(bogor.db) == "toko-bogor"
    before = versions(central_db)

    # The same file again: nothing is written, no version moves, no till pulls anything.
    r = owner.run("product", "import", str(path), "--central")
    assert r.returncode == 0, r.stderr
    assert "  Toko Bogor (toko-bogor): 0 added, 0 changed, 3 unchanged" in r.stdout
    assert versions(central_db) == before
    assert [t.sync.pull_catalog_once() for t in tills] == [0, 0]

    # One price changes (a price list with names and prices only: the rest is kept).
    changed = write_csv(tmp_path / "harga2.csv", [
        ["nama", "harga"], ["Kopi Susu", "5000"], ["Roti Bakar", "13.500"], ["Teh Manis", "4000"]])
    r = owner.run("product", "import", str(changed), "--central", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["written"] is True and doc["refused"] == []
    assert [(o["outlet"], o["added"], o["changed"], o["unchanged"]) for o in doc["outlets"]] == [
        ("toko-bandung", [], ["P-00002"], 2), ("toko-bogor", [], ["P-00002"], 2)]
    after = versions(central_db)
    moved = {key for key in after if after[key] != before[key]}
    assert moved == {("toko-bandung", "P-00002"), ("toko-bogor", "P-00002")}
    assert min(after[k] for k in moved) > max(before.values())
    # Only the changed row is pulled again; both tills sell at the new price.
    assert [t.sync.pull_catalog_once() for t in tills] == [1, 1]
    for till in tills:
        assert prices(till.db)["P-00002"] == ("Roti Bakar", 13_500)
        assert catalog.get_by_barcode(till.db, "222").price == 13_500
        assert till.sync.pull_catalog_once() == 0


def test_outlet_limits_the_import_to_one_outlet(owner: Owner, tills: list[TillSide],
                                                central_db: CentralDb, tmp_path: Path) -> None:
    bandung, bogor = tills
    path = write_csv(tmp_path / "bogor.csv",
                     [["sku", "nama", "harga", "barcode"], ["BG-1", "Asinan", "15000", "999"]])
    r = owner.run("product", "import", str(path), "--central", "--outlet", "toko  BOGOR")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "bogor.csv (generic): the central price list of Toko Bogor",
        "  Toko Bogor (toko-bogor): 1 added, 0 changed, 0 unchanged"]
    assert set(versions(central_db)) == {("toko-bogor", "BG-1")}
    assert bandung.sync.pull_catalog_once() == 0 and prices(bandung.db) == {}
    assert bogor.sync.pull_catalog_once() == 1 and prices(bogor.db) == {"BG-1": ("Asinan", 15000)}

    r = owner.run("product", "import", str(path), "--central", "--outlet", "Toko Depok")
    assert r.returncode == 2
    assert one_line(r) == ("pos-app: unknown outlet 'Toko Depok' (outlets: Toko Bandung, "
                           "Toko Bogor)")
    r = pos_app(owner.data_dir, "product", "import", str(path), "--outlet", "Toko Bogor")
    assert r.returncode == 2 and "--outlet needs --central" in one_line(r)

    # The lists differ now: a row can be refused for one outlet only, and then nothing is
    # written to any outlet.
    teh = write_csv(tmp_path / "teh.csv",
                    [["sku", "nama", "harga", "barcode"], ["T-1", "Teh", "4000", "999"]])
    r = owner.run("product", "import", str(teh), "--central")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "pos-app: row 2 (outlet toko-bogor): barcode 999 is already used by Asinan",
        "pos-app: 1 row(s) refused; nothing was imported (fix them, or --skip-refused to "
        "import the other rows)"]
    assert r.stdout.splitlines()[1:] == [
        "  Toko Bandung (toko-bandung): 1 to add, 0 to change, 0 unchanged",
        "  Toko Bogor (toko-bogor): 0 to add, 0 to change, 0 unchanged"]
    assert set(versions(central_db)) == {("toko-bogor", "BG-1")}


def test_a_bad_row_is_refused_like_the_local_import_and_nothing_is_written(
        owner: Owner, tills: list[TillSide], central_db: CentralDb, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rusak.csv", [
        ["nama", "harga", "barcode"], ["Aqua", "4000", "111"], ["Rusak", "abc", ""],
        ["Teh", "0", ""], ["Kopi", "5000", "111"]])
    r = owner.run("product", "import", str(path), "--central")
    assert r.returncode == 2
    central_errors = r.stderr.strip().splitlines()
    assert "Traceback" not in r.stderr
    assert central_errors[-1] == ("pos-app: 3 row(s) refused; nothing was imported (fix them, or "
                                  "--skip-refused to import the other rows)")
    assert versions(central_db) == {}
    # The same file on a till of its own: the same rows, in the same words.
    local = tmp_path / "local"
    local.mkdir()
    r_local = pos_app(local, "product", "import", str(path))
    assert r_local.returncode == 2
    assert central_errors == r_local.stderr.strip().splitlines()
    assert [line.split(":")[1] for line in central_errors[:3]] == [" row 3", " row 4", " row 5"]

    # --dry-run of a good file says what would change and writes nothing.
    good = write_csv(tmp_path / "baik.csv", [["nama", "harga"], ["Aqua", "4000"]])
    r = owner.run("product", "import", str(good), "--central", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "  Toko Bandung (toko-bandung): 1 to add, 0 to change, 0 unchanged" in r.stdout
    assert r.stderr.strip() == "pos-app: nothing was written (--dry-run)"
    assert versions(central_db) == {}
    # --skip-refused imports the good rows.
    r = owner.run("product", "import", str(path), "--central", "--skip-refused")
    assert r.returncode == 0, r.stderr
    assert {k[1] for k in versions(central_db)} == {"P-00001"}


def test_a_till_export_imported_centrally_keeps_its_skus(owner: Owner, tills: list[TillSide],
                                                         tmp_path: Path) -> None:
    """The owner's first central list is often a till's own: its XLSX export, read back by the
    same reader, SKUs and barcodes (leading zeros too) kept."""
    shop = tmp_path / "shop"
    shop.mkdir()
    for args in (("--name", "Indomie Goreng", "--price", "3500", "--barcode", "089686010947",
                  "--sku", "IDM-1"), ("--name", "Aqua 600ml", "--price", "4000")):
        assert pos_app(shop, "product", "add", *args).returncode == 0
    export = tmp_path / "produk.xlsx"
    assert pos_app(shop, "product", "export", str(export)).returncode == 0
    r = owner.run("product", "import", str(export), "--central", "--outlet", "all")
    assert r.returncode == 0, r.stderr
    assert "(generic): the central price list of all 2 outlets" in r.stdout
    for till in tills:
        assert till.sync.pull_catalog_once() == 2
        assert prices(till.db) == {"IDM-1": ("Indomie Goreng", 3500),
                                   "P-00001": ("Aqua 600ml", 4000)}
        assert catalog.get_by_barcode(till.db, "089686010947").sku == "IDM-1"


def test_an_unreachable_server_exits_1_with_one_line_and_no_password(tmp_path: Path) -> None:
    data_dir = tmp_path / "owner"
    data_dir.mkdir()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    Settings.load(data_dir).set("central.url", f"postgresql://owner@127.0.0.1:{port}/pos")
    path = write_csv(tmp_path / "harga.csv", PRICE_LIST)
    secret = "rahasia-sekali-123"
    r = pos_app(data_dir, "product", "import", str(path), "--central", PGPASSWORD=secret)
    assert r.returncode == 1
    line = one_line(r)
    assert line.startswith("pos-app: cannot reach the central server 127.0.0.1:")
    assert secret not in r.stdout + r.stderr
    r = pos_app(tmp_path / "nothing", "product", "import", str(path), "--central")
    assert r.returncode == 2 and "central.url is not set" in one_line(r)


# --------------------------------------------------------------------------- the module itself


def test_push_items_writes_only_what_differs_and_numbers_skus_chain_wide(
        owner: Owner, tills: list[TillSide], central_db: CentralDb) -> None:
    with owner.connect() as conn:
        result = push_items(conn, [CatalogItem("", "Kopi", 5000, barcodes=("111",)),
                                   CatalogItem("K-2", "Kopi Besar", 8000)], "Toko Bandung")
        assert [(o.outlet_id, o.added, o.changed, o.unchanged) for o in result.outlets] == [
            ("toko-bandung", ("P-00001", "K-2"), (), 0)]
        # The same product new in the other outlet gets the SKU it has in the first (found by
        # its barcode), not a number of its own; a new one gets the next number chain-wide.
        result = push_items(conn, [CatalogItem("", "Kopi Hitam", 5000, barcodes=("111",)),
                                   CatalogItem("", "Roti", 9000)], "toko-bogor")
        assert result.outlets[0].added == ("P-00001", "P-00002")
        seen = versions(central_db)
        # For all: only the rows that differ are written.
        result = push_items(conn, [CatalogItem("P-00001", "Kopi", 5000, barcodes=("111",))],
                            None)
        assert [(o.outlet_id, o.changed, o.unchanged) for o in result.outlets] == [
            ("toko-bandung", (), 1), ("toko-bogor", ("P-00001",), 0)]
        now = versions(central_db)
        assert {k for k in now if now[k] != seen[k]} == {("toko-bogor", "P-00001")}
        # Refused items write nothing.
        with pytest.raises(CatalogRefused) as refused:
            push_items(conn, [CatalogItem("X-1", "Gratis", 0),
                              CatalogItem("X-2", "Kopi Lain", 5000, barcodes=("111",))], "all")
        assert "item 1: the price must be more than Rp 0" in str(refused.value)
        assert "item 2: 111 is already used by Kopi" in str(refused.value)
        assert versions(central_db) == now
        # A dry run says what it would do and writes nothing.
        dry = push_items(conn, [CatalogItem("K-2", "Kopi Besar", 8500)], "all", dry_run=True)
        assert not dry.written and dry.changed == 1 and versions(central_db) == now


def test_a_till_role_may_not_change_the_price_list(central_db: CentralDb, tmp_path: Path,
                                                    tills: list[TillSide]) -> None:
    till = tills[0]
    path = write_csv(tmp_path / "harga.csv", PRICE_LIST)
    with connect(till.url, user=till.role, password=till.password, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            push_items(conn, [CatalogItem("A", "Kopi", 5000)], "toko-bandung")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            import_file(conn, path, None)
    assert versions(central_db) == {}


# --------------------------------------------------------------------------- local edits refused


def make_central(data_dir: Path, managed: bool = True) -> None:
    """The till's central state as the last pull left it (SQLite only: no server needed)."""
    db = open_database(data_dir / "pos.sqlite3")
    db.close()
    with sqlite3.connect(data_dir / "pos.sqlite3") as conn:
        conn.execute("UPDATE central_state SET enrolled = 1, outlet_id = 'toko-bandung',"
                     " terminal_id = 'K1', catalog_managed = ?", (int(managed),))


def test_local_product_edits_are_refused_while_head_office_manages_the_list(
        data_dir: Path, tmp_path: Path) -> None:
    assert pos_app(data_dir, "product", "add", "--name", "Kopi", "--price", "5000").returncode == 0
    make_central(data_dir)
    path = write_csv(tmp_path / "harga.csv", PRICE_LIST)
    for args in (("product", "add", "--name", "Teh", "--price", "4000"),
                 ("product", "import", str(path)),
                 ("product", "import", str(path), "--dry-run")):
        r = pos_app(data_dir, *args)
        assert r.returncode == 2, args
        assert one_line(r) == REFUSAL
        assert r.stdout == ""
    r = pos_app(data_dir, "product", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert [p["name"] for p in json.loads(r.stdout)] == ["Kopi"]
    r = pos_app(data_dir, "product", "export", str(tmp_path / "out.csv"))
    assert r.returncode == 0 and (tmp_path / "out.csv").exists()
    # An outlet that keeps its own list (catalog_managed off at the last pull): edits work.
    make_central(data_dir, managed=False)
    r = pos_app(data_dir, "product", "add", "--name", "Teh", "--price", "4000")
    assert r.returncode == 0, r.stderr
