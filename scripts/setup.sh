#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for Latchkey: the system packages (libsecret and a Secret Service
# for the keychain, build tools for keytar), pnpm 10, the workspace's dependencies, and a build.
# Safe to run again. Needs root or sudo only when a system package is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

phase() { printf '==> [%s] %s\n' "$(date -u '+%H:%M:%S')" "$*" >&2; }
retry() {
  local n=$1 i; shift
  for ((i = 1; i <= n; i++)); do
    "$@" && return 0
    [[ $i -lt $n ]] && { echo "   (attempt $i of $n failed: $*; retrying in 5 s)" >&2; sleep 5; }
  done
  return 1
}

APT_PACKAGES=(
  gnome-keyring dbus libsecret-tools libsecret-1-dev   # the Secret Service, secret-tool, keytar's build dependency
  python3 make g++                                     # node-gyp: keytar builds from source
  protobuf-compiler protobuf-compiler-grpc python3-grpcio  # protoc: pnpm gen:proto (CI checks the generated code) and clients in other languages
  util-linux                                           # setpriv and logger, used by the tests
  zsh fish                                             # the completion scripts are tested in their own shells
  postgresql mariadb-server redis-server               # real database servers the temporary-user tests start in a temp folder
  rsyslog                                              # a system log the audit-copy tests start on a socket of their own
  git git-filter-repo                                  # agent scan --history; the test runs the git filter-repo command --fix prints
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  phase "apt-get install ${missing[*]}"
  retry 3 $SUDO apt-get update -q
  retry 3 $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The database tests start their servers as this unprivileged user when they run as root (CI does):
# PostgreSQL refuses to run as root. No system service is started or enabled here.
if [[ $(id -u) -eq 0 ]] && ! id latchkey-db >/dev/null 2>&1; then
  phase "useradd latchkey-db"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin latchkey-db
fi

if ! command -v pnpm >/dev/null 2>&1 || [[ "$(pnpm --version 2>/dev/null | cut -d. -f1)" != "10" ]]; then
  # corepack's download of pnpm may be unreachable; the npm registry is enough.
  phase "npm i -g pnpm@10"
  SUDO=""
  [[ $(id -u) -ne 0 && ! -w "$(npm prefix -g)" ]] && SUDO="sudo"
  retry 3 $SUDO npm i -g pnpm@10
fi

# keytar is built by node-gyp against the local Node headers when its prebuilt download is unreachable.
if [[ -z "${npm_config_nodedir:-}" ]]; then
  cfg="$(npm config get nodedir 2>/dev/null || true)"
  if [[ -z "$cfg" || "$cfg" == "undefined" || "$cfg" == "null" ]]; then
    prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
    [[ -f "$prefix/include/node/node.h" ]] && export npm_config_nodedir="$prefix"
  fi
fi

phase "pnpm install"
if [[ -n "${CI:-}" ]]; then pnpm install --frozen-lockfile; else pnpm install; fi
phase "pnpm build"
pnpm -s build
phase "ready: node $(node --version), pnpm $(pnpm --version)"
