// Validates an address move before any of its values is written into an `ip -batch` line or an argv.
import { FerryError } from '../errors';
import { interfaceNameProblem } from '../interface-name';
import { parseIpAddress } from '../ip-address';
import type { AddressMove } from '../model/migration';

/** What is wrong with a move's address, prefix length, devices, route destinations or gateways; undefined when nothing. */
export function moveProblem(m: AddressMove, devices: readonly string[] = [m.sourceDevice, m.destinationDevice]): string | undefined {
  const p = parseIpAddress(m.address);
  const family = m.family === 'inet' ? 4 : m.family === 'inet6' ? 6 : 0;
  if (!p || p.family !== family || p.address !== m.address) return `invalid address ${JSON.stringify(m.address)} (${String(m.family)})`;
  if (!Number.isInteger(m.prefixLen) || m.prefixLen < 0 || m.prefixLen > (family === 4 ? 32 : 128)) {
    return `invalid prefix length ${JSON.stringify(m.prefixLen)} of ${m.address}`;
  }
  for (const dev of devices) {
    const why = interfaceNameProblem(dev);
    if (why) return `invalid interface name ${JSON.stringify(dev)} for ${m.address}: ${why}`;
  }
  for (const r of m.routes) {
    if (!routeDestinationOk(r.dst, family)) return `invalid route destination ${JSON.stringify(r.dst)} of ${m.address}`;
    if (r.gateway !== undefined && parseIpAddress(r.gateway)?.address !== r.gateway) return `invalid gateway ${JSON.stringify(r.gateway)} of ${m.address}`;
    const why = interfaceNameProblem(r.dev);
    if (why) return `invalid interface name ${JSON.stringify(r.dev)} of a route of ${m.address}: ${why}`;
  }
  return undefined;
}

/** Throws BAD_INPUT unless every move is well-formed with `device` as the device the command uses. */
export function assertMoves(moves: readonly AddressMove[], device: (m: AddressMove) => string): void {
  for (const m of moves) {
    const why = moveProblem(m, [device(m)]);
    if (why) throw new FerryError({ code: 'BAD_INPUT', message: `refusing to move addresses: ${why}` });
  }
}

/** `default`, an address, or address/prefix of the move's family. */
function routeDestinationOk(dst: unknown, family: number): boolean {
  if (dst === 'default') return true;
  if (typeof dst !== 'string') return false;
  const [addr = '', len, ...rest] = dst.split('/');
  const p = parseIpAddress(addr);
  if (!p || p.family !== family || p.address !== addr || rest.length) return false;
  if (len === undefined) return true;
  return /^(0|[1-9][0-9]{0,2})$/.test(len) && Number(len) <= (family === 4 ? 32 : 128);
}
