#!/usr/bin/env bash
# End-to-end tests with real clients against a real `depot serve`: headless Chromium, py-rattler
# installing from mirrored conda channels, mirror run lifecycles (crash, stop, concurrency),
# pip / uv installing from mirrored Python simple indexes, and R's install.packages from mirrored
# CRAN-like repositories.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
scripts/e2e-setup.sh
PY="$ROOT/.venv-e2e/bin/python"
status=0
"$PY" Tests/EndToEnd/browser_test.py --binary "$ROOT/.build/debug/depot" || status=1
"$PY" Tests/EndToEnd/conda_test.py --binary "$ROOT/.build/debug/depot" || status=1
"$PY" Tests/EndToEnd/policy_test.py --binary "$ROOT/.build/debug/depot" || status=1
"$PY" Tests/EndToEnd/lifecycle_test.py --binary "$ROOT/.build/debug/depot" || status=1
"$PY" Tests/EndToEnd/python_test.py --binary "$ROOT/.build/debug/depot" || status=1
"$PY" Tests/EndToEnd/r_test.py --binary "$ROOT/.build/debug/depot" || status=1
exit $status
