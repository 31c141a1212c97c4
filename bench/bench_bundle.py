"""Benchmark: the PyInstaller bundle (dist/pos-app/pos-app) against the venv (.venv/bin/pos-app);
prints one JSON object.

Timed per run, in the parent, from just before ``Popen`` (no shell):

* ``version``: ``pos-app --version`` until the process has exited;
* ``window``: ``pos-app --demo`` with ``POS_APP_EXIT_AFTER_SHOW=1`` until its ``shown ...`` line
  has been read (``shown_ms``) and until it has exited (``exit_ms``, i.e. the window opened and
  closed); ``inprocess_shown_ms`` is the number the app printed itself (from ``run()``).

Both with ``QT_QPA_PLATFORM=offscreen``, ``POS_APP_SECRET_BACKEND=file`` and one temporary data
directory per variant that an untimed warm-up run initialised (a shop PC opens an existing
database every morning). Runs are interleaved (venv, bundle, venv, bundle ...) after one
warm-up of each, so load from other processes hits both alike. "Cold" means a new process,
not an empty page cache: dropping the page cache would disturb everything else on the machine.

The venv's children get ``PYTHONPYCACHEPREFIX=<temp dir>`` so their bytecode is compiled by
the warm-up and cached (the bundle carries compiled bytecode in its archive), as
bench_startup.py does.

Run: scripts/build-app, then  .venv/bin/python bench/bench_bundle.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_APP = ROOT / ".venv" / "bin" / "pos-app"
BUNDLE_DIR = ROOT / "dist" / "pos-app"
BUNDLE_APP = BUNDLE_DIR / "pos-app"


class RunFailed(RuntimeError):
    pass


def timed(cmd: list[str], env: dict[str, str], cwd: str,
          timeout_s: float = 60.0) -> tuple[float, float, float]:
    """(spawn -> "shown" line read or NaN, in-process "shown" seconds or NaN, spawn -> exit)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, cwd=cwd)
        assert proc.stdout is not None
        t_shown, inner = float("nan"), float("nan")
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode(errors="replace").strip()
            if line.startswith("shown") and t_shown != t_shown:
                t_shown = time.perf_counter() - t0
                parts = line.split()
                inner = float(parts[1]) if len(parts) > 1 else inner
        try:
            rc = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = -9
        t_exit = time.perf_counter() - t0
        if rc != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise RunFailed(f"{' '.join(cmd)} exited {rc}:\n{tail}")
    return t_shown, inner, t_exit


def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 1)


def summary(values: list[float]) -> dict[str, Any]:
    return {"median": ms(statistics.median(values)), "min": ms(min(values)), "max": ms(max(values)),
            "all": [ms(v) for v in values]}


def du_bytes(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    if not BUNDLE_APP.exists():
        print(f"{BUNDLE_APP} does not exist: run scripts/build-app first", file=sys.stderr)
        return 2

    base = {k: v for k, v in os.environ.items() if not k.startswith("POS_APP_")}
    base.pop("PYTHONPATH", None)
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base.update(QT_QPA_PLATFORM="offscreen", POS_APP_SECRET_BACKEND="file")
    variants = {"venv": [str(VENV_APP)], "bundle": [str(BUNDLE_APP)]}
    results: dict[str, dict[str, list[float]]] = {
        v: {"version": [], "shown": [], "inprocess_shown": [], "window_exit": []} for v in variants
    }
    with tempfile.TemporaryDirectory(prefix="pos-bench-bundle-") as tmp:
        envs = {}
        for name in variants:
            data = Path(tmp) / name
            data.mkdir()
            envs[name] = {**base, "POS_APP_DATA_DIR": str(data),
                          "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        for name, cmd in variants.items():  # warm-up: database, bytecode, page cache
            timed([*cmd, "--version"], envs[name], tmp)
            timed([*cmd, "--demo"], {**envs[name], "POS_APP_EXIT_AFTER_SHOW": "1"}, tmp)
        for _ in range(args.runs):
            for name, cmd in variants.items():
                results[name]["version"].append(timed([*cmd, "--version"], envs[name], tmp)[2])
            for name, cmd in variants.items():
                shown, inner, done = timed([*cmd, "--demo"],
                                           {**envs[name], "POS_APP_EXIT_AFTER_SHOW": "1"}, tmp)
                results[name]["shown"].append(shown)
                results[name]["inprocess_shown"].append(inner)
                results[name]["window_exit"].append(done)

    out: dict[str, Any] = {
        "runs": args.runs,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "bundle_mb": round(du_bytes(BUNDLE_DIR) / 1e6, 1),
    }
    for name in variants:
        r = results[name]
        out[name] = {
            "version_ms": summary(r["version"]),
            "window_shown_ms": summary(r["shown"]),
            "window_open_close_ms": summary(r["window_exit"]),
            "inprocess_shown_ms_median": ms(statistics.median(r["inprocess_shown"])),
        }
    for key in ("version_ms", "window_shown_ms", "window_open_close_ms"):
        out[f"bundle_over_venv_{key.removesuffix('_ms')}"] = round(
            out["bundle"][key]["median"] / out["venv"][key]["median"], 3)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
