// Which process trees of a host an evacuation considers: every tree owning a connection, or a listener on a
// specific address, that is not loopback. Whether each can move is the preflight's verdict (app/plan/build-plan.ts).
import type { ProcessInfo, TcpSocket } from '../model/host';
import type { EvacuationTree } from '../model/evacuation';
import type { HostSnapshot } from '../model/snapshot';
import { operatorProcesses } from '../process-view/operator-processes';
import { subtreePids } from '../process-tree';
import { isLoopback, isUnspecified, normalizeAddress, socketsOfTree } from '../sockets';

/** States without a connection a peer depends on. */
const NOT_CONNECTED = new Set<TcpSocket['state']>(['LISTEN', 'UNCONN', 'CLOSE', 'TIME-WAIT', 'UNKNOWN']);

/** A socket that ties its tree to one of the host's addresses: a connection, or a listener on a specific address. */
export function pinsAnAddress(s: TcpSocket): boolean {
  const a = normalizeAddress(s.local.address);
  if (isLoopback(a) || isUnspecified(a) || s.owners.length === 0) return false;
  return s.state === 'LISTEN' || !NOT_CONNECTED.has(s.state);
}

/**
 * The root a migration would take for `pid`: its topmost ancestor below the host's init (PID 1), so that the whole
 * service (a supervisor and its workers) moves as one tree.
 */
export function treeRoot(procs: readonly ProcessInfo[], pid: number): number {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  let cur = byPid.get(pid);
  const seen = new Set<number>();
  while (cur && !seen.has(cur.pid)) {
    seen.add(cur.pid);
    const parent = byPid.get(cur.ppid);
    if (!parent || parent.pid <= 1 || parent.pid === cur.pid) return cur.pid;
    cur = parent;
  }
  return cur?.pid ?? pid;
}

/** The host's trees that own address-pinning sockets, sorted by root PID (the probe's own shell left out). */
export function evacuationTrees(snap: HostSnapshot): EvacuationTree[] {
  const procs = operatorProcesses(snap.processes ?? []);
  const known = new Set(procs.map((p) => p.pid));
  const pinning = (snap.sockets ?? []).filter(pinsAnAddress);
  const roots = new Set<number>();
  for (const s of pinning) for (const o of s.owners) if (known.has(o.pid) && o.pid > 1) roots.add(treeRoot(procs, o.pid));
  return [...roots]
    .sort((a, b) => a - b)
    .map((pid) => {
      const root = procs.find((p) => p.pid === pid) as ProcessInfo;
      const treePids = subtreePids(procs, pid);
      const mine = socketsOfTree(pinning, treePids);
      const addresses = [...new Set(mine.map((s) => normalizeAddress(s.local.address)))];
      return {
        pid,
        comm: root.comm,
        args: root.args,
        treePids,
        rssKiB: procs.filter((p) => treePids.includes(p.pid)).reduce((n, p) => n + p.rssKiB, 0),
        connections: mine.filter((s) => s.state !== 'LISTEN').length,
        listeners: mine.filter((s) => s.state === 'LISTEN').length,
        addresses,
      };
    });
}
