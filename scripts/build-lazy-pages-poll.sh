#!/usr/bin/env bash
# Builds scripts/lazy-pages-poll.c into Ferry's CRIU build folder (the one /opt/ferry/bin/criu runs), as
# ferry/lazy-pages-poll.so: the lazy-pages guard preloads it into CRIU's lazy-pages daemon (why: the C file).
# Inside the build folder, `ferry hosts prepare` pushes it with CRIU. Idempotent: rebuilt when the source changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${FERRY_CRIU_ROOT:-/opt/ferry}
src="$here/lazy-pages-poll.c"
build=$(sed -n "s|^exec '[^']*' --library-path '[^']*' '\\(/[^']*\\)/usr/sbin/criu' .*|\\1|p" "$root/bin/criu")
[ -n "$build" ] && [ -d "$build" ] || { echo "lazy-pages-poll: $root/bin/criu names no CRIU build folder" >&2; exit 1; }
out="$build/ferry/lazy-pages-poll.so"
sum=$(sha256sum "$src" | cut -d' ' -f1)
if [ -f "$out" ] && [ "$(cat "$out.sha256" 2>/dev/null)" = "$sum" ]; then
  printf '\033[1m[criu]\033[0m lazy-pages poll shim present (%s)\n' "$out"
  exit 0
fi
mkdir -p "$build/ferry"
cc -O2 -Wall -shared -fPIC -o "$out.tmp" "$src" -ldl
mv "$out.tmp" "$out"
echo "$sum" >"$out.sha256"
printf '\033[1m[criu]\033[0m built the lazy-pages poll shim (%s)\n' "$out"
