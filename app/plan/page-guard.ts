// The page streams' guards: an nft table on each host that listens for a page stream (the destination in
// streamed mode; in lazy mode the source for CRIU's pages and the page recovery, and the destination for the
// direct stream of shared memory) admitting only the other migration host to those ports. Installed before the
// listeners start, deleted when the migration ends.
import { FerryError } from '../errors';
import { assertTableName } from '../interface-name';
import { parseIpAddress } from '../ip-address';
import type { MigrationPlan } from '../model/migration';

/** The port a lazy migration's page recovery listens on (main/engine/lazy-recovery.ts): the page stream's + 1. */
export function lazyRecoveryPort(pageStreamPort: number): number {
  return pageStreamPort + 1;
}

/** One host's guard: on `side`, TCP to `ports` on `listen` only from `peer` (an nft table named `table`). */
export interface PageGuard {
  side: 'source' | 'destination';
  table: string;
  listen: string;
  ports: number[];
  peer: string;
}

/**
 * The guards a plan needs, one per listening host: streamed, the destination's page-stream port; lazy, the
 * source's page-stream and page-recovery ports, and the destination's direct-stream port when shared memory goes
 * straight to it. A listener whose peer address is unknown gets none (the plan warns; TLS still authenticates).
 */
export function pageGuards(plan: Pick<MigrationPlan, 'transferMode' | 'pageServer' | 'directStream'>): PageGuard[] {
  const ps = plan.pageServer;
  if (!ps?.guardTable || plan.transferMode === 'staged') return [];
  const table = ps.guardTable;
  if (plan.transferMode === 'streamed') return ps.peer ? [{ side: 'destination', table, listen: ps.address, ports: [ps.port], peer: ps.peer }] : [];
  const out: PageGuard[] = [];
  if (ps.peer) out.push({ side: 'source', table, listen: ps.address, ports: [ps.port, lazyRecoveryPort(ps.port)], peer: ps.peer });
  const ds = plan.directStream;
  if (ds?.peer) out.push({ side: 'destination', table, listen: ds.address, ports: [ds.port], peer: ds.peer });
  return out;
}

/** Name of a migration's page-stream guard table (family inet). */
export function pageGuardTableName(migrationId: string): string {
  return `ferry-ps-${migrationId.replace(/[^A-Za-z0-9-]/g, '')}`.slice(0, 64);
}

/**
 * `nft -f` text: TCP to `port` on `listen` is accepted from `peer` only and dropped from everywhere else
 * (on any address and family of the host). Priority -10 runs it before the usual filter chains.
 */
export function pageGuardTableText(name: string, listen: string, ports: number | readonly number[], peer: string): string {
  const list = typeof ports === 'number' ? [ports] : [...ports];
  assertTableName(name);
  const l = parseIpAddress(listen);
  const p = parseIpAddress(peer);
  if (!l || l.address !== listen || !p || p.address !== peer || l.family !== p.family) {
    throw new FerryError({
      code: 'BAD_INPUT',
      message: `refusing page-stream guard for ${JSON.stringify(listen)} ← ${JSON.stringify(peer)}: two canonical addresses of one family`,
    });
  }
  if (list.length === 0 || list.some((port) => !Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new FerryError({ code: 'BAD_INPUT', message: `refusing page-stream guard port(s) ${JSON.stringify(ports)}` });
  }
  const port = list.length === 1 ? String(list[0]) : `{ ${list.join(', ')} }`;
  const ip = l.family === 4 ? 'ip' : 'ip6';
  return [
    `table inet ${name} {`,
    '  chain input {',
    '    type filter hook input priority -10; policy accept;',
    `    ${ip} daddr ${listen} tcp dport ${port} ${ip} saddr ${peer} accept`,
    `    tcp dport ${port} drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}
