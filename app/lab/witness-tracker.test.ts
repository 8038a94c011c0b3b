import { describe, expect, it } from 'vitest';
import { WitnessClientStream } from './witness-client';
import { encodeFrame, payloadFor } from './witness-protocol';
import { buildWitnessReport, ConnectionTracker } from './witness-tracker';

const T0 = Date.UTC(2025, 0, 1);
const tracker = (id = 1) => new ConnectionTracker({ id, remote: '127.0.0.1:40000', local: '127.0.0.1:7000', nowMs: T0 });
const msg = (clientId: string, connIndex: number, seq: number, len = 16) =>
  encodeFrame({ type: 'MSG', seq, sentAtMs: T0, payload: payloadFor('msg', clientId, connIndex, seq, len) });

describe('ConnectionTracker', () => {
  it('verifies a well-formed stream and answers with ACKs the client accepts', () => {
    const t = tracker();
    const client = new WitnessClientStream('c1', 2, 16);
    let t1 = T0;
    let acks = t.onData(client.hello(), (t1 += 5));
    expect(acks).toBe('');
    for (let i = 0; i < 5; i++) acks += t.onData(client.nextMessage(t1), (t1 += 10));
    expect(client.onData(acks)).toEqual([]);
    expect(client.ackedCount).toBe(5);
    const r = t.snapshot(t1 + 30);
    expect(r).toMatchObject({
      protocol: 'witness',
      clientId: 'c1',
      connIndex: 2,
      messages: 5,
      lastSeq: 5,
      intact: true,
      closeReason: 'open',
      maxGapMs: 10,
      gapsOver100ms: 0,
      silentMs: 30,
      bytesOut: acks.length,
    });
    expect(r.brokenReason).toBeUndefined();
  });

  it('handles frames split at every byte', () => {
    const t = tracker();
    const text = 'HELLO c 0\n' + msg('c', 0, 1) + msg('c', 0, 2);
    let out = '';
    for (const ch of text) out += t.onData(ch, T0 + 1);
    expect(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[1]),
    ).toEqual(['1', '2']);
    expect(t.snapshot(T0 + 1)).toMatchObject({ intact: true, messages: 2, bytesIn: text.length, chunks: text.length });
  });

  it.each([
    ['a gap', [1, 3], /seq 3 gap/],
    ['a duplicate', [1, 2, 2], /seq 2 duplicate/],
    ['a restart at 1', [1, 2, 1], /seq 1 duplicate/],
  ])('breaks the stream on %s', (_name, seqs, reason) => {
    const t = tracker();
    t.onData('HELLO c 0\n', T0);
    for (const s of seqs) t.onData(msg('c', 0, s), T0 + 50);
    const r = t.snapshot(T0 + 60);
    expect(r.intact).toBe(false);
    expect(r.brokenReason).toMatch(reason);
    expect(r.firstBrokenAt).toBe(new Date(T0 + 50).toISOString());
  });

  it('breaks the stream on a wrong payload, even one that is only truncated', () => {
    const t = tracker();
    t.onData('HELLO c 0\n', T0);
    const good = payloadFor('msg', 'c', 0, 1, 16);
    t.onData(`MSG 1 5 ${good.slice(0, 15)}\n`, T0 + 1);
    expect(t.snapshot(T0).brokenReason).toMatch(/seq 1 payload/);
  });

  it('breaks the stream on garbage after HELLO but keeps counting and keeps the first reason', () => {
    const t = tracker();
    t.onData('HELLO c 0\n' + msg('c', 0, 1), T0);
    t.onData('\u0000\u0001junk\n', T0 + 5);
    t.onData(msg('c', 0, 3), T0 + 6);
    const r = t.snapshot(T0 + 10);
    expect(r.intact).toBe(false);
    expect(r.brokenReason).toMatch(/^garbage/);
    expect(r.messages).toBe(2);
  });

  it('breaks the stream on a malformed HELLO', () => {
    const t = tracker();
    t.onData('HELLO bad id 0\n', T0);
    expect(t.snapshot(T0)).toMatchObject({ protocol: 'witness', intact: false });
    expect(t.snapshot(T0).brokenReason).toMatch(/bad HELLO/);
  });

  it('records non-witness traffic as raw, with chunk gaps, and never answers it', () => {
    const t = tracker();
    expect(t.onData('GET / HTTP/1.1\r\n', T0 + 10)).toBe('');
    expect(t.onData('Host: x\r\n\r\n', T0 + 260)).toBe('');
    const r = t.snapshot(T0 + 300);
    expect(r).toMatchObject({ protocol: 'raw', intact: null, messages: 0, chunks: 2, maxGapMs: 250, gapsOver100ms: 1, bytesOut: 0 });
  });

  it('waits for HELLO split over reads, and turns raw on timeout or on close', () => {
    const t = tracker();
    t.onData('HEL', T0);
    expect(t.protocol).toBe('pending');
    t.onHelloTimeout();
    expect(t.snapshot(T0).protocol).toBe('raw');

    const silent = tracker(2);
    silent.onClose('fin', T0 + 5);
    expect(silent.snapshot(T0 + 5)).toMatchObject({ protocol: 'raw', closeReason: 'fin', intact: null });
    expect(silent.snapshot(T0 + 5).silentMs).toBeUndefined();
  });

  it('measures the longest silence between messages and counts gaps over 100 ms', () => {
    const t = tracker();
    t.onData('HELLO c 0\n', T0);
    const times = [10, 20, 150, 160, 660, 670];
    times.forEach((dt, i) => t.onData(msg('c', 0, i + 1), T0 + dt));
    const r = t.snapshot(T0 + 700);
    expect(r.maxGapMs).toBe(500);
    expect(r.maxGapAt).toBe(new Date(T0 + 660).toISOString());
    expect(r.gapsOver100ms).toBe(2);
    expect(r.lastMessageAt).toBe(new Date(T0 + 670).toISOString());
  });

  it('keeps the first close reason', () => {
    const t = tracker();
    t.onData('HELLO c 0\n', T0);
    t.onClose('reset', T0 + 1, 'ECONNRESET');
    t.onClose('error', T0 + 2, 'closed');
    expect(t.snapshot(T0 + 3)).toMatchObject({ closeReason: 'reset', closeDetail: 'ECONNRESET', closedAt: new Date(T0 + 1).toISOString() });
    expect(t.onData(msg('c', 0, 1), T0 + 4)).toBe('');
  });
});

describe('buildWitnessReport', () => {
  it('orders connections, groups clients and counts reconnects', () => {
    const a = tracker(1);
    const b = tracker(2);
    const c = tracker(3);
    a.onData('HELLO c 0\n', T0);
    a.onClose('reset', T0 + 1, 'ECONNRESET');
    b.onData('HELLO c 0\n', T0 + 2);
    c.onData('HELLO c 1\n', T0 + 2);
    const r = buildWitnessReport(T0, ['127.0.0.1:7000'], [c, a, b], T0 + 10);
    expect(r.connections.map((x) => x.id)).toEqual([1, 2, 3]);
    expect(r.clients).toEqual([
      { clientId: 'c', connIndex: 0, connections: 2, reconnects: 1 },
      { clientId: 'c', connIndex: 1, connections: 1, reconnects: 0 },
    ]);
    expect(r.totals).toEqual({ connections: 3, open: 2, resets: 1, errors: 0, reconnects: 1, brokenStreams: 0 });
    expect(r.startedAt).toBe(new Date(T0).toISOString());
    expect(r.listen).toEqual(['127.0.0.1:7000']);
  });
});
