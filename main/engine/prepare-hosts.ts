// Everything done before the freeze: image folders, the destination's pre-lock and unlock script (the page
// stream is set up by page-stream.ts).
import { FerryError } from '../../app/errors';
import type { MigrationPlan } from '../../app/model/migration';
import { fourTupleKey } from '../../app/model/host';
import { parseSs } from '../../app/parse/ss';
import { SHARED_ROOTS, SYSTEM_TREES } from '../../app/plan/image-base';
import {
  SOURCE_LOCK_FILES,
  closeSourceLockText,
  preLockTableText,
  sourceLockTableName,
  sourceLockTableText,
  unlockActionScript,
  usesSourceLock,
} from '../../app/plan/pre-lock';
import { describeStates, ssTupleFilters } from '../../app/plan/stale-sockets';
import type { Executor } from '../hosts/executor';
import { RUNNING_FN, waitWhileRunningArgv } from '../../app/shell/running';
import { mustRun } from './freeze-context';
import { endPageStream } from './page-stream';

/**
 * Creates one migration's image folder on a host, in one command, refusing (exit 2, the reason on stderr) a base
 * that resolves (symlinks followed) into a system folder, a path through a folder not owned by root or writable
 * by others (a sticky one such as /tmp may be crossed: others cannot rename root's entries in it), or a leaf
 * that already exists; the new leaf is checked to be root's, mode 0700, a real folder. Positional parameters:
 * base, leaf, the system trees, `--`, the shared roots (app/plan/image-base.ts).
 */
export const MAKE_IMAGE_DIR_SCRIPT = [
  'set -u; umask 077; base=$1; leaf=$2; shift 2',
  'fail() { echo "image folder on this host: $*" >&2; exit 2; }',
  'real=$(realpath -m -- "$base") || fail "cannot resolve $base"',
  'trees=1; for r in "$@"; do',
  '  if [ "$r" = -- ]; then trees=0; continue; fi',
  '  if [ $trees = 1 ]; then case "$real/" in "$r"/*) fail "$base resolves to $real, inside $r (a system folder)";; esac',
  '  elif [ "$real" = "$r" ]; then fail "$base resolves to $real, a shared system folder"; fi',
  'done',
  'case "$real/" in /lib*/*) fail "$base resolves to $real, inside a system folder";; esac',
  // Every folder from / down to the base (one stat for all: lines come in order, none for a missing one): a
  // real folder, root's, not writable by others unless sticky, the base not at all. Checked before creating
  // what is missing (nothing is made inside a folder another user controls), then again with all of them.
  'set -- /; p=/; rest=${real#/}',
  'while [ -n "$rest" ]; do c=${rest%%/*}; case $rest in */*) rest=${rest#*/};; *) rest=;; esac; p=${p%/}/$c; set -- "$@" "$p"; done',
  'walk() { stat -c "%u %a %F" -- "$@" 2>/dev/null | { k=0; while read -r uid mode type; do k=$((k+1)); eval "p=\\${$k}"',
  '  [ "$type" = directory ] || fail "$p is a $type, not a folder"',
  '  [ "$uid" = 0 ] || fail "$p belongs to uid $uid, not root: another user could swap what is restored as root"',
  '  w=$((0$mode & 022)); sticky=$((0$mode & 01000))',
  '  if [ "$w" != 0 ] && { [ "$sticky" = 0 ] || [ "$k" = $# ]; }; then fail "$p (mode $mode) is writable by other users"; fi',
  '  done; [ "$need" = some ] || [ "$k" = $# ] || fail "$real is missing"; }; }',
  'need=some; walk "$@" || exit 2',
  'mkdir -p -m 700 -- "$real" || fail "cannot create $real"',
  'need=all; walk "$@" || exit 2',
  'd=$real/$leaf',
  'mkdir -m 700 -- "$d" 2>/dev/null || fail "$d already exists or cannot be created: each migration makes its own"',
  'st=$(stat -c "%u %a %F" -- "$d"); [ "$st" = "0 700 directory" ] || fail "$d is $st (uid, mode, type), not 0 700 directory"',
  'echo "$d"',
].join('\n');

