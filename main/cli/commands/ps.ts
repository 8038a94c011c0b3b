// `ferry ps HOST`: the process tree with each process's TCP sockets and their kernel statistics — the same rows,
// search and hidden probe processes as the dashboard's Processes view.
import type { Command } from 'commander';
import { FerryError } from '../../../app/errors';
import type { ProcessNode } from '../../../app/model/host';
import { buildProcessTree, findProcess } from '../../../app/process-tree';
import { operatorProcesses } from '../../../app/process-view/operator-processes';
import { treeText } from '../../../app/process-view/tree-text';
import { socketsByPid, visibleRows } from '../../../app/process-view/tree-rows';
import { createController } from '../../controller/controller';
import { probeHost } from '../../net/host-probe';
import { action, printJson } from '../output';
import { parsePid } from '../args';

/** Registers `ps`. */
export function registerPs(program: Command): void {
  program
    .command('ps')
    .description("process tree of a host with each process's TCP sockets (state, queues, rtt, rto, cwnd, retransmits)")
    .argument('<host>', 'inventory name')
    .option('--pid <pid>', 'only this process and its descendants')
    .option('--search <text>', "only processes matching a name, PID, port or address (and their ancestors), as the dashboard's search")
    .option('--json', 'print as JSON')
    .action(
      action(async (host: string, o: { pid?: string; search?: string; json?: boolean }) => {
        const pid = o.pid === undefined ? undefined : parsePid(o.pid);
        const c = createController();
        c.resolveHost(host);
        try {
          const snap = await probeHost(c.exec, host, { criu: false, processes: true, sockets: 'brief' });
          const sockets = socketsByPid(snap.sockets ?? []);
          let roots = buildProcessTree(operatorProcesses(snap.processes ?? []));
          if (pid !== undefined) {
            const found = findProcess(roots, pid);
            if (!found) throw new FerryError({ code: 'NO_SUCH_PROCESS', host, message: `no process ${pid} on ${host}` });
            roots = [found];
          }
          const rows = visibleRows(roots, new Set(), { query: o.search ?? '', sockets });
          if (o.json) {
            const shown = new Set(rows.map((r) => r.node.pid));
            const attach = (n: ProcessNode): unknown => ({
              ...n,
              sockets: sockets.get(n.pid) ?? [],
              children: n.children.filter((ch) => shown.has(ch.pid)).map(attach),
            });
            printJson({ host, takenAt: snap.takenAt, processes: roots.filter((r) => shown.has(r.pid)).map(attach) });
            return;
          }
          console.log(treeText(rows, sockets));
        } finally {
          await c.close();
        }
      }),
    );
}
