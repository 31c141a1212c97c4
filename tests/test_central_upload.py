"""The till side of the central store (sync/central.py, migration 9, docs/central.md): the change
log the triggers write, uploads that are idempotent and survive kill -9, a till that was offline
catching up, outlets whose order numbers clash, late changes, and the catalogue pulled by two
tills. Real SQLite files; a real PostgreSQL (tests/pg_cluster.py) with till roles, so that
row-level security decides what a till may write and read."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pos_app.cart import Cart, Product
from pos_app.central.catalog import push_items
from pos_app.central.connect import connect
from pos_app.central.enroll import make_code, redeem
from pos_app.central.errors import Unreachable
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import zone
from pos_app.order_state import PaymentStatus
from pos_app.products import CatalogItem
from pos_app.refunds import PaidBack
from pos_app.shifts import CashCount
from pos_app.storage import (
    Database,
    catalog,
    open_database,
    refunds as refund_store,
    shifts as shift_store,
)
from pos_app.storage.migrations import MIGRATIONS
from pos_app.storage.orders import latest_payment
from sync import central
from sync.central import CentralProduct, CentralSync, central_status, mark_enrolled
from sync.ledger import Ledger
from sync.providers.base import RemoteStatus, StatusResult
from tests.conftest import FakeClock
from tests.pg_cluster import CentralDb

ROOT = Path(__file__).resolve().parent.parent
WIB = zone("Asia/Jakarta")
KOPI = Product(sku="A", barcode="111", name="Kopi Susu", category="Minuman", price=5000,
               stock=50)
ROTI = Product(sku="B", barcode="222", name="Roti Bakar", category="Makanan", price=12000)
SALES_TABLES = ("orders", "order_lines", "payments", "refunds", "refund_lines", "shifts",
                "credits")


# --------------------------------------------------------------------------- helpers


def new_till(path: Path, clock: FakeClock, terminal: str = "K1") -> tuple[Database, Till]:
    db = open_database(path / "pos.sqlite3", backup_dir=path / "backups")
    catalog.upsert_products(db, [KOPI, ROTI])
    return db, Till(terminal, WIB, cashier="Sri")


def cart(n_kopi: int = 2, n_roti: int = 1) -> Cart:
    c = Cart()
    if n_kopi:
        c.add(KOPI, n_kopi)
    if n_roti:
        c.add(ROTI, n_roti)
    return c


def sell(db: Database, till: Till, clock: FakeClock, n: int = 1) -> list[str]:
    """``n`` cash sales, in one transaction (one fsync, not ``n``)."""
    svc = CheckoutService(db, till, clock)
    with db.transaction():
        return [svc.complete_cash_sale(cart(), 50_000).id for _ in range(n)]


@dataclass(frozen=True)
class TillLogin:
    """A till's own database role, as enrolment makes it."""

    outlet_id: str
    terminal_id: str
    user: str
    password: str
    url: str

    def factory(self) -> Callable[[], psycopg.Connection[Any]]:
        return lambda: connect(self.url, user=self.user, password=self.password)


def enrol(central_db: CentralDb, outlet_name: str, terminal: str) -> TillLogin:
    """A till's own login role, made the way a till gets it: the owner makes a one-time code
    (``make_code``: the outlet too, when new), the till redeems it (``redeem``)."""
    with central_db.connect() as conn:
        code = make_code(conn, outlet_name)
    base = central_db.cluster.url(central_db.dbname, user=None)
    creds = redeem(base, outlet_name, code, terminal)
    return TillLogin(creds.outlet_id, terminal, creds.role, creds.password, base)


def enrolled_sync(db: Database, login: TillLogin, clock: Callable[[], datetime] | None = None,
                  **kw: Any) -> CentralSync:
    sync = CentralSync(db, login.factory(), clock=clock or (lambda: datetime.now(UTC)), **kw)
    sync.mark_enrolled(login.outlet_id, login.terminal_id)
    return sync


def dump(central_db: CentralDb) -> dict[str, list[tuple[Any, ...]]]:
    """Every sales row central holds (as the superuser: all outlets), in a stable order."""
    with central_db.connect() as conn:
        return {t: conn.execute(f"SELECT * FROM pos.{t} ORDER BY 1, 2, 3, 4").fetchall()
                for t in SALES_TABLES}


