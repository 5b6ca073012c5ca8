#!/usr/bin/env bash
# Sets up the Python environment `kvzip report` draws its plots with:
# a virtual environment in .venv (git-ignored) with matplotlib from PyPI.
# Idempotent. The Markdown table needs no matplotlib; only the plots do.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -x "$root/.venv/bin/python" ]]; then
  python3 -m venv "$root/.venv"
fi
if ! "$root/.venv/bin/python" -c "import matplotlib" 2>/dev/null; then
  "$root/.venv/bin/pip" install -q -r "$root/scripts/report_requirements.txt"
fi
echo "report environment ready: $root/.venv" >&2
