// `ferry recover`: finish or roll back migrations whose controller died (crash, lost SSH connection).
import type { Command } from 'commander';
import { createController } from '../../controller/controller';
import { recoverAll } from '../../engine/recover';
import { action, printJson } from '../output';

/** Registers `recover`. */
export function registerRecover(program: Command): void {
  program
    .command('recover')
    .description('find migrations interrupted by a controller crash or a lost connection, and finish them or roll them back')
    .option('--id <id>', 'only this migration')
    .option('--json', 'print the reports as JSON')
    .action(
      action(async (o: { id?: string; json?: boolean }) => {
        const c = createController();
        try {
          const reports = await recoverAll(c.exec, o.id);
          if (o.json) printJson({ ok: reports.every((r) => r.ok), reports });
          else if (!reports.length) console.log('nothing to recover');
          else {
            for (const r of reports) {
              if (r.skipped) {
                console.log(`${r.id}: skipped (${r.skipped})`);
                continue;
              }
              console.log(`${r.id}: interrupted at "${r.phase}" → ${r.action}: ${r.why}`);
              for (const a of r.actions) console.log(`  - ${a}`);
              console.log(`  ${r.ok ? 'done' : 'INCOMPLETE: check the hosts by hand'}`);
            }
          }
          if (!reports.every((r) => r.ok)) process.exitCode = 1;
        } finally {
          await c.close();
        }
      }),
    );
}