def owner_rows(central_db: CentralDb, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    with central_db.connect() as conn:
        return conn.execute(sql, params).fetchall()


def drain(sync: CentralSync) -> int:
    """Upload until nothing waits; returns the batches it took."""
    batches = 0
    while True:
        result = sync.upload_once()
        if result.changes:
            batches += 1
        if result.left == 0:
            return batches
        assert batches < 10_000


def waiting(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM central_changes"))


@pytest.fixture
def till_a(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[Database, Till]]:
    db, till = new_till(tmp_path / "a", clock)
    yield db, till
    db.close()


# --------------------------------------------------------------------------- migration 9, triggers


def test_a_version_8_file_upgrades_and_keeps_its_sales(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "pos.sqlite3"
    old = open_database(path, migrations=MIGRATIONS[:8])
    catalog.upsert_products(old, [KOPI, ROTI])
    order = CheckoutService(old, Till("K1", WIB), clock).complete_cash_sale(cart(), 50_000)
    old.close()
    db = open_database(path, backup_dir=tmp_path / "backups")
    try:
        assert db.schema_version == 9 == MIGRATIONS[-1].version
        status = central_status(db)
        assert (status.enrolled, status.changes_waiting, status.catalog_version_seen) == (
            False, 0, 0)
        assert db.scalar("SELECT id FROM orders") == order.id
        # Enrolment queues the history: the one order and its payment.
        assert mark_enrolled(db, "toko-bandung", "K1") == 2
        assert [tuple(r) for r in db.query("SELECT tbl, key FROM central_changes ORDER BY id")
                ] == [("orders", order.id), ("payments", latest_payment(db, order.id).id)]
    finally:
        db.close()


def test_not_enrolled_records_nothing_and_never_connects(till_a, clock: FakeClock) -> None:
    db, till = till_a

    def no_server() -> psycopg.Connection[Any]:
        raise AssertionError("a till that is not enrolled must not connect")

    sync = CentralSync(db, no_server, clock=clock)
    sell(db, till, clock, 3)
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 100_000, clock())
    shift_store.close_shift(db, shift.id, "Sri", CashCount({100_000: 1}), "", clock())
    assert waiting(db) == 0
    assert sync.upload_once() == central.UploadResult(0, 0, 0, None)
    assert sync.pull_catalog_once() == 0
    assert sync.step() == central.NOT_ENROLLED_POLL_S


def test_every_write_is_recorded_with_it_but_payment_polls_are_not(
        till_a, clock: FakeClock) -> None:
    db, till = till_a
    mark_enrolled(db, "toko-bandung", "K1")
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 100_000, clock())
    svc = CheckoutService(db, Till("K1", WIB, shift_id=shift.id), clock)
    order, payment = svc.open_qris_sale(cart(), "orkut", ttl_s=600)
    changes = [tuple(r) for r in db.query("SELECT tbl, key FROM central_changes ORDER BY id")]
    assert changes == [("shifts", shift.id), ("orders", order.id), ("payments", payment.id)]
    # The engine's checks move next_check_at and updated_at every second: not a change.
    for _ in range(5):
        clock.advance(1)
        with db.transaction() as conn:
            conn.execute("UPDATE payments SET next_check_at = ?, updated_at = ? WHERE id = ?",
                         (clock().isoformat(), clock().isoformat(), payment.id))
    assert waiting(db) == 3
    # ... but the payment being paid is, and so is its order.
    Ledger(db, clock, late_poll_interval_s=2, late_watch_s=600).paid(
        latest_payment(db, order.id), StatusResult(RemoteStatus.PAID), actor="sync",
        action="qris_paid")
    assert [tuple(r) for r in db.query(
        "SELECT tbl, key FROM central_changes WHERE id > 3 ORDER BY id")] == [
        ("payments", payment.id), ("orders", order.id)]


def test_enrolling_in_another_outlet_is_refused_and_unenrolling_stops_recording(
        till_a, clock: FakeClock) -> None:
    db, till = till_a
    sell(db, till, clock, 2)
    assert mark_enrolled(db, "toko-bandung", "K1") == 4
    assert mark_enrolled(db, "toko-bandung", "K1") == 4, "again: queued once, not twice"
    assert waiting(db) == 4
    with pytest.raises(central.CentralStateError, match="toko-bandung"):
        mark_enrolled(db, "toko-bogor", "K1")
    assert central.unenroll(db) == 4
    sell(db, till, clock, 1)
    assert waiting(db) == 0


def test_errors_are_described_without_secrets() -> None:
    text = central.describe(psycopg.OperationalError(
        "connection to postgresql://till:s3cret@db.example.com/pos failed: password=hunter2 x"))
    assert "s3cret" not in text and "hunter2" not in text
    assert text.startswith("OperationalError: ")
    assert central.describe(RuntimeError("a\nb")) == "RuntimeError: a"


# --------------------------------------------------------------------------- uploads


def test_a_sale_is_shipped_with_its_lines_and_payment(central_db: CentralDb, till_a,
                                                      clock: FakeClock) -> None:
    db, till = till_a
    login = enrol(central_db, "Toko Bandung", "K1")
    sync = enrolled_sync(db, login)
    [order_id] = sell(db, till, clock)
    before = sync.status()
    assert before.changes_waiting == 2 and before.lag_s is not None and before.lag_s < 60
    result = sync.upload_once()
    assert (result.changes, result.rows, result.left, result.lag_s) == (2, 4, 0, None)
    assert waiting(db) == 0
    status = sync.status()
    assert status.last_upload_at is not None and status.last_error is None
    local = db.query_one("SELECT * FROM orders WHERE id = ?", (order_id,))
    [row] = owner_rows(central_db, "SELECT outlet_id, uuid::text, order_id, terminal_id,"
                       " business_date::text, status, subtotal, total, cashier, created_at,"
                       " paid_at FROM pos.orders")
    assert row == ("toko-bandung", local["uuid"], order_id, "K1", local["business_date"],
                   "paid", 22_000, 22_000, "Sri", clock(), clock())
    assert owner_rows(central_db, "SELECT line_no, sku, name, unit_price, quantity, net,"
                      " order_uuid::text FROM pos.order_lines ORDER BY line_no") == [
        (1, "A", "Kopi Susu", 5000, 2, 10_000, local["uuid"]),
        (2, "B", "Roti Bakar", 12_000, 1, 12_000, local["uuid"])]
    payment = latest_payment(db, order_id)
    assert owner_rows(central_db, "SELECT id, order_uuid::text, method, amount, tendered,"
                      " change_given, status, business_date::text FROM pos.payments") == [
        (payment.id, local["uuid"], "cash", 22_000, 50_000, 28_000, "paid",
         local["business_date"])]


def test_the_same_batch_three_times_leaves_identical_rows(central_db: CentralDb, till_a,
                                                          clock: FakeClock) -> None:
    db, till = till_a
    sync = enrolled_sync(db, enrol(central_db, "Toko Bandung", "K1"))
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 100_000, clock())
    sell(db, Till("K1", WIB, cashier="Sri", shift_id=shift.id), clock, 5)
    batch = sync.read_batch()
    assert batch is not None and len(batch.change_ids) == 11
    sync.ship(batch)
    first = dump(central_db)
    assert [len(first[t]) for t in SALES_TABLES] == [5, 10, 5, 0, 0, 1, 0]
    time.sleep(0.05)  # a rewrite would show in uploaded_at (now())
    sync.ship(batch)
    sync.ship(batch)
    assert dump(central_db) == first
    sync.forget(batch.change_ids)
    assert waiting(db) == 0


KILLER = r"""
import sys, time
from contextlib import contextmanager
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from pos_app.central.connect import connect
from pos_app.storage import open_database
from sync.central import CentralSync

root, db_path, url, user, password, mode, marker = sys.argv[1:8]
marker = Path(marker)


class SlowCommit:
    # A connection whose transactions stop just before COMMIT: rows sent, not committed.
    def __init__(self, pg):
        object.__setattr__(self, "_pg", pg)

    def __getattr__(self, name):
        return getattr(self._pg, name)

    def __setattr__(self, name, value):
        setattr(self._pg, name, value)

    @contextmanager
    def transaction(self):
        with self._pg.transaction():
            yield
            marker.write_text("sent")
            time.sleep(600)


def factory():
    pg = connect(url, user=user, password=password)
    return SlowCommit(pg) if mode == "before_commit" else pg


db = open_database(db_path)
sync = CentralSync(db, factory, batch_size=1000)
if mode == "after_commit":
    def forget(ids):
        marker.write_text("committed")
        time.sleep(600)
    sync.forget = forget
sync.upload_once()
"""


@pytest.mark.parametrize("mode", ["before_commit", "after_commit"])
def test_kill_9_mid_batch_then_upload_ships_each_order_once(
        mode: str, central_db: CentralDb, till_a, clock: FakeClock, tmp_path: Path) -> None:
    db, till = till_a
    login = enrol(central_db, "Toko Bandung", "K1")
    sync = enrolled_sync(db, login)
    orders = sell(db, till, clock, 20)
    marker = tmp_path / f"{mode}.marker"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLER, str(ROOT), str(db.path), login.url, login.user,
         login.password, mode, str(marker)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "the child never got to the point"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    shipped = owner_rows(central_db, "SELECT count(*) FROM pos.orders")[0][0]
    assert shipped == (0 if mode == "before_commit" else 20)
    assert waiting(db) == 40, "the change log is only cleared after the commit"
    before = dump(central_db)
    result = sync.upload_once()
    assert (result.changes, result.left) == (40, 0)
    rows = owner_rows(central_db, "SELECT order_id, count(*) FROM pos.orders GROUP BY 1"
                      " ORDER BY 1")
    assert rows == [(o, 1) for o in sorted(orders)]
    assert owner_rows(central_db, "SELECT count(*) FROM pos.payments")[0][0] == 20
    assert owner_rows(central_db, "SELECT count(*) FROM pos.order_lines")[0][0] == 40
    if mode == "after_commit":
        assert dump(central_db) == before, "the batch sent again changed nothing"


