// Which machine an inventory entry reaches, so that two names for one host are recognised as one.
import type { FerryErrorInfo } from '../errors';
import { parseIpAddress } from '../ip-address';
import type { HostSpec } from '../model/host';

/**
 * The identity of the host an entry reaches: its resolved HostName (case-folded, a trailing dot dropped, an IP
 * literal in canonical form) and port, plus the route when there is one: behind a ProxyJump or ProxyCommand
 * the same HostName:port can be another machine (another private network, another namespace), so the route is
 * part of which machine it is. Aliases are case-folded by the inventory already (`X` resolves to `x`'s entry).
 */
export function hostIdentity(spec: Pick<HostSpec, 'hostName' | 'port' | 'proxyJump' | 'proxyCommand'>): string {
  const ip = parseIpAddress(spec.hostName);
  const host = ip ? (ip.family === 6 ? `[${ip.address}]` : ip.address) : spec.hostName.toLowerCase().replace(/\.$/, '');
  const base = `${host}:${spec.port}`;
  if (spec.proxyJump) return `${base} via jump ${spec.proxyJump.toLowerCase()}`;
  if (spec.proxyCommand) return `${base} via command ${spec.proxyCommand}`;
  return base;
}

/** BAD_INPUT when source and destination are one host (the same alias in any case, or two names for it). */
export function sameHostProblem(from: HostSpec, to: HostSpec, names: { from: string; to: string }): FerryErrorInfo | undefined {
  const a = hostIdentity(from);
  if (a !== hostIdentity(to)) return undefined;
  const same = names.from.toLowerCase() === names.to.toLowerCase();
  return {
    code: 'BAD_INPUT',
    message: same
      ? `source and destination are the same host (${names.from})`
      : `source and destination are the same host: ${names.from} and ${names.to} both reach ${a}`,
    hint: 'pick another destination',
  };
}
