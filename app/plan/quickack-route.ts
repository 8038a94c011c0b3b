// Lazy mode's quick-ACK routes. CRIU's lazy-pages daemon connects to the source's page server only when the
// restore hands it the first userfaultfd, and the restored threads' first page faults (their rseq areas) wait for
// that connection's TLS handshake: the handshake is inside the freeze. GnuTLS writes each handshake record with a
// send() of its own on sockets CRIU sets TCP_NODELAY on only afterwards, so Nagle holds a record until the previous
// one is ACKed, and when the peer delays that ACK (40 ms at least on Linux) the handshake stalls: 43–55 ms instead
// of 2–25 ms in a quarter of the lab's runs (tcpdump: a pure ACK after ~42 ms, the held record right after it).
// A host route to the other migration host with `quickack 1` makes each side ACK at once for the migration's
// duration; it carries the same next hop as the route it shadows and a protocol number of Ferry's own, so that
// only Ferry's route is ever deleted.
import { parseIpAddress } from '../ip-address';
import type { MigrationPlan } from '../model/migration';

/** The route protocol (`ip route … proto N`) that marks Ferry's quick-ACK routes; unassigned in rt_protos. */
export const QUICKACK_ROUTE_PROTO = '250';

/** The quick-ACK routes of a plan: lazy mode, each host's route to the other end of the page stream. */
export function quickackRoutes(plan: Pick<MigrationPlan, 'transferMode' | 'pageServer'>): { side: 'source' | 'destination'; peer: string }[] {
  const ps = plan.pageServer;
  if (plan.transferMode !== 'lazy' || !ps) return [];
  return [{ side: 'destination', peer: ps.address }, ...(ps.peer ? [{ side: 'source' as const, peer: ps.peer }] : [])];
}

/** `ip route get PEER` as JSON: the argv that reads the route a host uses to `peer`. */
export function routeGetArgv(peer: string): string[] {
  return ['ip', '-j', ...familyFlag(peer), 'route', 'get', peer];
}

/**
 * The `ip route add` argv of the quick-ACK host route to `peer`, from that host's `ip -j route get PEER` output;
 * undefined when there is nothing to add: not a unicast route of the main table through a device (local,
 * blackhole, policy tables), quick ACKs already on, or output that does not parse.
 */
export function quickackRouteArgv(routeGetJson: string, peer: string): string[] | undefined {
  const a = parseIpAddress(peer);
  if (!a || a.address !== peer) return undefined;
  let r: unknown;
  try {
    r = (JSON.parse(routeGetJson) as unknown[])[0];
  } catch {
    return undefined;
  }
  if (typeof r !== 'object' || r === null) return undefined;
  const route = r as Record<string, unknown>;
  const str = (k: string) => (typeof route[k] === 'string' ? (route[k] as string) : undefined);
  const dev = str('dev');
  if (!dev || (str('type') ?? 'unicast') !== 'unicast' || str('table') !== undefined || dev === 'lo') return undefined;
  const metrics = Array.isArray(route.metrics) ? route.metrics : [];
  if (metrics.some((m) => typeof m === 'object' && m !== null && 'quickack' in m)) return undefined;
  const via = str('gateway');
  const src = str('prefsrc');
  const onlink = Array.isArray(route.flags) && route.flags.includes('onlink');
  return [
    'ip',
    ...familyFlag(peer),
    'route',
    'add',
    `${peer}/${a.family === 6 ? 128 : 32}`,
    ...(via ? ['via', via] : []),
    'dev',
    dev,
    ...(src ? ['src', src] : []),
    ...(onlink ? ['onlink'] : []),
    'quickack',
    '1',
    'proto',
    QUICKACK_ROUTE_PROTO,
  ];
}

/** The argv that deletes Ferry's quick-ACK route to `peer` (and no other route: the protocol must match). */
export function quickackRouteDelArgv(peer: string): string[] {
  const v6 = parseIpAddress(peer)?.family === 6;
  return ['ip', ...familyFlag(peer), 'route', 'del', `${peer}/${v6 ? 128 : 32}`, 'proto', QUICKACK_ROUTE_PROTO];
}

const familyFlag = (peer: string) => (parseIpAddress(peer)?.family === 6 ? ['-6'] : []);