def test_a_till_offline_for_1000_sales_backs_off_then_catches_up(
        central_db: CentralDb, till_a, clock: FakeClock) -> None:
    db, till = till_a
    login = enrol(central_db, "Toko Bandung", "K1")
    online = False
    attempts = 0

    def factory() -> psycopg.Connection[Any]:
        nonlocal attempts
        attempts += 1
        if not online:
            raise Unreachable("cannot reach the central server 127.0.0.1:9/pos: refused")
        return login.factory()()

    sync = CentralSync(db, factory, clock=clock)
    sync.mark_enrolled(login.outlet_id, login.terminal_id)
    orders = sell(db, till, clock, 1000)
    assert waiting(db) == 2000
    wait = sync.step()
    assert attempts == 2  # the upload and the catalogue, each once
    assert 0.5 <= wait <= 1.0
    status = sync.status()
    assert status.changes_waiting == 2000
    assert status.last_error is not None and "Unreachable" in status.last_error
    for _ in range(5):
        assert sync.step() > 0  # backing off: no new attempt, no tight loop
    assert attempts == 2
    delays = []
    for _ in range(8):
        clock.advance(61)
        delays.append(sync.step())
    assert attempts == 2 + 2 * 8
    assert delays[-1] >= 30, "the pause grows to about a minute"
    assert sync.backoff.failures(central._UPLOAD) == 9
    online = True
    clock.advance(61)
    passes = 0
    while sync.status().changes_waiting:
        sync.step()
        passes += 1
        assert passes < 20
    assert passes == 4  # 500 changes a batch
    status = sync.status()
    assert status.last_error is None and status.last_upload_at == clock()
    assert sync.backoff.failures(central._UPLOAD) == 0
    counts = owner_rows(central_db, "SELECT count(*), count(DISTINCT uuid) FROM pos.orders")
    assert counts == [(1000, 1000)]
    assert sorted(r[0] for r in owner_rows(central_db, "SELECT order_id FROM pos.orders")
                  ) == sorted(orders)
    assert owner_rows(central_db, "SELECT count(*) FROM pos.payments") == [(1000,)]
    assert owner_rows(central_db, "SELECT count(*) FROM pos.order_lines") == [(2000,)]


def test_the_worker_thread_ships_a_sale_and_stops(central_db: CentralDb, till_a,
                                                  clock: FakeClock) -> None:
    db, till = till_a
    sync = enrolled_sync(db, enrol(central_db, "Toko Bandung", "K1"), poll_s=0.2)
    sync.start()
    try:
        sell(db, till, clock, 3)
        sync.wake()
        deadline = time.monotonic() + 30
        while owner_rows(central_db, "SELECT count(*) FROM pos.orders")[0][0] < 3:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        sync.stop()
    assert not sync.running
    assert waiting(db) == 0


def test_two_outlets_with_the_same_order_numbers(central_db: CentralDb, tmp_path: Path,
                                                 clock: FakeClock) -> None:
    bandung, till = new_till(tmp_path / "bandung", clock)
    bogor, _ = new_till(tmp_path / "bogor", clock)
    try:
        login_bandung = enrol(central_db, "Toko Bandung", "K1")
        login_bogor = enrol(central_db, "Toko Bogor", "K1")
        sync_bandung = enrolled_sync(bandung, login_bandung)
        sync_bogor = enrolled_sync(bogor, login_bogor)
        [a] = sell(bandung, till, clock)
        [b] = sell(bogor, till, clock)
        assert a == b == "K1-20261127-0001"
        drain(sync_bandung)
        drain(sync_bogor)
        rows = owner_rows(central_db, "SELECT outlet_id, order_id, total FROM pos.orders"
                          " ORDER BY outlet_id")
        assert rows == [("toko-bandung", a, 22_000), ("toko-bogor", b, 22_000)]
        assert owner_rows(central_db, "SELECT outlet_id, count(*) FROM pos.order_lines"
                          " GROUP BY 1 ORDER BY 1") == [("toko-bandung", 2), ("toko-bogor", 2)]
        # Each till sees (and could change) its own outlet's rows only.
        with login_bogor.factory()() as conn:
            assert conn.execute("SELECT outlet_id FROM pos.orders").fetchall() == [
                ("toko-bogor",)]
    finally:
        bandung.close()
        bogor.close()


def test_a_row_the_server_refuses_backs_off_and_keeps_the_changes(
        central_db: CentralDb, till_a, clock: FakeClock) -> None:
    db, till = till_a
    enrol(central_db, "Toko Bogor", "K2")
    sync = enrolled_sync(db, enrol(central_db, "Toko Bandung", "K1"), clock=clock)
    sell(db, till, clock)
    # As if the till claimed another outlet: row-level security refuses the rows.
    with db.transaction() as conn:
        conn.execute("UPDATE central_state SET outlet_id = 'toko-bogor'")
    sync.step()
    status = sync.status()
    assert status.changes_waiting == 2
    assert status.last_error is not None and "row-level security" in status.last_error
    assert sync.backoff.failures(central._UPLOAD) == 1
    assert owner_rows(central_db, "SELECT count(*) FROM pos.orders") == [(0,)]
    with db.transaction() as conn:
        conn.execute("UPDATE central_state SET outlet_id = 'toko-bandung'")
    clock.advance(61)
    sync.step()
    assert sync.status().changes_waiting == 0
    assert owner_rows(central_db, "SELECT outlet_id FROM pos.orders") == [("toko-bandung",)]


