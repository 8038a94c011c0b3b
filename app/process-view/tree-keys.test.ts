import { describe, expect, it } from 'vitest';
import type { ProcessInfo } from '../model/host';
import { buildProcessTree } from '../process-tree';
import { treeKey } from './tree-keys';
import { visibleRows } from './tree-rows';

const proc = (pid: number, ppid: number): ProcessInfo => ({ pid, ppid, user: 'root', comm: `p${pid}`, args: '', rssKiB: 1 });
// 1 ─ 10 ─ 30
//   └ 20 ─ 21
const roots = buildProcessTree([proc(1, 0), proc(10, 1), proc(20, 1), proc(21, 20), proc(30, 10)]);
const open = visibleRows(roots, new Set());
const pids = open.map((r) => r.node.pid); // [1, 10, 30, 20, 21]
const idx = (pid: number) => pids.indexOf(pid);

describe('treeKey', () => {
  it('moves up and down within the rows, and to the ends', () => {
    expect(treeKey('ArrowDown', open, idx(1), 10)).toEqual({ handled: true, next: idx(10) });
    expect(treeKey('ArrowDown', open, idx(21), 10).next).toBe(idx(21));
    expect(treeKey('ArrowUp', open, 0, 10).next).toBe(0);
    expect(treeKey('End', open, 0, 10).next).toBe(open.length - 1);
    expect(treeKey('Home', open, 3, 10).next).toBe(0);
  });

  it('pages by the rows that fit', () => {
    expect(treeKey('PageDown', open, 0, 2).next).toBe(2);
    expect(treeKey('PageDown', open, 0, 50).next).toBe(open.length - 1);
    expect(treeKey('PageUp', open, 3, 2).next).toBe(1);
  });

  it('Right opens a closed node, else moves down', () => {
    const closed = visibleRows(roots, new Set([20]));
    const i = closed.findIndex((r) => r.node.pid === 20);
    expect(treeKey('ArrowRight', closed, i, 10)).toEqual({ handled: true, next: i, toggle: 20 });
    expect(treeKey('ArrowRight', open, idx(30), 10)).toEqual({ handled: true, next: idx(20) });
  });

  it('Left closes an open node, else goes to the parent', () => {
    expect(treeKey('ArrowLeft', open, idx(20), 10)).toEqual({ handled: true, next: idx(20), toggle: 20 });
    expect(treeKey('ArrowLeft', open, idx(21), 10)).toEqual({ handled: true, next: idx(20) });
    expect(treeKey('ArrowLeft', visibleRows(roots, new Set([1])), 0, 10)).toEqual({ handled: true, next: 0 });
  });

  it('Enter and Space fold a node with children only', () => {
    expect(treeKey('Enter', open, idx(10), 10).toggle).toBe(10);
    expect(treeKey(' ', open, idx(30), 10)).toEqual({ handled: true, next: idx(30) });
  });

  it('leaves other keys to the browser, and copes with no selection or no rows', () => {
    expect(treeKey('a', open, 0, 10).handled).toBe(false);
    expect(treeKey('ArrowDown', open, -1, 10).next).toBe(0);
    expect(treeKey('End', [], -1, 10).next).toBe(0);
  });
});
