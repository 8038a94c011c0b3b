// Parses `ss -tinpHO` (or `-tinHO`, with or without `-a`): one TCP socket per line with owners and kernel stats.
import type { Endpoint, SocketOwner, TcpSocket, TcpState } from '../model/host';

const STATES: readonly TcpState[] = [
  'ESTAB',
  'SYN-SENT',
  'SYN-RECV',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'TIME-WAIT',
  'CLOSE',
  'CLOSE-WAIT',
  'LAST-ACK',
  'LISTEN',
  'CLOSING',
  'UNCONN',
  'UNKNOWN',
];

const KNOWN_STATES: ReadonlySet<string> = new Set(STATES);

/** Start of a socket line: optional Netid, state, Recv-Q, Send-Q. */
const LINE_START = /^(?:tcp\s+)?([A-Z][A-Z0-9-]*)\s+(\d+)\s+(\d+)\s+/;

/** Bare words ss prints as flags (the first other bare word is the congestion control algorithm). */
const FLAGS = new Set(['ts', 'sack', 'ecn', 'ecnseen', 'fastopen', 'app_limited', 'orphaned', 'tcp-ulp-tls', 'tcp-ulp-mptcp']);

/** -i values above this are u32 wrap-arounds of "never" (seen: `lastsnd:4294962508` on SYN-SENT). */
const MAX_SANE_MS = 0x7fffffff;

/** What parseSs keeps of ss's figures. */
export interface SsParseOptions {
  /**
   * Keep only what the process views show and the rto schedule reads (BRIEF_FIGURES: `rtoMs`, `rttMs`/`rttVarMs`,
   * `cwnd`, `retransCurrent`/`retransTotal`, and `extra.backoff`), not ss's other figures (mss, wscale, last*,
   * bytes, pacing rate, …): the process views' listing of 10,000 sockets parses faster and weighs a fifth.
   */
  brief?: boolean;
}

/** The -i fields a brief parse keeps (the host probe's filter keeps the same: main/net/host-probe.ts). */
export const BRIEF_FIGURES: readonly string[] = ['rto', 'rtt', 'cwnd', 'retrans', 'backoff'];
const BRIEF = new Set(BRIEF_FIGURES);

/** Parses ss output into sockets; header lines and blank lines are skipped. */
export function parseSs(text: string, opts: SsParseOptions = {}): TcpSocket[] {
  const out: TcpSocket[] = [];
  const brief = opts.brief ?? false;
  for (const line of joinContinuations(text)) {
    const s = parseLine(line, brief);
    if (s) out.push(s);
  }
  return out;
}

/** ss prints a process name containing a newline as is; glue such continuation lines back on. */
function joinContinuations(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (LINE_START.test(line) || lines.length === 0) lines.push(line);
    else lines[lines.length - 1] += `\n${line}`;
  }
  return lines;
}

function parseLine(line: string, brief: boolean): TcpSocket | null {
  const m = LINE_START.exec(line);
  if (!m || m[1] === undefined) return null;
  let rest = line.slice(m[0].length);
  const [localText, peerText, after] = takeTwoWords(rest);
  const local = localText ? parseEndpoint(localText) : null;
  const remote = peerText ? parseEndpoint(peerText) : null;
  if (!local || !remote) return null;
  rest = after;

  const extra: Record<string, string> = {};
  const rawState = m[1];
  const state = KNOWN_STATES.has(rawState) ? (rawState as TcpState) : 'UNKNOWN';
  if (state === 'UNKNOWN' && rawState !== 'UNKNOWN') extra.state = rawState;

  let owners: SocketOwner[] = [];
  const users = parseUsers(rest);
  if (users) {
    owners = users.owners;
    rest = rest.slice(users.end);
  }
  const sock: TcpSocket = { state, recvQ: Number(m[2]), sendQ: Number(m[3]), local, remote, owners, extra };
  applyInfo(sock, tokenize(rest), brief);
  return sock;
}

/** Splits off the first two whitespace-separated words. */
function takeTwoWords(s: string): [string | undefined, string | undefined, string] {
  const m = /^\s*(\S+)\s+(\S+)/.exec(s);
  if (!m) return [undefined, undefined, ''];
  return [m[1], m[2], s.slice(m[0].length)];
}

/** Parses `1.2.3.4:80`, `[::1]:80`, `[fe80::1]%eth0:80`, `[fe80::1%eth0]:80`, `*:80`, `0.0.0.0:*`. */
export function parseEndpoint(text: string): Endpoint | null {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const portText = text.slice(colon + 1);
  let host = text.slice(0, colon);
  let port: number;
  if (portText === '*') port = 0;
  else if (/^\d{1,5}$/.test(portText)) port = Number(portText);
  else return null;
  let scope: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return null;
    const after = host.slice(close + 1);
    if (after.startsWith('%')) scope = after.slice(1);
    else if (after !== '') return null;
    host = host.slice(1, close);
  }
  const pct = host.indexOf('%');
  if (pct >= 0) {
    scope = host.slice(pct + 1);
    host = host.slice(0, pct);
  }
  if (host === '') return null;
  const e: Endpoint = { address: host, port };
  if (scope) e.scope = scope;
  return e;
}

