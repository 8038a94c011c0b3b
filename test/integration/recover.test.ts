// A controller killed in the middle of a migration: `ferry recover` leaves exactly one running copy, with its
// connections and its address, and the peer saw no reset or reconnect.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ferry, sleep } from './cli';
import { hostProcesses, labDown, labStatus, labUp } from './lab-fixture';

/** Starts `ferry migrate` and SIGKILLs it as soon as a line matching `when` appears; resolves with its output. */
function migrateAndKill(args: string[], when: RegExp, delayMs = 0): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'ferry.mjs'), 'migrate', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && when.test(out)) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => resolve(out));
  });
}

async function whereIs(pid: number): Promise<string[]> {
  const [a, b] = await Promise.all([hostProcesses('lab-a'), hostProcesses('lab-b')]);
  return [...(a.get(pid)?.comm === 'node' ? ['lab-a'] : []), ...(b.get(pid)?.comm === 'node' ? ['lab-b'] : [])];
}

describe('crash recovery', () => {
  let demoPid: number;
  beforeAll(async () => {
    demoPid = (await labUp(2)).demo!.pid;
    await sleep(500);
  });
  afterAll(async () => {
    await labDown();
  });

  async function expectOneHealthyCopy() {
    await sleep(1500);
    const where = await whereIs(demoPid);
    expect(where).toHaveLength(1);
    const host = where[0]!;
    const procs = await hostProcesses(host);
    const sockets = procs.get(demoPid)!.sockets as any[];
    expect(sockets.filter((s) => s.state === 'ESTAB' && s.remote.port === 7000)).toHaveLength(2);
    const s = await labStatus();
    expect(s.serviceAddress.holder).toBe(host);
    const demo = s.witness!.connections.filter((c) => c.clientId === 'demo');
    expect(demo.every((c) => c.closeReason === 'open' && c.intact === true)).toBe(true);
    expect(s.witness!.totals.resets).toBe(0);
    expect(s.witness!.totals.reconnects).toBe(0);
    // The streams move again after recovery.
    const before = demo.map((c) => c.messages);
    await sleep(1000);
    const after = (await labStatus()).witness!.connections.filter((c) => c.clientId === 'demo').map((c) => c.messages);
    after.forEach((m, i) => expect(m).toBeGreaterThan(before[i]! + 20));
    return host;
  }

  it('before the freeze: the process stays on the source, the destination is cleaned', async () => {
    const from = (await whereIs(demoPid))[0]!;
    const to = from === 'lab-a' ? 'lab-b' : 'lab-a';
    const out = await migrateAndKill(['--from', from, '--pid', String(demoPid), '--to', to], /lock-destination/);
    expect(out).not.toContain('succeeded');
    const r = await ferry(['recover', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rep = r.json.reports.find((x: any) => !x.skipped);
    expect(rep.action).toBe('keep-source');
    expect(await expectOneHealthyCopy()).toBe(from);
    // Nothing left to recover (migrations of other controllers still running are skipped, not touched).
    expect((await ferry(['recover', '--json'])).json.reports.filter((x: any) => !x.skipped)).toEqual([]);
  });

  for (const mode of ['streamed', 'staged']) {
    it(`during the freeze (${mode}): one copy survives with its connections`, async () => {
      const from = (await whereIs(demoPid))[0]!;
      const to = from === 'lab-a' ? 'lab-b' : 'lab-a';
      await migrateAndKill(['--from', from, '--pid', String(demoPid), '--to', to, '--mode', mode], /freeze started/, 30);
      const r = await ferry(['recover', '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const rep = r.json.reports.find((x: any) => !x.skipped);
      expect(['finish', 'keep-source', 'restore-source']).toContain(rep.action);
      console.log(`${mode}: killed in the freeze at "${rep.phase}" → ${rep.action}: ${rep.actions.join('; ')}`);
      await expectOneHealthyCopy();
    });
  }
});
