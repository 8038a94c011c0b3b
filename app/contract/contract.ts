// The one contract between main and every client (renderer over IPC or WebSocket, tests): results and events.
import type { ReadinessCheck } from '../plan/readiness';
import type { FerryErrorInfo } from '../errors';
import type { HostSpec, ProcessInfo, TcpSocket } from '../model/host';
import type { MigrationEvent, MigrationPlan, MigrationRecord, MigrationRequest, TransferMode } from '../model/migration';
import type { DumpProbe, HostCosts, LinkFacts, ModePrediction, WorkloadFacts } from '../model/prediction';
import type { RehearsalFinding } from '../rehearsal/dump-findings';
import type { RequestMethod } from './schemas';

export type { RequestMethod, RequestParams, ValidParams } from './schemas';

/** What the dashboard shows about the controller and the lab. */
export interface AppInfo {
  version: string;
  /** Where the controller keeps records, the history and hosts added by hand. */
  stateDir: string;
  lab: { name: string; up: boolean; demo?: { pid: number; host: string; connections: number }; serviceAddress?: string; serviceHolder?: string };
  /** Interrupted migrations the dashboard found on start (their controller died) and what it did with each. */
  recovery: RecoveryStatus;
}

/** Recovery of interrupted migrations, run once when main starts. */
export interface RecoveryStatus {
  running: boolean;
  reports: {
    id: string;
    /** The phase the interrupted migration had reached. */
    phase: string;
    action?: string;
    why?: string;
    actions: string[];
    ok: boolean;
    /** Not recovered, and why (its controller still runs). */
    skipped?: string;
  }[];
  /** Recovery itself could not run. */
  error?: string;
}

/** One inventory entry as the Hosts view lists it. */
export interface HostEntry extends HostSpec {
  /** Added by hand in the dashboard (kept in Ferry's own inventory file). */
  manual: boolean;
}

export interface HostList {
  hosts: HostEntry[];
  warnings: string[];
  /** Where hosts added by hand are written. */
  manualFile: string;
}

/** A host's readiness: the SSH check then the engine's checks. */
export interface HostReadiness {
  host: string;
  ready: boolean;
  checks: ReadinessCheck[];
  probedMs: number;
  kernel?: string;
}

/** What `hosts:prepare` (`ferry hosts prepare`) did, and the host's readiness afterwards. */
export interface HostPrepared {
  host: string;
  /** False when the host already held the same prefix. */
  copied: boolean;
  /** Bytes of the prefix sent (0 when nothing was copied). */
  bytes: number;
  /** Checksum of the prefix, verified on the host. */
  manifest: string;
  /** What was done, in order. */
  steps: string[];
  notes: string[];
  ready: boolean;
  checks: ReadinessCheck[];
}

/** A host's processes and TCP sockets at one moment (the renderer builds the tree). */
export interface ProcessListing {
  host: string;
  takenAt: number;
  processes: ProcessInfo[];
  sockets: TcpSocket[];
  /** Addresses Ferry manages the host through: they never move. */
  managementAddresses: string[];
}

/** A plan built without running anything: both hosts' readiness and the preflight's verdict. */
export interface PlanPreview {
  request: MigrationRequest;
  ok: boolean;
  plan?: MigrationPlan;
  problems: FerryErrorInfo[];
  warnings: string[];
  readiness: { source: ReadinessCheck[]; destination: ReadinessCheck[] };
  probedMs: number;
}

/**
 * A rehearsal (`migration:rehearse`, `ferry migrate --rehearse`): everything up to the freeze and nothing after —
 * both preflights, whether CRIU can dump the tree, the hosts' costs and the link measured, the memory that can and
 * cannot be lazy, and the predicted freeze of every mode. Nothing it set up outlives it.
 */
export interface Rehearsal {
  id: string;
  request: MigrationRequest;
  startedAt: number;
  ms: number;
  /** The migration would start: the preflight passed and no finding is a problem. */
  ok: boolean;
  preview: PlanPreview;
  findings: RehearsalFinding[];
  /** The plan's mode (the one the migration would use). */
  mode?: TransferMode;
  workload?: WorkloadFacts;
  /** Memory that lazy mode can leave out of the freeze, and memory no mode can. */
  memory?: { lazyMiB: number; notLazyMiB: number };
  hosts?: { source: HostCosts; destination: HostCosts };
  link?: LinkFacts;
  linkError?: string;
  /** The opt-in real dump (`dump: true`): it froze the process once, briefly. */
  dump?: DumpProbe;
  dumpError?: string;
  /** Past migrations between the same hosts the model was calibrated with. */
  calibratedWith: number;
  predictions: ModePrediction[];
  /** What the rehearsal set up and removed again. */
  cleanedUp: string[];
}

/** A running (or just finished) migration as a late client first sees it: every event so far. */
export interface MigrationSnapshot {
  id: string;
  request: MigrationRequest;
  events: MigrationEvent[];
  running: boolean;
  /** Past the point of no return (the destination runs the restored process): a cancel is refused. */
  noReturn?: boolean;
}

/** One line of the history. */
export interface HistoryEntry {
  id: string;
  startedAt: number;
  endedAt?: number;
  outcome: MigrationRecord['outcome'];
  from: string;
  to: string;
  pid: number;
  comm?: string;
  freezeMs?: number;
  budgetMs: number;
  imageBytes?: number;
  connections: number;
  intactConnections: number;
  error?: FerryErrorInfo;
}

/** An export: a file name and its JSON text. */
export interface ExportFile {
  fileName: string;
  json: string;
}

/** The result type of every request. */
export interface RequestResults {
  'app:info': AppInfo;
  'hosts:list': HostList;
  'hosts:check': HostReadiness;
  'hosts:add': HostEntry;
  'hosts:prepare': HostPrepared;
  'processes:list': ProcessListing;
  'migration:plan': PlanPreview;
  'migration:start': { id: string };
  'migration:rehearse': Rehearsal;
  'migration:active': MigrationSnapshot[];
  /** The cancel was passed on (before the freeze nothing is left behind; in it the migration rolls back). */
  'migration:cancel': { id: string; cancelling: true };
  'history:list': HistoryEntry[];
  'history:get': MigrationRecord;
  'history:export': ExportFile;
}

/** Events main pushes to every client. */
export interface EventPayloads {
  'migration:event': MigrationEvent;
  /** A migration was stored (or imported) in the history. */
  'history:changed': { id: string };
  /** The inventory changed (a host was added). */
  'hosts:changed': Record<string, never>;
}

export type EventName = keyof EventPayloads;
export const EVENT_NAMES: readonly EventName[] = ['migration:event', 'history:changed', 'hosts:changed'];

/** Compile-time check that every request method has a result type. */
export type ResultOf<M extends RequestMethod> = RequestResults[M];
