// The witness protocol: frames, their codec, the deterministic payloads and an incremental line decoder.
//
// Line-based ASCII over one TCP connection; every frame is one line ending in "\n" (no "\r"),
// fields separated by exactly one space.
//
//   client → witness   HELLO <clientId> <connIndex>\n          once, first line
//   client → witness   MSG <seq> <sentAtMs> <payload>\n        seq = 1, 2, 3, … (+1 each, per connection)
//   witness → client   ACK <seq> <payload2>\n                  one per MSG, in order
//
//   clientId   1–64 of [A-Za-z0-9._:-]; (clientId, connIndex) names a stream across reconnects
//   connIndex  decimal integer ≥ 0
//   seq        decimal integer ≥ 1, no leading zeros
//   sentAtMs   client wall clock (Date.now()), decimal integer ≥ 0; informational, never verified
//   payload    payloadFor('msg', clientId, connIndex, seq, len) for the sender's chosen len (0–65536)
//   payload2   payloadFor('ack', clientId, connIndex, seq, len) with the len of the MSG it answers
//
// payloadFor is a cheap PRNG (FNV-1a seed → xorshift32) rendered as lowercase hex. The length is part of
// the seed, so a truncated payload is not a prefix of the right one. Each side therefore verifies that the
// other's byte stream arrived complete and in order: seq continuity and payload content.
//
// The witness ACKs every well-formed MSG, even one that breaks the stream (so the client's ACK stream stays
// in step), and never answers a line it cannot parse.
//
// A connection whose first bytes are not "HELLO " (or that sends no full line within 2 s) is not a
// witness client: the witness then only counts its bytes and timing ("raw") and never writes to it.
// Decoders read bytes as latin1 (one char per byte), so string lengths are byte counts.

/** Longest line either side accepts (a MSG with the largest payload fits). */
export const MAX_LINE_BYTES = 65_536 + 64;
/** Largest payload a client may choose. */
export const MAX_PAYLOAD_BYTES = 65_536;
/** How long the witness waits for HELLO before treating a connection as raw. */
export const HELLO_TIMEOUT_MS = 2_000;

export type WitnessFrame =
  | { type: 'HELLO'; clientId: string; connIndex: number }
  | { type: 'MSG'; seq: number; sentAtMs: number; payload: string }
  | { type: 'ACK'; seq: number; payload: string };

export type DecodeResult = { ok: true; frame: WitnessFrame } | { ok: false; error: string };

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const UINT = /^(0|[1-9][0-9]{0,15})$/;
const HEX = /^[0-9a-f]*$/;

/** True for a clientId that may appear in HELLO. */
export function isValidClientId(id: string): boolean {
  return CLIENT_ID.test(id);
}

function parseUint(s: string | undefined): number | undefined {
  if (s === undefined || !UINT.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Renders a frame as one line, newline included. Throws on values the decoder would reject. */
export function encodeFrame(frame: WitnessFrame): string {
  switch (frame.type) {
    case 'HELLO':
      if (!isValidClientId(frame.clientId)) throw new Error(`invalid clientId: ${JSON.stringify(frame.clientId)}`);
      if (!Number.isSafeInteger(frame.connIndex) || frame.connIndex < 0) throw new Error(`invalid connIndex: ${frame.connIndex}`);
      return `HELLO ${frame.clientId} ${frame.connIndex}\n`;
    case 'MSG':
    case 'ACK': {
      if (!Number.isSafeInteger(frame.seq) || frame.seq < 1) throw new Error(`invalid seq: ${frame.seq}`);
      if (!HEX.test(frame.payload) || frame.payload.length > MAX_PAYLOAD_BYTES) throw new Error('invalid payload');
      if (frame.type === 'ACK') return `ACK ${frame.seq} ${frame.payload}\n`;
      if (!Number.isSafeInteger(frame.sentAtMs) || frame.sentAtMs < 0) throw new Error(`invalid sentAtMs: ${frame.sentAtMs}`);
      return `MSG ${frame.seq} ${frame.sentAtMs} ${frame.payload}\n`;
    }
  }
}

/** Parses one line (without its "\n"). Never throws. */
export function decodeFrame(line: string): DecodeResult {
  const parts = line.split(' ');
  const bad = (error: string): DecodeResult => ({ ok: false, error });
  switch (parts[0]) {
    case 'HELLO': {
      if (parts.length !== 3) return bad('HELLO needs 2 fields');
      const [, clientId = '', idx] = parts;
      if (!isValidClientId(clientId)) return bad('HELLO has an invalid clientId');
      const connIndex = parseUint(idx);
      if (connIndex === undefined) return bad('HELLO has an invalid connIndex');
      return { ok: true, frame: { type: 'HELLO', clientId, connIndex } };
    }
    case 'MSG': {
      if (parts.length !== 4) return bad('MSG needs 3 fields');
      const seq = parseUint(parts[1]);
      const sentAtMs = parseUint(parts[2]);
      const payload = parts[3] ?? '';
      if (seq === undefined || seq < 1) return bad('MSG has an invalid seq');
      if (sentAtMs === undefined) return bad('MSG has an invalid sentAtMs');
      if (!HEX.test(payload) || payload.length > MAX_PAYLOAD_BYTES) return bad('MSG has an invalid payload');
      return { ok: true, frame: { type: 'MSG', seq, sentAtMs, payload } };
    }
    case 'ACK': {
      if (parts.length !== 3) return bad('ACK needs 2 fields');
      const seq = parseUint(parts[1]);
      const payload = parts[2] ?? '';
      if (seq === undefined || seq < 1) return bad('ACK has an invalid seq');
      if (!HEX.test(payload) || payload.length > MAX_PAYLOAD_BYTES) return bad('ACK has an invalid payload');
      return { ok: true, frame: { type: 'ACK', seq, payload } };
    }
    default:
      return bad(`unknown frame ${JSON.stringify(line.slice(0, 16))}`);
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The payload a (clientId, connIndex) stream carries for `seq`; `dir` picks the MSG or the ACK stream. */
export function payloadFor(dir: 'msg' | 'ack', clientId: string, connIndex: number, seq: number, length: number): string {
  let x = fnv1a(`${dir}|${clientId}|${connIndex}|${seq}|${length}`) || 0x9e3779b9;
  let out = '';
  while (out.length < length) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out += x.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

/** One item out of the line decoder: a complete line, or a run of bytes dropped for being too long. */
export type DecodedItem = { kind: 'line'; line: string } | { kind: 'overflow'; bytes: number };

/**
 * Splits a byte stream (as latin1 strings) into lines, across chunk boundaries. A line longer than
 * maxLineBytes is reported once as `overflow` as soon as it is too long, then skipped up to its newline.
 */
export class LineDecoder {
  private buf = '';
  private discarding = false;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  /** Bytes held for an unfinished line. */
  get pendingBytes(): number {
    return this.buf.length;
  }

  push(chunk: string): DecodedItem[] {
    const out: DecodedItem[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      const piece = chunk.slice(start, nl);
      start = nl + 1;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      const line = this.buf + piece;
      this.buf = '';
      if (line.length > this.maxLineBytes) out.push({ kind: 'overflow', bytes: line.length + 1 });
      else out.push({ kind: 'line', line });
    }
    if (!this.discarding) {
      this.buf += chunk.slice(start);
      if (this.buf.length > this.maxLineBytes) {
        out.push({ kind: 'overflow', bytes: this.buf.length });
        this.discarding = true;
        this.buf = '';
      }
    }
    return out;
  }
}
