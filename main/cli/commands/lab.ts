// `ferry lab up|status|exec|down`: the local lab of network-namespace hosts.
import type { Command } from 'commander';
import { labDown, labExec, labStatus, labUp } from '../../lab/lab';
import { FerryError } from '../../../app/errors';
import { summarizeWitness } from '../../../app/model/witness';
import { parsePid } from '../args';
import { action, printJson, table } from '../output';

/** Registers the lab commands. */
export function registerLab(program: Command): void {
  const lab = program.command('lab').description('the local lab: namespace hosts lab-a, lab-b and a peer with a witness');

  lab
    .command('up')
    .description('create the lab (removing a stale one), start sshd on each host, the witness and the demo workload')
    .option('--connections <n>', 'demo workload connections (0 for none)', '4')
    .option('--json', 'print the lab state as JSON')
    .action(
      action(async (o: { connections: string; json?: boolean }) => {
        const n = Number(o.connections);
        if (!Number.isInteger(n) || n < 0 || n > 1000) throw badInput(`--connections must be 0..1000, got "${o.connections}"`);
        const state = await labUp({ demoConnections: n, onProgress: o.json ? undefined : (m) => console.log(`lab: ${m}`) });
        if (o.json) printJson(state);
        else console.log(`lab: ready. Inventory: ${(await labStatus()).inventory}`);
      }),
    );

  lab
    .command('status')
    .description('namespaces, hosts, the service address and what the witness observed')
    .option('--json', 'print as JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        const s = await labStatus();
        if (o.json) return printJson(s);
        console.log(`lab: ${s.up ? 'up' : 'down'}${s.netns.length ? ` (${s.netns.join(', ')})` : ''}`);
        for (const h of s.hosts) console.log(`  ${h.name.padEnd(6)} ${h.address.padEnd(12)} ${h.alive ? `up (init ${h.initPid})` : 'down'}`);
        console.log(`  service ${s.serviceAddress.address} on ${s.serviceAddress.holder ?? 'no host'}`);
        if (s.demo) console.log(`  demo workload pid ${s.demo.pid} (started on ${s.demo.host}, ${s.demo.connections} connections)`);
        if (s.witness) {
          const sum = summarizeWitness(s.witness);
          console.log(`  witness: ${JSON.stringify(sum)}`);
          const rows = [['connection', 'client', 'state', 'bytes in/out', 'msgs', 'max gap ms', 'intact']];
          for (const c of s.witness.connections) {
            rows.push([
              c.remote,
              `${c.clientId ?? '-'}#${c.connIndex ?? '-'}`,
              c.closeReason ?? 'open',
              `${c.bytesIn}/${c.bytesOut}`,
              String(c.messages),
              String(c.maxGapMs),
              String(c.intact),
            ]);
          }
          console.log(table(rows).replace(/^/gm, '    '));
        }
      }),
    );

  lab
    .command('exec')
    .description('start a command detached on a lab host (lab-a, lab-b, peer); prints its PID on that host')
    .argument('<host>', 'lab-a, lab-b or peer')
    .argument('<argv...>', 'the command and its arguments (after --)')
    .option('--pid <pid>', 'ask for this PID on the host (its next PID is set just before the start)')
    .action(
      action(async (host: string, argv: string[], o: { pid?: string }) => {
        const r = await labExec(host, argv, o.pid === undefined ? {} : { pid: parsePid(o.pid) });
        process.stderr.write(`log: ${r.log}\n`);
        console.log(String(r.pid));
      }),
    );

  lab
    .command('down')
    .description('remove every namespace, process, address and route of the lab')
    .action(
      action(async () => {
        const removed = await labDown();
        console.log(removed.length ? `lab: removed ${removed.join(', ')}` : 'lab: nothing to remove');
      }),
    );
}

function badInput(message: string): FerryError {
  return new FerryError({ code: 'BAD_INPUT', message });
}
