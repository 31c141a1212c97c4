"""The Laporan screen's outlet selector (issue 14), pytest-qt offscreen, against a real central
PostgreSQL (tests/pg_cluster.py) filled by three real tills (the ``chain`` of
tests/test_central_reports.py: "Toko Bandung" with K1 and K2, "Toko Surabaya" with K1).

What must hold:

* without ``central.url`` (or without settings) the screen is as before: no selector, no
  "Per outlet" tab;
* with it the selector lists "Toko ini", "Semua outlet" and the outlets; "Toko ini" (this
  till's SQLite) is shown first;
* an outlet shows what ``build_central_report`` says of it; "Semua outlet" adds the per-outlet
  table whose total row is the sum of the outlets (and the tiles); a week lists no orders and
  says so; CSV saves ``central_report_csv``; PDF and Excel are disabled for a central report;
* everything central runs on a worker thread of the screen's own -- neither the GUI thread nor
  the till's reader ever waits for PostgreSQL;
* a server that can't be reached: "Pusat tidak terjangkau", disabled, the reason (never the
  password) as its tooltip, and the till's own report still works; a report that fails says
  why and keeps the last one; a connection the server dropped is opened again.
"""

from __future__ import annotations

import csv
import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from PySide6.QtCore import Qt

from pos_app.central.reports import build_central_report, central_report_csv
from pos_app.money import format_rupiah
from pos_app.reports import build_report
from pos_app.settings import Settings
from pos_app.ui.report import ReportScreen, outlets
from pos_app.ui.report.model import number_text
from pos_app.ui.tasks import TaskManager
from tests.conftest import FakeClock
from tests.test_central_reports import (  # noqa: F401  (chain: the fixture)
    BANDUNG,
    DAY,
    NEXT,
    SURABAYA,
    TZ,
    Chain,
    at,
    chain,
)
from tests.test_report_files import seed_day
from tests.test_ui_report import _double_click, column, save_as, texts  # noqa: F401
from tests.waiting import WAIT_MS, qt_wait_for

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture
def tasks() -> Iterator[TaskManager]:
    manager = TaskManager()
    yield manager
    manager.shutdown()


@pytest.fixture
def evening() -> FakeClock:
    """The day after the chain's day, 21:00 WIB: "Kemarin" is the chain's busy day."""
    return FakeClock(at(NEXT, 21))


def settings_for(data: Path, url: str = "", user: str = "", password: str = "") -> Settings:
    data.mkdir(exist_ok=True)
    settings = Settings.load(data)
    settings.set("store.timezone", "Asia/Jakarta")
    for key, value in (("central.url", url), ("central.user", user),
                       ("central.password", password)):
        if value:
            settings.set(key, value)
    return settings


def owner_settings(chain: Chain, data: Path) -> Settings:  # noqa: F811
    """The owner's PC: the URL without a password, the login in central.user, the password
    in the secret store."""
    user, password = chain.db.login("boss", "pos_owner")
    return settings_for(data, chain.db.cluster.url(chain.db.dbname, user=None), user, password)


def open_screen(qtbot, db, tasks: TaskManager, clock: FakeClock,  # type: ignore[no-untyped-def]
                settings: Settings | None, day: date | None = DAY) -> ReportScreen:
    screen = ReportScreen(db, TZ, tasks, "Toko Bandung", clock=clock, day=day,
                          settings=settings)
    qtbot.addWidget(screen)
    if screen.outlet_box is None:
        with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
            screen.show()
        return screen
    with qtbot.waitSignals([screen.loaded, screen.outletsLoaded], timeout=WAIT_MS):
        screen.show()
    return screen


def entries(screen: ReportScreen) -> list[str]:
    box = screen.outlet_box
    assert box is not None
    return [box.itemText(i) for i in range(box.count())]


def pick(qtbot, screen: ReportScreen, text: str) -> None:  # type: ignore[no-untyped-def]
    """Choose ``text`` in the selector as the owner would, and wait for its report."""
    box = screen.outlet_box
    assert box is not None
    index = box.findText(text)
    assert index >= 0, (text, entries(screen))
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        box.setCurrentIndex(index)


