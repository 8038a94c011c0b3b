import { describe, expect, it } from 'vitest';
import { WitnessClientStream } from './witness-client';
import { encodeFrame, payloadFor } from './witness-protocol';

const ack = (seq: number, len = 8, clientId = 'c', connIndex = 0) =>
  encodeFrame({ type: 'ACK', seq, payload: payloadFor('ack', clientId, connIndex, seq, len) });

describe('WitnessClientStream', () => {
  it('numbers messages from 1 with the deterministic payload', () => {
    const s = new WitnessClientStream('c', 0, 8);
    expect(s.hello()).toBe('HELLO c 0\n');
    expect(s.nextMessage(1000)).toBe(`MSG 1 1000 ${payloadFor('msg', 'c', 0, 1, 8)}\n`);
    expect(s.nextMessage(1010.7)).toBe(`MSG 2 1010 ${payloadFor('msg', 'c', 0, 2, 8)}\n`);
    expect(s.sentCount).toBe(2);
  });

  it('accepts in-order ACKs, even split across reads or after a long pause', () => {
    const s = new WitnessClientStream('c', 0, 8);
    for (let i = 0; i < 3; i++) s.nextMessage(0);
    const text = ack(1) + ack(2);
    expect(s.onData(text.slice(0, 5))).toEqual([]);
    expect(s.onData(text.slice(5))).toEqual([]);
    expect(s.unacked).toBe(1);
    expect(s.onData(ack(3))).toEqual([]);
    expect(s.ackedCount).toBe(3);
    expect(s.failures).toBe(0);
  });

  it('flags out-of-order, unsent, wrong-payload and garbage ACKs', () => {
    const s = new WitnessClientStream('c', 0, 8);
    for (let i = 0; i < 3; i++) s.nextMessage(0);
    expect(s.onData(ack(2))[0]?.reason).toMatch(/out of order, expected 1/);
    expect(s.onData(ack(3, 8, 'other'))[0]?.reason).toMatch(/payload does not match/);
    expect(s.onData(ack(4))[0]?.reason).toMatch(/not sent yet/);
    expect(s.onData('MSG 1 1 ab\n')[0]?.reason).toMatch(/unexpected MSG/);
    expect(s.onData('%%%\n')[0]?.reason).toMatch(/^garbage/);
    expect(s.failures).toBe(5);
    expect(s.ackedCount).toBe(3);
  });
});
