// Reference and controller costs for the benchmark: a plain copy of N MiB between the hosts, and `ferry ps`
// on a host with thousands of processes and sockets.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { summarize } from '../../app/bench/stats';
import { FerryError } from '../../app/errors';
import type { Executor } from '../hosts/executor';
import { labExec } from '../lab/lab';
import { repoRoot } from '../util/repo-root';

/** Time for `nc` to carry N MiB from lab-a to lab-b directly (the reference for memory transfer). */
export async function plainCopyMs(exec: Executor, mib: number): Promise<number> {
  const port = String(28000 + Math.floor(Math.random() * 1000));
  const sink = await exec.spawn('lab-b', ['sh', '-c', 'exec nc -l -N -p "$1" >/dev/null', 'ferry-sink', port]);
  await new Promise((r) => setTimeout(r, 300));
  const r = await exec.run('lab-a', [
    'sh',
    '-c',
    's=$(date +%s%N); head -c "$1" /dev/zero | nc -N "$2" "$3" && echo $(( ($(date +%s%N) - s) / 1000000 ))',
    'ferry-copy',
    String(mib * 1048576),
    '198.18.0.3',
    port,
  ]);
  await sink.exit.catch(() => -1);
  if (r.code !== 0) throw new FerryError({ code: 'COMMAND_FAILED', message: `plain copy failed: ${r.stderr}` });
  return Number(r.stdout.trim());
}

/** Fills lab-b with `processes` sleepers and `sockets` loopback TCP sockets, then times `ferry ps lab-b`. */
export async function controllerCosts(exec: Executor, say: (m: string) => void, processes = 2000, sockets = 10000) {
  const pairs = sockets / 2;
  await labExec('lab-b', ['sh', '-c', 'i=0; while [ $i -lt "$1" ]; do sleep 100000 & i=$((i+1)); done; wait', 'ferry-sleepers', String(processes)]);
  const holder = `
    const net = require('net'); const n = Number(process.argv[1]); const keep = [];
    const srv = net.createServer((s) => keep.push(s)).listen(0, '127.0.0.1', async () => {
      const port = srv.address().port;
      for (let i = 0; i < n; i++) await new Promise((r) => { const c = net.connect(port, '127.0.0.1', r); keep.push(c); });
      console.log('ready');
    });`;
  await labExec('lab-b', ['sh', '-c', 'ulimit -n "$(ulimit -Hn)" && exec "$@"', 'sh', process.execPath, '-e', holder, String(pairs)]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await exec.run('lab-b', ['sh', '-c', 'ps -e | wc -l; ss -tanH | wc -l']);
    const [p = 0, s = 0] = r.stdout.trim().split('\n').map(Number);
    if (p >= processes && s >= sockets) {
      say(`lab-b holds ${p} processes and ${s} TCP sockets`);
      break;
    }
    if (Date.now() > deadline) throw new FerryError({ code: 'LAB', message: `lab-b reached only ${p} processes / ${s} sockets` });
    await new Promise((res) => setTimeout(res, 500));
  }
  const cli = path.join(repoRoot(), 'bin', 'ferry.mjs');
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    const t = Date.now();
    const r = spawnSync(process.execPath, [cli, 'ps', 'lab-b', '--json'], { env: process.env, maxBuffer: 512 * 1024 * 1024 });
    times.push(Date.now() - t);
    if (r.status !== 0) throw new FerryError({ code: 'COMMAND_FAILED', message: `ferry ps failed: ${r.stderr.toString()}` });
    bytes = r.stdout.length;
  }
  const s = summarize(times);
  say(
    `ferry ps lab-b (end to end, new process and SSH connection each time): median ${s.median} ms, max ${s.max} ms, ${(bytes / 1048576).toFixed(1)} MiB of JSON`,
  );
  await exec.run('lab-b', ['sh', '-c', 'pkill -KILL -x sleep; pkill -KILL -f "ferry-holder|net.createServer"; exit 0']);
  return { processes, sockets, psMs: s, psJsonBytes: bytes };
}
