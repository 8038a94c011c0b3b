// Host evacuations: one plan (which trees move where, which stay and why), then each tree's migration through
// the one migration service, one by one or N at a time (never two sharing an address), the failure policy, cancel
// of the whole evacuation, progress events and the report at the end.
import { randomBytes } from 'node:crypto';
import { FerryError, toErrorInfo } from '../../app/errors';
import { nextToStart } from '../../app/evacuate/evacuation-plan';
import { evacuationReport, treeOutcome } from '../../app/evacuate/evacuation-report';
import type { RequestParams } from '../../app/contract/contract';
import { parseEvacuationRequest } from '../../app/contract/schemas';
import type { EvacuationEvent, EvacuationMove, EvacuationPlan, EvacuationReport, EvacuationSnapshot, TreeOutcome } from '../../app/model/evacuation';
import type { MigrationEvent } from '../../app/model/migration';
import type { Controller } from '../controller/controller';
import { probeEvacuation, treeRequest } from '../engine/evacuation-probe';
import { controllerDeps } from './engine-effects';
import type { MigrationService } from './migration-service';

/** An evacuation request as a client sends it (defaults may be left out). */
export type EvacuationInput = RequestParams<'evacuation:start'>;

export interface EvacuationServiceOptions {
  controller: Controller;
  /** The one migration service every tree's migration goes through. */
  migrations: MigrationService;
  /** Every event of every evacuation. */
  onEvent?: (e: EvacuationEvent) => void;
  /** Plans instead of probing (tests). */
  planner?: (input: EvacuationInput) => Promise<EvacuationPlan>;
  now?: () => number;
}

interface Running {
  move: EvacuationMove;
  migrationId?: string;
  /** Resolved once the migration service took the tree (or refused it). */
  started: Promise<void>;
  done: Promise<void>;
}

interface Task {
  snapshot: EvacuationSnapshot;
  cancelled: boolean;
  running: Map<number, Running>;
}

/** Finished evacuations a late client still gets. */
const KEEP_FINISHED = 3;

/** A new id like `e-20261202-013012-3fa9c1`. */
function newEvacuationId(now: Date): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `e-${t}-${randomBytes(3).toString('hex')}`;
}

/** Runs evacuations for one controller process. */
export class EvacuationService {
  private readonly tasks: Task[] = [];
  private readonly now: () => number;

