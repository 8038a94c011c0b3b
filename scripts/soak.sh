#!/usr/bin/env bash
# Soak: migrates the lab's demo workload back and forth between lab-a and lab-b N times in a lab of its own,
# reports each run's freeze window and the witness's gap, then the totals, and tears the lab down.
# Usage: scripts/soak.sh [--runs N] [--mode streamed|staged|lazy|alternate] [--connections N] [--pause-ms MS] [--keep-lab]
# Env: FERRY_LAB (default soak), FERRY_STATE_DIR (default: a folder under the output folder), SOAK_DIR (output).
# Exit 0 only when every run succeeded and the witness saw no reset, no reconnect and intact streams.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

runs=50 mode='' connections=4 pause_ms=300 keep_lab=0
usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:-}; shift 2 ;;
    --mode) mode=${2:-}; shift 2 ;;
    --connections) connections=${2:-}; shift 2 ;;
    --pause-ms) pause_ms=${2:-}; shift 2 ;;
    --keep-lab) keep_lab=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "soak: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
num() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
num "$runs" 1 100000 || { echo "soak: --runs must be 1..100000, got '$runs'" >&2; exit 2; }
num "$connections" 1 1000 || { echo "soak: --connections must be 1..1000, got '$connections'" >&2; exit 2; }
num "$pause_ms" 0 600000 || { echo "soak: --pause-ms must be 0..600000, got '$pause_ms'" >&2; exit 2; }
case "$mode" in ''|streamed|staged|lazy|alternate) ;; *) echo "soak: --mode must be streamed, staged, lazy or alternate (streamed and staged by turns)" >&2; exit 2 ;; esac
command -v jq >/dev/null || { echo "soak: needs jq (apt-get install jq)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "soak: the lab needs root" >&2; exit 2; }

export FERRY_LAB=${FERRY_LAB:-soak}
out=${SOAK_DIR:-$(mktemp -d "/tmp/ferry-soak-$FERRY_LAB.XXXXXX")}
mkdir -p "$out"
export FERRY_STATE_DIR=${FERRY_STATE_DIR:-$out/state}
results="$out/runs.jsonl"
: >"$results"
ferry() { node "$here/bin/ferry.mjs" "$@"; }
[ -f dist/cli.mjs ] || npm run -s build >/dev/null

teardown() {
  if [ "$keep_lab" = 1 ]; then echo "soak: lab $FERRY_LAB kept (FERRY_LAB=$FERRY_LAB npx ferry lab down)"; return; fi
  FERRY_LAB=$FERRY_LAB ferry lab down >/dev/null 2>&1 || echo "soak: lab down failed for $FERRY_LAB" >&2
}
trap teardown EXIT
trap 'echo "soak: interrupted" >&2; exit 130' INT TERM

echo "soak: lab $FERRY_LAB, $runs run(s), ${mode:-default} mode, $connections connection(s); output in $out"
if ! ferry lab up --connections "$connections" --json >"$out/lab-up.json" 2>"$out/lab-up.err"; then
  echo "soak: FAILED before run 1: ferry lab up: $(tail -3 "$out/lab-up.err")" >&2
  exit 1
fi
status=$(ferry lab status --json)
pid=$(jq -r '.demo.pid // empty' <<<"$status")
holder=$(jq -r '.serviceAddress.holder // empty' <<<"$status")
[ -n "$pid" ] && [ -n "$holder" ] || { echo "soak: FAILED before run 1: no demo workload in the lab ($status)" >&2; exit 1; }

failures=0 broke=''
for ((i = 1; i <= runs; i++)); do
  from=$holder
  to=$([ "$from" = lab-a ] && echo lab-b || echo lab-a)
  m=$mode
  [ "$mode" = alternate ] && m=$([ $((i % 2)) = 1 ] && echo streamed || echo staged)
  started=$(date +%s%N)
  ferry migrate --from "$from" --pid "$pid" --to "$to" ${m:+--mode "$m"} --json >"$out/run-$i.json" 2>"$out/run-$i.err"
  rc=$?
  wall=$((($(date +%s%N) - started) / 1000000))
  line=$(jq -c --argjson run "$i" --arg from "$from" --arg to "$to" --argjson rc "$rc" --argjson wall "$wall" '{
      run: $run, from: $from, to: $to, rc: $rc, wallMs: $wall,
      outcome: (.record.outcome // "none"), mode: (.record.plan.transferMode // null),
      freezeMs: (.record.freeze.ms // null), gapMs: (.witness.maxGapMs // null),
      witnessConnections: (.witness.connections // 0), resets: (.witness.resets // null),
      reconnects: (.witness.reconnects // null), intact: (.witness.intact // null),
      error: ((.record.error // .error) | if . then "[\(.code)] \(.message)" else null end),
      id: (.record.id // null) }' "$out/run-$i.json" 2>/dev/null) ||
    line=$(jq -nc --argjson run "$i" --arg from "$from" --arg to "$to" --argjson rc "$rc" --arg err "$(tail -3 "$out/run-$i.err")" \
      '{run: $run, from: $from, to: $to, rc: $rc, outcome: "none", error: "no JSON from ferry migrate: \($err)"}')
  echo "$line" >>"$results"
  why=$(jq -r --argjson n "$connections" '
      if .rc != 0 or .outcome != "succeeded" then "migration \(.outcome) (exit \(.rc)): \(.error // "no error given")"
      elif .witnessConnections != $n then "the witness matched \(.witnessConnections) of \($n) connections"
      elif .resets != 0 then "\(.resets) connection(s) reset"
      elif .reconnects != 0 then "\(.reconnects) reconnect(s)"
      elif .intact != true then "a stream is not intact"
      else "" end' <<<"$line")
  printf 'run %3d/%d  %s → %s  %-8s freeze %6s ms  witness gap %6s ms  (%s ms wall)%s\n' "$i" "$runs" "$from" "$to" \
    "$(jq -r '.mode // "-"' <<<"$line")" "$(jq -r '.freezeMs // "-"' <<<"$line")" "$(jq -r '.gapMs // "-"' <<<"$line")" "$wall" \
    "${why:+  FAILED: $why}"
  if [ -n "$why" ]; then
    failures=$((failures + 1))
    broke="run $i ($from → $to, migration $(jq -r '.id // "-"' <<<"$line")): $why; see $out/run-$i.json and $out/run-$i.err"
    break
  fi
  holder=$to
  sleep "$(awk "BEGIN { print $pause_ms / 1000 }")"
done

# The witness's verdict over the whole soak, for the demo workload's connections.
sleep 0.5
final=$(ferry lab status --json)
echo "$final" >"$out/lab-status.json"
summary=$(jq -s --argjson st "$final" --argjson n "$connections" --argjson planned "$runs" '
  def pct(p): (sort) as $s | if ($s | length) == 0 then null else $s[((($s | length) * p) | ceil) - 1] end;
  def med: (sort) as $s | ($s | length) as $l | if $l == 0 then null elif $l % 2 == 1 then $s[($l - 1) / 2] else (($s[$l / 2 - 1] + $s[$l / 2]) / 2) end;
  [.[] | select(.outcome == "succeeded")] as $ok
  | ($ok | map(.freezeMs | select(. != null))) as $f
  | ($ok | map(.gapMs | select(. != null))) as $g
  | ($st.witness.connections // [] | map(select(.clientId == "demo"))) as $demo
  | ($st.witness.clients // [] | map(select(.clientId == "demo"))) as $clients
  | { planned: $planned, runs: length, succeeded: ($ok | length), failures: (map(select(.outcome != "succeeded" or .rc != 0)) | length),
      freezeMs: { median: ($f | med), p95: ($f | pct(0.95)), max: ($f | max) },
      gapMs: { median: ($g | med), p95: ($g | pct(0.95)), max: ($g | max) },
      witness: { connections: ($demo | length), open: ($demo | map(select(.closeReason == "open")) | length),
        resets: ($demo | map(select(.closeReason == "reset")) | length),
        reconnects: ($clients | map(.reconnects) | add // 0),
        intact: (($demo | length) == $n and ($demo | all(.intact == true and .closeReason == "open"))),
        messages: ($demo | map(.messages) | add // 0) } }' "$results")
echo "$summary" >"$out/summary.json"
jq -r '"
soak: \(.runs)/\(.planned) run(s), \(.succeeded) succeeded, \(.failures) failed
  freeze window  median \(.freezeMs.median // "-") ms  p95 \(.freezeMs.p95 // "-") ms  max \(.freezeMs.max // "-") ms
  witness gap    median \(.gapMs.median // "-") ms  p95 \(.gapMs.p95 // "-") ms  max \(.gapMs.max // "-") ms
  witness        \(.witness.connections) demo connection(s), \(.witness.open) open, \(.witness.resets) reset(s), \(.witness.reconnects) reconnect(s), streams \(if .witness.intact then "intact" else "NOT intact" end), \(.witness.messages) messages"' <<<"$summary"

witness_ok=$(jq -r '.witness.resets == 0 and .witness.reconnects == 0 and .witness.intact' <<<"$summary")
if [ -n "$broke" ]; then
  echo "soak: FAILED at $broke" >&2
  exit 1
fi
if [ "$witness_ok" != true ]; then
  echo "soak: FAILED: the witness saw resets, reconnects or broken streams over the soak (see $out/lab-status.json)" >&2
  exit 1
fi
echo "soak: passed ($out)"
