"""Soak benchmark, "a long day in the shop": the real window rings up thousands of sales.

Targets (issue 8, section 6): over ``--sales`` (2,000) sales the process's RSS grows by less
than 10 MB, open file descriptors and threads stay flat, and once the till is left alone the
process uses less than 1 % of one core.

The till is built as ``pos_app/ui/app.py`` builds it, offscreen, in a fresh temp data dir
(``POS_APP_DATA_DIR``, ``POS_APP_SECRET_BACKEND=file``): ``Settings.load``, ``open_database``,
the demo catalogue, ``PaymentService(provider_override="simulator")`` (demo mode, default 2 s
poll), ``TaskManager``, ``CustomerDisplay`` (placed, welcome screen), ``CashierWindow(demo=True)``,
``apply_look``, ``service.start()``. ``simulator.pay_after_s`` is ``never``: a QRIS sale is
paid only when the cashier presses "Simulasikan bayar" (``simulate_paid``: the simulator pays
at once and the engine checks the payment immediately).

Each sale is driven as a cashier drives it, with ``QTest`` key and mouse events sent to the
widget that has the keyboard focus (``QApplication.focusWidget()``; ``focus_misses`` counts the
times it was not the widget a cashier would be typing into):

* 1-3 items: a barcode of the demo catalogue is "scanned" (``keyClicks`` into the search box,
  then Enter); the bench waits until the line is in the cart. The first scan of a sale also
  closes the previous sale's receipt preview (the window does that on any added item).
* cash (even sales): F4, the amount tendered typed into the cash dialog (the total rounded up
  to the next 5,000, or exact), Enter; wait until the sale is saved and its receipt shown.
* QRIS (odd sales): F5, wait for the QR in the dialog, click "Simulasikan bayar", wait for
  PAID, Enter (the dialog's focused "Tutup" button) to close it; wait for the receipt.

Samples (after ``gc.collect()``; ``QEvent.DeferredDelete`` is *not* forced, the event loop
does that as in the app) at the start, after the warm-up (``--warmup`` sales, 50) and every
``--every`` (250) sales: RSS (``VmRSS``); glibc's heap in use (``mallinfo2``, all arenas) and
SQLite's own memory (``sqlite3_memory_used``: its page cache grows with the database up to
``cache_size``, 2 MB, then stays), so that a bounded cache filling up can be told from a leak;
Python's allocated blocks; ``QApplication.allWidgets()``; live QObjects (all descendants of
the top-level widgets, of the application object and of the ``TaskManager``); Python objects
tracked by ``gc``; open descriptors (``/proc/self/fd``, and by kind); threads
(``threading.active_count()``, ``/proc/self/task``, and by name). Growth is reported from the
warm-up sample to the last (``growth_after_warmup``), so one-time costs (fonts, the cart table,
the dialogs' first use) do not count. ``gc_growth_by_type`` lists the Python types whose live
count grew the most over the same span. ``threads_flat`` is strict; ``threads_bounded``
allows the engine's ``sync-io`` ThreadPoolExecutor to have started more of its workers (it
does so lazily, up to ``sync_io_pool_cap``) as long as no other thread appeared.

Then the till is left alone for ``--idle`` seconds (60): process CPU (``/proc/self/stat``
utime+stime) over that wall time as % of one core, the same per thread (% of one core, 10 ms
kernel ticks), and the timer events the GUI thread delivered meanwhile per second, by
receiver's C++ class (an application event filter, installed only then).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_soak.py [--sales 2000] [--idle 60]
     [--warmup 50] [--every 250] [--seed 1]
"""

from __future__ import annotations

import argparse
import array
import collections
import ctypes
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["POS_APP_SECRET_BACKEND"] = "file"
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _qt_timing import (  # noqa: E402
    ms,
    percentile,
    run_header,
    spin,
    thread_cpu_ms,
    wait_until,
)
from _till import Till, build_till  # noqa: E402
from PySide6.QtCore import QEvent, QObject, Qt, QtMsgType, qInstallMessageHandler  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from pos_app.cart import Product  # noqa: E402
from pos_app.demo import demo_products  # noqa: E402
from sync.events import EventKind  # noqa: E402

