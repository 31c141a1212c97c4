"""The Laporan screen (pytest-qt, offscreen) over a real SQLite day written by ``seed_day``: the
numbers on screen are the report's, a new date reloads and an older answer never overwrites a
newer one, a row about an order asks to open it, and the export buttons write their files
(the save dialog is patched)."""

from __future__ import annotations

import csv
import errno
import io
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog

from pos_app import reports
from pos_app.clock import from_iso
from pos_app.money import format_rupiah
from pos_app.reports import daily_report
from pos_app.ui.report import ReportScreen
from pos_app.ui.report.model import ORDER_ID_ROLE, RED
from pos_app.ui.report.screen import RECONCILIATION, save_error_text
from pos_app.ui.tasks import TaskManager
from tests.conftest import FakeClock
from tests.test_report_files import DAY, TZ, seed_day
from tests.waiting import WAIT_MS, qt_wait_for


@pytest.fixture
def tasks():
    manager = TaskManager()
    yield manager
    manager.shutdown()


@pytest.fixture
def today() -> FakeClock:
    """27 November 2026, 21:30 WIB: the shop is about to close."""
    clock = FakeClock()
    clock.now = clock.now.replace(hour=14, minute=30)
    return clock


def open_screen(qtbot, db, tasks: TaskManager, clock: FakeClock) -> ReportScreen:
    screen = ReportScreen(db, TZ, tasks, "Warung Bu Sri", clock=clock)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.show()
    return screen


def column(view, title: str) -> int:  # type: ignore[no-untyped-def]
    model = view.model()
    for c in range(model.columnCount()):
        if model.headerData(c, Qt.Orientation.Horizontal) == title:
            return c
    raise AssertionError(f"no column {title!r}")


def texts(view, title: str) -> list[str]:  # type: ignore[no-untyped-def]
    model, c = view.model(), column(view, title)
    return [model.index(r, c).data() for r in range(model.rowCount())]


def test_the_screen_shows_a_real_day_as_the_report_says(qtbot, db, tasks, today) -> None:
    seed_day(db, orders=200)
    screen = open_screen(qtbot, db, tasks, today)
    report = daily_report(db, DAY, TZ)
    assert screen.current_report == report
    assert screen.period.text() == "Jumat, 27 November 2026"
    for key in ("gross_sales", "discounts", "tax", "collected", "net_sales", "average_basket"):
        assert screen.tiles[key].value.text() == format_rupiah(report[key]), key
    assert screen.tiles["order_count"].value.text() == str(report["order_count"])
    assert screen.tiles["refunds"].value.text() == format_rupiah(report["refunds"]["amount"])
    assert format_rupiah(report["net_after_refunds"]) in screen.tiles["collected"].sub.text()

    # Payment methods: QRIS, then its providers indented under it, then the total.
    methods = screen.tables["methods"]
    names = texts(methods, "Metode")
    providers = report["qris_by_provider"]
    assert names[:2] == ["Tunai", "QRIS"] and names[-1] == "Total"
    assert len(names) == 3 + len(providers) and all(n.startswith("      ↳ ") for n in names[2:-1])
    assert texts(methods, "Jumlah")[1] == format_rupiah(report["by_payment_method"]["qris"]
                                                        ["amount"])
    assert texts(methods, "Jumlah")[-1] == format_rupiah(report["collected"])

    orders = screen.tables["orders"]
    assert orders.model().rowCount() == len(report["orders"]) == 200
    first = report["orders"][0]
    assert texts(orders, "No. pesanan")[0] == first["order_id"]
    local = from_iso(first["created_at"]).astimezone(TZ)  # stored UTC, shown WIB
    assert texts(orders, "Waktu")[0] == local.strftime("%H:%M") and local.hour >= 7
    assert texts(orders, "Jumlah")[0] == format_rupiah(first["amount"])
    assert screen.tabs.tabText(5) == "Daftar transaksi (200)"

    # A shift short of cash shows its difference in red.
    shifts = screen.tables["shifts"]
    c = column(shifts, "Selisih")
    assert texts(shifts, "Selisih") == ["-Rp 5.000", "Rp 2.000"]
    brush = shifts.model().index(0, c).data(Qt.ItemDataRole.ForegroundRole)
    assert brush.color().name() == RED
    assert shifts.model().index(1, c).data(Qt.ItemDataRole.ForegroundRole) is None

    assert texts(screen.tables["voids"], "Disetujui") == ["Pemilik"] * report["voids"]["count"]
    assert texts(screen.tables["refunds"], "Disetujui") == ["Pemilik"] * 3
    assert screen.hourly_view.chart() is not None and not screen.trend_view.isVisible()
    assert screen.today_button.isChecked() and not screen.next_button.isEnabled()


