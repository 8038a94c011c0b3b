// The evacuation probe's freeze prediction on the captured lab (demo 4242 on lab-a): each tree's predicted freeze
// is the migration record's own preflight prediction of the plan the judge made (its mode), the judge runs once
// per tree and destination, and a budget below the prediction keeps every movable tree with the reason.
import { describe, expect, it } from 'vitest';
import { planEvacuation } from '../../app/evacuate/evacuation-plan';
import { evacuationTrees } from '../../app/evacuate/evacuation-trees';
import type { EvacuationTree } from '../../app/model/evacuation';
import type { MigrationPlan } from '../../app/model/migration';
import { buildPlan, type PlanResult } from '../../app/plan/build-plan';
import { labPlanInput } from '../../test/support/lab-snapshots';
import { predictionFor } from '../service/rehearsal-store';
import { openRecordStore } from '../store/record-store';
import { predictingJudge } from './evacuation-probe';
import { evacuationRequest as request } from '../../test/support/evacuation-request';

/** No past records: the preflight prediction from the plan alone (reference host costs). */
const records = openRecordStore('/nonexistent/ferry-evpred-test');
const preflight = (plan: MigrationPlan) => predictionFor(records, plan, 0)?.ms;

function labJudge(calls: string[]) {
  const input = labPlanInput('e-test');
  return (tree: EvacuationTree, to: string): PlanResult => {
    calls.push(`${tree.pid}|${to}`);
    return buildPlan({ ...input, id: `e-${tree.pid}`, request: { ...input.request, pid: tree.pid, to } });
  };
}

describe('predictingJudge', () => {
  const trees = evacuationTrees(labPlanInput('e-test').source);
  const demo = trees.find((t) => t.pid === 4242)!;

  it('predicts the freeze of the plan the preflight made, in the mode it chose, with the migration record’s model', () => {
    const calls: string[] = [];
    const { judge, predictFreezeMs } = predictingJudge(labJudge(calls), preflight);
    const result = judge(demo, 'lab-b');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const expected = predictionFor(records, result.plan, 0);
    expect(expected).toMatchObject({ from: 'preflight', mode: result.plan.transferMode });
    const ms = predictFreezeMs?.(demo, 'lab-b');
    expect(ms).toBe(expected?.ms);
    expect(ms).toBeGreaterThan(100);
    // One preflight per tree and destination, however often the planner asks.
    expect(calls).toEqual(['4242|lab-b']);
  });

  it('predicts nothing for a tree the preflight refuses, and nothing without a predictor', () => {
    const sshd = trees.find((t) => t.comm === 'sshd')!;
    const { judge, predictFreezeMs } = predictingJudge(labJudge([]), preflight);
    expect(judge(sshd, 'lab-b').ok).toBe(false);
    expect(predictFreezeMs?.(sshd, 'lab-b')).toBeUndefined();
    expect(predictingJudge(labJudge([]), undefined).predictFreezeMs).toBeUndefined();
  });

  it('plans with the prediction: shown per moving tree, and a budget below it keeps the tree with the reason', () => {
    const calls: string[] = [];
    const predicted: number[] = [];
    const counting = (plan: MigrationPlan) => {
      predicted.push(plan.request.pid);
      return preflight(plan);
    };
    const roomy = planEvacuation({ request: request(), trees, ...predictingJudge(labJudge(calls), counting) });
    const move = roomy.moves.find((m) => m.pid === 4242);
    expect(move?.predictedFreezeMs).toBeGreaterThan(100);
    expect(calls.filter((c) => c === '4242|lab-b')).toHaveLength(1);
    expect(predicted.filter((p) => p === 4242)).toHaveLength(1);

    const tight = planEvacuation({ request: request({ freezeBudgetMs: 100 }), trees, ...predictingJudge(labJudge([]), preflight) });
    expect(tight.moves).toEqual([]);
    const why = tight.stays.find((s) => s.pid === 4242)?.why;
    expect(why).toEqual([
      expect.objectContaining({
        code: 'NOT_MOVABLE',
        host: 'lab-b',
        message: `process 4242 (${demo.comm}) is predicted to freeze ${Math.round(move!.predictedFreezeMs!)} ms in ${move!.mode} mode towards lab-b, against the freeze budget of 100 ms per tree`,
      }),
    ]);
  });
});
