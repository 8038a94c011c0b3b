// Which sockets belong to a process tree, and which local addresses must move with it.
import type { TcpSocket } from './model/host';
import { isLoopback, isUnspecified, normalizeAddress, parseIpAddress } from './ip-address';

export { isLoopback, isUnspecified, normalizeAddress, parseIpAddress } from './ip-address';
export type { IpAddress } from './ip-address';

/** Sockets owned (through any fd) by any of the given PIDs. */
export function socketsOfTree(sockets: readonly TcpSocket[], pids: readonly number[]): TcpSocket[] {
  const set = new Set(pids);
  return sockets.filter((s) => s.owners.some((o) => set.has(o.pid)));
}

/** States that have no connection (and so no address the peer depends on). */
const UNCONNECTED = new Set<TcpSocket['state']>(['LISTEN', 'UNCONN', 'CLOSE', 'UNKNOWN']);

/** Options of addressesToMove. */
export interface AddressesToMoveOptions {
  /** Also count listeners bound to one specific address (a restore must bind them there too). */
  includeListeners?: boolean;
}

/**
 * Distinct local addresses of connected sockets (ESTAB, SYN-SENT, FIN-WAIT-*, CLOSE-WAIT, ...) that must move
 * with the process: without loopback, wildcard and management addresses; IPv4-mapped IPv6 reported as IPv4.
 */
export function addressesToMove(sockets: readonly TcpSocket[], managementAddresses: readonly string[], opts: AddressesToMoveOptions = {}): string[] {
  const mgmt = new Set(managementAddresses.map(normalizeAddress));
  const out: string[] = [];
  // Each distinct local address is judged once: 10,000 sockets of a process share a handful.
  const seen = new Set<string>();
  for (const s of sockets) {
    const listener = s.state === 'LISTEN';
    if (UNCONNECTED.has(s.state) && !(listener && opts.includeListeners)) continue;
    if (seen.has(s.local.address)) continue;
    seen.add(s.local.address);
    const a = normalizeAddress(s.local.address);
    if (!parseIpAddress(a) || isLoopback(a) || isUnspecified(a) || mgmt.has(a)) continue;
    if (!out.includes(a)) out.push(a);
  }
  return out;
}
