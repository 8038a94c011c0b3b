#!/bin/sh
# The lab's router agent (for lab-route.sh): one request line "ADDRESS/32 NEXT-HOP" from a connection, both in
# 198.18.0.0/15, becomes `ip route replace ADDRESS/32 via NEXT-HOP` on this host; it answers "ok" or the error.
# Run on the peer under socat: socat TCP-LISTEN:7100,bind=198.18.0.1,reuseaddr,fork EXEC:'sh route-agent.sh'
read -r dst via || exit 1
in_lab() { case "$1" in 198.18.*|198.19.*) ;; *) return 1 ;; esac; }
in_lab "$dst" && in_lab "$via" || { echo "refused: only 198.18.0.0/15"; exit 1; }
if err=$(ip route replace "$dst" via "$via" 2>&1); then echo ok; else echo "$err"; fi
