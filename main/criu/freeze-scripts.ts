// The freeze as two remote scripts joined by one stream through the controller: the source dumps, drops the
// service address and streams the (page-less) images; the destination receives them, takes the address and
// restores. No controller round trip sits between these steps; markers on stderr time each one.
import type { Executor, RemoteProcess } from '../hosts/executor';
import { PAGE_STREAM_FILES } from './page-relay';

/** The relay's socket, pid file, log and TLS keys stay with their side (tar would warn on the socket, and copy keys). */
const PAGE_STREAM_EXCLUDES = Object.values(PAGE_STREAM_FILES).map((f) => `--exclude=./${f}`).join(' ');

const MARK = `mark() { printf '@@FERRY-AT %s %s\\n' "$1" "$(date +%s%N)" >&2; }`;
/** The source script is started before the freeze and waits for one line on its input: the freeze begins then. */
const ARM = 'mark armed; read -r go || { mark not-started; exit 13; }';

/**
 * Source (started before the freeze; the freeze begins when the controller writes a line to its input):
 * $1 image dir, $2 `ip -batch` lines removing the addresses, $3.. the `criu dump` argv. Streamed mode runs it
 * with fd 3 connected to the page-stream relay (the dump's --ps-socket 3), so nothing connects in the freeze.
 * Exit 10: dump failed (the process keeps running: CRIU resumes it); 11: address removal failed;
 * 12: sending the images failed.
 */
export const SOURCE_FREEZE_SCRIPT = [
  MARK,
  'dir=$1; batch=$2; shift 2',
  ARM,
  'mark dump-start',
  '"$@" || { mark dump-failed; exit 10; }',
  'mark dump-done',
  'if [ -n "$batch" ]; then printf %s "$batch" | ip -batch - || { mark address-remove-failed; exit 11; }; fi',
  'mark address-removed',
  `tar -C "$dir" --exclude=./dump.log ${PAGE_STREAM_EXCLUDES} -cf - . || { mark send-failed; exit 12; }`,
  'mark sent',
].join('\n');

/**
 * Destination: $1 image dir, $2 `ip -batch` lines adding the addresses, $3.. the `criu restore` argv.
 * Exit 20: receiving failed; 21: address add failed; 22: restore failed.
 */
export const DESTINATION_FREEZE_SCRIPT = [
  MARK,
  'dir=$1; batch=$2; shift 2',
  'mark armed',
  'tar -C "$dir" -xf - || { mark receive-failed; exit 20; }',
  'mark received',
  'if [ -n "$batch" ]; then printf %s "$batch" | ip -batch - || { mark address-add-failed; exit 21; }; fi',
  'mark address-added',
  '"$@" || { mark restore-failed; exit 22; }',
  'mark restored',
].join('\n');

/**
 * Source, lazy pages: $1 image dir, $2 `ip -batch` lines, $3 $4 the direct stream's sender (a command line reading
 * stdin, main/criu/direct-stream.ts) and token (empty: none), $5.. the `criu dump --lazy-pages` argv (without
 * --status-fd). CRIU dumps everything
 * but the private memory, says so on a FIFO, and stays to serve those pages: it runs detached and outlives this
 * script. What CRIU could not leave lazy (shared memory: page data in pages-*.img) goes straight to the
 * destination when a direct stream is given, beside the small images the controller relays.
 */
export const SOURCE_LAZY_FREEZE_SCRIPT = [
  MARK,
  'dir=$1; batch=$2; dsend=$3; dtoken=$4; shift 4',
  'rm -f "$dir/status" && mkfifo "$dir/status" || { mark dump-failed; exit 10; }',
  ARM,
  'mark dump-start',
  // Its exit status lands in dump-exit: 0 once the last page has left, anything else when it resumed the process.
  `(setsid sh -c 'd=$1; shift; echo $$ >"$d/dump.pid"; "$@" --status-fd 3 3>"$d/status"; echo $? >"$d/dump-exit.tmp"; mv "$d/dump-exit.tmp" "$d/dump-exit"' ferry-lazy-dump "$dir" "$@" </dev/null >/dev/null 2>&1 &)`,
  // CRIU writes one byte when everything but the memory is dumped; it closes the FIFO unwritten on failure.
  '[ "$(head -c1 "$dir/status" | wc -c)" = 1 ] || { mark dump-failed; exit 10; }',
  'mark dump-done',
  'if [ -n "$batch" ]; then printf %s "$batch" | ip -batch - || { mark address-remove-failed; exit 11; }; fi',
  'mark address-removed',
  // The dump argv is no longer needed: the positional parameters become tar's exclusions.
  `set -- --exclude=./dump.log --exclude=./status --exclude=./dump-exit.tmp --exclude=./dump-exit --exclude=./dump.pid ${PAGE_STREAM_EXCLUDES}`,
  'if [ -n "$dsend" ]; then',
  '  files=$(cd "$dir" && ls pages-*.img 2>/dev/null); n=0',
  '  for f in $files; do n=$((n + $(stat -c %s "$dir/$f"))); done',
  `  printf '@@FERRY-DIRECT %s\\n' "$n" >&2`,
  // The token, then the byte count the receiver must end up with (a cut at a tar member boundary reads as a clean end).
  `  { printf '%s %s\\n' "$dtoken" "$n"; tar -C "$dir" -cf - -T /dev/null $files; } | eval "$dsend" & direct=$!`,
  `  set -- "$@" '--exclude=./pages-*.img'`,
  'fi',
  'tar -C "$dir" "$@" -cf - . || { mark send-failed; exit 12; }',
  'if [ -n "$dsend" ]; then wait $direct || { mark send-failed; exit 12; }; fi',
  'mark sent',
].join('\n');

