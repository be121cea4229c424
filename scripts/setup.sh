#!/usr/bin/env bash
# Installs what the suite needs on Debian 12 (as root, or with sudo available) and builds it.
# Safe to run again: installs only what is missing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libsqlite3-dev libpq-dev libsoci-dev libboost-dev
  libzip-dev libexpat1-dev libcsv-dev libjwt-dev
  postgresql postgresql-common
)
# Callers add their own needs (scripts/test.sh: what the deployment smoke test runs on).
read -r -a extra <<<"${LV_EXTRA_PACKAGES:-}"
PACKAGES+=("${extra[@]}")
# Node.js may come from elsewhere (its own npm); Debian's npm only when there is none.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# buf (proto lint, gRPC curl) comes from npm, pinned by package-lock.json.
if [ ! -x node_modules/.bin/buf ]; then
  echo "== installing buf from npm"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "== building (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build --parallel "$(nproc)"
