// Whether a local process still runs: a zombie (exited, not yet reaped) or a dying process does not.
import { readFileSync } from 'node:fs';
import { parseProcStatStartTicks, parseProcStatState, isRunningState } from '../../app/parse/ps';

/**
 * True when a process with this PID runs on this machine: it exists, is neither a zombie nor dead (`kill(pid, 0)`
 * succeeds for both, and this machine's PID 1 reaps late), and — when `startTicks` is given — it is the same
 * process that started then (not a later one that reused the PID).
 */
export function isAlive(pid: number, startTicks?: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = parseProcStatState(stat);
  if (state === null || !isRunningState(state)) return false;
  return startTicks === undefined || parseProcStatStartTicks(stat) === startTicks;
}

/** Start time of a local process in clock ticks since boot, from /proc (undefined when it is gone). */
export function processStartTicks(pid: number): number | undefined {
  try {
    return parseProcStatStartTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) ?? undefined;
  } catch {
    return undefined;
  }
}
