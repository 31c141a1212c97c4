"""Running the real ``pos-app`` console script in a subprocess, as the outside tests do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def pos_app_cmd() -> list[str]:
    script = Path(sys.executable).parent / "pos-app"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pos_app"]


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_APP_")}
    env.update({"POS_APP_DATA_DIR": str(data_dir), "POS_APP_SECRET_BACKEND": "file",
                "PYTHONPATH": str(ROOT)}, **extra)
    return env


def run(
    data_dir: Path, *args: str, timeout: float = 150, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*pos_app_cmd(), *args], env=env_for(data_dir), capture_output=True, text=True,
        timeout=timeout, input=stdin, cwd=ROOT,
    )


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
