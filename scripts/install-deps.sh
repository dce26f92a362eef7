#!/usr/bin/env bash
# Installs the system libraries Depot builds against, only when they are missing.
set -euo pipefail
need=()
for pkg in libsqlite3-dev libcmark-dev libzstd-dev libbz2-dev zlib1g-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
export PATH="$PATH:/opt/swift/usr/bin"
command -v swift >/dev/null || { echo "Swift toolchain not found (expected on PATH or in /opt/swift)" >&2; exit 1; }
