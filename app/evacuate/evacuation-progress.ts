// An evacuation's progress folded from its events: the plan, each tree's state, the report once it ended.
import type { EvacuationEvent, EvacuationPlan, EvacuationReport } from '../model/evacuation';

/** One tree of the plan as the dashboard shows it while the evacuation runs. */
export interface TreeProgress {
  pid: number;
  comm: string;
  to: string;
  state: 'waiting' | 'running' | 'moved' | 'failed' | 'not-started';
  migrationId?: string;
  /** The last step finished (or the freeze while it lasts). */
  step?: string;
  freezeMs?: number;
  error?: string;
}

export interface EvacuationProgress {
  id: string;
  plan?: EvacuationPlan;
  trees: TreeProgress[];
  running: boolean;
  cancelling: boolean;
  /** Migrations a cancel could not stop (past their point of no return). */
  refused: string[];
  report?: EvacuationReport;
}

export const initialEvacuation = (id: string): EvacuationProgress => ({ id, trees: [], running: true, cancelling: false, refused: [] });

/** The progress after one more event. */
export function applyEvacuationEvent(p: EvacuationProgress, e: EvacuationEvent): EvacuationProgress {
  const tree = (pid: number, f: (t: TreeProgress) => TreeProgress) => p.trees.map((t) => (t.pid === pid ? f(t) : t));
  switch (e.type) {
    case 'plan':
      return { ...p, plan: e.plan, trees: e.plan.moves.map((m) => ({ pid: m.pid, comm: m.comm, to: m.to, state: 'waiting' })) };
    case 'tree-started':
      return { ...p, trees: tree(e.pid, (t) => ({ ...t, state: 'running', migrationId: e.migrationId })) };
    case 'tree-progress':
      return {
        ...p,
        trees: tree(e.pid, (t) => ({
          ...t,
          state: 'running',
          migrationId: e.migrationId,
          step: e.step === 'freeze' && e.status === 'running' ? 'frozen' : e.step,
          ...(e.freezeMs === undefined ? {} : { freezeMs: e.freezeMs }),
        })),
      };
    case 'tree-finished': {
      const o = e.outcome;
      return {
        ...p,
        trees: tree(o.pid, (t) => ({
          ...t,
          state: o.result,
          ...(o.result === 'moved' && o.freezeMs !== undefined ? { freezeMs: o.freezeMs } : {}),
          ...(o.result === 'failed' ? { error: `[${o.error.code}] ${o.error.message}` } : o.result === 'not-started' ? { error: o.why } : {}),
        })),
      };
    }
    case 'cancelling':
      return { ...p, cancelling: true, refused: e.refused };
    case 'done': {
      const notStarted = new Map(e.report.notStarted.map((n) => [n.pid, n.why]));
      return {
        ...p,
        running: false,
        report: e.report,
        trees: p.trees.map((t) => (notStarted.has(t.pid) ? { ...t, state: 'not-started', error: notStarted.get(t.pid) } : t)),
      };
    }
  }
}

/** The progress from every event so far (a late client's snapshot). */
export function evacuationFromEvents(id: string, events: readonly EvacuationEvent[]): EvacuationProgress {
  return events.reduce(applyEvacuationEvent, initialEvacuation(id));
}