RSS_TARGET_MB = 10.0
IDLE_CPU_TARGET_PCT = 1.0
WAIT_S = 15.0


def build(data_dir: Path) -> Till:
    os.environ["POS_APP_DATA_DIR"] = str(data_dir)
    products = demo_products()
    # Paid by "Simulasikan bayar" only.
    till = build_till(data_dir, products, wait_s=WAIT_S,
                      settings={"simulator.pay_after_s": "never"})
    till.window.activateWindow()
    QTest.qWaitForWindowActive(till.window, 2000)
    spin(200)
    till.products = [p for p in products if p.barcode and p.active]
    return till


# The offscreen platform warns on every dialog shown ("does not support propagateSizeHints()");
# counted instead of flooding stderr. Other Qt messages still go to stderr.
QT_MESSAGES: collections.Counter[str] = collections.Counter()


def _qt_message(mode: QtMsgType, _context: Any, message: str) -> None:
    if "propagateSizeHints" in message:
        QT_MESSAGES[message] += 1
    else:
        print(f"qt: {message}", file=sys.stderr)


# -- measurements ------------------------------------------------------------------------------

def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def heap_mb() -> dict[str, float]:
    """Where RSS goes, for telling a leak from a bounded cache: glibc's heap (all arenas) in use
    and free, and SQLite's own allocations (its page cache grows with the database up to
    ``cache_size``, 2 MB by default). Empty where glibc or libsqlite3 cannot be found."""
    out: dict[str, float] = {}
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
        out["malloc_in_use_mb"] = round((info.uordblks + info.hblkhd) / 2**20, 2)
        out["malloc_free_mb"] = round(info.fordblks / 2**20, 2)
    except (OSError, AttributeError):
        pass
    try:
        lib = next(line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines()
                   if "libsqlite3" in line)
        sqlite = ctypes.CDLL(lib)
        sqlite.sqlite3_memory_used.restype = ctypes.c_int64
        out["sqlite_mb"] = round(sqlite.sqlite3_memory_used() / 2**20, 2)
    except (OSError, AttributeError, StopIteration):
        pass
    return out


