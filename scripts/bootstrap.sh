#!/usr/bin/env bash
# Installs everything pos-app needs on a fresh Debian/Ubuntu machine with Python 3.11+:
# the system libraries Qt and simpleaudio need (apt), a tool venv with uv, and the project's
# locked Python packages in .venv. Safe to run again: it only installs what is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

APT_PACKAGES=(
  # Qt offscreen/xcb runtime
  libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfreetype6 libfontconfig1 libdbus-1-3
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1
  # simpleaudio build
  libasound2-dev gcc python3-dev
  # a virtual screen for trying the window by hand and for screenshots
  xvfb
  # Indonesian fonts render fine with DejaVu
  fonts-dejavu-core
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing system packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${POS_APP_PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY="$(command -v "$cand")"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "bootstrap: Python 3.11+ not found" >&2; exit 2; }

# uv lives in its own small venv so that syncing .venv never removes it.
if [ ! -x .tools/bin/uv ]; then
  "$PY" -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.8"
fi
export UV_PYTHON="$PY" UV_PROJECT_ENVIRONMENT="$here/.venv"
# Not editable (see [tool.uv] in pyproject.toml): the tests put the work tree first on sys.path.
.tools/bin/uv sync --quiet --frozen --all-extras --no-editable
