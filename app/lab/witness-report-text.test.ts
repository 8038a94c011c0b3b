import { describe, expect, it } from 'vitest';
import type { WitnessReport } from '../model/witness';
import { WitnessClientStream } from './witness-client';
import { WitnessReportCache, witnessReportText } from './witness-report-text';
import { buildWitnessReport, ConnectionTracker } from './witness-tracker';

const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

/** A witness connection that said HELLO and got `n` messages 50 ms apart (each a recorded gap). */
function fed(id: number, clientId: string, n: number): { t: ConnectionTracker; at: number } {
  const t = new ConnectionTracker({ id, remote: `198.18.0.100:${40000 + id}`, local: '198.18.0.1:7000', nowMs: T0 });
  const c = new WitnessClientStream(clientId, 0, 16);
  let at = T0;
  t.onData(c.hello(), (at += 5));
  for (let i = 0; i < n; i++) t.onData(c.nextMessage(at), (at += 50));
  return { t, at };
}

describe('witness report text', () => {
  it('parses to the report buildWitnessReport makes, but for the closed connections’ recentGaps', () => {
    const open = fed(1, 'a', 3);
    const closed = fed(2, 'b', 4);
    closed.t.onClose('reset', closed.at + 1, 'ECONNRESET');
    const nowMs = Math.max(open.at, closed.at) + 20;
    const cache = new WitnessReportCache();
    const entries = [open.t, closed.t].map((t) => cache.entry(t.id, t.closed, () => t.snapshot(nowMs)));
    const parsed = JSON.parse(witnessReportText(iso(T0), iso(nowMs), ['198.18.0.1:7000'], entries)) as WitnessReport;
    const want = buildWitnessReport(T0, ['198.18.0.1:7000'], [open.t, closed.t], nowMs);
    expect(want.connections[1]?.recentGaps).toHaveLength(4);
    const closedWant = { ...want.connections[1], recentGaps: [] };
    expect(parsed).toEqual(JSON.parse(JSON.stringify({ ...want, connections: [want.connections[0], closedWant] })));
    expect(parsed.connections[1]).toMatchObject({ closeReason: 'reset', maxGapMs: 50, messages: 4 });
    expect(parsed.totals).toMatchObject({ connections: 2, open: 1, resets: 1 });
  });

  it('makes a closed connection’s entry once, and an open one’s anew at every rewrite', () => {
    const cache = new WitnessReportCache();
    const closed = fed(1, 'b', 2);
    closed.t.onClose('fin', closed.at + 1);
    let snapshots = 0;
    const first = cache.entry(1, true, () => (snapshots++, closed.t.snapshot(closed.at + 2)));
    const again = cache.entry(1, true, () => (snapshots++, closed.t.snapshot(closed.at + 9)));
    expect(snapshots).toBe(1);
    expect(again).toBe(first);
    const open = fed(2, 'a', 1);
    const before = cache.entry(2, false, () => open.t.snapshot(open.at));
    const c = new WitnessClientStream('a', 0, 16);
    c.hello();
    c.nextMessage(open.at);
    open.t.onData(c.nextMessage(open.at), open.at + 50);
    const after = cache.entry(2, false, () => open.t.snapshot(open.at + 60));
    expect(JSON.parse(before.line)).toMatchObject({ messages: 1 });
    expect(JSON.parse(after.line)).toMatchObject({ messages: 2 });
  });

  it('is valid JSON with no connection at all', () => {
    const parsed = JSON.parse(witnessReportText(iso(T0), iso(T0), [], [])) as WitnessReport;
    expect(parsed).toEqual({ startedAt: iso(T0), updatedAt: iso(T0), listen: [], clients: [], connections: [], totals: expect.any(Object) });
  });
});
