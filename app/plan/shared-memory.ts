// What the plan says about the tree's shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, memfd, SysV): CRIU
// dumps it as shmem images inside the freeze in every mode — even with --lazy-pages, whose laziness covers
// private anonymous memory only — so lazy mode cannot keep it out of the freeze. Lazy mode sends it straight
// from the source to the destination (a direct stream, not the controller: socat, TLS with the page stream's keys,
// behind the destination's page guard) when the source knows an address of the destination.
import type { MigrationPlan, TransferMode } from '../model/migration';
import type { HostSnapshot } from '../model/snapshot';
import { sharedMemoryKiB } from '../parse/smaps';
import { addressInFamily } from '../ip-address';

export interface SharedMemoryInput {
  mode: TransferMode;
  source: HostSnapshot;
  destination: HostSnapshot;
  /** The destination's address the source reaches (for the direct stream). */
  destinationAddress: string | undefined;
  /** The source's addresses, best first: the sender binds to the first in the destination address's family. */
  sourceAddresses: readonly (string | undefined)[];
  port: number;
  token: string;
}

export interface SharedMemoryPlan {
  sharedMemory?: MigrationPlan['sharedMemory'];
  directStream?: MigrationPlan['directStream'];
  warnings: string[];
}

const mib = (kib: number) => `${(kib / 1024).toFixed(kib < 10 * 1024 ? 1 : 0)} MiB`;

/** The plan's statement of the memory that cannot be lazy, its cost, and how it travels. */
export function planSharedMemory(i: SharedMemoryInput): SharedMemoryPlan {
  const objects = i.source.sharedMemory ?? [];
  const kib = sharedMemoryKiB(objects);
  if (!objects.length || kib === 0) return { warnings: [] };
  const what = `${mib(kib)} of shared anonymous memory (${objects.length} object(s): ${[...new Set(objects.map((o) => o.name || 'anonymous'))].slice(0, 3).join(', ')})`;
  if (i.mode === 'streamed') {
    return {
      sharedMemory: {
        kib,
        objects: objects.length,
        lazy: false,
        path: 'page-server',
        note: `${what}: copied inside the freeze straight to the destination's page server, like all memory in this mode`,
      },
      warnings: [],
    };
  }
  if (i.mode === 'staged') {
    return {
      sharedMemory: {
        kib,
        objects: objects.length,
        lazy: false,
        path: 'controller',
        note: `${what}: dumped to disk and copied through the controller inside the freeze, like all memory in this mode`,
      },
      warnings: [],
    };
  }
  const cost = `it cannot be lazy (CRIU dumps shared memory inside the freeze even with lazy pages): the freeze grows by the time the link needs to copy ${mib(kib)}`;
  // socat, which the direct stream runs, is required on every host (the page-stream relay).
  if (i.destinationAddress) {
    const note = `${what}: ${cost}, sent straight from the source to ${i.destinationAddress}:${i.port}, not through the controller`;
    const peer = addressInFamily(i.destinationAddress, i.sourceAddresses);
    return {
      sharedMemory: { kib, objects: objects.length, lazy: false, path: 'direct', note },
      directStream: { address: i.destinationAddress, port: i.port, token: i.token, ...(peer ? { peer } : {}) },
      warnings: [note],
    };
  }
  const note = `${what}: ${cost}, and it goes through the controller: no address of the destination is known for a direct stream; --mode streamed sends it to a page server instead`;
  return { sharedMemory: { kib, objects: objects.length, lazy: false, path: 'controller', note }, warnings: [note] };
}
