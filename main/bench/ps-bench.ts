// `npm run bench:ps`: `ferry ps` on a host with 2,000 processes and 10,000 TCP sockets (made inside lab-a by
// ps-load.py, torn down at the end). Prints the end-to-end time of the CLI (new Node process and SSH connection
// each run, as an operator runs it) and where it goes: the remote commands, the parsing, the tree, the output.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { summarize } from '../../app/bench/stats';
import { parsePs, PS_ARGV } from '../../app/parse/ps';
import { parseSs } from '../../app/parse/ss';
import { buildProcessTree } from '../../app/process-tree';
import { createController } from '../controller/controller';
import { LAB_NAME } from '../lab/lab-config';
import { labDown, labExec, labStatus, labUp } from '../lab/lab';
import { BRIEF_SS_FILTER, probeHost } from '../net/host-probe';
import { repoRoot } from '../util/repo-root';

const { values } = parseArgs({
  options: { procs: { type: 'string', default: '2000' }, sockets: { type: 'string', default: '10000' }, reps: { type: 'string', default: '5' } },
});
const procs = Math.min(Number(values.procs), 5000);
const sockets = Math.min(Number(values.sockets), 20000);
const reps = Number(values.reps);
const say = (m: string) => process.stderr.write(`bench-ps: ${m}\n`);
const ms = (t: number) => `${Math.round(t)} ms`;
const med = (xs: number[]) => summarize(xs).median;

if (LAB_NAME !== process.env.FERRY_LAB) {
  say('set FERRY_LAB (its own lab, brought up if it is not)');
  process.exit(2);
}
const wasUp = (await labStatus()).up;
if (!wasUp) await labUp({ demoConnections: 0, onProgress: say });
const controller = createController({ userConfig: false });
const exec = controller.exec;
say(`load average at the start: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
const load = await labExec('lab-a', ['python3', path.join(repoRoot(), 'main', 'bench', 'ps-load.py'), String(procs), String(sockets)]);
try {
  for (let i = 0; i < 240 && !(existsSync(load.log) && readFileSync(load.log, 'utf8').includes('ready')); i++) await new Promise((r) => setTimeout(r, 250));
  const count = await exec.run('lab-a', ['sh', '-c', 'ps -e --no-headers | wc -l; ss -tanH | wc -l']);
  say(`lab-a holds ${count.stdout.trim().split('\n').join(' processes, ')} TCP sockets`);

  // End to end, as an operator runs it.
  const cli = path.join(repoRoot(), 'bin', 'ferry.mjs');
  for (const args of [
    ['ps', 'lab-a'],
    ['ps', 'lab-a', '--json'],
  ]) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      const r = spawnSync(process.execPath, [cli, ...args], { env: process.env, maxBuffer: 1 << 30 });
      times.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`ferry ${args.join(' ')} failed: ${r.stderr.toString()}`);
      bytes = r.stdout.length;
    }
    say(`ferry ${args.join(' ')}: median ${ms(med(times))}, max ${ms(Math.max(...times))} (${reps} runs, ${(bytes / 1048576).toFixed(1)} MiB of output)`);
  }
  const t0 = performance.now();
  spawnSync(process.execPath, [cli, '--help']);
  say(`of which a Node process that loads the CLI and exits: ${ms(performance.now() - t0)}`);

  // Where it goes, on a fresh SSH connection each time.
  const rows: Record<string, number[]> = { connect: [], probe: [], 'parse ps': [], 'parse ss': [], tree: [], json: [] };
  for (let i = 0; i < reps; i++) {
    const c = createController({ userConfig: false });
    let t = performance.now();
    await c.exec.run('lab-a', ['true']);
    rows.connect!.push(performance.now() - t);
    t = performance.now();
    const snap = await probeHost(c.exec, 'lab-a', { processes: true, sockets: 'brief' });
    rows.probe!.push(performance.now() - t);
    await c.close();
    t = performance.now();
    buildProcessTree(snap.processes ?? []);
    rows.tree!.push(performance.now() - t);
    t = performance.now();
    JSON.stringify(snap);
    rows.json!.push(performance.now() - t);
  }
  // The remote commands alone, timed on the host, and the parsers on their output.
  const script =
    'f=$1; shift; n() { date +%s%N; }; a=$(n); "$@" >/tmp/ferry-bench-ps.txt; b=$(n); ss -tainpHO >/dev/null; c=$(n); ss -tainHO >/dev/null; d=$(n); ' +
    'ip -j addr show >/dev/null; ip -j route show table all >/dev/null; e=$(n); ss -tainpHO | perl -e "$f" >/tmp/ferry-bench-ss.txt; g=$(n); ' +
    'echo "$(( (b-a)/1000000 )) $(( (c-b)/1000000 )) $(( (d-c)/1000000 )) $(( (e-d)/1000000 )) $(( (g-e)/1000000 ))"';
  const remote: number[][] = [];
  for (let i = 0; i < reps; i++) {
    const r = await exec.run('lab-a', ['sh', '-c', script, 'ferry-bench', BRIEF_SS_FILTER, ...PS_ARGV]);
    remote.push(r.stdout.trim().split(/\s+/).map(Number));
  }
  const psText = (await exec.run('lab-a', ['cat', '/tmp/ferry-bench-ps.txt'])).stdout;
  const ssText = (await exec.run('lab-a', ['cat', '/tmp/ferry-bench-ss.txt'])).stdout;
  await exec.run('lab-a', ['rm', '-f', '/tmp/ferry-bench-ps.txt', '/tmp/ferry-bench-ss.txt']);
  for (let i = 0; i < reps; i++) {
    let t = performance.now();
    parsePs(psText);
    rows['parse ps']!.push(performance.now() - t);
    t = performance.now();
    parseSs(ssText, { brief: true });
    rows['parse ss']!.push(performance.now() - t);
  }
  say(
    `profile (median of ${reps}): ${Object.entries(rows)
      .map(([k, v]) => `${k} ${ms(med(v))}`)
      .join(', ')}`,
  );
  const col = (i: number) => med(remote.map((r) => r[i] ?? NaN));
  say(
    `remote commands on lab-a (median): ps ${ms(col(0))}, ss -tainpHO ${ms(col(1))} (without -p: ${ms(col(2))}; through the brief filter: ${ms(col(4))}), ` +
      `ip addr+route ${ms(col(3))}; output ${(psText.length / 1024).toFixed(0)} KiB of ps, ${(ssText.length / 1024).toFixed(0)} KiB of brief ss`,
  );
} finally {
  await exec.run('lab-a', ['kill', '-KILL', String(load.pid)]).catch(() => undefined);
  await controller.close();
  if (!wasUp) await labDown();
  say(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  say(wasUp ? 'load removed from lab-a (the lab stays up)' : 'load removed, lab down');
}
