#!/usr/bin/env bash
# Installs CRIU >= 4.2 from Debian unstable into a private prefix (/opt/ferry/criu/VERSION) with its own
# runtime libraries (libc6 included), started through that prefix's loader by /opt/ferry/bin/criu.
# The system's apt configuration is not touched: a private sources list, lists and cache are used.
# Idempotent: does nothing when /opt/ferry/bin/criu already reports a version >= 4.2.
set -euo pipefail

root=${FERRY_CRIU_ROOT:-/opt/ferry}
wrapper="$root/bin/criu"
suite=${FERRY_CRIU_SUITE:-unstable}
mirror=${FERRY_CRIU_MIRROR:-http://deb.debian.org/debian}

log() { printf '\033[1m[criu]\033[0m %s\n' "$*"; }

version_ok() {
  local v
  v=$("$wrapper" --version 2>/dev/null | sed -n 's/^Version: *//p') || return 1
  [ -n "$v" ] || return 1
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  [ "$major" -gt 4 ] || { [ "$major" -eq 4 ] && [ "$minor" -ge 2 ]; }
}

if [ -x "$wrapper" ] && version_ok; then
  log "present: $("$wrapper" --version | head -1) ($wrapper)"
  exit 0
fi

work="$root/apt"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$work/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "Dir::State::status=/dev/null"
  -o "APT::Architecture=amd64"
  -o "APT::Sandbox::User=root"
)
log "fetching the $suite package index (private lists in $work)"
apt-get "${apt_opts[@]}" -qq update

version=$(apt-cache "${apt_opts[@]}" show criu | sed -n 's/^Version: *//p' | head -1)
[ -n "$version" ] || { echo "criu: no criu package in $suite" >&2; exit 1; }
# Everything criu needs at run time, computed as if nothing were installed (status=/dev/null).
deps=$(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances criu | grep -v '^ ' | grep -v '^<' | sort -u)
log "downloading criu $version and $(echo "$deps" | wc -l) packages"
rm -f "$work/debs"/*.deb
(cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download $deps)

upstream=${version#*:}; upstream=${upstream%%-*}
prefix="$root/criu/$upstream"
rm -rf "$prefix.tmp"
mkdir -p "$prefix.tmp"
for deb in "$work/debs"/*.deb; do dpkg-deb -x "$deb" "$prefix.tmp"; done
rm -rf "$prefix"
mv "$prefix.tmp" "$prefix"

mkdir -p "$root/bin"
cat >"$wrapper.tmp" <<EOF
#!/bin/sh
# CRIU $version from Debian $suite, run through its own loader and libraries (installed by Ferry).
P='$prefix'
L="\$P/usr/lib/x86_64-linux-gnu"
exec "\$L/ld-linux-x86-64.so.2" --library-path "\$L" "\$P/usr/sbin/criu" "\$@"
EOF
chmod 755 "$wrapper.tmp"
mv "$wrapper.tmp" "$wrapper"

version_ok || { echo "criu: installed wrapper does not report a version >= 4.2" >&2; "$wrapper" --version >&2 || true; exit 1; }
"$wrapper" check >/dev/null 2>&1 && log "criu check: Looks good" || log "warning: 'criu check' reports problems (see: $wrapper check)"
log "installed $("$wrapper" --version | head -1) at $prefix"
