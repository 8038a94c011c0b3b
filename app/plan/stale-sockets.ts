// Sockets on the destination that still hold a migrating connection's four-tuple. CRIU restores a connection by
// binding a repaired socket and connecting it to the peer; the kernel refuses that connect with EADDRNOTAVAIL
// (soccr "Can't connect inet socket back: Cannot assign requested address") while any full socket with the same
// four-tuple exists there — an orphan in FIN-WAIT-1, CLOSING or LAST-ACK left by a process that closed its
// connections on the destination just before the address left it (its FIN never acknowledged, it retransmits for
// minutes). A TIME-WAIT with timestamps is reused by the kernel and does not block, but one without does.
import type { TcpSocket } from '../model/host';
import { fourTupleKey } from '../model/host';
import { normalizeAddress, parseIpAddress } from '../ip-address';

/** What the destination holds of the migrating connections' four-tuples. */
export interface TupleClashes {
  /** Ownerless leftovers (orphans, TIME-WAIT): cleared on the destination before the freeze. */
  stale: TcpSocket[];
  /** Sockets a live process on the destination owns: the migration must be refused. */
  owned: TcpSocket[];
}

const key = (s: Pick<TcpSocket, 'local' | 'remote'>) =>
  fourTupleKey({ local: { ...s.local, address: normalizeAddress(s.local.address) }, remote: { ...s.remote, address: normalizeAddress(s.remote.address) } });

/** Destination sockets (any state but LISTEN) with the four-tuple of one of the connections. */
export function tupleClashes(connections: readonly TcpSocket[], destination: readonly TcpSocket[]): TupleClashes {
  const wanted = new Set(connections.map(key));
  const out: TupleClashes = { stale: [], owned: [] };
  for (const s of destination) {
    if (s.state === 'LISTEN' || s.state === 'UNCONN' || !wanted.has(key(s))) continue;
    (s.owners.length ? out.owned : out.stale).push(s);
  }
  return out;
}

/** "41 FIN-WAIT-1, 3 TIME-WAIT": how many leftovers in which state. */
export function describeStates(sockets: readonly TcpSocket[]): string {
  const n = new Map<string, number>();
  for (const s of sockets) n.set(s.state, (n.get(s.state) ?? 0) + 1);
  return [...n].map(([st, c]) => `${c} ${st}`).join(', ');
}

/**
 * `ss` filter expressions matching exactly these four-tuples, at most `perFilter` per expression (the kernel's
 * filter bytecode is bounded). Addresses are re-validated and printed canonical: IPv4-mapped as IPv4 (the
 * kernel's filter matches those against mapped sockets too), IPv6 in brackets.
 */
export function ssTupleFilters(sockets: readonly TcpSocket[], perFilter = 150): string[] {
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const s of sockets) {
    const l = endpoint(s.local.address, s.local.port);
    const r = endpoint(s.remote.address, s.remote.port);
    if (!l || !r) continue;
    const t = `( src ${l} and dst ${r} )`;
    if (!seen.has(t)) terms.push(t);
    seen.add(t);
  }
  const out: string[] = [];
  for (let i = 0; i < terms.length; i += perFilter) out.push(terms.slice(i, i + perFilter).join(' or '));
  return out;
}

function endpoint(address: string, port: number): string | null {
  const p = parseIpAddress(normalizeAddress(address));
  if (!p || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return p.family === 4 ? `${p.address}:${port}` : `[${p.address}]:${port}`;
}
