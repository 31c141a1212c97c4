"""The owner's daily report: what was sold, how it was paid, and what still needs a look.

Amounts are integer rupiah of *paid* orders only (SPEC.md section 3). Definitions:

* ``gross_sales``: sum of line prices x quantities, before any discount;
* ``discounts``: line discounts + order discounts;
* ``tax``: PPN collected (added on top, or the part contained in tax-inclusive prices);
* ``collected``: what customers paid for those orders (order totals);
* ``net_sales``: ``collected - tax`` — sales net of discounts and PPN.

The business day is the store's local date (``store.timezone``), hours are local hours.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pos_app.clock import from_iso, to_iso
from pos_app.money import format_rupiah
from pos_app.storage.database import Database


def daily_report(db: Database, day: date, tz: ZoneInfo) -> dict[str, Any]:
    d = day.isoformat()
    orders = db.query(
        "SELECT id, subtotal, line_discounts, order_discount, tax, total, created_at"
        " FROM orders WHERE business_date = ? AND status = 'paid' ORDER BY created_at",
        (d,),
    )
    by_method: dict[str, dict[str, int]] = {
        "cash": {"count": 0, "amount": 0},
        "qris": {"count": 0, "amount": 0},
    }
    # by_payment_method (SPEC): "cash" and "qris", and each QRIS provider by name too -- the
    # same sales counted once per method and once per provider. qris_by_provider holds the
    # providers alone, so that a reader (the text report) can show them *under* QRIS.
    qris_by_provider: dict[str, dict[str, int]] = {}
    for row in db.query(
        "SELECT p.method, p.provider, count(*) AS n, sum(o.total) AS amount"
        " FROM orders o JOIN payments p ON p.order_id = o.id AND p.status IN ('paid', 'late')"
        " WHERE o.business_date = ? AND o.status = 'paid' GROUP BY p.method, p.provider",
        (d,),
    ):
        for key in {row["method"], row["provider"]} - {None}:
            slot = by_method.setdefault(key, {"count": 0, "amount": 0})
            slot["count"] += int(row["n"])
            slot["amount"] += int(row["amount"] or 0)
        if row["method"] == "qris" and row["provider"]:
            qslot = qris_by_provider.setdefault(row["provider"], {"count": 0, "amount": 0})
            qslot["count"] += int(row["n"])
            qslot["amount"] += int(row["amount"] or 0)

    hourly = [{"hour": h, "count": 0, "amount": 0} for h in range(24)]
    for row in orders:
        h = from_iso(row["created_at"]).astimezone(tz).hour
        hourly[h]["count"] += 1
        hourly[h]["amount"] += int(row["total"])

    top = [
        {"sku": r["sku"], "name": r["name"], "quantity": int(r["qty"]), "amount": int(r["amount"])}
        for r in db.query(
            "SELECT l.sku, max(l.name) AS name, sum(l.quantity) AS qty, sum(l.net) AS amount"
            " FROM order_lines l JOIN orders o ON o.id = l.order_id"
            " WHERE o.business_date = ? AND o.status = 'paid'"
            " GROUP BY l.sku ORDER BY qty DESC, amount DESC, l.sku LIMIT 10",
            (d,),
        )
    ]
    refunded = db.query(
        "SELECT id, total FROM orders"
        " WHERE business_date = ? AND status = 'refunded' ORDER BY created_at",
        (d,),
    )
    unconfirmed = db.query(
        "SELECT o.id, o.status, o.total, p.provider"
        " FROM orders o JOIN payments p ON p.order_id = o.id"
        " WHERE o.business_date = ? AND o.status IN ('awaiting_payment', 'expired')"
        " AND p.method = 'qris' AND p.status IN ('pending', 'expired') ORDER BY o.created_at",
        (d,),
    )
    late = db.query(
        "SELECT o.id, o.total, p.paid_amount, p.provider, p.provider_ref FROM orders o"
        " JOIN payments p ON p.order_id = o.id AND p.status = 'late'"
        " WHERE o.business_date = ? AND o.status = 'late_payment' ORDER BY o.created_at",
        (d,),
    )
    matched = db.query_one(
        "SELECT count(*) AS n, coalesce(sum(p.paid_amount), 0) AS amount FROM payments p"
        " JOIN orders o ON o.id = p.order_id"
        " WHERE o.business_date = ? AND p.method = 'qris' AND p.status = 'paid'",
        (d,),
    )
    # Credits are stamped in UTC; the store's day runs from local midnight to local midnight.
    start = datetime.combine(day, time(0), tz)
    credits = db.query(
        "SELECT source, credit_id, amount, credited_at, status, note FROM credits"
        " WHERE status IN ('unmatched', 'review') AND credited_at >= ? AND credited_at < ?"
        " ORDER BY credited_at",
        (to_iso(start), to_iso(start + timedelta(days=1))),
    )
    # Every order of the day, whatever its status (SPEC section 3), with its latest payment and
    # the statement credit that confirmed it, so the owner can trace each rupiah.
    every_order = db.query(
        "SELECT o.id, o.created_at, o.status, o.total, p.method, p.provider, p.payable_amount,"
        " p.provider_ref, c.credit_id FROM orders o"
        " LEFT JOIN payments p ON p.id = (SELECT id FROM payments WHERE order_id = o.id"
        "                                 ORDER BY created_at DESC, rowid DESC LIMIT 1)"
        " LEFT JOIN credits c ON c.payment_id = p.id"
        " WHERE o.business_date = ? ORDER BY o.created_at, o.id",
        (d,),
    )
    gross = sum(int(r["subtotal"]) for r in orders)
    discounts = sum(int(r["line_discounts"]) + int(r["order_discount"]) for r in orders)
    tax = sum(int(r["tax"]) for r in orders)
    collected = sum(int(r["total"]) for r in orders)
    return {
        "date": d,
        "timezone": tz.key,
        "order_count": len(orders),
        "gross_sales": gross,
        "discounts": discounts,
        "tax": tax,
        "collected": collected,
        "net_sales": collected - tax,
        "average_basket": collected // len(orders) if orders else 0,
        "by_payment_method": by_method,
        "qris_by_provider": qris_by_provider,
        "hourly": hourly,
        "top_products": top,
        "refunds": {
            "count": len(refunded),
            "amount": sum(int(r["total"]) for r in refunded),
            "orders": [r["id"] for r in refunded],
        },
        "shifts": [],
        "reconciliation": {
            "matched": {"count": int(matched["n"]) if matched else 0,
                        "amount": int(matched["amount"]) if matched else 0},
            "unmatched_credits": [
                {"source": r["source"], "credit_id": r["credit_id"], "amount": int(r["amount"]),
                 "credited_at": r["credited_at"], "needs_review": r["status"] == "review",
                 "note": r["note"]}
                for r in credits
            ],
            "unconfirmed_sales": [
                {"order_id": r["id"], "status": r["status"], "amount": int(r["total"]),
                 "provider": r["provider"]}
                for r in unconfirmed
            ],
            "late_payments": [
                {"order_id": r["id"], "amount": int(r["total"]), "paid_amount": r["paid_amount"],
                 "provider": r["provider"], "provider_ref": r["provider_ref"]}
                for r in late
            ],
        },
        "orders": [
            {"order_id": r["id"], "created_at": r["created_at"], "status": r["status"],
             "method": r["method"], "provider": r["provider"], "amount": int(r["total"]),
             "payable_amount": r["payable_amount"], "provider_ref": r["provider_ref"],
             "credit_id": r["credit_id"]}
            for r in every_order
        ],
    }


def report_text(report: dict[str, Any]) -> str:
    """The report as the owner reads it in a terminal (Indonesian)."""
    rp = format_rupiah
    out = [
        f"Laporan harian {report['date']} ({report['timezone']})",
        f"  Jumlah transaksi : {report['order_count']}",
        f"  Penjualan kotor  : {rp(report['gross_sales'])}",
        f"  Diskon           : {rp(report['discounts'])}",
        f"  PPN              : {rp(report['tax'])}",
        f"  Diterima         : {rp(report['collected'])}",
        f"  Penjualan bersih : {rp(report['net_sales'])}",
        f"  Rata-rata belanja: {rp(report['average_basket'])}",
        "Per metode pembayaran:",
    ]
    methods = report["by_payment_method"]
    providers = report.get("qris_by_provider", {})
    for method, label in (("cash", "Tunai"), ("qris", "QRIS")):
        slot = methods[method]
        out.append(f"  {label:<18}{slot['count']:>5} x  {rp(slot['amount'])}")
        if method == "qris":  # the same QRIS sales, by provider: part of the line above
            out.extend(f"    - {name:<14}{p['count']:>5} x  {rp(p['amount'])}"
                       for name, p in providers.items())
    busy = [h for h in report["hourly"] if h["count"]]
    if busy:
        out.append("Per jam:")
        out.extend(f"  {h['hour']:02d}:00  {h['count']:>4} x  {rp(h['amount'])}" for h in busy)
    if report["top_products"]:
        out.append("Produk terlaris:")
        out.extend(
            f"  {p['quantity']:>4} x {p['name']}  ({rp(p['amount'])})"
            for p in report["top_products"]
        )
    rec = report["reconciliation"]
    out.append("Rekonsiliasi QRIS:")
    out.append(f"  Cocok            : {rec['matched']['count']} ({rp(rec['matched']['amount'])})")
    out.append(f"  Belum terkonfirmasi: {len(rec['unconfirmed_sales'])}")
    out.append(f"  Bayar terlambat  : {len(rec['late_payments'])}")
    return "\n".join(out) + "\n"


def report_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["section", "key", "count", "amount"])
    for key in ("order_count", "gross_sales", "discounts", "tax", "collected", "net_sales"):
        w.writerow(["summary", key, "", report[key]])
    for method in ("cash", "qris"):
        slot = report["by_payment_method"][method]
        w.writerow(["payment_method", method, slot["count"], slot["amount"]])
    for name, slot in report.get("qris_by_provider", {}).items():
        w.writerow(["qris_provider", name, slot["count"], slot["amount"]])
    for h in report["hourly"]:
        w.writerow(["hourly", f"{h['hour']:02d}", h["count"], h["amount"]])
    for p in report["top_products"]:
        w.writerow(["top_product", p["name"], p["quantity"], p["amount"]])
    return buf.getvalue()
