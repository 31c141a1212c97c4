"""A day in the shop, end to end, on a real X server with two screens (Xvfb): the till window
on the first (1366x768), the customer display on the second (1024x600).

The day itself is ``tests/e2e/day_in_shop.py``, a pytest module run in a child process with
``DISPLAY`` set and Qt's xcb platform (the rest of the suite runs offscreen in this process,
and a process has one Qt platform). Xvfb comes with ``scripts/bootstrap.sh``; where it is
missing the test is skipped, except in CI, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_display() -> int:
    for n in range(140, 240):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise RuntimeError("no free X display number")


def test_a_day_in_the_shop_on_two_screens(tmp_path: Path) -> None:
    if shutil.which("Xvfb") is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: scripts/bootstrap.sh installs it")
        pytest.skip("Xvfb not installed (scripts/bootstrap.sh installs it)")
    n = _free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", "1366x768x24", "-screen", "1", "1024x600x24",
         "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{n}").exists():
            assert xvfb.poll() is None, "Xvfb exited at start"
            assert time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.05)
        env = {k: v for k, v in os.environ.items()
               if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "POS_APP_DATA_DIR")}
        env.update(DISPLAY=f":{n}", QT_QPA_PLATFORM="xcb", POS_APP_E2E_DAY="1",
                   POS_APP_SECRET_BACKEND="file", POS_APP_E2E_OUT=str(tmp_path))
        r = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
             "--timeout", "240", str(ROOT / "tests" / "e2e" / "day_in_shop.py"),
             "--basetemp", str(tmp_path / "inner")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"the day failed:\n{r.stdout[-6000:]}\n{r.stderr[-3000:]}"
        assert "1 passed" in r.stdout, r.stdout[-2000:]
    finally:
        xvfb.terminate()
        xvfb.wait(10)
