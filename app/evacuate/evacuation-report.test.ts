// The evacuation's report: each tree's outcome from its record, what never started and why, the outcome and the
// exit code (non-zero when anything movable did not move).
import { describe, expect, it } from 'vitest';
import type { EvacuationMove, EvacuationPlan } from '../model/evacuation';
import type { MigrationRecord } from '../model/migration';
import { evacuationExitCode, evacuationReport, planLines, reportLines, treeOutcome } from './evacuation-report';

const move = (pid: number, to = 'lab-b'): EvacuationMove => ({
  pid,
  comm: `p${pid}`,
  args: '',
  treePids: [pid],
  rssKiB: 1024,
  connections: 1,
  listeners: 0,
  addresses: ['198.18.0.100'],
  to,
  mode: 'streamed',
  moves: ['198.18.0.100'],
  warnings: [],
});

const plan: EvacuationPlan = {
  request: { host: 'lab-a', to: ['lab-b'], parallel: 1, freezeBudgetMs: 60_000, onFailure: 'continue' },
  moves: [move(10), move(20), move(30)],
  stays: [{ ...move(5), why: [{ code: 'ADDRESS_IS_MANAGEMENT', host: 'lab-a', message: '198.18.0.2 is the address Ferry manages lab-a through' }] }],
  warnings: [],
  probedMs: 12,
};

const record = (id: string, over: Partial<MigrationRecord>): MigrationRecord => ({
  id,
  request: { from: 'lab-a', to: 'lab-b', pid: 1, addresses: [], budgetMs: 60_000, keepImages: false },
  startedAt: 0,
  outcome: 'succeeded',
  steps: [],
  connections: [],
  logs: {},
  warnings: [],
  ...over,
});

const times = { startedAt: 1000, endedAt: 4000 };

describe('evacuation report', () => {
  const moved = treeOutcome(move(10), record('m1', { freeze: { startedAt: 1, ms: 84 } }));
  const failed = treeOutcome(
    move(20),
    record('m2', { outcome: 'failed', error: { code: 'CRIU_DUMP_FAILED', message: 'dump failed' }, rollback: { attempted: true, actions: [], ok: true } }),
  );

  it('names the freeze of a moved tree, and the error and rollback of a failed one', () => {
    expect(moved).toEqual({ pid: 10, comm: 'p10', to: 'lab-b', result: 'moved', migrationId: 'm1', freezeMs: 84 });
    expect(failed).toMatchObject({ result: 'failed', error: { code: 'CRIU_DUMP_FAILED' }, rolledBack: true, outcome: 'failed' });
  });

  it('complete only when every movable tree moved: exit 0; the trees that stay do not count', () => {
    const all = [moved, treeOutcome(move(20), record('m2', {})), treeOutcome(move(30), record('m3', {}))];
    const r = evacuationReport('e1', plan, all, times);
    expect(r.outcome).toBe('complete');
    expect(evacuationExitCode(r)).toBe(0);
    expect(r.stayed).toEqual([{ pid: 5, comm: 'p5', why: [expect.objectContaining({ code: 'ADDRESS_IS_MANAGEMENT' })] }]);
  });

  it('a failure with --on-failure continue: partial, exit 1', () => {
    const r = evacuationReport('e1', plan, [moved, failed, treeOutcome(move(30), record('m3', {}))], times);
    expect(r.outcome).toBe('partial');
    expect(r.failed.map((f) => f.pid)).toEqual([20]);
    expect(evacuationExitCode(r)).toBe(1);
  });

  it('stopped after a failure: the rest never started, and say why', () => {
    const r = evacuationReport('e1', plan, [moved, failed], times, { stopped: true });
    expect(r.outcome).toBe('stopped');
    expect(r.notStarted).toEqual([{ pid: 30, comm: 'p30', to: 'lab-b', result: 'not-started', why: 'the evacuation stopped after a failure' }]);
    expect(evacuationExitCode(r)).toBe(1);
  });

  it('cancelled: exit 130', () => {
    const r = evacuationReport('e1', plan, [moved], times, { cancelled: true });
    expect(r.outcome).toBe('cancelled');
    expect(r.notStarted.map((n) => n.pid)).toEqual([20, 30]);
    expect(evacuationExitCode(r)).toBe(130);
  });

  it('prints the plan and the report for a terminal', () => {
    expect(planLines(plan).join('\n')).toMatch(/3 tree\(s\) move, 1 stay[\s\S]*stays 5 \(p5\):\n {6}\[ADDRESS_IS_MANAGEMENT\] \(lab-a\)/);
    const text = reportLines(evacuationReport('e1', plan, [moved, failed], times, { stopped: true })).join('\n');
    expect(text).toContain('moved    10 (p10) → lab-b, freeze 84 ms [m1]');
    expect(text).toContain('failed   20 (p20) → lab-b: [CRIU_DUMP_FAILED] dump failed (rolled back) [m2]');
    expect(text).toContain('stayed   5 (p5): [ADDRESS_IS_MANAGEMENT] (lab-a)');
  });
});