/**
 * Destination, lazy pages: $1 image dir, $2 `ip -batch` lines, $3 criu, $4 the source's address and $5 port
 * (where the source serves the pages), $6 the lazy-pages guard (python3 source, main/criu/uffd-holder.ts),
 * $7 the tree's PIDs (comma-separated), $8 the folder of this side's TLS files (ca.crt, cert.pem, key.pem; empty:
 * plain TCP), $9 $10 the direct stream's listener (a command line writing to stdout, main/criu/direct-stream.ts)
 * and token (empty: none), $11.. the `criu restore --lazy-pages` argv. The direct stream's listener is up before
 * the freeze; what it receives counts only when it opens with the token, holds the byte count announced after it,
 * and the listener exits 0. The
 * lazy-pages daemon is started once the images are in, under the guard: it fetches the pages the restored process
 * faults on, then the rest.
 */
export const DESTINATION_LAZY_FREEZE_SCRIPT = [
  MARK,
  'dir=$1; batch=$2; criu=$3; addr=$4; port=$5; guard=$6; pids=$7; tls=$8; dlisten=$9; dtoken=${10}; shift 10',
  'if [ -n "$dlisten" ]; then',
  // Taken: the token matched, tar succeeded and the page images hold the byte count the source announced.
  '  direct_in() { IFS=" " read -r t want && [ "$t" = "$dtoken" ] && tar -C "$dir" -xf - || return 1; got=0; ' +
    'for f in "$dir"/pages-*.img; do [ ! -e "$f" ] || got=$((got + $(stat -c %s "$f"))); done; [ "$got" = "$want" ]; }',
  '  { ( eval "exec $dlisten" </dev/null & echo $! >"$dir/direct.pid"; wait $!; echo $? >"$dir/direct.exit" ) | direct_in; } & direct=$!',
  `  trap 'kill $(cat "$dir/direct.pid" 2>/dev/null) 2>/dev/null' EXIT`,
  'fi',
  // The guard starts before the freeze and waits for its go.
  'lp() { python3 -c "$guard" "$dir" "$pids" "$criu" lazy-pages --page-server --address "$addr" --port "$port" --images-dir "$dir" ' +
    '--log-file "$dir/lazy-pages.log" -v4 "$@"; }',
  'rm -f "$dir/guard.go" "$dir/guard.ready" && mkfifo "$dir/guard.go" "$dir/guard.ready" && ' +
    'if [ -n "$tls" ]; then lp --tls --tls-cacert "$tls/ca.crt" --tls-cert "$tls/cert.pem" --tls-key "$tls/key.pem"; else lp; fi || { mark lazy-pages-failed; exit 23; }',
  'mark armed',
  'tar -C "$dir" -xf - || { mark receive-failed; exit 20; }',
  'if [ -n "$dlisten" ]; then wait $direct && [ "$(cat "$dir/direct.exit")" = 0 ] || { mark direct-failed; exit 24; }; fi',
  'mark received',
  'printf go >"$dir/guard.go" && [ "$(head -c1 "$dir/guard.ready")" = 1 ] || { mark lazy-pages-failed; exit 23; }',
  'mark lazy-pages-started',
  'if [ -n "$batch" ]; then printf %s "$batch" | ip -batch - || { mark address-add-failed; exit 21; }; fi',
  'mark address-added',
  '"$@" || { mark restore-failed; exit 22; }',
  'mark restored',
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
  dir: string, batch: string, criu: string, pages: { address: string; port: number }, guard: { guard: string; pids: readonly number[] },
  tlsDir: string, direct: DirectStream | undefined, restoreArgv: string[],
): string[] {
  return [dir, batch, criu, pages.address, String(pages.port), guard.guard, guard.pids.join(','), tlsDir, direct?.listen ?? '', direct?.token ?? '', ...restoreArgv];
}

/** What each script's exit status means. */
export const FREEZE_EXIT: Record<number, string> = {
  10: 'criu dump failed',
  11: 'removing the address from the source failed',
  12: 'sending the images failed',
  13: 'the freeze was never started (the controller went away)',
  20: 'receiving the images failed',
  21: 'adding the address on the destination failed',
  22: 'criu restore failed',
  23: 'the lazy-pages daemon did not start on the destination',
  24: 'receiving the memory sent straight from the source failed (direct stream)',
};

export interface FreezeStreams {
  source: RemoteProcess;
  destination: RemoteProcess;
  /** Bytes relayed from the source to the destination. */
  bytes: () => number;
}

/** The scripts and their leading arguments for one side. */
export interface FreezeSide {
  host: string;
  script: string;
  /** Positional arguments after the script name. */
  args: string[];
  /** A command the script runs under (it execs `sh -c SCRIPT …`): the source's page-socket connector. */
  prefix?: string[];
}

/** Starts both scripts (the destination first: it waits on its input); the source waits for `go`. */
export async function startFreeze(exec: Executor, src: FreezeSide, dst: FreezeSide): Promise<FreezeStreams> {
  const destination = await exec.spawn(dst.host, [...(dst.prefix ?? []), 'sh', '-c', dst.script, 'ferry-restore', ...dst.args]);
  const source = await exec.spawn(src.host, [...(src.prefix ?? []), 'sh', '-c', src.script, 'ferry-dump', ...src.args]);
  let bytes = 0;
  source.stdout.on('data', (d: Buffer) => (bytes += d.length));
  source.stdout.pipe(destination.stdin);
  return { source, destination, bytes: () => bytes };
}

/** Starts the freeze: the source script dumps as soon as this line arrives. */
export function go(streams: FreezeStreams): void {
  streams.source.stdin.write('go\n');
}