def test_late_changes_reach_central(central_db: CentralDb, till_a, clock: FakeClock) -> None:
    db, _ = till_a
    sync = enrolled_sync(db, enrol(central_db, "Toko Bandung", "K1"))
    shift = shift_store.open_shift(db, "K1", WIB, "Sri", 100_000, clock())
    till = Till("K1", WIB, cashier="Sri", shift_id=shift.id)
    svc = CheckoutService(db, till, clock)
    sold = svc.complete_cash_sale(cart(), 50_000)
    waited, _ = svc.open_qris_sale(cart(1, 0), "orkut", ttl_s=600)
    late, late_payment = svc.open_qris_sale(cart(0, 1), "orkut", ttl_s=600)
    drain(sync)
    assert owner_rows(central_db, "SELECT order_id, status, voided_by FROM pos.orders"
                      " ORDER BY order_id") == [
        (sold.id, "paid", None), (waited.id, "awaiting_payment", None),
        (late.id, "awaiting_payment", None)]

    clock.advance(120)
    refund_store.void(db, waited.id, reason="pelanggan batal", cashier="Sri",
                      approved_by="Pemilik")
    Ledger(db, clock, late_poll_interval_s=2, late_watch_s=600).paid(
        late_payment, StatusResult(RemoteStatus.PAID, provider_ref="RRN-1"), actor="sync",
        action="qris_paid")
    back = refund_store.refund(db, sold.id, {1: 1}, reason="basi", cashier="Sri",
                               approved_by="Pemilik", paid_back=PaidBack.CASH, tz=WIB,
                               now=clock(), shift_id=shift.id)
    with db.transaction() as conn:  # a statement line the matcher could not place
        conn.execute(
            "INSERT INTO credits (source, account, credit_id, amount, credited_at, precision,"
            " description, seen_at, status) VALUES ('orkut', 'OK123', 'TRX-9', 15000, ?,"
            " 'minute', 'QRIS', ?, 'unmatched')", (clock().isoformat(), clock().isoformat()))
    drain(sync)
    with db.transaction() as conn:
        conn.execute("UPDATE credits SET status = 'review', note = 'cek' WHERE credit_id = ?",
                     ("TRX-9",))
    totals = shift_store.shift_totals(db, shift.id)
    shift_store.close_shift(db, shift.id, "Sri",
                            CashCount({100_000: 1, 10_000: 1, 2_000: 1, 1_000: 2}), "selisih",
                            clock())
    assert totals.expected_cash == 100_000 + 22_000 - back.amount
    drain(sync)

    assert owner_rows(central_db, "SELECT order_id, status, voided_by, void_reason"
                      " FROM pos.orders ORDER BY order_id") == [
        (sold.id, "paid", None, None), (waited.id, "awaiting_payment", "Pemilik",
                                        "pelanggan batal"),
        (late.id, "paid", None, None)]
    assert owner_rows(central_db, "SELECT status, provider_ref FROM pos.payments WHERE id = %s",
                      (late_payment.id,)) == [(PaymentStatus.PAID.value, "RRN-1")]
    assert owner_rows(central_db, "SELECT id, amount, paid_back, method FROM pos.refunds") == [
        (back.id, back.amount, "cash", "cash")]
    assert owner_rows(central_db, "SELECT refund_id, line_no, quantity, amount"
                      " FROM pos.refund_lines") == [(back.id, 1, 1, back.amount)]
    assert owner_rows(central_db, "SELECT outlet_id, terminal_id, source, credit_id, amount,"
                      " precision, status, note, credited_at FROM pos.credits") == [
        ("toko-bandung", "K1", "orkut", "TRX-9", 15000, "minute", "review", "cek", clock())]
    [(status, counted, counts, closed_at)] = owner_rows(
        central_db, "SELECT status, counted_cash, counts, closed_at FROM pos.shifts")
    assert (status, counted, closed_at) == ("closed", 114_000, clock())
    assert counts == {"100000": 1, "10000": 1, "2000": 1, "1000": 2}


# --------------------------------------------------------------------------- the catalogue


def put_products(central_db: CentralDb, outlet_id: str, rows: list[dict[str, Any]]) -> None:
    """The owner's price list edits (as the superuser: RLS does not bind it)."""
    with central_db.connect() as conn:
        for r in rows:
            conn.execute(
                "INSERT INTO pos.products (outlet_id, sku, name, category, price, barcodes,"
                " stock, active) VALUES (%(outlet)s, %(sku)s, %(name)s, %(category)s, %(price)s,"
                " %(barcodes)s, %(stock)s, %(active)s) ON CONFLICT (outlet_id, sku) DO UPDATE"
                " SET name = EXCLUDED.name, category = EXCLUDED.category,"
                " price = EXCLUDED.price, barcodes = EXCLUDED.barcodes,"
                " stock = EXCLUDED.stock, active = EXCLUDED.active",
                {"outlet": outlet_id, "category": "", "barcodes": [], "stock": None,
                 "active": True, **r})
        # As pos_app.central.catalog.push_items does: a price list written makes it central's
        # (pos.outlets.catalog_managed starts off).
        conn.execute("UPDATE pos.outlets SET catalog_managed = true"
                     " WHERE outlet_id = %s AND NOT catalog_managed", (outlet_id,))
        conn.commit()


def local_products(db: Database) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in db.query(
        "SELECT p.sku, p.name, p.category, p.price, p.stock, p.active, p.barcode,"
        " (SELECT group_concat(barcode, ' ') FROM (SELECT barcode FROM product_barcodes b"
        "  WHERE b.sku = p.sku ORDER BY position)) FROM products p ORDER BY p.sku")]


def test_price_changes_are_pulled_by_both_tills(central_db: CentralDb, tmp_path: Path,
                                                clock: FakeClock) -> None:
    k1, till = new_till(tmp_path / "k1", clock, "K1")
    k2, _ = new_till(tmp_path / "k2", clock, "K2")
    try:
        syncs = [enrolled_sync(k1, enrol(central_db, "Toko Bandung", "K1")),
                 enrolled_sync(k2, enrol(central_db, "Toko Bandung", "K2"))]
        enrol(central_db, "Toko Bogor", "K1")
        put_products(central_db, "toko-bandung", [
            {"sku": "A", "name": "Kopi Susu Gula Aren", "category": "minuman", "price": 6000,
             "barcodes": ["111", "1110"], "stock": 99},
            {"sku": "C", "name": "Teh Tarik", "category": "Minuman Panas", "price": 7000,
             "barcodes": ["222"], "stock": 10},
        ])
        put_products(central_db, "toko-bogor", [
            {"sku": "A", "name": "Kopi Bogor", "price": 1, "barcodes": ["999"]}])
        for sync in syncs:
            assert sync.pull_catalog_once() == 2
        top = owner_rows(central_db, "SELECT max(version) FROM pos.products"
                         " WHERE outlet_id = 'toko-bandung'")[0][0]
        expected = [
            # A keeps its own stock count; its category is the till's spelling.
            ("A", "Kopi Susu Gula Aren", "Minuman", 6000, 50, 1, "111", "111 1110"),
            # B has C's barcode 222: it is central's C (re-keyed), and keeps its own count
            # (none: not tracked), not central's 10.
            ("C", "Teh Tarik", "Minuman Panas", 7000, None, 1, "222", "222"),
        ]
        for db, sync in zip((k1, k2), syncs, strict=True):
            assert local_products(db) == expected
            assert sync.status().catalog_version_seen == top
            assert "Minuman Panas" in catalog.categories(db)
            assert sync.pull_catalog_once() == 0
        sell(k1, till, clock)  # two Kopi: the till's count goes down, central's does not
        put_products(central_db, "toko-bandung", [
            {"sku": "A", "name": "Kopi Susu Gula Aren", "category": "Minuman", "price": 6500,
             "barcodes": ["111", "1110"], "stock": 99}])
        assert [s.pull_catalog_once() for s in syncs] == [1, 1]
        assert local_products(k1)[0] == ("A", "Kopi Susu Gula Aren", "Minuman", 6500, 48, 1,
                                         "111", "111 1110")
        assert local_products(k2)[0][3] == 6500
        assert syncs[0].status().catalog_version_seen > top
        assert [s.pull_catalog_once() for s in syncs] == [0, 0]
        assert catalog.get_by_barcode(k2, "1110").price == 6500
    finally:
        k1.close()
        k2.close()