def cpu_ticks() -> int:
    """utime + stime of the whole process, in clock ticks."""
    stat = Path("/proc/self/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def thread_names() -> dict[str, int]:
    """Threads by name: Python's pool workers counted together ("sync-io_0", "sync-io_1"...),
    threads Python did not start (Qt's) by their OS name in brackets."""
    py = {t.native_id: t.name.split("_")[0] for t in threading.enumerate()}
    names: collections.Counter[str] = collections.Counter()
    for task in os.listdir("/proc/self/task"):
        if int(task) in py:
            names[py[int(task)]] += 1
            continue
        try:
            names[f"[{Path(f'/proc/self/task/{task}/comm').read_text().strip()}]"] += 1
        except OSError:
            pass  # ended meanwhile
    return dict(names)


def fd_kinds() -> dict[str, int]:
    """Open descriptors by kind: file (by extension), socket, pipe, anon_inode:[eventfd]..."""
    kinds: collections.Counter[str] = collections.Counter()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("/"):
            name = Path(target).name
            kinds["file:" + (name.split(".", 1)[1] if "." in name else name)] += 1
        else:
            kinds[target.split(":[")[0] if not target.startswith("anon_inode") else target] += 1
    return dict(kinds)


def count_qobjects(roots: list[QObject]) -> int:
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        key = id(obj)
        if key in seen:
            continue
        seen.add(key)
        stack.extend(obj.children())
    return len(seen)


def sample(till: Till, sales: int, t0: float) -> dict[str, Any]:
    gc.collect()
    app = till.app
    roots: list[QObject] = [*app.topLevelWidgets(), app, till.tasks]
    return {
        "sales": sales,
        "t_s": round(time.perf_counter() - t0, 1),
        "rss_mb": round(rss_kb() / 1024, 2),
        **heap_mb(),
        "python_blocks": sys.getallocatedblocks(),
        "widgets": len(app.allWidgets()),
        "top_level_widgets": len(app.topLevelWidgets()),
        "qobjects": count_qobjects(roots),
        "gc_objects": len(gc.get_objects()),
        "fds": len(os.listdir("/proc/self/fd")),
        "threads_py": threading.active_count(),
        "threads_os": len(os.listdir("/proc/self/task")),
        "thread_names": thread_names(),
        "fd_kinds": fd_kinds(),
    }


def type_census() -> collections.Counter[str]:
    gc.collect()
    return collections.Counter(f"{type(o).__module__}.{type(o).__qualname__}"
                               for o in gc.get_objects())


class TimerCounter(QObject):
    """Counts the timer events the GUI thread delivers, by receiver class and object name."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: collections.Counter[str] = collections.Counter()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # Qt's name, overridden
        if event.type() == QEvent.Type.Timer:
            name = obj.objectName()  # the C++ class: Qt's private ones show as QObject in Python
            self.counts[f"{obj.metaObject().className()}{'#' + name if name else ''}"] += 1
        return False


# -- the cashier ---------------------------------------------------------------------------------

class Cashier:
    def __init__(self, till: Till, seed: int) -> None:
        self.till = till
        self.w = till.window
        self.rng = random.Random(seed)
        self.focus_misses: collections.Counter[str] = collections.Counter()
        self.completed = 0  # a count: keeping the order ids would be a leak of the bench's own
        # Compact (one buffer each): the bench's own bookkeeping must not look like a leak.
        self.sale_s: dict[str, array.array[float]] = {"cash": array.array("d"),
                                                      "qris": array.array("d")}
        self.w.saleCompleted.connect(self._completed)

    def _completed(self, _order_id: str) -> None:
        self.completed += 1

    def _focus(self, expected: QWidget) -> QWidget:
        """Where the keyboard is; counts a miss (and types into ``expected``) when not there."""
        fw = QApplication.focusWidget()
        if fw is expected:
            return fw
        if not wait_until(lambda: QApplication.focusWidget() is expected, 0.5):
            self.focus_misses[expected.objectName() or type(expected).__name__] += 1
            return expected
        return expected

    def _key(self, target: QWidget, key: Qt.Key) -> None:
        QTest.keyClick(target, key)

    def scan(self, product: Product) -> None:
        w = self.w
        before = w.cart.totals().item_count
        box = self._focus(w.search_input)
        assert product.barcode
        QTest.keyClicks(box, product.barcode)
        self._key(box, Qt.Key.Key_Return)
        if not wait_until(lambda: w.cart.totals().item_count == before + 1, WAIT_S):
            raise RuntimeError(f"scan of {product.barcode} never reached the cart")

    def pay_cash(self) -> None:
        w = self.w
        total = w.cart.totals().total
        receipt_before = w.receipt_dialog
        done_before = self.completed
        self._key(self._focus(w.search_input), Qt.Key.Key_F4)
        if not wait_until(lambda: w.cash_dialog is not None and w.cash_dialog.isVisible(), WAIT_S):
            raise RuntimeError("F4 did not open the cash dialog")
        dlg = w.cash_dialog
        assert dlg is not None
        tendered = total if self.rng.random() < 0.3 else -(-total // 5000) * 5000
        box = self._focus(dlg.input)
        QTest.keyClicks(box, str(tendered))
        self._key(box, Qt.Key.Key_Return)
        if not wait_until(lambda: self._sale_done(done_before, receipt_before), WAIT_S):
            raise RuntimeError("the cash sale was not completed")

    def pay_qris(self) -> None:
        w = self.w
        receipt_before = w.receipt_dialog
        done_before = self.completed
        self._key(self._focus(w.search_input), Qt.Key.Key_F5)
        if not wait_until(lambda: w.qris_dialog is not None and w.qris_dialog.payload is not None
                          and w.qris_dialog.simulate_button.isEnabled(), WAIT_S):
            raise RuntimeError("F5 did not bring a QR")
        dlg = w.qris_dialog
        assert dlg is not None
        QTest.mouseClick(dlg.simulate_button, Qt.MouseButton.LeftButton)
        if not wait_until(lambda: dlg.final is not None, WAIT_S):
            raise RuntimeError("the QRIS sale was never paid")
        if dlg.final is not EventKind.PAID:
            raise RuntimeError(f"the QRIS sale ended {dlg.final}")
        self._key(self._focus(dlg.close_button), Qt.Key.Key_Return)
        if not wait_until(lambda: self._sale_done(done_before, receipt_before), WAIT_S):
            raise RuntimeError("the QRIS dialog did not close into a receipt")

    def _sale_done(self, done_before: int, receipt_before: object) -> bool:
        """The sale is saved, its dialog gone and a new receipt preview on screen."""
        receipt = self.w.receipt_dialog
        return (self.completed > done_before and self.w.qris_dialog is None
                and self.w.cash_dialog is None and receipt is not None
                and receipt is not receipt_before and receipt.isVisible())

    def sale(self, i: int) -> None:
        method = "cash" if i % 2 == 0 else "qris"
        t = time.perf_counter()
        for p in self.rng.sample(self.till.products, self.rng.randint(1, 3)):
            self.scan(p)
        if method == "cash":
            self.pay_cash()
        else:
            self.pay_qris()
        self.sale_s[method].append(time.perf_counter() - t)


def threads_bounded(warm: dict[str, Any], last: dict[str, Any], till: Till) -> bool:
    cap = int(getattr(till.service.engine, "_workers", 0))
    a, b = warm["thread_names"], last["thread_names"]
    others_flat = all(b.get(k, 0) <= a.get(k, 0) for k in b if k != "sync-io")
    return others_flat and b.get("sync-io", 0) <= cap


# -- main ------------------------------------------------------------------------------------------

def growth(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    keys = ("rss_mb", "malloc_in_use_mb", "sqlite_mb", "python_blocks", "widgets",
            "top_level_widgets", "qobjects", "gc_objects", "fds", "threads_py", "threads_os")
    return {k: round(b[k] - a[k], 2) for k in keys if k in a and k in b}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sales", type=int, default=2000)
    ap.add_argument("--idle", type=float, default=60.0, help="seconds left alone after the sales")
    ap.add_argument("--warmup", type=int, default=50, help="sales before the baseline sample")
    ap.add_argument("--every", type=int, default=250, help="sales between samples")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    header = run_header("soak")  # before the till: it installs the refcount guard
    qInstallMessageHandler(_qt_message)
    with tempfile.TemporaryDirectory(prefix="pos-bench-soak-") as tmp:
        t0 = time.perf_counter()
        till = build(Path(tmp))
        result: dict[str, Any] = {
            **header,
            "sales_requested": a.sales,
            "mix": "alternating: even sales cash (F4), odd sales QRIS (F5 + Simulasikan bayar)",
            "warmup_sales": min(a.warmup, a.sales),
            "samples_note": "after gc.collect(); growth_after_warmup = last sample - warm-up"
                            " sample",
        }
        samples = [dict(sample(till, 0, t0), label="start")]
        cashier = Cashier(till, a.seed)
        census_warm: collections.Counter[str] | None = None
        cpu0, t_sales = cpu_ticks(), time.perf_counter()
        t_measured = t_sales
        try:
            for i in range(a.sales):
                cashier.sale(i)
                n = i + 1
                if n == min(a.warmup, a.sales):
                    samples.append(dict(sample(till, n, t0), label="warmup"))
                    census_warm = type_census()
                    t_measured = time.perf_counter()
                elif n % a.every == 0 or n == a.sales:
                    samples.append(sample(till, n, t0))
                    print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
            sales_wall = time.perf_counter() - t_sales
            sales_cpu = (cpu_ticks() - cpu0) / os.sysconf("SC_CLK_TCK")
            census_end = type_census()
            measured = a.sales - min(a.warmup, a.sales)
            all_sales = cashier.sale_s["cash"] + cashier.sale_s["qris"]
            warm = next(s for s in samples if s.get("label") == "warmup")
            last = samples[-1]
            grew = growth(warm, last)
            by_type = []
            if census_warm is not None:
                diff = census_end.copy()
                diff.subtract(census_warm)
                by_type = [{"type": k, "grew": v} for k, v in diff.most_common(12) if v > 0]
            result.update({
                "sales_completed": cashier.completed,
                "sales_wall_s": round(sales_wall, 1),
                "sales_per_s": round(a.sales / sales_wall, 2),
                "sales_per_s_after_warmup":
                    round(measured / max(1e-9, t_sales + sales_wall - t_measured), 2)
                    if measured else None,
                "process_cpu_pct_during_sales": round(100 * sales_cpu / sales_wall, 1),
                "sale_ms_p50": {m: ms(statistics.median(v))
                                for m, v in cashier.sale_s.items() if v},
                "sale_ms_p99": ms(percentile(all_sales, 0.99)) if all_sales else None,
                "sale_ms_max": ms(max(all_sales)) if all_sales else None,
                "focus_misses": dict(cashier.focus_misses),
                "samples": samples,
                "growth_after_warmup": grew,
                "sync_io_pool_cap": int(getattr(till.service.engine, "_workers", 0)),
                "gc_growth_by_type": by_type,
            })
            # -- the till left alone ------------------------------------------------------------
            timers = TimerCounter()
            till.app.installEventFilter(timers)
            threads0 = thread_cpu_ms()
            cpu0, w0 = cpu_ticks(), time.perf_counter()
            spin(int(a.idle * 1000))
            idle_wall = time.perf_counter() - w0
            idle_cpu_s = (cpu_ticks() - cpu0) / os.sysconf("SC_CLK_TCK")
            threads1 = thread_cpu_ms()
            threads_share = {k: round((v - threads0.get(k, 0.0)) / (idle_wall * 10.0), 3)
                             for k, v in threads1.items() if v > threads0.get(k, 0.0)}
            till.app.removeEventFilter(timers)
            idle_pct = 100 * idle_cpu_s / idle_wall
            after_idle = dict(sample(till, a.sales, t0), label="after_idle")
            samples.append(after_idle)
            result.update({
                "idle_s": round(idle_wall, 1),
                "idle_cpu_pct_one_core": round(idle_pct, 2),
                "idle_cpu_s": round(idle_cpu_s, 2),
                "idle_thread_cpu_pct": threads_share,
                "idle_gui_timer_events_per_s": {k: round(v / idle_wall, 2)
                                                for k, v in timers.counts.most_common(10)},
                "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
                "targets": {"rss_growth_mb_below": RSS_TARGET_MB, "fds_threads": "flat",
                            "idle_cpu_pct_below": IDLE_CPU_TARGET_PCT},
                "meets_target": {
                    "rss": grew["rss_mb"] < RSS_TARGET_MB,
                    "fds_flat": grew["fds"] <= 0 and after_idle["fds"] <= warm["fds"],
                    "threads_flat": grew["threads_os"] <= 0 and grew["threads_py"] <= 0,
                    # The engine's ThreadPoolExecutor starts its workers lazily, up to its cap:
                    # more of them later is not a leak as long as nothing else grows.
                    "threads_bounded": threads_bounded(warm, last, till),
                    "idle_cpu": idle_pct < IDLE_CPU_TARGET_PCT,
                },
            })
        finally:
            till.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
