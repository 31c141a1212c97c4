"""A shop's history written straight into SQLite, fast, for the report benchmark.

``build_history`` opens (and so migrates) a real pos-app database, then writes ``days`` days of a
busy warung with bulk ``executemany`` in one transaction: orders of 3 lines with the cart's
arithmetic (line and order discounts, PPN included in the price), ~70 % cash and ~30 % QRIS
(most QRIS confirmed by a matched statement credit), two shifts a day per till, a few refunds,
voids, expired QRIS, late payments (waiting, accepted, refunded) and credits that matched no
sale. It goes around the checkout service on purpose: a year through ``CheckoutService`` takes
minutes, this takes seconds, and the report only reads the rows.

No Qt, no network; only the standard library and ``pos_app.storage``.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pos_app.storage import open_database

TERMINAL = "K1"
CASHIERS = ("Sri", "Budi")
OWNER = "Bu Ani"
PROVIDERS = (("orkut", 0.6), ("static", 0.2), ("pakasir", 0.2))  # QRIS mix; the first two by mutasi
TAX_BP = 1100  # PPN 11 %, included in shelf prices


@dataclass(frozen=True)
class History:
    first: date
    last: date
    orders: int
    lines: int
    payments: int
    credits: int
    refunds: int
    shifts: int


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _half_up(num: int, den: int) -> int:
    return (2 * num + den) // (2 * den)


def build_history(path: Path, *, days: int = 365, per_day: int = 1000,
                  first: date = date(2025, 12, 1), tz: str = "Asia/Jakarta",
                  seed: int = 7) -> History:
    """Write the history into a new database at ``path``; returns what was written."""
    rng = random.Random(seed)
    zone = ZoneInfo(tz)
    db = open_database(path)
    conn = db.conn
    skus = [(f"SKU-{i:05d}", f"Barang {i}", rng.randrange(1000, 60000, 500)) for i in range(2000)]
    # A few products sell far more than the rest, as in any shop.
    cum: list[float] = []
    for i in range(len(skus)):
        cum.append((cum[-1] if cum else 0.0) + 1.0 / (i + 10))
    stamp0 = _iso(datetime(2025, 1, 1, tzinfo=UTC))

    products = [(s, n, p, stamp0) for s, n, p in skus]
    users = [(f"U{i}", name, "owner" if name == OWNER else "cashier", "x", stamp0, stamp0)
             for i, name in enumerate((OWNER, *CASHIERS))]
    orders: list[tuple[object, ...]] = []
    lines: list[tuple[object, ...]] = []
    payments: list[tuple[object, ...]] = []
    credits: list[tuple[object, ...]] = []
    shifts: list[tuple[object, ...]] = []
    refunds: list[tuple[object, ...]] = []
    refund_lines: list[tuple[object, ...]] = []
    outbox: list[tuple[object, ...]] = []
    seqs: list[tuple[object, ...]] = []
    credit_no = 0

    for d in range(days):
        day = first + timedelta(days=d)
        ymd = f"{day:%Y%m%d}"
        opening = datetime.combine(day, time(6), zone).astimezone(UTC)
        span = 16 * 3600  # 06:00 - 22:00 local
        moments = sorted(rng.random() * span for _ in range(per_day))
        day_shifts = []
        for s, cashier in enumerate(CASHIERS):
            sid = f"{TERMINAL}-{ymd}-S{s + 1}"
            day_shifts.append((sid, cashier))
        cash_in = {sid: 0 for sid, _ in day_shifts}
        day_paid_cash: list[tuple[str, str, int, int]] = []  # order, shift, line 1 amount, qty
        day_paid_qris: list[tuple[str, str, int, int]] = []
        for i, offset in enumerate(moments):
            seq = i + 1
            oid = f"{TERMINAL}-{ymd}-{seq:04d}"
            at = opening + timedelta(seconds=offset)
            created = _iso(at)
            shift_no = 0 if offset < span / 2 else 1
            sid, cashier = day_shifts[shift_no]
            subtotal = line_disc = 0
            picked = set()
            while len(picked) < 3:
                picked.add(bisect.bisect(cum, rng.random() * cum[-1]))
            first_line = (0, 0)
            for n, k in enumerate(sorted(picked), start=1):
                sku, name, price = skus[k]
                qty = rng.choice((1, 1, 1, 2, 2, 3))
                gross = price * qty
                disc = _half_up(gross * 1000, 10000) if rng.random() < 0.1 else 0
                subtotal += gross
                line_disc += disc
                lines.append((oid, n, sku, name, "", price, qty, disc, gross - disc))
                if n == 1:
                    first_line = (gross - disc, qty)
            after = subtotal - line_disc
            order_disc = min(5000, after) if rng.random() < 0.05 else 0
            total = after - order_disc
            tax = _half_up(total * TAX_BP, 10000 + TAX_BP)
            roll = rng.random()
            qris = roll >= 0.7
            status = "paid"
            voided_by = void_reason = None
            pay_status = "paid"
            if roll < 0.003:
                status, voided_by, void_reason = "cancelled", OWNER, "salah input"
                qris = False
            elif qris and roll < 0.715:
                status, pay_status = "expired", "expired"
            elif qris and roll < 0.717:
                status, pay_status = ("late_payment", "paid", "refunded")[i % 3], "late"
            orders.append((oid, f"{d:08x}{seq:024x}", TERMINAL, day.isoformat(), seq, status,
                           subtotal, line_disc, order_disc, "included", TAX_BP, tax, total, "",
                           cashier, created, created, created if status == "paid" else None,
                           f"U{1 + shift_no}", sid, void_reason, voided_by))
            pid = f"P-{oid}"
            if voided_by is not None:
                continue  # a voided order was never paid: no payment row
            if not qris:
                tendered = -(-total // 5000) * 5000
                payments.append((pid, oid, "cash", None, total, total, 0, tendered,
                                 tendered - total, total, None, None, "paid", created, created,
                                 None, created))
                cash_in[sid] += total
                day_paid_cash.append((oid, sid, *first_line))
                outbox.append(("sale_completed", oid, pid, "{}", "done", created, created,
                               created))
                continue
            provider = rng.choices([p for p, _ in PROVIDERS], [w for _, w in PROVIDERS])[0]
            code = rng.randrange(1, 500) if provider != "pakasir" else 0
            payable = total + code
            paid_at = _iso(at + timedelta(seconds=rng.randrange(5, 60)))
            expires = _iso(at + timedelta(minutes=10))
            ref = f"{provider.upper()}-{oid}"
            paid_amount = payable if pay_status in ("paid", "late") else None
            payments.append((pid, oid, "qris", provider, total, payable, code, None, None,
                             paid_amount, ref if paid_amount else None, "acct-1", pay_status,
                             created, created, expires,
                             paid_at if paid_amount else None))
            outbox.append(("create_payment", oid, pid, "{}", "done", created, created, created))
            if status == "paid":
                day_paid_qris.append((oid, sid, *first_line))
            if paid_amount and provider != "pakasir":
                credit_no += 1
                credits.append((provider, "acct-1", f"CR{credit_no:09d}", payable, paid_at,
                                f"QRIS {payable}", paid_at,
                                "matched" if pay_status == "paid" else "late", pid))
        seqs.append((TERMINAL, day.isoformat(), per_day))
        # Money on the statement that no sale explains (a transfer, a customer's mistake).
        for _ in range(3):
            credit_no += 1
            at = _iso(opening + timedelta(seconds=rng.random() * span))
            credits.append(("orkut", "acct-1", f"CR{credit_no:09d}", rng.randrange(5000, 90000),
                            at, "TRANSFER", at, "unmatched", None))
        # Two shifts a day; the drawer is counted at close, a little off now and then.
        for s, (sid, cashier) in enumerate(day_shifts):
            opened = opening + timedelta(seconds=s * span / 2)
            closed = opened + timedelta(seconds=span / 2)
            refunded_cash = 0
            for r in range(2):
                pool = day_paid_cash if r == 0 else day_paid_qris
                mine = [o for o in pool if o[1] == sid]
                if not mine:
                    continue
                oid, _, amount, qty = rng.choice(mine)
                rid = f"R-{sid}-{r}"
                paid_back = "cash" if r == 0 else "owed"
                refunds.append((rid, oid, day.isoformat(), sid,
                                _iso(closed - timedelta(minutes=30)), cashier, OWNER,
                                "barang rusak", "cash" if r == 0 else "qris", amount, paid_back))
                refund_lines.append((rid, 1, qty, amount))
                refunded_cash += amount if paid_back == "cash" else 0
            expected = 200_000 + cash_in[sid] - refunded_cash
            counted = expected - rng.choice((0, 0, 0, 1000, 2000))
            is_last_open = d == days - 1 and s == len(day_shifts) - 1
            shifts.append((sid, TERMINAL, day.isoformat(), "open" if is_last_open else "closed",
                           cashier, _iso(opened), 200_000,
                           None if is_last_open else cashier,
                           None if is_last_open else _iso(closed),
                           None if is_last_open else expected,
                           None if is_last_open else counted, ""))

    with db.lock:
        # One transaction, foreign keys off for the load: the rows are consistent by
        # construction, and checking 2 million references would triple the build time.
        conn.execute("PRAGMA foreign_keys = OFF")
        # A big page cache for the load: order_lines_by_sku gets a million inserts in random
        # order, which thrash SQLite's default 2 MB.
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO products (sku, name, price, updated_at) VALUES (?,?,?,?)",
                         products)
        conn.executemany("INSERT INTO users (id, name, role, pin_hash, created_at, updated_at)"
                         " VALUES (?,?,?,?,?,?)", users)
        conn.executemany(
            "INSERT INTO shifts (id, terminal_id, business_date, status, opened_by, opened_at,"
            " opening_float, closed_by, closed_at, expected_cash, counted_cash, note)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", shifts)
        conn.executemany(
            "INSERT INTO order_sequences (terminal_id, business_date, last_seq)"
            " VALUES (?,?,?)", seqs)
        conn.executemany(
            "INSERT INTO orders (id, uuid, terminal_id, business_date, seq, status, subtotal,"
            " line_discounts, order_discount, tax_mode, tax_rate_bp, tax, total, note, cashier,"
            " created_at, updated_at, paid_at, cashier_id, shift_id, void_reason, voided_by)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", orders)
        conn.executemany(
            "INSERT INTO order_lines (order_id, line_no, sku, name, category, unit_price,"
            " quantity, discount, net) VALUES (?,?,?,?,?,?,?,?,?)", lines)
        conn.executemany(
            "INSERT INTO payments (id, order_id, method, provider, amount, payable_amount,"
            " unique_code, tendered, change_given, paid_amount, provider_ref, account, status,"
            " created_at, updated_at, expires_at, paid_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", payments)
        conn.executemany(
            "INSERT INTO credits (source, account, credit_id, amount, credited_at, description,"
            " seen_at, status, payment_id) VALUES (?,?,?,?,?,?,?,?,?)", credits)
        conn.executemany(
            "INSERT INTO refunds (id, order_id, business_date, shift_id, created_at, cashier,"
            " approved_by, reason, method, amount, paid_back) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            refunds)
        conn.executemany("INSERT INTO refund_lines (refund_id, line_no, quantity, amount)"
                         " VALUES (?,?,?,?)", refund_lines)
        conn.executemany(
            "INSERT INTO outbox (kind, order_id, payment_id, payload, status, next_attempt_at,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)", outbox)
        conn.execute("COMMIT")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -2000")
    db.close()  # PRAGMA optimize, as every till does when it closes
    return History(first=first, last=first + timedelta(days=days - 1), orders=len(orders),
                   lines=len(lines), payments=len(payments), credits=len(credits),
                   refunds=len(refunds), shifts=len(shifts))


def history_db(path: Path, *, days: int, per_day: int, first: date) -> tuple[Any, float]:
    """The history in ``path``, built there first unless it exists (``--db FILE`` reuses a
    built one); the database opened as the app opens it, and the seconds the build took."""
    import time as clock

    build_s = 0.0
    if not path.exists():
        started = clock.perf_counter()
        build_history(path, days=days, per_day=per_day, first=first)
        build_s = clock.perf_counter() - started
    return open_database(path, check=False), build_s
