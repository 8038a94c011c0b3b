// The live countdown of a freeze: elapsed time against the budget and against each peer's schedule.
import { nextRetransmissionMs, retransmissionsBy, type RemoteSchedule } from './rto-schedule';

/** One connection's position in its peer's schedule at a moment of the freeze. */
export interface ConnectionCountdown {
  key: string;
  /** Retransmissions the peer has sent into the silence so far. */
  retransmitted: number;
  /** When the peer's next retransmission is due (ms after the freeze started). */
  nextAtMs: number;
  /** Time left until the peer gives up (tcp_retries2), never negative. */
  giveUpLeftMs: number;
  dead: boolean;
}

/** The whole countdown at one moment. */
export interface CountdownState {
  elapsedMs: number;
  budgetMs: number;
  budgetLeftMs: number;
  overBudget: boolean;
  connections: ConnectionCountdown[];
  /** The connection whose peer gives up first, and when. */
  firstDeathMs?: number;
  /** 'ok' within budget; 'over-budget' past it; 'lost' when some peer has given up. */
  status: 'ok' | 'over-budget' | 'lost';
}

/** Computes the countdown for a freeze that has lasted `elapsedMs`. */
export function countdownAt(elapsedMs: number, budgetMs: number, schedules: readonly RemoteSchedule[]): CountdownState {
  const e = Math.max(0, elapsedMs);
  const connections = schedules.map((s) => ({
    key: s.key,
    retransmitted: retransmissionsBy(s, e),
    nextAtMs: nextRetransmissionMs(s, e),
    giveUpLeftMs: Math.max(0, s.deathMs - e),
    dead: e >= s.deathMs,
  }));
  const firstDeathMs = schedules.length ? Math.min(...schedules.map((s) => s.deathMs)) : undefined;
  const overBudget = e > budgetMs;
  const lost = connections.some((c) => c.dead);
  return {
    elapsedMs: e,
    budgetMs,
    budgetLeftMs: Math.max(0, budgetMs - e),
    overBudget,
    connections,
    ...(firstDeathMs !== undefined ? { firstDeathMs } : {}),
    status: lost ? 'lost' : overBudget ? 'over-budget' : 'ok',
  };
}

/** Human duration: `850 ms`, `1.23 s`, `15 min 25 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const min = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${min} min${s ? ` ${s} s` : ''}`;
}
