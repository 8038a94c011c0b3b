import { describe, expect, it } from 'vitest';
import { decideSplitBrain, type SplitBrainFacts } from './split-brain';

const f = (over: Partial<SplitBrainFacts>): SplitBrainFacts => ({ pagesComplete: false, sourceRuns: false, destinationRuns: false, sourceConnections: 0, destinationConnections: 0, ...over });

describe('lazy split brain: exactly one copy survives', () => {
  it('every page arrived: the destination stays, a leftover source copy goes', () => {
    expect(decideSplitBrain(f({ pagesComplete: true, destinationRuns: true, destinationConnections: 2 }))).toMatchObject({ keep: 'destination', stop: [], splitBrain: false });
    expect(decideSplitBrain(f({ pagesComplete: true, destinationRuns: true, sourceRuns: true, sourceConnections: 2, destinationConnections: 2 }))).toMatchObject({ keep: 'destination', stop: ['source'], splitBrain: true });
  });

  it('the transfer failed and both run: the copy with its connections; both have them: the source (all its memory)', () => {
    const both = decideSplitBrain(f({ sourceRuns: true, destinationRuns: true, sourceConnections: 2, destinationConnections: 2 }));
    expect(both).toMatchObject({ keep: 'source', stop: ['destination'], splitBrain: true });
    expect(both.why).toMatch(/all of its memory/);
    const dstOnly = decideSplitBrain(f({ sourceRuns: true, destinationRuns: true, sourceConnections: 0, destinationConnections: 2 }));
    expect(dstOnly).toMatchObject({ keep: 'destination', stop: ['source'], splitBrain: true });
    expect(dstOnly.warning).toMatch(/never arrive/);
    expect(decideSplitBrain(f({ sourceRuns: true, destinationRuns: true, sourceConnections: 2, destinationConnections: 0 }))).toMatchObject({ keep: 'source', stop: ['destination'] });
    expect(decideSplitBrain(f({ sourceRuns: true, destinationRuns: true }))).toMatchObject({ keep: 'source', stop: ['destination'] });
  });

  it('the transfer failed and one copy runs: that one, nothing to stop', () => {
    expect(decideSplitBrain(f({ sourceRuns: true, sourceConnections: 2 }))).toMatchObject({ keep: 'source', stop: [], splitBrain: false });
    const d = decideSplitBrain(f({ destinationRuns: true, destinationConnections: 2 }));
    expect(d).toMatchObject({ keep: 'destination', stop: [] });
    expect(d.warning).toBeDefined();
  });

  it('neither runs: nothing to keep, said plainly', () => {
    expect(decideSplitBrain(f({}))).toMatchObject({ keep: 'none', stop: [] });
    expect(decideSplitBrain(f({ pagesComplete: true }))).toMatchObject({ keep: 'none', stop: [] });
  });

  it('never keeps a copy it also stops, and never leaves two running', () => {
    for (const pagesComplete of [true, false])
      for (const sourceRuns of [true, false])
        for (const destinationRuns of [true, false])
          for (const sourceConnections of [0, 1])
            for (const destinationConnections of [0, 1]) {
              const d = decideSplitBrain({ pagesComplete, sourceRuns, destinationRuns, sourceConnections, destinationConnections });
              expect(d.stop).not.toContain(d.keep);
              const running = (['source', 'destination'] as const).filter((s) => (s === 'source' ? sourceRuns : destinationRuns) && !d.stop.includes(s));
              expect(running.length).toBeLessThanOrEqual(1);
              if (running.length) expect(running[0]).toBe(d.keep);
            }
  });
});
