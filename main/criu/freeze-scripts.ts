// The freeze as two remote scripts joined by one stream: the source dumps, drops the service address and writes the
// (page-less) images to its stdout; the destination reads them on its stdin, takes the address and restores. The
// engine connects the two: straight from host to host (the image stream's relays, app/plan/image-stream.ts) or
// through the controller. No controller round trip sits between these steps; markers on stderr time each one.
import { FREEZE_FAILURE, FREEZE_MARK as M, type FreezeFailure } from '../../app/freeze/freeze-protocol';
import { HOOK_FILES } from '../../app/hooks/address-hook';
import { SOURCE_LOCK_FILES } from '../../app/plan/pre-lock';
import type { Executor, RemoteProcess } from '../hosts/executor';
import { RUNNING_FN } from '../../app/shell/running';
import { CRIU_WORKER_FILES, CRIU_WORKER_FLAG, CRIU_WORKER_LOCK_FAILED } from './criu-swrk';
import { PAGE_STREAM_FILES } from './page-relay';
import { POLL_SHIM_SH } from './uffd-holder';
import { IMAGE_STREAM_WORD, STREAM_FRAME_FUNCTIONS } from './stream-frame';

/**
 * The relays' sockets, pid files, logs and TLS keys stay with their side (tar would warn on the sockets, and copy
 * keys), and so do the source lock's files (the destination has its own unlock script).
 */
const PAGE_STREAM_EXCLUDES = [
  ...Object.values(PAGE_STREAM_FILES),
  ...Object.values(SOURCE_LOCK_FILES),
  ...Object.values(HOOK_FILES),
  ...Object.values(CRIU_WORKER_FILES).flatMap((f) => [f, `${f}.tmp`]),
]
  .map((f) => `--exclude=./${f}`)
  .join(' ');

/**
 * `mark NAME`: the marker with the host's time in ns. Under bash (FreezeSide.bash) from $EPOCHREALTIME, read once
 * (µs, no process); under another sh from `date` (a process, 1–10 ms on a loaded 2-core host, inside the freeze).
 */
const MARK =
  `mark() { if [ -n "\${EPOCHREALTIME:-}" ]; then mk_t=$EPOCHREALTIME; mk_t=\${mk_t%[.,]*}\${mk_t#*[.,]}000; else mk_t=$(date +%s%N); fi; ` +
  `printf '@@FERRY-AT %s %s\\n' "$1" "$mk_t" >&2; }`;
/**
 * `|| { [first;] mark <failure>; exit <code>; }`: how a step of a script fails (app/freeze/freeze-protocol.ts);
 * `first`: what to undo before.
 */
const orFail = (f: FreezeFailure, first?: string) => `|| { ${first ? `${first}; ` : ''}mark ${FREEZE_FAILURE[f].mark}; exit ${FREEZE_FAILURE[f].exit}; }`;
/**
 * Ferry's lock on the connections, just before the dump (these scripts' dumps run with --network-lock skip:
 * app/plan/pre-lock.ts: prepareSourceLock loads the table, gated open, and writes the files before the freeze; the
 * lock file only closes the gate); a failed dump takes it off again.
 */
const LOCK = `nft -f "$dir/${SOURCE_LOCK_FILES.lock}" ${orFail('lock')}; mark ${M.locked}`;
const UNLOCK = `nft -f "$dir/${SOURCE_LOCK_FILES.unlock}"`;
/**
 * The address hook's `move` (app/hooks/address-hook.ts), when `prepare` wrote its wrapper into the image folder: run
 * under its own budget (the wrapper's `timeout -s KILL`), its reply and exit status kept for the controller, which
 * reads them after the freeze. The exit status alone decides here: no controller round trip inside the freeze.
 */
const HOOK = (f: 'hookSource' | 'hookDestination') =>
  `if [ -f "$dir/${HOOK_FILES.move}" ]; then mark ${M.hookStart}; sh "$dir/${HOOK_FILES.move}" >"$dir/${HOOK_FILES.out}" 2>"$dir/${HOOK_FILES.err}"; ` +
  `echo $? >"$dir/${HOOK_FILES.exit}"; [ "$(cat "$dir/${HOOK_FILES.exit}")" = 0 ] ${orFail(f)}; mark ${M.hookDone}; fi`;
