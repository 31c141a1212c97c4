"""The owner's report engine (pos_app.reports) against an independent computation.

Sales go through the real code path: ``Cart`` -> ``CheckoutService`` for the order, and the sync
engine's ``Ledger`` for QRIS (created, confirmed by the gateway or by a matched statement credit,
expired, paid late and then accepted or given back). The test draws them at random and works
out every expected figure itself -- its own rounding, its own local dates and hours -- so that a
report and a cart that agreed on a wrong number would still fail. Refunds, shift rows, voids
and odd credits are rows the test writes directly: their services live elsewhere.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pos_app.cart import Cart, Discount, DiscountKind, Product, TaxConfig, TaxMode
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import to_iso
from pos_app.order_state import OrderEvent, PaymentStatus
from pos_app.reports import (
    MAX_RANGE_DAYS,
    build_report,
    daily_report,
    report_csv,
    report_text,
)
from pos_app.storage.orders import load_payment, update_payment
from sync.ledger import Ledger, move_order
from sync.providers.base import Credit, Invoice, RemoteStatus, StatusResult

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "report-schema.json").read_text(encoding="utf-8"))

CATALOGUE = [Product(sku=f"P{i}", name=f"Barang {i}", price=price)
             for i, price in enumerate((500, 1500, 2750, 9999, 12500, 48000, 150000))]
CASHIERS = ("Sri", "Budi", "")  # "" is a sale from the command line: shown as "-"
SALES = ("cash", "cash", "cash", "cash", "qris_gateway", "qris_credit", "qris_credit",
         "unconfirmed", "expired", "void", "late_waiting", "late_accepted", "late_refunded")


def half_up(num: int, den: int) -> int:
    """num / den rounded half up (num >= 0): written here, not imported from pos_app.money."""
    return (2 * num + den) // (2 * den)


# -- the independent side -------------------------------------------------------------------

@dataclass
class Sale:
    """One order as the test meant it, with the figures the test computed for it."""

    kind: str
    at: datetime
    tz: ZoneInfo
    cashier: str
    gross: int
    discounts: int
    tax: int
    total: int
    lines: list[tuple[str, str, int, int]]  # sku, name, quantity, net
    order_id: str = ""
    provider: str | None = None
    paid_amount: int | None = None
    credit_id: str | None = None

    @property
    def day(self) -> str:
        return self.at.astimezone(self.tz).date().isoformat()

    @property
    def hour(self) -> int:
        return self.at.astimezone(self.tz).hour

    @property
    def is_sale(self) -> bool:
        return self.kind in ("cash", "qris_gateway", "qris_credit", "late_accepted")

    @property
    def method(self) -> str:
        return "cash" if self.kind == "cash" else "qris"

    @property
    def status(self) -> str:
        return {"unconfirmed": "awaiting_payment", "expired": "expired", "void": "cancelled",
                "late_waiting": "late_payment", "late_refunded": "refunded"}.get(self.kind,
                                                                                "paid")


def random_cart(rng: random.Random) -> tuple[Cart, dict[str, Any]]:
    """A cart with random lines, discounts and PPN, and its totals worked out by hand."""
    mode = rng.choice([TaxMode.OFF, TaxMode.ADDED, TaxMode.INCLUDED])
    rate = rng.choice([1100, 1200])
    cart = Cart(TaxConfig(mode, rate))
    gross = line_disc = 0
    lines = []
    for product in rng.sample(CATALOGUE, rng.randint(1, 4)):
        qty = rng.randint(1, 4)
        cart.add(product, qty)
        g = product.price * qty
        roll = rng.random()
        disc = 0
        if roll < 0.2:
            disc = rng.randint(0, g)
            cart.set_line_discount(product.sku, Discount.amount(disc))
        elif roll < 0.4:
            bp = rng.randint(0, 10000)
            cart.set_line_discount(product.sku, Discount(DiscountKind.PERCENT, bp))
            disc = half_up(g * bp, 10000)
        gross += g
        line_disc += disc
        lines.append((product.sku, product.name, qty, g - disc))
    after = gross - line_disc
    order_disc = 0
    roll = rng.random()
    if roll < 0.15:
        value = rng.randint(0, 200_000)  # may exceed what is left: the cart clamps it
        cart.set_order_discount(Discount.amount(value))
        order_disc = min(value, after)
    elif roll < 0.3:
        bp = rng.randint(0, 10000)
        cart.set_order_discount(Discount(DiscountKind.PERCENT, bp))
        order_disc = min(half_up(after * bp, 10000), after)
    base = after - order_disc
    if mode is TaxMode.ADDED:
        tax = half_up(base * rate, 10000)
        total = base + tax
    elif mode is TaxMode.INCLUDED:
        total = base
        tax = half_up(total * rate, 10000 + rate)
    else:
        tax, total = 0, base
    return cart, {"gross": gross, "discounts": line_disc + order_disc, "tax": tax,
                  "total": total, "lines": lines}


# -- the real code path -----------------------------------------------------------------------

@dataclass
class Shop:
    db: Any
    clock: Any
    tz: ZoneInfo
    ledger: Ledger = field(init=False)
    sales: list[Sale] = field(default_factory=list)
    credits: list[tuple[str, int, datetime]] = field(default_factory=list)  # unmatched ones
    _n: int = 0

    def __post_init__(self) -> None:
        self.ledger = Ledger(self.db, self.clock, late_poll_interval_s=60, late_watch_s=1800)

    def at(self, moment: datetime) -> None:
        self.clock.now = moment

    def sell(self, kind: str, at: datetime, cart: Cart, expect: dict[str, Any], cashier: str,
             *, shift_id: str | None = None, business_date: date | None = None) -> Sale:
        self._n += 1
        sale = Sale(kind=kind, at=at, tz=self.tz, cashier=cashier, gross=expect["gross"],
                    discounts=expect["discounts"], tax=expect["tax"], total=expect["total"],
                    lines=expect["lines"])
        till = Till("K1", self.tz, cashier=cashier, shift_id=shift_id,
                    business_date=business_date)
        service = CheckoutService(self.db, till, clock=self.clock)
        self.at(at)
        if kind == "cash":
            order = service.complete_cash_sale(cart, sale.total + 500 * (self._n % 3))
            sale.order_id = order.id
            self.sales.append(sale)
            return sale
        sale.provider = "pakasir" if kind == "qris_gateway" else "orkut"
        order, payment = service.open_qris_sale(cart, sale.provider, ttl_s=600)
        sale.order_id = order.id
        payable = sale.total + self._n  # a unique code
        outbox_id = self.db.scalar("SELECT id FROM outbox WHERE payment_id = ?", (payment.id,))
        self.ledger.created(payment, sale.provider,
                            Invoice(payable, at + timedelta(minutes=10), f"REF-{self._n}"),
                            first_check_s=2, outbox_id=outbox_id)
        # Each payment its own mutasi account: a credit can only ever fit the one it pays.
        with self.db.transaction() as conn:
            update_payment(conn, payment.id, at, account=f"acct-{self._n}")
        pay = load_payment(self.db, payment.id)
        assert pay is not None
        if kind == "qris_gateway":
            self.at(at + timedelta(seconds=20))
            self.ledger.paid(pay, StatusResult(RemoteStatus.PAID, payable, f"REF-{self._n}"),
                             actor="sync", action="payment_confirmed")
            sale.paid_amount = payable
        elif kind == "qris_credit":
            sale.credit_id = f"CR-{self._n}"
            self.at(at + timedelta(seconds=30))
            self.ledger.credits(f"acct-{self._n}", [
                Credit("orkut", sale.credit_id, payable, at + timedelta(seconds=25))])
            sale.paid_amount = payable
        elif kind == "void":
            self.at(at + timedelta(seconds=40))
            with self.db.transaction() as conn:
                move_order(conn, order.id, OrderEvent.CANCEL, self.clock())
                update_payment(conn, payment.id, self.clock(), status=PaymentStatus.CANCELLED)
                conn.execute("UPDATE orders SET voided_by = 'Bu Ani', void_reason = 'salah input'"
                             " WHERE id = ?", (order.id,))
        elif kind in ("expired", "late_waiting", "late_accepted", "late_refunded"):
            self.at(at + timedelta(minutes=10))
            self.ledger.expired(pay)
        if kind.startswith("late_"):
            sale.credit_id = f"CR-{self._n}"
            self.at(at + timedelta(minutes=12))
            self.ledger.credits(f"acct-{self._n}", [
                Credit("orkut", sale.credit_id, payable, at + timedelta(minutes=11))])
            sale.paid_amount = payable
            if kind != "late_waiting":
                event = OrderEvent.ACCEPT_LATE if kind == "late_accepted" else OrderEvent.REFUND
                self.at(at + timedelta(minutes=13))
                with self.db.transaction() as conn:
                    move_order(conn, order.id, event, self.clock())
        self.sales.append(sale)
        return sale

    def stray_credit(self, at: datetime, amount: int) -> None:
        """Money on the statement that fits no sale."""
        self._n += 1
        self.at(at + timedelta(seconds=5))
        self.ledger.credits("acct-stray", [Credit("orkut", f"STRAY-{self._n}", amount, at)])
        self.credits.append((f"STRAY-{self._n}", amount, at))


def local(day: date, tz: ZoneInfo, hh: int = 0, mm: int = 0, ss: int = 0,
          us: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss, us), tz).astimezone(UTC)


# -- what the report must say, computed from the sales ----------------------------------------

def expected(shop: Shop, first: date, last: date) -> dict[str, Any]:
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    mine = [s for s in shop.sales if s.day in days]
    sold = [s for s in mine if s.is_sale]
    collected = sum(s.total for s in sold)
    hourly = [{"hour": h, "count": 0, "amount": 0} for h in range(24)]
    for s in sold:
        hourly[s.hour]["count"] += 1
        hourly[s.hour]["amount"] += s.total
    methods: dict[str, dict[str, int]] = {"cash": {"count": 0, "amount": 0},
                                          "qris": {"count": 0, "amount": 0}}
    providers: dict[str, dict[str, int]] = {}
    cashiers: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    products: dict[str, list[Any]] = {}
    for s in sold:
        keys = [s.method] + ([s.provider] if s.provider else [])
        for k in keys:
            slot = methods.setdefault(k, {"count": 0, "amount": 0})
            slot["count"] += 1
            slot["amount"] += s.total
        if s.provider:
            p = providers.setdefault(s.provider, {"count": 0, "amount": 0})
            p["count"] += 1
            p["amount"] += s.total
        cashiers[s.cashier or "-"][0] += 1
        cashiers[s.cashier or "-"][1] += s.total
        for sku, name, qty, net in s.lines:
            p2 = products.setdefault(sku, [sku, name, 0, 0])
            p2[2] += qty
            p2[3] += net
    as_dicts = [{"sku": a, "name": b, "quantity": c, "amount": d}
                for a, b, c, d in products.values()]
    late_outcome = {"late_waiting": "waiting", "late_accepted": "accepted",
                    "late_refunded": "refunded"}
    return {
        "order_count": len(sold),
        "gross_sales": sum(s.gross for s in sold),
        "discounts": sum(s.discounts for s in sold),
        "tax": sum(s.tax for s in sold),
        "collected": collected,
        "net_sales": collected - sum(s.tax for s in sold),
        "average_basket": collected // len(sold) if sold else 0,
        "hourly": hourly,
        "by_payment_method": methods,
        "qris_by_provider": providers,
        "by_cashier": sorted(({"cashier": k, "count": n, "amount": a}
                              for k, (n, a) in cashiers.items()),
                             key=lambda c: (-c["amount"], c["cashier"])),
        "top_products": sorted(as_dicts,
                               key=lambda p: (-p["quantity"], -p["amount"], p["sku"]))[:10],
        "top_products_by_revenue": sorted(
            as_dicts, key=lambda p: (-p["amount"], -p["quantity"], p["sku"]))[:10],
        "days": [{"date": d, "order_count": sum(1 for s in sold if s.day == d),
                  "collected": sum(s.total for s in sold if s.day == d),
                  "net_sales": sum(s.total - s.tax for s in sold if s.day == d)} for d in days],
        "orders": [(s.order_id, s.status, s.total, s.cashier)
                   for s in sorted(mine, key=lambda s: (to_iso(s.at), s.order_id))],
        "matched": sorted((s.order_id, s.paid_amount, s.credit_id) for s in mine
                          if s.kind in ("qris_gateway", "qris_credit")),
        "unconfirmed": sorted((s.order_id, s.status) for s in mine
                              if s.kind in ("unconfirmed", "expired")),
        "late": sorted((s.order_id, late_outcome[s.kind], s.paid_amount) for s in mine
                       if s.kind in late_outcome),
        "voids": sorted(s.order_id for s in mine if s.kind == "void"),
        "stray": sorted(cid for cid, _, at in shop.credits
                        if at.astimezone(shop.tz).date().isoformat() in days),
    }


def check(report: dict[str, Any], want: dict[str, Any]) -> None:
    for key in ("order_count", "gross_sales", "discounts", "tax", "collected", "net_sales",
                "average_basket", "hourly", "by_payment_method", "qris_by_provider",
                "by_cashier", "top_products", "top_products_by_revenue", "days"):
        assert report[key] == want[key], key
    assert [(o["order_id"], o["status"], o["amount"], o["cashier"])
            for o in report["orders"]] == want["orders"]
    rec = report["reconciliation"]
    assert sorted((m["order_id"], m["paid_amount"], m["credit_id"])
                  for m in rec["matched"]["items"]) == want["matched"]
    assert rec["matched"]["count"] == len(want["matched"])
    assert rec["matched"]["amount"] == sum(paid for _, paid, _ in want["matched"])
    assert sorted((u["order_id"], u["status"]) for u in rec["unconfirmed_sales"]) == \
        want["unconfirmed"]
    assert sorted((lp["order_id"], lp["outcome"], lp["paid_amount"])
                  for lp in rec["late_payments"]) == want["late"]
    assert sorted(v["order_id"] for v in report["voids"]["items"]) == want["voids"]
    assert sorted(c["credit_id"] for c in rec["unmatched_credits"]) == want["stray"]
    assert report["net_after_refunds"] == report["collected"] - report["refunds"]["amount"]
    assert validate(report, SCHEMA, strict=True) == []


@pytest.mark.parametrize("tz_name", ["Asia/Jakarta", "Asia/Jayapura"])
@pytest.mark.parametrize("seed", [1, 2])
def test_totals_match_an_independent_computation(db, clock, tz_name: str, seed: int) -> None:
    tz = ZoneInfo(tz_name)
    rng = random.Random(f"{tz_name}-{seed}")
    shop = Shop(db, clock, tz)
    first = date(2026, 11, 26)
    moments = []
    for d in range(3):
        day = first + timedelta(days=d)
        # Right at both edges of the local day, and anywhere in it.
        moments += [local(day, tz, 0, 0, 0, 0), local(day, tz, 23, 59, 59, 999_000)]
        moments += [local(day, tz) + timedelta(seconds=rng.randrange(86_400)) for _ in range(14)]
    for at in sorted(moments):
        cart, expect = random_cart(rng)
        shop.sell(rng.choice(SALES), at, cart, expect, rng.choice(CASHIERS))
    for d in range(4):  # exactly at local midnight: the day that starts then
        day = first + timedelta(days=d)
        shop.stray_credit(local(day, tz), rng.randrange(1000, 9000))
        shop.stray_credit(local(day, tz, 23, 59, 59, 999_000), rng.randrange(1000, 9000))
    assert {s.kind for s in shop.sales} >= {"cash", "qris_credit", "late_accepted"}

    for d in range(3):
        day = first + timedelta(days=d)
        report = daily_report(db, day, tz)
        assert report["date"] == report["from"] == report["to"] == day.isoformat()
        check(report, expected(shop, day, day))
    whole = build_report(db, first, first + timedelta(days=2), tz)
    assert "date" not in whole and whole["from"] == "2026-11-26" and whole["to"] == "2026-11-28"
    check(whole, expected(shop, first, first + timedelta(days=2)))
    assert sum(d["collected"] for d in whole["days"]) == whole["collected"]
    # A day before the first sale: every section there, all zero.
    empty = daily_report(db, first - timedelta(days=1), tz)
    assert empty["order_count"] == 0 and empty["orders"] == [] and len(empty["hourly"]) == 24
    assert empty["days"] == [{"date": "2026-11-25", "order_count": 0, "collected": 0,
                              "net_sales": 0}]


def test_midnight_belongs_to_the_local_day(db, clock) -> None:
    for tz_name in ("Asia/Jakarta", "Asia/Jayapura"):
        tz = ZoneInfo(tz_name)
        shop = Shop(db, clock, tz)
        day = date(2026, 12, 1) if tz_name == "Asia/Jakarta" else date(2026, 12, 5)
        c1 = Cart()
        c1.add(CATALOGUE[0])
        late = shop.sell("cash", local(day, tz, 23, 59, 59, 999_000), c1,
                         {"gross": 500, "discounts": 0, "tax": 0, "total": 500,
                          "lines": [("P0", "Barang 0", 1, 500)]}, "Sri")
        c2 = Cart()
        c2.add(CATALOGUE[1])
        early = shop.sell("cash", local(day + timedelta(days=1), tz), c2,
                          {"gross": 1500, "discounts": 0, "tax": 0, "total": 1500,
                           "lines": [("P1", "Barang 1", 1, 1500)]}, "Sri")
        before = daily_report(db, day, tz)
        after = daily_report(db, day + timedelta(days=1), tz)
        assert [o["order_id"] for o in before["orders"]] == [late.order_id]
        assert [o["order_id"] for o in after["orders"]] == [early.order_id]
        assert before["hourly"][23] == {"hour": 23, "count": 1, "amount": 500}
        assert after["hourly"][0] == {"hour": 0, "count": 1, "amount": 1500}
        # In UTC both moments are on the same calendar day, mid-afternoon: only the store's
        # zone puts them a day apart.
        assert late.at.date() == early.at.date()


@pytest.mark.parametrize("first,last", [
    (date(2026, 3, 28), date(2026, 3, 30)),  # CET -> CEST on 29 March, 02:00 -> 03:00
    (date(2026, 10, 24), date(2026, 10, 26)),  # CEST -> CET on 25 October, 03:00 -> 02:00
])
def test_hours_are_local_across_summer_time(db, clock, first: date, last: date) -> None:
    tz = ZoneInfo("Europe/Berlin")
    shop = Shop(db, clock, tz)
    start = local(first, tz)
    end = local(last + timedelta(days=1), tz)
    at = start + timedelta(minutes=7)
    n = 0
    while at < end:
        n += 1
        cart = Cart()
        product = CATALOGUE[n % len(CATALOGUE)]
        cart.add(product)
        shop.sell("cash", at, cart, {"gross": product.price, "discounts": 0, "tax": 0,
                                     "total": product.price,
                                     "lines": [(product.sku, product.name, 1, product.price)]},
                  "Sri")
        at += timedelta(minutes=43)
    whole = build_report(db, first, last, tz)  # the offset changes inside: the slow path
    want = expected(shop, first, last)
    assert whole["hourly"] == want["hourly"]
    assert whole["days"] == want["days"]
    for d in range((last - first).days + 1):
        day = first + timedelta(days=d)
        assert daily_report(db, day, tz)["hourly"] == expected(shop, day, day)["hourly"]
    # The doubled hour (October) and the missing one (March) are counted as the clock said.
    changed = first + timedelta(days=1)
    hours = {h["hour"]: h["count"] for h in daily_report(db, changed, tz)["hourly"]}
    if first.month == 3:
        assert hours[2] == 0 and hours[3] > 0
    else:
        assert hours[2] >= 2  # 02:00-03:00 happened twice: 120 minutes of sales


def test_refunds_voids_shifts_and_cashiers(db, clock) -> None:
    tz = ZoneInfo("Asia/Jakarta")
    shop = Shop(db, clock, tz)
    day = date(2026, 11, 27)
    next_day = day + timedelta(days=1)

    def shift(sid: str, opened: datetime, who: str, float_: int) -> None:
        with db.transaction() as conn:
            conn.execute(
                "INSERT INTO shifts (id, terminal_id, business_date, status, opened_by,"
                " opened_at, opening_float) VALUES (?, 'K1', ?, 'open', ?, ?, ?)",
                (sid, day.isoformat(), who, to_iso(opened), float_))

    def cart_of(*items: tuple[int, int]) -> tuple[Cart, dict[str, Any]]:
        cart = Cart()
        lines = []
        for index, qty in items:
            p = CATALOGUE[index]
            cart.add(p, qty)
            lines.append((p.sku, p.name, qty, p.price * qty))
        total = sum(n for *_, n in lines)
        return cart, {"gross": total, "discounts": 0, "tax": 0, "total": total, "lines": lines}

    shift("S1", local(day, tz, 7), "Sri", 100_000)
    a1 = shop.sell("cash", local(day, tz, 8), *cart_of((1, 2), (3, 1)), "Sri", shift_id="S1")
    q1 = shop.sell("qris_credit", local(day, tz, 9), *cart_of((4, 1)), "Sri", shift_id="S1")
    with db.transaction() as conn:
        conn.execute("UPDATE shifts SET status = 'closed', closed_by = 'Sri', closed_at = ?,"
                     " expected_cash = ?, counted_cash = ? WHERE id = 'S1'",
                     (to_iso(local(day, tz, 14)), 100_000 + a1.total,
                      100_000 + a1.total - 2000))
    shift("S2", local(day, tz, 14), "Budi", 50_000)
    a2 = shop.sell("cash", local(day, tz, 15), *cart_of((5, 1)), "Budi", shift_id="S2")
    a3 = shop.sell("cash", local(day, tz, 16), *cart_of((0, 3)), "", shift_id="S2")
    # After midnight, still the shift's (and so the day's) business.
    a4 = shop.sell("cash", local(next_day, tz, 0, 30), *cart_of((2, 1)), "Budi",
                   shift_id="S2", business_date=day)
    void = shop.sell("void", local(day, tz, 17), *cart_of((6, 1)), "Budi", shift_id="S2")

    def refund(rid: str, order: Sale, on: date, at: datetime, shift_id: str | None,
               method: str, paid_back: str, lines: list[tuple[int, int, int]]) -> int:
        amount = sum(a for _, _, a in lines)
        with db.transaction() as conn:
            conn.execute(
                "INSERT INTO refunds (id, order_id, business_date, shift_id, created_at, cashier,"
                " approved_by, reason, method, amount, paid_back) VALUES"
                " (?,?,?,?,?,'Budi','Bu Ani','rusak',?,?,?)",
                (rid, order.order_id, on.isoformat(), shift_id, to_iso(at), method, amount,
                 paid_back))
            conn.executemany("INSERT INTO refund_lines (refund_id, line_no, quantity, amount)"
                             " VALUES (?,?,?,?)", [(rid, *line) for line in lines])
        return amount

    r1 = refund("R1", a1, day, local(day, tz, 18), "S2", "cash", "cash", [(1, 1, 1500)])
    r2 = refund("R2", q1, day, local(day, tz, 18, 5), "S2", "qris", "owed", [(1, 1, 12500)])
    r3 = refund("R3", a2, next_day, local(next_day, tz, 10), None, "cash", "cash",
                [(1, 1, 48000)])

    report = daily_report(db, day, tz)
    assert validate(report, SCHEMA, strict=True) == []
    sold = [a1, q1, a2, a3, a4]
    assert report["order_count"] == 5
    assert report["collected"] == sum(s.total for s in sold)
    # Refunds count on the day they were made; the sale stays a sale of its own day.
    refunds = report["refunds"]
    assert (refunds["count"], refunds["amount"], refunds["owed"]) == (2, r1 + r2, r2)
    assert refunds["orders"] == [a1.order_id, q1.order_id]
    assert [(i["refund_id"], i["order_id"], i["method"], i["paid_back"], i["amount"],
             i["cashier"], i["approved_by"], i["reason"]) for i in refunds["items"]] == [
        ("R1", a1.order_id, "cash", "cash", r1, "Budi", "Bu Ani", "rusak"),
        ("R2", q1.order_id, "qris", "owed", r2, "Budi", "Bu Ani", "rusak")]
    assert refunds["items"][0]["lines"] == [
        {"line_no": 1, "sku": "P1", "name": "Barang 1", "quantity": 1, "amount": 1500}]
    assert report["net_after_refunds"] == report["collected"] - r1 - r2
    by_id = {o["order_id"]: o for o in report["orders"]}
    assert by_id[a1.order_id]["refunded"] == r1
    assert by_id[a2.order_id]["refunded"] == r3  # every refund of it, whenever made
    assert by_id[a3.order_id]["refunded"] == 0 and by_id[a3.order_id]["cashier"] == ""
    assert by_id[void.order_id]["voided_by"] == "Bu Ani"
    assert by_id[a1.order_id]["voided_by"] is None
    assert report["voids"] == {"count": 1, "amount": void.total, "items": [
        {"order_id": void.order_id, "created_at": to_iso(void.at), "cashier": "Budi",
         "voided_by": "Bu Ani", "reason": "salah input", "amount": void.total}]}
    assert report["by_cashier"] == sorted([
        {"cashier": "Sri", "count": 2, "amount": a1.total + q1.total},
        {"cashier": "Budi", "count": 2, "amount": a2.total + a4.total},
        {"cashier": "-", "count": 1, "amount": a3.total}],
        key=lambda c: (-c["amount"], c["cashier"]))
    assert report["hourly"][0] == {"hour": 0, "count": 1, "amount": a4.total}

    s1, s2 = report["shifts"]
    assert (s1["shift_id"], s1["status"], s1["opened_by"], s1["closed_by"]) == (
        "S1", "closed", "Sri", "Sri")
    assert (s1["cash_sales"], s1["cash_refunds"]) == (a1.total, 0)  # QRIS is not drawer cash
    assert s1["expected_cash"] == 100_000 + a1.total and s1["counted_cash"] == s1[
        "expected_cash"] - 2000
    assert s1["difference"] == -2000
    # The open shift: computed now, R1 paid back from its drawer, R2 owed (not drawer cash).
    assert s2["status"] == "open" and s2["closed_at"] is None
    assert s2["cash_sales"] == a2.total + a3.total + a4.total
    assert s2["cash_refunds"] == r1
    assert s2["expected_cash"] == 50_000 + a2.total + a3.total + a4.total - r1
    assert s2["counted_cash"] is None and s2["difference"] is None

    later = daily_report(db, next_day, tz)
    assert later["order_count"] == 0 and later["shifts"] == []
    assert later["refunds"]["items"][0]["refund_id"] == "R3"
    assert later["net_after_refunds"] == -r3  # money out, nothing sold that day

    text = report_text(report)
    assert text.startswith(f"Laporan harian {day} (Asia/Jakarta)")
    for words in ("Refund", "void", "Shift kasir", "Per kasir:", "selisih -Rp 2.000",
                  "Produk terlaris (omzet):", "belum dibayar Rp 12.500"):
        assert words in text, words
    both = build_report(db, day, next_day, tz)
    assert report_text(both).startswith(f"Laporan {day} s.d. {next_day} (Asia/Jakarta)")
    assert "Per hari:" in report_text(both)
    rows = list(csv.reader(io.StringIO(report_csv(both))))
    assert rows[0] == ["section", "key", "count", "amount"]
    assert all(len(row) == 4 for row in rows)
    sections = {row[0] for row in rows[1:]}
    assert sections >= {"summary", "payment_method", "day", "hourly", "cashier", "top_product",
                        "top_product_by_revenue", "refunds", "refund", "voids", "void",
                        "shift", "reconciliation"}
    assert ["summary", "net_after_refunds", "", str(both["net_after_refunds"])] in rows
    assert ["refunds", "owed", "", str(r2)] in rows
    assert ["shift", "S1 difference", "", "-2000"] in rows
    assert ["day", str(next_day), "0", "0"] in rows


def test_bad_ranges_are_refused(db) -> None:
    tz = ZoneInfo("Asia/Jakarta")
    with pytest.raises(ValueError, match="before"):
        build_report(db, date(2026, 2, 2), date(2026, 2, 1), tz)
    with pytest.raises(ValueError, match=str(MAX_RANGE_DAYS)):
        build_report(db, date(2025, 1, 1), date(2026, 1, 2), tz)
    year = build_report(db, date(2024, 1, 1), date(2024, 12, 31), tz)  # a leap year: 366
    assert len(year["days"]) == 366 and year["order_count"] == 0


def test_reconciliation_items_carry_the_credit(db, clock) -> None:
    tz = ZoneInfo("Asia/Jakarta")
    shop = Shop(db, clock, tz)
    day = date(2026, 11, 27)
    kinds = ["qris_credit", "qris_gateway", "unconfirmed", "expired", "late_waiting",
             "late_accepted", "late_refunded"]
    sales = {}
    for n, kind in enumerate(kinds):
        cart = Cart()
        cart.add(CATALOGUE[3], n + 1)
        total = CATALOGUE[3].price * (n + 1)
        sales[kind] = shop.sell(kind, local(day, tz, 9 + n), cart,
                                {"gross": total, "discounts": 0, "tax": 0, "total": total,
                                 "lines": [("P3", "Barang 3", n + 1, total)]}, "Sri")
    with db.transaction() as conn:  # a credit that fits two sales waits for a person
        conn.execute("INSERT INTO credits (source, account, credit_id, amount, credited_at,"
                     " seen_at, status, note) VALUES ('orkut', 'acct', 'AMBI', 777, ?, ?,"
                     " 'review', 'fits several orders')",
                     (to_iso(local(day, tz, 20)), to_iso(local(day, tz, 20))))
    report = daily_report(db, day, tz)
    rec = report["reconciliation"]
    credit = sales["qris_credit"]
    item = next(m for m in rec["matched"]["items"] if m["order_id"] == credit.order_id)
    assert item["credit_id"] == credit.credit_id and item["provider"] == "orkut"
    assert item["credited_at"] == to_iso(credit.at + timedelta(seconds=25))
    assert item["paid_amount"] == credit.paid_amount and item["amount"] == credit.total
    gateway = next(m for m in rec["matched"]["items"]
                   if m["order_id"] == sales["qris_gateway"].order_id)
    assert gateway["credit_id"] is None and gateway["credited_at"] is None
    assert gateway["provider_ref"]
    assert {(u["order_id"], u["status"]) for u in rec["unconfirmed_sales"]} == {
        (sales["unconfirmed"].order_id, "awaiting_payment"),
        (sales["expired"].order_id, "expired")}
    assert {lp["order_id"]: lp["outcome"] for lp in rec["late_payments"]} == {
        sales["late_waiting"].order_id: "waiting",
        sales["late_accepted"].order_id: "accepted",
        sales["late_refunded"].order_id: "refunded"}
    assert [c["credit_id"] for c in rec["unmatched_credits"]] == ["AMBI"]
    assert rec["unmatched_credits"][0]["needs_review"] is True
    # A late payment accepted is a sale; one given back is not.
    assert report["order_count"] == 3
    assert report["by_payment_method"]["qris"]["count"] == 3
    assert report["orders"][0]["credit_id"] == credit.credit_id


# -- the JSON Schema (docs/report-schema.json) ------------------------------------------------
# jsonschema is not a dependency; this checks the keywords the schema uses, and refuses a schema
# that uses any other (so the check can't silently pass over one it doesn't know).

_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}
_KEYWORDS = {"type", "properties", "required", "additionalProperties", "items", "enum", "$ref",
             "anyOf", "minimum", "maximum", "minItems", "maxItems", "pattern"}
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(value: Any, schema: dict[str, Any], root: dict[str, Any] | None = None,
             path: str = "$", *, strict: bool = False) -> list[str]:
    """Errors of ``value`` against ``schema``; ``strict``: an object's keys must all be
    described (the schema itself stays open to keys added later)."""
    root = root or schema
    unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
    assert not unknown, f"{path}: the test's validator does not know {unknown}"
    errors: list[str] = []
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        errors += validate(value, root["$defs"][name], root, path, strict=strict)
    if "anyOf" in schema and all(validate(value, s, root, path, strict=strict)
                                 for s in schema["anyOf"]):
        errors.append(f"{path}: matches nothing in anyOf")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in types):
            return [*errors, f"{path}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "minimum" in schema and isinstance(value, int) and value < schema["minimum"]:
        errors.append(f"{path}: {value} < {schema['minimum']}")
    if "maximum" in schema and isinstance(value, int) and value > schema["maximum"]:
        errors.append(f"{path}: {value} > {schema['maximum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"],
                                                                         value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        errors += [f"{path}: {k} missing" for k in schema.get("required", []) if k not in value]
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for k, v in value.items():
            if k in props:
                errors += validate(v, props[k], root, f"{path}.{k}", strict=strict)
            elif isinstance(extra, dict):
                errors += validate(v, extra, root, f"{path}.{k}", strict=strict)
            elif extra is False or (strict and "properties" in schema):
                errors.append(f"{path}.{k}: not described by the schema")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(value):
                errors += validate(item, schema["items"], root, f"{path}[{i}]", strict=strict)
    return errors


def test_schema_names_every_key_of_the_spec() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    spec_keys = {"order_count", "gross_sales", "discounts", "tax", "net_sales",
                 "by_payment_method", "hourly", "top_products", "refunds", "shifts",
                 "reconciliation", "orders"}
    assert spec_keys <= set(SCHEMA["required"])
    assert "date" in SCHEMA["properties"]
    assert set(SCHEMA["$defs"]["order"]["required"]) >= {
        "order_id", "created_at", "status", "method", "provider", "amount", "payable_amount",
        "provider_ref", "credit_id"}
    # The validator itself: it does find what is wrong.
    assert validate({"hour": 24, "count": -1}, SCHEMA["properties"]["hourly"]["items"], SCHEMA)
    assert validate({"x": 1}, {"type": "object", "properties": {}}, strict=True)
    assert not validate({"x": 1}, {"type": "object", "properties": {}})
