// What the lab's witness saw of one migration's connections (matched by four-tuple).
import type { MigrationRecord } from '../../app/model/migration';
import type { WitnessConnection } from '../../app/model/witness';
import { freshWitness, readState } from './lab';

/** The witness's view of the migrated connections. */
export interface WitnessView {
  connections: number;
  /** Largest silence on any of them that ended after the freeze started (≤ 30 ms when none is recorded). */
  maxGapMs: number;
  resets: number;
  reconnects: number;
  intact: boolean;
  perConnection: { remote: string; gapMs: number; closeReason: string; intact: boolean | null }[];
}

/** Reads the witness (when the lab is up) and matches its connections to the record's. */
export async function witnessViewFor(record: MigrationRecord): Promise<WitnessView | undefined> {
  if (!readState()) return undefined;
  const report = await freshWitness();
  if (!report) return undefined;
  const mine = new Map<string, WitnessConnection>();
  for (const c of record.connections) {
    const local = c.before.local;
    const key = local.address.includes(':') ? `[${local.address}]:${local.port}` : `${local.address}:${local.port}`;
    const w = report.connections.find((x) => x.remote === key && x.closeReason === 'open') ?? report.connections.find((x) => x.remote === key);
    if (w) mine.set(key, w);
  }
  if (!mine.size) return undefined;
  const list = [...mine.values()];
  const since = record.freeze?.startedAt ?? record.startedAt;
  const gapOf = (w: WitnessConnection) => Math.max(0, ...(w.recentGaps ?? []).filter((g) => Date.parse(g.endedAt) >= since).map((g) => g.ms));
  const clients = new Set(list.filter((w) => w.clientId !== undefined).map((w) => `${w.clientId}#${w.connIndex}`));
  const reconnects = report.clients.filter((c) => clients.has(`${c.clientId}#${c.connIndex}`)).reduce((n, c) => n + c.reconnects, 0);
  return {
    connections: list.length,
    maxGapMs: Math.max(0, ...list.map(gapOf)),
    resets: list.filter((w) => w.closeReason === 'reset').length,
    reconnects,
    intact: list.every((w) => w.intact !== false && w.closeReason === 'open'),
    perConnection: list.map((w) => ({ remote: w.remote, gapMs: gapOf(w), closeReason: w.closeReason, intact: w.intact })),
  };
}
