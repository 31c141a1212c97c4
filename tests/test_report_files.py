"""The report's files: the Excel workbook (``pos_app.report_xlsx``) read back with openpyxl, and
the PDF (``pos_app.ui.report.pdf``) checked as a PDF, rendered to an image (pdftoppm) and read
as text (pdftotext). :func:`seed_day` writes a realistic shop day straight into SQLite (the
screen's tests and the timing script use it too)."""

from __future__ import annotations

import random
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pos_app.clock import to_iso
from pos_app.money import format_rupiah
from pos_app.reports import daily_report

TZ = ZoneInfo("Asia/Jakarta")
DAY = date(2026, 11, 27)

PRODUCTS = [
    ("MNM-001", "Teh Botol Sosro 450ml", 5000), ("MNM-002", "Aqua 600ml", 4000),
    ("MNM-003", "Kopi Kapal Api Sachet", 2000), ("MNM-004", "Good Day Cappuccino", 2500),
    ("MNM-005", "Pocari Sweat 500ml", 8500), ("MNM-006", "Es Teh Manis", 4000),
    ("MKN-001", "Indomie Goreng", 3500), ("MKN-002", "Indomie Kuah Soto", 3500),
    ("MKN-003", "Nasi Goreng Spesial", 18000), ("MKN-004", "Mie Ayam Bakso", 15000),
    ("MKN-005", "Nasi Uduk Telur", 12000), ("MKN-006", "Gorengan (isi 3)", 5000),
    ("SNK-001", "Chitato Sapi Panggang 68g", 11500), ("SNK-002", "Taro Net 36g", 6000),
    ("SNK-003", "Oreo 133g", 9500), ("SNK-004", "Beng-Beng", 2500),
    ("SMB-001", "Beras Pandan Wangi 5kg", 78000), ("SMB-002", "Minyak Goreng Bimoli 1L", 21000),
    ("SMB-003", "Gula Pasir Gulaku 1kg", 18500), ("SMB-004", "Telur Ayam 1kg", 29000),
    ("RMT-001", "Sabun Lifebuoy 85g", 4500), ("RMT-002", "Pepsodent 190g", 14000),
]
PROVIDERS = ("midtrans", "orderkuota", "static")
# Sales per local hour, 07:00..21:00: a morning rush, lunch, the evening.
HOUR_WEIGHTS = {7: 4, 8: 6, 9: 5, 10: 4, 11: 7, 12: 9, 13: 6, 14: 4, 15: 4, 16: 5, 17: 7,
                18: 9, 19: 8, 20: 5, 21: 2}


