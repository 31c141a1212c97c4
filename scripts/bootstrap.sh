#!/usr/bin/env bash
# Installs everything pos-app needs on a fresh Debian/Ubuntu machine with Python 3.11+:
# the system packages (apt: Qt's libraries, a C compiler and Python headers for simpleaudio,
# venv support for the chosen Python, CA certificates, Xvfb + xauth), a tool venv with uv, and
# the project's locked Python packages in .venv. Safe to run again: it only installs what is
# missing. Checked on a bare `debootstrap --variant=minbase bookworm` by scripts/check-fresh-machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

APT_PACKAGES=(
  # Qt offscreen/xcb runtime
  libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfreetype6 libfontconfig1 libdbus-1-3
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1
  # simpleaudio build (the Python headers are added below, for the Python actually used)
  libasound2-dev gcc
  # USB receipt printers (python-escpos through pyusb)
  libusb-1.0-0
  # HTTPS to PyPI and to the payment gateways
  ca-certificates
  # a virtual screen for trying the window by hand and for screenshots (`xvfb-run -a ...`;
  # xvfb-run needs xauth, which is only a Recommends of xvfb)
  xvfb xauth
  # reading the exported PDF reports in tests (pdftoppm, pdftotext)
  poppler-utils
  # Indonesian fonts render fine with DejaVu
  fonts-dejavu-core
  # the central store's tests (tests/pg_cluster.py) start a throwaway PostgreSQL cluster
  postgresql
)

# The newest Python 3.11+ on PATH (POS_APP_PYTHON overrides). A pyenv shim for a version that
# is not active fails the version check and is skipped.
find_python() {
  if [ -n "${POS_APP_PYTHON:-}" ]; then
    command -v "$POS_APP_PYTHON" || { echo "bootstrap: POS_APP_PYTHON=$POS_APP_PYTHON not found" >&2; return 1; }
    return 0
  fi
  local cand
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      command -v "$cand"; return 0
    fi
  done
  return 1
}

# A Debian/Ubuntu Python (owned by a dpkg package) has its venv support (ensurepip) and its C
# headers in separate packages, e.g. python3.11-venv and python3.11-dev. A pyenv or self-built
# Python already has both.
python_packages() {
  local py="$1" ver
  dpkg -S "$(readlink -f "$py")" >/dev/null 2>&1 || return 0
  ver="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  echo "python$ver-venv python$ver-dev"
}

PY="$(find_python || true)"
[ -n "$PY" ] || [ -z "${POS_APP_PYTHON:-}" ] || exit 2
if [ -n "$PY" ]; then
  read -r -a extra <<<"$(python_packages "$PY")"
  APT_PACKAGES+=("${extra[@]}")
else
  # No Python 3.11+ at all: the distribution's python3 (3.11 on Debian 12, 3.12 on Ubuntu 24.04).
  APT_PACKAGES+=(python3 python3-venv python3-dev)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing system packages: ${missing[*]}" >&2
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
      echo "bootstrap: not root and no sudo; as root run: apt-get install --no-install-recommends ${missing[*]}" >&2
      exit 2
    }
    SUDO=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -n "$PY" ] || PY="$(find_python || true)"
[ -n "$PY" ] || { echo "bootstrap: Python 3.11+ not found (set POS_APP_PYTHON to one)" >&2; exit 2; }

# uv lives in its own small venv so that syncing .venv never removes it.
if [ ! -x .tools/bin/uv ]; then
  # --clear: a .tools left half-made by an earlier failed run (no pip) is made again.
  "$PY" -m venv --clear .tools || {
    echo "bootstrap: '$PY -m venv' failed; install venv support for that Python (Debian/Ubuntu: python3-venv)" >&2
    exit 2
  }
  .tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.8"
fi
export UV_PYTHON="$PY" UV_PROJECT_ENVIRONMENT="$here/.venv"
# Not editable (see [tool.uv] in pyproject.toml): the tests put the work tree first on sys.path.
# setuptools builds the wheel from build/lib, which it never empties: a module moved or deleted
# since the last set-up (sync/providers/pakasir.py -> sync/providers/pakasir/) would be installed
# again from there.
rm -rf build/lib build/bdist.*
.tools/bin/uv sync --quiet --frozen --all-extras --no-editable
