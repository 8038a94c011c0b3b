// Benchmark workloads: a demo workload of a given size started on lab-a, and the witness's view of its freeze.
import { FerryError } from '../../app/errors';
import type { Executor } from '../hosts/executor';
import { SERVICE_ADDRESS, findLabHost } from '../lab/lab-config';
import { demoArgv, freshWitness, labExec, waitForWitnessClient } from '../lab/lab';
import { addServiceAddress, holderOf, inNetns } from '../lab/lab-network';
import { mustRunLocal, runLocal } from '../util/local-exec';
import { repoRoot } from '../util/repo-root';
import path from 'node:path';

export interface Workload {
  pid: number;
  clientId: string;
  connections: number;
  rssMib: number;
  intervalMs: number;
}

/** The send interval for a connection count: 10 ms up to 100 connections, then 1 s per 100 connections / 10. */
export function intervalFor(connections: number): number {
  return Math.max(10, Math.round(connections / 10));
}

/** Starts a workload on lab-a with a PID chosen so that it is free on lab-b; waits until it is connected. */
export async function startWorkload(connections: number, rssMib: number, clientId: string, pid: number): Promise<Workload> {
  const intervalMs = intervalFor(connections);
  const argv = [
    'sh',
    '-c',
    'ulimit -n "$(ulimit -Hn)" && exec "$@"',
    'sh',
    ...demoArgv(connections, clientId, ['--rss-mib', String(rssMib), '--interval-ms', String(intervalMs)]),
  ];
  const r = await labExec('lab-a', argv, { pid });
  await connectedOrKilled(r.pid, () => waitForWitnessClient(clientId, connections, 60_000 + rssMib * 20));
  return { pid: r.pid, clientId, connections, rssMib, intervalMs };
}

/**
 * Waits for a workload's connections; a workload that does not get there is killed before the error goes on
 * (left running, it kept reconnecting beside the next runs' workloads and starved them in turn).
 */
async function connectedOrKilled(pid: number, wait: () => Promise<void>): Promise<void> {
  try {
    await wait();
  } catch (err) {
    await labExec('lab-a', ['kill', '-KILL', String(pid)]).catch(() => undefined);
    throw err;
  }
}

/** Starts shm-workload.py on lab-a: `shmMib` MiB of MAP_SHARED memory and one witness connection. */
export async function startShmWorkload(shmMib: number, clientId: string, pid: number): Promise<Workload> {
  const script = path.join(repoRoot(), 'main', 'bench', 'shm-workload.py');
  const r = await labExec('lab-a', ['python3', script, String(shmMib), '198.18.0.1', '7000', clientId, '10'], { pid });
  await connectedOrKilled(r.pid, () => waitForWitnessClient(clientId, 1, 60_000 + shmMib * 20));
  return { pid: r.pid, clientId, connections: 1, rssMib: shmMib, intervalMs: 10 };
}

/** Kills a workload wherever it runs (on lab-b after a migration). */
export async function stopWorkload(exec: Executor, w: Workload): Promise<void> {
  for (const host of ['lab-a', 'lab-b']) await exec.run(host, ['kill', '-KILL', String(w.pid)]).catch(() => undefined);
}

/** Largest silence the witness saw on the workload's connections that ended after `since` (ms). */
export async function witnessGap(w: Workload, since: number): Promise<{ gapMs: number; resets: number; reconnects: number; broken: number }> {
  await new Promise((r) => setTimeout(r, Math.max(300, w.intervalMs * 3)));
  const report = await freshWitness();
  if (!report) throw new FerryError({ code: 'LAB', message: 'no witness report' });
  const mine = report.connections.filter((c) => c.clientId === w.clientId);
  const gaps = mine.flatMap((c) => (c.recentGaps ?? []).filter((g) => Date.parse(g.endedAt) >= since).map((g) => g.ms));
  return {
    gapMs: Math.max(0, ...gaps),
    resets: mine.filter((c) => c.closeReason === 'reset').length,
    reconnects: report.clients.filter((c) => c.clientId === w.clientId).reduce((n, c) => n + c.reconnects, 0),
    broken: mine.filter((c) => c.intact === false).length,
  };
}

/** Puts the service address back on lab-a (after a run moved it to lab-b) and removes leftover locks. */
export async function resetLab(): Promise<void> {
  const a = findLabHost('lab-a');
  const b = findLabHost('lab-b');
  if (!a || !b) throw new FerryError({ code: 'INTERNAL', message: 'lab hosts undefined' });
  const holder = await holderOf(SERVICE_ADDRESS);
  if (holder?.name !== 'lab-a') {
    if (holder) await runLocal([...inNetns(holder.netns), 'ip', 'addr', 'del', `${SERVICE_ADDRESS}/32`, 'dev', 'eth0']);
    await addServiceAddress(a);
    // The peer still sends to lab-b's MAC: announce, or new connections from lab-a cannot complete.
    await runLocal([...inNetns(a.netns), 'arping', '-U', '-c', '1', '-I', 'eth0', SERVICE_ADDRESS]);
  }
  for (const h of [a, b]) {
    const tables = await mustRunLocal([...inNetns(h.netns), 'nft', 'list', 'tables']);
    for (const line of tables.split('\n')) {
      const m = /^table (\S+) ((?:CRIU|ferry)-\S+)$/.exec(line.trim());
      if (m && m[1] && m[2]) await runLocal([...inNetns(h.netns), 'nft', 'delete', 'table', m[1], m[2]]);
    }
    for (const t of ['iptables', 'ip6tables']) await runLocal([...inNetns(h.netns), t, '-F']);
  }
}
