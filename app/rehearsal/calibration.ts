// Calibration of the freeze model from past migrations between the same two hosts: for each record, the model's
// uncorrected prediction (from the inputs the record kept, or its plan) against the parts it measured; the median
// ratio of measured to predicted base, per mode and part, corrects the next prediction's bases.
import type { FreezePart, MigrationRecord, TransferMode } from '../model/migration';
import type { HostCosts, LinkFacts, PredictionInputs, WorkloadFacts } from '../model/prediction';
import { TRANSFER_MODES } from '../model/migration';
import { imageStreamOf } from '../plan/image-stream';
import { predictMode, type BaseFactors } from './freeze-model';
import { foldParts, PART } from './part-names';

/** One past migration as calibration needs it. */
export interface CalibrationSample {
  mode: TransferMode;
  imagesVia: 'direct' | 'controller';
  workload: WorkloadFacts;
  source: HostCosts;
  destination: HostCosts;
  link?: LinkFacts;
  freezeMs: number;
  /** Measured parts (streamed and lazy); staged calibrates on the whole window. */
  parts?: readonly FreezePart[];
}

/** Parts whose work is the same in every mode (one nft or ip process, the small images, the signals). */
const SHARED_PARTS = new Set<string>([PART.lock, PART.addressRemoved, PART.addressAdded, PART.imagesDirect, PART.imagesController, PART.signals]);
/** CRIU's parts, whose work differs per mode. */
const MODE_PARTS = [PART.dump, PART.restore, PART.lazyDaemon];

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The workload facts of a plan (its resident memory: file pages included) when no rehearsal measured them. */
export function workloadOfPlan(plan: NonNullable<MigrationRecord['plan']>): WorkloadFacts {
  const sharedMiB = (plan.sharedMemory?.kib ?? 0) / 1024;
  return {
    processes: plan.treePids.length,
    connections: plan.connections.length,
    privateMiB: Math.max(0, plan.rssKiB / 1024 - sharedMiB),
    sharedMiB,
    memoryBasis: 'plan-rss',
  };
}

/**
 * A succeeded record as a calibration sample: the inputs its prediction kept, else its plan's facts with `hosts`
 * (the current hosts' costs) standing in for its own. Undefined when it measured no freeze.
 */
export function sampleOfRecord(r: MigrationRecord, hosts: { source: HostCosts; destination: HostCosts; link?: LinkFacts }): CalibrationSample | undefined {
  if (r.outcome !== 'succeeded' || !r.plan || r.freeze?.ms === undefined) return undefined;
  const kept: PredictionInputs | undefined = r.prediction?.inputs;
  const link = kept?.link ?? hosts.link;
  return {
    mode: r.plan.transferMode,
    imagesVia: imageStreamOf(r.plan) ? 'direct' : 'controller',
    workload: kept?.workload ?? workloadOfPlan(r.plan),
    source: kept?.source ?? hosts.source,
    destination: kept?.destination ?? hosts.destination,
    ...(link ? { link } : {}),
    freezeMs: r.freeze.ms,
    ...(r.freezeParts ? { parts: r.freezeParts } : {}),
  };
}

/** Per mode and part, the median measured/predicted ratio of the bases (0.3–4), with a fallback across modes. */
export function calibrate(samples: readonly CalibrationSample[]): BaseFactors {
  const ratios: Record<string, Record<string, number[]>> = {};
  const push = (mode: string, part: string, r: number) => {
    if (!Number.isFinite(r)) return;
    ((ratios[mode] ??= {})[part] ??= []).push(clamp(r, 0.3, 4));
  };
  for (const s of samples) {
    const p = predictMode({ ...s, factors: undefined, dump: undefined });
    if (s.mode === 'staged' || !s.parts?.length) {
      const base = p.parts.reduce((n, x) => n + x.baseMs, 0);
      if (base > 1) for (const x of p.parts) push(s.mode, x.name, (s.freezeMs - p.memory.ms) / base);
      continue;
    }
    const measured = foldParts(s.parts);
    for (const x of p.parts) {
      const m = measured.find((q) => q.name === x.name);
      if (m && x.baseMs > 0.5) push(s.mode, x.name, (m.ms - x.memoryMs) / x.baseMs);
    }
  }
  const out: BaseFactors = {};
  const allParts = new Set(Object.values(ratios).flatMap((byPart) => Object.keys(byPart)));
  for (const mode of TRANSFER_MODES) {
    const own = ratios[mode] ?? {};
    const others = TRANSFER_MODES.filter((m) => m !== mode && m !== 'staged');
    // Without a record of this mode: the parts every mode shares take the other modes' ratios; CRIU's own parts
    // (their work differs per mode) take the load those shared parts show.
    const load = others.flatMap((m) => Object.entries(ratios[m] ?? {}).flatMap(([part, rs]) => (SHARED_PARTS.has(part) ? rs : [])));
    const factors: Record<string, { factor: number; records: number }> = {};
    for (const part of new Set([...allParts, ...(load.length ? MODE_PARTS : [])])) {
      const mine = own[part];
      const use = mine?.length ? mine : SHARED_PARTS.has(part) ? others.flatMap((m) => ratios[m]?.[part] ?? []) : load;
      if (use.length) factors[part] = { factor: Math.round(median(use) * 100) / 100, records: use.length };
    }
    if (Object.keys(factors).length) out[mode] = factors;
  }
  return out;
}
