// Elapsed freeze time on the server's clock, ticking at `hz` while frozen and never moving backwards.
import { useRef } from 'react';
import { useNow } from './use-now';

export interface FreezeWindow {
  startedAt: number;
  endedAt?: number;
  ms?: number;
}

/** ms frozen so far (or the final freeze window once it ended); 0 before the freeze. */
export function useFreezeElapsed(freeze: FreezeWindow | undefined, clockOffsetMs: number, hz = 20): { elapsed: number; frozen: boolean } {
  const frozen = !!freeze && freeze.endedAt === undefined && freeze.ms === undefined;
  const now = useNow(hz, frozen);
  const shown = useRef({ startedAt: 0, ms: 0 });
  if (!freeze) return { elapsed: 0, frozen };
  if (!frozen) return { elapsed: freeze.ms ?? (freeze.endedAt ?? freeze.startedAt) - freeze.startedAt, frozen };
  if (shown.current.startedAt !== freeze.startedAt) shown.current = { startedAt: freeze.startedAt, ms: 0 };
  // A late event can lower the clock-offset estimate: the countdown still only moves forward.
  const elapsed = Math.max(0, shown.current.ms, now + clockOffsetMs - freeze.startedAt);
  shown.current.ms = elapsed;
  return { elapsed, frozen };
}
