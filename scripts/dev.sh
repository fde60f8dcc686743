#!/usr/bin/env bash
# Set up hiptrack in a virtual environment and run one of its jobs.
#   scripts/dev.sh demo   - install, then analyse a bundled sample video (JSON, report, video, CSV)
#   scripts/dev.sh test   - install with test tools, then lint, type-check and run the tests
#   scripts/dev.sh eval   - score against ../shared/clips and ../shared/footage (if present)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${HIPTRACK_VENV:-.venv}"
PY="${PYTHON:-python3}"

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  local log
  log="$(mktemp)"
  if ! { "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip \
         && "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".$1"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "error: installing hiptrack failed (pip output above). Check the network to PyPI and try again." >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}

need_chromium() {
  # the report tests open the HTML report in a real headless browser (Debian's chromium)
  if command -v chromium >/dev/null 2>&1; then return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium for the report tests (apt-get)..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      || echo "warning: could not install chromium; browser tests will be skipped"
  else
    echo "note: chromium not found and not root: browser tests will be skipped"
  fi
}

case "${1:-}" in
  demo)
    setup ""
    mkdir -p out
    "$VENV/bin/hiptrack" analyze sample_videos/dev_cs_1.mp4 --exercise clamshell \
      --json out/dev_cs_1.json --report out/dev_cs_1.html --video out/dev_cs_1.annotated.mp4 \
      --csv out/dev_cs_1.csv --prescription hiptrack/data/prescription_sample.toml "${@:2}"
    echo "wrote out/dev_cs_1.json (session), .html (report: open it in a browser), .annotated.mp4, .csv"
    ;;
  test)
    setup "[dev]"
    need_chromium
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/mypy"
    "$VENV/bin/python" -m pytest "${@:2}"
    ;;
  eval)
    setup ""
    mkdir -p out
    "$VENV/bin/hiptrack" eval ../shared/clips ../shared/footage --json out/eval.json "${@:2}"
    ;;
  *)
    echo "usage: scripts/dev.sh demo|test|eval [extra args]" >&2
    exit 2
    ;;
esac
