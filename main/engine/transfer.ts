// Copies a CRIU image directory from one host to another as a tar stream relayed by the controller.
import { FerryError } from '../../app/errors';
import type { Executor } from '../hosts/executor';

export interface TransferResult {
  bytes: number;
  ms: number;
}

/** Streams `tar -c` on the source into `tar -x` on the destination; resolves when both exited 0. */
export async function transferDirectory(
  exec: Executor,
  from: { host: string; dir: string },
  to: { host: string; dir: string },
  onProgress?: (bytes: number) => void,
): Promise<TransferResult> {
  const started = Date.now();
  const [src, dst] = await Promise.all([
    exec.spawn(from.host, ['tar', '-C', from.dir, '-cf', '-', '.']),
    exec.spawn(to.host, ['tar', '-C', to.dir, '-xf', '-']),
  ]);
  let bytes = 0;
  let srcErr = '';
  let dstErr = '';
  src.stderr.on('data', (d: Buffer) => (srcErr += d.toString()));
  dst.stderr.on('data', (d: Buffer) => (dstErr += d.toString()));
  src.stdout.on('data', (d: Buffer) => {
    bytes += d.length;
    onProgress?.(bytes);
  });
  src.stdout.pipe(dst.stdin);
  const [srcCode, dstCode] = await Promise.all([src.exit.catch(() => -1), dst.exit.catch(() => -1)]);
  if (srcCode !== 0 || dstCode !== 0) {
    src.kill();
    dst.kill();
    throw new FerryError({
      code: 'TRANSFER_FAILED',
      message: `image transfer ${from.host}:${from.dir} → ${to.host}:${to.dir} failed (tar exit ${srcCode}/${dstCode}): ${(srcErr + dstErr).trim()}`,
    });
  }
  return { bytes, ms: Date.now() - started };
}
