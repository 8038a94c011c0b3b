// A host evacuation as data: what the operator asks, the plan (which trees move where, which stay and why), its
// events and its report.
import type { FerryErrorInfo } from '../errors';
import type { TransferMode } from './migration';

/** What happens to the evacuation when one tree's migration fails (that tree is rolled back by the engine). */
export const ON_FAILURE = ['continue', 'stop'] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

/** What the operator asks, validated. */
export interface EvacuationRequest {
  /** The host to empty. */
  host: string;
  /** Destinations, spread over in this order. */
  to: string[];
  /** Trees migrated at the same time (trees sharing an address or a PID never run together). */
  parallel: number;
  /** Freeze budget per tree, in ms: every migration's own budget, and a tree predicted past it is refused up front. */
  freezeBudgetMs: number;
  onFailure: OnFailure;
  /** Transfer mode for every tree; absent = each plan's fastest safe one. */
  mode?: TransferMode;
}

/** One process tree on the host that owns connections or listeners on a specific address. */
export interface EvacuationTree {
  /** Root of the tree (what a migration is asked for). */
  pid: number;
  comm: string;
  args: string;
  treePids: number[];
  rssKiB: number;
  /** Established connections (non-loopback) and listeners on a specific address the tree owns. */
  connections: number;
  listeners: number;
  /** Local addresses of those sockets. */
  addresses: string[];
}

/** A tree the plan moves. */
export interface EvacuationMove extends EvacuationTree {
  to: string;
  /** The transfer mode its plan chose. */
  mode: TransferMode;
  /** The addresses that move with it. */
  moves: string[];
  /** The predicted freeze in its mode (a fresh rehearsal's, else the preflight's: what its record will keep), ms. */
  predictedFreezeMs?: number;
  warnings: string[];
}

/** A tree that stays, and why (the preflight's problems, per destination when they differ). */
export interface EvacuationStay extends EvacuationTree {
  why: FerryErrorInfo[];
}

/** The evacuation plan: moves in the order they start, and what stays. */
export interface EvacuationPlan {
  request: EvacuationRequest;
  moves: EvacuationMove[];
  stays: EvacuationStay[];
  warnings: string[];
  probedMs: number;
}

/** What became of one tree of the plan. */
export type TreeOutcome =
  | { pid: number; comm: string; result: 'moved'; to: string; migrationId: string; freezeMs?: number }
  | { pid: number; comm: string; result: 'failed'; to: string; migrationId?: string; error: FerryErrorInfo; rolledBack?: boolean; outcome?: string }
  | { pid: number; comm: string; result: 'not-started'; to: string; why: string };

/** The end of an evacuation. */
export interface EvacuationReport {
  id: string;
  host: string;
  startedAt: number;
  endedAt: number;
  /** complete: every movable tree moved; partial: some did not; cancelled / stopped: ended early. */
  outcome: 'complete' | 'partial' | 'cancelled' | 'stopped';
  moved: Extract<TreeOutcome, { result: 'moved' }>[];
  stayed: { pid: number; comm: string; why: FerryErrorInfo[] }[];
  failed: Extract<TreeOutcome, { result: 'failed' }>[];
  notStarted: Extract<TreeOutcome, { result: 'not-started' }>[];
}

/** Events of an evacuation (each tree's own migration also emits its `migration:event`s). */
export type EvacuationEvent =
  | { type: 'plan'; id: string; at: number; plan: EvacuationPlan }
  | { type: 'tree-started'; id: string; at: number; pid: number; to: string; migrationId: string }
  | { type: 'tree-progress'; id: string; at: number; pid: number; migrationId: string; step: string; status: string; freezeMs?: number }
  | { type: 'tree-finished'; id: string; at: number; outcome: TreeOutcome }
  | { type: 'cancelling'; id: string; at: number; refused: string[] }
  | { type: 'done'; id: string; at: number; report: EvacuationReport };

/** A running (or just finished) evacuation as a late client first sees it. */
export interface EvacuationSnapshot {
  id: string;
  request: EvacuationRequest;
  events: EvacuationEvent[];
  running: boolean;
}
