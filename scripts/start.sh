#!/usr/bin/env bash
# The main job: installs everything, brings up the local lab with the demo workload, and shows it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/setup.sh
node bin/ferry.mjs lab up
node bin/ferry.mjs lab status
cat <<TXT

The lab is up. Try:
  npx ferry hosts
  npx ferry check lab-b
  npx ferry ps lab-a
  npx ferry migrate --from lab-a --pid \$(node -e "console.log(JSON.parse(require('fs').readFileSync('/run/ferry/lab/state.json')).demo.pid)") --to lab-b
  npx ferry lab status
  npx ferry lab down
TXT
