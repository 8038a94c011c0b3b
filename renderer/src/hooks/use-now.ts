// A clock that re-renders its component `hz` times a second while `active`.
import { useEffect, useState } from 'react';

/** Date.now(), refreshed at `hz` while active (and once when it stops). */
export function useNow(hz: number, active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (!active) return undefined;
    const t = setInterval(() => setNow(Date.now()), 1000 / hz);
    return () => clearInterval(t);
  }, [hz, active]);
  return now;
}
