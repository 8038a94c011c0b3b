// `ferry evacuate HOST --to HOST[,HOST…]`: moves every movable process tree off a host, one by one or N at a time,
// through the one migration service, and reports what moved, what stayed and why, and what failed.
import type { Command } from 'commander';
import { EVACUATION_LIMITS, MIGRATION_LIMITS } from '../../../app/contract/schemas';
import { FerryError } from '../../../app/errors';
import { evacuationExitCode, planLines, reportLines } from '../../../app/evacuate/evacuation-report';
import { ON_FAILURE, type EvacuationEvent } from '../../../app/model/evacuation';
import { TRANSFER_MODES } from '../../../app/model/migration';
import { createController } from '../../controller/controller';
import { EvacuationService, type EvacuationInput } from '../../service/evacuation-service';
import { openMigrationService } from '../../service/open-service';
import { parseMode } from '../args';
import { cancelOnInterrupt } from '../interrupt';
import { action, printJson } from '../output';

interface EvacuateOptions {
  to: string;
  parallel: string;
  freezeBudget: string;
  onFailure: string;
  mode?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** Registers `evacuate`. */
export function registerEvacuate(program: Command): void {
  program
    .command('evacuate <host>')
    .description('move every movable process tree off a host (with its connections), and report what stayed and why')
    .requiredOption('--to <hosts>', 'destination host(s), comma-separated: the trees are spread over them')
    .option('--parallel <n>', `trees migrated at the same time (1..${EVACUATION_LIMITS.parallelMax}; never two sharing an address)`, '1')
    .option(
      '--freeze-budget <ms>',
      `freeze budget per tree (${MIGRATION_LIMITS.budgetMsMin}..${MIGRATION_LIMITS.budgetMsMax}): each migration's budget; a tree predicted past it stays`,
      String(MIGRATION_LIMITS.budgetMsDefault),
    )
    .option('--on-failure <policy>', `when a tree fails (it is rolled back): ${ON_FAILURE.join(' | ')}`, 'continue')
    .option('--mode <mode>', `how memory moves, for every tree: ${TRANSFER_MODES.join(' | ')} (default: each plan's fastest safe one)`)
    .option('--dry-run', 'show the plan only: what would move where, what stays and why')
    .option('--json', 'print the plan and the report as JSON')
    .action(
      action(async (host: string, o: EvacuateOptions) => {
        const input = inputOf(host, o);
        const c = createController();
        try {
          const migrations = await openMigrationService(c, (w) => console.error(`warning: ${w}`));
          const service = new EvacuationService({ controller: c, migrations });
          if (o.dryRun) {
            const plan = await service.plan(input);
            if (o.json) printJson({ ok: true, plan });
            else console.log(planLines(plan).join('\n'));
            return;
          }
          const { id, plan, done } = await service.start(input, o.json ? () => {} : printEvent);
          const stop = cancelOnInterrupt(() => {
            const r = service.cancel(id);
            return `cancelling the evacuation${r.refused.length ? ` (${r.refused.join(', ')} past the point of no return: they finish)` : ''}`;
          }, !o.json);
          const report = await done.finally(stop);
          if (o.json) printJson({ ok: report.outcome === 'complete', plan, report });
          else console.log(reportLines(report).join('\n'));
          process.exitCode = evacuationExitCode(report);
        } finally {
          await c.close();
        }
      }),
    );
}

/** A whole number given to `option` (the contract's schema then checks its range). */
function wholeNumber(option: string, text: string): number {
  if (!/^[0-9]{1,9}$/.test(text)) throw new FerryError({ code: 'BAD_INPUT', message: `${option} must be a whole number, got ${JSON.stringify(text)}` });
  return Number(text);
}

/** The request the options stand for; the contract's schema checks it when the service takes it. */
function inputOf(host: string, o: EvacuateOptions): EvacuationInput {
  const onFailure = ON_FAILURE.find((p) => p === o.onFailure);
  if (!onFailure)
    throw new FerryError({ code: 'BAD_INPUT', message: `--on-failure must be one of ${ON_FAILURE.join(', ')}, got ${JSON.stringify(o.onFailure)}` });
  return {
    host,
    to: o.to.split(',').map((h) => h.trim()),
    parallel: wholeNumber('--parallel', o.parallel),
    freezeBudgetMs: wholeNumber('--freeze-budget', o.freezeBudget),
    onFailure,
    ...(o.mode === undefined ? {} : { mode: parseMode(o.mode) }),
  };
}

function printEvent(e: EvacuationEvent): void {
  switch (e.type) {
    case 'plan':
      console.log(planLines(e.plan).join('\n'));
      break;
    case 'tree-started':
      console.log(`ferry: ${e.pid} → ${e.to}: migration ${e.migrationId}`);
      break;
    case 'tree-progress':
      if (e.status === 'failed' || e.freezeMs !== undefined) console.log(`  ${e.pid}: ${e.step} ${e.freezeMs !== undefined ? `${e.freezeMs} ms` : e.status}`);
      break;
    case 'tree-finished': {
      const o = e.outcome;
      console.log(`  ${o.pid}: ${o.result}${o.result === 'failed' ? ` [${o.error.code}] ${o.error.message}` : o.result === 'not-started' ? ` ${o.why}` : ''}`);
      break;
    }
    default:
      break;
  }
}
