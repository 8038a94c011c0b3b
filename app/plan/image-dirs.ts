// Where each side keeps a migration's images. Lazy mode's images are small (no private memory; only what cannot
// be lazy, such as shared memory), so they go on /run when it is a tmpfs with room to spare (root's and closed to
// other users, as the image folder check wants; /dev/shm is world-writable and under /dev): writing and
// reading them back (one file per TCP connection, and the shared memory) is then memory-speed work inside the
// freeze instead of disk work. In streamed mode the source's images are small too (the pages go to the
// destination's page server), but a rollback fetches the pages back into them: the source's folder goes on /run
// only with room for the whole memory. The destination's streamed images and staged ones hold the whole memory
// and stay on disk.
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

/**
 * The image folders of a migration: /run (half of it left free) when `preferTmpfs` for lazy mode's folders and
 * streamed mode's source folder, else `imageBase`. `rssKiB`: the tree's memory (what a streamed rollback brings back).
 */
export function imageDirs(
  id: string,
  imageBase: string,
  mode: TransferMode,
  src: HostSnapshot,
  dst: HostSnapshot,
  sharedKiB: number,
  preferTmpfs: boolean,
  rssKiB = 0,
): ImageDirs {
  const need = (mode === 'streamed' ? rssKiB : sharedKiB) + SMALL_IMAGES_KIB;
  const pick = (s: HostSnapshot, ok: boolean) => (preferTmpfs && ok ? s.tmpfs?.find((t) => t.availKiB >= 2 * need)?.path : undefined);
  const [a, b] = [pick(src, mode !== 'staged'), pick(dst, mode === 'lazy')];
  const base = (t: string | undefined) => (t ? `${t}/ferry/images` : imageBase);
  const where = [a ? `${src.host} ${a}` : '', b ? `${dst.host} ${b}` : ''].filter(Boolean);
  return {
    source: `${base(a)}/${id}-dump`,
    destination: `${base(b)}/${id}-restore`,
    ...(where.length
      ? {
          note: `images on tmpfs (${where.join(', ')}): ${mode === 'streamed' ? `the source's without pages, ${Math.round(need / 1024)} MiB at most after a rollback` : `no private memory in them, ${Math.round(need / 1024)} MiB at most`}`,
        }
      : {}),
  };
}
