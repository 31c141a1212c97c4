"""The cross-outlet report (pos_app.central.reports) against the tills' own reports.

Three tills, each its own SQLite data dir, sell through the real code (``CheckoutService``,
``open_shift``/``close_shift``, ``refund``/``void``, the sync engine's ``Ledger`` for QRIS and
statement credits), then ship everything with the real uploader (``sync.central``) under their
own till roles (row-level security on). Outlet "Toko Bandung" has two tills on one mutasi
account, "Toko Surabaya" one; both have an order ``K1-20261206-0001``.

What must hold:

* for each outlet, the central report equals that outlet's tills' reports combined (numbers
  summed, lists joined; an unmatched credit seen by both tills once, and not at all when one
  till matched it);
* the report over all outlets equals the outlet reports added up, and its ``outlets`` table
  adds up to its totals;
* the pre-aggregated sales (kept by triggers as the tills upload) give the same report as the
  sales rows, a rebuild from the rows gives the same sums, and a history sent again changes
  nothing;
* ``pos-app report daily --central --format json`` prints that same object.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from pos_app.cart import Cart, Discount, Product, TaxConfig, TaxMode
from pos_app.central.reports import (
    UnknownOutlet,
    build_central_report,
    central_report_csv,
    central_report_text,
    install_summaries,
)
from pos_app.central.schema import add_outlet
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import to_iso
from pos_app.order_state import OrderEvent
from pos_app.refunds import PaidBack
from pos_app.reports import build_report
from pos_app.shifts import CashCount
from pos_app.storage import open_database
from pos_app.storage.database import Database
from pos_app.storage.orders import load_payment, update_payment
from pos_app.storage.refunds import refund, void
from pos_app.storage.shifts import close_shift, open_shift, shift_totals
from sync.central import CentralSync, mark_enrolled
from sync.ledger import Ledger, move_order
from sync.providers.base import Credit, Invoice, RemoteStatus, StatusResult
from tests.cli_helpers import env_for, pos_app_cmd
from tests.conftest import FakeClock
from tests.pg_cluster import CentralDb, central_db, empty_db, pg_cluster  # noqa: F401
from tests.test_reports import SCHEMA, validate

TZ = ZoneInfo("Asia/Jakarta")
DAY = date(2026, 12, 6)
NEXT = DAY + timedelta(days=1)
BANDUNG, SURABAYA = "Toko Bandung", "Toko Surabaya"

ITEMS = {sku: Product(sku=sku, name=name, price=price) for sku, name, price in (
    ("TEH", "Teh Botol", 5000), ("KOPI", "Kopi Susu", 12000), ("ROTI", "Roti Bakar", 15000),
    ("NASI", "Nasi Goreng", 25000), ("AIR", "Air Mineral", 3000))}


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), TZ).astimezone(UTC)


def cart(*items: tuple[str, int], tax: bool = False, line_discount: int = 0,
         order_discount: int = 0) -> Cart:
    c = Cart(TaxConfig(TaxMode.ADDED, 1100) if tax else TaxConfig(TaxMode.OFF, 0))
    for sku, qty in items:
        c.add(ITEMS[sku], qty)
    if line_discount:
        c.set_line_discount(items[0][0], Discount.amount(line_discount))
    if order_discount:
        c.set_order_discount(Discount.amount(order_discount))
    return c


# -- a till, driven through the real code ------------------------------------------------------

@dataclass
class TillRig:
    outlet: str
    terminal: str
    db: Database
    clock: FakeClock
    ledger: Ledger = field(init=False)
    shift_id: str | None = None
    shift_day: date | None = None
    _n: int = 0

    def __post_init__(self) -> None:
        self.ledger = Ledger(self.db, self.clock, late_poll_interval_s=60, late_watch_s=1800)

    def now(self, moment: datetime) -> datetime:
        self.clock.now = moment
        return moment

    def open_shift(self, moment: datetime, who: str, float_: int) -> None:
        shift = open_shift(self.db, self.terminal, TZ, who, float_, self.now(moment))
        self.shift_id, self.shift_day = shift.id, shift.business_date

    def close_shift(self, moment: datetime, who: str, short: int = 0) -> None:
        assert self.shift_id is not None
        expected = shift_totals(self.db, self.shift_id).expected_cash
        counted = expected - short
        close_shift(self.db, self.shift_id, who, CashCount(_pieces(counted)),
                    "kurang" if short else "", self.now(moment))
        self.shift_id = self.shift_day = None

    def _service(self, cashier: str) -> CheckoutService:
        return CheckoutService(self.db, Till(self.terminal, TZ, cashier=cashier,
                                             shift_id=self.shift_id,
                                             business_date=self.shift_day), clock=self.clock)

    def cash(self, moment: datetime, c: Cart, cashier: str) -> str:
        self.now(moment)
        order = self._service(cashier).complete_cash_sale(c, c.totals().total + 2000)
        return order.id

    def qris(self, moment: datetime, c: Cart, cashier: str, provider: str,
             account: str) -> tuple[str, Any, int]:
        """An open QRIS sale; returns (order id, payment, payable amount)."""
        self._n += 1
        self.now(moment)
        order, payment = self._service(cashier).open_qris_sale(c, provider, ttl_s=600)
        payable = order.total + self._n + (100 if self.terminal == "K2" else 0)
        outbox = self.db.scalar("SELECT id FROM outbox WHERE payment_id = ?", (payment.id,))
        self.ledger.created(payment, provider,
                            Invoice(payable, moment + timedelta(minutes=10), f"REF-{order.id}"),
                            first_check_s=2, outbox_id=outbox)
        with self.db.transaction() as conn:
            update_payment(conn, payment.id, moment, account=account)
        pay = load_payment(self.db, payment.id)
        assert pay is not None
        return order.id, pay, payable

    def gateway_paid(self, pay: Any, payable: int, moment: datetime) -> None:
        self.now(moment)
        self.ledger.paid(pay, StatusResult(RemoteStatus.PAID, payable, f"GW-{pay.id[:8]}"),
                         actor="sync", action="payment_confirmed")

    def credit(self, account: str, credit_id: str, amount: int, moment: datetime) -> None:
        """The statement shows ``credit_id`` credited at ``moment``; the till reads it 20 s
        later (or now, for an old line read late: a till's clock never goes back)."""
        self.now(max(self.clock.now, moment + timedelta(seconds=20)))
        self.ledger.credits(account, [Credit("orkut", credit_id, amount, moment)])

    def expire(self, pay: Any, moment: datetime) -> None:
        self.now(moment)
        self.ledger.expired(pay)

    def move(self, order_id: str, event: OrderEvent, moment: datetime) -> None:
        self.now(moment)
        with self.db.transaction() as conn:
            move_order(conn, order_id, event, self.clock())

    def refund(self, order_id: str, lines: dict[int, int], paid_back: PaidBack,
               moment: datetime, *, in_shift: bool = True) -> None:
        refund(self.db, order_id, lines, reason="rusak", cashier="Sri", approved_by="Bu Ani",
               paid_back=paid_back, tz=TZ, now=self.now(moment),
               shift_id=self.shift_id if in_shift else None)


def _pieces(amount: int) -> dict[int, int]:
    pieces: dict[int, int] = {}
    for value in (100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100):
        pieces[value], amount = divmod(amount, value)
    assert amount == 0, "counts in this test are multiples of 100"
    return {v: n for v, n in pieces.items() if n}


# -- the chain's day ---------------------------------------------------------------------------

@dataclass
class Chain:
    tills: list[TillRig]
    db: CentralDb
    owner_url: str
    till_urls: dict[str, str]  # "Toko Bandung/K1" -> a URL with the till's own role

    def of(self, outlet: str) -> list[TillRig]:
        return [t for t in self.tills if t.outlet == outlet]

    def owner(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.owner_url)


def _sell(a1: TillRig, a2: TillRig, b1: TillRig) -> None:
    acct_a, acct_b = "bdg-orkut", "sby-orkut"
    # -- Toko Bandung, till K1 (Sri): a shift closed with 1.000 missing.
    a1.open_shift(at(DAY, 7), "Sri", 200_000)
    sold = a1.cash(at(DAY, 8), cart(("TEH", 2), ("ROTI", 1), line_discount=1000), "Sri")
    assert sold == "K1-20261206-0001"
    q_credit, pay, payable = a1.qris(at(DAY, 9), cart(("NASI", 2), tax=True), "Sri", "orkut",
                                     acct_a)
    a1.credit(acct_a, "CR-A1", payable, at(DAY, 9, 1))
    _, pay, payable = a1.qris(at(DAY, 10), cart(("KOPI", 3), order_discount=2000), "Sri",
                              "pakasir", "gw-bdg")
    a1.gateway_paid(pay, payable, at(DAY, 10, 1))
    a1.refund(sold, {1: 1}, PaidBack.CASH, at(DAY, 11))  # one tea back, from the drawer
    to_void, pay, _ = a1.qris(at(DAY, 12), cart(("AIR", 4)), "Sri", "orkut", acct_a)
    void(a1.db, to_void, reason="salah input", cashier="Sri", approved_by="Bu Ani")
    a1.cash(at(DAY, 13, 30), cart(("ROTI", 1), ("AIR", 5), tax=True), "Sri")
    a1.close_shift(at(DAY, 14), "Sri", short=1000)
    # -- Toko Bandung, till K2 (Budi): a shift left open; the same mutasi account as K1.
    a2.open_shift(at(DAY, 8), "Budi", 100_000)
    assert a2.cash(at(DAY, 8, 30), cart(("TEH", 1)), "Budi") == "K2-20261206-0001"
    late, pay, payable = a2.qris(at(DAY, 13), cart(("ROTI", 2)), "Budi", "orkut", acct_a)
    a2.expire(pay, at(DAY, 13, 10))
    a2.credit(acct_a, "CR-A2", payable, at(DAY, 13, 12))  # money after the QRIS expired
    a2.move(late, OrderEvent.ACCEPT_LATE, at(DAY, 13, 14))
    _, pay, _ = a2.qris(at(DAY, 15), cart(("NASI", 1)), "Budi", "orkut", acct_a)
    a2.expire(pay, at(DAY, 15, 10))  # never paid: an unconfirmed sale
    # K2 reads the statement of the shared account too: CR-A1 (K1's sale) fits nothing here.
    a2.credit(acct_a, "CR-A1", a1.db.scalar(
        "SELECT amount FROM credits WHERE credit_id = 'CR-A1'"), at(DAY, 9, 1))
    for till in (a1, a2):  # money nobody rang up, on both tills' statement
        till.credit(acct_a, "STRAY-A", 7_777, at(DAY, 16))
    a2.cash(at(DAY, 23, 30), cart(("AIR", 2)), "Budi")
    # -- Toko Surabaya, till K1 (Sri, another Sri): the same order ids as Bandung's K1.
    b1.open_shift(at(DAY, 7, 30), "Sri", 150_000)
    sold_b = b1.cash(at(DAY, 8), cart(("NASI", 1), ("TEH", 1)), "Sri")
    assert sold_b == "K1-20261206-0001"
    paid_q, pay, payable = b1.qris(at(DAY, 9), cart(("KOPI", 2), ("ROTI", 1)), "Sri", "orkut",
                                   acct_b)
    b1.credit(acct_b, "CR-B1", payable, at(DAY, 9, 2))
    b1.refund(paid_q, {1: 1}, PaidBack.OWED, at(DAY, 10))  # QRIS refund: owed, by hand
    back, pay, payable = b1.qris(at(DAY, 11), cart(("TEH", 3)), "Sri", "orkut", acct_b)
    b1.expire(pay, at(DAY, 11, 10))
    b1.credit(acct_b, "CR-B2", payable, at(DAY, 11, 12))
    b1.move(back, OrderEvent.REFUND, at(DAY, 11, 14))  # the late money given back
    b1.credit(acct_b, "STRAY-B", 12_345, at(DAY, 17))
    b1.cash(at(DAY, 18), cart(("ROTI", 2), tax=True), "Sri")
    b1.close_shift(at(DAY, 20), "Sri")
    # The next day: a refund of yesterday's sale counts today; a sale of today.
    b1.refund(sold_b, {2: 1}, PaidBack.CASH, at(NEXT, 9), in_shift=False)
    b1.cash(at(NEXT, 10), cart(("AIR", 1)), "Sri")


@pytest.fixture
def chain(central_db: CentralDb, tmp_path: Path) -> Iterator[Chain]:  # noqa: F811
    with central_db.connect() as conn:
        ids = {name: add_outlet(conn, name) for name in (BANDUNG, SURABAYA)}
        # Before any sale: the triggers keep the summaries as the batches come in. The schema
        # (version 2) installed them; installing again makes nothing new and loses nothing.
        assert install_summaries(conn) is False
    tills = []
    for outlet, terminal in ((BANDUNG, "K1"), (BANDUNG, "K2"), (SURABAYA, "K1")):
        d = tmp_path / f"{ids[outlet]}-{terminal}"
        d.mkdir()
        db = open_database(d / "pos.sqlite3", backup_dir=d / "backups")
        tills.append(TillRig(outlet, terminal, db, FakeClock(at(DAY, 6))))
    try:
        # Enrolled before the day starts: the change log records every write as it happens.
        roles = {}
        for till in tills:
            oid = ids[till.outlet]
            name, password = central_db.login(f"till_{oid.replace('-', '_')}_{till.terminal}",
                                              "pos_till")
            with central_db.connect() as conn:
                conn.execute("INSERT INTO pos.tills (role_name, outlet_id, terminal_id)"
                             " VALUES (%s, %s, %s)", (name, oid, till.terminal))
            roles[till.terminal + oid] = (name, password)
            mark_enrolled(till.db, oid, till.terminal, now=at(DAY, 6))
        _sell(*tills)
        for till in tills:
            name, password = roles[till.terminal + ids[till.outlet]]
            url = central_db.url_for(name, password)
            uploader = CentralSync(till.db, lambda url=url: psycopg.connect(url),
                                   clock=till.clock, batch_size=7)  # several batches
            while uploader.upload_once().left:
                pass
        owner, password = central_db.login("owner", "pos_owner")
        till_urls = {f"{t.outlet}/{t.terminal}": central_db.url_for(
            *roles[t.terminal + ids[t.outlet]]) for t in tills}
        yield Chain(tills, central_db, central_db.url_for(owner, password), till_urls)
    finally:
        for till in tills:
            till.db.close()


# -- combining the tills' own reports ----------------------------------------------------------

def _add(into: dict[str, dict[str, int]], more: dict[str, dict[str, int]]) -> None:
    for key, slot in more.items():
        mine = into.setdefault(key, {"count": 0, "amount": 0})
        mine["count"] += slot["count"]
        mine["amount"] += slot["amount"]


def _top(products: dict[str, list[Any]], by_qty: bool) -> list[dict[str, Any]]:
    rows = [{"sku": s, "name": n, "quantity": q, "amount": a} for s, (n, q, a) in
            products.items()]
    key = ((lambda p: (-p["quantity"], -p["amount"], p["sku"])) if by_qty
           else (lambda p: (-p["amount"], -p["quantity"], p["sku"])))
    return sorted(rows, key=key)[:10]


def combined(tills: list[TillRig], first: date, last: date) -> dict[str, Any]:
    """What the central report must say about these tills: their own reports put together,
    with the outlet's rule for credits (matched on any till = matched; seen twice = once)."""
    reports = [(t, build_report(t.db, first, last, TZ)) for t in tills]
    out: dict[str, Any] = {k: sum(r[k] for _, r in reports) for k in (
        "order_count", "gross_sales", "discounts", "tax", "collected", "net_sales",
        "net_after_refunds")}
    methods: dict[str, dict[str, int]] = {}
    providers: dict[str, dict[str, int]] = {}
    hourly = [{"hour": h, "count": 0, "amount": 0} for h in range(24)]
    days: dict[str, dict[str, Any]] = {}
    products: dict[str, list[Any]] = {}
    cashiers: dict[tuple[str, str], list[int]] = {}
    for till, r in reports:
        assert len(r["top_products"]) < 10, "the test's catalogue must fit in a top list"
        _add(methods, r["by_payment_method"])
        _add(providers, r["qris_by_provider"])
        for h in r["hourly"]:
            hourly[h["hour"]]["count"] += h["count"]
            hourly[h["hour"]]["amount"] += h["amount"]
        for d in r["days"]:
            slot = days.setdefault(d["date"], {"date": d["date"], "order_count": 0,
                                               "collected": 0, "net_sales": 0})
            for k in ("order_count", "collected", "net_sales"):
                slot[k] += d[k]
        for p in r["top_products"]:
            mine = products.setdefault(p["sku"], [p["name"], 0, 0])
            mine[1] += p["quantity"]
            mine[2] += p["amount"]
        for c in r["by_cashier"]:
            cs = cashiers.setdefault((c["cashier"], till.outlet), [0, 0])
            cs[0] += c["count"]
            cs[1] += c["amount"]
    out["average_basket"] = out["collected"] // out["order_count"] if out["order_count"] else 0
    out["by_payment_method"] = methods
    out["qris_by_provider"] = providers
    out["hourly"] = hourly
    out["days"] = [days[k] for k in sorted(days)]
    out["top_products"] = _top(products, True)
    out["top_products_by_revenue"] = _top(products, False)
    out["by_cashier"] = sorted(
        ({"cashier": c, "count": n, "amount": a, "outlet": o}
         for (c, o), (n, a) in cashiers.items()), key=lambda c: (-c["amount"], c["cashier"]))
    refunds = [(t, i) for t, r in reports for i in r["refunds"]["items"]]
    out["refunds"] = {
        "count": sum(r["refunds"]["count"] for _, r in reports),
        "amount": sum(r["refunds"]["amount"] for _, r in reports),
        "owed": sum(r["refunds"]["owed"] for _, r in reports),
        "items": sorted((t.outlet, i["refund_id"], i["order_id"], i["amount"], i["paid_back"],
                         json.dumps(i["lines"])) for t, i in refunds),
    }
    out["voids"] = {"count": sum(r["voids"]["count"] for _, r in reports),
                    "amount": sum(r["voids"]["amount"] for _, r in reports),
                    "items": sorted((t.outlet, v["order_id"]) for t, r in reports
                                    for v in r["voids"]["items"])}
    out["shifts"] = sorted((t.outlet, s["shift_id"], s["status"], s["cash_sales"],
                            s["cash_refunds"], s["expected_cash"], s["counted_cash"],
                            s["difference"]) for t, r in reports for s in r["shifts"])
    rec = [(t, r["reconciliation"]) for t, r in reports]
    out["matched"] = (sum(x["matched"]["count"] for _, x in rec),
                      sum(x["matched"]["amount"] for _, x in rec),
                      sorted((t.outlet, m["order_id"], m["credit_id"]) for t, x in rec
                             for m in x["matched"]["items"]))
    out["unconfirmed"] = sorted((t.outlet, u["order_id"]) for t, x in rec
                                for u in x["unconfirmed_sales"])
    out["late"] = sorted((t.outlet, lp["order_id"], lp["outcome"]) for t, x in rec
                         for lp in x["late_payments"])
    matched_anywhere = {(t.outlet, s, c) for t in tills for s, c in t.db.conn.execute(
        "SELECT source, credit_id FROM credits WHERE status IN ('matched', 'late')")}
    out["unmatched_credits"] = sorted({(t.outlet, c["source"], c["credit_id"], c["amount"])
                                       for t, x in rec for c in x["unmatched_credits"]
                                       if (t.outlet, c["source"], c["credit_id"])
                                       not in matched_anywhere})
    out["orders"] = sorted((t.outlet, o["order_id"], o["status"], o["amount"], o["method"],
                            o["provider"], o["credit_id"], o["refunded"], o["voided_by"],
                            o["created_at"]) for t, r in reports for o in r["orders"])
    return out


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The central report in the shape of :func:`combined`."""
    out = {k: report[k] for k in (
        "order_count", "gross_sales", "discounts", "tax", "collected", "net_sales",
        "net_after_refunds", "average_basket", "by_payment_method", "qris_by_provider",
        "hourly", "days", "top_products", "top_products_by_revenue", "by_cashier")}
    refunds = report["refunds"]
    out["refunds"] = {"count": refunds["count"], "amount": refunds["amount"],
                      "owed": refunds["owed"],
                      "items": sorted((i["outlet"], i["refund_id"], i["order_id"], i["amount"],
                                       i["paid_back"], json.dumps(i["lines"]))
                                      for i in refunds["items"])}
    out["voids"] = {"count": report["voids"]["count"], "amount": report["voids"]["amount"],
                    "items": sorted((v["outlet"], v["order_id"])
                                    for v in report["voids"]["items"])}
    out["shifts"] = sorted((s["outlet"], s["shift_id"], s["status"], s["cash_sales"],
                            s["cash_refunds"], s["expected_cash"], s["counted_cash"],
                            s["difference"]) for s in report["shifts"])
    rec = report["reconciliation"]
    out["matched"] = (rec["matched"]["count"], rec["matched"]["amount"],
                      sorted((m["outlet"], m["order_id"], m["credit_id"])
                             for m in rec["matched"]["items"]))
    out["unconfirmed"] = sorted((u["outlet"], u["order_id"]) for u in rec["unconfirmed_sales"])
    out["late"] = sorted((lp["outlet"], lp["order_id"], lp["outcome"])
                         for lp in rec["late_payments"])
    out["unmatched_credits"] = sorted((c["outlet"], c["source"], c["credit_id"], c["amount"])
                                      for c in rec["unmatched_credits"])
    out["orders"] = sorted((o["outlet"], o["order_id"], o["status"], o["amount"], o["method"],
                            o["provider"], o["credit_id"], o["refunded"], o["voided_by"],
                            o["created_at"]) for o in report["orders"])
    return out


def assert_same(got: dict[str, Any], want: dict[str, Any], what: str) -> None:
    """Key by key, so a failure names the section that differs."""
    assert set(got) == set(want)
    for key in want:
        assert got[key] == want[key], f"{what}: {key} differs\n central: {got[key]}\n" \
                                      f" tills:   {want[key]}"


# -- the tests ---------------------------------------------------------------------------------

RANGES = [(DAY, DAY), (NEXT, NEXT), (DAY, NEXT)]


@pytest.mark.parametrize("first,last", RANGES)
def test_each_outlet_equals_its_tills_combined(chain: Chain, first: date, last: date) -> None:
    with chain.owner() as conn:
        for outlet in (BANDUNG, SURABAYA):
            report = build_central_report(conn, first, last, TZ, outlet)
            assert report["outlet"] == outlet and "outlets" not in report
            assert validate(report, SCHEMA) == []
            assert_same(comparable(report), combined(chain.of(outlet), first, last),
                        f"{outlet} {first}..{last}")
            assert {o["outlet"] for o in report["orders"]} <= {outlet}
            # detail=False: the same report without the per-order lists.
            brief = build_central_report(conn, first, last, TZ, outlet, detail=False)
            assert brief["orders"] == [] and brief["reconciliation"]["matched"]["items"] == []
            assert brief["detail"] is False
            for key in ("orders", "detail"):
                brief[key] = report[key]
            brief["reconciliation"]["matched"]["items"] = \
                report["reconciliation"]["matched"]["items"]
            assert brief == report


def test_the_day_as_it_happened(chain: Chain) -> None:
    """The scenario's own facts, so that 'central = tills' can't pass on two empty reports."""
    with chain.owner() as conn:
        bdg = build_central_report(conn, DAY, DAY, TZ, BANDUNG)
        sby = build_central_report(conn, DAY, DAY, TZ, "toko-surabaya")  # the id works too
    assert bdg["order_count"] == 7 and sby["order_count"] == 3
    clash = [(o["outlet"], o["status"]) for r in (bdg, sby) for o in r["orders"]
             if o["order_id"] == "K1-20261206-0001"]
    assert sorted(clash) == [(BANDUNG, "paid"), (SURABAYA, "paid")]
    # The credit both Bandung tills saw, matched on K1: not unmatched. The stray one: once.
    assert [(c["credit_id"], c["amount"]) for c in bdg["reconciliation"]["unmatched_credits"]
            ] == [("STRAY-A", 7_777)]
    assert {m["credit_id"] for m in bdg["reconciliation"]["matched"]["items"]} == {
        "CR-A1", None}
    assert [lp["outcome"] for lp in bdg["reconciliation"]["late_payments"]] == ["accepted"]
    assert [lp["outcome"] for lp in sby["reconciliation"]["late_payments"]] == ["refunded"]
    assert bdg["voids"]["count"] == 1 and len(bdg["reconciliation"]["unconfirmed_sales"]) == 1
    assert sorted(s["status"] for s in bdg["shifts"]) == ["closed", "open"]
    closed = next(s for s in bdg["shifts"] if s["status"] == "closed")
    # one tea back, of a line 1.000 off
    assert closed["difference"] == -1000 and closed["cash_refunds"] == 4500
    assert sby["refunds"]["owed"] > 0 and sby["refunds"]["count"] == 1
    assert bdg["hourly"][23]["count"] == 1  # local hours: 23:30 WIB is 16:30 UTC
    # Two people called Sri: one line per outlet.
    assert sorted(c["outlet"] for c in bdg["by_cashier"] + sby["by_cashier"]
                  if c["cashier"] == "Sri") == [BANDUNG, SURABAYA]


@pytest.mark.parametrize("first,last", RANGES)
def test_all_outlets_is_the_sum_of_the_outlets(chain: Chain, first: date, last: date) -> None:
    with chain.owner() as conn:
        everything = build_central_report(conn, first, last, TZ, None)
        assert build_central_report(conn, first, last, TZ, "all") == everything
        parts = [build_central_report(conn, first, last, TZ, o) for o in (BANDUNG, SURABAYA)]
    assert everything["outlet"] == "all"
    assert validate(everything, SCHEMA) == []
    want = combined(chain.tills, first, last)
    assert_same(comparable(everything), want, f"all {first}..{last}")
    # ... and the outlet reports add up to it, section by section.
    for key in ("order_count", "gross_sales", "discounts", "tax", "collected", "net_sales",
                "net_after_refunds"):
        assert everything[key] == sum(p[key] for p in parts), key
    for key in ("orders", "shifts", "by_cashier"):
        assert Counter(json.dumps(x, sort_keys=True) for x in everything[key]) == Counter(
            json.dumps(x, sort_keys=True) for p in parts for x in p[key]), key
    assert everything["refunds"]["items"] == sorted(
        (i for p in parts for i in p["refunds"]["items"]),
        key=lambda i: (i["created_at"], i["refund_id"]))
    # The outlets table: every outlet, adding up to the totals.
    table = everything["outlets"]
    assert [o["outlet"] for o in table] == [BANDUNG, SURABAYA]
    for key in ("order_count", "gross_sales", "discounts", "tax", "net_sales", "collected"):
        assert sum(o[key] for o in table) == everything[key], key
        assert [o[key] for o in table] == [p[key] for p in parts], key
    assert sum(o["refunds"] for o in table) == everything["refunds"]["amount"]
    for method, slot in everything["by_payment_method"].items():
        assert sum(o["by_payment_method"].get(method, {"count": 0})["count"]
                   for o in table) == slot["count"], method
        assert sum(o["by_payment_method"].get(method, {"amount": 0})["amount"]
                   for o in table) == slot["amount"], method


def test_a_till_sees_its_own_outlet_only(chain: Chain) -> None:
    """Row-level security: a till's role reads its outlet's report (summaries included), and
    "all" is that outlet; another outlet's name is unknown to it."""
    with chain.owner() as conn:
        want = build_central_report(conn, DAY, NEXT, TZ, BANDUNG)
    with psycopg.connect(chain.till_urls[f"{BANDUNG}/K2"]) as conn:
        mine = build_central_report(conn, DAY, NEXT, TZ, None)
        assert [o["outlet"] for o in mine.pop("outlets")] == [BANDUNG]
        assert mine.pop("outlet") == "all" and want.pop("outlet") == BANDUNG
        assert_same(mine, want, "a till's view")
        with pytest.raises(UnknownOutlet) as caught:
            build_central_report(conn, DAY, DAY, TZ, SURABAYA)
        assert caught.value.known == [BANDUNG]


def test_text_and_csv_name_the_outlets(chain: Chain) -> None:
    with chain.owner() as conn:
        report = build_central_report(conn, DAY, DAY, TZ, None, detail=False)
    text = central_report_text(report)
    assert text.startswith("Pusat: semua outlet\nLaporan harian 2026-12-06 (Asia/Jakarta)")
    assert "Per outlet:" in text and "Toko Bandung K1-20261206-0001" in text  # the refund
    total = next(line for line in text.splitlines() if line.strip().startswith("Total"))
    assert str(report["order_count"]) in total
    rows = central_report_csv(report).splitlines()
    assert rows[0] == "section,key,count,amount"
    assert f"outlet,{BANDUNG},{report['outlets'][0]['order_count']}," \
           f"{report['outlets'][0]['collected']}" in rows
    assert "scope,outlet,,all" in rows


def test_unknown_outlet_and_bad_ranges(chain: Chain) -> None:
    with chain.owner() as conn:
        with pytest.raises(UnknownOutlet) as caught:
            build_central_report(conn, DAY, DAY, TZ, "Toko Medan")
        assert caught.value.known == [BANDUNG, SURABAYA]
        assert "Toko Bandung, Toko Surabaya" in str(caught.value)
        with pytest.raises(ValueError, match="before"):
            build_central_report(conn, NEXT, DAY, TZ, None)
        with pytest.raises(ValueError, match="366"):
            build_central_report(conn, DAY, DAY + timedelta(days=400), TZ, None)
        # The connection is left as it was found, ready for the next report.
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert build_central_report(conn, DAY, DAY, TZ, None)["order_count"] == 10


# -- the pre-aggregated sales -----------------------------------------------------------------

SUMMARY_TABLES = {"sales_by_slot": "orders", "sales_by_payment": "payments",
                  "sales_by_product": "quantity"}


def summary_rows(conn: psycopg.Connection[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Every summary row that counts something (a row taken back to zero is no row)."""
    return {table: conn.execute(f"SELECT * FROM pos.{table} WHERE {count} <> 0"
                                " ORDER BY 1, 2, 3, 4, 5, 6").fetchall()
            for table, count in SUMMARY_TABLES.items()}


@pytest.mark.parametrize("first,last", RANGES)
def test_summaries_and_rows_give_the_same_report(chain: Chain, first: date, last: date) -> None:
    with chain.owner() as conn:
        for outlet in (None, BANDUNG, SURABAYA):
            for detail in (True, False):
                summed = build_central_report(conn, first, last, TZ, outlet, detail=detail,
                                              summaries=True)
                counted = build_central_report(conn, first, last, TZ, outlet, detail=detail,
                                               summaries=False)
                assert_same(summed, counted, f"{outlet} {first}..{last} detail={detail}")
        assert build_central_report(conn, first, last, TZ, None) == build_central_report(
            conn, first, last, TZ, None, summaries=True)  # installed: the default


def test_summaries_are_what_a_rebuild_makes(chain: Chain) -> None:
    with chain.db.connect() as conn:
        kept = summary_rows(conn)
        assert all(kept.values())
        with conn.transaction():
            conn.execute("SELECT pos.rebuild_sales_summaries(NULL, NULL)")
        assert summary_rows(conn) == kept


def test_a_history_sent_again_changes_nothing(chain: Chain) -> None:
    with chain.db.connect() as conn:
        before = summary_rows(conn)
    till = chain.tills[0]
    with chain.owner() as conn:
        report = build_central_report(conn, DAY, NEXT, TZ, None)
    with chain.db.connect() as conn:
        oid = conn.execute("SELECT outlet_id FROM pos.outlets WHERE name = %s",
                           (till.outlet,)).fetchone()[0]
    assert mark_enrolled(till.db, oid, till.terminal) > 0  # the whole history queued again
    uploader = CentralSync(till.db, lambda: psycopg.connect(chain.db.url), clock=till.clock)
    while uploader.upload_once().left:
        pass
    with chain.db.connect() as conn:
        assert summary_rows(conn) == before
    with chain.owner() as conn:
        assert build_central_report(conn, DAY, NEXT, TZ, None) == report


def test_summaries_follow_a_sale_paid_after_it_was_uploaded(chain: Chain) -> None:
    """An order uploaded while the QRIS is still open, paid (and its lines and payment sent
    again) in a later batch; then one voided: the summaries move with it."""
    (till,) = chain.of(SURABAYA)
    uploader = CentralSync(till.db, lambda: psycopg.connect(chain.db.url), clock=till.clock)

    def upload() -> dict[str, Any]:
        while uploader.upload_once().left:
            pass
        with chain.owner() as conn:
            return build_central_report(conn, NEXT, NEXT, TZ, SURABAYA, summaries=True)

    before = upload()
    order_id, pay, payable = till.qris(at(NEXT, 12), cart(("NASI", 2)), "Sri", "orkut", "x")
    waiting = upload()
    assert waiting["order_count"] == before["order_count"]
    assert waiting["top_products"] == before["top_products"]
    till.gateway_paid(pay, payable, at(NEXT, 12, 1))
    paid = upload()
    assert paid["order_count"] == before["order_count"] + 1
    assert paid["by_payment_method"]["orkut"]["count"] == \
        before["by_payment_method"].get("orkut", {"count": 0})["count"] + 1
    nasi = {p["sku"]: p["quantity"] for p in paid["top_products"]}["NASI"]
    assert nasi == {p["sku"]: p["quantity"] for p in before["top_products"]}.get("NASI", 0) + 2
    with chain.owner() as conn:
        assert build_central_report(conn, NEXT, NEXT, TZ, SURABAYA, summaries=False) == paid
    with chain.db.connect() as conn:
        kept = summary_rows(conn)
        with conn.transaction():
            conn.execute("SELECT pos.rebuild_sales_summaries(%s, %s)", (NEXT, NEXT))
        assert summary_rows(conn) == kept


# -- the command line --------------------------------------------------------------------------

def run_cli(data: Path, *args: str, stdin: str | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*pos_app_cmd(), *args], env=env_for(data), capture_output=True,
                          text=True, timeout=150, input=stdin,
                          cwd=Path(__file__).resolve().parent.parent)


def configure(data: Path, url: str, user: str, password: str) -> None:
    """An owner's data dir: the URL without a password, the login in central.user and the
    secret central.password (from stdin, as a person would type it)."""
    for key, value in (("store.timezone", "Asia/Jakarta"), ("central.url", url),
                       ("central.user", user)):
        done = run_cli(data, "config", "set", key, value)
        assert done.returncode == 0, done.stderr
    done = run_cli(data, "config", "set", "central.password", stdin=password + "\n")
    assert done.returncode == 0, done.stderr


def test_cli_prints_the_same_object(chain: Chain, tmp_path: Path) -> None:
    data = tmp_path / "owner"
    data.mkdir()
    user, password = chain.db.login("boss", "pos_owner")
    configure(data, chain.db.cluster.url(chain.db.dbname, user=None), user, password)
    with chain.owner() as conn:
        want = json.loads(json.dumps(build_central_report(conn, DAY, DAY, TZ, None)))
        one = json.loads(json.dumps(build_central_report(conn, DAY, NEXT, TZ, SURABAYA)))
    got = run_cli(data, "report", "daily", "--date", str(DAY), "--central", "--format", "json")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == want
    got = run_cli(data, "report", "range", "--from", str(DAY), "--to", str(NEXT), "--central",
                  "--outlet", SURABAYA, "--format", "json")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == one
    text = run_cli(data, "report", "daily", "--date", str(DAY), "--central")
    assert text.returncode == 0 and "Per outlet:" in text.stdout
    csv_out = run_cli(data, "report", "daily", "--date", str(DAY), "--central", "--format",
                      "csv")
    assert csv_out.returncode == 0 and "outlet_gross_sales," in csv_out.stdout
    bad = run_cli(data, "report", "daily", "--central", "--outlet", "Toko Medan")
    assert bad.returncode == 2 and "Toko Bandung, Toko Surabaya" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    pdf = run_cli(data, "report", "daily", "--central", "--format", "pdf", "--out",
                  str(tmp_path / "r.pdf"))
    assert pdf.returncode == 2 and len(pdf.stderr.strip().splitlines()) == 1
    lone = run_cli(data, "report", "daily", "--outlet", BANDUNG)
    assert lone.returncode == 2 and "--central" in lone.stderr


def test_cli_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    data = tmp_path / "owner"
    data.mkdir()
    secret = "s3cret-Pa55word"
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    configure(data, f"postgresql://127.0.0.1:{port}/central", "owner", secret)
    got = run_cli(data, "report", "daily", "--central", "--format", "json")
    assert got.returncode == 1
    assert got.stdout == ""
    assert len(got.stderr.strip().splitlines()) == 1, got.stderr
    assert "Traceback" not in got.stderr and secret not in got.stderr + got.stdout
    assert "cannot reach" in got.stderr


def test_orders_carry_timestamps_as_the_tills_write_them(chain: Chain) -> None:
    with chain.owner() as conn:
        report = build_central_report(conn, DAY, DAY, TZ, SURABAYA)
    (till,) = chain.of(SURABAYA)
    local = {o["created_at"] for o in build_report(till.db, DAY, DAY, TZ)["orders"]}
    assert {o["created_at"] for o in report["orders"]} == local
    assert all(s["opened_at"].endswith("Z") for s in report["shifts"])
    assert to_iso(at(DAY, 8)) in local
