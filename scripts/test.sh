#!/usr/bin/env bash
# Installs everything (scripts/setup.sh) and runs every test: types, unit, lab integration, a short soak, e2e.
# Usage: scripts/test.sh [typecheck|lint|unit|integration|soak|e2e ...]   (default: all)
# Env: SOAK_RUNS (default 6) for the short soak; the full one is scripts/soak.sh (50 runs).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash scripts/setup.sh --with-browser --test-extras

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(typecheck lint unit integration soak)
[ -d e2e ] && [ -n "$(ls e2e/*.spec.ts 2>/dev/null)" ] && [ $# -eq 0 ] && suites+=(e2e)

# A test run leaves the work tree as it found it: what git shows now is compared at the end.
tree_before=$(git status --porcelain 2>/dev/null || true)

status=0
for s in "${suites[@]}"; do
  echo "== $s"
  case "$s" in
    typecheck) npm run -s typecheck || status=1 ;;
    lint) npm run -s lint || status=1 ;;
    unit) npx vitest run --project unit --project renderer || status=1 ;;
    integration) npx vitest run --project integration || status=1 ;;
    soak) FERRY_LAB=soak bash scripts/soak.sh --runs "${SOAK_RUNS:-6}" --mode alternate || status=1 ;;
    e2e) npx playwright test || status=1 ;;
    *) echo "unknown suite $s" >&2; exit 2 ;;
  esac
done
# Leave no lab behind, whatever happened.
node bin/ferry.mjs lab down >/dev/null 2>&1 || true
tree_after=$(git status --porcelain 2>/dev/null || true)
if [ "$tree_after" != "$tree_before" ]; then
  echo "test: the run changed the work tree (run output must go to ignored folders):" >&2
  diff <(printf '%s\n' "$tree_before") <(printf '%s\n' "$tree_after") >&2 || true
  status=1
fi
exit $status
