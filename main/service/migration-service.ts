// The one migration service the CLI and the dashboard both call: requests checked by the contract's schema,
// concurrency by the lock files (per process and address, across controllers), every record written through one
// store into the record folder and the history, plans previewed and hosts checked the way the engine sees them,
// and cancel (refused once the destination runs the restored process).
import { FerryError } from '../../app/errors';
import type { HostReadiness, MigrationSnapshot, PlanPreview, Rehearsal, RequestParams } from '../../app/contract/contract';
import { parseMigrationRequest } from '../../app/contract/schemas';
import type { MigrationEvent, MigrationPlan, MigrationRecord, MigrationRequest } from '../../app/model/migration';
import type { FreezePrediction } from '../../app/model/prediction';
import type { Controller } from '../controller/controller';
import type { MigrateDeps } from '../engine/engine-deps';
import { checkHost } from '../engine/host-readiness';
import { migrate } from '../engine/migrate';
import { previewPlan } from '../engine/probe-plan';
import { rehearse } from '../engine/rehearse';
import type { EventSink } from '../engine/step-runner';
import type { HistoryStore } from '../store/history-db';
import { openRecordStore, type RecordStore } from '../store/record-store';
import { controllerDeps } from './engine-effects';
import { newestRecords, predictingStore, predictionFor, saveRehearsal } from './rehearsal-store';

/** Finished migrations a late client still gets as snapshots. */
const KEEP_FINISHED = 5;

/** One migration run by the engine to its end: never throws, the record says what happened. */
export type MigrationRun = (deps: MigrateDeps, request: MigrationRequest, sink: EventSink) => Promise<MigrationRecord>;

/** A migration request as a client sends it (defaults may be left out). */
export type MigrationInput = RequestParams<'migration:start'>;

export interface MigrationServiceOptions {
  controller: Controller;
  /** The history database (absent: records are kept as files only). */
  history?: HistoryStore;
  records?: RecordStore;
  /** Every event of every migration this service runs. */
  onEvent?: (e: MigrationEvent) => void;
  /** A record was stored (the history changed). */
  onRecord?: (id: string) => void;
  /** Engine settings for special callers (the bench measures a plain page stream). */
  engine?: Pick<MigrateDeps, 'pageStreamTls'>;
  /** Runs one migration (default: the engine's `migrate`; tests give a scripted one). */
  runMigration?: MigrationRun;
}

interface Task {
  snapshot: MigrationSnapshot;
  abort: AbortController;
}

/** Runs migrations for one controller process. */
export class MigrationService {
  private readonly tasks: Task[] = [];
  private readonly running = new Set<Promise<MigrationRecord>>();
  private readonly records: RecordStore;

  constructor(private readonly opts: MigrationServiceOptions) {
    this.records = opts.records ?? openRecordStore();
  }

  /** The engine's dependencies for one migration (or a preview). */
  private deps(extra: Pick<MigrateDeps, 'signal' | 'onNoReturn'> = {}): MigrateDeps {
    const deps = controllerDeps(this.opts.controller, { ...this.opts.engine, ...extra }, this.records, this.opts.history);
    // The record carries the freeze's prediction (a fresh rehearsal's, else the preflight's) beside the measurement.
    deps.store = predictingStore(deps.store, this.records, deps.now);
    const saveRecord = deps.store.saveRecord;
    deps.store.saveRecord = (record) => {
      const dir = saveRecord(record);
      this.opts.onRecord?.(record.id);
      return dir;
    };
    return deps;
  }

  /** The plan a migration would follow now, with both hosts' readiness; nothing is changed. */
  async plan(input: MigrationInput): Promise<PlanPreview> {
    return previewPlan(this.deps(), this.request(input));
  }

  /**
   * A rehearsal: both preflights, CRIU's view of the tree, the hosts' costs and the link measured, and the freeze
   * predicted per mode; `dump`: one real `criu dump --leave-running` too (a short freeze). Nothing outlives it; the
   * migration of the same request that follows within 15 minutes keeps its prediction.
   */
  async rehearse(input: MigrationInput & { dump?: boolean }): Promise<Rehearsal> {
    const { dump, ...rest } = input;
    const r = await rehearse(this.deps(), this.request(rest), { dump: !!dump, history: () => newestRecords(this.records, 60) });
    saveRehearsal(this.records, r);
    return r;
  }

