// Calls `fn` every `ms` while `active`, never overlapping (the next call waits for the previous one).
import { useEffect, useRef } from 'react';

/** Polls without piling up requests; stops when inactive or unmounted. */
export function usePoll(fn: () => Promise<unknown>, ms: number, active: boolean): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!active) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await ref.current().catch(() => undefined);
      if (!stopped) timer = setTimeout(tick, ms);
    };
    timer = setTimeout(tick, ms);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [ms, active]);
}
