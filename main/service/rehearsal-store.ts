// The rehearsals a controller ran, kept so that the migration that follows carries its prediction: the newest per
// (source, destination, PID) in `$FERRY_STATE_DIR/rehearsals/` (a CLI rehearsal, then a CLI migration, are two
// processes), and the record's prediction itself (from that rehearsal when it is recent, else from the plan and the
// past records: the cheap preflight prediction).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Rehearsal } from '../../app/contract/contract';
import type { MigrationPlan, MigrationRecord } from '../../app/model/migration';
import type { FreezePrediction, HostCosts, LinkFacts } from '../../app/model/prediction';
import { imageStreamOf } from '../../app/plan/image-stream';
import { calibrate, sampleOfRecord, workloadOfPlan } from '../../app/rehearsal/calibration';
import { predictMode, REFERENCE_HOST } from '../../app/rehearsal/freeze-model';
import { CALIBRATION_RECORDS } from '../engine/rehearse';
import type { EngineStore } from '../engine/engine-deps';
import { ensurePrivateDirs, writePrivateFileAtomic } from '../store/private-files';
import type { RecordStore } from '../store/record-store';

/** A rehearsal older than this does not predict a migration (the load and the tree change). */
export const REHEARSAL_FRESH_MS = 15 * 60_000;

const keyOf = (r: { from: string; to: string; pid: number }) => `${r.from}_${r.to}_${r.pid}`.replace(/[^A-Za-z0-9._-]/g, '-');

/** Saves a rehearsal as the newest for its request. */
export function saveRehearsal(records: RecordStore, r: Rehearsal): void {
  const dir = ensurePrivateDirs(records.base, 'rehearsals');
  writePrivateFileAtomic(path.join(dir, `${keyOf(r.request)}.json`), JSON.stringify(r, null, 2));
}

/** The newest rehearsal of a request, when it is fresh. */
export function freshRehearsal(records: RecordStore, req: { from: string; to: string; pid: number }, now: number): Rehearsal | undefined {
  const file = path.join(records.base, 'rehearsals', `${keyOf(req)}.json`);
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Rehearsal;
    return now - r.startedAt <= REHEARSAL_FRESH_MS ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Past records, newest first (ids sort by time). */
export function* newestRecords(records: RecordStore, limit = 200): Iterable<MigrationRecord> {
  const ids = records.ids().sort().reverse().slice(0, limit);
  for (const id of ids) {
    try {
      const r = records.load(id);
      if (r) yield r;
    } catch {
      /* a broken record calibrates nothing */
    }
  }
}

/** The newest host costs and link a past prediction kept for these hosts (either direction). */
function lastInputs(records: RecordStore, plan: MigrationPlan): { source: HostCosts; destination: HostCosts; link?: LinkFacts } | undefined {
  const { from, to } = plan.request;
  for (const r of newestRecords(records, 50)) {
    const i = r.prediction?.inputs;
    if (!i) continue;
    if (r.request.from === from && r.request.to === to) return { source: i.source, destination: i.destination, ...(i.link ? { link: i.link } : {}) };
    if (r.request.from === to && r.request.to === from) return { source: i.destination, destination: i.source, ...(i.link ? { link: i.link } : {}) };
  }
  return undefined;
}

/** The prediction for a planned migration: the fresh rehearsal's for the plan's mode, else the preflight's. */
export function predictionFor(records: RecordStore, plan: MigrationPlan, now: number): FreezePrediction | undefined {
  const r = freshRehearsal(records, plan.request, now);
  const m = r?.predictions.find((p) => p.mode === plan.transferMode);
  if (r && m && r.workload && r.hosts)
    return {
      at: r.startedAt,
      from: 'rehearsal',
      rehearsalId: r.id,
      mode: m.mode,
      ms: m.ms,
      parts: m.parts,
      inputs: {
        workload: r.workload,
        ...r.hosts,
        ...(r.link ? { link: r.link } : {}),
        ...(r.dump ? { dump: r.dump } : {}),
        calibratedWith: r.calibratedWith,
      },
    };
  const hosts = lastInputs(records, plan) ?? { source: REFERENCE_HOST, destination: REFERENCE_HOST };
  const samples = [];
  for (const rec of newestRecords(records, 60)) {
    const same =
      (rec.request.from === plan.request.from && rec.request.to === plan.request.to) ||
      (rec.request.from === plan.request.to && rec.request.to === plan.request.from);
    if (!same || !rec.prediction?.inputs) continue;
    const s = sampleOfRecord(rec, hosts);
    if (s) samples.push(s);
    if (samples.length >= CALIBRATION_RECORDS) break;
  }
  const workload = workloadOfPlan(plan);
  const p = predictMode({
    mode: plan.transferMode,
    workload,
    ...hosts,
    imagesVia: imageStreamOf(plan) ? 'direct' : 'controller',
    factors: calibrate(samples),
  });
  return { at: now, from: 'preflight', mode: p.mode, ms: p.ms, parts: p.parts, inputs: { workload, ...hosts, calibratedWith: samples.length } };
}

/** A store that adds the prediction to a migration's record once its plan is known (before the freeze). */
export function predictingStore(store: EngineStore, records: RecordStore, now: () => number = Date.now): EngineStore {
  return {
    ...store,
    saveRecord(record: MigrationRecord) {
      if (record.plan && !record.prediction) {
        try {
          const p = predictionFor(records, record.plan, now());
          if (p) record.prediction = p;
        } catch {
          /* a prediction never stops a migration */
        }
      }
      return store.saveRecord(record);
    },
  };
}
