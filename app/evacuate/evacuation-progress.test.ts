// The dashboard's fold of an evacuation's events: each tree waiting, running (its step, the freeze), moved or
// failed, the trees that never started once it ended, and the cancel.
import { describe, expect, it } from 'vitest';
import type { EvacuationEvent, EvacuationMove, EvacuationPlan } from '../model/evacuation';
import { evacuationReport } from './evacuation-report';
import { evacuationFromEvents } from './evacuation-progress';

const move = (pid: number): EvacuationMove => ({
  pid,
  comm: `p${pid}`,
  args: '',
  treePids: [pid],
  rssKiB: 1,
  connections: 1,
  listeners: 0,
  addresses: [],
  to: 'lab-b',
  mode: 'streamed',
  moves: [],
  warnings: [],
});
const plan: EvacuationPlan = {
  request: { host: 'lab-a', to: ['lab-b'], parallel: 1, freezeBudgetMs: 60_000, onFailure: 'stop' },
  moves: [move(1), move(2), move(3)],
  stays: [],
  warnings: [],
  probedMs: 0,
};

describe('evacuation progress', () => {
  it('follows each tree from waiting to its end', () => {
    const events: EvacuationEvent[] = [
      { type: 'plan', id: 'e-1', at: 0, plan },
      { type: 'tree-started', id: 'e-1', at: 1, pid: 1, to: 'lab-b', migrationId: 'm-1' },
      { type: 'tree-progress', id: 'e-1', at: 2, pid: 1, migrationId: 'm-1', step: 'freeze', status: 'running' },
    ];
    const mid = evacuationFromEvents('e-1', events);
    expect(mid.trees.map((t) => [t.pid, t.state, t.step])).toEqual([
      [1, 'running', 'frozen'],
      [2, 'waiting', undefined],
      [3, 'waiting', undefined],
    ]);
    events.push(
      { type: 'tree-progress', id: 'e-1', at: 3, pid: 1, migrationId: 'm-1', step: 'freeze', status: 'ok', freezeMs: 90 },
      { type: 'tree-finished', id: 'e-1', at: 4, outcome: { pid: 1, comm: 'p1', to: 'lab-b', result: 'moved', migrationId: 'm-1', freezeMs: 90 } },
      { type: 'tree-started', id: 'e-1', at: 5, pid: 2, to: 'lab-b', migrationId: 'm-2' },
      {
        type: 'tree-finished',
        id: 'e-1',
        at: 6,
        outcome: { pid: 2, comm: 'p2', to: 'lab-b', result: 'failed', migrationId: 'm-2', error: { code: 'CRIU_DUMP_FAILED', message: 'no' } },
      },
    );
    const report = evacuationReport('e-1', plan, [], { startedAt: 0, endedAt: 7 }, { stopped: true });
    events.push({ type: 'done', id: 'e-1', at: 7, report: { ...report, notStarted: [report.notStarted[2]!] } });
    const end = evacuationFromEvents('e-1', events);
    expect(end.running).toBe(false);
    expect(end.trees.map((t) => [t.pid, t.state, t.freezeMs, t.error])).toEqual([
      [1, 'moved', 90, undefined],
      [2, 'failed', undefined, '[CRIU_DUMP_FAILED] no'],
      [3, 'not-started', undefined, 'the evacuation stopped after a failure'],
    ]);
  });

  it('a cancel names the trees it could not stop', () => {
    const p = evacuationFromEvents('e-1', [
      { type: 'plan', id: 'e-1', at: 0, plan },
      { type: 'cancelling', id: 'e-1', at: 1, refused: ['m-1'] },
    ]);
    expect(p).toMatchObject({ cancelling: true, refused: ['m-1'], running: true });
  });
});
