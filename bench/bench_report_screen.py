"""How long the owner's report screen takes on a year of a busy shop; prints one JSON object.

The history is bench/_history.py's, as in bench_report.py: ``--days`` days x ``--per-day``
orders of 3 lines (QRIS with matched credits, refunds, voids, two shifts a day). ``--db FILE``
keeps it in FILE and reuses it (built there when FILE does not exist yet). The database is
opened as the till opens it (``open_database``, no integrity check at open), the screen gets
one ``TaskManager`` (the till's reader thread), Indonesian texts, the app's font and style.

The day is bench_report.py's, in the middle of the history; the screen's clock says 22:30 of
that day (the shop has just closed). Each run, on the GUI thread of one QApplication:

* ``open``: ``ReportScreen(db, tz, tasks, store_name, clock=...)`` is constructed and shown;
  timed from before the constructor until its ``loaded`` signal (it shows today: the day).
  Target < 300 ms (the issue's).
* ``step``: "‹" (``prev_button.click()``, as Alt+Left) to the day before, until ``loaded``.
  It shows a day too, so the same target.
* ``month``: the clock moves on to 22:30 on the last day of that month, then "Bulan ini"
  (``month_button.click()``): the whole month (30 days, bench_report.py's ``month_ms``
  range), until ``loaded``. No target of its own; for scale.

Each of these also gives ``*_painted_ms`` (two ``processEvents()`` after ``loaded``: the
layout and paint it posted, as bench_window.py does) and ``*_fill_ms`` (the GUI thread's
``ReportScreen._show``: filling tiles, tables and charts, part of the time to ``loaded``).
After every step the screen must show what was asked: the date(s), the order count and the
order list of ``pos_app.reports`` for those days, else the bench fails.

Then the day's files from ``daily_report(db, day, tz)``: ``pdf`` is
``pos_app.ui.report.pdf.write_pdf(report, path, store_name)`` on the GUI thread (so it renders
the chart images itself), target < 2 s; ``xlsx`` is ``pos_app.report_xlsx.write_xlsx``.

Every figure is the median (and max) of ``--runs`` runs after one cold run, reported apart
(``*_cold_ms``: the first screen of the process, QtCharts and fonts still to load).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_report_screen.py
     [--db FILE] [--runs 7] [--days 365] [--per-day 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _history import history_db  # noqa: E402
from _qt_timing import run_header  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from pos_app.clock import zone  # noqa: E402
from pos_app.report_xlsx import write_xlsx  # noqa: E402
from pos_app.reports import build_report, daily_report  # noqa: E402
from pos_app.ui.app import apply_look  # noqa: E402
from pos_app.ui.report.pdf import write_pdf  # noqa: E402
from pos_app.ui.report.screen import ReportScreen, month_span  # noqa: E402
from pos_app.ui.tasks import TaskManager  # noqa: E402

FIRST_DAY = date(2025, 12, 1)  # bench_report.py's
STORE = "Warung Bu Ani"
CLOSING = dtime(22, 30)  # local: the last sale of a day is before 22:00
WAIT_S = 60.0
TARGETS = {"open_ms": 300, "step_ms": 300, "pdf_ms": 2000}


class Clock:
    """The screen's clock (UTC), moved by the bench."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.now = datetime.now(UTC)

    def at(self, day: date) -> None:
        self.now = datetime.combine(day, CLOSING, self.tz).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now


class Watch:
    """When each ``loaded`` of one screen fired, and how long its ``_show`` took."""

    def __init__(self, screen: ReportScreen) -> None:
        self.loaded_at: list[float] = []
        self.fill_s: list[float] = []
        self._loop: QEventLoop | None = None
        screen.loaded.connect(self._loaded)
        show = screen._show

        def timed_show(report: dict[str, Any]) -> None:
            t = time.perf_counter()
            show(report)
            self.fill_s.append(time.perf_counter() - t)

        screen._show = timed_show  # type: ignore[method-assign]  # instrumentation only

    def _loaded(self) -> None:
        self.loaded_at.append(time.perf_counter())
        if self._loop is not None:
            self._loop.quit()

    def wait(self, n: int) -> float:
        """perf_counter() of the ``n``-th ``loaded`` (runs the event loop until then)."""
        if len(self.loaded_at) < n:
            self._loop = QEventLoop()
            timeout = QTimer()
            timeout.setSingleShot(True)
            timeout.timeout.connect(self._loop.quit)
            timeout.start(int(WAIT_S * 1000))
            self._loop.exec()
            timeout.stop()
            self._loop = None
        if len(self.loaded_at) < n:
            raise RuntimeError(f"report screen: load #{n} not shown in {WAIT_S} s")
        return self.loaded_at[n - 1]


def settle() -> float:
    """Let the screen lay out and paint what it posted; perf_counter() after."""
    QApplication.processEvents()
    QApplication.processEvents()
    return time.perf_counter()


def check_shown(screen: ReportScreen, expected: dict[str, Any], what: str) -> None:
    """The screen shows the report of the days asked for, whole (else the bench fails)."""
    shown = screen.current_report
    assert shown is not None, f"{what}: nothing shown"
    keys = ("from", "to", "order_count", "gross_sales", "collected", "net_after_refunds")
    for key in (*keys, "date") if "date" in expected else keys:
        assert shown.get(key) == expected[key], (
            f"{what}: {key} is {shown.get(key)!r}, expected {expected[key]!r}")
    assert ("date" in shown) == ("date" in expected), f"{what}: a day and a range mixed up"
    rows = screen.tables["orders"].rows_model.rowCount()
    assert rows == len(expected["orders"]), f"{what}: {rows} orders listed"
    assert not screen.loading, f"{what}: still loading"


