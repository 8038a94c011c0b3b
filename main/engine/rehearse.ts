// A rehearsal: everything up to the freeze and nothing after. Both hosts probed once and planned for every mode
// (the preflight's own code: probe-plan.ts), CRIU's view of the tree checked without dumping it, the hosts' fixed
// costs and the link measured, optionally one real `criu dump --leave-running`, and the freeze predicted per mode
// by the model in app/rehearsal/, calibrated with past migrations between the same hosts.
import { randomBytes } from 'node:crypto';
import type { Rehearsal } from '../../app/contract/contract';
import { toErrorInfo } from '../../app/errors';
import { TRANSFER_MODES, type MigrationPlan, type MigrationRecord, type MigrationRequest } from '../../app/model/migration';
import type { HostCosts, ModePrediction, WorkloadFacts } from '../../app/model/prediction';
import { imageStreamOf } from '../../app/plan/image-stream';
import { calibrate, sampleOfRecord, workloadOfPlan } from '../../app/rehearsal/calibration';
import { preflightFindings, treeFindings, workloadOfTree } from '../../app/rehearsal/dump-findings';
import { memoryInFreeze, predictMode, REFERENCE_HOST } from '../../app/rehearsal/freeze-model';
import type { MigrateDeps } from './engine-deps';
import { planFor, previewOfProbe, probePair, resolvePair } from './probe-plan';
import { rehearseDump } from './rehearse-dump';
import { measureHostCosts, measureLink, readTreeFacts } from './rehearse-measure';
import path from 'node:path';

export interface RehearseOptions {
  /** Also a real dump with --leave-running (one short freeze of the process). */
  dump?: boolean;
  /** Past records, newest first (calibration uses those between the same two hosts). */
  history?: () => Iterable<MigrationRecord>;
  /** Seconds of data for the link measurement (default 1). */
  linkSeconds?: number;
}

/** Past migrations the calibration takes at most (newest first). */
export const CALIBRATION_RECORDS = 12;

type RehearseDeps = Pick<MigrateDeps, 'exec' | 'resolveHost' | 'criu' | 'now' | 'pageServerPort' | 'pageStreamTls'>;

