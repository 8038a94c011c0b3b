// Builds the plan and runs every preflight check on both hosts without freezing or changing anything.
import { toErrorInfo } from '../../app/errors';
import type { PlanPreview } from '../../app/contract/contract';
import type { MigrationRequest } from '../../app/model/migration';
import { sameHostProblem } from '../../app/inventory/host-identity';
import { buildPlan } from '../../app/plan/build-plan';
import { hostReadiness, type ReadinessCheck } from '../../app/plan/readiness';
import { probeHost } from '../net/host-probe';
import { DEFAULT_IMAGE_BASE, type MigrateDeps } from './migrate';
import { newMigrationId } from './migration-id';

/** The plan a migration would follow now, both hosts' readiness and every problem, with nothing frozen. */
export async function planOnly(deps: MigrateDeps, request: MigrationRequest): Promise<PlanPreview> {
  const started = Date.now();
  const preview: PlanPreview = { request, ok: false, problems: [], warnings: [], readiness: { source: [], destination: [] }, probedMs: 0 };
  const from = deps.resolveHost(request.from);
  const to = deps.resolveHost(request.to);
  const same = sameHostProblem(from, to, request);
  if (same) {
    preview.problems.push(same);
    return preview;
  }
  const probe = (host: string, opts: Parameters<typeof probeHost>[2]) =>
    probeHost(deps.exec, host, opts).then(
      (snap) => ({ snap }),
      (err: unknown) => ({ error: toErrorInfo(err) }),
    );
  const [src, dst] = await Promise.all([
    probe(request.from, { criuCheck: true, processes: true, sockets: true, statPid: request.pid }),
    probe(request.to, { criuCheck: true, processes: true, sockets: true }),
  ]);
  preview.probedMs = Date.now() - started;
  const sshFailed = (e: ReturnType<typeof toErrorInfo>): ReadinessCheck => ({ name: 'ssh', ok: false, detail: `[${e.code}] ${e.message}`, code: e.code, ...(e.hint ? { fix: e.hint } : {}) });
  const sshOk: ReadinessCheck = { name: 'ssh', ok: true, detail: `connected and probed in ${preview.probedMs} ms` };
  preview.readiness.source = 'snap' in src ? [sshOk, ...hostReadiness(src.snap)] : [sshFailed(src.error)];
  preview.readiness.destination = 'snap' in dst ? [sshOk, ...hostReadiness(dst.snap)] : [sshFailed(dst.error)];
  if (!('snap' in src) || !('snap' in dst)) {
    for (const [r, host] of [[src, request.from], [dst, request.to]] as const) if ('error' in r) preview.problems.push({ ...r.error, host });
    return preview;
  }
  const result = buildPlan({
    id: newMigrationId(), request, source: src.snap, destination: dst.snap,
    sourceHostName: from.hostName, destinationHostName: to.hostName,
    sourceSshPort: from.port, destinationSshPort: to.port,
    imageBase: deps.imageBase ?? DEFAULT_IMAGE_BASE,
    pageServerPort: 27000,
  });
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
