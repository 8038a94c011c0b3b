// The client side of one witness connection: produces HELLO and MSG lines and verifies the ACK stream.
import { decodeFrame, encodeFrame, LineDecoder, payloadFor } from './witness-protocol';

/** Something wrong in the ACK stream, for the demo's log. */
export interface AckFailure {
  reason: string;
  /** The ACK's seq when it could be parsed. */
  seq?: number;
}

/** One TCP connection's worth of protocol state; a reconnect starts a new one (seq from 1 again). */
export class WitnessClientStream {
  private readonly decoder = new LineDecoder();
  private sent = 0;
  private acked = 0;
  private failureCount = 0;

  constructor(
    readonly clientId: string,
    readonly connIndex: number,
    readonly payloadBytes: number,
  ) {}

  /** MSGs written so far (= last seq sent). */
  get sentCount(): number {
    return this.sent;
  }

  /** Highest seq acknowledged in order. */
  get ackedCount(): number {
    return this.acked;
  }

  get unacked(): number {
    return this.sent - this.acked;
  }

  get failures(): number {
    return this.failureCount;
  }

  /** The first line on the connection. */
  hello(): string {
    return encodeFrame({ type: 'HELLO', clientId: this.clientId, connIndex: this.connIndex });
  }

  /** The next MSG line; nowMs goes into sentAtMs. */
  nextMessage(nowMs: number): string {
    this.sent += 1;
    const payload = payloadFor('msg', this.clientId, this.connIndex, this.sent, this.payloadBytes);
    return encodeFrame({ type: 'MSG', seq: this.sent, sentAtMs: Math.max(0, Math.floor(nowMs)), payload });
  }

  /** Feeds bytes read from the witness (latin1); returns the failures they revealed (usually none). */
  onData(chunk: string): AckFailure[] {
    const failures: AckFailure[] = [];
    for (const item of this.decoder.push(chunk)) {
      if (item.kind === 'overflow') {
        failures.push({ reason: `line longer than the limit (${item.bytes} bytes)` });
        continue;
      }
      const d = decodeFrame(item.line);
      if (!d.ok) {
        failures.push({ reason: `garbage: ${d.error}` });
        continue;
      }
      if (d.frame.type !== 'ACK') {
        failures.push({ reason: `unexpected ${d.frame.type} from the witness` });
        continue;
      }
      const { seq, payload } = d.frame;
      if (seq !== this.acked + 1) {
        failures.push({ seq, reason: `ACK ${seq} out of order, expected ${this.acked + 1}` });
      } else if (seq > this.sent) {
        failures.push({ seq, reason: `ACK ${seq} for a message not sent yet (sent ${this.sent})` });
      } else if (payload !== payloadFor('ack', this.clientId, this.connIndex, seq, this.payloadBytes)) {
        failures.push({ seq, reason: `ACK ${seq} payload does not match` });
      }
      if (seq > this.acked && seq <= this.sent) this.acked = seq;
    }
    this.failureCount += failures.length;
    return failures;
  }
}
