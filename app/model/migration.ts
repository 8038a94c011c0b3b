// A migration as data: its plan, steps, events and the record kept for the timing review.
import type { FerryErrorInfo } from '../errors';
import type { HookRun } from '../hooks/address-hook';
import type { TcpSocket } from './host';
import type { FreezePrediction } from './prediction';

/** What the hosts show once a lazy page transfer ended (the facts split brain is decided from). */
export interface SplitBrainFacts {
  /** Every page reached the destination. */
  pagesComplete: boolean;
  sourceRuns: boolean;
  destinationRuns: boolean;
  /** The migrated connections ESTABLISHED in each copy (owned by its tree). */
  sourceConnections: number;
  destinationConnections: number;
  /** Per migrated connection: did the destination copy move its streams past the dumped point? */
  streams?: { same: number; moved: number; unknown: number };
}

/** The steps of a migration, in order. */
export const STEP_NAMES = ['connect', 'preflight', 'prepare', 'lock-destination', 'dump', 'transfer', 'move-address', 'restore', 'verify', 'cleanup'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/**
 * How memory moves: `streamed` sends the pages straight from the dump to a CRIU page server on the
 * destination (only the small images go through the controller); `staged` dumps everything to the source's
 * disk and copies it; `lazy` restores without the memory and fetches the pages from the source afterwards
 * (shortest freeze, but the restored process depends on the source until the last page has arrived).
 */
export const TRANSFER_MODES = ['streamed', 'staged', 'lazy'] as const;
export type TransferMode = (typeof TRANSFER_MODES)[number];

/** What the operator asked for, validated, before anything ran. */
export interface MigrationRequest {
  from: string;
  to: string;
  pid: number;
  /** Addresses to move; empty = detect from the process's connections. */
  addresses: string[];
  /** Freeze budget the operator accepts, in ms. */
  budgetMs: number;
  /** Keep the CRIU images on both hosts after success. */
  keepImages: boolean;
  /** Transfer mode; absent = the fastest safe one. */
  mode?: TransferMode;
  /** Move the addresses even though processes outside the tree use them (their connections break). */
  allowSharedAddress?: boolean;
  /** Folder for the CRIU images on both hosts; absent = the default (lazy mode: /run when it is a tmpfs with room). */
  imageBase?: string;
  /** The address hook (docs/address-hooks.md): an executable on both hosts that moves the addresses instead of ARP. */
  addressHook?: AddressHookRequest;
}

/** The operator's address hook: its path on the hosts, the addresses it moves (empty: all), its budgets in ms. */
export interface AddressHookRequest {
  path: string;
  addresses?: string[];
  budgetMs?: { prepare?: number; move?: number; undo?: number };
}

/** The address hook as the plan holds it (journaled: recovery knows a hook was involved). */
export interface AddressHookPlan {
  path: string;
  /** The addresses it moves (each one of the plan's). */
  addresses: string[];
  budgetMs: { prepare: number; move: number; undo: number };
  /** What Ferry does itself besides the hook, as the prepare replies asked (set in prepare; absent before: none). */
  ferry?: 'none' | 'address' | 'both';
}

/** One address that moves with the process. */
export interface AddressMove {
  address: string;
  prefixLen: number;
  family: 'inet' | 'inet6';
  /** Interface on the source that holds it. */
  sourceDevice: string;
  /** Interface on the destination that will hold it. */
  destinationDevice: string;
  /** Routes on the source that prefer this address as source (re-created on the destination). */
  routes: { dst: string; dev: string; gateway?: string }[];
}

/** The validated plan built from both hosts' snapshots. */
export interface MigrationPlan {
  id: string;
  request: MigrationRequest;
  /** Every PID in the process tree rooted at request.pid (as seen on the source). */
  treePids: number[];
  comm: string;
  args: string;
  rssKiB: number;
  shellJob: boolean;
  addresses: AddressMove[];
  connections: TcpSocket[];
  /**
   * Ownerless sockets on the destination (orphans in FIN-WAIT-1, LAST-ACK, …, TIME-WAIT) holding one of the
   * connections' four-tuples: destroyed before the freeze, or CRIU cannot connect the restored socket back.
   */
  staleOnDestination?: TcpSocket[];
  /**
   * The tree's shared anonymous memory (MAP_SHARED, memfd, SysV) from the source probe: CRIU copies it inside the
   * freeze in every mode (it cannot be lazy). `path`: how it travels; `note`: the plan's statement and its cost.
   */
  sharedMemory?: { kib: number; objects: number; lazy: false; path: 'page-server' | 'direct' | 'controller'; note: string };
  /**
   * Lazy mode: the images that cannot be lazy (page data) go straight from the source to this listener on the
   * destination (TLS with the page stream's keys when `pageServer.tls`; the sender opens with `token`). `peer`: the
   * source's address the sender binds to, the only one the destination's guard admits to `port`.
   */
  directStream?: { address: string; port: number; token: string; peer?: string };
  transferMode: TransferMode;
  /** Why this mode. */
  transferReason: string;
  /**
   * Streamed: where the destination listens for the page stream (reachable from the source); lazy: where the
   * source serves the pages (reachable from the destination). `peer`: the other host's address, the only one
   * the listener admits (an nft table named `guardTable` on the listener); `tls`: the stream is encrypted and
   * both ends authenticated with keys made for this migration.
   */
  pageServer?: { address: string; port: number; peer?: string; guardTable?: string; tls?: boolean };
  /** The destination's pre-lock (nft table, inet) and the CRIU action script that drops it at unlock. */
  preLock: { table: string; actionScript: string };
  sourceImageDir: string;
  destinationImageDir: string;
  criu: { source: string; destination: string };
  /**
   * Where the freeze's CRIU is started before the freeze (`criu swrk`, main/criu/criu-swrk.ts: exec, linking and
   * start-up done, waiting for its request): hosts with python3. Absent or false: `criu dump`/`restore` run in it.
   */
  criuWorker?: { source: boolean; destination: boolean };
  warnings: string[];
  /** The address hook that moves (some of) the addresses instead of Ferry's own L2 move. */
  addressHook?: AddressHookPlan;
}

export type StepStatus = 'running' | 'ok' | 'failed' | 'skipped';

/** Timing and outcome of one step; times are ms since the epoch on the controller. */
export interface StepRecord {
  name: StepName;
  status: StepStatus;
  startedAt: number;
  endedAt?: number;
  detail?: string;
  error?: FerryErrorInfo;
}

/** One part of the freeze window (they add up to the window). */
export interface FreezePart {
  name: string;
  ms: number;
  host: 'source' | 'destination' | 'controller';
  detail?: string;
}

/** One connection's state before and after. */
export interface ConnectionOutcome {
  key: string;
  before: TcpSocket;
  after?: TcpSocket;
  /** ESTABLISHED on the destination, owned by the restored tree, absent on the source. */
  ok: boolean;
  problem?: string;
}

/** Everything kept about one migration. */
export interface MigrationRecord {
  id: string;
  request: MigrationRequest;
  plan?: MigrationPlan;
  startedAt: number;
  endedAt?: number;
  outcome: 'running' | 'succeeded' | 'failed' | 'refused' | 'cancelled';
  steps: StepRecord[];
  /** Network locked on the source → restored process running on the destination. */
  freeze?: { startedAt: number; endedAt?: number; ms?: number };
  /** The freeze window split into its parts (streamed and lazy: scripts' markers and CRIU's log times). */
  freezeParts?: FreezePart[];
  /** The freeze predicted before it ran (a rehearsal shortly before, or the preflight's facts): app/rehearsal/. */
  prediction?: FreezePrediction;
  /** The freeze scripts' markers, each on its host's clock (ms since the epoch). */
  freezeMarkers?: { source: { name: string; atMs: number }[]; destination: { name: string; atMs: number }[] };
  imageBytes?: number;
  transferMs?: number;
  /** Bytes of images the controller relayed from the source to the destination inside the freeze (scripted modes). */
  relayedBytes?: number;
  /** Lazy mode: bytes sent straight from the source to the destination (the memory that cannot be lazy). */
  directBytes?: number;
  connections: ConnectionOutcome[];
  /** Where the CRIU logs and this record are kept on the controller. */
  recordDir?: string;
  logs: { dump?: string; restore?: string };
  rollback?: { attempted: boolean; actions: string[]; ok: boolean };
  /** Lazy mode: when the last page arrived (the destination stopped depending on the source). */
  lazyPages?: {
    completedAt?: number;
    msAfterRestore?: number;
    ok: boolean;
    detail?: string;
    /** CRIU's transfer broke and Ferry fetched the missing pages again from the stopped source copy. */
    recovered?: { pages: number; ms: number };
  };
  /** Lazy mode, after a failed page transfer: which copies ran, which one was kept, and what was done. */
  splitBrain?: {
    keep: 'source' | 'destination' | 'none';
    stop: ('source' | 'destination')[];
    /** Both copies ran at once. */
    splitBrain: boolean;
    why: string;
    warning?: string;
    facts: SplitBrainFacts;
    /** The side whose connections were reset so that the peers see them end. */
    end?: 'source' | 'destination';
    /** The connections that could not be kept without loss and were ended, and why. */
    connectionsEnded?: { connection: string; streams: 'same' | 'moved' | 'unknown'; why: string }[];
    /** The source's lazy `criu dump` exit status once Ferry made it let go of the source copy. */
    sourceDumpExit?: number;
    actions: string[];
    ok: boolean;
  };
  /** The address hook's runs (prepare, move, undo on each side), each with its time and reply. */
  addressHook?: { path: string; runs: HookRun[] };
  error?: FerryErrorInfo;
  /** Every preflight problem when the migration was refused. */
  problems?: FerryErrorInfo[];
  warnings: string[];
}

/** Events a running migration emits; every consumer (CLI, UI, record) reads the same stream. */
export type MigrationEvent =
  | { type: 'step-started'; id: string; step: StepName; at: number }
  | { type: 'step-finished'; id: string; step: StepName; at: number; status: StepStatus; detail?: string; error?: FerryErrorInfo }
  | { type: 'log'; id: string; at: number; level: 'info' | 'warn' | 'error'; message: string; host?: string }
  | { type: 'freeze-started'; id: string; at: number }
  | { type: 'freeze-ended'; id: string; at: number; ms: number }
  /**
   * Lazy mode, between the restore and the last page: the restored copy still needs the source. Sent about once a
   * second while that lasts (`missingKiB`: the source's resident memory not yet resident on the destination, an
   * estimate), and once more when it ends.
   */
  | { type: 'lazy-window'; id: string; at: number; restoredAt: number; source: string; missingKiB?: number; totalKiB: number; ended?: 'complete' | 'broken' }
  | { type: 'plan'; id: string; plan: MigrationPlan }
  | { type: 'done'; id: string; record: MigrationRecord }
  | { type: 'failed'; id: string; record: MigrationRecord };