/** One owner: `("comm",pid=1,fd=3)`; comm may hold quotes, commas and spaces (ss prints it raw). */
const OWNER = /\("([\s\S]*?)",pid=(\d+),fd=(\d+)(?:,[^()]*)?\)/y;

/** Parses a leading `users:((...),(...))`; returns the owners and where the field ends. */
function parseUsers(s: string): { owners: SocketOwner[]; end: number } | null {
  const start = s.search(/\S/);
  if (start < 0 || !s.startsWith('users:((', start)) return null;
  const owners: SocketOwner[] = [];
  let i = start + 'users:('.length;
  for (;;) {
    OWNER.lastIndex = i;
    const m = OWNER.exec(s);
    if (!m) return null;
    owners.push({ comm: m[1] ?? '', pid: Number(m[2]), fd: Number(m[3]) });
    i = OWNER.lastIndex;
    if (s[i] === ',') i++;
    else if (s[i] === ')') return { owners, end: i + 1 };
    else return null;
  }
}

/** Splits on whitespace outside parentheses, so `bbr:(bw:1bps,mrtt:0.1)` stays one token (slices, no per-character strings). */
function tokenize(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41 && depth > 0) depth--;
    if (depth === 0 && (c === 32 || c === 9 || c === 10 || c === 13)) {
      if (start >= 0) out.push(s.slice(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) out.push(s.slice(start));
  return out;
}

function applyInfo(sock: TcpSocket, tokens: string[], brief: boolean): void {
  const { extra } = sock;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] ?? '';
    const colon = tok.indexOf(':');
    if (colon < 0) {
      // Bare words (flags, the congestion control, `send 1bps`) are all figures a brief parse drops.
      if (brief) continue;
      const next = tokens[i + 1];
      // `send 1234bps`, `pacing_rate 1bps`, `delivery_rate 1bps`: a word followed by a bare value.
      if (next !== undefined && /^[0-9]/.test(next) && !next.includes(':')) {
        extra[tok] = next;
        i++;
      } else if (!FLAGS.has(tok) && extra.congestion === undefined && /^[a-z][a-z0-9_]*$/.test(tok)) {
        extra.congestion = tok;
      } else {
        extra[tok] = 'true';
      }
      continue;
    }
    const key = tok.slice(0, colon);
    if (brief && !BRIEF.has(key)) continue;
    const value = tok.slice(colon + 1);
    if (!applyKnown(sock, key, value)) extra[key] = value;
  }
}

type NumberSlot = 'rtoMs' | 'cwnd' | 'lastSendMs' | 'lastRecvMs' | 'lastAckMs' | 'bytesSent' | 'bytesReceived';

/** -i fields with a single number, and the TcpSocket slot each fills. */
const SCALARS = new Map<string, NumberSlot>([
  ['rto', 'rtoMs'],
  ['cwnd', 'cwnd'],
  ['lastsnd', 'lastSendMs'],
  ['lastrcv', 'lastRecvMs'],
  ['lastack', 'lastAckMs'],
  ['bytes_sent', 'bytesSent'],
  ['bytes_received', 'bytesReceived'],
]);

/** `s[from, to)` as a number when it is digits with at most one inner dot (`204`, `0.036`), else NaN. */
function decimal(s: string, from: number, to: number): number {
  if (from >= to) return NaN;
  let dot = false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (dot || i === from || i === to - 1) return NaN;
      dot = true;
    } else if (c < 48 || c > 57) {
      return NaN;
    }
  }
  return Number(from === 0 && to === s.length ? s : s.slice(from, to));
}

/** Puts a known -i field into its typed slot; false when it is not one of them or not a sane number. */
function applyKnown(sock: TcpSocket, key: string, value: string): boolean {
  if (key === 'rtt' || key === 'retrans') {
    const slash = value.indexOf('/');
    if (slash < 0) return false;
    const a = decimal(value, 0, slash);
    const b = decimal(value, slash + 1, value.length);
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    if (key === 'rtt') {
      sock.rttMs = a;
      sock.rttVarMs = b;
    } else {
      sock.retransCurrent = a;
      sock.retransTotal = b;
    }
    return true;
  }
  const slot = SCALARS.get(key);
  if (!slot) return false;
  const n = decimal(value, 0, value.length);
  if (Number.isNaN(n) || (n > MAX_SANE_MS && slot.startsWith('last'))) return false;
  sock[slot] = n;
  return true;
}
