#!/usr/bin/env bash
# Installs CRIU >= 4.2 from Debian unstable into a private prefix (/opt/ferry/criu/VERSION) with its own
# runtime libraries (libc6 included), started through that prefix's loader by /opt/ferry/bin/criu.
# The system's apt configuration is not touched: a private sources list, lists and cache are used.
# Idempotent: does nothing when /opt/ferry/bin/criu already reports a version >= 4.2.
# Options (for tests that need a real CRIU too old for this kernel):
#   --suite S        Debian suite to take criu from (default unstable)
#   --wrapper NAME   name of the wrapper in /opt/ferry/bin (default criu)
#   --min-version M  oldest acceptable version, major.minor (default 4.2)
set -euo pipefail

root=${FERRY_CRIU_ROOT:-/opt/ferry}
suite=unstable
name=criu
min=4.2
while [ $# -gt 0 ]; do
  case "$1" in
    --suite) suite=$2; shift 2 ;;
    --wrapper) name=$2; shift 2 ;;
    --min-version) min=$2; shift 2 ;;
    *) echo "install-criu: unknown option $1" >&2; exit 2 ;;
  esac
done
wrapper="$root/bin/$name"
mirror=${FERRY_CRIU_MIRROR:-http://deb.debian.org/debian}
min_major=${min%%.*}; min_minor=${min#*.}

log() { printf '\033[1m[criu]\033[0m %s\n' "$*"; }

version_ok() {
  local v
  v=$("$wrapper" --version 2>/dev/null | sed -n 's/^Version: *//p') || return 1
  [ -n "$v" ] || return 1
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  [ "$major" -gt "$min_major" ] || { [ "$major" -eq "$min_major" ] && [ "$minor" -ge "$min_minor" ]; }
}

if [ -x "$wrapper" ] && version_ok; then
  log "present: $("$wrapper" --version | head -1) ($wrapper)"
  exit 0
fi

work="$root/apt/$suite"
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
prefix="$root/criu/$suite-$upstream"
rm -rf "$prefix.tmp"
mkdir -p "$prefix.tmp"
for deb in "$work/debs"/*.deb; do dpkg-deb -x "$deb" "$prefix.tmp"; done
rm -rf "$prefix"
mv "$prefix.tmp" "$prefix"

mkdir -p "$root/bin"
# Older suites keep libraries in /lib (no merged /usr) and the loader in /lib64.
libdirs=""
for d in usr/lib/x86_64-linux-gnu lib/x86_64-linux-gnu; do
  [ -d "$prefix/$d" ] && libdirs="${libdirs:+$libdirs:}$prefix/$d"
done
loader=""
for l in usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 lib64/ld-linux-x86-64.so.2; do
  [ -e "$prefix/$l" ] && { loader="$prefix/$l"; break; }
done
[ -n "$loader" ] || { echo "criu: no loader in $prefix" >&2; exit 1; }
cat >"$wrapper.tmp" <<EOF
#!/bin/sh
# CRIU $version from Debian $suite, run through its own loader and libraries (installed by Ferry).
exec '$loader' --library-path '$libdirs' '$prefix/usr/sbin/criu' "\$@"
EOF
chmod 755 "$wrapper.tmp"
mv "$wrapper.tmp" "$wrapper"

version_ok || { echo "criu: installed wrapper does not report a version >= $min" >&2; "$wrapper" --version >&2 || true; exit 1; }
"$wrapper" check >/dev/null 2>&1 && log "criu check: Looks good" || log "warning: 'criu check' reports problems (see: $wrapper check)"
log "installed $("$wrapper" --version | head -1) at $prefix"
