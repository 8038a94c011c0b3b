// The lab as an operator uses it: up over a stale lab, hosts with their own PIDs, exec, ps, check, down leaving nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { isAlive, processStartTicks } from '../../main/util/process-alive';
import { afterAll, describe, expect, it } from 'vitest';
import { ferry, ferryOk } from './cli';
import { hostProcesses, labDown, labExec, labStatus, labUp } from './lab-fixture';

const LAB = process.env.FERRY_LAB ?? 'ferry';
const NETNS = ['sw', 'peer', 'a', 'b'].map((h) => `${LAB}-${h}`);

/** Network namespaces (by inode) of the lab, as long as they exist. */
function labNetnsInodes(): Set<string> {
  const out = new Set<string>();
  for (const ns of NETNS) {
    try {
      out.add(execFileSync('stat', ['-L', '-c', '%i', `/run/netns/${ns}`], { encoding: 'utf8' }).trim());
    } catch {
      /* absent */
    }
  }
  return out;
}

/** Processes of this machine living in one of the given network namespaces. */
function processesIn(inodes: Set<string>): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const link = readlinkSync(`/proc/${d}/ns/net`);
      const inode = /net:\[(\d+)\]/.exec(link)?.[1];
      if (inode && inodes.has(inode)) pids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return pids;
}

describe('lab lifecycle', () => {
  afterAll(async () => {
    await labDown();
  });

  it('comes up, and comes up again over a stale lab', async () => {
    const first = await labUp(2);
    expect(labNetnsInodes().size).toBe(4);
    const oldInits = first.hosts.map((h) => h.initPid!);
    const oldStarts = oldInits.map((pid) => processStartTicks(pid));
    expect(oldInits.every((pid, i) => isAlive(pid, oldStarts[i]))).toBe(true);
    const s = await labUp(2);
    expect(s.up).toBe(true);
    expect(s.serviceAddress.holder).toBe('lab-a');
    // Every host of the stale lab is gone: its init no longer runs, whether or not this machine's PID 1 has reaped
    // it yet (a zombie keeps its PID and start time), and new hosts replaced them.
    oldInits.forEach((pid, i) => expect(isAlive(pid, oldStarts[i])).toBe(false));
    expect(s.hosts.every((h) => h.alive && !oldInits.includes(h.initPid!))).toBe(true);
  });

  it('lists lab-a and lab-b in the inventory, both ready', async () => {
    const hosts = (await ferryOk(['hosts', '--json'])).json.hosts.map((h: any) => h.name);
    expect(hosts).toEqual(expect.arrayContaining(['lab-a', 'lab-b']));
    for (const h of ['lab-a', 'lab-b']) {
      const c = (await ferryOk(['check', h, '--json'])).json;
      expect(c.ready).toBe(true);
      expect(c.checks.map((x: any) => x.name)).toEqual(expect.arrayContaining(['ssh', 'privileges', 'kernel', 'criu', 'criu check', 'nft', 'arping']));
    }
  });

  it('gives each host its own PIDs: exec prints the PID that host sees, and ps shows it with its sockets', async () => {
    const pidA = await labExec('lab-a', ['sleep', '300']);
    const pidB = await labExec('lab-b', ['sleep', '301']);
    expect(pidA).toBeLessThan(100000);
    const onA = await hostProcesses('lab-a');
    const onB = await hostProcesses('lab-b');
    expect(onA.get(pidA)?.args).toBe('sleep 300');
    expect(onB.get(pidB)?.args).toBe('sleep 301');
    expect(onA.get(1)?.comm).toBe('tini');
    expect(onB.get(1)?.comm).toBe('tini');
    // Like the dashboard, ps hides the shell (and its ps) that Ferry's own probe ran to list the processes.
    expect([...onA.values()].filter((p) => p.args.includes('ferry-probe') || p.args.startsWith('ps -e '))).toEqual([]);
    // The demo workload's connections with their kernel figures.
    const demo = (await labStatus()).demo!;
    const sockets = onA.get(demo.pid)!.sockets as any[];
    expect(sockets).toHaveLength(2);
    for (const s of sockets) {
      expect(s).toMatchObject({ state: 'ESTAB', local: { address: '198.18.0.100' }, remote: { address: '198.18.0.1', port: 7000 } });
      expect(s.rttMs).toBeGreaterThan(0);
      expect(s.rtoMs).toBeGreaterThanOrEqual(200);
      expect(s.cwnd).toBeGreaterThan(0);
    }
    const text = (await ferryOk(['ps', 'lab-a', '--pid', String(demo.pid)])).stdout;
    expect(text).toMatch(/tcp 198\.18\.0\.100:\d+ → 198\.18\.0\.1:7000 ESTAB q=\d+\/\d+ rtt=[\d.]+ms rto=\d+ms cwnd=\d+/);
    // The dashboard's search: the demo (by its peer's port) and its ancestors only.
    const found = (await ferryOk(['ps', 'lab-a', '--search', '7000'])).stdout.split('\n').filter((l) => l.trim() && !l.trim().startsWith('tcp '));
    expect(found.map((l) => Number(l.trim().split(' ')[0]))).toEqual([1, demo.pid]);
  });

  it('refuses exec on an unknown lab host', async () => {
    const r = await ferry(['lab', 'exec', 'lab-z', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('UNKNOWN_HOST');
  });

  it('goes down leaving no namespace, process or folder', async () => {
    const inodes = labNetnsInodes();
    expect(processesIn(inodes).length).toBeGreaterThan(3);
    await ferryOk(['lab', 'down']);
    expect(labNetnsInodes().size).toBe(0);
    expect(processesIn(inodes)).toEqual([]);
    expect(existsSync(`/var/lib/ferry/labs/${LAB}`)).toBe(false);
    const s = await labStatus();
    expect(s.up).toBe(false);
    expect((await ferryOk(['lab', 'down'])).stdout).toContain('nothing to remove');
  });
});
