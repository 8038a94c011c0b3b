// A predicted freeze window, as a rehearsal (or a preflight) computes it and a migration's record keeps it beside the
// measurement. Part names are those of app/review/freeze-parts.ts, folded (every `criu dump…` part is one `criu dump`).
import type { TransferMode } from './migration';

/** What the model knows of the tree: measured by a rehearsal, or read from the plan. */
export interface WorkloadFacts {
  processes: number;
  threads?: number;
  connections: number;
  /** Private anonymous memory (the part lazy mode leaves out of the freeze). */
  privateMiB: number;
  /** Shared anonymous memory (never lazy: copied inside the freeze in every mode). */
  sharedMiB: number;
  mappings?: number;
  /** Where `privateMiB` comes from: RssAnon of /proc/PID/status (rehearsal) or the plan's resident memory. */
  memoryBasis: 'rss-anon' | 'plan-rss';
}

/** One host's fixed costs, measured on the host (ms, medians of a few runs). */
export interface HostCosts {
  /** SSH round trip from the controller (a `true` over the pooled connection). */
  rttMs: number;
  /** `criu --version`: CRIU's process start and exit (its loader and libraries). */
  criuStartMs: number;
  /** `nft list tables`: one nft process (the locks and their unlock). */
  nftMs: number;
  /** `ip -o link show lo`: one ip process (the address moves). */
  ipMs: number;
  /** `criu check` wall time (kernel features, the kdat cache). */
  criuCheckMs?: number;
}

/** The link between the hosts as the pages would use it. */
export interface LinkFacts {
  /** Source → destination, TLS between socat relays, about a second of data. */
  bandwidthMiBps: number;
  bytes?: number;
  ms?: number;
}

/** A real `criu dump --leave-running` of the tree into a scratch folder (the operator's opt-in). */
export interface DumpProbe {
  /** The dump command on the host, start to exit. */
  wallMs: number;
  /** CRIU's log, first line to last. */
  logMs?: number;
  /** From stats-dump (µs in the file): the tree frozen; pages collected; pages written. */
  frozenMs?: number;
  memdumpMs?: number;
  memwriteMs?: number;
  pagesWritten?: number;
}

/** One predicted part of the freeze: `baseMs` (CPU, per connection) + `memoryMs` (pages at the link's speed). */
export interface PredictedPart {
  name: string;
  ms: number;
  baseMs: number;
  memoryMs: number;
  /** What the figure comes from (prior, calibrated by N records, the real dump). */
  basis: string;
}

/** The predicted freeze of one mode. */
export interface ModePrediction {
  mode: TransferMode;
  /** The plan for this mode passed the preflight. */
  ok: boolean;
  problem?: string;
  ms: number;
  parts: PredictedPart[];
  /** Memory inside the freeze in this mode and what stays out of it (lazy). */
  memory: { inFreezeMiB: number; lazyMiB: number; ms: number };
}

/** The inputs a prediction was made from (kept so that a later record can calibrate the model with it). */
export interface PredictionInputs {
  workload: WorkloadFacts;
  source: HostCosts;
  destination: HostCosts;
  link?: LinkFacts;
  dump?: DumpProbe;
  /** Past migrations between the same hosts the model was calibrated with. */
  calibratedWith: number;
}

/** The prediction a migration's record keeps beside the measured freeze. */
export interface FreezePrediction {
  /** When it was made (controller clock). */
  at: number;
  from: 'rehearsal' | 'preflight';
  rehearsalId?: string;
  /** The plan's mode, whose figures follow. */
  mode: TransferMode;
  ms: number;
  parts: PredictedPart[];
  inputs: PredictionInputs;
}
