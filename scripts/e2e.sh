#!/usr/bin/env bash
# End-to-end tests with real clients against a real `depot serve`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
scripts/e2e-setup.sh
"$ROOT/.venv-e2e/bin/python" Tests/EndToEnd/browser_test.py --binary "$ROOT/.build/debug/depot"
