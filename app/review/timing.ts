// Timing review of one migration: the steps' waterfall, the freeze window against the budget, transfer rate.
import type { MigrationRecord, StepName, StepStatus } from '../model/migration';

/** One bar of the waterfall: offsets in ms from the migration's start. */
export interface WaterfallRow {
  name: StepName | 'freeze';
  startMs: number;
  durationMs: number;
  status: StepStatus | 'freeze';
  detail?: string;
}

/** The timing summary the review view draws. */
export interface TimingSummary {
  totalMs?: number;
  rows: WaterfallRow[];
  freeze?: { startMs: number; ms?: number; budgetMs: number; budgetUsed?: number };
  /** The freeze window part by part, laid end to end from its start (offsets from the migration's start). */
  freezeParts?: { name: string; startMs: number; ms: number; host: string; detail?: string; share: number }[];
  imageBytes?: number;
  transferMs?: number;
  /** Transfer rate in MiB/s. */
  transferMiBps?: number;
}

/** Builds the waterfall (steps in start order, then the freeze window) and the figures around it. */
export function timingSummary(r: MigrationRecord, now?: number): TimingSummary {
  const end = (t: number | undefined) => t ?? now;
  const rows: WaterfallRow[] = [...r.steps]
    .sort((a, b) => a.startedAt - b.startedAt)
    .map((s) => {
      const e = end(s.endedAt);
      return {
        name: s.name,
        startMs: s.startedAt - r.startedAt,
        durationMs: e === undefined ? 0 : Math.max(0, e - s.startedAt),
        status: s.status,
        ...(s.detail ? { detail: s.detail } : {}),
      };
    });
  const out: TimingSummary = { rows };
  const total = end(r.endedAt);
  if (total !== undefined) out.totalMs = total - r.startedAt;
  if (r.freeze) {
    const fe = end(r.freeze.endedAt);
    const ms = r.freeze.ms ?? (fe === undefined ? undefined : fe - r.freeze.startedAt);
    out.freeze = {
      startMs: r.freeze.startedAt - r.startedAt,
      budgetMs: r.request.budgetMs,
      ...(ms !== undefined ? { ms, budgetUsed: ms / r.request.budgetMs } : {}),
    };
    if (ms !== undefined) rows.push({ name: 'freeze', startMs: out.freeze.startMs, durationMs: ms, status: 'freeze' });
    if (r.freezeParts?.length && ms) {
      let at = out.freeze.startMs;
      out.freezeParts = r.freezeParts.map((p) => {
        const row = { name: p.name, startMs: Math.round(at), ms: p.ms, host: p.host, share: p.ms / ms, ...(p.detail ? { detail: p.detail } : {}) };
        at += p.ms;
        return row;
      });
    }
  }
  if (r.imageBytes !== undefined) out.imageBytes = r.imageBytes;
  if (r.transferMs !== undefined) {
    out.transferMs = r.transferMs;
    if (r.imageBytes !== undefined && r.transferMs > 0) out.transferMiBps = r.imageBytes / 1048576 / (r.transferMs / 1000);
  }
  return out;
}

/** Bytes as `812 KiB`, `23.4 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(0)} KiB`;
  if (n < 1073741824) return `${(n / 1048576).toFixed(1)} MiB`;
  return `${(n / 1073741824).toFixed(2)} GiB`;
}
