// `ferry hosts prepare HOST`: push Ferry's CRIU prefix to a host and re-run its readiness checks.
import type { Command } from 'commander';
import { createController } from '../../controller/controller';
import { prepareHost } from '../../hosts/prepare-host';
import { action, printJson } from '../output';

/** Registers `hosts prepare`. */
export function registerPrepare(hosts: Command): void {
  hosts
    .command('prepare')
    .description(
      "copy Ferry's self-contained CRIU (/opt/ferry: its own loader and libraries) to a host of the same architecture, check it there, set fs.pipe-max-size, then re-run the readiness checks; installs nothing else",
    )
    .argument('<host>', 'inventory name')
    .option('--json', 'print the outcome as JSON')
    .action(
      action(async (host: string, o: { json?: boolean }) => {
        const c = createController();
        c.resolveHost(host);
        try {
          const out = await prepareHost(c.exec, host, {
            log: (l) => {
              if (!o.json) console.error(`… ${l}`);
            },
          });
          if (o.json) printJson(out);
          else {
            for (const s of out.steps) console.log(`✓ ${s}`);
            for (const n of out.notes) console.log(`! ${n}`);
            for (const x of out.checks.filter((k) => !k.ok)) console.log(`✗ ${x.name}: ${x.detail}${x.fix ? `\n  fix: ${x.fix}` : ''}`);
            console.log(out.ready ? `${host}: prepared and ready` : `${host}: prepared, but NOT ready`);
          }
          if (!out.ready) process.exitCode = 1;
        } finally {
          await c.close();
        }
      }),
    );
}
