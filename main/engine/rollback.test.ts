// Rollback branches the lab cannot produce, on a scripted executor (test/support/scripted-executor.ts) and a plan the
// real preflight built from lab snapshots: the source's own restore fails, an address add died half-way with no
// word of how far it got, a partial restore left on the destination.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScriptedExecutor, labFixture, labPlan, probeOutput, scriptedContext } from '../../test/support/scripted-executor';
import { rollback } from './rollback';

const restoreLog = readFileSync(new URL('../../app/parse/fixtures/criu-restore-pid-taken.log', import.meta.url), 'utf8');

describe('rollback (scripted executor)', () => {
  it("the restore on the source fails: every other undo still runs, the rollback says INCOMPLETE with CRIU's words", async () => {
    const plan = labPlan('staged');
    const exec = new ScriptedExecutor()
      .on('lab-a', /criu restore/, { code: 1, stderr: 'restore failed' })
      .on('lab-a', /^cat -- .*restore\.log$/, { stdout: restoreLog });
    const ctx = scriptedContext(exec, plan, { dumped: true, addressRemoved: true, addressAdded: true });
    await rollback(ctx);
    const rb = ctx.run.record.rollback!;
    expect(rb.ok).toBe(false);
    expect(rb.actions).toEqual([
      'removed 198.18.0.100 from lab-b',
      'removed the pre-lock and page server on lab-b',
      'put 198.18.0.100 back on lab-a',
      expect.stringMatching(/^restored process 4242 on lab-a from its dump: FAILED \(criu restore failed: .*PID/),
    ]);
    // The address left the destination before its pre-lock did, and came back on the source before the restore.
    expect(exec.indexOf('lab-b', /^ip .*-batch/)).toBeLessThan(exec.indexOf('lab-b', /nft delete table inet ferry-m-scripted$/));
    expect(exec.indexOf('lab-a', /^ip .*-batch/)).toBeLessThan(exec.indexOf('lab-a', /criu restore/));
    expect(ctx.run.record.warnings).toEqual(['rolling back to lab-a']);
  });

  it('an add that died without a word: only the addresses the destination now shows are taken off it', async () => {
    const plan = labPlan('streamed');
    const onB = probeOutput({ addr: labFixture('lab-b-addr.json') });
    const claimed = JSON.parse(labFixture('lab-b-addr.json')) as { ifname: string; addr_info: unknown[] }[];
    const withAddress = claimed.map((l) =>
      l.ifname === 'eth0' ? { ...l, addr_info: [...l.addr_info, { family: 'inet', local: '198.18.0.100', prefixlen: 32 }] } : l,
    );
    for (const [probe, removed] of [
      [onB, false],
      [probeOutput({ addr: JSON.stringify(withAddress) }), true],
    ] as const) {
      const exec = new ScriptedExecutor().on('lab-b', /ferry-probe/, { stdout: probe });
      const ctx = scriptedContext(exec, plan, { dumped: false, addressRemoved: true, partialAdd: { moves: plan.addresses, certain: false } });
      await rollback(ctx);
      const actions = ctx.run.record.rollback!.actions;
      expect(
        actions.some((a) => a.startsWith('removed 198.18.0.100 (added before the add failed) from lab-b')),
        actions.join('\n'),
      ).toBe(removed);
      expect(actions).toContain('put 198.18.0.100 back on lab-a');
      expect(ctx.run.record.rollback!.ok).toBe(true);
    }
  });

  it('a restore killed half-way: what it left on the destination is stopped before the address leaves it', async () => {
    const plan = labPlan('staged');
    const exec = new ScriptedExecutor();
    const ctx = scriptedContext(exec, plan, { dumped: true, addressRemoved: true, addressAdded: true, restoreStarted: true });
    await rollback(ctx);
    expect(ctx.run.record.rollback!.actions[0]).toBe('stopped what the failed restore left on lab-b');
    expect(exec.indexOf('lab-b', /kill -KILL/)).toBeGreaterThanOrEqual(0);
    expect(exec.indexOf('lab-b', /kill -KILL/)).toBeLessThan(exec.indexOf('lab-b', /^ip .*-batch/));
    expect(ctx.run.record.rollback!.ok).toBe(true);
  });
});
