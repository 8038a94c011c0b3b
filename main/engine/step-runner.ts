// Runs a migration's steps in order, timing each one and emitting its events into the record.
import { FerryError, toErrorInfo } from '../../app/errors';
import type { MigrationEvent, MigrationRecord, StepName, StepRecord } from '../../app/model/migration';

export type EventSink = (e: MigrationEvent) => void;

/** Times steps, keeps the record and forwards every event to the sink. */
export class StepRunner {
  constructor(
    readonly record: MigrationRecord,
    private readonly sink: EventSink,
    /** The controller's clock. */
    readonly now: () => number = Date.now,
  ) {}

  /** Runs one step; its error is recorded on the step and rethrown. */
  async step<T>(name: StepName, fn: (s: StepRecord) => Promise<T>): Promise<T> {
    const s: StepRecord = { name, status: 'running', startedAt: this.now() };
    this.record.steps.push(s);
    this.emit({ type: 'step-started', id: this.record.id, step: name, at: s.startedAt });
    try {
      const value = await fn(s);
      s.status = 'ok';
      return value;
    } catch (err) {
      s.status = 'failed';
      s.error = toErrorInfo(err);
      throw err;
    } finally {
      s.endedAt = this.now();
      this.emit({
        type: 'step-finished',
        id: this.record.id,
        step: name,
        at: s.endedAt,
        status: s.status,
        ...(s.detail !== undefined ? { detail: s.detail } : {}),
        ...(s.error ? { error: s.error } : {}),
      });
    }
  }

  /** Logs a line into the event stream. */
  log(message: string, level: 'info' | 'warn' | 'error' = 'info', host?: string): void {
    this.emit({ type: 'log', id: this.record.id, at: this.now(), level, message, ...(host ? { host } : {}) });
    if (level === 'warn') this.record.warnings.push(message);
  }

  freezeStarted(at: number): void {
    this.record.freeze = { startedAt: at };
    this.emit({ type: 'freeze-started', id: this.record.id, at });
  }

  freezeEnded(at: number): void {
    const f = this.record.freeze;
    if (!f) throw new FerryError({ code: 'INTERNAL', message: 'freeze ended before it started' });
    f.endedAt = at;
    f.ms = at - f.startedAt;
    this.emit({ type: 'freeze-ended', id: this.record.id, at, ms: f.ms });
  }

  emit(e: MigrationEvent): void {
    this.sink(e);
  }
}
