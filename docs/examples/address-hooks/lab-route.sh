#!/bin/sh
# Ferry address hook (contract v1, docs/address-hooks.md) for the lab's routed service address: the address is a
# /32 on the owning host's lo, and the peer reaches it by a route through that host's segment address. Each host
# does its own part: the source drops the /32 (move) or takes it back (undo); the destination takes it (move) or
# drops it (undo) and asks the router (an agent on the peer, route-agent.sh) to point the /32 at it.
#   ROUTER=HOST:PORT  where the router agent listens (default 198.18.0.1:7100)
#   HOOK_STATE=DIR    optional: each call appended to DIR/calls; DIR/fault-<action>-<side> = fail | slow (tests)
# Needs: sh, jq, ip, socat. Ferry runs it as `HOOK ACTION` with the request on stdin, under `timeout -s KILL`.
# It runs inside the freeze: one jq for the request, printf for the reply.
set -u
t0=$(date +%s%N)
action=${1:-}
router=${ROUTER:-198.18.0.1:7100}
reply() { # ok message [routed]
  printf '{"version":1,"ok":%s,"message":"%s","details":{"via":"%s","routed":"%s"},"ms":%s}\n' \
    "$1" "$2" "${me:-}" "${3:-}" "$(( ($(date +%s%N) - t0) / 1000000 ))"
  [ "$1" = true ] || exit 1
  exit 0
}
# version, side, this side's address (the next hop), the IPv4 addresses: all the request gives, in one jq.
eval "$(jq -r '@sh "version=\(.version) side=\(.side) me=\(.[.side].address // "") addrs=\([.addresses[] | select(.family == "inet") | .address] | join(" "))"')" ||
  reply false "unreadable request"
[ "$version" = 1 ] || reply false "unknown contract version"
[ -n "${HOOK_STATE:-}" ] && echo "$action $side" >>"$HOOK_STATE/calls"
case "$(cat "${HOOK_STATE:-/nonexistent}/fault-$action-$side" 2>/dev/null)" in
  fail) echo "injected failure" >&2; reply false "injected failure of $action on the $side" ;;
  slow) sleep 30 ;;
esac
[ -n "$me" ] || me=$(ip -j route get "${router%:*}" | jq -r '.[0].prefsrc')
route() { # ask the router to point ADDRESS/32 at me
  got=$(printf '%s %s\n' "$1/32" "$me" | socat -t 2 - "TCP:$router") || return 1
  [ "$got" = ok ] || { echo "router: $got" >&2; return 1; }
}
done=''
for a in $addrs; do
  case "$action:$side" in
    prepare:*) command -v socat >/dev/null && command -v ip >/dev/null || reply false "socat and ip are needed" ;;
    move:source | undo:destination) ip addr del "$a/32" dev lo 2>/dev/null || true ;;
    move:destination | undo:source)
      ip addr replace "$a/32" dev lo && route "$a" || reply false "could not take $a"
      done="$done $a" ;;
    *) reply false "unknown action $action" ;;
  esac
done
reply true "$action on the $side: done" "${done# }"