/** The argv that makes `imageDir` on a host (base and leaf split at the last /). */
export function makeImageDirArgv(imageDir: string): string[] {
  const cut = imageDir.lastIndexOf('/');
  const base = cut > 0 ? imageDir.slice(0, cut) : '/';
  return ['sh', '-c', MAKE_IMAGE_DIR_SCRIPT, 'ferry-image-dir', base, imageDir.slice(cut + 1), ...SYSTEM_TREES, '--', ...SHARED_ROOTS];
}

/** Makes one image folder (see MAKE_IMAGE_DIR_SCRIPT); BAD_INPUT naming the host when its folder is refused. */
async function makeImageDir(exec: Executor, host: string, imageDir: string): Promise<void> {
  const r = await exec.run(host, makeImageDirArgv(imageDir));
  if (r.code === 0) return;
  const why = r.stderr.trim().split('\n').pop() || `exit ${r.code}`;
  throw new FerryError({
    code: r.code === 2 ? 'BAD_INPUT' : 'COMMAND_FAILED',
    host,
    message: why,
    hint: 'pass --image-base a folder of its own, owned by root and closed to other users (default /var/lib/ferry/images)',
  });
}

/** Creates both image folders (each new, root's, 0700, on a path no other user can change). */
export async function prepareFolders(exec: Executor, plan: MigrationPlan): Promise<void> {
  const sides = [
    [plan.request.from, plan.sourceImageDir],
    [plan.request.to, plan.destinationImageDir],
  ] as const;
  const made = await Promise.allSettled(sides.map(([host, dir]) => makeImageDir(exec, host, dir)));
  const failed = made.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return;
  // Nothing was frozen: take back the (empty) folder the other side made.
  await Promise.all(sides.map(([host, dir], i) => (made[i]?.status === 'fulfilled' ? exec.run(host, ['rmdir', '--', dir]) : undefined)));
  throw failed.reason;
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

/**
 * Streamed and lazy modes: loads the source lock, gated open (app/plan/pre-lock.ts: it drops nothing yet), and
 * writes its files into the source's image folder, for the freeze script (close it before the dump, delete it when
 * the dump fails) and a rollback's restore (its action script opens it). The table comes on stdin (1,000
 * connections: ~90 KB), the rest as arguments. A migration that ends before its dump deletes it with the other
 * new CRIU tables of the source.
 */
export async function prepareSourceLock(exec: Executor, plan: MigrationPlan): Promise<void> {
  if (!usesSourceLock(plan.transferMode)) return;
  const table = sourceLockTableName(plan.id);
  const f = SOURCE_LOCK_FILES;
  await mustRun(
    exec,
    plan.request.from,
    [
      'sh',
      '-c',
      'umask 077 && nft -f - && printf %s "$7" > "$1/$2" && printf "%s\\n" "$5" > "$1/$3" && printf %s "$6" > "$1/$4" && chmod 700 "$1/$4"',
      'ferry-source-lock',
      plan.sourceImageDir,
      f.lock,
      f.unlock,
      f.actionScript,
      `delete table inet ${table}`,
      unlockActionScript(table),
      closeSourceLockText(table),
    ],
    sourceLockTableText(table, plan.connections),
  );
}

/**
 * Destroys the leftover sockets the plan found on the destination with the connections' four-tuples (`ss -K`,
 * one filter per batch of tuples), then lists what is still there: CRIU cannot restore a connection whose
 * four-tuple the kernel still holds. Returns how many were destroyed.
 */
export async function clearStaleSockets(exec: Executor, plan: MigrationPlan): Promise<number> {
  const stale = plan.staleOnDestination ?? [];
  if (!stale.length) return 0;
  const to = plan.request.to;
  const filters = ssTupleFilters(stale);
  const out = await mustRun(exec, to, [
    'sh',
    '-c',
    'for f in "$@"; do ss -K -tanH state all "$f" >/dev/null || exit 1; done; echo ===; for f in "$@"; do ss -tanH state all "$f"; done',
    'ferry-clear',
    ...filters,
  ]);
  const left = parseSs(out.slice(out.indexOf('===') + 3));
  if (left.length) {
    throw new FerryError({
      code: 'ADDRESS_CONFLICT',
      host: to,
      message: `${to} still holds ${left.length} socket(s) with the four-tuples of connections that move (${describeStates(left)}: ${left.slice(0, 3).map(fourTupleKey).join(', ')}), and ss -K could not destroy them; CRIU could not restore those connections`,
      hint: 'the destination kernel needs CONFIG_INET_DIAG_DESTROY for ss -K; or wait until they time out (FIN-WAIT-1 and LAST-ACK orphans: up to a few minutes) and retry',
    });
  }
  return stale.length;
}

/** Takes the page stream down (page server, relays, guard, keys); fine when it already ended: see page-stream.ts. */
export async function stopPageServer(exec: Executor, plan: MigrationPlan): Promise<void> {
  await endPageStream(exec, plan);
}

/** Removes the pre-lock table (opened by the restore, or still closed when the restore did not reach its unlock); true: it was there. */
export async function unlockDestination(exec: Executor, plan: MigrationPlan): Promise<boolean> {
  const r = await exec.run(plan.request.to, ['nft', 'delete', 'table', 'inet', plan.preLock.table]);
  return r.code === 0;
}

/** Pipe size CRIU needs to serve lazy pages (its page pipes fail with EPERM above fs.pipe-max-size). */
export const LAZY_PIPE_MAX_SIZE = 16 * 1024 * 1024;

/** Raises fs.pipe-max-size to at least `min` on a host; returns the value it had. */
export async function raisePipeMaxSize(exec: Executor, host: string, min = LAZY_PIPE_MAX_SIZE): Promise<number> {
  const out = await mustRun(exec, host, [
    'sh',
    '-c',
    'f=/proc/sys/fs/pipe-max-size; cur=$(cat $f) || exit 1; [ "$cur" -ge "$1" ] || echo "$1" > $f || exit 1; echo "$cur"',
    'ferry-pipe',
    String(min),
  ]);
  return Number(out.trim());
}

/**
 * Lazy mode: waits until the destination's lazy-pages daemon has fetched every page and exited; from then on
 * the restored process no longer depends on the source. Resolves with the time it finished (controller clock).
 */
export async function waitForLazyPages(exec: Executor, plan: MigrationPlan, timeoutMs = 600_000): Promise<number> {
  const r = await exec.run(plan.request.to, waitWhileRunningArgv(`${plan.destinationImageDir}/lazy-pages.pid`), { timeoutMs });
  if (r.code !== 0) throw new FerryError({ code: 'TRANSFER_FAILED', host: plan.request.to, message: `waiting for the lazy pages failed: ${r.stderr.trim()}` });
  return Date.now();
}

/**
 * Lazy mode: the exit status of the source's `criu dump` once it ended (0: every page left and CRIU ended the
 * source copy; anything else: the transfer failed and CRIU resumed the source copy); undefined when it is
 * still running after `timeoutMs`, or gone without a status.
 */
export async function lazyDumpExit(exec: Executor, plan: MigrationPlan, timeoutMs = 30_000): Promise<number | undefined> {
  const r = await exec.run(
    plan.request.from,
    [
      // Exit 3: still running at the deadline; 4: gone without leaving its status (a controller that died long ago).
      'sh',
      '-c',
      `${RUNNING_FN}; f=$1/dump-exit; n=$(($2 / 20)); i=0; ` +
        'while [ ! -s "$f" ]; do [ $i -lt $n ] || exit 3; ' +
        'p=$(cat "$1/dump.pid" 2>/dev/null) && running "$p" || { [ -s "$f" ] || exit 4; }; sleep 0.02; i=$((i+1)); done; cat "$f"',
      'ferry-dump-exit',
      plan.sourceImageDir,
      String(timeoutMs),
    ],
    { timeoutMs: timeoutMs + 10_000 },
  );
  if (r.code === 3 || r.code === 4) return undefined;
  const code = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isInteger(code))
    throw new FerryError({
      code: 'COMMAND_FAILED',
      host: plan.request.from,
      message: `cannot read the lazy dump's exit status: ${r.stderr.trim() || r.stdout.trim()}`,
    });
  return code;
}

/** The error lines of the destination's lazy-pages log (why the transfer failed, in CRIU's words). */
export async function lazyPagesErrors(exec: Executor, plan: MigrationPlan): Promise<string[]> {
  const r = await exec.run(plan.request.to, [
    'sh',
    '-c',
    'grep -E "Error|error" "$1" | tail -n 3',
    'ferry-lazy-log',
    `${plan.destinationImageDir}/lazy-pages.log`,
  ]);
  return r.stdout
    .split('\n')
    .map((l) => l.replace(/^\([0-9.]+\)\s*/, '').trim())
    .filter(Boolean);
}
