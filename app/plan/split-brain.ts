// Lazy mode's split brain: when the page transfer fails after the restore, CRIU resumes the source copy by
// itself while the destination copy may still run (its missing pages can no longer arrive). Exactly one copy
// may survive. Decided from what the hosts show, not from what was hoped.

export type Side = 'source' | 'destination';

/** What the hosts show once the page transfer ended. */
export interface SplitBrainFacts {
  /** Every page reached the destination (the source's CRIU says so by exiting 0). */
  pagesComplete: boolean;
  sourceRuns: boolean;
  destinationRuns: boolean;
  /** The migrated connections ESTABLISHED in each copy (owned by its tree). */
  sourceConnections: number;
  destinationConnections: number;
}

export interface SplitBrainDecision {
  /** The copy that stays; `none` when neither runs. */
  keep: Side | 'none';
  /** Copies to stop (silenced first, so that their exit sends the peers nothing). */
  stop: Side[];
  /** Both copies ran at once. */
  splitBrain: boolean;
  why: string;
  /** Said in the record beside the decision (what the kept copy may still suffer). */
  warning?: string;
}

/**
 * The one copy to keep: the one whose connections are alive; when both copies hold their connections, the
 * one with all of its memory (the source: the destination's missing pages can no longer arrive).
 */
export function decideSplitBrain(f: SplitBrainFacts): SplitBrainDecision {
  const both = f.sourceRuns && f.destinationRuns;
  const incomplete = 'the page transfer failed, so pages the destination copy has not touched yet never arrive: it fails when it touches one';
  if (f.pagesComplete) {
    if (f.destinationRuns) {
      return { keep: 'destination', stop: f.sourceRuns ? ['source'] : [], splitBrain: both, why: both ? 'every page arrived, yet the source copy still runs: the destination copy is complete and holds the address' : 'every page arrived' };
    }
    if (f.sourceRuns) return { keep: 'source', stop: [], splitBrain: false, why: 'the destination copy is gone; the source copy runs' };
    return { keep: 'none', stop: [], splitBrain: false, why: 'neither copy runs' };
  }
  if (both) {
    if (f.destinationConnections > 0 && f.sourceConnections === 0) {
      return { keep: 'destination', stop: ['source'], splitBrain: true, why: `both copies run; only the destination copy holds its connections (${f.destinationConnections})`, warning: incomplete };
    }
    return {
      keep: 'source', stop: ['destination'], splitBrain: true,
      why: f.sourceConnections > 0
        ? `both copies run; the source copy holds its connections (${f.sourceConnections}) and all of its memory, the destination copy's missing pages can no longer arrive`
        : 'both copies run, neither with its connections; the source copy has all of its memory',
    };
  }
  if (f.sourceRuns) return { keep: 'source', stop: [], splitBrain: false, why: 'the page transfer failed; CRIU resumed the source copy and the destination copy is gone' };
  if (f.destinationRuns) return { keep: 'destination', stop: [], splitBrain: false, why: 'the page transfer failed and the source copy is gone: the destination copy is the only one', warning: incomplete };
  return { keep: 'none', stop: [], splitBrain: false, why: 'the page transfer failed and neither copy runs' };
}