  constructor(private readonly opts: EvacuationServiceOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The plan: what would move where, what stays and why; nothing is changed. */
  async plan(input: EvacuationInput): Promise<EvacuationPlan> {
    if (this.opts.planner) return this.opts.planner(input);
    const req = parseEvacuationRequest(input);
    // Each tree's predicted freeze is the one its migration's record would keep (same model, same past records).
    return probeEvacuation(controllerDeps(this.opts.controller), req, (plan) => this.opts.migrations.predictFreeze(plan)?.ms);
  }

  /** Plans, then starts the evacuation; resolves with its id once planned (`done`: the report at the end). */
  async start(
    input: EvacuationInput,
    sink: (e: EvacuationEvent) => void = () => {},
  ): Promise<{ id: string; plan: EvacuationPlan; done: Promise<EvacuationReport> }> {
    const plan = await this.plan(input);
    const id = newEvacuationId(new Date(this.now()));
    const task: Task = { snapshot: { id, request: plan.request, events: [], running: true }, cancelled: false, running: new Map() };
    this.tasks.push(task);
    const emit = (e: EvacuationEvent) => {
      task.snapshot.events.push(e);
      for (const f of [sink, this.opts.onEvent]) {
        try {
          f?.(e);
        } catch {
          /* a broken consumer must not break the evacuation */
        }
      }
    };
    emit({ type: 'plan', id, at: this.now(), plan });
    const done = this.run(task, plan, emit).finally(() => {
      task.snapshot.running = false;
      this.forgetOld();
    });
    return { id, plan, done };
  }

  /**
   * Cancels an evacuation: no new tree starts, and each running tree is cancelled by the migration service's
   * rules (before the freeze nothing is left behind, in it the tree rolls back; past the point of no return it
   * finishes, and is named in `refused`).
   */
  cancel(id: string): { id: string; cancelling: true; refused: string[] } {
    const task = this.tasks.find((t) => t.snapshot.id === id);
    if (!task || !task.snapshot.running) {
      throw new FerryError({
        code: 'BAD_INPUT',
        message: `evacuation ${id} is not running in this Ferry`,
        hint: 'an evacuation can be cancelled by the CLI or dashboard that started it',
      });
    }
    task.cancelled = true;
    const refused: string[] = [];
    for (const r of task.running.values()) if (r.migrationId && !this.cancelTree(r.migrationId)) refused.push(r.migrationId);
    task.snapshot.events.push({ type: 'cancelling', id, at: this.now(), refused });
    this.opts.onEvent?.({ type: 'cancelling', id, at: this.now(), refused });
    return { id, cancelling: true, refused };
  }

  /** Running and recent evacuations with every event so far. */
  active(): EvacuationSnapshot[] {
    return this.tasks.map((t) => ({ ...t.snapshot, events: [...t.snapshot.events] }));
  }

  /** False when the migration service refuses (past the point of no return). */
  private cancelTree(migrationId: string): boolean {
    try {
      this.opts.migrations.cancel(migrationId);
      return true;
    } catch {
      return false;
    }
  }

  private async run(task: Task, plan: EvacuationPlan, emit: (e: EvacuationEvent) => void): Promise<EvacuationReport> {
    const { id } = task.snapshot;
    const startedAt = this.now();
    const waiting = [...plan.moves];
    const outcomes: TreeOutcome[] = [];
    let stopped = false;
    const finish = (o: TreeOutcome) => {
      outcomes.push(o);
      if (o.result === 'failed' && plan.request.onFailure === 'stop') stopped = true;
      emit({ type: 'tree-finished', id, at: this.now(), outcome: o });
    };
    for (;;) {
      while (!task.cancelled && !stopped) {
        const next = nextToStart(
          waiting,
          [...task.running.values()].map((r) => r.move),
          plan.request.parallel,
        );
        if (!next) break;
        waiting.splice(waiting.indexOf(next), 1);
        let started: () => void = () => {};
        const r: Running = { move: next, started: new Promise<void>((resolve) => (started = resolve)), done: Promise.resolve() };
        task.running.set(next.pid, r);
        r.done = this.runTree(task, r, emit, started)
          .then(finish)
          .finally(() => task.running.delete(next.pid));
        // The migration has its id (so a cancel reaches it) before the next tree is considered.
        await r.started;
      }
      if (!task.running.size) break;
      await Promise.race([...task.running.values()].map((r) => r.done));
    }
    const report = evacuationReport(id, plan, outcomes, { startedAt, endedAt: this.now() }, { cancelled: task.cancelled, stopped });
    emit({ type: 'done', id, at: this.now(), report });
    return report;
  }

  /** One tree's migration through the migration service, its events passed on as the tree's progress. */
  private async runTree(task: Task, r: Running, emit: (e: EvacuationEvent) => void, started: () => void): Promise<TreeOutcome> {
    const { id, request } = task.snapshot;
    const move = r.move;
    const progress = (e: MigrationEvent) => {
      if (e.type === 'step-finished') emit({ type: 'tree-progress', id, at: e.at, pid: move.pid, migrationId: e.id, step: e.step, status: e.status });
      else if (e.type === 'freeze-started') emit({ type: 'tree-progress', id, at: e.at, pid: move.pid, migrationId: e.id, step: 'freeze', status: 'running' });
      else if (e.type === 'freeze-ended')
        emit({ type: 'tree-progress', id, at: e.at, pid: move.pid, migrationId: e.id, step: 'freeze', status: 'ok', freezeMs: e.ms });
    };
    try {
      const m = await this.opts.migrations.start(treeRequest(request, move.pid, move.to), progress);
      r.migrationId = m.id;
      emit({ type: 'tree-started', id, at: this.now(), pid: move.pid, to: move.to, migrationId: m.id });
      started();
      // Cancelled while this tree was starting: cancel it too.
      if (task.cancelled) this.cancelTree(m.id);
      return treeOutcome(move, await m.done);
    } catch (err) {
      return { pid: move.pid, comm: move.comm, to: move.to, result: 'failed', error: toErrorInfo(err) };
    } finally {
      started();
    }
  }

  private forgetOld(): void {
    const finished = this.tasks.filter((t) => !t.snapshot.running);
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.tasks.splice(this.tasks.indexOf(old), 1);
  }
}
