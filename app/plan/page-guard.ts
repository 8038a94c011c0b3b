// The page stream's guard: an nft table on the host that listens for the page stream (the destination in
// streamed mode, the source in lazy mode) admitting only the other migration host to that port. Installed before
// the listener starts, deleted when the migration ends.
import { FerryError } from '../errors';
import { assertTableName } from '../interface-name';
import { parseIpAddress } from '../ip-address';

/** The port a lazy migration's page recovery listens on (main/engine/lazy-recovery.ts): the page stream's + 1. */
export function lazyRecoveryPort(pageStreamPort: number): number {
  return pageStreamPort + 1;
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
    throw new FerryError({ code: 'BAD_INPUT', message: `refusing page-stream guard for ${JSON.stringify(listen)} ← ${JSON.stringify(peer)}: two canonical addresses of one family` });
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