def central(chain: Chain, first: date, last: date, outlet: str,  # noqa: F811
            detail: bool = True) -> dict[str, Any]:
    with chain.owner() as conn:
        return build_central_report(conn, first, last, TZ, outlet, detail=detail)


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, threading.Thread]]:
    """Every connect, outlet list and central report the screen asks for, with the thread it
    ran on (the real functions do the work)."""
    seen: list[tuple[str, threading.Thread]] = []
    for name in ("connect", "outlet_names", "build_central_report"):
        real = getattr(outlets, name)

        def wrapper(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            seen.append((_name, threading.current_thread()))
            return _real(*args, **kw)

        monkeypatch.setattr(outlets, name, wrapper)
    return seen


def reader_thread(qtbot, tasks: TaskManager) -> threading.Thread:  # type: ignore[no-untyped-def]
    """The till's reader thread (catalogue searches, its own report)."""
    got: list[threading.Thread] = []
    tasks.read(threading.current_thread, got.append)
    qt_wait_for(qtbot, lambda: got, "the reader thread")
    return got[0]


def assert_off_the_gui(qtbot, tasks: TaskManager,  # type: ignore[no-untyped-def]
                       threads: list[tuple[str, threading.Thread]]) -> None:
    till_reader = reader_thread(qtbot, tasks)
    assert threads, "the screen asked the central server for nothing"
    for name, thread in threads:
        assert thread is not threading.main_thread(), f"{name} ran on the GUI thread"
        assert thread is not till_reader, f"{name} held up the till's reader thread"


# -- without a central server ------------------------------------------------------------------

def test_without_central_url_there_is_no_selector(qtbot, db, tasks, evening,
                                                  tmp_path: Path) -> None:
    for settings in (None, settings_for(tmp_path / "till")):
        screen = open_screen(qtbot, db, tasks, evening, settings)
        assert screen.outlet_box is None and screen.central is None
        assert screen.outlets_page is None and screen.tabs.count() == 6
        assert screen.tabs.tabText(5) == "Daftar transaksi"
        assert "outlet" not in screen.current_report
        assert screen.period.text() == "Minggu, 6 Desember 2026"  # no outlet named
        assert screen.pdf_button.isEnabled() and screen.xlsx_button.isEnabled()
        screen.close()


# -- the owner's PC --------------------------------------------------------------------------------

def test_the_selector_lists_the_outlets_and_an_outlet_shows_its_report(
        qtbot, chain, tasks, evening, tmp_path: Path, threads) -> None:  # noqa: F811
    till = chain.of(BANDUNG)[0]  # this till: Toko Bandung's K1
    screen = open_screen(qtbot, till.db, tasks, evening, owner_settings(chain, tmp_path / "o"))
    assert entries(screen) == ["Toko ini", "Semua outlet", BANDUNG, SURABAYA]
    assert screen.outlet_box.currentText() == "Toko ini" and screen.outlet is None
    assert screen.current_report == build_report(till.db, DAY, DAY, TZ)  # its own SQLite
    assert screen.period.text() == "Minggu, 6 Desember 2026 · Toko ini"
    assert not screen.tabs.isTabVisible(screen.tabs.indexOf(screen.outlets_page))

    pick(qtbot, screen, SURABAYA)
    want = central(chain, DAY, DAY, SURABAYA)
    assert screen.current_report == want and want["outlet"] == SURABAYA
    assert screen.period.text() == f"Minggu, 6 Desember 2026 · {SURABAYA}"
    for key in ("gross_sales", "discounts", "tax", "collected", "net_sales", "average_basket"):
        assert screen.tiles[key].value.text() == format_rupiah(want[key]), key
    assert screen.tiles["order_count"].value.text() == number_text(want["order_count"])
    assert screen.tiles["refunds"].value.text() == format_rupiah(want["refunds"]["amount"])
    orders = screen.tables["orders"]
    assert orders.model().rowCount() == len(want["orders"]) > 0
    assert set(texts(orders, "Outlet")) == {SURABAYA}  # the orders name their outlet
    assert sorted(texts(orders, "No. pesanan")) == sorted(o["order_id"] for o in want["orders"])
    assert set(texts(screen.tables["shifts"], "Outlet")) == {SURABAYA}
    # One outlet: no per-outlet table.
    assert not screen.tabs.isTabVisible(screen.tabs.indexOf(screen.outlets_page))
    # PDF and Excel are this till's report only; CSV saves a central one.
    assert not screen.pdf_button.isEnabled() and not screen.xlsx_button.isEnabled()
    assert "CSV" in screen.pdf_button.toolTip() and screen.csv_button.isEnabled()
    # Another outlet's order does not open in this till's Riwayat.
    asked: list[str] = []
    screen.orderRequested.connect(asked.append)
    screen.tabs.setCurrentWidget(screen.orders_page)
    _double_click(qtbot, orders, 0)
    qtbot.wait(50)
    assert asked == [] and "tidak dibuka di Riwayat" in screen.orders_hint.text()

    # Its day after: the days step as before, the outlet stays.
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.step(1)
    assert screen.current_report == central(chain, NEXT, NEXT, SURABAYA)

    # Back to this till's own report: as without a selector.
    pick(qtbot, screen, "Toko ini")
    assert screen.current_report == build_report(till.db, NEXT, NEXT, TZ)
    assert "Outlet" not in [c.title for c in screen.tables["orders"].rows_model.columns]
    assert screen.pdf_button.isEnabled() and screen.xlsx_button.isEnabled()
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.step(-1)
    with qtbot.waitSignal(screen.orderRequested, timeout=WAIT_MS):  # its own orders open
        _double_click(qtbot, screen.tables["orders"], 0)
    assert_off_the_gui(qtbot, tasks, threads)
    assert {name for name, _t in threads} == {"connect", "outlet_names",
                                               "build_central_report"}
    # One connection, kept from the outlet list to the last report; closed with the screen.
    assert [name for name, _t in threads].count("connect") == 1
    assert screen_backends(chain) == 1
    screen.close()
    qt_wait_for(qtbot, lambda: screen_backends(chain) == 0, "the screen's connection closed")


def screen_backends(chain: Chain) -> int:  # noqa: F811
    """The server's sessions opened by pos-app's connect (the screen's; the test's own
    connections and the tills' uploads were made otherwise)."""
    with chain.db.connect() as conn:
        return int(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                                " current_database() AND application_name = 'pos-app'"
                                ).fetchone()[0])


