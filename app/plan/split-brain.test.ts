import { describe, expect, it } from 'vitest';
import { compareStreams, decideSplitBrain, tallyStreams, type SplitBrainFacts } from './split-brain';

const f = (over: Partial<SplitBrainFacts>): SplitBrainFacts => ({
  pagesComplete: false,
  sourceRuns: false,
  destinationRuns: false,
  sourceConnections: 0,
  destinationConnections: 0,
  ...over,
});
const same = { same: 2, moved: 0, unknown: 0 };
const moved = { same: 1, moved: 1, unknown: 0 };

describe('lazy split brain: exactly one copy survives, never with connections that moved', () => {
  it('every page arrived: the destination stays, a leftover source copy goes', () => {
    expect(decideSplitBrain(f({ pagesComplete: true, destinationRuns: true, destinationConnections: 2 }))).toMatchObject({
      keep: 'destination',
      stop: [],
      splitBrain: false,
    });
    expect(
      decideSplitBrain(f({ pagesComplete: true, destinationRuns: true, sourceRuns: true, sourceConnections: 2, destinationConnections: 2 })),
    ).toMatchObject({ keep: 'destination', stop: ['source'], splitBrain: true });
  });

  it('the transfer failed, both exist, the destination moved nothing: the source resumes with its connections', () => {
    const d = decideSplitBrain(f({ sourceRuns: true, destinationRuns: true, sourceConnections: 2, destinationConnections: 2, streams: same }));
    expect(d).toMatchObject({ keep: 'source', stop: ['destination'], splitBrain: true });
    expect(d.end).toBeUndefined();
    expect(d.why).toMatch(/had not moved/);
  });

  it('the transfer failed after the destination exchanged data: never a stale resume; reset from the destination', () => {
    const d = decideSplitBrain(f({ sourceRuns: true, destinationRuns: true, sourceConnections: 2, destinationConnections: 2, streams: moved }));
    expect(d).toMatchObject({ keep: 'source', stop: ['destination'], end: 'destination' });
    expect(d.why).toMatch(/cannot resume them without losing/);
    // Streams not read (e.g. the probe failed): not provably unmoved, so the same.
    expect(decideSplitBrain(f({ sourceRuns: true, destinationRuns: true, destinationConnections: 1 }))).toMatchObject({ keep: 'source', end: 'destination' });
    expect(decideSplitBrain(f({ sourceRuns: true, destinationRuns: true, streams: { same: 1, moved: 0, unknown: 1 } }))).toMatchObject({ end: 'destination' });
  });

  it('the destination copy is gone: the source resumes, its connections reset from the source', () => {
    expect(decideSplitBrain(f({ sourceRuns: true, sourceConnections: 2 }))).toMatchObject({ keep: 'source', stop: [], end: 'source', splitBrain: false });
  });

  it('the source copy is gone: the incomplete destination copy is not kept; stopped, its connections reset', () => {
    expect(decideSplitBrain(f({ destinationRuns: true, destinationConnections: 2, streams: same }))).toMatchObject({
      keep: 'none',
      stop: ['destination'],
      end: 'destination',
    });
  });

  it('neither runs: nothing to keep, said plainly', () => {
    expect(decideSplitBrain(f({}))).toMatchObject({ keep: 'none', stop: [] });
    expect(decideSplitBrain(f({ pagesComplete: true }))).toMatchObject({ keep: 'none', stop: [] });
  });

  it('never keeps a copy it also stops, never leaves two running, never keeps moved connections', () => {
    for (const pagesComplete of [true, false])
      for (const sourceRuns of [true, false])
        for (const destinationRuns of [true, false])
          for (const streams of [same, moved, undefined]) {
            const d = decideSplitBrain({
              pagesComplete,
              sourceRuns,
              destinationRuns,
              sourceConnections: 1,
              destinationConnections: 1,
              ...(streams ? { streams } : {}),
            });
            expect(d.stop).not.toContain(d.keep);
            const running = (['source', 'destination'] as const).filter((s) => (s === 'source' ? sourceRuns : destinationRuns) && !d.stop.includes(s));
            expect(running.length).toBeLessThanOrEqual(1);
            if (running.length) expect(running[0]).toBe(d.keep);
            if (d.keep === 'source' && destinationRuns && streams !== same) expect(d.end).toBeDefined();
            if (d.keep === 'destination') expect(pagesComplete).toBe(true);
          }
  });
});

describe('comparing the two copies of each connection', () => {
  const c = { local: { address: '198.18.0.100', port: 4000 }, remote: { address: '198.18.0.1', port: 7000 } };
  const at = (writeSeq: number, rcvNxt: number, address = '198.18.0.100') => ({ ...c, local: { address, port: 4000 }, writeSeq, rcvNxt });
  it('equal positions: same; any difference: moved; one side missing: unknown', () => {
    expect(compareStreams([c], [at(10, 20)], [at(10, 20, '::ffff:198.18.0.100')])[0]!.result).toBe('same');
    expect(compareStreams([c], [at(10, 20)], [at(11, 20)])[0]!.result).toBe('moved');
    expect(compareStreams([c], [at(10, 20)], [at(10, 21)])[0]!.result).toBe('moved');
    expect(compareStreams([c], [], [at(10, 20)])[0]!.result).toBe('unknown');
    expect(tallyStreams(compareStreams([c, { ...c, remote: { address: '198.18.0.1', port: 1 } }], [at(1, 1)], [at(1, 1)]))).toEqual({
      same: 1,
      moved: 0,
      unknown: 1,
    });
  });
});
