// Parses the shared mappings of a process tree (`/proc/PID/smaps` headers of shared mappings and their Rss,
// as the host probe prints them under `pid N` lines) into the shared anonymous memory CRIU cannot dump lazily.
// Rss counts only pages mapped in a process's page tables: a process CRIU restored has its shared memory in a
// memfd (`/memfd:/dev/zero (deleted)`) whose pages no process has touched yet, so every smaps field (Rss, Pss,
// Shared_*, Private_*, Swap) reads 0 while the object holds them all. The probe adds `Blocks: N`, the shmem
// object's allocated 512-byte blocks (`stat -L -c %b /proc/PID/map_files/START-END`): what CRIU dumps, since it
// copies the object's data segments (lseek SEEK_DATA/SEEK_HOLE on that file) and skips the never-touched holes.

/** One shared memory object (by device and inode): a MAP_SHARED|MAP_ANONYMOUS region, a memfd, a SysV segment. */
export interface SharedMemory {
  /** `dev:inode` of the shmem object; a mapping shared after fork appears once. */
  id: string;
  name: string;
  sizeKiB: number;
  /** Resident pages (the most any process of the tree has mapped). */
  rssKiB: number;
  /** Pages allocated in the shmem object (its `Blocks:`), when the probe could stat it. */
  shmemKiB?: number;
  pids: number[];
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+)\s+([r-][w-][x-][sp])\s+[0-9a-f]+\s+([0-9a-f]+:[0-9a-f]+)\s+(\d+)\s*(.*)$/;
/** Names the kernel gives anonymous shared memory (shmem objects without a file of their own). */
const ANON_SHARED = /^(?:\/dev\/zero \(deleted\)|\/memfd:.*|\/SYSV[0-9a-f]{8}(?: \(deleted\))?|)$/;

/** Shared anonymous memory objects of the tree, largest first. */
export function parseSharedMemory(text: string): SharedMemory[] {
  const byId = new Map<string, SharedMemory>();
  let pid = 0;
  let current: SharedMemory | undefined;
  for (const line of text.split('\n')) {
    const p = /^pid (\d+)$/.exec(line.trim());
    if (p) {
      pid = Number(p[1]);
      current = undefined;
      continue;
    }
    const h = HEADER.exec(line);
    if (h) {
      current = undefined;
      const [, start = '0', end = '0', perms = '', dev = '', inode = '', rawName = ''] = h;
      const name = rawName.trim();
      if (!perms.endsWith('s') || !ANON_SHARED.test(name)) continue;
      const id = `${dev}:${inode}`;
      current = byId.get(id) ?? { id, name, sizeKiB: 0, rssKiB: 0, pids: [] };
      current.sizeKiB = Math.max(current.sizeKiB, Number((BigInt(`0x${end}`) - BigInt(`0x${start}`)) / 1024n));
      if (pid && !current.pids.includes(pid)) current.pids.push(pid);
      byId.set(id, current);
      continue;
    }
    const r = /^Rss:\s+(\d+) kB/.exec(line);
    if (r && current) current.rssKiB = Math.max(current.rssKiB, Number(r[1]));
    const b = /^Blocks:\s+(\d+)$/.exec(line);
    if (b && current) current.shmemKiB = Math.max(current.shmemKiB ?? 0, Math.floor(Number(b[1]) / 2));
  }
  return [...byId.values()].sort((a, b) => dumpedKiB(b) - dumpedKiB(a));
}

/** What CRIU dumps of one object: its allocated pages (at most its largest mapping), else what is resident. */
export function dumpedKiB(o: SharedMemory): number {
  return Math.max(o.rssKiB, Math.min(o.shmemKiB ?? 0, o.sizeKiB));
}

/** Shared anonymous memory CRIU dumps, in KiB. */
export function sharedMemoryKiB(objects: readonly SharedMemory[]): number {
  return objects.reduce((n, o) => n + dumpedKiB(o), 0);
}
