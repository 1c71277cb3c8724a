# Shared by the README's commands: install what is missing from Debian's packages, then build.
# Sourced, not run. Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail

DOORMAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOORMAT_BUILD="${DOORMAT_BUILD:-$DOORMAT_ROOT/build}"

# Every Debian package the project needs, and nothing else.
DOORMAT_PACKAGES=(
  g++ cmake make pkg-config python3 python3-cryptography python3-argon2 openssl
  libsodium-dev libdecaf-dev libbotan-2-dev libsqlite3-dev
  nlohmann-json3-dev libcpp-httplib-dev libcli11-dev libfmt-dev
  libgtest-dev libbenchmark-dev
  chromium iproute2 valgrind
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_packages() {
  local missing=()
  for p in "${DOORMAT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing missing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
  ensure_packages
  if [ ! -f "$DOORMAT_BUILD/CMakeCache.txt" ]; then
    log "configuring ($DOORMAT_BUILD, Release)"
    cmake -S "$DOORMAT_ROOT" -B "$DOORMAT_BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  log "building"
  cmake --build "$DOORMAT_BUILD" -j "$(nproc)"
}
