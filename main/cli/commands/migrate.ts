// `ferry migrate`: moves a process tree with its TCP connections and service addresses to another host.
import type { Command } from 'commander';
import { TRANSFER_MODES, type MigrationEvent, type MigrationRecord } from '../../../app/model/migration';
import { DEFAULT_IMAGE_BASE, parseImageBase } from '../../../app/plan/image-base';
import { createController } from '../../controller/controller';
import { witnessViewFor } from '../../lab/witness-view';
import { MIGRATION_LIMITS } from '../../../app/contract/schemas';
import { openMigrationService } from '../../service/open-service';
import type { MigrationInput } from '../../service/migration-service';
import { parseAddressArgs, parseAddressHook, parseBudgetMs, parseMode, parsePid } from '../args';
import { cancelOnInterrupt } from '../interrupt';
import { action, formatError, printJson } from '../output';
import { formatLazyWindow } from '../../../app/review/lazy-window';
import { rehearsalLines } from '../../../app/rehearsal/rehearsal-text';

interface MigrateOptions {
  from: string;
  to: string;
  pid: string;
  ip: string[];
  budgetMs: string;
  keepImages?: boolean;
  allowSharedAddress?: boolean;
  mode?: string;
  imageBase?: string;
  addressHook?: string;
  hookAddress: string[];
  hookBudgetMs?: string;
  json?: boolean;
  rehearse?: boolean;
  rehearseDump?: boolean;
}

/** Registers `migrate`. */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('move a running process (and its tree) with its TCP connections to another host')
    .requiredOption('--from <host>', 'source host (inventory name)')
    .requiredOption('--pid <pid>', 'root of the process tree, as seen on the source')
    .requiredOption('--to <host>', 'destination host (inventory name)')
    .option(
      '--ip <addr>',
      `address to move (repeatable, at most ${MIGRATION_LIMITS.maxAddresses}); default: the local addresses of its connections`,
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--budget-ms <ms>',
      `freeze budget the operator accepts (${MIGRATION_LIMITS.budgetMsMin}..${MIGRATION_LIMITS.budgetMsMax})`,
      String(MIGRATION_LIMITS.budgetMsDefault),
    )
    .option('--mode <mode>', `how memory moves: ${TRANSFER_MODES.join(' | ')} (default: the fastest safe one)`)
    .option('--keep-images', 'keep the CRIU images on both hosts after success')
    .option('--allow-shared-address', 'move the addresses even though processes outside the tree use them (their connections break)')
    .option(
      '--image-base <dir>',
      `folder for the CRIU images on both hosts (root's, closed to other users, outside the system's folders; default ${DEFAULT_IMAGE_BASE}, and /run when it is a tmpfs with room: lazy mode, streamed mode when MemAvailable holds the memory twice)`,
    )
    .option('--address-hook <path>', 'an executable on both hosts that moves the addresses instead of ARP (docs/address-hooks.md)')
    .option(
      '--hook-address <addr>',
      'an address the hook moves (repeatable; default: every address that moves)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--hook-budget-ms <ms>', "the hook's move budget inside the freeze (default 2000); past it the hook is killed and the migration rolls back")
    .option('--json', 'print the migration record as JSON')
    .option('--rehearse', 'everything up to the freeze and nothing after: checks, measurements and the predicted freeze per mode')
    .option('--rehearse-dump', 'with --rehearse: also one real criu dump --leave-running (costs one short freeze of the process)')
    .action(
      action(async (o: MigrateOptions) => {
        const request = requestOf(o);
        if (o.rehearse || o.rehearseDump) return runRehearsal(request, !!o.rehearseDump, !!o.json);
        const c = createController();
        let record: MigrationRecord;
        try {
          const service = await openMigrationService(c, (w) => console.error(`warning: ${w}`));
          const { id, done } = await service.start(request, o.json ? () => {} : printEvent);
          const stopCancel = cancelOnInterrupt(() => {
            service.cancel(id);
            return 'cancelling';
          }, !o.json);
          record = await done.finally(stopCancel);
        } finally {
          await c.close();
        }
        const witness = await witnessViewFor(record).catch(() => undefined);
        if (o.json) printJson({ ok: record.outcome === 'succeeded', record, ...(witness ? { witness } : {}) });
        else printSummary(record, witness);
        process.exitCode =
          record.outcome === 'succeeded'
            ? 0
            : record.outcome === 'cancelled'
              ? 130
              : record.error?.code === 'BAD_INPUT' || record.error?.code === 'UNKNOWN_HOST'
                ? 2
                : 1;
      }),
    );
}

/** `--rehearse`: prints the rehearsal (exit 0 when the migration would start, 1 when it found a problem). */
async function runRehearsal(request: MigrationInput, dump: boolean, json: boolean): Promise<void> {
  const c = createController();
  try {
    const service = await openMigrationService(c, (w) => console.error(`warning: ${w}`));
    const r = await service.rehearse({ ...request, dump });
    if (json) printJson({ ok: r.ok, rehearsal: r });
    else for (const line of rehearsalLines(r)) console.log(line);
    process.exitCode = r.ok ? 0 : 1;
  } finally {
    await c.close();
  }
}

