// Checks a migration's outcome: every connection ESTABLISHED on the destination, owned by the restored
// tree, and gone from the source.
import type { TcpSocket } from '../model/host';
import { fourTupleKey } from '../model/host';
import type { ConnectionOutcome } from '../model/migration';

/** Compares the connections before the freeze with both hosts' sockets after the restore. */
export function verifyConnections(
  before: TcpSocket[],
  destinationSockets: TcpSocket[],
  restoredPids: number[],
  sourceSockets: TcpSocket[],
): ConnectionOutcome[] {
  const dst = new Map(destinationSockets.map((s) => [fourTupleKey(s), s] as const));
  const src = new Set(sourceSockets.filter((s) => s.state !== 'TIME-WAIT').map(fourTupleKey));
  const pids = new Set(restoredPids);
  return before
    .filter((s) => s.state === 'ESTAB')
    .map((b) => {
      const key = fourTupleKey(b);
      const after = dst.get(key);
      let problem: string | undefined;
      if (!after) problem = 'missing on the destination';
      else if (after.state !== 'ESTAB') problem = `${after.state} on the destination`;
      else if (!after.owners.some((o) => pids.has(o.pid)))
        problem = `not owned by the restored process (owners: ${after.owners.map((o) => o.pid).join(',') || 'none'})`;
      else if (src.has(key)) problem = 'still present on the source';
      return { key, before: b, ...(after ? { after } : {}), ok: problem === undefined, ...(problem ? { problem } : {}) };
    });
}