def test_sorting_the_orders_by_amount(qtbot, db, tasks, today) -> None:
    seed_day(db, orders=60)
    screen = open_screen(qtbot, db, tasks, today)
    orders = screen.tables["orders"]
    orders.sortByColumn(column(orders, "Jumlah"), Qt.SortOrder.DescendingOrder)
    amounts = [row["amount"] for row in orders.model().rows]
    assert amounts == sorted(amounts, reverse=True)
    # Rupiah sort as numbers, not as text ("Rp 9.000" < "Rp 15.000").
    assert texts(orders, "Jumlah")[0] == format_rupiah(max(amounts))


def test_a_new_date_reloads_and_an_older_answer_is_dropped(qtbot, db, tasks, today,
                                                           monkeypatch) -> None:
    seed_day(db, orders=40)
    seed_day(db, day=DAY - timedelta(days=1), orders=25, seed=3)
    screen = open_screen(qtbot, db, tasks, today)
    shown: list[str] = []
    screen.loaded.connect(lambda: shown.append(screen.current_report["date"]))

    # The first request is slow: the owner has picked another day before it is answered.
    real = reports.build_report
    started = threading.Event()
    calls: list[str] = []

    def slow_then_fast(db_: Any, first: Any, last: Any, tz: Any) -> dict[str, Any]:
        calls.append(first.isoformat())
        if len(calls) == 1:
            started.set()
            time.sleep(0.4)
        return real(db_, first, last, tz)

    monkeypatch.setattr(reports, "build_report", slow_then_fast)
    screen.show_day(DAY - timedelta(days=1))
    assert started.wait(10)
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.date_edit.setDate(QDate(2026, 11, 27))  # picked in the calendar
    qt_wait_for(qtbot, lambda: tasks.pending == 0, "both answers")
    assert calls == ["2026-11-26", "2026-11-27"]  # the first was built, then dropped
    assert shown == ["2026-11-27"]
    assert screen.current_report["order_count"] == daily_report(db, DAY, TZ)["order_count"]

    # Stepping back shows the day before, with its own numbers.
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.prev_button.click()
    assert screen.current_report["date"] == "2026-11-26"
    assert screen.tables["orders"].model().rowCount() == 25
    assert screen.yesterday_button.isChecked() and screen.next_button.isEnabled()
    assert screen.date_edit.date() == QDate(2026, 11, 26)


def test_a_request_superseded_before_it_starts_is_not_built(qtbot, db, tasks, today,
                                                            monkeypatch) -> None:
    screen = open_screen(qtbot, db, tasks, today)
    gate = threading.Event()
    tasks.read(gate.wait)  # the reader is busy: the next requests queue up
    calls: list[str] = []
    real = reports.build_report

    def counted(db_: Any, first: Any, last: Any, tz: Any) -> dict[str, Any]:
        calls.append(first.isoformat())
        return real(db_, first, last, tz)

    monkeypatch.setattr(reports, "build_report", counted)
    for back in (3, 2, 1):
        screen.show_day(DAY - timedelta(days=back))
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        gate.set()
    assert calls == ["2026-11-26"] and screen.current_report["date"] == "2026-11-26"


