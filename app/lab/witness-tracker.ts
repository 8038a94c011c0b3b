// What the witness knows about one connection: fed bytes and times, it verifies the stream and builds its record.
import type { WitnessCloseReason, WitnessConnection, WitnessReport } from '../model/witness';
import { witnessClients, witnessTotals } from '../model/witness';
import { decodeFrame, encodeFrame, LineDecoder, payloadFor } from './witness-protocol';

const HELLO_PREFIX = 'HELLO ';
const GAP_THRESHOLD_MS = 100;
/** Silences longer than this are kept in recentGaps (the demo sends every 10 ms). */
const RECENT_GAP_MS = 30;
/** How many of the latest such silences each connection keeps. */
const RECENT_GAPS = 50;

/** Where a tracked connection was accepted. `nowMs` is epoch milliseconds from a monotonic source. */
export interface TrackerInit {
  id: number;
  remote: string;
  local: string;
  nowMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Verifies one witness connection and keeps its WitnessConnection record up to date. */
export class ConnectionTracker {
  private readonly rec: WitnessConnection;
  private readonly decoder = new LineDecoder();
  private readonly openedMs: number;
  private head = '';
  private lastEventMs: number | undefined;
  private expectedSeq = 1;

  constructor(init: TrackerInit) {
    this.openedMs = init.nowMs;
    // Every key listed (undefined ones are left out of JSON) so the state file keeps one field order.
    this.rec = {
      id: init.id,
      protocol: 'pending',
      clientId: undefined,
      connIndex: undefined,
      remote: init.remote,
      local: init.local,
      openedAt: iso(init.nowMs),
      closedAt: undefined,
      closeReason: 'open',
      closeDetail: undefined,
      bytesIn: 0,
      bytesOut: 0,
      messages: 0,
      chunks: 0,
      lastSeq: undefined,
      intact: null,
      firstBrokenAt: undefined,
      brokenReason: undefined,
      maxGapMs: 0,
      maxGapAt: undefined,
      gapsOver100ms: 0,
      recentGaps: [],
      lastMessageAt: undefined,
      silentMs: undefined,
    };
  }

  get id(): number {
    return this.rec.id;
  }

  get protocol() {
    return this.rec.protocol;
  }

  get closed(): boolean {
    return this.rec.closeReason !== 'open';
  }

  /** Feeds one read (latin1 string, one char per byte); returns the bytes to write back (ACK lines), possibly ''. */
  onData(chunk: string, nowMs: number): string {
    if (this.closed) return '';
    this.rec.bytesIn += chunk.length;
    this.rec.chunks += 1;
    if (this.rec.protocol === 'pending') {
      this.head = (this.head + chunk).slice(0, HELLO_PREFIX.length);
      const n = this.head.length;
      if (this.head !== HELLO_PREFIX.slice(0, n)) this.rec.protocol = 'raw';
    }
    if (this.rec.protocol !== 'witness' && this.rec.protocol !== 'pending') {
      this.noteEvent(nowMs);
      return '';
    }
    if (this.rec.protocol === 'pending' && !chunk.includes('\n')) this.noteEvent(nowMs);
    let out = '';
    for (const item of this.decoder.push(chunk)) {
      if (item.kind === 'overflow') {
        this.noteEvent(nowMs);
        this.breakStream(`line longer than the limit (${item.bytes} bytes)`, nowMs);
        continue;
      }
      out += this.onLine(item.line, nowMs);
    }
    this.rec.bytesOut += out.length;
    return out;
  }

  /** Called HELLO_TIMEOUT_MS after accept: a connection that has not said HELLO by then is raw. */
  onHelloTimeout(): void {
    if (this.rec.protocol === 'pending') this.rec.protocol = 'raw';
  }

  /** Records the end of the connection; the first call wins. */
  onClose(reason: Exclude<WitnessCloseReason, 'open'>, nowMs: number, detail?: string): void {
    if (this.closed) return;
    if (this.rec.protocol === 'pending') this.rec.protocol = 'raw';
    this.rec.closeReason = reason;
    this.rec.closedAt = iso(nowMs);
    if (detail) this.rec.closeDetail = detail;
  }

