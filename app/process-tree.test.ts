import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProcessInfo, ProcessNode } from './model/host';
import { parsePs } from './parse/ps';
import { buildProcessTree, findProcess, subtreePids } from './process-tree';

// Real `ps` capture: kthreadd and its threads, plus test trees whose parent (PID 1) is not in the list.
const list = parsePs(readFileSync(new URL('./parse/fixtures/ps.txt', import.meta.url), 'utf8'));
const p = (pid: number, ppid: number): ProcessInfo => ({ pid, ppid, user: 'root', comm: `p${pid}`, args: `p${pid}`, rssKiB: 1 });
const shape = (n: ProcessNode): unknown => (n.children.length ? { [n.pid]: n.children.map(shape) } : n.pid);

describe('buildProcessTree', () => {
  const roots = buildProcessTree(list);

  it('makes processes whose parent is not listed into roots, sorted by PID', () => {
    expect(roots.map((r) => r.pid)).toEqual([2, 6100, 6589, 6737, 6991, 7020]);
    expect(roots[0]?.children).toHaveLength(58);
  });

  it('nests children under their parents', () => {
    expect(shape(roots.find((r) => r.pid === 6991) as ProcessNode)).toEqual({ 6991: [{ 6993: [6995, 6996] }, 6994] });
    expect(shape(roots.find((r) => r.pid === 6100) as ProcessNode)).toEqual({ 6100: [6143, 6144] });
    expect(roots.find((r) => r.pid === 6589)?.children.map((c) => c.comm)).toEqual([
      'sp ace (x) y',
      'héllo wörld',
      '日本語 x',
      'trail',
      'nl?x?y',
      '-dash',
      '))(( ]]',
      'aaaaaaaaaaaaaaa',
    ]);
  });

  it('does not lose processes caught in a parent cycle (PID reuse during the listing)', () => {
    const t = buildProcessTree([p(10, 1), p(20, 30), p(30, 20), p(40, 30), p(50, 50)]);
    expect(t.map(shape)).toEqual([10, { 20: [{ 30: [40] }] }, 50]);
  });

  it('returns an empty forest for an empty list', () => {
    expect(buildProcessTree([])).toEqual([]);
  });
});

describe('subtreePids', () => {
  it('lists the root first, then descendants breadth-first', () => {
    expect(subtreePids(list, 6991)).toEqual([6991, 6993, 6994, 6995, 6996]);
    expect(subtreePids(list, 6993)).toEqual([6993, 6995, 6996]);
    expect(subtreePids(list, 6100)).toEqual([6100, 6143, 6144]);
    expect(subtreePids(list, 7020)).toEqual([7020]);
  });
  it('is empty for a PID that is not listed, and terminates on cycles', () => {
    expect(subtreePids(list, 1)).toEqual([]);
    expect(subtreePids([p(20, 30), p(30, 20)], 20)).toEqual([20, 30]);
  });
});

describe('findProcess', () => {
  it('finds in a flat list and deep in a tree', () => {
    expect(findProcess(list, 6737)?.args).toBe('my (weird) "argv0" 1000');
    const found = findProcess(buildProcessTree(list), 6996);
    expect(found).toMatchObject({ pid: 6996, ppid: 6993, args: 'sleep 1002', children: [] });
    expect(findProcess(buildProcessTree(list), 999999)).toBeUndefined();
  });
});
