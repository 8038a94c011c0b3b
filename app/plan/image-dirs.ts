// Where each side keeps a migration's images. Lazy mode's images are small (no private memory; only what cannot
// be lazy, such as shared memory), so they go on /run when it is a tmpfs with room to spare (root's and closed to
// other users, as the image folder check wants; /dev/shm is world-writable and under /dev): writing and
// reading them back (one file per TCP connection, and the shared memory) is then memory-speed work inside the
// freeze instead of disk work. Streamed and staged images hold the whole memory and stay on disk.
import type { TransferMode } from '../model/migration';
import type { HostSnapshot } from '../model/snapshot';

/** Room kept for the small images beyond the shared memory. */
const SMALL_IMAGES_KIB = 64 * 1024;

export interface ImageDirs {
  source: string;
  destination: string;
  /** Set when a side's images go to a tmpfs. */
  note?: string;
}

/** The image folders of a migration: tmpfs (half of it left free) for lazy mode when `preferTmpfs`, else `imageBase`. */
export function imageDirs(id: string, imageBase: string, mode: TransferMode, src: HostSnapshot, dst: HostSnapshot, sharedKiB: number, preferTmpfs: boolean): ImageDirs {
  const need = sharedKiB + SMALL_IMAGES_KIB;
  const pick = (s: HostSnapshot) => (preferTmpfs && mode === 'lazy' ? s.tmpfs?.find((t) => t.availKiB >= 2 * need)?.path : undefined);
  const [a, b] = [pick(src), pick(dst)];
  const base = (t: string | undefined) => (t ? `${t}/ferry/images` : imageBase);
  const where = [a ? `${src.host} ${a}` : '', b ? `${dst.host} ${b}` : ''].filter(Boolean);
  return {
    source: `${base(a)}/${id}-dump`,
    destination: `${base(b)}/${id}-restore`,
    ...(where.length ? { note: `images on tmpfs (${where.join(', ')}): no private memory in them, ${Math.round(need / 1024)} MiB at most` } : {}),
  };
}
