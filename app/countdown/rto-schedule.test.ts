import { describe, expect, it } from 'vitest';
import { estimateBaseRto, giveUpTimeMs, nextRetransmissionMs, remoteSchedule, retransmissionTimes, retransmissionsBy } from './rto-schedule';
import { countdownAt, formatDuration } from './freeze-countdown';

describe('retransmission schedule', () => {
  it('doubles from a 200 ms base as the kernel notes say (0.2, 0.6, 1.4, 3.0, 6.2 … 204.6 s, then +120 s)', () => {
    const t = retransmissionTimes(200, 400_000);
    expect(t.slice(0, 11)).toEqual([200, 600, 1400, 3000, 6200, 12_600, 25_400, 51_000, 102_200, 204_600, 324_600]);
  });

  it('turns tcp_retries2=15 into 924.6 s from a 200 ms base', () => {
    expect(giveUpTimeMs(15, 200)).toBe(924_600);
    // Below the linear threshold the series is a plain doubling sum.
    expect(giveUpTimeMs(3, 200)).toBe(3000);
    expect(giveUpTimeMs(8, 1000)).toBe(127_000 + 2 * 120_000);
  });

  it('kills a 200 ms connection exactly at the give-up time, a slower one at its next timer after it', () => {
    const fast = remoteSchedule('a', { rtoMs: 200, extra: {} });
    expect(fast.deathMs).toBe(924_600);
    expect(fast.retransmitsMs.at(-1)).toBe(924_600);
    const slow = remoteSchedule('b', { rtoMs: 300, extra: {} });
    expect(slow.giveUpMs).toBe(924_600);
    // 300 ms base: 0.3·(2^9−1)=153.3 s, then 120 s steps: 273.3, … 993.3 s is the first ≥ 924.6.
    expect(slow.deathMs).toBe(993_300);
    expect(slow.retransmitsMs.every((t, i, a) => i === 0 || t > (a[i - 1] as number))).toBe(true);
  });

  it('estimates the base RTO from rto, undoing a backoff, else from rtt, else 1 s', () => {
    expect(estimateBaseRto({ rtoMs: 204, extra: {} })).toEqual({ ms: 204, source: 'rto' });
    expect(estimateBaseRto({ rtoMs: 816, extra: { backoff: '2' } })).toEqual({ ms: 204, source: 'rto' });
    expect(estimateBaseRto({ rtoMs: 50, extra: {} })).toEqual({ ms: 200, source: 'rto' });
    expect(estimateBaseRto({ rttMs: 100, rttVarMs: 50, extra: {} })).toEqual({ ms: 300, source: 'rtt' });
    expect(estimateBaseRto({ extra: {} })).toEqual({ ms: 1000, source: 'initial' });
    expect(estimateBaseRto({ rtoMs: 500_000, extra: {} }).ms).toBe(120_000);
  });

  it('finds the expected resume point and counts retransmissions sent into the silence', () => {
    const s = remoteSchedule('a', { rtoMs: 200, extra: {} });
    expect(nextRetransmissionMs(s, 3500)).toBe(6200);
    expect(nextRetransmissionMs(s, 0)).toBe(200);
    expect(retransmissionsBy(s, 3500)).toBe(4);
    expect(retransmissionsBy(s, 100)).toBe(0);
    expect(nextRetransmissionMs(s, 2_000_000)).toBe(924_600);
  });
});

describe('freeze countdown', () => {
  const s = [remoteSchedule('x', { rtoMs: 200, extra: {} }), remoteSchedule('y', { rtoMs: 1000, extra: {} })];

  it('reports budget left and each peer’s position', () => {
    const c = countdownAt(1500, 60_000, s);
    expect(c.status).toBe('ok');
    expect(c.budgetLeftMs).toBe(58_500);
    expect(c.connections[0]).toMatchObject({ key: 'x', retransmitted: 3, nextAtMs: 3000, dead: false });
    expect(c.connections[1]).toMatchObject({ key: 'y', retransmitted: 1, nextAtMs: 3000 });
    expect(c.firstDeathMs).toBe(924_600);
  });

  it('goes over budget, then lost once a peer gives up', () => {
    expect(countdownAt(61_000, 60_000, s).status).toBe('over-budget');
    const lost = countdownAt(925_000, 60_000, s);
    expect(lost.status).toBe('lost');
    expect(lost.connections[0]?.dead).toBe(true);
    expect(lost.budgetLeftMs).toBe(0);
  });

  it('handles no connections and negative clocks', () => {
    const c = countdownAt(-5, 1000, []);
    expect(c).toMatchObject({ elapsedMs: 0, status: 'ok', connections: [] });
    expect(c.firstDeathMs).toBeUndefined();
  });

  it('formats durations for the operator', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(924_600)).toBe('15 min 25 s');
  });
});
