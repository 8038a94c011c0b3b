// `ferry ps`'s text: the same rows as the dashboard's process tree, one line per process and one per socket.
import { fourTupleKey, type TcpSocket } from '../model/host';
import type { TreeRow } from './tree-rows';

/** One socket line: four-tuple, state, queues and TCP_INFO figures. */
export function formatSocket(s: TcpSocket): string {
  const f = (v: number | undefined, unit = '') => (v === undefined ? '-' : `${v}${unit}`);
  return `tcp ${fourTupleKey(s).replace('>', ' → ')} ${s.state} q=${s.recvQ}/${s.sendQ} rtt=${f(s.rttMs, 'ms')} rto=${f(s.rtoMs, 'ms')} cwnd=${f(s.cwnd)} retrans=${f(s.retransCurrent)}/${f(s.retransTotal)}`;
}

/** The rows indented by depth, each process followed by its sockets. */
export function treeText(rows: readonly TreeRow[], sockets: ReadonlyMap<number, readonly TcpSocket[]>): string {
  const lines: string[] = [];
  for (const { node: n, depth } of rows) {
    const pad = '  '.repeat(depth);
    lines.push(`${pad}${n.pid} ${n.comm}  [${n.user}, ${Math.round(n.rssKiB / 1024)} MiB]  ${n.args.slice(0, 100)}`);
    for (const s of sockets.get(n.pid) ?? []) lines.push(`${pad}    ${formatSocket(s)}`);
  }
  return lines.join('\n');
}
