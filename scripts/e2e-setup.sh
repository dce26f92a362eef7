#!/usr/bin/env bash
# Installs what the end-to-end tests (Tests/EndToEnd/browser_test.py,
# Tests/EndToEnd/conda_test.py, Tests/EndToEnd/python_test.py,
# Tests/EndToEnd/r_test.py) need: Debian's chromium, chromium-driver,
# python3-venv and (when Rscript is missing) r-base-core, and a Python venv at
# $ROOT/.venv-e2e with selenium, py-rattler, conda-package-handling,
# zstandard, uv, build, setuptools>=70 and wheel. Idempotent; does nothing slow when
# everything is already present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-e2e"
PACKAGES=(chromium chromium-driver python3-venv)

missing=()
for pkg in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done
# R for Tests/EndToEnd/r_test.py (R CMD build, write_PACKAGES, install.packages).
if ! command -v Rscript >/dev/null 2>&1; then
    missing+=(r-base-core)
fi

if ((${#missing[@]} > 0)); then
    echo "e2e-setup: installing ${missing[*]}"
    SUDO=()
    if [[ "$(id -u)" -ne 0 ]]; then
        SUDO=(sudo)
    fi
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
fi

# Debian's python3 (the one python3-venv is for); fall back to PATH's.
PYTHON=/usr/bin/python3
if [[ ! -x "$PYTHON" ]]; then
    PYTHON="$(command -v python3)"
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "e2e-setup: creating venv $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

if ! "$VENV/bin/python" -c 'import selenium' >/dev/null 2>&1; then
    echo "e2e-setup: installing selenium into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check selenium
fi

if ! "$VENV/bin/python" -c 'import rattler, conda_package_handling, zstandard' >/dev/null 2>&1; then
    echo "e2e-setup: installing py-rattler conda-package-handling zstandard into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check py-rattler conda-package-handling zstandard
fi

# Python packaging tools for Tests/EndToEnd/python_test.py: uv (a second
# Python client), and setuptools>=70 + wheel + build to make the fixture
# wheels and sdists offline (--no-build-isolation).
if ! "$VENV/bin/python" - >/dev/null 2>&1 <<'PYCHECK'
import os, sys
import wheel, build  # noqa: F401
import setuptools
major = int(setuptools.__version__.split(".")[0])
uv = os.path.join(os.path.dirname(sys.executable), "uv")
sys.exit(0 if major >= 70 and os.access(uv, os.X_OK) else 1)
PYCHECK
then
    echo "e2e-setup: installing uv build setuptools>=70 wheel into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check uv build "setuptools>=70" wheel
fi

echo "e2e-setup: ready ($VENV/bin/python)"