def seed_day(db: Any, day: date = DAY, tz: ZoneInfo = TZ, orders: int = 120,
             seed: int = 7) -> dict[str, Any]:
    """Write one business day of a warung: ``orders`` orders (mostly paid, cash and QRIS by
    three providers, some expired, waiting, voided, late), their lines and payments, statement
    credits (matched, unmatched, to review), two closed shifts (one short of cash) and three
    refunds. Returns what was written that a test may check against."""
    rng = random.Random(seed)
    hours = list(HOUR_WEIGHTS)
    weights = list(HOUR_WEIGHTS.values())
    moments = sorted(
        datetime.combine(day, time(rng.choices(hours, weights)[0], rng.randrange(60),
                                   rng.randrange(60)), tz)
        for _ in range(orders))
    order_rows, line_rows, payment_rows, credit_rows = [], [], [], []
    paid_ids: list[tuple[str, str, int, datetime]] = []  # id, method, total, moment
    stamp_of = {}
    day_tag = f"{day:%Y%m%d}"
    shift_ids = (f"S-{day_tag}-1", f"S-{day_tag}-2")
    for seq, moment in enumerate(moments, start=1):
        order_id = f"K1-{day_tag}-{seq:04d}"
        stamp = to_iso(moment)
        stamp_of[order_id] = stamp
        morning = moment.hour < 14
        cashier, shift = ("Sri", shift_ids[0]) if morning else ("Budi", shift_ids[1])
        lines = rng.sample(PRODUCTS, rng.choice((1, 1, 2, 2, 3, 4)))
        subtotal = 0
        for n, (sku, name, price) in enumerate(lines, start=1):
            qty = rng.choice((1, 1, 1, 2, 3))
            subtotal += price * qty
            line_rows.append((order_id, n, sku, name, "", price, qty, 0, price * qty))
        discount = rng.choice((1000, 2000, 5000)) if rng.random() < 0.1 else 0
        discount = min(discount, subtotal // 2)  # never a free order
        tax = (subtotal - discount) * 11 // 100
        total = subtotal - discount + tax
        roll = rng.random()
        status = ("paid" if roll < 0.90 else "expired" if roll < 0.94
                  else "awaiting_payment" if roll < 0.95 else "cancelled" if roll < 0.98
                  else "late_payment")
        method = "qris" if status != "paid" or rng.random() < 0.55 else "cash"
        provider = rng.choice(PROVIDERS) if method == "qris" else None
        voided_by = "Pemilik" if status == "cancelled" else None
        order_rows.append((order_id, str(uuid.uuid4()), "K1", day.isoformat(), seq, status,
                           subtotal, 0, discount, "exclusive", 1100, tax, total, "", cashier,
                           stamp, stamp, stamp if status == "paid" else None, shift,
                           "Salah input" if voided_by else None, voided_by))
        code = rng.randrange(1, 300) if provider == "static" else 0
        pay_status = {"paid": "paid", "expired": "expired", "awaiting_payment": "pending",
                      "cancelled": "cancelled", "late_payment": "late"}[status]
        payment_id = str(uuid.uuid4())
        ref = f"{(provider or 'cash')[:3].upper()}-{day_tag}-{seq:04d}" if method == "qris" \
            else None
        paid_amount = total + code if pay_status in ("paid", "late") else None
        payment_rows.append((payment_id, order_id, method, provider, total,
                             total + code, code, total if method == "cash" else None,
                             0 if method == "cash" else None, paid_amount, ref, pay_status,
                             stamp, stamp, stamp if pay_status == "paid" else None))
        if status == "paid":
            paid_ids.append((order_id, method, total, moment))
        if provider == "static" and pay_status in ("paid", "late"):
            credit_rows.append(("orkut", "ACC-1", f"CR-{day_tag}-{seq:04d}", total + code,
                                to_iso(moment + timedelta(seconds=40)), stamp,
                                "matched" if pay_status == "paid" else "late", payment_id, ""))
    for n, (amount, status, note) in enumerate(
            ((25000, "unmatched", "transfer tanpa pesanan"), (12500, "review",
                                                               "dua pesanan cocok"),
             (7000, "unmatched", ""))):
        moment = datetime.combine(day, time(10 + 3 * n, 15), tz)
        credit_rows.append(("orkut", "ACC-1", f"CR-{day_tag}-X{n}", amount, to_iso(moment),
                            to_iso(moment), status, None, note))

    cash_by_shift = [0, 0]
    for _order_id, method, total, moment in paid_ids:
        if method == "cash":
            cash_by_shift[0 if moment.hour < 14 else 1] += total
    refund_rows, refund_lines = [], []
    for n, (order_id, method, total, moment) in enumerate(paid_ids[5:50:15][:3]):
        back = "cash" if method == "cash" else "owed"
        refund_id = f"R-{day_tag}-{n + 1}"
        refund_rows.append((refund_id, order_id, day.isoformat(),
                            shift_ids[0 if moment.hour < 14 else 1],
                            to_iso(moment + timedelta(minutes=20)), "Sri", "Pemilik",
                            ("Barang rusak", "Salah ambil", "Kedaluwarsa")[n], method,
                            total, back))
        refund_lines.append((refund_id, 1, 1, total))
    float_ = 200_000
    shifts = []
    for n, (who, opened, closed, diff) in enumerate(
            (("Sri", time(6, 50), time(14, 5), -5000), ("Budi", time(14, 0), time(22, 10),
                                                        2000))):
        refunds_cash = sum(r[9] for r in refund_rows if r[3] == shift_ids[n] and r[10] == "cash")
        expected = float_ + cash_by_shift[n] - refunds_cash
        shifts.append((shift_ids[n], "K1", day.isoformat(), "closed", who,
                       to_iso(datetime.combine(day, opened, tz)), float_, who,
                       to_iso(datetime.combine(day, closed, tz)), expected, expected + diff,
                       "kurang Rp 5.000" if diff < 0 else ""))
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO shifts (id, terminal_id, business_date, status, opened_by, opened_at,"
            " opening_float, closed_by, closed_at, expected_cash, counted_cash, note)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", shifts)
        conn.executemany(
            "INSERT INTO orders (id, uuid, terminal_id, business_date, seq, status, subtotal,"
            " line_discounts, order_discount, tax_mode, tax_rate_bp, tax, total, note, cashier,"
            " created_at, updated_at, paid_at, shift_id, void_reason, voided_by)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", order_rows)
        conn.executemany(
            "INSERT INTO order_lines (order_id, line_no, sku, name, category, unit_price,"
            " quantity, discount, net) VALUES (?,?,?,?,?,?,?,?,?)", line_rows)
        conn.executemany(
            "INSERT INTO payments (id, order_id, method, provider, amount, payable_amount,"
            " unique_code, tendered, change_given, paid_amount, provider_ref, status,"
            " created_at, updated_at, paid_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            payment_rows)
        conn.executemany(
            "INSERT INTO credits (source, account, credit_id, amount, credited_at, seen_at,"
            " status, payment_id, note) VALUES (?,?,?,?,?,?,?,?,?)", credit_rows)
        conn.executemany(
            "INSERT INTO refunds (id, order_id, business_date, shift_id, created_at, cashier,"
            " approved_by, reason, method, amount, paid_back) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            refund_rows)
        conn.executemany(
            "INSERT INTO refund_lines (refund_id, line_no, quantity, amount) VALUES (?,?,?,?)",
            refund_lines)
    return {"orders": len(order_rows), "paid": len(paid_ids), "refunds": len(refund_rows)}


def sample_report() -> dict[str, Any]:
    """A hand-made report with every key of the contract (the real one is being extended)."""
    return {
        "date": "2026-11-27", "timezone": "Asia/Jakarta",
        "order_count": 3, "gross_sales": 61_000, "discounts": 1_000, "tax": 6_600,
        "collected": 66_600, "net_sales": 60_000, "net_after_refunds": 55_000,
        "average_basket": 22_200,
        "by_payment_method": {"cash": {"count": 1, "amount": 11_100},
                              "qris": {"count": 2, "amount": 55_500},
                              "midtrans": {"count": 1, "amount": 22_200},
                              "static": {"count": 1, "amount": 33_300}},
        "qris_by_provider": {"midtrans": {"count": 1, "amount": 22_200},
                             "static": {"count": 1, "amount": 33_300}},
        "hourly": [{"hour": h, "count": int(h in (9, 12, 18)),
                    "amount": {9: 11_100, 12: 22_200, 18: 33_300}.get(h, 0)} for h in range(24)],
        "top_products": [{"sku": "MKN-003", "name": "Nasi Goreng Spesial", "quantity": 3,
                          "amount": 54_000},
                         {"sku": "MNM-002", "name": "Aqua 600ml", "quantity": 2,
                          "amount": 7_000}],
        "top_products_by_revenue": [{"sku": "MKN-003", "name": "Nasi Goreng Spesial",
                                     "quantity": 3, "amount": 54_000}],
        "by_cashier": [{"cashier": "Sri", "count": 2, "amount": 33_300},
                       {"cashier": "Budi", "count": 1, "amount": 33_300}],
        "refunds": {"count": 1, "amount": 5_000, "owed": 5_000,
                    "orders": ["K1-20261127-0002"],
                    "items": [{"refund_id": "R1", "order_id": "K1-20261127-0002",
                               "created_at": "2026-11-27T05:30:00.000Z", "cashier": "Sri",
                               "approved_by": "Pemilik", "reason": "Barang rusak",
                               "method": "qris", "paid_back": "owed", "amount": 5_000,
                               "lines": [{"name": "Aqua 600ml", "quantity": 1,
                                          "amount": 5_000}]}]},
        "voids": {"count": 1, "amount": 9_000,
                  "items": [{"order_id": "K1-20261127-0004",
                             "created_at": "2026-11-27T07:00:00.000Z", "cashier": "Budi",
                             "voided_by": "Pemilik", "reason": "Salah input",
                             "amount": 9_000}]},
        "shifts": [{"shift_id": "S1", "terminal_id": "K1", "business_date": "2026-11-27",
                    "status": "closed", "opened_by": "Sri",
                    "opened_at": "2026-11-27T00:00:00.000Z", "closed_by": "Sri",
                    "closed_at": "2026-11-27T07:00:00.000Z", "opening_float": 200_000,
                    "cash_sales": 11_100, "cash_refunds": 0, "expected_cash": 211_100,
                    "counted_cash": 206_100, "difference": -5_000, "note": "kurang"}],
        "reconciliation": {
            "matched": {"count": 2, "amount": 55_500, "items": [
                {"order_id": "K1-20261127-0002", "amount": 22_200, "paid_amount": 22_200,
                 "provider": "midtrans", "provider_ref": "MT-1", "credit_id": None,
                 "credited_at": None},
                {"order_id": "K1-20261127-0003", "amount": 33_300, "paid_amount": 33_417,
                 "provider": "static", "provider_ref": None, "credit_id": "CR-9",
                 "credited_at": "2026-11-27T11:00:40.000Z"}]},
            "unmatched_credits": [{"source": "orkut", "credit_id": "CR-X", "amount": 25_000,
                                   "credited_at": "2026-11-27T04:00:00.000Z",
                                   "needs_review": True, "note": "dua pesanan cocok"}],
            "unconfirmed_sales": [{"order_id": "K1-20261127-0005", "status": "expired",
                                   "amount": 15_000, "provider": "midtrans"}],
            "late_payments": [{"order_id": "K1-20261127-0006", "amount": 8_000,
                               "paid_amount": 8_000, "provider": "midtrans",
                               "provider_ref": "MT-6", "outcome": "accepted"}],
        },
        "orders": [
            {"order_id": f"K1-20261127-000{n}", "created_at": stamp, "status": status,
             "method": method, "provider": provider, "amount": amount,
             "payable_amount": amount, "provider_ref": None, "credit_id": None,
             "cashier": cashier, "refunded": refunded, "voided_by": voided}
            for n, stamp, status, method, provider, amount, cashier, refunded, voided in (
                (1, "2026-11-27T02:10:00.000Z", "paid", "cash", None, 11_100, "Sri", 0, None),
                (2, "2026-11-27T05:05:00.000Z", "paid", "qris", "midtrans", 22_200, "Sri",
                 5_000, None),
                (3, "2026-11-27T11:40:00.000Z", "paid", "qris", "static", 33_300, "Budi", 0,
                 None),
                (4, "2026-11-27T07:00:00.000Z", "cancelled", None, None, 9_000, "Budi", 0,
                 "Pemilik"),
                (5, "2026-11-27T08:00:00.000Z", "expired", "qris", "midtrans", 15_000, "Budi",
                 0, None),
                (6, "2026-11-27T09:00:00.000Z", "late_payment", "qris", "midtrans", 8_000,
                 "Budi", 0, None),
            )
        ],
    }


def range_report() -> dict[str, Any]:
    """The sample as a 7-day range (``from``/``to`` and ``days``)."""
    report = sample_report()
    del report["date"]
    report["from"], report["to"] = "2026-11-21", "2026-11-27"
    report["days"] = [{"date": f"2026-11-{d}", "order_count": d - 20,
                       "collected": (d - 20) * 9_500, "net_sales": (d - 20) * 8_550}
                      for d in range(21, 28)]
    return report


# ---------------------------------------------------------------------------- XLSX

def _sheet_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    import openpyxl

    book = openpyxl.load_workbook(path)
    return [tuple(r) for r in book[name].iter_rows(values_only=True)]


def test_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(tmp_path: Path) -> None:
    import openpyxl

    from pos_app.report_xlsx import write_xlsx

    report = sample_report()
    path = tmp_path / "laporan.xlsx"
    write_xlsx(report, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Ringkasan", "Metode", "Per jam", "Produk", "Produk (pendapatan)",
                               "Kasir", "Shift", "Pengembalian", "Void", "Rekonsiliasi",
                               "Transaksi"]
    summary = {r[0]: r[1] for r in book["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    assert summary["Diterima"] == 66_600 and summary["Penjualan kotor"] == 61_000
    assert summary["Diterima setelah pengembalian"] == 55_000
    assert book["Ringkasan"]["B5"].number_format == "#,##0"  # Penjualan kotor
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1]), ws.title

    methods = [r for r in book["Metode"].iter_rows(values_only=True)]
    assert methods[0] == ("Metode", "Transaksi", "Jumlah")
    assert [r[0] for r in methods[1:]] == ["Tunai", "QRIS", "Midtrans (Snap)",
                                           "QRIS statis toko", "Total"]
    assert book["Metode"]["A4"].alignment.indent == 2  # a provider sits under QRIS
    assert methods[-1] == ("Total", 3, 66_600)
    assert book["Metode"]["C2"].number_format == "#,##0"

    hours = list(book["Per jam"].iter_rows(min_row=2, values_only=True))
    assert len(hours) == 24 and sum(h[2] for h in hours) == 66_600

    orders = list(book["Transaksi"].iter_rows(min_row=2, values_only=True))
    assert len(orders) == 6
    first = orders[0]
    assert first[0] == datetime(2026, 11, 27, 9, 10)  # 02:10 UTC is 09:10 WIB
    assert first[1:4] == ("K1-20261127-0001", "Lunas", "Tunai") and first[6] == 11_100
    assert book["Transaksi"]["G2"].number_format == "#,##0"
    assert book["Transaksi"]["A2"].number_format == "dd/mm/yyyy hh:mm"

    shift = list(book["Shift"].iter_rows(min_row=2, values_only=True))[0]
    assert shift[12] == -5_000 and "[Red]" in book["Shift"]["M2"].number_format
    groups = [r[0] for r in book["Rekonsiliasi"].iter_rows(min_row=2, values_only=True)]
    assert groups == ["Cocok", "Cocok", "Kredit tanpa penjualan", "Belum terkonfirmasi",
                      "Bayar terlambat"]
    assert _sheet_rows(path, "Void")[1][3] == "Pemilik"
    assert _sheet_rows(path, "Pengembalian")[1][6] == "belum dibayar"
    assert _sheet_rows(path, "Kasir")[1] == ("Sri", 2, 33_300, 16_650)


def test_xlsx_of_a_range_has_the_trend(tmp_path: Path) -> None:
    from pos_app.report_xlsx import write_xlsx

    path = tmp_path / "minggu.xlsx"
    write_xlsx(range_report(), path)
    trend = _sheet_rows(path, "Tren")
    assert trend[0] == ("Tanggal", "Transaksi", "Diterima", "Bersih")
    assert len(trend) == 8 and trend[1][0] == datetime(2026, 11, 21)
    assert sum(r[2] for r in trend[1:]) == 28 * 9_500


def test_xlsx_of_a_real_day_matches_the_report(db, tmp_path: Path) -> None:
    from pos_app.report_xlsx import write_xlsx

    seed_day(db, orders=150)
    report = daily_report(db, DAY, TZ)
    path = tmp_path / "hari.xlsx"
    write_xlsx(report, path)
    summary = dict(_sheet_rows(path, "Ringkasan")[1:])
    assert summary["Diterima"] == report["collected"] > 0
    assert summary["Jumlah transaksi"] == report["order_count"]
    orders = _sheet_rows(path, "Transaksi")[1:]
    assert len(orders) == len(report["orders"]) == 150
    paid = sum(o[6] for o in orders if o[2] == "Lunas")
    assert paid == report["collected"]


def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path: Path,
                                                            monkeypatch) -> None:
    import errno

    from pos_app import paths, report_xlsx

    path = tmp_path / "laporan.xlsx"
    path.write_bytes(b"the owner's older file")

    def full_disk(_tmp: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as caught:
        paths.write_atomically(path, full_disk)
    assert caught.value.errno == errno.ENOSPC
    assert path.read_bytes() == b"the owner's older file"
    assert [p.name for p in tmp_path.iterdir()] == ["laporan.xlsx"]  # no temporary left

    with pytest.raises(FileNotFoundError):
        report_xlsx.write_xlsx(sample_report(), tmp_path / "no-such-folder" / "x.xlsx")


# ---------------------------------------------------------------------------- PDF

@pytest.fixture
def pdf_tools() -> Iterator[None]:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    yield


def _pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(next(line.split()[-1] for line in out.stdout.splitlines()
                    if line.startswith("Pages:")))


def _render_first_page(path: Path, out: Path, dpi: int = 60) -> Path:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1",
                    "-singlefile", str(path), str(out)], check=True)
    return out.with_suffix(".png")


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True)
    return out.stdout


