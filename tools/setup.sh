#!/usr/bin/env bash
# One-step set-up for a fresh Debian 12 machine (run as root, or with sudo available).
#   bash tools/setup.sh render             # install everything, then render the backprop video (720p30)
#   bash tools/setup.sh test [pytest args] # install everything, then ruff check, mypy and the test suite
#   bash tools/setup.sh                    # install everything only
# Idempotent: each step checks first and is skipped when already done.
# Quiet: one line per step with its duration; apt, dpkg, pip and manim write to .venv/setup.log
# (rewritten each run). A failing step prints the last 30 lines of the log and its path, and the
# script exits non-zero. The test suite's output goes to the terminal unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}
LOG="$VENV/setup.log"        # .venv/ is git-ignored; the log lives and dies with the venv

case "${1:-}" in render|test|"") ;; *) echo "usage: bash tools/setup.sh [render|test [pytest args]]" >&2; exit 2 ;; esac

mkdir -p "$VENV"
: >"$LOG"
if [ -t 1 ]; then B=$'\033[1m'; R=$'\033[0m'; else B=""; R=""; fi
say() { printf '%s[setup]%s %s\n' "$B" "$R" "$*"; }
now() { local t=${EPOCHREALTIME:-$(date +%s.%N)}; echo "${t/,/.}"; }
took() { awk -v s="$1" -v e="$(now)" 'BEGIN { d = e - s; if (d < 60) printf "%.1f s", d; else printf "%d min %02d s", d / 60, d % 60 }'; }

# step "what it does" command...: one terminal line "what it does ... done, 12.3 s"; the command's
# output goes to the log. On failure: the log's last 30 lines and its path, then exit non-zero.
step() {
  local what=$1 t0 rc=0; shift
  t0=$(now)
  printf '%s[setup]%s %s ... ' "$B" "$R" "$what"
  printf '\n==== %s\n==== $ %s\n' "$what" "$*" >>"$LOG"
  "$@" </dev/null >>"$LOG" 2>&1 || rc=$?
  if ((rc == 0)); then
    printf 'done, %s\n' "$(took "$t0")"
  else
    printf 'FAILED after %s (exit %d)\n' "$(took "$t0")" "$rc"
    { echo "---- last 30 lines of $LOG ----"
      tail -n 30 "$LOG"
      echo "---- full log: $LOG"; } >&2
    exit "$rc"
  fi
}
# skipped "what was checked" t0: the one line for a step that had nothing to do.
skipped() { say "$1 (checked in $(took "$2"))"; }

say "gdviz set-up; details in ${LOG#"$ROOT/"}"

# 1. System packages: cairo/pango headers for manim's wheels (pycairo is built from source),
#    ffmpeg, a LaTeX with standalone + dvisvgm for MathTex, Chromium (the slide deck's page
#    check), npm if no npm is on the PATH (to fetch reveal.js); and what Debian's own python3 keeps
#    in separate packages: venv's pip bootstrap (ensurepip) and the C headers (Python.h).
t0=$(now)
APT_PACKAGES=(build-essential pkg-config libcairo2-dev libpango1.0-dev ffmpeg
              texlive-latex-base texlive-latex-extra texlive-fonts-recommended
              texlive-science dvisvgm cm-super chromium)
installed=" $(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${APT_PACKAGES[@]}" 2>/dev/null \
               | awk '$1 == "ii" { printf "%s ", $2 }') " || true
missing=()
for p in "${APT_PACKAGES[@]}"; do
  [[ $installed == *" $p "* ]] || missing+=("$p")