/**
 * The pre-started CRIU (main/criu/criu-swrk.ts): when the script's CRIU argv is `--criu-worker CLIENT-ARGV…`, the
 * client starts now, before the freeze, and the script waits (up to ~10 s) until its worker waits; `criu_run`
 * then signals it and waits for CRIU's answer (the client's exit status), or runs the argv as before.
 */
const WORKER = (f: FreezeFailure) =>
  [
    RUNNING_FN,
    'crpc=',
    `if [ "$1" = ${CRIU_WORKER_FLAG} ]; then`,
    `  shift; rm -f "$dir/${CRIU_WORKER_FILES.ready}"; "$@" & crpc=$!; i=0`,
    `  while [ ! -e "$dir/${CRIU_WORKER_FILES.ready}" ]; do running $crpc && [ $i -lt 1000 ] ${orFail(f, 'kill $crpc 2>/dev/null')}; sleep 0.01; i=$((i+1)); done`,
    'fi',
    'criu_run() { if [ -n "$crpc" ]; then kill -USR1 $crpc && wait $crpc; else "$@"; fi; }',
  ].join('\n');

/**
 * The small images to stdout, framed with their byte count (stream-frame.ts): "$@" are tar's arguments.
 * The destination takes them with RECEIVE_IMAGES.
 */
const SEND_IMAGES = `n=$(frame_count "$dir" "$@") && frame_send ${IMAGE_STREAM_WORD} "$n" "$dir" "$@" ${orFail('send')}`;
/** The images from stdin, refused (receive failure, before anything is restored) when the stream was cut short. */
const RECEIVE_IMAGES = `frame_receive 'image stream' ${IMAGE_STREAM_WORD} "$dir" ${orFail('receive')}`;
/**
 * The destination's name for "stop before the restore": the controller creates this file in the destination's
 * image folder to cancel the freeze (or end one past its budget); the script looks for it once the images are in and
 * fails there instead (FREEZE_FAILURE.stopped), leaving the process to the rollback. It looks before the
 * address is added: nothing has been announced from the destination yet.
 */
export const STOP_FILE = 'ferry-stop';
const STOP_POINT = `[ ! -e "$dir/${STOP_FILE}" ] ${orFail('stopped')}`;
/** The source script is started before the freeze and waits for one line on its input: the freeze begins then. */
const ARM = `mark ${M.armed}; read -r go ${orFail('notStarted')}`;

/**
 * Source (started before the freeze; the freeze begins when the controller writes a line to its input):
 * $1 image dir, $2 `ip -batch` lines removing the addresses, $3.. the `criu dump` argv. Streamed mode runs it
 * with fd 3 connected to the page-stream relay (the dump's --ps-socket 3), so nothing connects in the freeze.
 * Fails (FREEZE_FAILURE) with dump (the process keeps running: CRIU resumes it), addressRemove or send.
 */
export const SOURCE_FREEZE_SCRIPT = [
  MARK,
  STREAM_FRAME_FUNCTIONS,
  'dir=$1; batch=$2; shift 2',
  WORKER('dumpWorker'),
  ARM,
  // A pre-started CRIU's client marks the start, and locks in-process on the signal (its exit status says when
  // that failed).
  `[ -n "$crpc" ] || mark ${M.dumpStart}`,
  `if [ -z "$crpc" ]; then ${LOCK}; fi`,
  `criu_run "$@"; rc=$?; [ $rc != ${CRIU_WORKER_LOCK_FAILED} ] || [ -z "$crpc" ] ${orFail('lock')}; [ $rc = 0 ] ${orFail('dump', UNLOCK)}`,
  `mark ${M.dumpDone}`,
  `if [ -n "$batch" ]; then printf %s "$batch" | ip -batch - ${orFail('addressRemove')}; fi`,
  HOOK('hookSource'),
  `mark ${M.addressRemoved}`,
  // The dump argv is no longer needed: the positional parameters become tar's arguments.
  `set -- --exclude=./dump.log ${PAGE_STREAM_EXCLUDES} .`,
  SEND_IMAGES,
  `mark ${M.sent}`,
].join('\n');

/**
 * Destination: $1 image dir, $2 `ip -batch` lines adding the addresses, $3.. the `criu restore` argv.
 * Fails (FREEZE_FAILURE) with receive, addressAdd or restore.
 */
