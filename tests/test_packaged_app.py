"""The packaged app (dist/pos-app, built by ``scripts/build-app`` from build.spec): the same smoke
checks the build runs, against a bundle that is already there.

CI builds the bundle after the test suite (``scripts/build-app`` in .ci/run, which runs these
checks itself), so on a clean clone this test is skipped. On a developer's machine it checks a
bundle that is at least as new as the sources, and says why it skipped otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "dist" / "pos-app" / "pos-app"
# What goes into the bundle: a change to any of these makes an existing build stale.
SOURCES = ("pos_app", "sync", "hardware", "resources", "build.spec", "pyproject.toml", "uv.lock")


def newest_source() -> tuple[float, Path]:
    newest = (0.0, ROOT)
    for name in SOURCES:
        top = ROOT / name
        paths = [top] if top.is_file() else [p for p in top.rglob("*")
                                             if p.is_file() and "__pycache__" not in p.parts]
        for path in paths:
            newest = max(newest, (path.stat().st_mtime, path))
    return newest


def stale_reason() -> str | None:
    if not sys.platform.startswith("linux"):
        return "scripts/build-app and its checks are Linux-only (see docs/install.md for Windows)"
    if shutil.which("bash") is None:
        return "bash not found"
    if not BINARY.exists():
        return f"{BINARY.relative_to(ROOT)} not built; scripts/build-app builds and checks it"
    mtime, path = newest_source()
    if mtime > BINARY.stat().st_mtime:
        return (f"{BINARY.relative_to(ROOT)} is older than {path.relative_to(ROOT)}; "
                "rebuild with scripts/build-app")
    return None


@pytest.mark.slow
def test_packaged_app_smoke_checks() -> None:
    reason = stale_reason()
    if reason:
        pytest.skip(reason)
    r = subprocess.run(["bash", str(ROOT / "scripts" / "build-app"), "--no-build"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"scripts/build-app --no-build failed:\n{r.stdout}\n{r.stderr}"
    lines = r.stdout.splitlines()
    assert lines and all(line.startswith(("ok ", "skip ")) for line in lines), r.stdout
