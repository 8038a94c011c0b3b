// A host's readiness (SSH, then the engine's checks on its snapshot): the one check behind `ferry check`, the
// Hosts view and the plan preview.
import { toErrorInfo } from '../../app/errors';
import type { HostReadiness } from '../../app/contract/contract';
import type { HostSnapshot } from '../../app/model/snapshot';
import { hostReadiness, type ReadinessCheck } from '../../app/plan/readiness';
import type { Executor } from '../hosts/executor';
import { probeHost } from '../net/host-probe';

/** A probe's outcome: the snapshot, or the error that stopped it. */
export type ProbeOutcome = { snap: HostSnapshot } | { error: unknown };

/** Readiness checks from a probe's outcome: an SSH failure is the one failed check. */
export function readinessChecks(outcome: ProbeOutcome, probedMs: number): ReadinessCheck[] {
  if ('snap' in outcome) return [{ name: 'ssh', ok: true, detail: `connected and probed in ${probedMs} ms` }, ...hostReadiness(outcome.snap)];
  const e = toErrorInfo(outcome.error);
  return [{ name: 'ssh', ok: false, detail: `[${e.code}] ${e.message}`, code: e.code, ...(e.hint ? { fix: e.hint } : {}) }];
}

/** Ready: every check passed or only warns. */
export const isReady = (checks: readonly ReadinessCheck[]): boolean => checks.every((c) => c.ok || c.warning);

/** Probes `host` with the CRIU check and says whether it is ready. */
export async function checkHost(deps: { exec: Executor; criu: readonly string[] }, host: string): Promise<HostReadiness> {
  const started = Date.now();
  const outcome = await probeHost(deps.exec, host, { criu: deps.criu, criuCheck: true }).then(
    (snap): ProbeOutcome => ({ snap }),
    (error: unknown): ProbeOutcome => ({ error }),
  );
  const probedMs = Date.now() - started;
  const checks = readinessChecks(outcome, probedMs);
  return { host, ready: isReady(checks), checks, probedMs, ...('snap' in outcome ? { kernel: outcome.snap.kernel } : {}) };
}
