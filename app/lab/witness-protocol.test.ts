import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, LineDecoder, payloadFor, type WitnessFrame } from './witness-protocol';

describe('encodeFrame / decodeFrame', () => {
  const frames: WitnessFrame[] = [
    { type: 'HELLO', clientId: 'demo-1.a:b_c', connIndex: 0 },
    { type: 'HELLO', clientId: 'x', connIndex: 12345 },
    { type: 'MSG', seq: 1, sentAtMs: 1_700_000_000_000, payload: 'deadbeef' },
    { type: 'MSG', seq: 42, sentAtMs: 0, payload: '' },
    { type: 'ACK', seq: 9_007_199_254_740_991, payload: '0123456789abcdef' },
  ];

  it('round-trips every frame type', () => {
    for (const f of frames) {
      const line = encodeFrame(f);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.indexOf('\n')).toBe(line.length - 1);
      expect(decodeFrame(line.slice(0, -1))).toEqual({ ok: true, frame: f });
    }
  });

  it('renders the documented wire format', () => {
    expect(encodeFrame({ type: 'HELLO', clientId: 'c', connIndex: 3 })).toBe('HELLO c 3\n');
    expect(encodeFrame({ type: 'MSG', seq: 7, sentAtMs: 123, payload: 'ab' })).toBe('MSG 7 123 ab\n');
    expect(encodeFrame({ type: 'ACK', seq: 7, payload: 'cd' })).toBe('ACK 7 cd\n');
  });

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeFrame({ type: 'HELLO', clientId: 'has space', connIndex: 0 })).toThrow();
    expect(() => encodeFrame({ type: 'HELLO', clientId: 'c', connIndex: -1 })).toThrow();
    expect(() => encodeFrame({ type: 'MSG', seq: 0, sentAtMs: 1, payload: 'ab' })).toThrow();
    expect(() => encodeFrame({ type: 'MSG', seq: 1.5, sentAtMs: 1, payload: 'ab' })).toThrow();
    expect(() => encodeFrame({ type: 'ACK', seq: 1, payload: 'XYZ' })).toThrow();
  });

  it.each([
    [''],
    ['hello c 0'],
    ['HELLO c'],
    ['HELLO c 0 extra'],
    ['HELLO  c 0'],
    ['HELLO c -1'],
    ['HELLO c 01'],
    ['HELLO ' + 'x'.repeat(65) + ' 0'],
    ['MSG 0 1 ab'],
    ['MSG 01 1 ab'],
    ['MSG 1 1'],
    ['MSG 1 1 AB'],
    ['MSG 1 1 ab\r'],
    ['MSG 1 x ab'],
    ['MSG 99999999999999999 1 ab'],
    ['ACK 1'],
    ['ACK 1 zz'],
    ['GET / HTTP/1.1'],
    ['\u0000\u00ff'],
  ])('rejects %j without throwing', (line) => {
    const r = decodeFrame(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
  });
});

describe('payloadFor', () => {
  it('is deterministic, hex, and of the requested length', () => {
    for (const len of [0, 1, 7, 8, 9, 32, 1000]) {
      const p = payloadFor('msg', 'c', 0, 5, len);
      expect(p).toHaveLength(len);
      expect(p).toMatch(/^[0-9a-f]*$/);
      expect(payloadFor('msg', 'c', 0, 5, len)).toBe(p);
    }
  });

  it('depends on every input, and a shorter payload is not a prefix of a longer one', () => {
    const base = payloadFor('msg', 'c', 0, 5, 32);
    expect(payloadFor('ack', 'c', 0, 5, 32)).not.toBe(base);
    expect(payloadFor('msg', 'd', 0, 5, 32)).not.toBe(base);
    expect(payloadFor('msg', 'c', 1, 5, 32)).not.toBe(base);
    expect(payloadFor('msg', 'c', 0, 6, 32)).not.toBe(base);
    expect(base.startsWith(payloadFor('msg', 'c', 0, 5, 31))).toBe(false);
  });
});

describe('LineDecoder', () => {
  const lines = (items: ReturnType<LineDecoder['push']>) => items.map((i) => (i.kind === 'line' ? i.line : `<overflow ${i.bytes}>`));

  it('joins lines split across chunks, down to one byte at a time', () => {
    const text = 'HELLO c 0\nMSG 1 5 ab\nMSG 2 6 cd\n';
    const d = new LineDecoder();
    const out: string[] = [];
    for (const ch of text) out.push(...lines(d.push(ch)));
    expect(out).toEqual(['HELLO c 0', 'MSG 1 5 ab', 'MSG 2 6 cd']);
    expect(d.pendingBytes).toBe(0);
  });

  it('returns several lines from one chunk and keeps the unfinished tail', () => {
    const d = new LineDecoder();
    expect(lines(d.push('a\nb\n\nc'))).toEqual(['a', 'b', '']);
    expect(d.pendingBytes).toBe(1);
    expect(lines(d.push('d\n'))).toEqual(['cd']);
  });

  it('reports an over-long line once, as soon as it is too long, then resynchronises at the next newline', () => {
    const d = new LineDecoder(10);
    expect(lines(d.push('0123456789'))).toEqual([]);
    expect(lines(d.push('ab'))).toEqual(['<overflow 12>']);
    expect(lines(d.push('more garbage without newline'))).toEqual([]);
    expect(lines(d.push('tail\nok\n'))).toEqual(['ok']);
  });

  it('reports an over-long line that arrives whole', () => {
    const d = new LineDecoder(4);
    expect(lines(d.push('abcdefgh\nab\n'))).toEqual(['<overflow 9>', 'ab']);
  });

  it('passes binary garbage through as latin1 lines for the caller to reject', () => {
    const d = new LineDecoder();
    const out = lines(d.push('\u0000\u00ff\u0080x\n'));
    expect(out).toEqual(['\u0000\u00ff\u0080x']);
    expect(decodeFrame(out[0] ?? '').ok).toBe(false);
  });
});
