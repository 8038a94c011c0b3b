// Folds a migration's event stream into what the Migrate view shows (the same fold for live and late clients).
import type { FerryErrorInfo } from '../errors';
import type { MigrationEvent, MigrationPlan, MigrationRecord, StepName, StepStatus } from '../model/migration';
import { STEP_NAMES } from '../model/migration';

export interface StepProgress {
  name: StepName;
  status: StepStatus | 'pending';
  startedAt?: number;
  endedAt?: number;
  detail?: string;
  error?: FerryErrorInfo;
}

export interface LogLine {
  at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  host?: string;
  step?: StepName;
}

/** A migration as far as its events tell. Times are the server's clock. */
export interface MigrationProgress {
  id: string;
  steps: StepProgress[];
  logs: LogLine[];
  plan?: MigrationPlan;
  freeze?: { startedAt: number; endedAt?: number; ms?: number };
  /** Lazy mode's window (restored, pages still coming from the source), as last reported. */
  lazy?: { restoredAt: number; at: number; source: string; missingKiB?: number; totalKiB: number; ended?: 'complete' | 'broken' };
  /** The step running now (the last started, not yet finished). */
  current?: StepName;
  finished: boolean;
  record?: MigrationRecord;
}

/** The state before any event. */
export function initialProgress(id: string): MigrationProgress {
  return { id, steps: STEP_NAMES.map((name) => ({ name, status: 'pending' })), logs: [], finished: false };
}

const MAX_LOG_LINES = 2000;

/** Applies one event (pure: returns a new state). */
export function applyMigrationEvent(s: MigrationProgress, e: MigrationEvent): MigrationProgress {
  if (e.id !== s.id) return s;
  switch (e.type) {
    case 'step-started':
      return { ...s, current: e.step, steps: s.steps.map((x) => (x.name === e.step ? { name: x.name, status: 'running', startedAt: e.at } : x)) };
    case 'step-finished':
      return {
        ...s,
        ...(s.current === e.step ? { current: undefined } : {}),
        steps: s.steps.map((x) =>
          x.name === e.step ? { ...x, status: e.status, endedAt: e.at, ...(e.detail ? { detail: e.detail } : {}), ...(e.error ? { error: e.error } : {}) } : x,
        ),
      };
    case 'log': {
      const line: LogLine = { at: e.at, level: e.level, message: e.message, ...(e.host ? { host: e.host } : {}), ...(s.current ? { step: s.current } : {}) };
      const logs = s.logs.length >= MAX_LOG_LINES ? [...s.logs.slice(-MAX_LOG_LINES + 1), line] : [...s.logs, line];
      return { ...s, logs };
    }
    case 'freeze-started':
      return { ...s, freeze: { startedAt: e.at } };
    case 'freeze-ended':
      return { ...s, freeze: { startedAt: s.freeze?.startedAt ?? e.at - e.ms, endedAt: e.at, ms: e.ms } };
    case 'plan':
      return { ...s, plan: e.plan };
    case 'lazy-window':
      return {
        ...s,
        lazy: {
          restoredAt: e.restoredAt,
          at: e.at,
          source: e.source,
          totalKiB: e.totalKiB,
          ...(e.missingKiB !== undefined ? { missingKiB: e.missingKiB } : {}),
          ...(e.ended ? { ended: e.ended } : {}),
        },
      };
    case 'done':
    case 'failed': {
      // The record is the truth: steps that never ran stay pending, those it has take its values.
      const byName = new Map(e.record.steps.map((x) => [x.name, x]));
      const steps = s.steps.map((x) => {
        const r = byName.get(x.name);
        return r
          ? {
              name: r.name,
              status: r.status,
              startedAt: r.startedAt,
              ...(r.endedAt !== undefined ? { endedAt: r.endedAt } : {}),
              ...(r.detail ? { detail: r.detail } : {}),
              ...(r.error ? { error: r.error } : {}),
            }
          : x;
      });
      return {
        ...s,
        steps,
        finished: true,
        record: e.record,
        current: undefined,
        ...(e.record.plan ? { plan: e.record.plan } : {}),
        ...(e.record.freeze ? { freeze: e.record.freeze } : {}),
      };
    }
    default:
      return s;
  }
}

/** Replays a list of events. */
export function progressFromEvents(id: string, events: readonly MigrationEvent[]): MigrationProgress {
  return events.reduce(applyMigrationEvent, initialProgress(id));
}
