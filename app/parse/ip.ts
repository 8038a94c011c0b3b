// Parses `ip -j addr show` and `ip -j route show table all` (iproute2 JSON output).
import { FerryError } from '../errors';
import type { InterfaceAddress } from '../model/host';

/** One route from `ip -j route show table all` (both families: iproute2 dumps IPv4 and IPv6 for `table all`). */
export interface RouteEntry {
  /** `default`, a prefix (`198.18.0.0/24`) or a host address without a length (`127.0.0.1`, `::1`). */
  dst: string;
  family: 'inet' | 'inet6';
  /** Absent for routes without a device (`blackhole`, `unreachable`, `prohibit`). */
  dev?: string;
  gateway?: string;
  prefsrc?: string;
  /** Absent for the main table. */
  table?: string;
  protocol?: string;
  scope?: string;
  /** `unicast` when ip printed none; `local`, `broadcast`, `blackhole`, `unreachable`, `multicast`, ... */
  type: string;
  metric?: number;
  /** Route flags (`onlink`, `linkdown`, ...). */
  flags?: string[];
}

/** Parses `ip -j addr show` into one entry per address. */
export function parseIpAddr(jsonText: string): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const link of parseJsonArray(jsonText, 'ip -j addr show')) {
    // `ip -j addr show up` prints `{}` for each interface its filter drops.
    if (!isObject(link) || typeof link.ifname !== 'string' || !Array.isArray(link.addr_info)) continue;
    for (const a of link.addr_info) {
      if (!isObject(a) || typeof a.local !== 'string' || typeof a.prefixlen !== 'number') continue;
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      const entry: InterfaceAddress = {
        ifname: link.ifname,
        family: a.family,
        address: a.local,
        prefixLen: a.prefixlen,
        scope: typeof a.scope === 'string' ? a.scope : 'global',
      };
      if (typeof a.label === 'string') entry.label = a.label;
      const flags = Object.keys(a).filter((k) => a[k] === true);
      if (flags.length) entry.flags = flags;
      out.push(entry);
    }
  }
  return out;
}

/** Parses `ip -j route show [table all]`, IPv4 and IPv6 alike. */
export function parseIpRoute(jsonText: string): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const r of parseJsonArray(jsonText, 'ip -j route show')) {
    if (!isObject(r) || typeof r.dst !== 'string') continue;
    const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : undefined);
    const gateway = str('gateway');
    const prefsrc = str('prefsrc');
    // Only IPv6 routes carry `pref`; `default` and blackholes have no address to tell by otherwise.
    const v6 = 'pref' in r || [r.dst, gateway, prefsrc].some((x) => x?.includes(':'));
    const e: RouteEntry = { dst: r.dst, family: v6 ? 'inet6' : 'inet', type: str('type') ?? 'unicast' };
    const dev = str('dev');
    if (dev !== undefined) e.dev = dev;
    if (gateway !== undefined) e.gateway = gateway;
    if (prefsrc !== undefined) e.prefsrc = prefsrc;
    const table = str('table');
    if (table !== undefined) e.table = table;
    const protocol = str('protocol');
    if (protocol !== undefined) e.protocol = protocol;
    const scope = str('scope');
    if (scope !== undefined) e.scope = scope;
    if (typeof r.metric === 'number') e.metric = r.metric;
    if (Array.isArray(r.flags) && r.flags.length) e.flags = r.flags.filter((f): f is string => typeof f === 'string');
    out.push(e);
  }
  return out;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses ip's JSON: empty output is an empty list; a truncated dump (ip prints `[` then fails) is an error. */
function parseJsonArray(text: string, what: string): unknown[] {
  const t = text.trim();
  if (t === '') return [];
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    // Some iproute2 versions print one array per family: `[...][...]`.
    try {
      v = JSON.parse(`[${t.replace(/\]\s*\[/g, '],[')}]`);
      if (Array.isArray(v)) v = v.flat();
    } catch {
      throw new FerryError({ code: 'COMMAND_FAILED', message: `${what} printed malformed JSON: ${t.slice(0, 80)}` });
    }
  }
  if (!Array.isArray(v)) throw new FerryError({ code: 'COMMAND_FAILED', message: `${what} did not print a JSON list` });
  return v;
}
