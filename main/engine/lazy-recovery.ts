// Lazy mode's recovery before surrender (QEMU's postcopy recovery is the model: pause, reconnect, resume): when
// CRIU's page transfer broke but both copies are still there — the source copy stopped since the dump, the
// destination copy waiting on its missing pages (its guard holds the userfaultfds) — a page source of Ferry's
// own starts on the source (main/criu/page-source.ts) over a new connection and the destination's guard fetches
// every page still missing from it (TLS with this migration's keys, behind the source's page guard). The destination
// copy then is complete and the source copy is not needed.
import { randomBytes } from 'node:crypto';
import type { MigrationPlan } from '../../app/model/migration';
import { lazyRecoveryPort } from '../../app/plan/page-guard';
import type { HostSnapshot } from '../../app/model/snapshot';
import { PAGE_SOURCE_PY } from '../criu/page-source';
import { pageStreamPaths } from '../criu/page-relay';
import { FerryError } from '../../app/errors';
import type { Executor } from '../hosts/executor';
import { probeHost } from '../net/host-probe';
import { mustRun } from './freeze-context';
import { failSourceDump } from './lazy-copies';

export interface PageRecovery {
  ok: boolean;
  /** What happened, for the record. */
  detail: string;
  /** Pages placed by the recovery. */
  pages?: number;
  ms: number;
}

/** Tries to finish the page transfer from the stopped source copy; never throws. */
export async function recoverPages(exec: Executor, plan: MigrationPlan, timeoutMs = 120_000): Promise<PageRecovery> {
  const started = Date.now();
  const done = (ok: boolean, detail: string, pages?: number): PageRecovery => ({
    ok,
    detail,
    ms: Date.now() - started,
    ...(pages !== undefined ? { pages } : {}),
  });
  const { from, to, pid } = plan.request;
  const ps = plan.pageServer;
  if (!ps) return done(false, 'no page server address for the source');
  try {
    // CRIU lets go of the source copy as after a failed transfer: it stays stopped (SIGSTOP queued at the dump).
    await failSourceDump(exec, plan);
    const [src, dst] = await Promise.all([probeHost(exec, from, { processes: true }), probeHost(exec, to, { processes: true })]);
    const runs = (s: HostSnapshot) => !!s.processes?.some((p) => p.pid === pid && p.comm === plan.comm);
    if (!runs(src)) return done(false, `the source copy on ${from} is gone: its pages cannot be fetched again`);
    if (!runs(dst)) return done(false, `the destination copy on ${to} is gone`);
    const { port, token } = await startPageSource(exec, plan);
    const tls = ps.tls ? ` ${pageStreamPaths(plan.destinationImageDir).tlsDir}` : '';
    await putSecret(exec, to, `${plan.destinationImageDir}/lazy-pages.recover`, `${ps.address} ${port} ${token}${tls}`);
    const r = await exec.run(
      to,
      [
        'sh',
        '-c',
        'n=$(($2 / 50)); i=0; while [ ! -s "$1" ]; do [ $i -lt $n ] || exit 3; sleep 0.05; i=$((i+1)); done; cat "$1"',
        'ferry-recovered',
        `${plan.destinationImageDir}/lazy-pages.recovered`,
        String(timeoutMs),
      ],
      { timeoutMs: timeoutMs + 10_000 },
    );
    const out = r.stdout.trim();
    const ok = /^ok (\d+)$/.exec(out);
    if (ok) return done(true, `${ok[1]} missing page(s) fetched again from the stopped source copy over a new connection`, Number(ok[1]));
    return done(false, r.code === 3 ? `the recovery did not finish within ${timeoutMs} ms` : out.replace(/^failed: /, '') || `the guard on ${to} said nothing`);
  } catch (e) {
    return done(false, e instanceof Error ? e.message : String(e));
  }
}

/** Writes a root-only file on a host from stdin (never on a command line). */
function putSecret(exec: Executor, host: string, file: string, text: string) {
  return mustRun(exec, host, ['sh', '-c', 'umask 077; cat > "$1.tmp" && mv "$1.tmp" "$1"', 'ferry-token', file], text);
}

/**
 * Starts the page source on the source (detached; listening when this returns) on the page recovery's port,
 * behind the source's page guard: TLS with this migration's keys when the page stream has them, and a one-time
 * token in the source's image folder (root only) that its client must send first.
 */
export async function startPageSource(exec: Executor, plan: MigrationPlan): Promise<{ port: number; token: string }> {
  const ps = plan.pageServer;
  if (!ps) throw new FerryError({ code: 'INTERNAL', message: 'no page server address for the source' });
  const port = lazyRecoveryPort(ps.port);
  const token = randomBytes(16).toString('hex');
  const from = plan.request.from;
  await putSecret(exec, from, `${plan.sourceImageDir}/page-source.token`, token);
  const tls = ps.tls ? pageStreamPaths(plan.sourceImageDir).tlsDir : '';
  await mustRun(exec, from, ['python3', '-c', PAGE_SOURCE_PY, ps.address, String(port), plan.sourceImageDir, tls, ...plan.treePids.map(String)]);
  return { port, token };
}
