// The evacuation planner: for each tree the preflight's verdict on each destination, the destination it goes to
// (spread over the operator's list), the order the trees start in, and what stays and why. Pure: the preflight
// itself (buildPlan, the one movability rule) is given as `judge`.
import type { FerryErrorInfo } from '../errors';
import type { EvacuationMove, EvacuationPlan, EvacuationRequest, EvacuationStay, EvacuationTree } from '../model/evacuation';
import type { TransferMode } from '../model/migration';
import type { PlanResult } from '../plan/build-plan';

export interface EvacuationInputs {
  request: EvacuationRequest;
  trees: readonly EvacuationTree[];
  /** The preflight of one tree towards one destination (buildPlan over both hosts' snapshots). */
  judge: (tree: EvacuationTree, to: string) => PlanResult;
  /** The predicted freeze of that tree's plan towards that destination (the migration record's prediction), when known. */
  predictFreezeMs?: (tree: EvacuationTree, to: string) => number | undefined;
  warnings?: string[];
  probedMs?: number;
}

/** Smaller trees first: the most trees are off the host soonest, and a large one's long transfer blocks nothing. */
export function startOrder(a: EvacuationTree, b: EvacuationTree): number {
  return a.rssKiB - b.rssKiB || a.pid - b.pid;
}

/** The plan: every tree judged against every destination; each movable tree to the least loaded one that takes it. */
export function planEvacuation(inputs: EvacuationInputs): EvacuationPlan {
  const { request } = inputs;
  const load = new Map(request.to.map((d) => [d, 0]));
  const moves: EvacuationMove[] = [];
  const stays: EvacuationStay[] = [];
  for (const tree of [...inputs.trees].sort(startOrder)) {
    const verdicts = request.to.map((to) => ({ to, result: withBudget(inputs, tree, to, inputs.judge(tree, to)) }));
    const fits = verdicts.filter((v) => v.result.ok);
    if (!fits.length) {
      stays.push({ ...tree, why: uniqueProblems(verdicts.flatMap((v) => (v.result.ok ? [] : v.result.problems))) });
      continue;
    }
    const best = fits.reduce((a, b) => ((load.get(b.to) ?? 0) < (load.get(a.to) ?? 0) ? b : a));
    load.set(best.to, (load.get(best.to) ?? 0) + 1);
    if (!best.result.ok) continue;
    const plan = best.result.plan;
    const predicted = inputs.predictFreezeMs?.(tree, best.to);
    moves.push({
      ...tree,
      to: best.to,
      mode: plan.transferMode,
      moves: plan.addresses.map((m) => m.address),
      ...(predicted === undefined ? {} : { predictedFreezeMs: predicted }),
      warnings: plan.warnings,
    });
  }
  stays.sort((a, b) => a.pid - b.pid);
  return { request, moves, stays, warnings: inputs.warnings ?? [], probedMs: inputs.probedMs ?? 0 };
}

/** A plan whose predicted freeze exceeds the operator's budget per tree is refused before anything runs. */
function withBudget(inputs: EvacuationInputs, tree: EvacuationTree, to: string, result: PlanResult): PlanResult {
  if (!result.ok) return result;
  const predicted = inputs.predictFreezeMs?.(tree, to);
  const budget = inputs.request.freezeBudgetMs;
  if (predicted === undefined || predicted <= budget) return result;
  return {
    ok: false,
    warnings: result.plan.warnings,
    problems: [
      {
        code: 'NOT_MOVABLE',
        host: to,
        message: budgetRefusal(tree, to, result.plan.transferMode, predicted, budget),
        hint: 'raise --freeze-budget, or move it on its own with another --mode (ferry migrate --rehearse predicts each mode)',
      },
    ],
  };
}

/** Why a tree stays for the budget: its predicted freeze against the budget, and the mode its plan chose. */
export function budgetRefusal(tree: Pick<EvacuationTree, 'pid' | 'comm'>, to: string, mode: TransferMode, predictedMs: number, budgetMs: number): string {
  return `process ${tree.pid} (${tree.comm}) is predicted to freeze ${Math.round(predictedMs)} ms in ${mode} mode towards ${to}, against the freeze budget of ${budgetMs} ms per tree`;
}

/** The problems once each (the same refusal from several destinations is said once). */
function uniqueProblems(problems: readonly FerryErrorInfo[]): FerryErrorInfo[] {
  const seen = new Map<string, FerryErrorInfo>();
  for (const p of problems) {
    // A problem of the source host is the same whichever destination it was judged against.
    const key = `${p.code}|${p.message}`;
    if (!seen.has(key)) seen.set(key, p);
  }
  return [...seen.values()];
}

/** Two trees that must not migrate at the same time: they share an address (the locks would refuse the second). */
export function conflicts(a: EvacuationMove, b: EvacuationMove): boolean {
  const mine = new Set([...a.moves, ...a.addresses]);
  return [...b.moves, ...b.addresses].some((x) => mine.has(x)) || a.treePids.some((p) => b.treePids.includes(p));
}

/** The next tree to start: the first waiting one that fits beside the running ones (at most `parallel`). */
export function nextToStart(waiting: readonly EvacuationMove[], running: readonly EvacuationMove[], parallel: number): EvacuationMove | undefined {
  if (running.length >= parallel) return undefined;
  return waiting.find((w) => !running.some((r) => conflicts(w, r)));
}
