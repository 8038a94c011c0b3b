import { describe, expect, it } from 'vitest';
import type { ProcessInfo, TcpSocket } from '../model/host';
import { buildProcessTree } from '../process-tree';
import { processMatches, socketsByPid, visibleRows } from './tree-rows';

const proc = (pid: number, ppid: number, comm: string, args = comm): ProcessInfo => ({ pid, ppid, user: 'root', comm, args, rssKiB: 1000 });
const list = [proc(1, 0, 'tini'), proc(10, 1, 'sshd', 'sshd -D'), proc(20, 1, 'node', 'node demo-workload.mjs'), proc(21, 20, 'worker'), proc(30, 10, 'bash')];
const sock: TcpSocket = {
  state: 'ESTAB',
  recvQ: 0,
  sendQ: 0,
  local: { address: '198.18.0.100', port: 40000 },
  remote: { address: '198.18.0.1', port: 7000 },
  owners: [{ comm: 'node', pid: 20, fd: 20 }],
  extra: {},
};

describe('process tree rows', () => {
  const roots = buildProcessTree(list);
  const socks = socketsByPid([sock]);

  it('lists every process when nothing is collapsed, depth-first', () => {
    expect(visibleRows(roots, new Set()).map((r) => [r.node.pid, r.depth])).toEqual([
      [1, 0],
      [10, 1],
      [30, 2],
      [20, 1],
      [21, 2],
    ]);
  });

  it('hides the children of collapsed nodes', () => {
    const rows = visibleRows(roots, new Set([10]));
    expect(rows.map((r) => r.node.pid)).toEqual([1, 10, 20, 21]);
    expect(rows.find((r) => r.node.pid === 10)).toMatchObject({ hasChildren: true, expanded: false });
  });

  it('filters by name, showing the ancestors of matches open even when collapsed', () => {
    const rows = visibleRows(roots, new Set([1]), { query: 'demo-workload', sockets: socks });
    expect(rows.map((r) => [r.node.pid, r.match])).toEqual([
      [1, false],
      [20, true],
      [21, false],
    ]);
  });

  it('finds processes by PID, port and address', () => {
    expect(visibleRows(roots, new Set(), { query: '30' }).map((r) => r.node.pid)).toEqual([1, 10, 30]);
    expect(
      visibleRows(roots, new Set(), { query: '7000', sockets: socks })
        .filter((r) => r.match)
        .map((r) => r.node.pid),
    ).toEqual([20]);
    expect(
      visibleRows(roots, new Set(), { query: '198.18.0.100', sockets: socks })
        .filter((r) => r.match)
        .map((r) => r.node.pid),
    ).toEqual([20]);
    expect(processMatches(proc(5, 1, 'x'), [], 'nothing')).toBe(false);
  });

  it('handles thousands of processes in a deep chain quickly', () => {
    const big: ProcessInfo[] = [proc(1, 0, 'init')];
    for (let i = 2; i <= 5000; i++) big.push(proc(i, i % 50 === 0 ? 1 : i - 1, `p${i}`));
    const r = buildProcessTree(big);
    const t = Date.now();
    expect(visibleRows(r, new Set()).length).toBe(5000);
    expect(visibleRows(r, new Set(), { query: 'p4999' }).some((x) => x.match)).toBe(true);
    expect(Date.now() - t).toBeLessThan(1000);
  });
});
