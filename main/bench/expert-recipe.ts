// The strongest plain recipe an expert would type (no Ferry code on the path): OpenSSH connections opened
// before the freeze (ControlMaster), CRIU's nftables network lock, and the pages streamed to a CRIU page server
// on the destination; only the small images cross through the operator's machine.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SERVICE_ADDRESS, labPaths } from '../lab/lab-config';
import { localSh } from './local-sh';

export interface ExpertResult {
  freezeMs: number;
  totalMs: number;
  imageBytes: number;
}

const sh = (script: string, ...args: string[]) => localSh('expert recipe', script, ...args);

// $1 ssh_config, $2 pid, $3 image dir, $4 service address, $5 page server port, $6 control socket dir.
const RECIPE = `
set -e
ssh="ssh -F $1 -o BatchMode=yes -o ControlPath=$6/%h"
for h in lab-a lab-b; do ssh -F "$1" -o BatchMode=yes -o ControlMaster=yes -o ControlPath="$6/%h" -o ControlPersist=60 -fN $h; done
trap 'for h in lab-a lab-b; do ssh -F "$1" -o ControlPath="$6/%h" -O exit $h 2>/dev/null; done' EXIT
$ssh lab-a mkdir -p "$3"; $ssh lab-b mkdir -p "$3-r"
$ssh lab-b /opt/ferry/bin/criu page-server -D "$3-r" --address 198.18.0.3 --port "$5" -d -o ps.log
t0=$(date +%s%N)
$ssh lab-a /opt/ferry/bin/criu dump -t "$2" -D "$3" --tcp-established --network-lock nftables --page-server --address 198.18.0.3 --port "$5" -o dump.log
$ssh lab-a tar -C "$3" -cf - . | $ssh lab-b tar -C "$3-r" -xf -
$ssh lab-a ip addr del "$4/32" dev eth0
$ssh lab-b "ip addr add $4/32 dev eth0 && (arping -U -c 1 -I eth0 $4 >/dev/null 2>&1 &)"
$ssh lab-b /opt/ferry/bin/criu restore -D "$3-r" --tcp-established -d -o restore.log
t1=$(date +%s%N)
bytes=$($ssh lab-b du -sb "$3-r" | cut -f1)
$ssh lab-a rm -rf "$3"; $ssh lab-b rm -rf "$3-r"
echo "$t0 $t1 $bytes"
`;

/** Runs the expert recipe on a process of lab-a; times from the dump command to the restore's return. */
export async function expertRecipe(pid: number, runId: string, port: number): Promise<ExpertResult> {
  const started = Date.now();
  const control = mkdtempSync(path.join(os.tmpdir(), 'ferry-expert-'));
  const out = await sh(RECIPE, labPaths().inventory, String(pid), `/var/lib/ferry/images/expert-${runId}`, SERVICE_ADDRESS, String(port), control).finally(() =>
    rmSync(control, { recursive: true, force: true }),
  );
  const [t0, t1, bytes] = out.trim().split(/\s+/).map(Number);
  return { freezeMs: Math.round(((t1 ?? 0) - (t0 ?? 0)) / 1e6), totalMs: Date.now() - started, imageBytes: bytes ?? 0 };
}
