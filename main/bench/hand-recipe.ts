// The plain hand recipe, as an operator would type it with OpenSSH and CRIU (no Ferry code on the path):
// criu dump to disk → copy the images → move the address → criu restore.
import { SERVICE_ADDRESS, labPaths } from '../lab/lab-config';
import { localSh } from './local-sh';

export interface HandResult {
  freezeMs: number;
  totalMs: number;
  imageBytes: number;
}

const sh = (script: string, ...args: string[]) => localSh('hand recipe', script, ...args);

// $1 ssh_config, $2 pid, $3 image dir, $4 service address. Each line is what the operator types.
const RECIPE = `
set -e
ssh="ssh -F $1 -o BatchMode=yes"
$ssh lab-a mkdir -p "$3"; $ssh lab-b mkdir -p "$3-r"
t0=$(date +%s%N)
$ssh lab-a /opt/ferry/bin/criu dump -t "$2" -D "$3" --tcp-established -o dump.log
$ssh lab-a tar -C "$3" -cf - . | $ssh lab-b tar -C "$3-r" -xf -
$ssh lab-a ip addr del "$4/32" dev eth0
$ssh lab-b ip addr add "$4/32" dev eth0
$ssh lab-b "arping -U -c 1 -I eth0 $4 >/dev/null 2>&1 &"
$ssh lab-b /opt/ferry/bin/criu restore -D "$3-r" --tcp-established -d -o restore.log
t1=$(date +%s%N)
bytes=$($ssh lab-b du -sb "$3-r" | cut -f1)
$ssh lab-a rm -rf "$3"; $ssh lab-b rm -rf "$3-r"
echo "$t0 $t1 $bytes"
`;

/** Runs the hand recipe on a process of lab-a; times from the dump command to the restore's return. */
export async function handRecipe(pid: number, runId: string): Promise<HandResult> {
  const started = Date.now();
  const out = await sh(RECIPE, labPaths().inventory, String(pid), `/var/lib/ferry/images/hand-${runId}`, SERVICE_ADDRESS);
  const [t0, t1, bytes] = out.trim().split(/\s+/).map(Number);
  return { freezeMs: Math.round(((t1 ?? 0) - (t0 ?? 0)) / 1e6), totalMs: Date.now() - started, imageBytes: bytes ?? 0 };
}
