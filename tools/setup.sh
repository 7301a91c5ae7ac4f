#!/usr/bin/env bash
# One-step set-up for a fresh Debian 12 machine (run as root, or with sudo available).
#   bash tools/setup.sh render   # install everything, then render the backprop video
#   bash tools/setup.sh test     # install everything, then run the test suite
#   bash tools/setup.sh          # install everything only
# Idempotent: each step checks first and is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# 1. System packages: cairo/pango headers for manim's wheels, ffmpeg, and a LaTeX
#    with standalone + dvisvgm for MathTex.
APT_PACKAGES=(build-essential pkg-config libcairo2-dev libpango1.0-dev ffmpeg
              texlive-latex-base texlive-latex-extra texlive-fonts-recommended
              texlive-science dvisvgm cm-super chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages present"
fi

# 2. What Debian's own python3 keeps in separate packages: venv's pip bootstrap (ensurepip) and the
#    C headers that pycairo's build needs (pip builds it from source on Linux).
pyver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
py_missing=()
"$PY" -c "import ensurepip" 2>/dev/null || py_missing+=("python${pyver}-venv")
"$PY" -c "import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
  || py_missing+=("python${pyver}-dev")
if ((${#py_missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing ${py_missing[*]} for $PY"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${py_missing[@]}"
fi

# 3. Virtual environment in the repo.
if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment in .venv"
  "$PY" -m venv "$VENV"
fi

# 4. The project (editable) with its test extras; re-run only when pyproject.toml changes.
stamp="$VENV/.gdviz-installed"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing the project and its dependencies into .venv"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[test]"
  echo "$want" > "$stamp"
else
  say "project already installed in .venv"
fi

# 5. The slides (python -m scenes slides): manim-slides is in the project's "slides" extra; reveal.js,
#    which the deck loads from a folder beside it, comes from the npm registry into the venv.
if ! "$VENV/bin/python" -c "import importlib.metadata as m; assert m.version('manim-slides') == '5.7.0'" 2>/dev/null; then
  say "installing manim-slides 5.7.0 into .venv"
  "$VENV/bin/python" -m pip install -q "manim-slides==5.7.0"
fi
REVEAL="$VENV/share/reveal.js/6.0.1"
if [ ! -f "$REVEAL/dist/reveal.js" ]; then
  if ! command -v npm >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    say "installing npm (to fetch reveal.js)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
  fi
  say "fetching reveal.js 6.0.1 from the npm registry into $REVEAL"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack -q reveal.js@6.0.1 >/dev/null && tar xzf reveal.js-6.0.1.tgz)
  mkdir -p "$(dirname "$REVEAL")"
  rm -rf "$REVEAL.tmp" && mv "$tmp/package" "$REVEAL.tmp" && mv "$REVEAL.tmp" "$REVEAL"
  rm -rf "$tmp"
else
  say "reveal.js 6.0.1 present"
fi

case "${1:-}" in
  render)
    say "rendering scenes/backprop.py"
    "$VENV/bin/manim" render -qm scenes/backprop.py
    say "video written under media/videos/backprop/"
    ;;
  test)
    shift
    say "running the test suite"
    "$VENV/bin/python" -m pytest "$@"
    ;;
  "") ;;
  *) echo "usage: bash tools/setup.sh [render|test [pytest args]]" >&2; exit 2 ;;
esac