def test_the_join_reads_every_page_and_later_pages_come_in_version_order(
        central_db: CentralDb, till_a) -> None:
    db, _ = till_a
    sync = enrolled_sync(db, enrol(central_db, "Toko Bandung", "K1"), catalog_page=3)
    put_products(central_db, "toko-bandung", [
        {"sku": f"S{i:02d}", "name": f"Barang {i}", "price": 1000 + i} for i in range(7)])
    # The join takes the whole list at once (three pages, one transaction).
    assert [sync.pull_catalog_once() for _ in range(2)] == [7, 0]
    assert db.scalar("SELECT count(*) FROM products WHERE sku LIKE 'S%'") == 7
    # Kopi and Roti are not on central's list: local-only SKUs now.
    assert [r[:2] for r in local_products(db)[:2]] == [("L-00001", "Kopi Susu"),
                                                       ("L-00002", "Roti Bakar")]
    put_products(central_db, "toko-bandung", [
        {"sku": f"S{i:02d}", "name": f"Barang {i}", "price": 2000 + i} for i in range(7)])
    assert [sync.pull_catalog_once() for _ in range(4)] == [3, 3, 1, 0]
    assert db.scalar("SELECT sum(price) FROM products WHERE sku LIKE 'S%'") == 7 * 2000 + 21


def test_an_outlet_that_keeps_its_own_price_list_gets_nothing(central_db: CentralDb,
                                                              till_a) -> None:
    db, _ = till_a
    sync = enrolled_sync(db, enrol(central_db, "Toko Bandung", "K1"))
    put_products(central_db, "toko-bandung", [{"sku": "A", "name": "Kopi Pusat", "price": 1}])
    with central_db.connect() as conn:
        conn.execute("UPDATE pos.outlets SET catalog_managed = false")
        conn.commit()
    assert sync.pull_catalog_once() == 0
    assert not central.catalog_is_central(db) and not sync.status().catalog_managed
    assert catalog.get_by_sku(db, "A").name == "Kopi Susu"
    with central_db.connect() as conn:
        conn.execute("UPDATE pos.outlets SET catalog_managed = true")
        conn.commit()
    assert sync.pull_catalog_once() == 1, "the edits made meanwhile arrive"
    assert central.catalog_is_central(db) and sync.status().catalog_managed
    assert catalog.get_by_sku(db, "A").name == "Kopi Pusat"


def test_apply_catalog_keeps_barcodes_unique(till_a, clock: FakeClock) -> None:
    db, _ = till_a
    with db.transaction() as conn:
        central.apply_catalog(conn, [
            CentralProduct("X", "Satu", "", 100, ("555", "555", " "), None, True, 1),
            CentralProduct("Y", "Dua", "", 200, ("555", "666"), 3, False, 2),
        ], clock())
    assert local_products(db)[2:] == [("X", "Satu", "", 100, None, 1, "555", "555"),
                                      ("Y", "Dua", "", 200, 3, 0, "666", "666")]


# The same SKU may be another product in another shop: every shop's import numbers its own
# products P-00001, P-00002, ..., and central's list is usually one shop's export.
GULA = Product(sku="P-00001", barcode="8990001", name="Gula", category="Sembako", price=17_000,
               stock=40)
BERAS = Product(sku="P-00007", barcode="8990007", name="Beras", category="Sembako",
                price=74_000, stock=12)
CENTRAL_BERAS = {"sku": "P-00001", "name": "Beras", "category": "Sembako", "price": 76_000,
                 "barcodes": ["8990007"], "stock": 99}


def shop(path: Path, *products: Product) -> Database:
    """A till with its own catalogue, as its import made it."""
    db = open_database(path / "pos.sqlite3", backup_dir=path / "backups")
    catalog.upsert_products(db, products)
    return db


def sell_one(db: Database, clock: FakeClock, barcode: str) -> str:
    """A cash sale of one of the product a scan of ``barcode`` finds; returns the line's SKU."""
    product = catalog.get_by_barcode(db, barcode)
    assert product is not None, f"nothing sells as {barcode}"
    c = Cart()
    c.add(product, 1)
    order = CheckoutService(db, Till("K1", WIB, cashier="Sri"), clock).complete_cash_sale(
        c, 100_000)
    return str(db.scalar("SELECT sku FROM order_lines WHERE order_id = ?", (order.id,)))


def sell_paid(db: Database, clock: FakeClock, barcode: str, n: int = 1) -> str:
    """A paid cash sale of ``n`` of the product a scan of ``barcode`` finds; its order id."""
    product = catalog.get_by_barcode(db, barcode)
    assert product is not None, f"nothing sells as {barcode}"
    c = Cart()
    c.add(product, n)
    return CheckoutService(db, Till("K1", WIB, cashier="Sri"), clock).complete_cash_sale(
        c, 200_000).id


def apply(db: Database, clock: FakeClock, *products: CentralProduct,
          joining: bool = True) -> central.CatalogApplied:
    with db.transaction() as conn:
        return central.apply_catalog(conn, products, clock(), joining=joining)