/** A new rehearsal id like `r-20261202-013000-3fa9c1`. */
function rehearsalId(now: number): string {
  return `r-${new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

/** Runs a rehearsal of `req`; never freezes unless `dump`, never leaves anything behind. Throws only UNKNOWN_HOST. */
export async function rehearse(deps: RehearseDeps, req: MigrationRequest, opts: RehearseOptions = {}): Promise<Rehearsal> {
  const startedAt = deps.now();
  const id = rehearsalId(startedAt);
  const out: Rehearsal = {
    id,
    request: req,
    startedAt,
    ms: 0,
    ok: false,
    preview: { request: req, ok: false, problems: [], warnings: [], readiness: { source: [], destination: [] }, probedMs: 0 },
    findings: [],
    calibratedWith: 0,
    predictions: [],
    cleanedUp: [],
  };
  const done = () => {
    out.ms = deps.now() - startedAt;
    out.ok = out.preview.ok && !out.findings.some((f) => f.severity === 'problem');
    return out;
  };
  const hosts = resolvePair(deps, req);
  if (hosts.same) {
    out.preview.problems.push(hosts.same);
    out.findings = preflightFindings([hosts.same], []);
    return done();
  }
  const probed = await probePair(deps, req, hosts);
  out.preview = previewOfProbe(deps, req, probed);
  out.findings.push(...preflightFindings(out.preview.problems, out.preview.warnings));
  if ('error' in probed.source || 'error' in probed.destination) return done();

  const plans = new Map<string, { plan?: MigrationPlan; problem?: string }>();
  for (const mode of TRANSFER_MODES) {
    const r = planFor(deps, id, { ...req, mode }, probed);
    plans.set(mode, r.ok ? { plan: r.plan } : { problem: r.problems.map((p) => p.message).join('; ') });
  }
  const plan = out.preview.plan ?? [...plans.values()].find((p) => p.plan)?.plan;
  if (!plan) return done();
  if (out.preview.plan) out.mode = out.preview.plan.transferMode;

  let workload: WorkloadFacts = workloadOfPlan(plan);
  try {
    const facts = await readTreeFacts(deps.exec, req.from, plan.treePids);
    out.findings.push(...treeFindings(facts, req.from));
    workload = workloadOfTree(facts, plan.connections.length, plan.sharedMemory?.kib ?? 0);
  } catch (err) {
    out.findings.push({ severity: 'warning', check: 'tree', host: req.from, message: `could not read the tree's facts: ${toErrorInfo(err).message}` });
  }
  out.workload = workload;
  out.memory = { lazyMiB: workload.privateMiB, notLazyMiB: workload.sharedMiB };

  const criuOf = (side: 'source' | 'destination') => plan.criu[side];
  const measured: { source: HostCosts; destination: HostCosts } = { source: REFERENCE_HOST, destination: REFERENCE_HOST };
  try {
    measured.source = await measureHostCosts(deps.exec, req.from, criuOf('source'));
    measured.destination = await measureHostCosts(deps.exec, req.to, criuOf('destination'));
    out.hosts = measured;
  } catch (err) {
    out.findings.push({ severity: 'warning', check: 'host costs', message: `could not measure the hosts' fixed costs: ${toErrorInfo(err).message}` });
  }

  const streamed = plans.get('streamed')?.plan;
  const lazy = plans.get('lazy')?.plan;
  const ends = streamed?.pageServer?.peer
    ? { listen: streamed.pageServer.address, peer: streamed.pageServer.peer }
    : lazy?.pageServer?.peer
      ? { listen: lazy.pageServer.peer, peer: lazy.pageServer.address }
      : undefined;
  if (ends) {
    const base = path.posix.dirname(plan.sourceImageDir);
    const dbase = path.posix.dirname(plan.destinationImageDir);
    try {
      out.link = await measureLink(deps.exec, {
        id,
        from: req.from,
        to: req.to,
        ...ends,
        port: deps.pageServerPort(),
        sourceDir: `${base}/link-${id}`,
        destinationDir: `${dbase}/link-${id}`,
        ...(opts.linkSeconds ? { seconds: opts.linkSeconds } : {}),
      });
    } catch (err) {
      out.linkError = toErrorInfo(err).message;
      out.findings.push({ severity: 'warning', check: 'link', message: `could not measure the link: ${out.linkError}` });
    }
    out.cleanedUp.push(`link measurement: receiver, guard table and TLS keys on ${req.to}, scratch folder and keys on ${req.from}`);
  } else {
    out.findings.push({
      severity: 'warning',
      check: 'link',
      message: "no address pair for a page stream is known: the link was not measured (the model assumes the lab's speed)",
    });
  }

  if (opts.dump) {
    if (!out.findings.some((f) => f.severity === 'problem')) {
      try {
        const { log: _log, ...probe } = await rehearseDump(deps.exec, plan, id);
        out.dump = probe;
      } catch (err) {
        out.dumpError = toErrorInfo(err).message;
        out.findings.push({ severity: 'problem', check: 'real dump', host: req.from, message: out.dumpError });
      }
      out.cleanedUp.push(`real dump: scratch folder and lock table on ${req.from} (the process kept running)`);
    } else {
      out.dumpError = 'not run: the rehearsal found problems first';
    }
  }

  const samples = [];
  for (const r of opts.history?.() ?? []) {
    const samePair = (r.request.from === req.from && r.request.to === req.to) || (r.request.from === req.to && r.request.to === req.from);
    if (!samePair || !r.prediction?.inputs) continue;
    const s = sampleOfRecord(r, measured);
    if (s) samples.push(s);
    if (samples.length >= CALIBRATION_RECORDS) break;
  }
  out.calibratedWith = samples.length;
  const factors = calibrate(samples);
  // One second of the link on a loaded host is noisy: the model takes the median of this measurement and the
  // last ones between these hosts.
  const links = [out.link?.bandwidthMiBps, ...samples.slice(0, 4).map((s) => s.link?.bandwidthMiBps)].filter((b): b is number => b !== undefined && b > 0);
  const link = links.length ? { bandwidthMiBps: [...links].sort((a, b) => a - b)[links.length >> 1] as number } : undefined;
  out.predictions = TRANSFER_MODES.map((mode): ModePrediction => {
    const p = plans.get(mode);
    const modePlan = p?.plan;
    const prediction = predictMode({
      mode,
      workload,
      ...measured,
      ...(link ? { link } : {}),
      ...(out.dump ? { dump: out.dump } : {}),
      imagesVia: modePlan && imageStreamOf(modePlan) ? 'direct' : mode === 'staged' ? 'controller' : 'direct',
      factors,
    });
    return {
      ...prediction,
      ok: !!modePlan,
      ...(p?.problem ? { problem: p.problem } : {}),
      memory: { ...memoryInFreeze(mode, workload), ms: prediction.memory.ms },
    };
  });
  return done();
}
