// Strict IPv4/IPv6 address validation and canonical formatting (the same text `ip` and `ss` print).

/** A validated address in canonical text form. */
export interface IpAddress {
  family: 4 | 6;
  address: string;
}

/** Longest valid literal: `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`. */
const MAX_LENGTH = 45;

/** Parses an IPv4 or IPv6 literal strictly; null for anything else (names, scopes, prefixes, whitespace, options). */
export function parseIpAddress(s: string): IpAddress | null {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_LENGTH) return null;
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return null;
  if (!s.includes(':')) {
    const octets = parseV4(s);
    return octets ? { family: 4, address: octets.join('.') } : null;
  }
  const words = parseV6(s);
  return words ? { family: 6, address: formatV6(words) } : null;
}

function parseV4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    // No leading zeros: `010` means 8 to inet_aton and 10 to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseV6(s: string): number[] | null {
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const hasGap = halves.length === 2;
  const head = halves[0] ? toWords(halves[0].split(':'), !hasGap) : [];
  const tail = hasGap && halves[1] ? toWords(halves[1].split(':'), true) : [];
  if (!head || !tail) return null;
  const n = head.length + tail.length;
  if (hasGap ? n > 7 : n !== 8) return null;
  return [...head, ...new Array<number>(8 - n).fill(0), ...tail];
}

/** Hex groups to 16-bit words; the last group may be a dotted IPv4 address (two words). */
function toWords(parts: string[], ipv4Tail: boolean): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    if (ipv4Tail && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseV4(p);
      if (!v4) return null;
      const [a = 0, b = 0, c = 0, d = 0] = v4;
      out.push((a << 8) | b, (c << 8) | d);
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(p)) return null;
      out.push(parseInt(p, 16));
    }
  }
  return out;
}

/** Formats eight 16-bit words like glibc's inet_ntop: longest zero run (≥ 2) as `::`, IPv4 tail for mapped/compatible. */
function formatV6(w: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  const v4Tail = bestStart === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff));
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(':');
  if (v4Tail) {
    const hi = w[6] ?? 0;
    const lo = w[7] ?? 0;
    const dotted = `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
    return bestLen === 5 ? `::ffff:${dotted}` : `::${dotted}`;
  }
  if (bestStart < 0) return hex(w);
  return `${hex(w.slice(0, bestStart))}::${hex(w.slice(bestStart + bestLen))}`;
}

/** Maps `::ffff:a.b.c.d` to `a.b.c.d`; any other text is returned canonicalized when valid, unchanged otherwise. */
export function normalizeAddress(s: string): string {
  const p = parseIpAddress(s);
  if (!p) return s;
  if (p.family === 6 && /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(p.address)) return p.address.slice(7);
  return p.address;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(s: string): boolean {
  const a = normalizeAddress(s);
  const p = parseIpAddress(a);
  if (!p) return false;
  return p.family === 4 ? a.startsWith('127.') : p.address === '::1';
}

/** True for the wildcard addresses ss and ip print: `0.0.0.0`, `::`, `*`, `::ffff:0.0.0.0`. */
export function isUnspecified(s: string): boolean {
  if (s === '*') return true;
  const a = normalizeAddress(s);
  return a === '0.0.0.0' || a === '::';
}

/** Addresses that occur more than once in `list` once normalized (`198.18.0.100` and `2001:db8::1` forms), in order. */
export function duplicateAddresses(list: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const a of list) {
    const key = parseIpAddress(a)?.address ?? a;
    if (seen.has(key)) twice.add(key);
    seen.add(key);
  }
  return [...twice];
}

/** The first of `candidates` that is an address in the family of `address` (canonical), or undefined. */
export function addressInFamily(address: string, candidates: readonly (string | undefined)[]): string | undefined {
  const fam = parseIpAddress(address)?.family;
  if (fam === undefined) return undefined;
  return candidates.map((c) => (c === undefined ? null : parseIpAddress(c))).find((c) => c && c.family === fam)?.address;
}

/** The address as a 32- or 128-bit number (for prefix comparisons); null when not an address. */
function addressBits(s: string): { family: 4 | 6; bits: bigint } | null {
  const p = parseIpAddress(s);
  if (!p) return null;
  if (p.family === 4) return { family: 4, bits: p.address.split('.').reduce((n, o) => (n << 8n) + BigInt(o), 0n) };
  const words = parseV6(s) ?? [];
  return { family: 6, bits: words.reduce((n, w) => (n << 16n) + BigInt(w), 0n) };
}

/** True when `a` and `b` are of one family and share their first `prefixLen` bits (IPv4 and IPv6). */
export function sameSubnet(a: string, b: string, prefixLen: number): boolean {
  const x = addressBits(a);
  const y = addressBits(b);
  if (!x || !y || x.family !== y.family) return false;
  const width = x.family === 4 ? 32 : 128;
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > width) return false;
  const shift = BigInt(width - prefixLen);
  return x.bits >> shift === y.bits >> shift;
}

/** True for IPv6 link-local addresses (fe80::/10): bound to one link, they never move to another host. */
export function isLinkLocal(s: string): boolean {
  const p = parseIpAddress(s);
  return !!p && p.family === 6 && sameSubnet(p.address, 'fe80::', 10);
}
