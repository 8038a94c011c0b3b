// Split-brain branches of lazy mode on a scripted executor: both copies run after the page transfer failed. Which
// copy stays is decided by the streams' positions (read in repair mode on each host): moved on the destination,
// the connections are reset from the destination (the peers know its sequence numbers) before anything else;
// unmoved, the source copy resumes with them and nothing is reset.
import { describe, expect, it } from 'vitest';
import { ScriptedExecutor, labFixture, labPlan, probeOutput } from '../../test/support/scripted-executor';
import { resolveCopies } from './split-brain';

/** Both hosts show the tree running with the migrated connections (the destination copy restored them). */
function bothRunning(moved: boolean): { exec: ScriptedExecutor; plan: ReturnType<typeof labPlan> } {
  const plan = labPlan('lazy');
  const probe = probeOutput({ ps: labFixture('lab-a-ps.txt'), ss: labFixture('lab-a-ss.txt') });
  const seqs = (delta: number) =>
    JSON.stringify(
      plan.connections
        .filter((c) => c.state === 'ESTAB')
        .map((c, i) => ({ pid: 4242, local: c.local, remote: c.remote, writeSeq: 1000 + i + delta, rcvNxt: 5000 + i })),
    );
  const exec = new ScriptedExecutor()
    .on(undefined, /ferry-probe/, { stdout: probe })
    .on('lab-a', /^python3 -c .*TCP_REPAIR/s, { stdout: seqs(0) })
    .on('lab-b', /^python3 -c .*TCP_REPAIR/s, { stdout: seqs(moved ? 17 : 0) });
  return { exec, plan };
}

describe('resolveCopies (scripted executor)', () => {
  it('both copies ran and the destination moved the streams: reset from the destination first, the source resumes without them', async () => {
    const { exec, plan } = bothRunning(true);
    const r = await resolveCopies(exec, plan, false);
    expect(r).toMatchObject({
      keep: 'source',
      end: 'destination',
      splitBrain: true,
      ok: true,
      facts: { sourceRuns: true, destinationRuns: true, streams: { moved: 4, same: 0, unknown: 0 } },
    });
    expect(r.connectionsEnded).toHaveLength(4);
    const resetOnB = exec.indexOf('lab-b', /^ss -K src /);
    expect(resetOnB).toBeGreaterThan(0);
    // The reset goes out while the destination copy still holds the connections, before it is killed.
    expect(resetOnB).toBeLessThan(exec.indexOf('lab-b', /kill -KILL/));
    expect(exec.indexOf('lab-a', /^kill -CONT 4242$/)).toBeGreaterThan(exec.indexOf('lab-b', /kill -KILL/));
    expect(r.actions[0]).toMatch(/^reset the connections from lab-b/);
  });

  it('both copies ran but the destination moved nothing: the source resumes with its connections, nothing reset from either side', async () => {
    const { exec, plan } = bothRunning(false);
    const r = await resolveCopies(exec, plan, false);
    expect(r).toMatchObject({ keep: 'source', splitBrain: true, ok: true, facts: { streams: { same: 4, moved: 0 } } });
    expect(r.end).toBeUndefined();
    expect(r.connectionsEnded).toBeUndefined();
    // Only the stopped destination copy's own sockets are destroyed (under a drop), never the source's.
    expect(exec.indexOf('lab-a', /^ss -K src /)).toBe(-1);
    expect(exec.indexOf('lab-a', /^kill -CONT 4242$/)).toBeGreaterThan(0);
  });
});
