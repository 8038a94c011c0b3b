// Lazy mode's hold on both copies while the pages move: the source copy is kept stopped (SIGSTOP queued while
// CRIU still holds it, so CRIU's own resume after a failed transfer leaves it stopped), the destination's
// guard keeps the userfaultfds (main/criu/uffd-holder.ts); these helpers read and end those holds.
import type { TcpSocket } from '../../app/model/host';
import type { MigrationPlan } from '../../app/model/migration';
import type { Executor } from '../hosts/executor';
import { readTcpSeqs } from '../net/tcp-seqs';

/** Queues SIGSTOP for the tree on `host` (it takes effect whenever CRIU lets go of it). */
export async function holdSource(exec: Executor, host: string, pids: number[]): Promise<void> {
  await exec.run(host, ['kill', '-STOP', ...pids.map(String)]);
}

/** Stops or continues a tree (SIGSTOP / SIGCONT); best effort, the tree may be gone. */
export async function signalTree(exec: Executor, host: string, pids: number[], signal: 'STOP' | 'CONT'): Promise<void> {
  await exec.run(host, ['kill', `-${signal}`, ...pids.map(String)]);
}

/**
 * The destination's lazy-pages daemon exit status as its guard saw it (0: every page arrived); undefined while
 * it runs or when nothing was recorded.
 */
export async function lazyPagesExit(exec: Executor, plan: MigrationPlan): Promise<number | undefined> {
  const r = await exec.run(plan.request.to, ['cat', `${plan.destinationImageDir}/lazy-pages.exit`]);
  const n = Number(r.stdout.trim());
  return r.code === 0 && r.stdout.trim() !== '' && Number.isInteger(n) ? n : undefined;
}

/** Lets the destination's guard drop the userfaultfds it holds (only once the restored copy is gone or complete). */
export async function releaseGuard(exec: Executor, plan: MigrationPlan): Promise<void> {
  await exec.run(plan.request.to, ['touch', `${plan.destinationImageDir}/lazy-pages.release`]);
}

/**
 * Ends the source's lazy `criu dump` as a failed transfer (its page connection destroyed), so that it lets go of
 * the source copy without killing it (it kills it only after a transfer it believes complete); resolves with its
 * exit status, undefined if it did not end.
 */
export async function failSourceDump(exec: Executor, plan: MigrationPlan, timeoutMs = 10_000): Promise<number | undefined> {
  const ps = plan.pageServer;
  const { from } = plan.request;
  const dir = plan.sourceImageDir;
  const r = await exec.run(
    from,
    [
      'sh',
      '-c',
      'f=$1/dump-exit; [ -s "$f" ] && { cat "$f"; exit 0; }; ' +
        // Its page connection, or its listening socket when the destination never connected.
        'ss -K src "$2" sport = ":$3" >/dev/null 2>&1; ss -K state listening src "$2" sport = ":$3" >/dev/null 2>&1; ' +
        'n=$(($4 / 20)); i=0; while [ ! -s "$f" ]; do [ $i -lt $n ] || exit 3; ' +
        'p=$(cat "$1/dump.pid" 2>/dev/null) && kill -0 "$p" 2>/dev/null || { [ -s "$f" ] || exit 4; }; sleep 0.02; i=$((i+1)); done; cat "$f"',
      'ferry-fail-dump',
      dir,
      ps?.address ?? '0.0.0.0',
      String(ps?.port ?? 0),
      String(timeoutMs),
    ],
    { timeoutMs: timeoutMs + 10_000 },
  );
  const n = Number(r.stdout.trim());
  return r.code === 0 && Number.isInteger(n) ? n : undefined;
}

/**
 * Resets `connections` from `host` (`ss -K`: the kernel sends the peer an RST with the socket's own sequence
 * numbers, so the peer accepts it only from the copy whose sequence numbers it knows).
 */
export async function resetConnections(exec: Executor, host: string, connections: Pick<TcpSocket, 'local' | 'remote'>[]): Promise<void> {
  await Promise.all(
    connections.map((c) =>
      exec.run(host, ['ss', '-K', 'src', c.local.address, 'sport', '=', `:${c.local.port}`, 'dst', c.remote.address, 'dport', '=', `:${c.remote.port}`]),
    ),
  );
}

/**
 * Takes a copy's TCP sockets out of the repair mode a failed lazy dump leaves them in (CRIU resumes the tasks
 * but does not unlock their connections); reading their stream positions does that.
 */
export async function leaveRepair(exec: Executor, host: string, pids: number[]): Promise<number> {
  return (await readTcpSeqs(exec, host, pids)).length;
}

/**
 * Reports the lazy window about once a second until stopped: the destination copy's resident memory against the
 * source's (plan.rssKiB), as `lazy-window` events. Returns the stop function (it sends the closing report).
 */
export function followLazyWindow(
  exec: Executor,
  plan: MigrationPlan,
  restoredAt: number,
  emit: (w: { at: number; missingKiB?: number; ended?: 'complete' | 'broken' }) => void,
): (ended: 'complete' | 'broken') => void {
  let stopped = false;
  const page = 4;
  const tick = async () => {
    while (!stopped) {
      const r = await exec.run(plan.request.to, ['cat', `/proc/${plan.request.pid}/statm`], { timeoutMs: 5_000 }).catch(() => undefined);
      if (stopped) return;
      const resident = Number(r?.stdout.trim().split(/\s+/)[1]);
      emit({ at: Date.now(), ...(Number.isFinite(resident) ? { missingKiB: Math.max(0, plan.rssKiB - resident * page) } : {}) });
      await new Promise((res) => setTimeout(res, 1000));
    }
  };
  void tick();
  return (ended) => {
    stopped = true;
    emit({ at: Date.now(), ended });
  };
}
