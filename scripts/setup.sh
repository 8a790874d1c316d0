#!/usr/bin/env bash
# Set up convviz on a fresh Debian/Ubuntu machine: the system libraries Qt needs, a virtual
# environment in .venv, and convviz itself (editable). Safe to run again: it skips what is there.
#
#   bash scripts/setup.sh          # to run the app
#   bash scripts/setup.sh --test   # to run the tests too (adds pytest, pytest-qt, hypothesis, ruff)
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

# Qt's libraries for a real window (xcb) and for offscreen rendering, fonts for text, Xvfb for a
# virtual screen on machines without one. Installed only when missing.
packages="fonts-dejavu-core libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-shape0
 libxcb-xkb1 libxcb-xinerama0 libx11-xcb1 libglib2.0-0 xvfb xauth"
if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  python3 -m venv --help >/dev/null 2>&1 || missing="$missing python3-venv"
  if [ -n "$missing" ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "convviz setup: installing system packages:$missing"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "convviz needs Python 3.11 or newer; $($python --version) found. Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# constraints.txt pins torch to the CPU wheel (a bare "torch" can pull a multi-GB CUDA build)
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".$extras"
echo "convviz setup: done ($(.venv/bin/python -c 'import torch, PySide6; print("torch", torch.__version__, "/ PySide6", PySide6.__version__)'))"