def test_a_joining_shop_keeps_its_products_when_central_skus_mean_others(
        central_db: CentralDb, tmp_path: Path, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    db = shop(tmp_path / "b", GULA, BERAS)
    try:
        sync = enrolled_sync(db, enrol(central_db, "Toko B", "K1"))
        put_products(central_db, "toko-b", [CENTRAL_BERAS])
        with caplog.at_level(logging.INFO, logger="sync.central"):
            assert sync.pull_catalog_once() == 1
        after = [
            # Gula was in the way: a local-only SKU (central never issues L-), with its name,
            # price, stock and barcode.
            ("L-00001", "Gula", "Sembako", 17_000, 40, 1, "8990001", "8990001"),
            # Central's P-00001 is the till's Beras (its barcode): Beras takes the SKU and
            # keeps its own 12, not Gula's 40 nor central's 99.
            ("P-00001", "Beras", "Sembako", 76_000, 12, 1, "8990007", "8990007"),
        ]
        assert local_products(db) == after
        assert "moved to SKU L-00001" in caplog.text
        assert ("1 local products took a central SKU, 1 moved to a new SKU, 0 local-only"
                in caplog.text)
        # Gula still sells by its barcode, from its own count; Beras's is untouched.
        assert sell_one(db, clock, "8990001") == "L-00001"
        assert catalog.get_by_sku(db, "L-00001").stock == 39
        assert catalog.get_by_barcode(db, "8990007").stock == 12
        after[0] = after[0][:4] + (39,) + after[0][5:]
        # A second pull of the same list (the owner saves it again), and one from scratch (a
        # till whose version seen is set back to 0), change nothing.
        caplog.clear()
        put_products(central_db, "toko-b", [CENTRAL_BERAS])
        with caplog.at_level(logging.INFO, logger="sync.central"):
            assert sync.pull_catalog_once() == 1
            with db.transaction() as conn:
                conn.execute("UPDATE central_state SET catalog_version_seen = 0 WHERE id = 1")
            assert sync.pull_catalog_once() == 1
        assert local_products(db) == after
        assert "0 local products took a central SKU, 0 moved" in caplog.text
        assert "moved to SKU" not in caplog.text
    finally:
        db.close()


def test_central_skus_swapped_with_the_tills_are_swapped_in_one_transaction(
        tmp_path: Path, clock: FakeClock) -> None:
    db = shop(tmp_path / "b", GULA, BERAS)
    try:
        gula_sale = sell_paid(db, clock, "8990001")
        clock.advance(60)
        beras_sale = sell_paid(db, clock, "8990007")
        done = apply(db, clock,
                     CentralProduct("P-00001", "Beras", "Sembako", 76_000, ("8990007",), 99,
                                    True, 1),
                     CentralProduct("P-00007", "Gula", "Sembako", 18_000, ("8990001",), 99,
                                    True, 2))
        assert local_products(db) == [
            ("P-00001", "Beras", "Sembako", 76_000, 11, 1, "8990007", "8990007"),
            ("P-00007", "Gula", "Sembako", 18_000, 39, 1, "8990001", "8990001")]
        assert sorted(done.taken_over) == [("P-00001", "P-00007"), ("P-00007", "P-00001")]
        assert done.moved_aside == done.local_only == ()
        # The sales swapped with their products: Gula's line names Gula's new SKU.
        assert [tuple(r) for r in db.query(
            "SELECT order_id, sku, name FROM order_lines ORDER BY order_id")] == [
            (gula_sale, "P-00007", "Gula"), (beras_sale, "P-00001", "Beras")]
        assert done.order_lines == 2 and done.orders_queued == 0, "not enrolled: not queued"
    finally:
        db.close()


def test_the_same_sku_with_a_barcode_in_common_is_updated_in_place(
        tmp_path: Path, clock: FakeClock) -> None:
    teh = Product(sku="P-00002", barcode="8990002", name="Teh Celup", price=9000, stock=5)
    db = shop(tmp_path / "b", GULA, teh)
    try:
        done = apply(db, clock, CentralProduct(
            "P-00001", "Gula Pasir 1kg", "Sembako", 18_500, ("8990001", "8990002"), 99, True,
            1))
        # Teh is not on central's list: a local-only SKU.
        assert done == central.CatalogApplied(1, local_only=(("P-00002", "L-00001"),))
        assert local_products(db) == [
            # Central gave 8990002 to Gula: the local Teh loses it and stays as it was.
            ("L-00001", "Teh Celup", "", 9000, 5, 1, None, None),
            ("P-00001", "Gula Pasir 1kg", "Sembako", 18_500, 40, 1, "8990001",
             "8990001 8990002")]
    finally:
        db.close()


def test_a_central_product_found_by_barcode_takes_over_the_local_one(
        tmp_path: Path, clock: FakeClock) -> None:
    kopi = Product(sku="P-00003", barcode="8991003", name="Kopi Kapal Api", category="Minuman",
                   price=1500, stock=25)
    db = shop(tmp_path / "b", GULA, kopi)
    try:
        with db.transaction() as conn:
            conn.execute("INSERT INTO product_barcodes (barcode, sku, position)"
                         " VALUES ('8991004', 'P-00003', 1)")
        assert sell_one(db, clock, "8991003") == "P-00003"
        done = apply(db, clock, CentralProduct(
            "MNM-010", "Kopi Kapal Api Sachet", "Minuman", 2000, ("8991004",), 100, True, 1))
        assert done.taken_over == (("P-00003", "MNM-010"),) and done.moved_aside == ()
        assert done.local_only == (("P-00001", "L-00001"),)
        # Re-keyed: central's name, price and barcodes, its own stock (25, one sold).
        assert local_products(db) == [
            ("L-00001", "Gula", "Sembako", 17_000, 40, 1, "8990001", "8990001"),
            ("MNM-010", "Kopi Kapal Api Sachet", "Minuman", 2000, 24, 1, "8991004", "8991004")]
        # The sale follows its product (a refund of it must restock this product, and P-00003
        # may be another product one day); the product sells under the new SKU.
        assert db.scalar("SELECT group_concat(sku) FROM order_lines") == "MNM-010"
        assert done.order_lines == 1
        assert sell_one(db, clock, "8991004") == "MNM-010"
        assert catalog.get_by_sku(db, "MNM-010").stock == 23
        assert apply(db, clock, CentralProduct(
            "MNM-010", "Kopi Kapal Api Sachet", "Minuman", 2000, ("8991004",), 100, True,
            2)) == central.CatalogApplied(1), "a second join: L-00001 stays, nothing moves"
    finally:
        db.close()


def test_products_without_barcodes_are_matched_by_name_and_later_renames_are_edits(
        central_db: CentralDb, tmp_path: Path) -> None:
    kerupuk = Product(sku="P-00001", name="Kerupuk", price=2000, stock=5)
    es_teh = Product(sku="P-00004", name="Es  teh", price=3000, stock=7)
    db = shop(tmp_path / "b", kerupuk, es_teh)
    try:
        sync = enrolled_sync(db, enrol(central_db, "Toko B", "K1"))
        put_products(central_db, "toko-b", [
            {"sku": "P-00001", "name": "ES TEH", "price": 3500, "stock": 50}])
        assert sync.pull_catalog_once() == 1
        assert local_products(db) == [
            ("L-00001", "Kerupuk", "", 2000, 5, 1, None, None),
            ("P-00001", "ES TEH", "", 3500, 7, 1, None, None)]
        # Joined: central's P-00001 is now the till's, and renaming it is an edit of it.
        put_products(central_db, "toko-b", [
            {"sku": "P-00001", "name": "Es Teh Manis", "price": 4000, "stock": 50}])
        assert sync.pull_catalog_once() == 1
        assert local_products(db) == [
            ("L-00001", "Kerupuk", "", 2000, 5, 1, None, None),
            ("P-00001", "Es Teh Manis", "", 4000, 7, 1, None, None)]
    finally:
        db.close()


def test_after_the_join_a_central_sku_the_till_has_is_that_product(
        tmp_path: Path, clock: FakeClock) -> None:
    # After the join every local product is central's or L-: the product with the SKU is
    # central's own, so another name and other barcodes are an edit of it, never a move.
    db = shop(tmp_path / "b", GULA, BERAS)
    try:
        done = apply(db, clock, CentralProduct(
            "P-00007", "Minyak Goreng", "Sembako", 20_000, ("8990070",), 10, True, 9),
            joining=False)
        assert done == central.CatalogApplied(1)
        assert local_products(db) == [
            ("P-00001", "Gula", "Sembako", 17_000, 40, 1, "8990001", "8990001"),
            ("P-00007", "Minyak Goreng", "Sembako", 20_000, 12, 1, "8990070", "8990070")]
        # A new central SKU with a barcode a local product has: a new product; the local one
        # only loses the barcode (it is not re-keyed, whoever it is).
        done = apply(db, clock, CentralProduct(
            "P-00008", "Gula Curah", "Sembako", 15_000, ("8990001",), 3, True, 10),
            joining=False)
        assert done == central.CatalogApplied(1)
        assert local_products(db) == [
            ("P-00001", "Gula", "Sembako", 17_000, 40, 1, None, None),
            ("P-00007", "Minyak Goreng", "Sembako", 20_000, 12, 1, "8990070", "8990070"),
            ("P-00008", "Gula Curah", "Sembako", 15_000, 3, 1, "8990001", "8990001")]
    finally:
        db.close()


def lines_of(db: Database, *orders: str) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in db.query(
        f"SELECT order_id, sku, name FROM order_lines WHERE order_id IN"
        f" ({', '.join('?' * len(orders))}) ORDER BY order_id, line_no", orders)]


