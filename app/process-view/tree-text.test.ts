import { describe, expect, it } from 'vitest';
import type { ProcessInfo, TcpSocket } from '../model/host';
import { buildProcessTree } from '../process-tree';
import { operatorProcesses, PROBE_ARGV0 } from './operator-processes';
import { formatSocket, treeText } from './tree-text';
import { socketsByPid, visibleRows } from './tree-rows';

const proc = (pid: number, ppid: number, comm: string, args = comm): ProcessInfo => ({ pid, ppid, user: 'root', comm, args, rssKiB: 2048 });
const sock: TcpSocket = {
  state: 'ESTAB',
  recvQ: 0,
  sendQ: 5,
  local: { address: '198.18.0.100', port: 40000 },
  remote: { address: '198.18.0.1', port: 7000 },
  owners: [{ comm: 'node', pid: 20, fd: 20 }],
  extra: {},
  rttMs: 0.25,
  rtoMs: 201,
  cwnd: 10,
};
// What ps printed on a lab host while the probe ran: its shell, the ps it started, and the operator's processes.
const listed = [
  proc(1, 0, 'tini'),
  proc(20, 1, 'node', 'node demo-workload.mjs'),
  proc(21, 20, 'worker'),
  proc(90, 1, 'sh', `sh -c sec() { … } ${PROBE_ARGV0}  0 1 1  -e -o pid=`),
  proc(91, 90, 'ps', 'ps -e -o pid=,ppid= -ww'),
  proc(95, 1, 'sh', 'sh -c sleep 100'),
];

describe('operatorProcesses', () => {
  it('drops the probe shell and its children, nothing else', () => {
    expect(operatorProcesses(listed).map((p) => p.pid)).toEqual([1, 20, 21, 95]);
  });
  it('keeps a shell that only mentions the marker inside a word', () => {
    const list = [proc(5, 1, 'sh', `sh -c echo my-${PROBE_ARGV0}-notes`)];
    expect(operatorProcesses(list)).toEqual(list);
  });
});

describe('treeText', () => {
  const roots = buildProcessTree(operatorProcesses(listed));
  const sockets = socketsByPid([sock]);

  it("indents by depth and lists each process's sockets under it", () => {
    expect(treeText(visibleRows(roots, new Set()), sockets).split('\n')).toEqual([
      '1 tini  [root, 2 MiB]  tini',
      '  20 node  [root, 2 MiB]  node demo-workload.mjs',
      '      tcp 198.18.0.100:40000 → 198.18.0.1:7000 ESTAB q=0/5 rtt=0.25ms rto=201ms cwnd=10 retrans=-/-',
      '    21 worker  [root, 2 MiB]  worker',
      '  95 sh  [root, 2 MiB]  sh -c sleep 100',
    ]);
  });

  it("shows the dashboard's search result: matches with their ancestors", () => {
    const text = treeText(visibleRows(roots, new Set(), { query: '7000', sockets }), sockets);
    expect(text.split('\n').map((l) => l.trim().split(' ')[0])).toEqual(['1', '20', 'tcp', '21']);
  });

  it('formats missing TCP_INFO figures as dashes', () => {
    const { rttMs: _r, rtoMs: _o, cwnd: _c, ...bare } = sock;
    expect(formatSocket(bare)).toBe('tcp 198.18.0.100:40000 → 198.18.0.1:7000 ESTAB q=0/5 rtt=- rto=- cwnd=- retrans=-/-');
  });
});
