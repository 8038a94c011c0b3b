// One history line from a migration record.
import type { HistoryEntry } from '../contract/contract';
import type { MigrationRecord } from '../model/migration';

/** Summarizes a record for the history list. */
export function historyEntry(r: MigrationRecord): HistoryEntry {
  return {
    id: r.id,
    startedAt: r.startedAt,
    ...(r.endedAt !== undefined ? { endedAt: r.endedAt } : {}),
    outcome: r.outcome,
    from: r.request.from,
    to: r.request.to,
    pid: r.request.pid,
    ...(r.plan?.comm ? { comm: r.plan.comm } : {}),
    ...(r.freeze?.ms !== undefined ? { freezeMs: r.freeze.ms } : {}),
    budgetMs: r.request.budgetMs,
    ...(r.imageBytes !== undefined ? { imageBytes: r.imageBytes } : {}),
    connections: r.connections.length,
    intactConnections: r.connections.filter((c) => c.ok).length,
    ...(r.error ? { error: r.error } : {}),
  };
}
