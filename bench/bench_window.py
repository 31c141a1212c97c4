"""Benchmark of the real cashier window, in-process and offscreen; prints one JSON object.

Two targets:

* search: "Search-as-you-type over 20,000 products keeps every keystroke under 30 ms in the
  window". Realistic queries are typed one character at a time with ``QTest.keyClick`` into
  ``window.search_input`` (the window searches on ``textEdited``, on its db-reader thread).
  One keystroke is timed from just before ``keyClick`` until the window's ``searchShown(seq)``
  signal fired for that keystroke's sequence number (``window._search_seq`` after the click)
  *and* the posted layout/paint work was done (two ``QApplication.processEvents()`` calls,
  which lay out and paint the product tiles on the offscreen backing store). Reported: p50,
  p95, max, count; ``meets_target`` = max < 30 ms. One query is typed first as a warm-up.
* stall: "The longest GUI event-loop stall during a QRIS sale with the simulator: below
  50 ms". A 1 ms ``PreciseTimer`` on the GUI thread records the gaps between its timeouts
  while a full QRIS sale runs: 3 products added, ``pay_qris()``, the dialog waits for its QR,
  then it is paid by its "Simulasikan bayar" button or by the simulator itself
  (``simulator.pay_after_s`` = 1), alternately; then the dialog closes itself, the receipt
  preview opens and is closed. One cold sale first (reported on its own as
  ``cold_sale_max_stall_ms``), then ``--sales`` measured sales (default 10). Reported: max
  stall overall, p99 of the gaps, per-sale max and the phase it fell in; ``meets_target``
  = max < 50 ms. For the longest gap (``max_stall``) and for the gap in which the GUI thread
  itself used the most CPU (``max_gui_busy``) the GUI thread's and the process's CPU time
  are given too: a long gap with little CPU means the thread was off the CPU (another
  process had it: compare ``loadavg_1m_*``) or waited for the GIL or a lock, not that the app
  computed that long. On a shared machine rerun when ``loadavg`` is low.

The window is built as ``pos_app/ui/app.py`` builds it: Settings.load(tmpdir), open_database,
20,000 generated products (``bench_storage.make_products``), PaymentService(simulator,
default 2 s poll), TaskManager, CustomerDisplay (placed and showing its welcome screen),
CashierWindow(demo=True), ``apply_look``, ``service.start()``, ``window.show()``.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every void Qt call and one to
``True`` on every ``Signal.emit()``, which kills the process after a few thousand such calls
(see ``_qt_timing``). When the installed binding does that, this benchmark guards against it
so it can finish, and says so (``pyside_refs_lost``, ``refcount_guard``,
``*_refs_lost_per_keystroke_median``: all 0 / false on a healthy binding).

``--profile`` also runs cProfile on the GUI thread over one extra typed query and one extra
sale, and prints the top functions to stderr.

``--two-screens`` gives the offscreen platform a second, 1920x1080 screen, so the customer
display goes full screen there as on a till with a customer monitor (its QR is then rendered
much larger, on the GUI thread).

Run: .venv/bin/python bench/bench_window.py [--products 20000] [--sales 10] [--only search|stall]
     [--two-screens] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["POS_APP_SECRET_BACKEND"] = "file"
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _qt_timing import (  # noqa: E402
    StallRecorder,
    cpu_share,
    guard_pyside_refcounts,
    ms,
    none_refcount,
    percentile,
    spin,
    thread_cpu_ms,
    true_refcount,
    wait_until,
)
from _till import Till, build_till  # noqa: E402
from bench_storage import make_products  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from pos_app.ui.main_window import CashierWindow  # noqa: E402

SEARCH_TARGET_MS = 30
STALL_TARGET_MS = 50
QUERIES = ["kopi", "goreng ayam", "8990000123", "pedas manis", "sabun", "8990000012345",
           "SKU-01999"]
WARMUP_QUERY = "teh"
PROFILE_QUERY = "susu coklat"
WAIT_S = 10.0


_SCREEN = {"y": 0, "logicalDpi": 96, "logicalBpp": 32, "dpr": 1}
TWO_SCREENS = {"screens": [
    {"name": "cashier", "x": 0, "width": 1366, "height": 768, **_SCREEN},
    {"name": "customer", "x": 1366, "width": 1920, "height": 1080, **_SCREEN},
]}


def use_two_screens(tmp: Path) -> None:
    """Offscreen with a 1366x768 cashier screen and a 1920x1080 customer screen."""
    if not os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen"):
        raise SystemExit("--two-screens needs the offscreen platform")
    config = tmp / "screens.json"
    config.write_text(json.dumps(TWO_SCREENS), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def build(tmp: Path, n_products: int) -> Till:
    return build_till(tmp, make_products(n_products, random.Random(42)), wait_s=WAIT_S)


# -- search-as-you-type ----------------------------------------------------------------------

class SearchWatcher:
    """Times ``searchShown(seq)`` and ends a wait as soon as the awaited seq is on screen."""

    def __init__(self, window: CashierWindow) -> None:
        self.window = window
        self.shown_at: dict[int, float] = {}
        self._target = -1
        self._loop: QEventLoop | None = None
        window.searchShown.connect(self._on_shown)

    def _on_shown(self, seq: int) -> None:
        self.shown_at[seq] = time.perf_counter()
        if self._loop is not None and seq >= self._target:
            self._loop.quit()

    def wait(self, seq: int, timeout_s: float = WAIT_S) -> float:
        """perf_counter() when ``seq`` was shown (runs the event loop until then)."""
        if seq not in self.shown_at:
            self._target = seq
            self._loop = QEventLoop()
            timeout = QTimer()
            timeout.setSingleShot(True)
            timeout.timeout.connect(self._loop.quit)
            timeout.start(int(timeout_s * 1000))
            self._loop.exec()
            timeout.stop()
            self._loop = None
        if seq not in self.shown_at:
            text = self.window.search_input.text()
            raise RuntimeError(f"search #{seq} ({text!r}) not shown in {timeout_s} s")
        return self.shown_at[seq]


def clear_search(till: Till, watcher: SearchWatcher) -> None:
    till.window.search_input.clear()
    watcher.wait(till.window.search(""))
    QApplication.processEvents()


def type_query(till: Till, watcher: SearchWatcher, query: str) -> list[dict[str, Any]]:
    window = till.window
    out = []
    for i, ch in enumerate(query):
        refs = none_refcount(), true_refcount()
        t0 = time.perf_counter()
        QTest.keyClick(window.search_input, ch)  # type: ignore[call-overload]  # char overload
        seq = window._search_seq
        t_results = watcher.wait(seq)
        QApplication.processEvents()  # layout requests, then the paint of the new tiles
        QApplication.processEvents()  # anything the first pass posted
        t_done = time.perf_counter()
        out.append({
            "query": query, "text": query[: i + 1], "seq": seq,
            "results": len(window.grid.shown),
            "total": t_done - t0, "to_results": t_results - t0, "paint": t_done - t_results,
            "none_refs_lost": refs[0] - none_refcount(),
            "true_refs_lost": refs[1] - true_refcount(),
        })
    return out


def bench_search(till: Till) -> dict[str, Any]:
    watcher = SearchWatcher(till.window)
    clear_search(till, watcher)
    warm = type_query(till, watcher, WARMUP_QUERY)
    keys: list[dict[str, Any]] = []
    for q in QUERIES:
        clear_search(till, watcher)
        keys.extend(type_query(till, watcher, q))
    clear_search(till, watcher)
    total = [k["total"] for k in keys]
    slowest = max(keys, key=lambda k: k["total"])
    per_query = {q: ms(max(k["total"] for k in keys if k["query"] == q)) for q in QUERIES}
    return {
        "products": len(till.products),
        "queries": QUERIES,
        "keystrokes": len(keys),
        "keystroke_ms_p50": ms(statistics.median(total)),
        "keystroke_ms_p95": ms(percentile(total, 0.95)),
        "keystroke_ms_max": ms(max(total)),
        "to_results_ms_p50": ms(statistics.median(k["to_results"] for k in keys)),
        "to_results_ms_max": ms(max(k["to_results"] for k in keys)),
        "paint_ms_p50": ms(statistics.median(k["paint"] for k in keys)),
        "paint_ms_max": ms(max(k["paint"] for k in keys)),
        "max_ms_per_query": per_query,
        "slowest_keystroke": {"text": slowest["text"], "results": slowest["results"],
                              "total_ms": ms(slowest["total"]),
                              "to_results_ms": ms(slowest["to_results"]),
                              "paint_ms": ms(slowest["paint"])},
        "over_target": sum(1 for t in total if t * 1000 >= SEARCH_TARGET_MS),
        "cold_first_keystroke_ms": ms(warm[0]["total"]),
        # Includes ~4 void calls of the harness itself (keyClick, quit, 2x processEvents).
        "none_refs_lost_per_keystroke_median": statistics.median(k["none_refs_lost"] for k in keys),
        "true_refs_lost_per_keystroke_median": statistics.median(k["true_refs_lost"] for k in keys),
        "target_ms": SEARCH_TARGET_MS,
        "meets_target": max(total) * 1000 < SEARCH_TARGET_MS,
    }


# -- QRIS sale stalls -------------------------------------------------------------------------

def set_pay_after(till: Till, value: str) -> None:
    """Simulator pays by itself after ``value`` seconds ("never": only via the button)."""
    till.settings.set("simulator.pay_after_s", value)
    till.service.forget_providers()  # providers are built once; rebuild with the new setting


def run_sale(till: Till, rec: StallRecorder, rng: random.Random, mode: str) -> dict[str, Any]:
    """One QRIS sale from the first product to the closed receipt; ``mode``: button | auto."""
    w = till.window
    set_pay_after(till, "never" if mode == "button" else "1")
    spin(50)
    if not w.cart.is_empty or w.qris_dialog is not None:
        raise RuntimeError("the till is not idle before the sale")
    previous_receipt = w.receipt_dialog
    t_start = time.perf_counter()
    rec.start()
    marks: dict[str, float] = {}

    def phase(name: str) -> None:
        rec.phase = name
        marks[name] = time.perf_counter()

    for p in rng.sample(till.products[:2000], 3):
        phase("add_product")
        w.add_product(p)
        phase("between_clicks")
        spin(40)
    phase("pay_qris")
    w.pay_qris()
    phase("wait_qr")
    if not wait_until(lambda: w.qris_dialog is not None and w.qris_dialog.payload is not None,
                      WAIT_S):
        raise RuntimeError("the QRIS dialog never showed a QR")
    dlg = w.qris_dialog
    assert dlg is not None
    phase("qr_on_screen")
    spin(150)  # the customer scans
    if mode == "button":
        phase("simulate_click")
        dlg.simulate_button.click()
    phase("wait_paid")
    if not wait_until(lambda: dlg.final is not None, WAIT_S):
        raise RuntimeError("the sale was never paid")
    phase("paid_until_dialog_closes")
    if not wait_until(lambda: w.qris_dialog is None and w.receipt_dialog is not previous_receipt
                      and w.receipt_dialog is not None and w.receipt_dialog.isVisible(), WAIT_S):
        raise RuntimeError("no receipt after the QRIS dialog")
    phase("receipt_shown")
    spin(150)
    phase("close_receipt")
    assert w.receipt_dialog is not None
    w.receipt_dialog.accept()
    phase("after_receipt")
    spin(100)
    gaps = rec.stop()
    t_end = time.perf_counter()
    if dlg.final is None or dlg.final.name != "PAID":
        raise RuntimeError(f"sale ended {dlg.final}")
    return {
        "mode": mode,
        "max_stall_ms": ms(max(gaps)),
        "max_stall_phase": rec.worst.phase,
        "worst": rec.worst,
        "busiest": rec.busiest,
        "gaps": gaps,
        "sale_s": round(t_end - t_start, 3),
        "qr_after_pay_ms": ms(marks["qr_on_screen"] - marks["pay_qris"]),
    }


def bench_stall(till: Till, n_sales: int) -> dict[str, Any]:
    rng = random.Random(7)
    rec = StallRecorder(1)
    # The noise floor: the same timer with the till idle.
    rec.start()
    spin(1000)
    idle = rec.stop()
    cold = run_sale(till, rec, rng, "button")
    cpu_before, t0 = thread_cpu_ms(), time.perf_counter()
    sales = [run_sale(till, rec, rng, "button" if i % 2 == 0 else "auto") for i in range(n_sales)]
    threads_cpu = cpu_share(cpu_before, thread_cpu_ms(), time.perf_counter() - t0)
    all_gaps = [g for s in sales for g in s["gaps"]]
    worst = max(sales, key=lambda s: s["max_stall_ms"])
    overall = max(all_gaps) * 1000
    return {
        "sales": n_sales,
        "max_stall_ms": round(overall, 3),
        "max_stall_phase": worst["max_stall_phase"],
        "max_stall": worst["worst"].as_json(),
        # Robust to other processes taking the CPU: the most GUI-thread CPU time in one gap.
        "max_gui_busy": max((s["busiest"] for s in sales), key=lambda b: b.gui_cpu_s).as_json(),
        "gap_ms_p99": ms(percentile(all_gaps, 0.99)),
        "gap_ms_p999": ms(percentile(all_gaps, 0.999)),
        "per_sale_max_ms": [s["max_stall_ms"] for s in sales],
        "per_sale_phase": [s["max_stall_phase"] for s in sales],
        "per_sale_mode": [s["mode"] for s in sales],
        "sale_s_median": round(statistics.median(s["sale_s"] for s in sales), 3),
        "qr_after_pay_ms_median": round(statistics.median(s["qr_after_pay_ms"] for s in sales), 3),
        "cold_sale_max_stall_ms": cold["max_stall_ms"],
        "cold_sale_stall_phase": cold["max_stall_phase"],
        "cold_sale_stall": cold["worst"].as_json(),
        "cold_sale_gui_busy": cold["busiest"].as_json(),
        "cold_sale_qr_after_pay_ms": cold["qr_after_pay_ms"],
        "idle_gap_ms_max": ms(max(idle)),
        # % of one core per thread over the measured sales (Linux): who else wants the GIL.
        "thread_cpu_percent_during_sales": threads_cpu,
        "target_ms": STALL_TARGET_MS,
        "meets_target": overall < STALL_TARGET_MS,
    }


# -- optional profile ---------------------------------------------------------------------------

def profile(till: Till, label: str, fn: Any, top: int = 30) -> None:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(r"pos_app|sync|PySide6|qr_render|segno", top)
    print(f"\n=== cProfile, GUI thread only: {label} ===\n{buf.getvalue()}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=20000)
    ap.add_argument("--sales", type=int, default=10)
    ap.add_argument("--only", choices=["search", "stall"])
    ap.add_argument("--profile", action="store_true",
                    help="cProfile one query and one sale (stderr)")
    ap.add_argument("--two-screens", action="store_true",
                    help="a second 1920x1080 offscreen screen: the customer display goes full"
                         " screen there")
    a = ap.parse_args()
    refs_at_start = {"None": none_refcount(), "True": true_refcount()}
    guard = guard_pyside_refcounts()
    with tempfile.TemporaryDirectory(prefix="pos-bench-window-") as tmp:
        if a.two_screens:
            use_two_screens(Path(tmp))
        till = build(Path(tmp), a.products)
        covered = till.display.covering_screen()
        result: dict[str, Any] = {
            "bench": "window",
            "python": platform.python_version(),
            "qt_qpa_platform": os.environ.get("QT_QPA_PLATFORM", "").split(":")[0],
            "cpus": os.cpu_count(),
            "screens": len(QApplication.screens()),
            "customer_display": (
                f"full screen {covered.size().width()}x{covered.size().height()}" if covered
                else f"window {till.display.width()}x{till.display.height()}"),
            **guard,
            "refcounts_at_start": refs_at_start,
            "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        }
        try:
            if a.only in (None, "search"):
                result["search"] = bench_search(till)
            if a.only in (None, "stall"):
                result["stall"] = bench_stall(till, a.sales)
            if a.profile:
                watcher = SearchWatcher(till.window)
                clear_search(till, watcher)
                profile(till, f"typing {PROFILE_QUERY!r}",
                        lambda: type_query(till, watcher, PROFILE_QUERY))
                clear_search(till, watcher)
                rec = StallRecorder(1)
                profile(till, "one QRIS sale (button)",
                        lambda: run_sale(till, rec, random.Random(99), "button"))
            result["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
        finally:
            till.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