export const DESTINATION_FREEZE_SCRIPT = [
  MARK,
  STREAM_FRAME_FUNCTIONS,
  'dir=$1; batch=$2; shift 2',
  WORKER('restoreWorker'),
  `mark ${M.armed}`,
  RECEIVE_IMAGES,
  `mark ${M.received}`,
  STOP_POINT,
  `if [ -n "$batch" ]; then printf %s "$batch" | ip -batch - ${orFail('addressAdd')}; fi`,
  HOOK('hookDestination'),
  `mark ${M.addressAdded}`,
  `criu_run "$@" ${orFail('restore')}`,
  // A pre-started CRIU's client marked it.
  `[ -n "$crpc" ] || mark ${M.restored}`,
].join('\n');

/** A lazy dump's files in the source's image folder: its PID (while it serves the pages) and, once it ended, its exit status. */
export const LAZY_DUMP_FILES = { pid: 'dump.pid', exit: 'dump-exit' } as const;

/**
 * Source, lazy pages: $1 image dir, $2 `ip -batch` lines, $3 $4 the direct stream's sender (a command line reading
 * stdin, main/criu/direct-stream.ts) and token (empty: none), $5.. the dump: `--criu-worker CLIENT-ARGV…` (a
 * pre-started CRIU, main/criu/criu-swrk.ts: its client locks in-process, and exits 0 once CRIU is ready, leaving a
 * holder that waits for CRIU's end) or the `criu dump --lazy-pages` argv (without --status-fd). CRIU dumps
 * everything but the private memory, says so, and stays to serve those pages: it outlives this script (the CLI
 * dump detached). Either way `dump.pid` names what runs while CRIU serves, and `dump-exit` gets CRIU's exit status:
 * 0 once the last page has left, anything else when it resumed the process. What CRIU could not leave lazy (shared
 * memory: page data in pages-*.img) goes straight to the destination when a direct stream is given, beside the
 * small images.
 */
export const SOURCE_LAZY_FREEZE_SCRIPT = [
  MARK,
  STREAM_FRAME_FUNCTIONS,
  'dir=$1; batch=$2; dsend=$3; dtoken=$4; shift 4',
  WORKER('dumpWorker'),
  `if [ -z "$crpc" ]; then rm -f "$dir/status" && mkfifo "$dir/status" ${orFail('dump')}; fi`,
  ARM,
  'if [ -n "$crpc" ]; then',
  `  criu_run; rc=$?; [ $rc != ${CRIU_WORKER_LOCK_FAILED} ] ${orFail('lock')}; [ $rc = 0 ] ${orFail('dump', UNLOCK)}`,
  'else',
  // The page server's answers leave uncorked (scripts/lazy-pages-poll.c; the pre-started CRIU's client preloads it itself).
  POLL_SHIM_SH,
  '  so=$(poll_shim "$1")',
  `  mark ${M.dumpStart}`,
  `  ${LOCK}`,
  `  (setsid sh -c 'd=$1; so=$2; shift 2; echo $$ >"$d/${LAZY_DUMP_FILES.pid}"; LD_PRELOAD=$so "$@" --status-fd 3 3>"$d/status"; echo $? >"$d/${LAZY_DUMP_FILES.exit}.tmp"; mv "$d/${LAZY_DUMP_FILES.exit}.tmp" "$d/${LAZY_DUMP_FILES.exit}"' ferry-lazy-dump "$dir" "$so" "$@" </dev/null >/dev/null 2>&1 &)`,
  // CRIU writes one byte when everything but the memory is dumped; it closes the FIFO unwritten on failure.
  `  [ "$(head -c1 "$dir/status" | wc -c)" = 1 ] ${orFail('dump', UNLOCK)}`,
  'fi',
  `mark ${M.dumpDone}`,
  `if [ -n "$batch" ]; then printf %s "$batch" | ip -batch - ${orFail('addressRemove')}; fi`,
  HOOK('hookSource'),
  `mark ${M.addressRemoved}`,
  // The dump argv is no longer needed: the positional parameters become tar's exclusions.
  `set -- --exclude=./dump.log --exclude=./status --exclude=./${LAZY_DUMP_FILES.exit}.tmp --exclude=./${LAZY_DUMP_FILES.exit} --exclude=./${LAZY_DUMP_FILES.pid} ${PAGE_STREAM_EXCLUDES}`,
  'if [ -n "$dsend" ]; then',
  '  files=$(cd "$dir" && ls pages-*.img 2>/dev/null)',
  `  dn=$(frame_count "$dir" -T /dev/null $files) ${orFail('send')}`,
  `  printf '@@FERRY-DIRECT %s\\n' "$dn" >&2`,
  // The token, then the byte count the receiver must end up with (stream-frame.ts).
  `  frame_send "$dtoken" "$dn" "$dir" -T /dev/null $files | eval "$dsend" & direct=$!`,
  `  set -- "$@" '--exclude=./pages-*.img'`,
  'fi',
  'set -- "$@" .',
  SEND_IMAGES,
  `if [ -n "$dsend" ]; then wait $direct ${orFail('send')}; fi`,
  `mark ${M.sent}`,
].join('\n');