def _ink(png: Path) -> float:
    """The share of the page that is not white."""
    from PySide6.QtGui import QColor, QImage

    image = QImage(str(png))
    assert not image.isNull()
    dark = total = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            total += 1
            if QColor(image.pixel(x, y)).lightness() < 200:
                dark += 1
    return dark / total


def test_pdf_of_a_real_day(qapp, db, tmp_path: Path, pdf_tools) -> None:
    from pos_app.ui.report.pdf import write_pdf

    seed_day(db, orders=300)
    report = daily_report(db, DAY, TZ)
    path = tmp_path / "laporan.pdf"
    write_pdf(report, path, "Warung Bu Sri",
              printed_at=datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    pages = _pdf_pages(path)
    # ~50 orders a page after 1-2 pages of the rest: 300 orders are 6 to 12 pages.
    assert 6 <= pages <= 12, pages
    png = _render_first_page(path, tmp_path / "page")
    assert 0.02 < _ink(png) < 0.6
    text = _pdf_text(path)
    assert "Warung Bu Sri" in text
    assert "Jumat, 27 November 2026" in text
    assert "Asia/Jakarta" in text and "27/11/2026 22:00 WIB" in text
    for key in ("collected", "gross_sales", "net_sales", "tax"):
        assert format_rupiah(report[key]) in text, key
    assert f"Halaman 1/{pages}" in text and f"Halaman {pages}/{pages}" in text
    assert report["orders"][-1]["order_id"] in text  # the whole list, to the last order


def test_pdf_of_the_sample_shows_every_section(qapp, tmp_path: Path, pdf_tools) -> None:
    from pos_app.ui.report.pdf import write_pdf

    path = tmp_path / "sample.pdf"
    write_pdf(sample_report(), path, "Toko Maju")
    text = _pdf_text(path)
    for words in ("Ringkasan", "Metode pembayaran", "Penjualan per jam", "Produk terlaris",
                  "Per kasir", "Shift & kas", "Pengembalian", "Void", "Rekonsiliasi QRIS",
                  "Kredit tanpa penjualan", "Belum terkonfirmasi", "Bayar terlambat",
                  "Semua transaksi (6)", "Nasi Goreng Spesial", "Barang rusak", "Salah input",
                  "dua pesanan cocok", "diterima", "-Rp 5.000", "Rp 55.000", "Halaman 1/"):
        assert words in text, words
    # The providers are under QRIS, between it and the total.
    methods = text[text.index("Metode pembayaran"):text.index("Penjualan per jam")]
    assert methods.index("QRIS") < methods.index("Midtrans (Snap)") < methods.index("Total")
    assert 1 <= _pdf_pages(path) <= 3


def test_pdf_of_a_range_has_the_trend(qapp, tmp_path: Path, pdf_tools) -> None:
    from pos_app.ui.report.pdf import write_pdf

    path = tmp_path / "range.pdf"
    write_pdf(range_report(), path, "Toko Maju")
    text = _pdf_text(path)
    assert "Laporan periode · 21–27 November 2026" in text
    assert "Tren harian" in text and "Sabtu, 21 November 2026" in text


def test_pdf_written_off_the_gui_thread(qapp, tmp_path: Path, pdf_tools) -> None:
    """The screen writes on a worker with the chart images it rendered; called there without
    them the PDF still comes, without charts, rather than touching widgets off their thread."""
    import threading

    from pos_app.ui.report.charts import chart_images
    from pos_app.ui.report.pdf import write_pdf

    report = range_report()
    images = chart_images(report)  # here, on the GUI thread
    errors: list[BaseException] = []

    def work() -> None:
        try:
            write_pdf(report, tmp_path / "with.pdf", "Toko Maju", charts=images)
            write_pdf(report, tmp_path / "without.pdf", "Toko Maju")
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(60)
    assert not errors and not worker.is_alive()
    with_charts = _render_first_page(tmp_path / "with.pdf", tmp_path / "with")
    without = _render_first_page(tmp_path / "without.pdf", tmp_path / "without")
    assert _ink(with_charts) > _ink(without) > 0.02  # the charts are ink too
    assert "Tren harian" in _pdf_text(tmp_path / "without.pdf")


def test_files_of_a_day_without_sales(qapp, db, tmp_path: Path, pdf_tools) -> None:
    from pos_app.report_xlsx import write_xlsx
    from pos_app.ui.report.pdf import write_pdf

    report = daily_report(db, DAY, TZ)
    write_pdf(report, tmp_path / "kosong.pdf", "Toko Baru")
    write_xlsx(report, tmp_path / "kosong.xlsx")
    pages = _pdf_pages(tmp_path / "kosong.pdf")
    assert pages <= 2  # every section's heading, each saying "Tidak ada."
    text = _pdf_text(tmp_path / "kosong.pdf")
    assert "Semua transaksi (0)" in text and "Tidak ada." in text
    assert f"Halaman {pages}/{pages}" in text
    assert dict(_sheet_rows(tmp_path / "kosong.xlsx", "Ringkasan")[1:])["Diterima"] == 0