def queued_orders(db: Database) -> set[str]:
    return {str(r[0]) for r in db.query("SELECT key FROM central_changes WHERE tbl = 'orders'")}


def stock(db: Database, sku: str) -> int | None:
    product = catalog.get_by_sku(db, sku)
    assert product is not None, sku
    return product.stock


def test_order_lines_follow_their_product_at_the_join(
        central_db: CentralDb, tmp_path: Path, clock: FakeClock) -> None:
    teh = Product(sku="P-00009", barcode="8990009", name="Teh", category="Minuman",
                  price=9000, stock=5)
    db = shop(tmp_path / "b", GULA, BERAS, teh)
    try:
        sync = enrolled_sync(db, enrol(central_db, "Toko B", "K1"))
        gula_sold = sell_paid(db, clock, "8990001")  # last week's Gula, paid
        clock.advance(60)
        beras_sold = sell_paid(db, clock, "8990007")
        clock.advance(60)
        teh_sold = sell_paid(db, clock, "8990009")
        clock.advance(60)
        c = Cart()
        c.add(catalog.get_by_barcode(db, "8990001"), 2)
        svc = CheckoutService(db, Till("K1", WIB, cashier="Sri"), clock)
        waiting_qris, _ = svc.open_qris_sale(c, "orkut", ttl_s=600)  # Gula, awaiting payment
        drain(sync)
        assert owner_rows(central_db, "SELECT o.order_id, l.sku FROM pos.order_lines l JOIN"
                          " pos.orders o ON o.uuid = l.order_uuid ORDER BY 1") == sorted([
            (gula_sold, "P-00001"), (beras_sold, "P-00007"), (teh_sold, "P-00009"),
            (waiting_qris.id, "P-00001")])

        # Central's P-00001 is Beras (the till's P-00007); Teh is the same product.
        put_products(central_db, "toko-b", [CENTRAL_BERAS, {
            "sku": "P-00009", "name": "Teh", "category": "Minuman", "price": 9500,
            "barcodes": ["8990009"], "stock": 99}])
        assert sync.pull_catalog_once() == 2
        assert [r[:5] for r in local_products(db)] == [
            ("L-00001", "Gula", "Sembako", 17_000, 39),
            ("P-00001", "Beras", "Sembako", 76_000, 11),
            ("P-00009", "Teh", "Minuman", 9500, 4)]
        # The chain P-00007 -> P-00001 -> L-00001: every line went with its product, in one
        # step; Teh did not move, nor did its line.
        assert lines_of(db, gula_sold, beras_sold, teh_sold, waiting_qris.id) == sorted([
            (gula_sold, "L-00001", "Gula"), (beras_sold, "P-00001", "Beras"),
            (teh_sold, "P-00009", "Teh"), (waiting_qris.id, "L-00001", "Gula")])
        assert queued_orders(db) == {gula_sold, beras_sold, waiting_qris.id}

        # The QRIS is paid now: two Gula off Gula's count, Beras's untouched.
        Ledger(db, clock, late_poll_interval_s=2, late_watch_s=600).paid(
            latest_payment(db, waiting_qris.id), StatusResult(RemoteStatus.PAID),
            actor="sync", action="qris_paid")
        assert (stock(db, "L-00001"), stock(db, "P-00001")) == (37, 11)
        # Last week's Gula comes back: it restocks Gula, not central's Beras.
        refund_store.refund(db, gula_sold, {1: 1}, reason="kemasan rusak", cashier="Sri",
                            approved_by="Pemilik", paid_back=PaidBack.CASH, tz=WIB,
                            now=clock())
        assert (stock(db, "L-00001"), stock(db, "P-00001")) == (38, 11)

        # Sent again, central's lines carry the new SKUs too.
        drain(sync)
        assert owner_rows(central_db, "SELECT o.order_id, l.sku, o.status FROM pos.order_lines l"
                          " JOIN pos.orders o ON o.uuid = l.order_uuid ORDER BY 1") == sorted([
            (gula_sold, "L-00001", "paid"), (beras_sold, "P-00001", "paid"),
            (teh_sold, "P-00009", "paid"), (waiting_qris.id, "L-00001", "paid")])
    finally:
        db.close()


def test_unmatched_products_are_local_only_and_central_numbers_no_longer_meet_them(
        central_db: CentralDb, tmp_path: Path, clock: FakeClock) -> None:
    sabun = Product(sku="P-00002", barcode="8990002", name="Sabun", category="Rumah Tangga",
                    price=4000, stock=20)
    kerupuk = Product(sku="P-00003", name="Kerupuk", price=2000, stock=9)
    db = shop(tmp_path / "b", GULA, sabun, kerupuk)
    try:
        login = enrol(central_db, "Toko B", "K1")
        sync = enrolled_sync(db, login)
        sabun_sold = sell_paid(db, clock, "8990002")
        with central_db.connect(autocommit=True) as conn:
            push_items(conn, [CatalogItem("P-00001", "Gula", 17_500, "Sembako",
                                          barcodes=("8990001",), stock=99)], "toko-b")
        assert sync.pull_catalog_once() == 1
        # Sabun and Kerupuk are the shop's own: numbers central never hands out.
        assert [r[:5] for r in local_products(db)] == [
            ("L-00001", "Sabun", "Rumah Tangga", 4000, 19),
            ("L-00002", "Kerupuk", "", 2000, 9),
            ("P-00001", "Gula", "Sembako", 17_500, 40)]
        assert lines_of(db, sabun_sold) == [(sabun_sold, "L-00001", "Sabun")]
        assert queued_orders(db) == {sabun_sold}

        # Head office's next new product gets the next P- number: Sabun's old one.
        with central_db.connect(autocommit=True) as conn:
            added = push_items(conn, [CatalogItem("", "Minyak", 20_000, "Sembako",
                                                  barcodes=("8990050",), stock=6)], "toko-b")
        assert added.outlets[0].added == ("P-00002",)
        assert sync.pull_catalog_once() == 1
        assert [r[:5] for r in local_products(db)] == [
            ("L-00001", "Sabun", "Rumah Tangga", 4000, 19),
            ("L-00002", "Kerupuk", "", 2000, 9),
            ("P-00001", "Gula", "Sembako", 17_500, 40),
            ("P-00002", "Minyak", "Sembako", 20_000, 6)]
        assert lines_of(db, sabun_sold) == [(sabun_sold, "L-00001", "Sabun")]

        # A barcode moving from central's Gula to a new central product, the page ending
        # between the two (after a restart: a new CentralSync). Central's own Gula is never
        # re-keyed: it only loses the barcode, then takes its new one.
        put_products(central_db, "toko-b", [
            {"sku": "P-00003", "name": "Gula Curah", "category": "Sembako", "price": 15_000,
             "barcodes": ["8990001", "8990002"], "stock": 3},
            {"sku": "P-00001", "name": "Gula", "category": "Sembako", "price": 17_500,
             "barcodes": ["8990011"], "stock": 99}])
        restarted = CentralSync(db, login.factory(), catalog_page=1)
        assert restarted.pull_catalog_once() == 1
        assert local_products(db) == [
            # Central gave Sabun's barcode to Gula Curah: Sabun keeps all else.
            ("L-00001", "Sabun", "Rumah Tangga", 4000, 19, 1, None, None),
            ("L-00002", "Kerupuk", "", 2000, 9, 1, None, None),
            ("P-00001", "Gula", "Sembako", 17_500, 40, 1, None, None),
            ("P-00002", "Minyak", "Sembako", 20_000, 6, 1, "8990050", "8990050"),
            ("P-00003", "Gula Curah", "Sembako", 15_000, 3, 1, "8990001",
             "8990001 8990002")]
        assert [restarted.pull_catalog_once() for _ in range(2)] == [1, 0]
        assert local_products(db)[2] == (
            "P-00001", "Gula", "Sembako", 17_500, 40, 1, "8990011", "8990011")
        assert lines_of(db, sabun_sold) == [(sabun_sold, "L-00001", "Sabun")]
    finally:
        db.close()