/**
 * Destination, lazy pages: $1 image dir, $2 `ip -batch` lines, $3 criu, $4 the source's address and $5 port
 * (where the source serves the pages), $6 the lazy-pages guard (python3 source, main/criu/uffd-holder.ts),
 * $7 the tree's PIDs (comma-separated), $8 the folder of this side's TLS files (ca.crt, cert.pem, key.pem; empty:
 * plain TCP), $9 $10 the direct stream's listener (a command line writing to stdout, main/criu/direct-stream.ts)
 * and token (empty: none), $11.. the `criu restore --lazy-pages` argv. The direct stream's listener is up before
 * the freeze; what it receives counts only when it opens with the token, holds the byte count announced after it,
 * and the listener exits 0. The
 * lazy-pages daemon is started before the freeze under the guard and waits for its images; once they are in, the
 * guard hands them over while the address moves, and the restore starts when the daemon listens: it fetches the
 * pages the restored process faults on, then the rest.
 */
export const DESTINATION_LAZY_FREEZE_SCRIPT = [
  MARK,
  STREAM_FRAME_FUNCTIONS,
  'dir=$1; batch=$2; criu=$3; addr=$4; port=$5; guard=$6; pids=$7; tls=$8; dlisten=$9; dtoken=${10}; shift 10',
  'if [ -n "$dlisten" ]; then',
  // Taken: the token matched, tar succeeded and unpacked the byte count the source announced (stream-frame.ts).
  `  { ( eval "exec $dlisten" </dev/null & echo $! >"$dir/direct.pid"; wait $!; echo $? >"$dir/direct.exit" ) | frame_receive 'direct stream' "$dtoken" "$dir"; } & direct=$!`,
  `  trap 'kill $(cat "$dir/direct.pid" 2>/dev/null) 2>/dev/null' EXIT`,
  'fi',
  // The guard starts before the freeze and waits for its go.
  'lp() { python3 -c "$guard" "$dir" "$pids" "$criu" lazy-pages --page-server --address "$addr" --port "$port" ' +
    '--log-file "$dir/lazy-pages.log" -v4 "$@"; }',
  'rm -f "$dir/guard.go" "$dir/guard.ready" && mkfifo "$dir/guard.go" "$dir/guard.ready" && ' +
    `if [ -n "$tls" ]; then lp --tls --tls-cacert "$tls/ca.crt" --tls-cert "$tls/cert.pem" --tls-key "$tls/key.pem"; else lp; fi ${orFail('lazyPages')}`,
  WORKER('restoreWorker'),
  `mark ${M.armed}`,
  RECEIVE_IMAGES,
  `if [ -n "$dlisten" ]; then wait $direct && [ "$(cat "$dir/direct.exit")" = 0 ] ${orFail('direct')}; fi`,
  `mark ${M.received}`,
  // The guard feeds the images to the daemon it started before the freeze; the address moves meanwhile, and the
  // restore waits for the daemon's socket (prepare_lazy_pages_socket() connects to it early in the restore).
  `printf go >"$dir/guard.go" ${orFail('lazyPages')}`,
  STOP_POINT,
  `if [ -n "$batch" ]; then printf %s "$batch" | ip -batch - ${orFail('addressAdd')}; fi`,
  HOOK('hookDestination'),
  `mark ${M.addressAdded}`,
  // The guard writes one byte and closes: read by the shell itself (no process inside the freeze).
  `{ read -r lpok || :; } <"$dir/guard.ready"; [ "$lpok" = 1 ] ${orFail('lazyPages')}`,
  `mark ${M.lazyPagesStarted}`,
  `criu_run "$@" ${orFail('restore')}`,
  // A pre-started CRIU's client marked it.
  `[ -n "$crpc" ] || mark ${M.restored}`,
].join('\n');

