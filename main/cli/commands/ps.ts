// `ferry ps HOST`: the process tree with each process's TCP sockets and their kernel statistics.
import type { Command } from 'commander';
import { FerryError } from '../../../app/errors';
import type { ProcessNode, TcpSocket } from '../../../app/model/host';
import { fourTupleKey } from '../../../app/model/host';
import { buildProcessTree } from '../../../app/process-tree';
import { createController } from '../../controller/controller';
import { probeHost } from '../../net/host-probe';
import { action, printJson } from '../output';
import { parsePid } from '../args';

/** Registers `ps`. */
export function registerPs(program: Command): void {
  program
    .command('ps')
    .description('process tree of a host with each process\'s TCP sockets (state, queues, rtt, rto, cwnd, retransmits)')
    .argument('<host>', 'inventory name')
    .option('--pid <pid>', 'only this process and its descendants')
    .option('--json', 'print as JSON')
    .action(
      action(async (host: string, o: { pid?: string; json?: boolean }) => {
        const pid = o.pid === undefined ? undefined : parsePid(o.pid);
        const c = createController();
        c.resolveHost(host);
        try {
          const snap = await probeHost(c.exec, host, { criu: false, processes: true, sockets: true });
          const socketsByPid = new Map<number, TcpSocket[]>();
          for (const s of snap.sockets ?? []) {
            for (const owner of new Set(s.owners.map((x) => x.pid))) {
              const list = socketsByPid.get(owner) ?? [];
              list.push(s);
              socketsByPid.set(owner, list);
            }
          }
          let roots = buildProcessTree(snap.processes ?? []);
          if (pid !== undefined) {
            const found = findNode(roots, pid);
            if (!found) throw new FerryError({ code: 'NO_SUCH_PROCESS', host, message: `no process ${pid} on ${host}` });
            roots = [found];
          }
          if (o.json) {
            const attach = (n: ProcessNode): unknown => ({ ...n, sockets: socketsByPid.get(n.pid) ?? [], children: n.children.map(attach) });
            printJson({ host, takenAt: snap.takenAt, processes: roots.map(attach) });
            return;
          }
          const lines: string[] = [];
          const walk = (n: ProcessNode, depth: number) => {
            const pad = '  '.repeat(depth);
            lines.push(`${pad}${n.pid} ${n.comm}  [${n.user}, ${Math.round(n.rssKiB / 1024)} MiB]  ${n.args.slice(0, 100)}`);
            for (const s of socketsByPid.get(n.pid) ?? []) lines.push(`${pad}    ${formatSocket(s)}`);
            n.children.forEach((ch) => walk(ch, depth + 1));
          };
          roots.forEach((r) => walk(r, 0));
          console.log(lines.join('\n'));
        } finally {
          await c.close();
        }
      }),
    );
}

/** One socket line: four-tuple, state, queues and TCP_INFO figures. */
export function formatSocket(s: TcpSocket): string {
  const f = (v: number | undefined, unit = '') => (v === undefined ? '-' : `${v}${unit}`);
  return `tcp ${fourTupleKey(s).replace('>', ' → ')} ${s.state} q=${s.recvQ}/${s.sendQ} rtt=${f(s.rttMs, 'ms')} rto=${f(s.rtoMs, 'ms')} cwnd=${f(s.cwnd)} retrans=${f(s.retransCurrent)}/${f(s.retransTotal)}`;
}

function findNode(roots: ProcessNode[], pid: number): ProcessNode | undefined {
  const stack = [...roots];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.pid === pid) return n;
    stack.push(...n.children);
  }
  return undefined;
}