def test_ranges_show_the_trend_and_step_by_their_length(qtbot, db, tasks, today) -> None:
    for back in range(8):
        seed_day(db, day=DAY - timedelta(days=back), orders=10 + back, seed=back)
    screen = open_screen(qtbot, db, tasks, today)
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.week_button.click()
    report = screen.current_report
    assert (report["from"], report["to"]) == ("2026-11-21", "2026-11-27")
    assert len(report["days"]) == 7 and "date" not in report
    assert screen.period.text() == "21–27 November 2026"
    assert screen.week_button.isChecked() and screen.trend_view.isVisible()
    assert screen.trend_view.chart().series()  # bars and the line
    assert texts(screen.tables["orders"], "Waktu")[0].startswith("21/11 ")  # dates too

    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.step(-1)
    assert (screen.current_report["from"], screen.current_report["to"]) == ("2026-11-14",
                                                                            "2026-11-20")
    # Only the 20th of the seeded days is in that week.
    assert [d["date"] for d in screen.current_report["days"] if d["order_count"]] == [
        "2026-11-20"]

    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.month_button.click()
    assert (screen.current_report["from"], screen.current_report["to"]) == ("2026-11-01",
                                                                            "2026-11-27")
    assert screen.period.text() == "1–27 November 2026" and not screen.next_button.isEnabled()
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.step(-1)
    assert (screen.current_report["from"], screen.current_report["to"]) == ("2026-10-01",
                                                                            "2026-10-31")

    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.today_button.click()
    assert screen.current_report["date"] == "2026-11-27" and not screen.trend_view.isVisible()


def _double_click(qtbot, view, row: int) -> None:  # type: ignore[no-untyped-def]
    view.scrollTo(view.model().index(row, 1))
    rect = view.visualRect(view.model().index(row, 1))
    # A real double click: press and release, then the second press (QTest's mouseDClick
    # sends only the second half, and a view opens what the first press hit).
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_double_click_or_enter_on_an_order_asks_to_open_it(qtbot, db, tasks, today) -> None:
    seed_day(db, orders=80)
    screen = open_screen(qtbot, db, tasks, today)
    report = screen.current_report
    asked: list[str] = []
    screen.orderRequested.connect(asked.append)

    screen.tabs.setCurrentIndex(5)
    orders = screen.tables["orders"]
    with qtbot.waitSignal(screen.orderRequested, timeout=WAIT_MS) as signal:
        _double_click(qtbot, orders, 3)
    assert signal.args == [report["orders"][3]["order_id"]]

    orders.setCurrentIndex(orders.model().index(10, 0))
    with qtbot.waitSignal(screen.orderRequested, timeout=WAIT_MS) as signal:
        qtbot.keyClick(orders, Qt.Key.Key_Return)
    assert signal.args == [report["orders"][10]["order_id"]]

    # The reconciliation's rows about an order open it too; a bank credit is about no order.
    screen.tabs.setCurrentIndex(4)
    keys = [key for key, _title in RECONCILIATION]
    late = screen.tables["late"]
    screen.reconciliation_tabs.setCurrentIndex(keys.index("late"))
    assert late.model().rowCount() == len(report["reconciliation"]["late_payments"]) > 0
    with qtbot.waitSignal(screen.orderRequested, timeout=WAIT_MS) as signal:
        _double_click(qtbot, late, 0)
    assert signal.args == [late.model().index(0, 0).data(ORDER_ID_ROLE)]

    before = len(asked)
    credits = screen.tables["unmatched_credits"]
    screen.reconciliation_tabs.setCurrentIndex(keys.index("unmatched_credits"))
    assert credits.model().rowCount() == 3
    _double_click(qtbot, credits, 0)
    qtbot.wait(50)
    assert len(asked) == before


def test_reconciliation_opens_on_what_needs_a_look(qtbot, db, tasks, today) -> None:
    seed_day(db, orders=120)
    screen = open_screen(qtbot, db, tasks, today)
    rec = screen.current_report["reconciliation"]
    assert screen.reconciliation_tabs.currentIndex() == 0  # unmatched credits come first
    assert screen.reconciliation_tabs.tabText(3) == f"Cocok ({rec['matched']['count']})"
    assert screen.tables["matched"].model().rowCount() == rec["matched"]["count"]
    assert format_rupiah(rec["matched"]["amount"]) in screen.reconciliation_summary.text()


