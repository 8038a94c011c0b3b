#!/usr/bin/env bash
# The main job: installs everything, brings up the local lab with the demo workload, shows it, and serves the
# dashboard (Ctrl-C stops the dashboard; the lab stays up until `npx ferry lab down`).
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
  npx ferry migrate --from lab-a --pid \$(npx ferry lab status --json | node -pe 'JSON.parse(require("fs").readFileSync(0)).demo.pid') --to lab-b
  npx ferry lab status
  npx ferry lab down

The dashboard starts now: open the URL below in a browser on this machine, go to Processes (lab-a),
select the demo workload (search "demo-workload") and press "Migrate this process…".
TXT
exec node bin/ferry.mjs dashboard --port "${FERRY_DASHBOARD_PORT:-7411}"