def test_all_outlets_show_the_per_outlet_table_and_a_total(
        qtbot, chain, tasks, evening, tmp_path: Path, threads, save_as) -> None:  # noqa: F811
    till = chain.of(BANDUNG)[0]
    screen = open_screen(qtbot, till.db, tasks, evening, owner_settings(chain, tmp_path / "o"))
    pick(qtbot, screen, "Semua outlet")
    want = central(chain, DAY, DAY, "all")
    assert screen.current_report == want
    assert screen.period.text() == "Minggu, 6 Desember 2026 · Semua outlet"

    page = screen.outlets_page
    assert screen.tabs.currentWidget() is page  # opened on the outlets
    assert screen.tabs.tabText(screen.tabs.indexOf(page)) == "Per outlet (2)"
    view = screen.tables["outlets"]
    names = texts(view, "Outlet")
    assert names == [BANDUNG, SURABAYA, "Total"]
    per = {o["outlet"]: o for o in want["outlets"]}
    figures = {
        "Transaksi": lambda o: o["order_count"],
        "Penjualan bersih": lambda o: o["net_sales"],
        "Diterima": lambda o: o["collected"],
        "Tunai": lambda o: o["by_payment_method"]["cash"]["amount"],
        "QRIS": lambda o: o["by_payment_method"]["qris"]["amount"],
        "Pengembalian": lambda o: o["refunds"],
    }
    for title, figure in figures.items():
        shown = texts(view, title)
        as_text = number_text if title == "Transaksi" else format_rupiah
        assert shown[:2] == [as_text(figure(per[n])) for n in (BANDUNG, SURABAYA)], title
        total = sum(figure(o) for o in want["outlets"])
        assert shown[2] == as_text(total), title  # the total row is the outlets' sum
    assert texts(view, "Diterima")[2] == screen.tiles["collected"].value.text()
    assert texts(view, "Transaksi")[2] == screen.tiles["order_count"].value.text()
    assert sum(o["net_sales"] for o in want["outlets"]) == want["net_sales"]
    assert texts(view, "Porsi")[2] == "100,0%"
    # Sorted by a figure, the total stays last.
    view.sortByColumn(column(view, "Diterima"), Qt.SortOrder.AscendingOrder)
    assert texts(view, "Outlet")[-1] == "Total"

    # Every order of the day, each with its outlet (both have a K1-20261206-0001).
    orders = screen.tables["orders"]
    assert orders.model().rowCount() == len(want["orders"])
    assert set(texts(orders, "Outlet")) == {BANDUNG, SURABAYA}
    both = [o for o, n in zip(texts(orders, "Outlet"), texts(orders, "No. pesanan"),
                              strict=True) if n == "K1-20261206-0001"]
    assert sorted(both) == [BANDUNG, SURABAYA]
    assert set(texts(screen.tables["cashiers"], "Outlet")) == {BANDUNG, SURABAYA}

    # CSV: the central report's own CSV (PDF and Excel are not offered).
    answer, asked = save_as
    answer[0] = str(tmp_path / "pusat.csv")
    screen.csv_button.click()
    qt_wait_for(qtbot, lambda: not screen.exporting, "writing the CSV")
    assert screen.status.text().startswith("Disimpan"), screen.status.text()
    assert asked[-1].endswith("laporan-semua-outlet-2026-12-06.csv")
    written = (tmp_path / "pusat.csv").read_bytes().decode("utf-8")  # as written: CRLF
    assert written == central_report_csv(want)
    rows = list(csv.reader(io.StringIO(written)))
    assert ["scope", "outlet", "", "all"] in rows
    assert not screen.pdf_button.isEnabled() and not screen.xlsx_button.isEnabled()

    # A week of the chain: counted, not listed order by order; the screen says so.
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.week_button.click()
    week = central(chain, NEXT - timedelta(days=6), NEXT, "all", detail=False)
    assert screen.current_report == week and week["order_count"] > 0
    assert orders.model().rowCount() == 0
    assert "pilih satu hari" in screen.orders_hint.text()
    matched = week["reconciliation"]["matched"]["count"]
    assert matched > 0
    assert screen.reconciliation_tabs.tabText(3) == f"Cocok ({matched})"
    assert "hanya ada di laporan satu hari" in screen.reconciliation_summary.text()
    assert screen.tabs.currentWidget() is page  # still on the outlets
    assert texts(view, "Transaksi")[-1] == number_text(week["order_count"])

    # Leaving "Semua outlet" hides the table, and the screen is on the summary again.
    pick(qtbot, screen, BANDUNG)
    assert not screen.tabs.isTabVisible(screen.tabs.indexOf(page))
    assert screen.tabs.currentWidget() is screen.summary_page
    assert screen.current_report == central(chain, NEXT - timedelta(days=6), NEXT, BANDUNG,
                                            detail=False)
    assert_off_the_gui(qtbot, tasks, threads)