/** Lazy mode's direct stream for the scripts: the sender and listener command lines (direct-stream.ts), the token. */
export interface DirectStream {
  send: string;
  listen: string;
  token: string;
}

/** Positional arguments of SOURCE_LAZY_FREEZE_SCRIPT. */
export function sourceLazyArgs(dir: string, batch: string, direct: DirectStream | undefined, dumpArgv: string[]): string[] {
  return [dir, batch, direct?.send ?? '', direct?.token ?? '', ...dumpArgv];
}

/**
 * Positional arguments of DESTINATION_LAZY_FREEZE_SCRIPT; `pages`: where the source serves the lazy pages;
 * `guard`: the lazy-pages guard's python3 source and the tree's PIDs it watches; `tlsDir`: '' for plain TCP.
 */
export function destinationLazyArgs(
  dir: string,
  batch: string,
  criu: string,
  pages: { address: string; port: number },
  guard: { guard: string; pids: readonly number[] },
  tlsDir: string,
  direct: DirectStream | undefined,
  restoreArgv: string[],
): string[] {
  return [
    dir,
    batch,
    criu,
    pages.address,
    String(pages.port),
    guard.guard,
    guard.pids.join(','),
    tlsDir,
    direct?.listen ?? '',
    direct?.token ?? '',
    ...restoreArgv,
  ];
}

export interface FreezeStreams {
  source: RemoteProcess;
  destination: RemoteProcess;
  /** Bytes the controller relayed from the source to the destination (0 when the images go host to host). */
  bytes: () => number;
}

/** The scripts and their leading arguments for one side. */
export interface FreezeSide {
  host: string;
  script: string;
  /** Positional arguments after the script name. */
  args: string[];
  /**
   * A command the script runs under (it execs `sh -c SCRIPT …`): the socket connector (page-relay.ts) giving the
   * source its page-stream socket (fd 3) and image-stream socket (stdout), the destination its image-stream socket (stdin).
   */
  prefix?: string[]; /**
   * Run the script under bash when the host has it (else sh): its markers then take no process (MARK). The scripts
   * are POSIX sh and run the same under either.
   */
  bash?: boolean;
}

/** `sh -c PREFER_BASH ferry-shell SCRIPT NAME ARGS…` runs `bash -c SCRIPT NAME ARGS…` when bash is there, else sh. */
const PREFER_BASH = 'command -v bash >/dev/null 2>&1 && exec bash -c "$@"; exec sh -c "$@"';

/** The argv that runs a side's script under its shell, as `NAME` ($0) with its arguments. */
function sideArgv(side: FreezeSide, name: string): string[] {
  const shell = side.bash ? ['sh', '-c', PREFER_BASH, 'ferry-shell'] : ['sh', '-c'];
  return [...(side.prefix ?? []), ...shell, side.script, name, ...side.args];
}

/**
 * Starts both scripts (the destination first: it waits on its input); the source waits for `go`. `images`:
 * 'controller' pipes the source's stdout into the destination's stdin; 'direct': the prefixes connected them.
 */
export async function startFreeze(exec: Executor, src: FreezeSide, dst: FreezeSide, images: 'controller' | 'direct' = 'controller'): Promise<FreezeStreams> {
  const destination = await exec.spawn(dst.host, sideArgv(dst, 'ferry-restore'));
  const source = await exec.spawn(src.host, sideArgv(src, 'ferry-dump'));
  let bytes = 0;
  if (images === 'controller') {
    source.stdout.on('data', (d: Buffer) => (bytes += d.length));
    source.stdout.pipe(destination.stdin);
  } else {
    source.stdout.resume();
  }
  return { source, destination, bytes: () => bytes };
}

/** Starts the freeze: the source script dumps as soon as this line arrives. */
export function go(streams: FreezeStreams): void {
  streams.source.stdin.write('go\n');
}
