import { describe, expect, it } from 'vitest';
import type { WitnessConnection, WitnessReport } from './witness';
import { summarizeWitness, witnessClients, witnessTotals } from './witness';

let nextId = 1;
function conn(over: Partial<WitnessConnection> = {}): WitnessConnection {
  return {
    id: nextId++,
    protocol: 'witness',
    clientId: 'demo',
    connIndex: 0,
    remote: '127.0.0.1:40000',
    local: '127.0.0.1:7000',
    openedAt: '2025-01-01T00:00:00.000Z',
    closeReason: 'open',
    bytesIn: 100,
    bytesOut: 80,
    messages: 10,
    chunks: 10,
    lastSeq: 10,
    intact: true,
    maxGapMs: 12,
    gapsOver100ms: 0,
    recentGaps: [],
    ...over,
  };
}

function report(connections: WitnessConnection[]): WitnessReport {
  return {
    startedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:10.000Z',
    listen: ['127.0.0.1:7000'],
    clients: witnessClients(connections),
    connections,
    totals: witnessTotals(connections),
  };
}

describe('summarizeWitness', () => {
  it('passes a clean run', () => {
    const slow = conn({ connIndex: 1, maxGapMs: 480, maxGapAt: '2025-01-01T00:00:05.000Z' });
    const s = summarizeWitness(report([conn(), slow]));
    expect(s).toMatchObject({
      ok: true,
      problems: [],
      connections: 2,
      open: 2,
      resets: 0,
      reconnects: 0,
      brokenStreams: 0,
      messages: 20,
      bytesIn: 200,
      bytesOut: 160,
      maxGapMs: 480,
      maxGapAt: '2025-01-01T00:00:05.000Z',
    });
    expect(s.maxGapConnection).toBe(slow.id);
  });

  it('fails on a reset, a reconnect and a broken stream, naming each', () => {
    const s = summarizeWitness(
      report([
        conn({ closeReason: 'reset', closeDetail: 'ECONNRESET', closedAt: '2025-01-01T00:00:03.000Z' }),
        conn(),
        conn({ connIndex: 1, intact: false, brokenReason: 'seq 5 gap: expected 4' }),
      ]),
    );
    expect(s.ok).toBe(false);
    expect(s).toMatchObject({ resets: 1, reconnects: 1, brokenStreams: 1, open: 2 });
    expect(s.problems.join('\n')).toMatch(/was reset \(ECONNRESET\)/);
    expect(s.problems.join('\n')).toMatch(/demo#0 reconnected 1 time/);
    expect(s.problems.join('\n')).toMatch(/stream broken: seq 5 gap/);
  });

  it('counts FIN closes and raw connections without failing on them', () => {
    const s = summarizeWitness(
      report([
        conn({ closeReason: 'fin' }),
        conn({ protocol: 'raw', clientId: undefined, connIndex: undefined, intact: null, messages: 0, closeReason: 'error', closeDetail: 'ETIMEDOUT' }),
      ]),
    );
    expect(s).toMatchObject({ fins: 1, raw: 1, errors: 1, brokenStreams: 0, reconnects: 0, ok: false });
    expect(s.problems).toHaveLength(1);
    expect(s.problems[0]).toMatch(/closed by error \(ETIMEDOUT\)/);
  });

  it('can look at one client only, and recomputes rather than trusting totals', () => {
    const r = report([conn({ clientId: 'a', closeReason: 'reset' }), conn({ clientId: 'b' })]);
    r.totals = { connections: 0, open: 0, resets: 0, errors: 0, reconnects: 0, brokenStreams: 0 };
    expect(summarizeWitness(r).resets).toBe(1);
    expect(summarizeWitness(r, { clientId: 'b' })).toMatchObject({ ok: true, connections: 1 });
    expect(summarizeWitness(report([]))).toMatchObject({ ok: true, connections: 0, maxGapMs: 0 });
  });
});