@pytest.mark.skipif(not os.environ.get("POS_APP_SCREENSHOTS"),
                    reason="POS_APP_SCREENSHOTS=1 writes docs/screenshot-report-outlets.png")
def test_screenshot(qtbot, qapp, chain, tasks, evening, tmp_path: Path) -> None:  # noqa: F811
    from pos_app.ui.app import apply_look

    font, sheet = qapp.font(), qapp.styleSheet()
    apply_look(qapp)  # as the till looks (app.qss); restored for the tests after this one
    try:
        till = chain.of(BANDUNG)[0]
        screen = open_screen(qtbot, till.db, tasks, evening,
                             owner_settings(chain, tmp_path / "o"))
        screen.resize(1366, 768)
        pick(qtbot, screen, "Semua outlet")
        qtbot.wait(200)
        assert screen.width() == 1366 and screen.height() == 768, screen.size()
        screen.grab().save(str(DOCS / "screenshot-report-outlets.png"))
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setFont(font)


# -- an enrolled till ------------------------------------------------------------------------------

def test_an_enrolled_till_sees_its_own_outlet(qtbot, chain, tasks, evening,  # noqa: F811
                                              tmp_path: Path) -> None:
    parts = urlsplit(chain.till_urls[f"{SURABAYA}/K1"])
    (till,) = chain.of(SURABAYA)
    settings = settings_for(tmp_path / "till",
                            chain.db.cluster.url(chain.db.dbname, user=None),
                            parts.username or "", parts.password or "")
    screen = open_screen(qtbot, till.db, tasks, evening, settings)
    assert entries(screen) == ["Toko ini", "Semua outlet", SURABAYA]  # its role sees one
    pick(qtbot, screen, "Semua outlet")
    assert screen.current_report["order_count"] == central(chain, DAY, DAY, SURABAYA)[
        "order_count"]
    assert texts(screen.tables["outlets"], "Outlet") == [SURABAYA, "Total"]


# -- the GUI never waits ---------------------------------------------------------------------------

