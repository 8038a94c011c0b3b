// The remote peer's retransmission schedule while a connection is frozen (see shared TCP-BUDGET notes).
import type { TcpSocket } from '../model/host';

/** Linux's bounds on the retransmission timeout and its initial value before any RTT sample. */
export const TCP_RTO_MIN_MS = 200;
export const TCP_RTO_MAX_MS = 120_000;
export const TCP_TIMEOUT_INIT_MS = 1_000;
/** Default `net.ipv4.tcp_retries2`. */
export const DEFAULT_TCP_RETRIES2 = 15;

/** Kernel parameters the schedule depends on (defaults are Linux's). */
export interface ScheduleOptions {
  rtoMinMs?: number;
  rtoMaxMs?: number;
  retries2?: number;
}

/** Where a base RTO came from: ss's `rto:`, computed from `rtt:avg/var`, or the initial 1 s. */
export type BaseRtoSource = 'rto' | 'rtt' | 'initial';

/** The peer's expected schedule for one connection; all times in ms after its first unacknowledged send. */
export interface RemoteSchedule {
  key: string;
  baseRtoMs: number;
  baseSource: BaseRtoSource;
  /** Every retransmission up to and including the one at which the peer gives up. */
  retransmitsMs: number[];
  /** tcp_retries2 turned into a time (the kernel's tcp_model_timeout). */
  giveUpMs: number;
  /** The first retransmission timer at or past giveUpMs: when the peer kills the connection. */
  deathMs: number;
}

/**
 * Base RTO for the peer, estimated from our side's measurement: `rto:` without any current backoff,
 * else srtt + 4·rttvar, floored at the minimum and capped at the maximum; 1 s when nothing was measured.
 */
export function estimateBaseRto(
  sock: Pick<TcpSocket, 'rtoMs' | 'rttMs' | 'rttVarMs' | 'extra'>,
  opts: ScheduleOptions = {},
): { ms: number; source: BaseRtoSource } {
  const min = opts.rtoMinMs ?? TCP_RTO_MIN_MS;
  const max = opts.rtoMaxMs ?? TCP_RTO_MAX_MS;
  const clamp = (v: number) => Math.min(max, Math.max(min, Math.round(v)));
  if (sock.rtoMs !== undefined && Number.isFinite(sock.rtoMs) && sock.rtoMs > 0) {
    const backoff = Number(sock.extra?.['backoff'] ?? 0);
    const unscaled = Number.isInteger(backoff) && backoff > 0 && backoff < 31 ? sock.rtoMs / 2 ** backoff : sock.rtoMs;
    return { ms: clamp(unscaled), source: 'rto' };
  }
  if (sock.rttMs !== undefined && Number.isFinite(sock.rttMs)) {
    return { ms: clamp(sock.rttMs + 4 * (sock.rttVarMs ?? sock.rttMs / 2)), source: 'rtt' };
  }
  return { ms: clamp(TCP_TIMEOUT_INIT_MS), source: 'initial' };
}

/**
 * The time `retries2` retransmissions take when modelled from `rtoBaseMs` (the kernel's tcp_model_timeout):
 * doubling until the cap, then linear at the cap. 924 600 ms for 15 retries from 200 ms.
 */
export function giveUpTimeMs(retries2 = DEFAULT_TCP_RETRIES2, rtoBaseMs = TCP_RTO_MIN_MS, rtoMaxMs = TCP_RTO_MAX_MS): number {
  const thresh = Math.floor(Math.log2(rtoMaxMs / rtoBaseMs));
  if (retries2 <= thresh) return (2 ** (retries2 + 1) - 1) * rtoBaseMs;
  return (2 ** (thresh + 1) - 1) * rtoBaseMs + (retries2 - thresh) * rtoMaxMs;
}

/** Retransmission times (cumulative) from a base RTO, doubling up to the cap, until the first one ≥ untilMs. */
export function retransmissionTimes(baseRtoMs: number, untilMs: number, rtoMaxMs = TCP_RTO_MAX_MS): number[] {
  const out: number[] = [];
  let rto = Math.min(baseRtoMs, rtoMaxMs);
  let t = 0;
  // A base of at least 1 ms and the cap bound the loop; 10 000 entries is far past any real give-up.
  while (out.length < 10_000) {
    t += rto;
    out.push(t);
    if (t >= untilMs) break;
    rto = Math.min(rto * 2, rtoMaxMs);
  }
  return out;
}

/**
 * The peer's schedule for one connection. The give-up time is modelled from the minimum RTO (as the kernel does
 * for established sockets), the retransmissions from the connection's own base RTO.
 */
export function remoteSchedule(key: string, sock: Pick<TcpSocket, 'rtoMs' | 'rttMs' | 'rttVarMs' | 'extra'>, opts: ScheduleOptions = {}): RemoteSchedule {
  const base = estimateBaseRto(sock, opts);
  const max = opts.rtoMaxMs ?? TCP_RTO_MAX_MS;
  const giveUpMs = giveUpTimeMs(opts.retries2 ?? DEFAULT_TCP_RETRIES2, opts.rtoMinMs ?? TCP_RTO_MIN_MS, max);
  const retransmitsMs = retransmissionTimes(base.ms, giveUpMs, max);
  return { key, baseRtoMs: base.ms, baseSource: base.source, retransmitsMs, giveUpMs, deathMs: retransmitsMs[retransmitsMs.length - 1] ?? giveUpMs };
}

/** The first scheduled retransmission at or after `elapsedMs`: where the peer's traffic is expected to resume. */
export function nextRetransmissionMs(s: RemoteSchedule, elapsedMs: number): number {
  return s.retransmitsMs.find((t) => t >= elapsedMs) ?? s.deathMs;
}

/** How many retransmissions the peer has sent (into silence) by `elapsedMs`. */
export function retransmissionsBy(s: RemoteSchedule, elapsedMs: number): number {
  let n = 0;
  for (const t of s.retransmitsMs) {
    if (t > elapsedMs) break;
    n++;
  }
  return n;
}
