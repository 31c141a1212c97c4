"""Benchmark: cold start to the cashier window shown; prints one JSON object.

Target: "Cold start to the cashier window shown: at most 1.5x the start of a bare PySide6
window measured in the same run" (``target_ratio`` 1.5, compared on medians).

What is timed, per run, in the parent: ``time.perf_counter()`` just before ``Popen`` until the
child's ``shown ...`` line has been read from its stdout (interpreter start, imports,
QApplication, window construction, show() and the first event-loop turn after it):

* bare: ``.venv/bin/python -c <script>`` creating QApplication + QMainWindow with a QLabel,
  show(), and printing ``shown`` from ``QTimer.singleShot(0, ...)``, then quitting;
* app: ``.venv/bin/pos-app --demo`` with ``POS_APP_EXIT_AFTER_SHOW=1`` (``pos_app/ui/app.py``
  prints ``shown <seconds since run() started>`` on the first event-loop turn after show()
  and quits), ``POS_APP_SECRET_BACKEND=file`` and ``POS_APP_DATA_DIR`` set to a temporary
  directory that one untimed warm-up run initialised, so measured runs open an existing
  database the way a shop PC does every morning.

Both run with ``QT_QPA_PLATFORM=offscreen``; with ``--xvfb`` (or when ``DISPLAY`` is set) and
an ``Xvfb`` binary on PATH, the same set also runs against an Xvfb server started here on a
free display number (and killed afterwards), with ``QT_QPA_PLATFORM=xcb``. Runs are
interleaved (bare, app, bare, app, ...) after one warm-up of each.

Bytecode: the children get ``PYTHONPYCACHEPREFIX=<temp dir>`` (and no
``PYTHONDONTWRITEBYTECODE``), so the warm-ups compile every module once and the measured runs
load cached bytecode, as an installed app on a shop PC does; nothing is written into the
tree. ``--no-bytecode-cache`` keeps the caller's environment instead (with
``PYTHONDONTWRITEBYTECODE=1`` and a venv installed without .pyc files, every start then
compiles ~200 modules from source, which costs the app far more than the bare window).

``--importtime N`` also
prints, to stderr, the top N modules by cumulative import time of ``python -X importtime -m
pos_app --demo`` under the same environment.

Run: .venv/bin/python bench/bench_startup.py [--runs 7] [--xvfb] [--no-bytecode-cache]
     [--importtime 15]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _qt_timing import ms  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
POS_APP = ROOT / ".venv" / "bin" / "pos-app"
TARGET_RATIO = 1.5

BARE_SCRIPT = """\
import time
t0 = time.perf_counter()
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.setCentralWidget(QLabel("Kasir"))
w.resize(1366, 768)
w.show()
def shown():
    print(f"shown {time.perf_counter() - t0:.4f}", flush=True)
    app.quit()
QTimer.singleShot(0, shown)
sys.exit(app.exec())
"""


class RunFailed(RuntimeError):
    pass


def timed_start(cmd: list[str], env: dict[str, str],
                timeout_s: float = 60.0) -> tuple[float, float, float]:
    """(spawn -> "shown" line read, in-process seconds the child printed, spawn -> exit)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, cwd=ROOT)
        assert proc.stdout is not None
        inner = float("nan")
        t_shown = None
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode(errors="replace").strip()
            if line.startswith("shown"):
                t_shown = time.perf_counter()
                parts = line.split()
                inner = float(parts[1]) if len(parts) > 1 else inner
                break
        try:
            proc.stdout.read()  # drain whatever else it prints, until it exits
            rc = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = -9
        t_exit = time.perf_counter()
        if t_shown is None or rc != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            when = "after" if t_shown else "without"
            raise RunFailed(f"{cmd[0]} exited {rc} {when} printing 'shown':\n{tail}")
    return t_shown - t0, inner, t_exit - t0


def base_env(platform_name: str, display: str | None, pycache: Path | None) -> dict[str, str]:
    """The children's environment; ``pycache`` set: bytecode is cached there (not in the tree)."""
    env = dict(os.environ)
    for k in ("POS_APP_EXIT_AFTER_SHOW", "POS_APP_DATA_DIR", "POS_APP_SECRET_BACKEND"):
        env.pop(k, None)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["QT_QPA_PLATFORM"] = platform_name
    if display is not None:
        env["DISPLAY"] = display
    return env


def app_env(env: dict[str, str], data_dir: Path) -> dict[str, str]:
    return {**env, "POS_APP_EXIT_AFTER_SHOW": "1", "POS_APP_DATA_DIR": str(data_dir),
            "POS_APP_SECRET_BACKEND": "file"}


def summarize(values: list[float]) -> dict[str, float]:
    return {"median": ms(statistics.median(values)), "min": ms(min(values)), "max": ms(max(values))}


