import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isKernelThread, isRunningState, parseProcStatIds, parseProcStatStartTicks, parseProcStatState, parsePs, PS_ARGV } from './ps';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
// PS_ARGV's format (with -p instead of -e) on this machine: kernel threads plus test processes whose comm was set
// with prctl(PR_SET_NAME) to hostile values, `exec -a` argv, a three-level sh tree and a process run as nobody.
const list = parsePs(fixture('ps.txt'));
const byPid = (pid: number) => {
  const p = list.find((x) => x.pid === pid);
  if (!p) throw new Error(`no pid ${pid}`);
  return p;
};
const PSFX_ARGS = '/root/.pyenv/versions/3.11.7/bin/python3 psfx.py arg with  two  spaces new line tab?x ünï €  end';

describe('parsePs', () => {
  it('reads every line', () => {
    expect(list).toHaveLength(78);
    expect(list.every((p) => Number.isInteger(p.pid) && p.pid > 0 && p.user !== '' && p.comm !== '')).toBe(true);
  });

  it('reads a process whose comm has spaces, parentheses, quotes and a comma', () => {
    expect(byPid(6100)).toEqual({
      pid: 6100,
      ppid: 1,
      rssKiB: 14820,
      elapsedSec: 101,
      user: 'root',
      comm: 'srv (a),"b" c',
      args: '/root/.pyenv/versions/3.11.7/bin/python3 ssfx.py',
    });
  });

  it.each([
    [6633, 'sp ace (x) y'],
    [6634, 'héllo wörld'],
    [6635, '日本語 x'], // double-width characters: ps pads by display cells
    [6636, 'trail'], // `trail ` — a trailing space cannot be told from padding
    [6637, 'nl?x?y'], // `nl\nx\ty` — ps shows control characters as `?`
    [6638, '-dash'],
    [6639, '))(( ]]'],
    [6640, 'aaaaaaaaaaaaaaa'], // 15 bytes, the kernel's limit
  ])('pid %i has comm %j and the args of its parent', (pid, comm) => {
    expect(byPid(pid)).toMatchObject({ ppid: 6589, comm, args: PSFX_ARGS, user: 'root' });
  });

  it('keeps args verbatim, including double spaces and `exec -a` names', () => {
    expect(byPid(6589)).toMatchObject({ comm: 'ferry fx (root)', args: PSFX_ARGS });
    expect(byPid(6737)).toMatchObject({ comm: 'sleep', args: 'my (weird) "argv0" 1000' });
    expect(byPid(6991).args).toBe('sh -c sh -c "sleep 1001 & sleep 1002 & wait" & sleep 1003 & wait');
    expect(byPid(7020)).toMatchObject({ user: 'nobody', comm: 'sleep', args: 'sleep 1004' });
  });

  it('reads kernel threads, whose names exceed 15 characters', () => {
    expect(byPid(6)).toMatchObject({ ppid: 2, rssKiB: 0, comm: 'kworker/R-kvfree_rcu_reclaim', args: '[kworker/R-kvfree_rcu_reclaim]' });
    expect(list.filter(isKernelThread)).toHaveLength(59);
    expect(list.filter((p) => !isKernelThread(p)).map((p) => p.pid)).toEqual([
      6100, 6143, 6144, 6589, 6633, 6634, 6635, 6636, 6637, 6638, 6639, 6640, 6737, 6991, 6993, 6994, 6995, 6996, 7020,
    ]);
    expect(isKernelThread(byPid(6100))).toBe(false);
  });

  it('skips lines that do not fit and tolerates CRLF', () => {
    const line = `   12     1   100     5 S ${'www-data'.padEnd(32)} ${'x'.padEnd(64)} -bash -c 'a  b'\r`;
    expect(parsePs(`garbage\n\n${line}\n 13 1 x\n`)).toEqual([
      { pid: 12, ppid: 1, rssKiB: 100, elapsedSec: 5, user: 'www-data', comm: 'x', args: "-bash -c 'a  b'" },
    ]);
  });

  it.skipIf(process.platform !== 'linux')('parses the live output of PS_ARGV, finding this test process', () => {
    const [cmd = '', ...args] = PS_ARGV;
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const live = parsePs(r.stdout);
    // Every line is read except the zombies' (this machine's PID 1 reaps late, so there often are some).
    const lines = r.stdout.trimEnd().split('\n');
    const zombies = lines.filter((l) => /^\s*\d+\s+\d+\s+\d+\s+\d+ [ZXx] /.test(l));
    expect(live.length).toBe(lines.length - zombies.length);
    const me = live.find((p) => p.pid === process.pid);
    expect(me).toMatchObject({ ppid: process.ppid });
    expect(me?.args).toContain(process.argv0.split('/').pop() ?? 'node');
  });
});

describe('zombies', () => {
  // A real zombie (`(sleep 0.1 & exec sleep 3)`: the child exited, its parent never reaps it) and its parent.
  const text = fixture('ps-zombie.txt');

  it('are not listed: they no longer run, though ps still shows their PID', () => {
    expect(text).toMatch(/ Z root .*\[sleep\] <defunct>/);
    expect(parsePs(text).map((p) => p.args)).toEqual(['sleep 3']);
  });

  it('are told from their /proc/PID/stat state', () => {
    expect(parseProcStatState(fixture('proc-pid-stat-zombie.txt'))).toBe('Z');
    expect(parseProcStatState(fixture('proc-pid-stat.txt'))).toBe('S');
    expect(parseProcStatState('garbage')).toBeNull();
    expect(['R', 'S', 'D', 'T', 't', 'I'].every(isRunningState)).toBe(true);
    expect(['Z', 'X', 'x'].some(isRunningState)).toBe(false);
  });
});

describe('parseProcStatStartTicks', () => {
  it('reads field 22 after a comm with parentheses (fixture: /proc/6100/stat)', () => {
    expect(parseProcStatStartTicks(fixture('proc-pid-stat.txt'))).toBe(31132);
  });
  it('handles a comm containing ") " and rejects truncated input', () => {
    expect(parseProcStatStartTicks('7 (a) S 1 (b) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0')).toBe(4242);
    expect(parseProcStatStartTicks('7 (x) S 1 2')).toBeNull();
    expect(parseProcStatStartTicks('')).toBeNull();
  });
});

describe('parseProcStatIds', () => {
  it('reads ppid, process group and session after a comm with parentheses (fixture: /proc/6100/stat)', () => {
    expect(parseProcStatIds(fixture('proc-pid-stat.txt'))).toEqual({ ppid: 1, pgrp: 6090, session: 2985 });
  });
  it('rejects truncated input', () => {
    expect(parseProcStatIds('12 (x) S 1')).toBeNull();
    expect(parseProcStatIds('no parens')).toBeNull();
  });
});
