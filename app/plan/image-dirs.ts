// Where each side keeps a migration's images. Lazy mode's images are small (no private memory; only what cannot
// be lazy, such as shared memory), so they go on /run when it is a tmpfs with room to spare (root's and closed to
// other users, as the image folder check wants; /dev/shm is world-writable and under /dev): writing and
// reading them back (one file per TCP connection, and the shared memory) is then memory-speed work inside the
// freeze instead of disk work. In streamed mode the source's images are small too (the pages go to the
// destination's page server), but a rollback fetches the pages back into them: the source's folder goes on /run
// only with room for the whole memory. The destination's streamed images hold the whole memory: they go on /run
// when both its tmpfs and the host's MemAvailable have room for twice that (the images and the restored process
// live side by side until the cleanup removes the images), and not when the operator keeps the images (they would
// hold the memory twice until someone deletes them). Measured in the lab (its root is ext4): unpacking the 1,000
// `tcp-stream` images of a 1,000-connection tree took 2.3–4.2 s on the disk and 50–134 ms on /run, inside the
// freeze. Staged images stay on disk.
import type { TransferMode } from '../model/migration';
import type { HostSnapshot } from '../model/snapshot';

/** Room kept for the small images beyond the shared memory. */
const SMALL_IMAGES_KIB = 64 * 1024;
/** Streamed destination on /run from one connection per this much memory (see above). */
const KIB_PER_CONNECTION = 4 * 1024;

export interface ImageDirs {
  source: string;
  destination: string;
  /** Set when a side's images go to a tmpfs. */
  note?: string;
}

/**
 * The image folders of a migration: /run (half of it left free) when `preferTmpfs` for lazy mode's folders and
 * streamed mode's, else `imageBase`. `rssKiB`: the tree's memory (what a streamed rollback brings back, what the
 * destination's streamed images hold). `keepImages`: the operator keeps them (streamed destination on disk then).
 * `connections`: how many TCP connections the tree has (one image file each on the destination).
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
  keepImages = false,
  connections = 0,
): ImageDirs {
  const need = (mode === 'streamed' ? rssKiB : sharedKiB) + SMALL_IMAGES_KIB;
  const pick = (s: HostSnapshot, ok: boolean) => (preferTmpfs && ok ? s.tmpfs?.find((t) => t.availKiB >= 2 * need)?.path : undefined);
  // The whole memory in the destination's tmpfs beside the restored copy: MemAvailable must hold both.
  const dstStreamed = mode === 'streamed' && !keepImages && (dst.memAvailableKiB ?? 0) >= 2 * need && connections * KIB_PER_CONNECTION >= rssKiB;
  const [a, b] = [pick(src, mode !== 'staged'), pick(dst, mode === 'lazy' || dstStreamed)];
  const base = (t: string | undefined) => (t ? `${t}/ferry/images` : imageBase);
  const where = [a ? `${src.host} ${a}` : '', b ? `${dst.host} ${b}` : ''].filter(Boolean);
  return {
    source: `${base(a)}/${id}-dump`,
    destination: `${base(b)}/${id}-restore`,
    ...(where.length
      ? {
          note: `images on tmpfs (${where.join(', ')}): ${mode === 'streamed' ? streamedNote(Boolean(a), Boolean(b), Math.round(need / 1024)) : `no private memory in them, ${Math.round(need / 1024)} MiB at most`}`,
        }
      : {}),
  };
}

/** What the streamed images on a tmpfs hold, and when they go. */
function streamedNote(source: boolean, destination: boolean, mib: number): string {
  return [
    source ? `the source's without pages, ${mib} MiB at most after a rollback` : '',
    destination ? `the destination's with the pages, ${mib} MiB at most, removed after the restore` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
