// Everything done before the freeze: image folders, the destination's pre-lock and unlock script (the page
// stream is set up by page-stream.ts).
import { FerryError } from '../../app/errors';
import type { MigrationPlan } from '../../app/model/migration';
import { preLockTableText, unlockActionScript } from '../../app/plan/pre-lock';
import type { Executor } from '../hosts/executor';
import { RUNNING_FN, waitWhileRunningArgv } from '../../app/shell/running';
import { mustRun } from './freeze-context';
import { endPageStream } from './page-stream';

/** Creates both image folders. */
export async function prepareFolders(exec: Executor, plan: MigrationPlan): Promise<void> {
  await Promise.all([
    mustRun(exec, plan.request.from, ['mkdir', '-p', '-m', '700', plan.sourceImageDir]),
    mustRun(exec, plan.request.to, ['mkdir', '-p', '-m', '700', plan.destinationImageDir]),
  ]);
}

/**
 * Installs the pre-lock table on the destination (dropping the connections' packets once their address
 * arrives, until CRIU unlocks them) and writes the action script that removes it at that moment.
 */
export async function lockDestination(exec: Executor, plan: MigrationPlan): Promise<void> {
  const to = plan.request.to;
  await mustRun(exec, to, ['sh', '-c', 'cat > "$1" && chmod 700 "$1"', 'ferry-write', plan.preLock.actionScript], unlockActionScript(plan.preLock.table));
  await mustRun(exec, to, ['nft', '-f', '-'], preLockTableText(plan.preLock.table, plan.connections));
}

/** Takes the page stream down (page server, relays, guard, keys); fine when it already ended: see page-stream.ts. */
export async function stopPageServer(exec: Executor, plan: MigrationPlan): Promise<void> {
  await endPageStream(exec, plan);
}

/** Removes the pre-lock table when it is still there (the restore did not reach its unlock). */
export async function unlockDestination(exec: Executor, plan: MigrationPlan): Promise<boolean> {
  const r = await exec.run(plan.request.to, ['nft', 'delete', 'table', 'inet', plan.preLock.table]);
  return r.code === 0;
}

/** Pipe size CRIU needs to serve lazy pages (its page pipes fail with EPERM above fs.pipe-max-size). */
export const LAZY_PIPE_MAX_SIZE = 16 * 1024 * 1024;

/** Raises fs.pipe-max-size to at least `min` on a host; returns the value it had. */
export async function raisePipeMaxSize(exec: Executor, host: string, min = LAZY_PIPE_MAX_SIZE): Promise<number> {
  const out = await mustRun(exec, host, [
    'sh', '-c', 'f=/proc/sys/fs/pipe-max-size; cur=$(cat $f) || exit 1; [ "$cur" -ge "$1" ] || echo "$1" > $f || exit 1; echo "$cur"',
    'ferry-pipe', String(min),
  ]);
  return Number(out.trim());
}

/**
 * Lazy mode: waits until the destination's lazy-pages daemon has fetched every page and exited; from then on
 * the restored process no longer depends on the source. Resolves with the time it finished (controller clock).
 */
export async function waitForLazyPages(exec: Executor, plan: MigrationPlan, timeoutMs = 600_000): Promise<number> {
  const r = await exec.run(
    plan.request.to,
    waitWhileRunningArgv(`${plan.destinationImageDir}/lazy-pages.pid`),
    { timeoutMs },
  );
  if (r.code !== 0) throw new FerryError({ code: 'TRANSFER_FAILED', host: plan.request.to, message: `waiting for the lazy pages failed: ${r.stderr.trim()}` });
  return Date.now();
}

/**
 * Lazy mode: the exit status of the source's `criu dump` once it ended (0: every page left and CRIU ended the
 * source copy; anything else: the transfer failed and CRIU resumed the source copy); undefined when it is
 * still running after `timeoutMs`, or gone without a status.
 */
export async function lazyDumpExit(exec: Executor, plan: MigrationPlan, timeoutMs = 30_000): Promise<number | undefined> {
  const r = await exec.run(plan.request.from, [
    // Exit 3: still running at the deadline; 4: gone without leaving its status (a controller that died long ago).
    'sh', '-c',
    `${RUNNING_FN}; f=$1/dump-exit; n=$(($2 / 20)); i=0; ` +
      'while [ ! -s "$f" ]; do [ $i -lt $n ] || exit 3; ' +
      'p=$(cat "$1/dump.pid" 2>/dev/null) && running "$p" || { [ -s "$f" ] || exit 4; }; sleep 0.02; i=$((i+1)); done; cat "$f"',
    'ferry-dump-exit', plan.sourceImageDir, String(timeoutMs),
  ], { timeoutMs: timeoutMs + 10_000 });
  if (r.code === 3 || r.code === 4) return undefined;
  const code = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isInteger(code)) throw new FerryError({ code: 'COMMAND_FAILED', host: plan.request.from, message: `cannot read the lazy dump's exit status: ${r.stderr.trim() || r.stdout.trim()}` });
  return code;
}

/** The error lines of the destination's lazy-pages log (why the transfer failed, in CRIU's words). */
export async function lazyPagesErrors(exec: Executor, plan: MigrationPlan): Promise<string[]> {
  const r = await exec.run(plan.request.to, ['sh', '-c', 'grep -E "Error|error" "$1" | tail -n 3', 'ferry-lazy-log', `${plan.destinationImageDir}/lazy-pages.log`]);
  return r.stdout.split('\n').map((l) => l.replace(/^\([0-9.]+\)\s*/, '').trim()).filter(Boolean);
}
