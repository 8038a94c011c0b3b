// `ferry evacuate` on the real lab: lab-a with the demo workload, a second workload on a service address of its own
// (both judged by the witness: no reset, no reconnect, streams intact), and a client connected from lab-a's
// management address, which cannot move. The evacuation to lab-b moves the two workloads, two at a time, and the
// report names the client that stayed and why; the dry run before it changes nothing.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry, sleep } from './cli';
import { hostProcesses, labDown, labExec, labStatus, labUp, startDemo } from './lab-fixture';

const DEMO = 4242;
const SECOND = 5101;
const MGMT_CLIENT = 5001;

describe('lab: evacuate a host', () => {
  beforeAll(async () => {
    const s = await labUp(4);
    expect(s.demo?.pid).toBe(DEMO);
    const initPid = s.hosts.find((h) => h.name === 'lab-a')?.initPid;
    execFileSync('nsenter', ['-t', String(initPid), '--net', '--', 'ip', 'addr', 'add', '198.18.0.101/32', 'dev', 'eth0']);
    await startDemo('evac2', { pid: SECOND, connections: 2, extra: ['--bind', '198.18.0.101'] });
    await labExec('lab-a', ['socat', '-u', 'EXEC:sleep 600', 'TCP:198.18.0.1:7000,bind=198.18.0.2'], MGMT_CLIENT);
    await sleep(500);
  });
  afterAll(async () => {
    await labDown();
  });

  it('--dry-run shows what moves where and what stays and why, and changes nothing', async () => {
    const r = await ferry(['evacuate', 'lab-a', '--to', 'lab-b', '--dry-run', '--json']);
    if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
    const plan = r.json.plan;
    expect(plan.moves.map((m: any) => [m.pid, m.to, m.moves])).toEqual([
      [SECOND, 'lab-b', ['198.18.0.101']],
      [DEMO, 'lab-b', ['198.18.0.100']],
    ]);
    const stay = plan.stays.find((s: any) => s.pid === MGMT_CLIENT);
    expect(stay.why).toEqual([expect.objectContaining({ code: 'ADDRESS_IS_MANAGEMENT', message: expect.stringContaining('198.18.0.2') })]);
    expect(plan.stays.find((s: any) => s.comm === 'sshd')?.why[0]).toMatchObject({ code: 'ADDRESS_IS_MANAGEMENT' });
    const a = await hostProcesses('lab-a');
    expect([DEMO, SECOND, MGMT_CLIENT].every((p) => a.has(p))).toBe(true);
  });

  it("--dry-run shows each tree's predicted freeze; under a tiny --freeze-budget every movable tree stays for it", async () => {
    // Staged mode (images through the controller after the dump) is predicted well above the smallest budget the CLI
    // takes (100 ms) on any machine; the default mode's prediction can fall below it on an idle one.
    const staged = ['--mode', 'staged'];
    const roomy = await ferry(['evacuate', 'lab-a', '--to', 'lab-b', '--dry-run', ...staged, '--json']);
    if (roomy.code !== 0) throw new Error(`${roomy.stdout}\n${roomy.stderr}`);
    const predicted = new Map<number, { ms: number; mode: string }>(roomy.json.plan.moves.map((m: any) => [m.pid, { ms: m.predictedFreezeMs, mode: m.mode }]));
    expect([...predicted.keys()].sort()).toEqual([DEMO, SECOND]);
    for (const p of predicted.values()) expect(p).toEqual({ ms: expect.any(Number), mode: 'staged' });
    for (const p of predicted.values()) expect(p.ms).toBeGreaterThan(100);

    const r = await ferry(['evacuate', 'lab-a', '--to', 'lab-b', '--dry-run', ...staged, '--freeze-budget', '100', '--json']);
    if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
    const plan = r.json.plan;
    expect(plan.moves).toEqual([]);
    for (const pid of [DEMO, SECOND]) {
      const why = plan.stays.find((s: any) => s.pid === pid)?.why;
      expect(why).toEqual([
        expect.objectContaining({
          code: 'NOT_MOVABLE',
          host: 'lab-b',
          message: expect.stringMatching(
            new RegExp(
              `^process ${pid} \\(.+\\) is predicted to freeze \\d+ ms in ${predicted.get(pid)?.mode} mode towards lab-b, against the freeze budget of 100 ms per tree$`,
            ),
          ),
        }),
      ]);
    }
    // The one that cannot move at all still says why (the budget is judged only for movable trees).
    expect(plan.stays.find((s: any) => s.pid === MGMT_CLIENT)?.why[0]).toMatchObject({ code: 'ADDRESS_IS_MANAGEMENT' });

    const text = await ferry(['evacuate', 'lab-a', '--to', 'lab-b', '--dry-run', ...staged, '--freeze-budget', '100']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('0 tree(s) move');
    expect(text.stdout).toMatch(new RegExp(`process ${DEMO} .* against the freeze budget of 100 ms per tree`));
    const a = await hostProcesses('lab-a');
    expect([DEMO, SECOND, MGMT_CLIENT].every((p) => a.has(p))).toBe(true);
    const b = await hostProcesses('lab-b');
    expect([DEMO, SECOND].some((p) => b.has(p))).toBe(false);
  });

  it('moves the movable trees to lab-b with their connections intact; the report names the one that stayed', async () => {
    const r = await ferry(['evacuate', 'lab-a', '--to', 'lab-b', '--parallel', '2', '--freeze-budget', '30000', '--json']);
    if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
    const report = r.json.report;
    console.log(
      `evacuation: ${report.moved.map((m: any) => `${m.pid} → ${m.to} freeze ${m.freezeMs} ms`).join(', ')} (${report.endedAt - report.startedAt} ms in all)`,
    );
    expect(report.outcome).toBe('complete');
    expect(report.moved.map((m: any) => [m.pid, m.to]).sort()).toEqual([
      [DEMO, 'lab-b'],
      [SECOND, 'lab-b'],
    ]);
    for (const m of report.moved) expect(m.freezeMs).toBeGreaterThan(0);
    expect(report.failed).toEqual([]);
    expect(report.stayed.find((s: any) => s.pid === MGMT_CLIENT)?.why[0]).toMatchObject({ code: 'ADDRESS_IS_MANAGEMENT' });

    const [a, b] = [await hostProcesses('lab-a'), await hostProcesses('lab-b')];
    expect(b.has(DEMO) && b.has(SECOND)).toBe(true);
    expect(a.has(DEMO) || a.has(SECOND)).toBe(false);
    expect(a.has(MGMT_CLIENT)).toBe(true);

    // Judged from the peer: every connection of both workloads still open, intact, never reset or reconnected.
    await sleep(1000);
    const w = (await labStatus()).witness!;
    for (const [client, n] of [
      ['demo', 4],
      ['evac2', 2],
    ] as const) {
      const conns = w.connections.filter((c) => c.clientId === client);
      expect(conns).toHaveLength(n);
      for (const c of conns) {
        expect(c.closeReason).toBe('open');
        expect(c.intact).not.toBe(false);
      }
      expect(w.clients.filter((c) => c.clientId === client).every((c) => c.reconnects === 0)).toBe(true);
    }
    expect(w.totals.resets).toBe(0);
    expect(w.totals.brokenStreams).toBe(0);
  });

  it('a second evacuation finds nothing left to move and exits 0', async () => {
    const r = await ferry(['evacuate', 'lab-a', '--to', 'lab-b', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.report.moved).toEqual([]);
    expect(r.json.report.stayed.map((s: any) => s.pid)).toContain(MGMT_CLIENT);
  });
});
