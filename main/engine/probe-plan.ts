// Probe both hosts and build the plan: the one path behind a migration's connect and preflight steps and the
// dashboard's plan preview (nothing frozen, nothing changed).
import { randomBytes } from 'node:crypto';
import { toErrorInfo, type FerryErrorInfo } from '../../app/errors';
import type { PlanPreview } from '../../app/contract/contract';
import { sameHostProblem } from '../../app/inventory/host-identity';
import type { HostSpec } from '../../app/model/host';
import type { MigrationRequest } from '../../app/model/migration';
import type { HostSnapshot } from '../../app/model/snapshot';
import type { NftTable } from '../../app/parse/nft';
import { buildPlan, type PlanResult } from '../../app/plan/build-plan';
import { DEFAULT_IMAGE_BASE } from '../../app/plan/image-base';
import { probeHost } from '../net/host-probe';
import { listCriuTables } from '../net/network-lock';
import type { MigrateDeps } from './engine-deps';
import { readinessChecks, type ProbeOutcome } from './host-readiness';
import { newMigrationId } from './migration-id';

/** Both hosts as the plan needs them. */
export interface ProbedPair {
  from: HostSpec;
  to: HostSpec;
  source: ProbeOutcome;
  destination: ProbeOutcome;
  /** CRIU lock tables on the source before the migration (when asked for). */
  tablesBefore: NftTable[];
  probedMs: number;
}

type ProbeDeps = Pick<MigrateDeps, 'exec' | 'resolveHost' | 'criu' | 'now'>;

/** Resolves both names (UNKNOWN_HOST thrown); `same`: one host under two names, refused before any connection. */
export function resolvePair(deps: Pick<MigrateDeps, 'resolveHost'>, req: MigrationRequest): { from: HostSpec; to: HostSpec; same?: FerryErrorInfo } {
  const from = deps.resolveHost(req.from);
  const to = deps.resolveHost(req.to);
  const same = sameHostProblem(from, to, req);
  return { from, to, ...(same ? { same } : {}) };
}

/** Probes both hosts at once (CRIU check, processes, sockets; the source's view of the root PID). */
export async function probePair(
  deps: ProbeDeps,
  req: MigrationRequest,
  hosts: { from: HostSpec; to: HostSpec },
  opts: { criuTables?: boolean } = {},
): Promise<ProbedPair> {
  const started = deps.now();
  const settle = (p: Promise<HostSnapshot>) =>
    p.then(
      (snap): ProbeOutcome => ({ snap }),
      (error: unknown): ProbeOutcome => ({ error }),
    );
  const [source, destination, tablesBefore] = await Promise.all([
    settle(probeHost(deps.exec, req.from, { criu: deps.criu, criuCheck: true, processes: true, sockets: true, statPid: req.pid })),
    settle(probeHost(deps.exec, req.to, { criu: deps.criu, criuCheck: true, processes: true, sockets: true })),
    opts.criuTables ? listCriuTables(deps.exec, req.from).catch(() => [] as NftTable[]) : Promise.resolve([] as NftTable[]),
  ]);
  return { ...hosts, source, destination, tablesBefore, probedMs: deps.now() - started };
}

/** Both snapshots, or the first probe's error thrown. */
export function snapshotsOf(p: ProbedPair): { source: HostSnapshot; destination: HostSnapshot } {
  if ('error' in p.source) throw p.source.error;
  if ('error' in p.destination) throw p.destination.error;
  return { source: p.source.snap, destination: p.destination.snap };
}

/** The plan for `req` from both snapshots (every preflight check; pure). */
export function planFor(deps: Pick<MigrateDeps, 'pageServerPort' | 'pageStreamTls'>, id: string, req: MigrationRequest, p: ProbedPair): PlanResult {
  const { source, destination } = snapshotsOf(p);
  return buildPlan({
    id,
    request: req,
    source,
    destination,
    sourceHostName: p.from.hostName,
    destinationHostName: p.to.hostName,
    sourceSshPort: p.from.port,
    destinationSshPort: p.to.port,
    imageBase: req.imageBase ?? DEFAULT_IMAGE_BASE,
    // Without an image folder of the operator's, lazy and streamed modes may keep their images on a tmpfs.
    preferTmpfs: req.imageBase === undefined,
    pageServerPort: deps.pageServerPort(),
    directStreamToken: randomBytes(16).toString('hex'),
    ...(deps.pageStreamTls === false ? { pageStreamTls: false } : {}),
    hostHooks: { source: p.from, destination: p.to },
  });
}

/** The plan a migration would follow now, both hosts' readiness and every problem, with nothing frozen. */
export async function previewPlan(deps: ProbeDeps & Pick<MigrateDeps, 'pageServerPort' | 'pageStreamTls'>, request: MigrationRequest): Promise<PlanPreview> {
  const preview: PlanPreview = { request, ok: false, problems: [], warnings: [], readiness: { source: [], destination: [] }, probedMs: 0 };
  const hosts = resolvePair(deps, request);
  if (hosts.same) {
    preview.problems.push(hosts.same);
    return preview;
  }
  return previewOfProbe(deps, request, await probePair(deps, request, hosts));
}

/** The preview from both hosts' probes (pure but for a new id; a rehearsal reuses its probe for every mode). */
export function previewOfProbe(deps: Pick<MigrateDeps, 'pageServerPort' | 'pageStreamTls'>, request: MigrationRequest, p: ProbedPair): PlanPreview {
  const preview: PlanPreview = { request, ok: false, problems: [], warnings: [], readiness: { source: [], destination: [] }, probedMs: 0 };
  preview.probedMs = p.probedMs;
  preview.readiness = { source: readinessChecks(p.source, p.probedMs), destination: readinessChecks(p.destination, p.probedMs) };
  const failed = (
    [
      [p.source, request.from],
      [p.destination, request.to],
    ] as const
  ).filter(([o]) => 'error' in o);
  if (failed.length) {
    for (const [o, host] of failed) if ('error' in o) preview.problems.push({ ...toErrorInfo(o.error), host });
    return preview;
  }
  const result = planFor(deps, newMigrationId(), request, p);
  if (result.ok) {
    preview.ok = true;
    preview.plan = result.plan;
    preview.warnings = result.plan.warnings;
  } else {
    preview.problems = result.problems;
    preview.warnings = result.warnings;
  }
  return preview;
}
