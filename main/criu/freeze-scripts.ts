// The freeze as two remote scripts joined by one stream through the controller: the source dumps, drops the
// service address and streams the (page-less) images; the destination receives them, takes the address and
// restores. No controller round trip sits between these steps; markers on stderr time each one.
import type { Executor, RemoteProcess } from '../hosts/executor';

const MARK = `mark() { printf '@@FERRY-AT %s %s\\n' "$1" "$(date +%s%N)" >&2; }`;

/**
 * Source: $1 image dir, $2 `ip -batch` lines removing the addresses, $3.. the `criu dump` argv.
 * Exit 10: dump failed (the process keeps running: CRIU resumes it); 11: address removal failed;
 * 12: sending the images failed.
 */
export const SOURCE_FREEZE_SCRIPT = [
  MARK,
  'dir=$1; batch=$2; shift 2',
  'mark dump-start',
  '"$@" || { mark dump-failed; exit 10; }',
  'mark dump-done',
  'if [ -n "$batch" ]; then printf %s "$batch" | ip -batch - || { mark address-remove-failed; exit 11; }; fi',
  'mark address-removed',
  'tar -C "$dir" --exclude=./dump.log -cf - . || { mark send-failed; exit 12; }',
  'mark sent',
].join('\n');

/**
 * Destination: $1 image dir, $2 `ip -batch` lines adding the addresses, $3.. the `criu restore` argv.
 * Exit 20: receiving failed; 21: address add failed; 22: restore failed.
 */
export const DESTINATION_FREEZE_SCRIPT = [
  MARK,
  'dir=$1; batch=$2; shift 2',
  'tar -C "$dir" -xf - || { mark receive-failed; exit 20; }',
  'mark received',
  'if [ -n "$batch" ]; then printf %s "$batch" | ip -batch - || { mark address-add-failed; exit 21; }; fi',
  'mark address-added',
  '"$@" || { mark restore-failed; exit 22; }',
  'mark restored',
].join('\n');

/** What each script's exit status means. */
export const FREEZE_EXIT: Record<number, string> = {
  10: 'criu dump failed',
  11: 'removing the address from the source failed',
  12: 'sending the images failed',
  20: 'receiving the images failed',
  21: 'adding the address on the destination failed',
  22: 'criu restore failed',
};

export interface FreezeStreams {
  source: RemoteProcess;
  destination: RemoteProcess;
  /** Bytes relayed from the source to the destination. */
  bytes: () => number;
}

/** Starts both scripts (the destination first: it waits on its input) and joins them. */
export async function startFreeze(
  exec: Executor,
  src: { host: string; dir: string; batch: string; criu: string[] },
  dst: { host: string; dir: string; batch: string; criu: string[] },
): Promise<FreezeStreams> {
  const destination = await exec.spawn(dst.host, ['sh', '-c', DESTINATION_FREEZE_SCRIPT, 'ferry-restore', dst.dir, dst.batch, ...dst.criu]);
  const source = await exec.spawn(src.host, ['sh', '-c', SOURCE_FREEZE_SCRIPT, 'ferry-dump', src.dir, src.batch, ...src.criu]);
  let bytes = 0;
  source.stdout.on('data', (d: Buffer) => (bytes += d.length));
  source.stdout.pipe(destination.stdin);
  return { source, destination, bytes: () => bytes };
}