def measure(platform_name: str, display: str | None, runs: int,
            pycache: Path | None) -> dict[str, Any]:
    env = base_env(platform_name, display, pycache)
    bare_cmd = [str(PYTHON), "-c", BARE_SCRIPT]
    app_cmd = [str(POS_APP), "--demo"]
    with tempfile.TemporaryDirectory(prefix="pos-bench-start-") as tmp:
        aenv = app_env(env, Path(tmp))
        # Warm-up (untimed): the app's run creates and fills the database, both warm the page cache.
        timed_start(bare_cmd, env)
        timed_start(app_cmd, aenv)
        bare: list[float] = []
        app: list[float] = []
        bare_inner: list[float] = []
        app_inner: list[float] = []
        app_exit: list[float] = []
        for _ in range(runs):
            w, i, _e = timed_start(bare_cmd, env)
            bare.append(w)
            bare_inner.append(i)
            w, i, e = timed_start(app_cmd, aenv)
            app.append(w)
            app_inner.append(i)
            app_exit.append(e)
    ratio = statistics.median(app) / statistics.median(bare)
    return {
        "qpa": platform_name,
        "runs": runs,
        "bare_ms": summarize(bare),
        "app_ms": summarize(app),
        "ratio": round(ratio, 3),
        "ratio_of_mins": round(min(app) / min(bare), 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio <= TARGET_RATIO,
        "bare_inprocess_shown_ms_median": ms(statistics.median(bare_inner)),
        "app_inprocess_shown_ms_median": ms(statistics.median(app_inner)),
        "app_inprocess_shown_ms": [ms(v) for v in app_inner],
        "app_spawn_to_exit_ms_median": ms(statistics.median(app_exit)),
    }


def free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise RuntimeError("no free X display number in :90-:199")


def measure_xvfb(runs: int, pycache: Path | None) -> dict[str, Any]:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        return {"skipped": "Xvfb not found"}
    n = free_display()
    proc = subprocess.Popen([xvfb, f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sock = Path(f"/tmp/.X11-unix/X{n}")
        deadline = time.monotonic() + 10
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                return {"skipped": f"Xvfb :{n} did not start (exit {proc.poll()})"}
            time.sleep(0.05)
        try:
            return measure("xcb", f":{n}", runs, pycache)
        except RunFailed as exc:
            return {"skipped": f"xcb run failed: {exc}"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s*\|\s*(\d+)\s*\|(\s*)(\S+)")


def import_profile(top: int, pycache: Path | None) -> list[tuple[str, float, float]]:
    """Top modules by cumulative import time (ms) of ``python -X importtime -m pos_app --demo``."""
    env = base_env("offscreen", None, pycache)
    with tempfile.TemporaryDirectory(prefix="pos-bench-imp-") as tmp:
        aenv = app_env(env, Path(tmp))
        subprocess.run([str(POS_APP), "--demo"], env=aenv, capture_output=True, timeout=120,
                       check=True)
        out = subprocess.run([str(PYTHON), "-X", "importtime", "-m", "pos_app", "--demo"], env=aenv,
                             capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    best: dict[str, tuple[str, float, float]] = {}
    for line in out.stderr.splitlines():
        m = _IMPORT_LINE.match(line)
        if m:
            row = (m.group(4), int(m.group(2)) / 1000, int(m.group(1)) / 1000)
            # A module can be listed twice (``a.b`` requested, ``a`` importing ``a.b`` first).
            if row[1] > best.get(row[0], ("", -1.0, 0.0))[1]:
                best[row[0]] = row
    return sorted(best.values(), key=lambda r: r[1], reverse=True)[:top]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="measured runs of each (default 7)")
    ap.add_argument("--xvfb", action="store_true",
                    help="also measure under an Xvfb server started here")
    ap.add_argument("--no-xvfb", action="store_true",
                    help="never start Xvfb, even when DISPLAY is set")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="keep this shell's PYTHONDONTWRITEBYTECODE "
                         "(every start compiles from source)")
    ap.add_argument("--importtime", type=int, metavar="N", default=0,
                    help="print the top N modules by cumulative import time to stderr")
    a = ap.parse_args()
    if not POS_APP.exists():
        sys.exit(f"{POS_APP} not found: install the project into .venv first")
    with tempfile.TemporaryDirectory(prefix="pos-bench-pyc-") as pyc_dir:
        pycache = None if a.no_bytecode_cache else Path(pyc_dir)
        result: dict[str, Any] = {
            "bench": "startup",
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "bytecode_cache": pycache is not None,
            "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
            **measure("offscreen", None, a.runs, pycache),
        }
        if (a.xvfb or os.environ.get("DISPLAY")) and not a.no_xvfb:
            result["xvfb"] = measure_xvfb(a.runs, pycache)
        result["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
        print(json.dumps(result), flush=True)
        if a.importtime:
            cache = "on" if pycache else "off"
            print(f"\nTop {a.importtime} imports by cumulative time (python -X importtime -m"
                  f" pos_app --demo, bytecode cache {cache}):", file=sys.stderr)
            print(f"{'cumulative ms':>14} {'self ms':>9}  module", file=sys.stderr)
            for name, cum, self_ms in import_profile(a.importtime, pycache):
                print(f"{cum:14.1f} {self_ms:9.1f}  {name}", file=sys.stderr)


if __name__ == "__main__":
    main()
