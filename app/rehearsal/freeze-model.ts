// The freeze-window model: the predicted parts of one mode's freeze from the tree's facts, both hosts' fixed costs,
// the link's speed and (when the operator opted in) a real dump of the tree. Each part is a base (CPU work, per
// connection, per process: scaled by how slow the host runs CRIU's start-up right now) plus a memory term (pages at
// the measured link speed, or written and read on a host). Past migrations between the same hosts correct the bases
// (calibration.ts); the real dump replaces the dump's base.
import type { TransferMode } from '../model/migration';
import type { DumpProbe, HostCosts, LinkFacts, ModePrediction, PredictedPart, WorkloadFacts } from '../model/prediction';
import { PART } from './part-names';

/** Per-part correction factors of the base (from past records), by mode then part name. */
export type BaseFactors = Partial<Record<TransferMode, Record<string, { factor: number; records: number }>>>;

export interface ModelInput {
  mode: TransferMode;
  workload: WorkloadFacts;
  source: HostCosts;
  destination: HostCosts;
  link?: LinkFacts;
  dump?: DumpProbe;
  /** How the small images travel in this mode's plan. */
  imagesVia: 'direct' | 'controller';
  factors?: BaseFactors;
}

/**
 * Host costs the priors below were measured at (lab hosts on the 2-core machine under load ~10): a host that runs
 * `criu --version` slower than this runs CRIU's and nft's work proportionally slower.
 */
export const REFERENCE_HOST: HostCosts = { rttMs: 3, criuStartMs: 14, nftMs: 6, ipMs: 4 };

/** The link speed assumed when none was measured (the lab's plain copy under load: docs/benchmarks.md). */
export const DEFAULT_BANDWIDTH_MIBPS = 170;

/** Base costs (ms at the reference host) and per-unit costs of each part, per mode. */
const PRIOR = {
  lockFixed: 1.5,
  lockPerConn: 0.06,
  dumpCore: { streamed: 60, staged: 55, lazy: 14 },
  dumpPerConn: { streamed: 0.27, staged: 0.55, lazy: 0.1 },
  dumpPerProcess: 6,
  dumpPerThread: 1.2,
  /** Collecting private pages (scan, pipe): ms per MiB, also in lazy mode (it only marks them). */
  dumpScanPerMiB: { streamed: 0.35, staged: 0.35, lazy: 0.06 },
  /** Writing pages to the source's image folder (staged) or the shared memory (lazy): ms per MiB. */
  diskWritePerMiB: 1.6,
  restoreCore: { streamed: 35, staged: 35, lazy: 45 },
  restorePerConn: { streamed: 0.11, staged: 0.11, lazy: 0.05 },
  restorePerProcess: 8,
  /** Reading pages back from the destination's folder at the restore: ms per MiB. */
  restoreReadPerMiB: { streamed: 1.2, staged: 1.5, lazy: 1.0 },
  imagesFixed: { direct: 12, controller: 16 },
  imagesPerConn: { streamed: 0.16, staged: 0.16, lazy: 0.03 },
  lazyDaemonFixed: 6,
  signalsFixed: 6,
  /** The freeze's signals are lines on open streams, not new SSH commands: a small share of a command's round trip. */
  signalsPerRtt: 0.1,
} as const;

/** Page-less images (core, fds, sockets): about this many MiB plus a little per connection. */
const SMALL_IMAGES_MIB = 0.3;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round = (n: number) => Math.round(n * 10) / 10;

/** How much slower than the reference a host runs a process start (CPU load), 0.5–6. */
export function hostScale(h: HostCosts): number {
  return clamp(h.criuStartMs / REFERENCE_HOST.criuStartMs, 0.5, 6);
}

/** The memory inside the freeze in a mode, and what lazy mode leaves for after the restore. */
export function memoryInFreeze(mode: TransferMode, w: WorkloadFacts): { inFreezeMiB: number; lazyMiB: number } {
  if (mode === 'lazy') return { inFreezeMiB: w.sharedMiB, lazyMiB: w.privateMiB };
  return { inFreezeMiB: w.privateMiB + w.sharedMiB, lazyMiB: 0 };
}

