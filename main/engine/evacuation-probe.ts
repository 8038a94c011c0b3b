// The facts an evacuation plan is built from: the host to empty and every destination probed once (as a
// migration's connect step probes them), each tree's own /proc facts (session, network namespaces, shared
// memory), and each tree judged against each destination by the migration's own preflight (planFor), with the
// freeze that plan is predicted to take (the migration record's own prediction, given as `predict`).
import { FerryError, toErrorInfo } from '../../app/errors';
import { planEvacuation, type EvacuationInputs } from '../../app/evacuate/evacuation-plan';
import { evacuationTrees } from '../../app/evacuate/evacuation-trees';
import type { HostSpec } from '../../app/model/host';
import type { EvacuationPlan, EvacuationRequest, EvacuationTree } from '../../app/model/evacuation';
import type { MigrationPlan, MigrationRequest } from '../../app/model/migration';
import type { HostSnapshot } from '../../app/model/snapshot';
import type { PlanResult } from '../../app/plan/build-plan';
import { sameHostProblem } from '../../app/inventory/host-identity';
import { probeHost } from '../net/host-probe';
import type { MigrateDeps } from './engine-deps';
import type { ProbeOutcome } from './host-readiness';
import { newMigrationId } from './migration-id';
import { planFor } from './probe-plan';

type Deps = Pick<MigrateDeps, 'exec' | 'resolveHost' | 'criu' | 'now' | 'pageServerPort' | 'pageStreamTls'>;

/** Trees whose own /proc facts are read at the same time. */
const TREE_PROBES_AT_ONCE = 4;

/** The migration request an evacuation makes for one tree. */
export function treeRequest(req: EvacuationRequest, pid: number, to: string): MigrationRequest {
  return { from: req.host, to, pid, addresses: [], budgetMs: req.freezeBudgetMs, keepImages: false, ...(req.mode ? { mode: req.mode } : {}) };
}

/** The freeze a migration's plan is predicted to take, in ms (the preflight prediction its record will keep). */
export type PlanPredictor = (plan: MigrationPlan) => number | undefined;

/**
 * The judge once per tree and destination, and the predicted freeze of the plan it made: the mode that plan chose
 * (the one the migration would choose), predicted by the migration's own preflight prediction.
 */
export function predictingJudge(
  judge: (tree: EvacuationTree, to: string) => PlanResult,
  predict?: PlanPredictor,
): Pick<EvacuationInputs, 'judge' | 'predictFreezeMs'> {
  const seen = new Map<string, PlanResult>();
  const once = (tree: EvacuationTree, to: string): PlanResult => {
    const key = `${tree.pid}|${to}`;
    const hit = seen.get(key);
    if (hit) return hit;
    const r = judge(tree, to);
    seen.set(key, r);
    return r;
  };
  if (!predict) return { judge: once };
  // The prediction reads past records: once per tree and destination too.
  const predicted = new Map<string, number | undefined>();
  return {
    judge: once,
    predictFreezeMs: (tree, to) => {
      const key = `${tree.pid}|${to}`;
      if (!predicted.has(key)) {
        const r = once(tree, to);
        predicted.set(key, r.ok ? predict(r.plan) : undefined);
      }
      return predicted.get(key);
    },
  };
}

/** Probes the host and the destinations, then plans: nothing is changed on any host. */
export async function probeEvacuation(deps: Deps, req: EvacuationRequest, predict?: PlanPredictor): Promise<EvacuationPlan> {
  const started = deps.now();
  const from = deps.resolveHost(req.host);
  const dests = req.to.map((name) => ({ name, spec: deps.resolveHost(name) }));
  // One host under two names is refused before any connection.
  for (const d of dests) {
    const same = sameHostProblem(from, d.spec, { from: req.host, to: d.name });
    if (same) throw new FerryError(same);
  }
  const full = { criu: deps.criu, criuCheck: true, processes: true, sockets: true };
  const settle = (p: Promise<HostSnapshot>) =>
    p.then(
      (snap): ProbeOutcome => ({ snap }),
      (error: unknown): ProbeOutcome => ({ error }),
    );
  const [source, ...outcomes] = await Promise.all([probeHost(deps.exec, req.host, full), ...dests.map((d) => settle(probeHost(deps.exec, d.name, full)))]);
  const trees = evacuationTrees(source);
  const perTree = await treeSnapshots(deps, req.host, source, trees);
  const judge = (tree: EvacuationTree, to: string): PlanResult => {
    const i = dests.findIndex((d) => d.name === to);
    const dest = dests[i] as { name: string; spec: HostSpec };
    const outcome = outcomes[i] as ProbeOutcome;
    const request = treeRequest(req, tree.pid, to);
    if ('error' in outcome) return { ok: false, problems: [{ ...toErrorInfo(outcome.error), host: to }], warnings: [] };
    const pair = { from, to: dest.spec, source: { snap: perTree.get(tree.pid) ?? source }, destination: outcome, tablesBefore: [], probedMs: 0 };
    return planFor(deps, newMigrationId(), request, pair);
  };
  const warnings = outcomes.flatMap((o, i) => ('error' in o ? [`${dests[i]?.name} could not be probed: ${toErrorInfo(o.error).message}`] : []));
  return planEvacuation({ request: req, trees, ...predictingJudge(judge, predict), warnings, probedMs: deps.now() - started });
}

/** Each tree's session ids, network namespaces and shared memory (what the probe reads for one root PID). */
async function treeSnapshots(deps: Deps, host: string, source: HostSnapshot, trees: readonly EvacuationTree[]): Promise<Map<number, HostSnapshot>> {
  const out = new Map<number, HostSnapshot>();
  for (let i = 0; i < trees.length; i += TREE_PROBES_AT_ONCE) {
    await Promise.all(
      trees.slice(i, i + TREE_PROBES_AT_ONCE).map(async (t) => {
        const own = await probeHost(deps.exec, host, { criu: false, statPid: t.pid });
        out.set(t.pid, {
          ...source,
          ...(own.stat ? { stat: own.stat } : {}),
          ...(own.netns ? { netns: own.netns } : {}),
          ...(own.sharedMemory ? { sharedMemory: own.sharedMemory } : {}),
        });
      }),
    );
  }
  return out;
}
