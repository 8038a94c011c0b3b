// Lazy mode's split brain: when the page transfer fails after the restore, both copies may exist (the source
// copy kept stopped, the destination copy missing pages that can no longer arrive). Exactly one copy may
// survive, and a copy may keep its connections only if the peers' byte streams are where that copy left them:
// once the destination copy has sent or received a byte the source copy never saw, resuming the source copy
// with those connections would lose data silently. Decided from what the hosts show, not from what was hoped.

import type { SplitBrainFacts } from '../model/migration';

export type { SplitBrainFacts };

export type Side = 'source' | 'destination';

/** Where one connection's two copies stand, compared (send queue end and receive point, as CRIU dumps them). */
export type StreamComparison = 'same' | 'moved' | 'unknown';

export interface SplitBrainDecision {
  /** The copy that stays; `none` when neither can. */
  keep: Side | 'none';
  /** Copies to stop (silenced first, so that their exit sends the peers nothing). */
  stop: Side[];
  /**
   * The connections cannot be kept without loss: they are reset from this side, the one whose sequence numbers
   * the peers know, so that the peers see them end.
   */
  end?: Side;
  /** Both copies ran at once. */
  splitBrain: boolean;
  why: string;
  /** Said in the record beside the decision (what the kept copy may still suffer). */
  warning?: string;
}

const norm = (a: string) => a.replace(/^::ffff:/, '');
interface Seqs {
  local: { address: string; port: number };
  remote: { address: string; port: number };
  writeSeq: number;
  rcvNxt: number;
}
const key = (c: Pick<Seqs, 'local' | 'remote'>) => `${norm(c.local.address)}:${c.local.port}>${norm(c.remote.address)}:${c.remote.port}`;

/**
 * Compares each migrated connection's stream positions in both copies: `same` only when both copies were read
 * and agree (then the destination copy exchanged nothing the source copy lacks).
 */
export function compareStreams(
  connections: Pick<Seqs, 'local' | 'remote'>[],
  source: Seqs[],
  destination: Seqs[],
): { key: string; result: StreamComparison }[] {
  const at = (list: Seqs[]) => new Map(list.map((s) => [key(s), s]));
  const s = at(source);
  const d = at(destination);
  return connections.map((c) => {
    const a = s.get(key(c));
    const b = d.get(key(c));
    const result: StreamComparison = !a || !b ? 'unknown' : a.writeSeq === b.writeSeq && a.rcvNxt === b.rcvNxt ? 'same' : 'moved';
    return { key: key(c), result };
  });
}

/** Tallies compareStreams' results for the facts. */
export function tallyStreams(r: { result: StreamComparison }[]): NonNullable<SplitBrainFacts['streams']> {
  return {
    same: r.filter((x) => x.result === 'same').length,
    moved: r.filter((x) => x.result === 'moved').length,
    unknown: r.filter((x) => x.result === 'unknown').length,
  };
}

/**
 * The one copy to keep: the complete one (the destination once every page arrived); else the source, which has
 * all of its memory, with its connections only if the destination copy provably did not move them. A
 * destination copy without all of its pages is never kept: it would wait forever on a page that cannot come.
 */
export function decideSplitBrain(f: SplitBrainFacts): SplitBrainDecision {
  const both = f.sourceRuns && f.destinationRuns;
  if (f.pagesComplete && f.destinationRuns) {
    return {
      keep: 'destination',
      stop: f.sourceRuns ? ['source'] : [],
      splitBrain: both,
      why: both ? 'every page arrived, yet the source copy still runs: the destination copy is complete and holds the address' : 'every page arrived',
    };
  }
  const streams = f.streams ?? { same: 0, moved: 0, unknown: f.destinationConnections };
  const unmoved = streams.moved === 0 && streams.unknown === 0;
  if (f.sourceRuns) {
    const stop: Side[] = f.destinationRuns ? ['destination'] : [];
    if (f.destinationRuns && unmoved) {
      return {
        keep: 'source',
        stop,
        splitBrain: true,
        why: `the page transfer failed; the destination copy had not moved its connections' streams (${streams.same} compared equal), so the source copy, which has all of its memory, resumes with them`,
      };
    }
    if (f.destinationRuns) {
      return {
        keep: 'source',
        stop,
        end: 'destination',
        splitBrain: true,
        why: `the page transfer failed after the destination copy had exchanged data on its connections (${streams.moved} moved${streams.unknown ? `, ${streams.unknown} not comparable` : ''}): the source copy, which has all of its memory, cannot resume them without losing that data, so they are reset and the source copy resumes without them`,
      };
    }
    return {
      keep: 'source',
      stop,
      end: 'source',
      splitBrain: false,
      why: 'the page transfer failed and the destination copy is gone, its connections closed at the peers: the source copy resumes without them (reset)',
    };
  }
  if (f.destinationRuns) {
    return {
      keep: 'none',
      stop: ['destination'],
      end: 'destination',
      splitBrain: false,
      why: 'the page transfer failed and the source copy is gone: the destination copy cannot get its missing pages, so it is stopped and its connections are reset',
    };
  }
  return { keep: 'none', stop: [], splitBrain: false, why: 'the page transfer failed and neither copy runs' };
}