/** The predicted freeze of one mode, part by part (the parts add up to the window). */
export function predictMode(i: ModelInput): Omit<ModePrediction, 'ok' | 'problem'> {
  const { mode, workload: w } = i;
  const s = hostScale(i.source);
  const d = hostScale(i.destination);
  const bw = Math.max(1, i.link?.bandwidthMiBps ?? DEFAULT_BANDWIDTH_MIBPS);
  const linkMsPerMiB = 1000 / bw;
  const mem = memoryInFreeze(mode, w);
  const conns = w.connections;
  const procs = Math.max(1, w.processes);
  const threads = Math.max(procs, w.threads ?? procs);
  const parts: PredictedPart[] = [];
  const factor = (name: string) => i.factors?.[mode]?.[name];
  const add = (name: string, baseMs: number, memoryMs: number, basis: string) => {
    const f = factor(name);
    const base = baseMs * (f?.factor ?? 1);
    parts.push({
      name,
      baseMs: round(base),
      memoryMs: round(memoryMs),
      ms: round(base + memoryMs),
      basis: f ? `${basis}; base calibrated by ${f.records} past migration(s) (×${f.factor.toFixed(2)})` : basis,
    });
  };

  if (mode !== 'staged')
    add(
      PART.lock,
      2.5 * i.source.nftMs + PRIOR.lockFixed + PRIOR.lockPerConn * conns * s,
      0,
      `one nft process on the source (${i.source.nftMs} ms) + ${conns} connection(s)`,
    );

  // The dump: CRIU's start and exit, its work on the tree, and the pages inside the freeze.
  const dumpBase =
    1.75 * i.source.criuStartMs +
    s * (PRIOR.dumpCore[mode] + PRIOR.dumpPerConn[mode] * conns + PRIOR.dumpPerProcess * (procs - 1) + PRIOR.dumpPerThread * (threads - procs)) +
    PRIOR.dumpScanPerMiB[mode] * w.privateMiB * s;
  const dumpMemory =
    mode === 'streamed'
      ? mem.inFreezeMiB * linkMsPerMiB
      : mode === 'staged'
        ? mem.inFreezeMiB * PRIOR.diskWritePerMiB * s
        : w.sharedMiB * (PRIOR.diskWritePerMiB * s + linkMsPerMiB);
  if (i.dump) {
    // The real dump of this tree, now: its time without the page writes is the base; the pages are added per mode.
    const measured = Math.max(0, i.dump.wallMs - (i.dump.memwriteMs ?? 0));
    const lockInDump = mode === 'staged' ? 2 * 0.25 * conns * s : 0;
    parts.push({
      name: PART.dump,
      baseMs: round(measured + lockInDump),
      memoryMs: round(dumpMemory),
      ms: round(measured + lockInDump + dumpMemory),
      basis: `the real dump of this tree (${Math.round(i.dump.wallMs)} ms, pages written ${Math.round(i.dump.memwriteMs ?? 0)} ms) + ${mem.inFreezeMiB.toFixed(1)} MiB of memory in this mode`,
    });
  } else {
    add(
      PART.dump,
      dumpBase,
      dumpMemory,
      `CRIU start ${i.source.criuStartMs} ms, ${procs} process(es), ${conns} connection(s); ${mem.inFreezeMiB.toFixed(1)} MiB of memory in the freeze${mode === 'staged' ? ' (to disk)' : ` at ${Math.round(bw)} MiB/s`}`,
    );
  }

  add(PART.addressRemoved, 1.5 * i.source.ipMs, 0, `one ip process on the source (${i.source.ipMs} ms)`);

  const imagesMiB = SMALL_IMAGES_MIB + (mode === 'staged' ? mem.inFreezeMiB : 0);
  const hopMsPerMiB = i.imagesVia === 'controller' ? 2 * linkMsPerMiB : linkMsPerMiB;
  const imagesBase =
    PRIOR.imagesFixed[i.imagesVia] * Math.max(s, d) +
    PRIOR.imagesPerConn[mode] * conns * d +
    (i.imagesVia === 'controller' ? i.source.rttMs + i.destination.rttMs : 0);
  add(
    i.imagesVia === 'direct' ? PART.imagesDirect : PART.imagesController,
    imagesBase,
    imagesMiB * hopMsPerMiB,
    `${imagesMiB.toFixed(1)} MiB of images ${i.imagesVia === 'direct' ? 'host to host' : 'through the controller'}`,
  );

  if (mode === 'lazy')
    add(
      PART.lazyDaemon,
      i.destination.criuStartMs + PRIOR.lazyDaemonFixed * d,
      0,
      `CRIU start on the destination (${i.destination.criuStartMs} ms) and its TLS handshake`,
    );
  add(PART.addressAdded, 2 * i.destination.ipMs, 0, `one ip process on the destination (${i.destination.ipMs} ms)`);

  const restoreBase =
    1.2 * i.destination.criuStartMs +
    1.5 * i.destination.nftMs +
    d * (PRIOR.restoreCore[mode] + PRIOR.restorePerConn[mode] * conns + PRIOR.restorePerProcess * (procs - 1) + PRIOR.dumpPerThread * (threads - procs));
  add(
    PART.restore,
    restoreBase,
    mem.inFreezeMiB * PRIOR.restoreReadPerMiB[mode] * d,
    `CRIU start ${i.destination.criuStartMs} ms, the unlock (nft ${i.destination.nftMs} ms), ${mem.inFreezeMiB.toFixed(1)} MiB read back`,
  );
  add(
    PART.signals,
    PRIOR.signalsFixed * Math.max(s, d) + PRIOR.signalsPerRtt * Math.max(i.source.rttMs, i.destination.rttMs),
    0,
    `SSH round trips (${i.source.rttMs} / ${i.destination.rttMs} ms)`,
  );

  const ms = round(parts.reduce((n, p) => n + p.ms, 0));
  return {
    mode,
    ms,
    parts,
    memory: { ...mem, ms: round(parts.reduce((n, p) => n + p.memoryMs, 0)) },
  };
}
