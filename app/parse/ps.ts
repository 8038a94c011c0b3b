// The process-list command and its parser: robust to names with spaces, parentheses, quotes and UTF-8.
import type { ProcessInfo } from '../model/host';
import { displayWidth } from './display-width';

const USER_WIDTH = 32;
/** Kernel threads' comm can be long (`kworker/R-kvfree_rcu_reclaim`); user comm is at most 15 bytes. */
const COMM_WIDTH = 64;

/**
 * `ps` for every process, one line each, no header. Numbers come first; `user` (longer names are printed as the
 * numeric uid) and `comm` are fixed-width columns, so comm may contain spaces; `args` is last and may contain
 * anything. The locale is pinned so column widths and non-ASCII text are predictable whatever the SSH session's.
 */
export const PS_ARGV: readonly string[] = [
  'env',
  'LC_ALL=C.UTF-8',
  'ps',
  '-e',
  '-ww',
  '-o',
  `pid=,ppid=,rss=,etimes=,s=,user:${USER_WIDTH}=,comm:${COMM_WIDTH}=,args=`,
];

const NUMBERS = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+) ([A-Za-z]) /;

/**
 * Parses the output of PS_ARGV; lines that do not fit the format are skipped, and so are processes that no longer
 * run (zombies waiting to be reaped, dead ones being torn down): to every caller they are gone.
 */
export function parsePs(text: string): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const line of text.split('\n')) {
    const p = parseLine(line.replace(/\r$/, ''));
    if (p) out.push(p);
  }
  return out;
}

function parseLine(line: string): ProcessInfo | null {
  const m = NUMBERS.exec(line);
  if (!m || !isRunningState(m[5] ?? '')) return null;
  const rest = line.slice(m[0].length);
  const [user, afterUser] = takeColumn(rest, USER_WIDTH);
  const [comm, afterComm] = takeColumn(afterUser, COMM_WIDTH);
  if (!user) return null;
  return {
    pid: Number(m[1]),
    ppid: Number(m[2]),
    rssKiB: Number(m[3]),
    elapsedSec: Number(m[4]),
    user,
    comm,
    args: afterComm,
  };
}

/** Takes a left-aligned column `width` display cells wide plus its one-space separator. */
function takeColumn(s: string, width: number): [string, string] {
  let cells = 0;
  let i = 0;
  for (const ch of s) {
    const w = displayWidth(ch);
    if (cells + w > width) break;
    cells += w;
    i += ch.length;
  }
  const value = s.slice(0, i).replace(/ +$/, '');
  const next = s[i] === ' ' ? i + 1 : i;
  return [value, s.slice(next)];
}

/** Start time in clock ticks since boot (field 22) from `/proc/PID/stat`; null when it does not parse. */
export function parseProcStatStartTicks(stat: string): number | null {
  // comm (field 2) is in parentheses and may itself contain ") ": the fields resume after the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state), so field 22 is fields[19].
  const v = fields[19];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
}

/** True for kernel threads: kthreadd (PID 2, parent 0) and its children, which have no memory and a `[name]` args. */
export function isKernelThread(p: Pick<ProcessInfo, 'pid' | 'ppid' | 'rssKiB' | 'args'>): boolean {
  if (p.pid === 2 && p.ppid === 0) return true;
  return p.ppid === 2 && p.rssKiB === 0 && /^\[.*\]$/.test(p.args);
}

/** The state letter (field 3) from `/proc/PID/stat` (`R`, `S`, `D`, `Z`, …); null when it does not parse. */
export function parseProcStatState(stat: string): string | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const state = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/)[0];
  return state && /^[A-Za-z]$/.test(state) ? state : null;
}

/**
 * Whether a process in this state still runs. `Z` (zombie: exited, waiting for its parent to reap it), `X`/`x`
 * (dead, being torn down) do not, though their PID still answers `kill -0` and `ps`.
 */
export function isRunningState(state: string): boolean {
  return !/^[ZXx]/.test(state);
}

/** Parent, process group and session (fields 4, 5, 6) from `/proc/PID/stat`; null when it does not parse. */
export function parseProcStatIds(stat: string): { ppid: number; pgrp: number; session: number } | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const [, ppid, pgrp, session] = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  if (![ppid, pgrp, session].every((v) => v !== undefined && /^\d+$/.test(v))) return null;
  return { ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session) };
}