def one_run(db: Any, tz: ZoneInfo, tasks: TaskManager, clock: Clock, day: date,
            expected: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Open the day, step back a day, then "Bulan ini" on the month's last day; ms each."""
    out: dict[str, float] = {}
    clock.at(day)
    t0 = time.perf_counter()
    screen = ReportScreen(db, tz, tasks, STORE, clock=clock)
    screen.show()
    watch = Watch(screen)
    loaded = watch.wait(1)
    out.update(open_ms=loaded - t0, open_painted_ms=settle() - t0)
    check_shown(screen, expected["day"], "open")

    t0 = time.perf_counter()
    screen.prev_button.click()
    loaded = watch.wait(2)
    out.update(step_ms=loaded - t0, step_painted_ms=settle() - t0)
    check_shown(screen, expected["previous"], "step")

    clock.at(month_span(day, date.max)[1])  # the month's last day, the shop just closed
    t0 = time.perf_counter()
    screen.month_button.click()
    loaded = watch.wait(3)
    out.update(month_ms=loaded - t0, month_painted_ms=settle() - t0)
    check_shown(screen, expected["month"], "month")
    assert screen.month_button.isChecked(), "month: 'Bulan ini' not checked"
    assert len(watch.loaded_at) == 3, f"{len(watch.loaded_at)} loads for 3 requests"

    out.update(open_fill_ms=watch.fill_s[0], step_fill_ms=watch.fill_s[1],
               month_fill_ms=watch.fill_s[2])
    screen.reject()  # closed as the owner closes it (finished: its file thread stops)
    screen.deleteLater()
    QApplication.processEvents()
    return {k: v * 1000 for k, v in out.items()}


def timed_file(write: Callable[[Path], None], path: Path) -> float:
    path.unlink(missing_ok=True)
    t = time.perf_counter()
    write(path)
    return (time.perf_counter() - t) * 1000


def summary(samples: list[float]) -> dict[str, float]:
    """Cold (the first), then the median and max of the rest."""
    rest = samples[1:]
    return {"cold": round(samples[0], 1), "median": round(statistics.median(rest), 1),
            "max": round(max(rest), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--db", type=Path, help="keep the history in FILE and reuse it")
    a = ap.parse_args()
    header = run_header("report_screen")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("pos-app")
    apply_look(app)  # before the widgets exist, as pos_app.ui.app.run does
    with tempfile.TemporaryDirectory(prefix="pos-bench-report-screen-") as tmp:
        path = a.db or Path(tmp) / "pos.sqlite3"
        db, build_s = history_db(path, days=a.days, per_day=a.per_day, first=FIRST_DAY)
        tz = zone("Asia/Jakarta")
        day = FIRST_DAY + timedelta(days=a.days // 2)
        first, last = month_span(day, date.max)  # the whole month
        expected = {"day": daily_report(db, day, tz),
                    "previous": daily_report(db, day - timedelta(days=1), tz),
                    "month": build_report(db, first, last, tz)}
        orders = int(db.scalar("SELECT count(*) FROM orders"))
        assert expected["day"]["order_count"] >= 0.9 * a.per_day, "the day is not a busy one"

        tasks = TaskManager()
        runs = [one_run(db, tz, tasks, Clock(tz), day, expected) for _ in range(a.runs + 1)]

        report = expected["day"]
        pdf, xlsx = Path(tmp) / "laporan.pdf", Path(tmp) / "laporan.xlsx"
        pdf_ms = [timed_file(lambda p: write_pdf(report, p, STORE), pdf)
                  for _ in range(a.runs + 1)]
        xlsx_ms = [timed_file(lambda p: write_xlsx(report, p), xlsx) for _ in range(a.runs + 1)]
        pdf_data = pdf.read_bytes()
        assert pdf_data.startswith(b"%PDF"), "not a PDF"
        pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf_data))
        with zipfile.ZipFile(xlsx) as z:
            sheets = sum(n.startswith("xl/worksheets/sheet") for n in z.namelist())
        xlsx_bytes = xlsx.stat().st_size
        tasks.shutdown()
        db.close()
        db_bytes = path.stat().st_size

    stats = {k: summary([r[k] for r in runs]) for k in runs[0]}
    pdf_stats, xlsx_stats = summary(pdf_ms), summary(xlsx_ms)
    result: dict[str, Any] = {
        **header,
        "db_bytes": db_bytes,
        "orders": orders,
        "build_s": round(build_s, 1),
        "runs": a.runs,
        "day": day.isoformat(),
        "day_orders": expected["day"]["order_count"],
        "day_orders_listed": len(expected["day"]["orders"]),
        "step_to": (day - timedelta(days=1)).isoformat(),
        "month": f"{first} .. {last}",
        "month_orders": expected["month"]["order_count"],
    }
    for k in ("open", "step", "month"):
        result.update({
            f"{k}_ms": stats[f"{k}_ms"]["median"], f"{k}_max_ms": stats[f"{k}_ms"]["max"],
            f"{k}_cold_ms": stats[f"{k}_ms"]["cold"],
            f"{k}_painted_ms": stats[f"{k}_painted_ms"]["median"],
            f"{k}_fill_ms": stats[f"{k}_fill_ms"]["median"],
        })
    result.update({
        "pdf_ms": pdf_stats["median"], "pdf_max_ms": pdf_stats["max"],
        "pdf_cold_ms": pdf_stats["cold"], "pdf_bytes": len(pdf_data), "pdf_pages": pages,
        "xlsx_ms": xlsx_stats["median"], "xlsx_max_ms": xlsx_stats["max"],
        "xlsx_cold_ms": xlsx_stats["cold"], "xlsx_bytes": xlsx_bytes, "xlsx_sheets": sheets,
        "targets": TARGETS,
        "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
    })
    result["targets_met"] = all(result[k] < v for k, v in TARGETS.items())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