class PagedConnection:
    """A till's connection that counts the catalogue reads and can fail at one of them."""

    def __init__(self, pg: psycopg.Connection[Any], reads: list[str], fail_at: int | None
                 ) -> None:
        object.__setattr__(self, "_pg", pg)
        object.__setattr__(self, "_reads", reads)
        object.__setattr__(self, "_fail_at", fail_at)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pg, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._pg, name, value)

    def execute(self, query: Any, params: Any = None) -> Any:
        if "FROM pos.products" in str(query):
            self._reads.append(str(query))
            if len(self._reads) == self._fail_at:
                raise psycopg.OperationalError("server closed the connection unexpectedly")
        return self._pg.execute(query, params)


def test_a_2500_product_join_is_one_transaction_and_a_restart_then_edits(
        central_db: CentralDb, till_a, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    db, till = till_a
    login = enrol(central_db, "Toko Bandung", "K1")
    [sold] = sell(db, till, clock)  # two Kopi (A), one Roti (B)
    with central_db.connect() as conn:
        # P-01234 is the till's Kopi (barcode 111); Roti is not on the list.
        conn.execute(
            "INSERT INTO pos.products (outlet_id, sku, name, category, price, barcodes, stock,"
            " active) SELECT 'toko-bandung', format('P-%s', lpad(n::text, 5, '0')),"
            " format('Barang %s', n), 'Grosir', 1000 + n,"
            " ARRAY[CASE WHEN n = 1234 THEN '111' ELSE format('77%s', n) END], n % 10, true"
            " FROM generate_series(1, 2500) AS n")
        conn.execute("UPDATE pos.outlets SET catalog_managed = true")
        conn.commit()
    top = owner_rows(central_db, "SELECT max(version) FROM pos.products")[0][0]
    applied: list[int] = []
    apply_catalog = central.apply_catalog

    def counted(conn: Any, products: Any, now: datetime, **kw: Any) -> Any:
        if products:
            applied.append(len(products))
        return apply_catalog(conn, products, now, **kw)

    monkeypatch.setattr(central, "apply_catalog", counted)

    def till_sync(fail_at: int | None = None) -> tuple[CentralSync, list[str]]:
        reads: list[str] = []
        return CentralSync(db, lambda: PagedConnection(login.factory()(), reads, fail_at),
                           clock=clock), reads

    first, reads = till_sync(fail_at=3)
    first.mark_enrolled(login.outlet_id, login.terminal_id)
    before = local_products(db)
    # The connection drops while the third page is read: nothing of the join was applied.
    with pytest.raises(psycopg.OperationalError):
        first.pull_catalog_once()
    assert len(reads) == 3 and applied == []
    assert local_products(db) == before and first.status().catalog_version_seen == 0
    assert queued_orders(db) == {sold}

    # A restart: the join is read again from the start, and applied once, as a whole.
    restarted, reads = till_sync()
    assert restarted.pull_catalog_once() == 2500
    assert len(reads) == 3 and applied == [2500]
    assert restarted.status().catalog_version_seen == top
    assert db.scalar("SELECT count(*) FROM products") == 2501
    assert [r[:5] for r in local_products(db) if r[0] in ("L-00001", "P-01234")] == [
        ("L-00001", "Roti Bakar", "Makanan", 12_000, None),
        ("P-01234", "Barang 1234", "Grosir", 2234, 48)]
    assert [r[1] for r in lines_of(db, sold)] == ["P-01234", "L-00001"]
    assert owner_rows(central_db, "SELECT count(*) FROM pos.products") == [(2500,)]
    assert restarted.pull_catalog_once() == 0

    # Another restart after the join: central's changes are edits, even a new name and new
    # barcodes with none in common (the rule before this fix moved such a product aside).
    with central_db.connect() as conn:
        conn.execute("UPDATE pos.products SET name = 'Barang Lima', barcodes = '{555}'"
                     " WHERE sku = 'P-00005'")
        conn.execute("UPDATE pos.products SET price = 3000 WHERE sku = 'P-01234'")
        conn.commit()
    again, _ = till_sync()
    assert again.pull_catalog_once() == 2
    assert applied == [2500, 2]
    assert [r for r in local_products(db) if r[0] in ("P-00005", "P-01234")] == [
        ("P-00005", "Barang Lima", "Grosir", 1005, 5, 1, "555", "555"),
        ("P-01234", "Barang 1234", "Grosir", 3000, 48, 1, "111", "111")]
    assert db.scalar("SELECT count(*) FROM products") == 2501
    assert db.scalar("SELECT count(*) FROM products WHERE sku LIKE 'L-%'") == 1


# --------------------------------------------------------------------------- throughput


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    yield lambda: time.perf_counter() - start


def test_upload_throughput_is_reported(central_db: CentralDb, till_a, clock: FakeClock,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    db, till = till_a
    sync = enrolled_sync(db, enrol(central_db, "Toko Bandung", "K1"))
    sell(db, till, clock, 2000)
    with timed() as elapsed:
        drain(sync)
    rows = sum(len(v) for v in dump(central_db).values())
    assert rows == 2000 * 4
    with capsys.disabled():
        print(json.dumps({"central_rows": rows, "seconds": round(elapsed(), 2),
                          "rows_per_s": round(rows / elapsed())}))