def test_the_gui_thread_never_waits_for_the_central_server(
        qtbot, chain, tasks, evening, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    till = chain.of(BANDUNG)[0]
    screen = open_screen(qtbot, till.db, tasks, evening, owner_settings(chain, tmp_path / "o"))
    started, gate = threading.Event(), threading.Event()
    ran_on: list[threading.Thread] = []
    real = outlets.build_central_report

    def slow(*args: Any, **kw: Any) -> dict[str, Any]:
        ran_on.append(threading.current_thread())
        started.set()
        gate.wait(20)  # a server across town, slow today
        return real(*args, **kw)

    monkeypatch.setattr(outlets, "build_central_report", slow)
    box = screen.outlet_box
    before = time.monotonic()
    box.setCurrentIndex(box.findText(SURABAYA))
    assert time.monotonic() - before < 2  # picking returned at once: nothing waited
    assert started.wait(20)
    assert screen.loading and screen.status.text() == "Memuat…"
    # Meanwhile the till's reader answers (a catalogue search would not wait) and the GUI
    # thread keeps handling events.
    assert reader_thread(qtbot, tasks) is not ran_on[0]
    assert ran_on[0] is not threading.main_thread()
    qtbot.wait(100)
    assert "outlet" not in screen.current_report  # the last report, until the new one
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        gate.set()
    assert screen.current_report == central(chain, DAY, DAY, SURABAYA)
    assert not screen.loading and screen.status.text() == ""


# -- failures --------------------------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_leaves_this_tills_report(qtbot, db, tasks, evening,
                                                       tmp_path: Path) -> None:
    seed_day(db, day=DAY, orders=30)
    secret = "s3cret-Pa55word"
    settings = settings_for(tmp_path / "o", f"postgresql://127.0.0.1:{_closed_port()}/pos",
                            "owner", secret)
    screen = open_screen(qtbot, db, tasks, evening, settings)
    assert entries(screen) == ["Toko ini", "Pusat tidak terjangkau"]
    box = screen.outlet_box
    item = box.model().item(1)
    assert not item.isEnabled()  # can't be chosen
    reason = item.toolTip()
    assert "Server pusat tidak dapat dihubungi" in reason and "cannot reach" in reason
    assert "F5" in reason and secret not in reason and box.toolTip() == reason
    assert box.currentIndex() == 0 and screen.outlet is None
    assert screen.outlets_state == "failed"
    # The till's own report works as without a central server.
    assert screen.current_report == build_report(db, DAY, DAY, TZ)
    assert screen.current_report["order_count"] > 0
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.step(-1)
    assert screen.current_report["date"] == (DAY - timedelta(days=1)).isoformat()
    assert screen.pdf_button.isEnabled()
    # F5 tries the server again (still nobody there).
    with qtbot.waitSignals([screen.loaded, screen.outletsLoaded], timeout=WAIT_MS):
        screen.refresh()
    assert entries(screen) == ["Toko ini", "Pusat tidak terjangkau"]


def test_a_failed_central_report_keeps_the_last_one(qtbot, chain, tasks, evening,  # noqa: F811
                                                    tmp_path: Path, monkeypatch) -> None:
    till = chain.of(BANDUNG)[0]
    screen = open_screen(qtbot, till.db, tasks, evening, owner_settings(chain, tmp_path / "o"))
    pick(qtbot, screen, SURABAYA)
    shown = screen.current_report

    def refused(*_args: Any, **_kw: Any) -> dict[str, Any]:
        raise psycopg.errors.InsufficientPrivilege("permission denied for table orders")

    real = outlets.build_central_report
    monkeypatch.setattr(outlets, "build_central_report", refused)
    box = screen.outlet_box
    box.setCurrentIndex(box.findText("Semua outlet"))
    qt_wait_for(qtbot, lambda: not screen.loading, "the failure")
    assert screen.status.text() == ("Laporan pusat tidak bisa dimuat: Server pusat menolak "
                                    "laporan ini: login ini tidak boleh membacanya.")
    assert "permission denied" in screen.status.toolTip()
    assert screen.current_report is shown  # the last report stays
    assert screen.tiles["collected"].value.text() == format_rupiah(shown["collected"])

    # The server drops the screen's connection (a restart, an idle timeout): the next report
    # opens a new one, and F5 gets the report that failed.
    monkeypatch.setattr(outlets, "build_central_report", real)
    with chain.db.connect(autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                      " AND application_name = 'pos-app'")
    with qtbot.waitSignal(screen.loaded, timeout=WAIT_MS):
        screen.refresh()
    assert screen.current_report == central(chain, DAY, DAY, "all")
    assert screen.status.text() == ""

    # An outlet the server no longer knows (removed since the list was loaded): by name.
    screen.outlet = "toko-malang"
    screen.refresh()
    qt_wait_for(qtbot, lambda: not screen.loading, "the failure")
    assert screen.current_report["outlet"] == "all"
    assert screen.status.text() == ("Laporan pusat tidak bisa dimuat: Outlet toko-malang tidak "
                                    "ada di server pusat.")