  /** A copy of the record as of nowMs. */
  snapshot(nowMs: number): WitnessConnection {
    const copy: WitnessConnection = { ...this.rec };
    if (!this.closed) copy.silentMs = Math.max(0, Math.round(nowMs - (this.lastEventMs ?? this.openedMs)));
    return copy;
  }

  private onLine(line: string, nowMs: number): string {
    this.noteEvent(nowMs);
    const decoded = decodeFrame(line);
    if (this.rec.protocol === 'pending') {
      this.rec.protocol = 'witness';
      this.rec.intact = true;
      if (!decoded.ok || decoded.frame.type !== 'HELLO') {
        this.breakStream(`bad HELLO: ${decoded.ok ? decoded.frame.type : decoded.error}`, nowMs);
        return '';
      }
      this.rec.clientId = decoded.frame.clientId;
      this.rec.connIndex = decoded.frame.connIndex;
      return '';
    }
    if (!decoded.ok) {
      this.breakStream(`garbage: ${decoded.error}`, nowMs);
      return '';
    }
    const f = decoded.frame;
    if (f.type !== 'MSG') {
      this.breakStream(`unexpected ${f.type} after HELLO`, nowMs);
      return '';
    }
    this.rec.messages += 1;
    if (f.seq !== this.expectedSeq) {
      const what = f.seq < this.expectedSeq ? 'duplicate or old' : 'gap:';
      this.breakStream(`seq ${f.seq} ${what} expected ${this.expectedSeq}`, nowMs);
    } else if (this.rec.clientId !== undefined && this.rec.connIndex !== undefined) {
      const want = payloadFor('msg', this.rec.clientId, this.rec.connIndex, f.seq, f.payload.length);
      if (f.payload !== want) this.breakStream(`seq ${f.seq} payload does not match`, nowMs);
    }
    this.rec.lastSeq = f.seq;
    this.expectedSeq = f.seq + 1;
    const clientId = this.rec.clientId ?? '';
    const connIndex = this.rec.connIndex ?? 0;
    return encodeFrame({ type: 'ACK', seq: f.seq, payload: payloadFor('ack', clientId, connIndex, f.seq, f.payload.length) });
  }

  private breakStream(reason: string, nowMs: number): void {
    if (this.rec.intact === false) return;
    this.rec.intact = false;
    this.rec.brokenReason = reason;
    this.rec.firstBrokenAt = iso(nowMs);
  }

  private noteEvent(nowMs: number): void {
    if (this.lastEventMs !== undefined) {
      const gap = Math.max(0, nowMs - this.lastEventMs);
      if (gap > GAP_THRESHOLD_MS) this.rec.gapsOver100ms += 1;
      if (gap > RECENT_GAP_MS) {
        this.rec.recentGaps.push({ endedAt: iso(nowMs), ms: Math.round(gap) });
        if (this.rec.recentGaps.length > RECENT_GAPS) this.rec.recentGaps.shift();
      }
      if (gap > this.rec.maxGapMs) {
        this.rec.maxGapMs = Math.round(gap);
        this.rec.maxGapAt = iso(nowMs);
      }
    }
    this.lastEventMs = nowMs;
    this.rec.lastMessageAt = iso(nowMs);
  }
}

/** Assembles the state file from the trackers, oldest connection first. */
export function buildWitnessReport(startedMs: number, listen: readonly string[], trackers: Iterable<ConnectionTracker>, nowMs: number): WitnessReport {
  const connections = [...trackers].map((t) => t.snapshot(nowMs)).sort((a, b) => a.id - b.id);
  return {
    startedAt: iso(startedMs),
    updatedAt: iso(nowMs),
    listen: [...listen],
    clients: witnessClients(connections),
    connections,
    totals: witnessTotals(connections),
  };
}