  /** The freeze a planned migration is predicted to take: the prediction its record would keep (rehearsal or preflight). */
  predictFreeze(plan: MigrationPlan): FreezePrediction | undefined {
    try {
      return predictionFor(this.records, plan, Date.now());
    } catch {
      return undefined;
    }
  }

  /** One host's readiness (SSH, privileges, CRIU, kernel, criu check, tools). */
  async checkHost(host: string): Promise<HostReadiness> {
    const c = this.opts.controller;
    c.resolveHost(host);
    return checkHost({ exec: c.exec, criu: c.criu }, host);
  }

  /**
   * Starts a migration; resolves with its id once the engine emitted its first event. A second migration of a
   * process or an address is refused by the locks (its record says BUSY).
   */
  start(input: MigrationInput, sink: EventSink = () => {}): Promise<{ id: string; done: Promise<MigrationRecord> }> {
    const request = this.request(input);
    const abort = new AbortController();
    let task: Task | undefined;
    let started: (id: string) => void = () => {};
    const first = new Promise<string>((resolve) => (started = resolve));
    // The engine calls the sink synchronously: nothing here may throw into it.
    const onEvent = (e: MigrationEvent) => {
      try {
        if (!task) {
          task = { snapshot: { id: e.id, request, events: [], running: true }, abort };
          this.tasks.push(task);
          started(e.id);
        }
        task.snapshot.events.push(e);
        if (e.type === 'done' || e.type === 'failed') task.snapshot.running = false;
        sink(e);
        this.opts.onEvent?.(e);
      } catch {
        /* a broken consumer must not break the migration */
      }
    };
    const onNoReturn = () => {
      if (task) task.snapshot.noReturn = true;
    };
    const done: Promise<MigrationRecord> = (this.opts.runMigration ?? migrate)(this.deps({ signal: abort.signal, onNoReturn }), request, onEvent).then(
      (record) => {
        if (task) task.snapshot.running = false;
        this.forgetOld();
        this.running.delete(done);
        return record;
      },
    );
    this.running.add(done);
    return first.then((id) => ({ id, done }));
  }

  /**
   * Cancels a running migration: before the freeze it ends with nothing left behind, in the freeze it rolls
   * back. Refused (CANCEL_REFUSED) once the destination runs the restored process, and for one not running here.
   */
  cancel(id: string): { id: string; cancelling: true } {
    const task = this.tasks.find((t) => t.snapshot.id === id);
    if (!task || !task.snapshot.running) {
      throw new FerryError({
        code: 'BAD_INPUT',
        message: `migration ${id} is not running in this Ferry`,
        hint: 'a migration can be cancelled by the CLI or dashboard that started it',
      });
    }
    if (task.snapshot.noReturn) {
      throw new FerryError({
        code: 'CANCEL_REFUSED',
        host: task.snapshot.request.to,
        message: `migration ${id} is past its point of no return: ${task.snapshot.request.to} already runs the restored process, so it finishes there`,
        hint: `migrate it back afterwards (ferry migrate --from ${task.snapshot.request.to} --to ${task.snapshot.request.from} --pid ${task.snapshot.request.pid})`,
      });
    }
    task.abort.abort();
    return { id, cancelling: true };
  }

  /** Running and recent migrations with every event so far (a late client replays them). */
  active(): MigrationSnapshot[] {
    return this.tasks.map((t) => ({ ...t.snapshot, events: [...t.snapshot.events] }));
  }

  /** Waits for every running migration (on shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.running].map((d) => d.catch(() => undefined)));
  }

  /** The request checked by the contract's schema, its hosts resolved first (their errors name the host). */
  private request(input: MigrationInput) {
    this.opts.controller.resolveHost(input.from);
    this.opts.controller.resolveHost(input.to);
    return parseMigrationRequest(input);
  }

  private forgetOld(): void {
    const finished = this.tasks.filter((t) => !t.snapshot.running);
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.tasks.splice(this.tasks.indexOf(old), 1);
  }
}
