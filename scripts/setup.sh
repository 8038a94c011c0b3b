#!/usr/bin/env bash
# Installs everything Ferry needs on a fresh Debian/Ubuntu machine, as root, idempotently:
# system packages, a CRIU that works on this kernel (private prefix), npm dependencies, the build.
# Usage: scripts/setup.sh [--no-build] [--with-browser] [--test-extras]
#   --test-extras: also what the tests need beyond the product (Debian 12's CRIU 3.17, too old for this
#                  kernel, to test that Ferry refuses it)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

build=1
browser=0
extras=0
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    --with-browser) browser=1 ;;
    --test-extras) extras=1 ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "setup: must run as root (it installs system packages and a CRIU build)" >&2
  exit 1
fi

# ---------------------------------------------------------------- system packages
packages=(
  iproute2 procps psmisc util-linux kmod
  openssh-server openssh-client openssl perl-base
  tini nftables iptables
  iputils-arping
  netcat-openbsd socat python3 jq
  redis-server redis-tools
  sudo ca-certificates
  gcc libc6-dev
)
[ "$browser" = 1 ] && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Never let package scripts start daemons (redis, sshd) in the root namespace.
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [ -e "$policy" ] && had_policy=1
  if [ "$had_policy" = 0 ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; fi
  trap '[ "$had_policy" = 0 ] && rm -f "$policy"' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$had_policy" = 0 ]; then rm -f "$policy"; fi
  trap - EXIT
else
  log "system packages present"
fi
mkdir -p /run/sshd

# ---------------------------------------------------------------- CRIU >= 4.2 in a private prefix
bash "$here/scripts/install-criu.sh"
bash "$here/scripts/build-lazy-pages-poll.sh"
if [ "$extras" = 1 ]; then
  bash "$here/scripts/install-criu.sh" --suite bookworm --wrapper criu-bookworm --min-version 0.0
fi

# ---------------------------------------------------------------- npm dependencies
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.ferry-lock-hash
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  log "installing npm dependencies (npm ci)"
  # The Electron binary cannot be downloaded here; the npm package is still needed for its types.
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
else
  log "npm dependencies up to date"
fi

if [ "$build" = 1 ]; then
  log "building"
  npm run -s build
fi
log "done"
