#!/usr/bin/env bash
# Installs the Debian packages Cathedral needs, when any are missing.
# Non-interactive (CI has no standard input); needs root for apt-get.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  nlohmann-json3-dev pybind11-dev libgtest-dev
  python3 python3-dev python3-venv python3-pip python3-setuptools python3-wheel
  python3-numpy python3-pandas python3-xarray python3-pytest python3-matplotlib python3-tqdm
  python3-nbclient python3-nbformat python3-ipykernel
  python3-jsonschema python3-hypothesis
  python3-scipy
)
if [ "${CATHEDRAL_WITH_BENCH:-0}" = 1 ]; then PACKAGES+=(python3-numba); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "cathedral: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else
    echo "cathedral: these packages are missing and installing them needs root:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