/** The request the options stand for, each value checked by the contract's schema (its limits, its messages per option). */
function requestOf(o: MigrateOptions): MigrationInput {
  return {
    from: o.from,
    to: o.to,
    pid: parsePid(o.pid),
    addresses: parseAddressArgs(o.ip),
    budgetMs: parseBudgetMs(o.budgetMs),
    keepImages: !!o.keepImages,
    ...(o.allowSharedAddress ? { allowSharedAddress: true } : {}),
    ...(o.mode === undefined ? {} : { mode: parseMode(o.mode) }),
    // Without --image-base the engine picks the folders (lazy and streamed modes: /run when it is a tmpfs with room).
    ...(o.imageBase === undefined ? {} : { imageBase: parseImageBase(o.imageBase) }),
    ...hookOf(o),
  };
}

/** The address hook's options as the request's field (absent without --address-hook). */
function hookOf(o: MigrateOptions): Pick<MigrationInput, 'addressHook'> {
  const hook = parseAddressHook(o.addressHook, o.hookAddress, o.hookBudgetMs);
  return hook ? { addressHook: hook } : {};
}

function printEvent(e: MigrationEvent): void {
  switch (e.type) {
    case 'plan':
      console.log(
        `ferry: ${e.plan.request.from} → ${e.plan.request.to}: pid ${e.plan.request.pid} (${e.plan.comm}), ${e.plan.treePids.length} process(es), ${e.plan.connections.length} connection(s), ${Math.round(e.plan.rssKiB / 1024)} MiB`,
      );
      console.log(`  transfer: ${e.plan.transferMode} (${e.plan.transferReason})`);
      break;
    case 'step-finished': {
      const mark = e.status === 'ok' ? '✓' : e.status === 'failed' ? '✗' : '·';
      console.log(`  ${mark} ${e.step.padEnd(17)}${e.detail ? `  ${e.detail}` : ''}${e.error ? `  ${e.error.message}` : ''}`);
      break;
    }
    case 'freeze-started':
      console.log('  … freeze started (network locked on the source)');
      break;
    case 'freeze-ended':
      console.log(`  … freeze ended: ${e.ms} ms`);
      break;
    case 'lazy-window':
      console.log(`  … ${formatLazyWindow(e)}`);
      break;
    case 'log':
      console.log(`  ${e.level === 'info' ? '·' : e.level === 'warn' ? '!' : '✗'} ${e.host ? `${e.host}: ` : ''}${e.message}`);
      break;
    default:
      break;
  }
}

function printSummary(r: MigrationRecord, witness: Awaited<ReturnType<typeof witnessViewFor>>): void {
  const steps = r.steps.filter((s) => s.endedAt !== undefined);
  console.log('steps (ms):');
  for (const s of steps) console.log(`  ${s.name.padEnd(17)} ${String((s.endedAt ?? 0) - s.startedAt).padStart(6)}  (+${s.startedAt - r.startedAt} ms)`);
  if (r.freeze?.ms !== undefined) console.log(`freeze window: ${r.freeze.ms} ms (budget ${r.request.budgetMs} ms)`);
  if (r.imageBytes !== undefined)
    console.log(
      `images: ${(r.imageBytes / 1048576).toFixed(1)} MiB (${r.plan?.transferMode ?? '?'}${r.transferMs !== undefined ? `, ${r.transferMs} ms` : ''})`,
    );
  if (r.connections.length) console.log(`connections: ${r.connections.filter((c) => c.ok).length}/${r.connections.length} intact on ${r.request.to}`);
  if (witness) {
    console.log(
      `witness (lab peer): ${witness.connections} connection(s), largest gap ${witness.maxGapMs} ms, resets ${witness.resets}, reconnects ${witness.reconnects}, streams ${witness.intact ? 'intact' : 'BROKEN'}`,
    );
  }
  if (r.rollback) console.log(`rollback: ${r.rollback.ok ? 'complete' : 'INCOMPLETE'}: ${r.rollback.actions.join('; ')}`);
  if (r.problems && r.problems.length > 1) for (const p of r.problems) console.log(`  problem: ${formatError(p)}`);
  if (r.outcome === 'succeeded') console.log(`migration ${r.id}: succeeded`);
  else if (r.outcome === 'cancelled') console.log(`${formatError(r.error ?? { code: 'CANCELLED', message: 'cancelled' })}\nmigration ${r.id}: cancelled`);
  else
    console.log(
      `${formatError(r.error ?? { code: 'INTERNAL', message: 'unknown failure' })}\nmigration ${r.id}: ${r.outcome}${r.outcome === 'refused' ? ' (nothing was changed)' : ''}`,
    );
  if (r.recordDir) console.log(`record: ${r.recordDir}`);
}
