// The witness's state file as text, made cheaply enough to be rewritten every 250 ms beside thousands of connections.
// Why: the witness is one Node.js process that timestamps each read as it handles it; JSON.stringify of a report
// holding every connection ever seen (15 MB after a few 1,000-connection runs, ~100 MB after the bench's suite) and its
// synchronous write blocked its event loop for 150-400 ms every second or so, and data that reached the peer's kernel
// during such a write was counted late: at the peer's veth the silence ended 100-400 ms before the witness said
// (captured in the lab: the restored workload's segments at +496 ms, the witness's answers to them at +903 ms).
import type { WitnessConnection } from '../model/witness';
import { witnessClients, witnessTotals } from '../model/witness';

/** One connection of the report: its record and its JSON text. */
export interface ReportEntry {
  rec: WitnessConnection;
  line: string;
}

/**
 * The report's connections as text. A closed connection never changes: its entry is made once and kept, without its
 * recentGaps (its maxGapMs, maxGapAt and gapsOver100ms stay), so each rewrite serializes only the open connections.
 */
export class WitnessReportCache {
  private readonly closed = new Map<number, ReportEntry>();

  /** The entry of connection `id` (`snapshot` is only called when it must be made). */
  entry(id: number, closed: boolean, snapshot: () => WitnessConnection): ReportEntry {
    const kept = this.closed.get(id);
    if (kept) return kept;
    const rec = snapshot();
    if (!closed) return { rec, line: JSON.stringify(rec) };
    const small = { ...rec, recentGaps: [] };
    const made = { rec: small, line: JSON.stringify(small) };
    this.closed.set(id, made);
    return made;
  }
}

/** The state file's text (a WitnessReport, one connection and one client per line), oldest connection first. */
export function witnessReportText(startedAt: string, updatedAt: string, listen: readonly string[], entries: readonly ReportEntry[]): string {
  const recs = entries.map((e) => e.rec);
  const list = (lines: string[]) => (lines.length ? `[\n${lines.map((l) => `    ${l}`).join(',\n')}\n  ]` : '[]');
  return [
    '{',
    `  "startedAt": ${JSON.stringify(startedAt)},`,
    `  "updatedAt": ${JSON.stringify(updatedAt)},`,
    `  "listen": ${JSON.stringify(listen)},`,
    `  "clients": ${list(witnessClients(recs).map((c) => JSON.stringify(c)))},`,
    `  "connections": ${list(entries.map((e) => e.line))},`,
    `  "totals": ${JSON.stringify(witnessTotals(recs))}`,
    '}',
    '',
  ].join('\n');
}