done
command -v npm >/dev/null || missing+=(npm)   # a Node.js from elsewhere brings its own npm
pyver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
"$PY" -c "import ensurepip" 2>/dev/null || missing+=("python${pyver}-venv")
"$PY" -c "import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
  || missing+=("python${pyver}-dev")
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; sudo -v; fi   # any password prompt on the terminal, not in the log
  apt_install() (
    set -x
    rc=0
    $SUDO apt-get update -q &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
    # The downloaded .debs (about 465 MB on a bare Debian 12) go again, even after a failed install.
    $SUDO apt-get clean
    exit "$rc"
  )
  n=${#missing[@]}; ((n == 1)) && what="package" || what="packages"
  step "installing $n Debian $what (${missing[*]}) and dependencies" apt_install
else
  skipped "Debian packages present" "$t0"
fi

# 2. Virtual environment in the repo (re-made in place if it lost its pip).
t0=$(now)
if ! "$VENV/bin/python" -c "import pip" 2>/dev/null; then
  step "creating the virtual environment .venv" "$PY" -m venv "$VENV"
else
  skipped "virtual environment .venv present" "$t0"
fi

# 3. The project (editable) with its test extras; re-run only when pyproject.toml changes.
t0=$(now)
stamp="$VENV/.gdviz-installed"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  pip_install() (
    set -x
    "$VENV/bin/python" -m pip install --upgrade pip &&
    "$VENV/bin/python" -m pip install -e ".[test]"
  )
  step "installing gdviz and its Python dependencies into .venv (pip)" pip_install
  echo "$want" > "$stamp"
else
  skipped "gdviz installed in .venv, pyproject.toml unchanged" "$t0"
fi

# 4. The slides (python -m scenes slides): manim-slides 5.7.0 (scenes/publishing/slides.py holds the
#    shim for that version on manim 0.22) and reveal.js 6.0.1 from the npm registry, unpacked into
#    the venv, from where each deck gets its own copy.
t0=$(now)
if ! "$VENV/bin/python" -c "import importlib.metadata as m; assert m.version('manim-slides') == '5.7.0'" 2>/dev/null; then
  step "installing manim-slides 5.7.0 into .venv (pip)" "$VENV/bin/python" -m pip install "manim-slides==5.7.0"
else
  skipped "manim-slides 5.7.0 installed in .venv" "$t0"
fi
t0=$(now)
REVEAL="$VENV/share/reveal.js/6.0.1"
if [ ! -f "$REVEAL/dist/reveal.js" ]; then
  reveal_install() (
    set -x
    tmp=$(mktemp -d) &&
    (cd "$tmp" && npm pack reveal.js@6.0.1 && tar xzf reveal.js-6.0.1.tgz) &&
    mkdir -p "$(dirname "$REVEAL")" && rm -rf "$REVEAL.tmp" &&
    mv "$tmp/package" "$REVEAL.tmp" && mv "$REVEAL.tmp" "$REVEAL" && rm -rf "$tmp"
  )
  step "fetching reveal.js 6.0.1 (npm pack) into .venv/share/reveal.js/" reveal_install
else
  skipped "reveal.js 6.0.1 present in .venv/share/reveal.js/" "$t0"
fi

case "${1:-}" in
  render)
    step "rendering scenes/backprop.py at 720p30 (manim -qm)" \
      "$VENV/bin/manim" render -qm --progress_bar none scenes/backprop.py
    video=$(ls -t media/videos/backprop/720p30/*.mp4 2>/dev/null | head -n 1 || true)
    say "video: ${video:-media/videos/backprop/720p30/} (captions beside it as .srt)"
    ;;
  test)
    # The same three checks as CI (.ci/run), in this order; all three run, and the exit status is
    # non-zero if any failed. Their output goes to the terminal unchanged.
    shift
    failed=()
    t0=$(now); say "lint: ruff check"
    "$VENV/bin/ruff" check . || failed+=("ruff")
    say "lint: done in $(took "$t0")"
    t0=$(now); say "types: mypy (gdcore and scenes, settings in pyproject.toml)"
    "$VENV/bin/mypy" || failed+=("mypy")
    say "types: done in $(took "$t0")"
    shown=""; for a in "$@"; do [[ $a == *[[:space:]]* ]] && a="\"$a\""; shown+=" $a"; done
    say "running the test suite: python -m pytest$shown"
    "$VENV/bin/python" -m pytest "$@" || failed+=("pytest")
    if ((${#failed[@]})); then say "FAILED: ${failed[*]}"; exit 1; fi
    say "ruff, mypy and pytest passed"
    ;;
esac
