// The witness report: what the lab's TCP witness saw of every connection, and its pass/fail summary.

/** How a connection ended; `open` while it is still up. */
export type WitnessCloseReason = 'fin' | 'reset' | 'error' | 'open';

/**
 * How the witness reads a connection: `pending` until the first line (at most 2 s),
 * `witness` once it said HELLO, `raw` for anything else (only bytes and timing are observed).
 */
export type WitnessProtocol = 'pending' | 'witness' | 'raw';

/** One TCP connection accepted by the witness. Times are ISO-8601 strings from the witness's clock. */
export interface WitnessConnection {
  /** Sequential per witness run, from 1. */
  id: number;
  protocol: WitnessProtocol;
  /** From HELLO (witness protocol only). */
  clientId?: string;
  connIndex?: number;
  /** Peer address as `addr:port` (`[v6]:port`). */
  remote: string;
  /** Witness-side address as `addr:port`. */
  local: string;
  openedAt: string;
  closedAt?: string;
  closeReason: WitnessCloseReason;
  /** Error code or message behind a `reset`/`error` close (ECONNRESET, EPIPE, ...). */
  closeDetail?: string;
  bytesIn: number;
  /** Bytes of ACK lines handed to the socket. */
  bytesOut: number;
  /** Valid MSG lines received (raw connections: 0). */
  messages: number;
  /** TCP reads (data events) received. */
  chunks: number;
  lastSeq?: number;
  /**
   * true: every byte so far was a valid, in-order witness stream; false: something broke it (see brokenReason);
   * null: not verifiable (raw or still pending).
   */
  intact: boolean | null;
  firstBrokenAt?: string;
  brokenReason?: string;
  /** Longest silence between consecutive received lines (witness) or reads (raw/pending), in ms. */
  maxGapMs: number;
  /** When the longest silence ended. */
  maxGapAt?: string;
  gapsOver100ms: number;
  /** The latest silences over 30 ms (at most 50), each with when it ended: a freeze shows up here. */
  recentGaps: { endedAt: string; ms: number }[];
  /** Last line (witness) or read (raw) received. */
  lastMessageAt?: string;
  /** Open connections only: ms since lastMessageAt (or since openedAt) when the report was written. */
  silentMs?: number;
}

/** One (clientId, connIndex) stream across all its TCP connections. */
export interface WitnessClient {
  clientId: string;
  connIndex: number;
  connections: number;
  /** connections - 1: every connection after the first is a reconnect. */
  reconnects: number;
}

/** Headline counts, kept in the report so a reader needs no code. */
export interface WitnessTotals {
  connections: number;
  open: number;
  resets: number;
  /** Connections closed by an error other than a reset. */
  errors: number;
  reconnects: number;
  /** Witness-protocol connections with intact === false. */
  brokenStreams: number;
}

/** The state file the witness rewrites every 250 ms. */
export interface WitnessReport {
  startedAt: string;
  updatedAt: string;
  /** Bound listen addresses as `addr:port`. */
  listen: string[];
  clients: WitnessClient[];
  connections: WitnessConnection[];
  totals: WitnessTotals;
}

/** Pass/fail view of a report (or of one client's part of it). */
export interface WitnessSummary extends WitnessTotals {
  fins: number;
  raw: number;
  messages: number;
  bytesIn: number;
  bytesOut: number;
  maxGapMs: number;
  maxGapAt?: string;
  /** Connection id with the longest gap. */
  maxGapConnection?: number;
  gapsOver100ms: number;
  /** No reset, no error close, no reconnect, no broken stream. */
  ok: boolean;
  /** One line per thing that makes `ok` false, for an operator. */
  problems: string[];
}

/** Groups witness-protocol connections by (clientId, connIndex) in first-seen order. */
export function witnessClients(connections: readonly WitnessConnection[]): WitnessClient[] {
  const byKey = new Map<string, WitnessClient>();
  for (const c of connections) {
    if (c.clientId === undefined || c.connIndex === undefined) continue;
    const key = `${c.clientId}\u0000${c.connIndex}`;
    const entry = byKey.get(key) ?? { clientId: c.clientId, connIndex: c.connIndex, connections: 0, reconnects: 0 };
    entry.connections += 1;
    entry.reconnects = entry.connections - 1;
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

/** Headline counts of a set of connections. */
export function witnessTotals(connections: readonly WitnessConnection[]): WitnessTotals {
  const clients = witnessClients(connections);
  return {
    connections: connections.length,
    open: connections.filter((c) => c.closeReason === 'open').length,
    resets: connections.filter((c) => c.closeReason === 'reset').length,
    errors: connections.filter((c) => c.closeReason === 'error').length,
    reconnects: clients.reduce((n, c) => n + c.reconnects, 0),
    brokenStreams: connections.filter((c) => c.intact === false).length,
  };
}

function describe(c: WitnessConnection): string {
  const who = c.clientId !== undefined ? ` ${c.clientId}#${c.connIndex}` : '';
  return `connection ${c.id}${who} (${c.remote})`;
}

/** Summarizes a report, optionally only the connections of one clientId; recomputed from the connections. */
export function summarizeWitness(report: WitnessReport, filter: { clientId?: string } = {}): WitnessSummary {
  const connections = filter.clientId === undefined ? report.connections : report.connections.filter((c) => c.clientId === filter.clientId);
  const totals = witnessTotals(connections);
  const problems: string[] = [];
  let maxGap: WitnessConnection | undefined;
  for (const c of connections) {
    if (c.closeReason === 'reset') problems.push(`${describe(c)} was reset${c.closeDetail ? ` (${c.closeDetail})` : ''}`);
    if (c.closeReason === 'error') problems.push(`${describe(c)} closed by error${c.closeDetail ? ` (${c.closeDetail})` : ''}`);
    if (c.intact === false) problems.push(`${describe(c)} stream broken: ${c.brokenReason ?? 'unknown reason'}`);
    if (!maxGap || c.maxGapMs > maxGap.maxGapMs) maxGap = c;
  }
  for (const cl of witnessClients(connections)) {
    if (cl.reconnects > 0) problems.push(`${cl.clientId}#${cl.connIndex} reconnected ${cl.reconnects} time(s)`);
  }
  const summary: WitnessSummary = {
    ...totals,
    fins: connections.filter((c) => c.closeReason === 'fin').length,
    raw: connections.filter((c) => c.protocol === 'raw').length,
    messages: connections.reduce((n, c) => n + c.messages, 0),
    bytesIn: connections.reduce((n, c) => n + c.bytesIn, 0),
    bytesOut: connections.reduce((n, c) => n + c.bytesOut, 0),
    maxGapMs: maxGap?.maxGapMs ?? 0,
    gapsOver100ms: connections.reduce((n, c) => n + c.gapsOver100ms, 0),
    ok: problems.length === 0,
    problems,
  };
  if (maxGap && maxGap.maxGapMs > 0) {
    summary.maxGapConnection = maxGap.id;
    if (maxGap.maxGapAt !== undefined) summary.maxGapAt = maxGap.maxGapAt;
  }
  return summary;
}