@pytest.fixture
def save_as(monkeypatch):  # type: ignore[no-untyped-def]
    """Answers the save dialog with the path a test puts in ``answer[0]``."""
    answer: list[str] = [""]
    asked: list[str] = []

    def fake(parent, caption, directory, filter_):  # type: ignore[no-untyped-def]
        asked.append(directory)
        return answer[0], filter_

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    return answer, asked


def test_export_buttons_write_pdf_excel_and_csv(qtbot, db, tasks, today, tmp_path: Path,
                                                save_as) -> None:
    import openpyxl

    seed_day(db, orders=90)
    screen = open_screen(qtbot, db, tasks, today)
    report = screen.current_report
    answer, asked = save_as
    folder = tmp_path / "Dokumen"
    folder.mkdir()

    def export(button, name: str) -> Path:  # type: ignore[no-untyped-def]
        answer[0] = str(folder / name)
        button.click()
        qt_wait_for(qtbot, lambda: not screen.exporting, f"writing {name}")
        assert screen.status.text().startswith("Disimpan"), screen.status.text()
        return folder / name

    pdf = export(screen.pdf_button, "harian.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert asked[-1].endswith("laporan-2026-11-27.pdf")  # the suggested name

    xlsx = export(screen.xlsx_button, "harian")  # the owner typed no extension
    xlsx = xlsx.with_name("harian.xlsx")
    book = openpyxl.load_workbook(xlsx)
    summary = {r[0]: r[1] for r in book["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    assert summary["Diterima"] == report["collected"]
    assert book["Transaksi"].max_row == 1 + len(report["orders"])

    out = export(screen.csv_button, "harian.csv")
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["section", "key", "count", "amount"]
    assert ["summary", "collected", "", str(report["collected"])] in rows
    # Nothing else: no temporary file is left behind.
    assert sorted(p.name for p in folder.iterdir()) == ["harian.csv", "harian.pdf",
                                                        "harian.xlsx"]

    answer[0] = ""  # Batal in the dialog: nothing happens
    screen.pdf_button.click()
    assert not screen.exporting


def test_a_failed_export_says_why_in_indonesian(qtbot, db, tasks, today, tmp_path: Path,
                                                save_as) -> None:
    screen = open_screen(qtbot, db, tasks, today)
    answer, _asked = save_as
    answer[0] = str(tmp_path / "flashdisk" / "laporan.xlsx")  # the stick was pulled out
    screen.xlsx_button.click()
    qt_wait_for(qtbot, lambda: screen.message_box is not None, "the error message")
    assert "tidak ada" in screen.message_box.text()
    assert "flashdisk" in screen.status.text() and not screen.exporting
    assert screen.xlsx_button.isEnabled()
    screen.message_box.close()

    path = Path("/media/kasir/laporan.pdf")
    full = save_error_text(OSError(errno.ENOSPC, "No space left on device"), path)
    assert full.startswith("Disk penuh: laporan.pdf tidak bisa disimpan")
    denied = save_error_text(PermissionError(errno.EACCES, "Permission denied"), path)
    assert denied.startswith("Tidak ada izin menulis ke folder /media/kasir")
    assert "hanya bisa dibaca" in save_error_text(OSError(errno.EROFS, "Read-only"), path)
    assert "I/O" in save_error_text(OSError(errno.EIO, "I/O error"), path)


def test_a_day_without_sales(qtbot, db, tasks, today) -> None:
    screen = open_screen(qtbot, db, tasks, today)
    assert screen.current_report["order_count"] == 0
    assert screen.tiles["collected"].value.text() == "Rp 0"
    assert screen.tables["orders"].model().rowCount() == 0
    assert "belum ada penjualan" in screen.hourly_view.chart().title()


def test_the_screen_opens_on_the_day_it_is_given(qtbot, db, tasks, today) -> None:  # type: ignore[no-untyped-def]
    """The till passes its open shift's day: at 01:30 the night still belongs to yesterday."""
    yesterday = today().astimezone(TZ).date() - timedelta(days=1)
    screen = ReportScreen(db, TZ, tasks, "Warung Bu Sri", clock=today, day=yesterday)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.show()
    assert screen.current_report is not None
    assert screen.current_report["date"] == yesterday.isoformat()
