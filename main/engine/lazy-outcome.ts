// Lazy mode after the restore: wait for the last page, and when the transfer broke either fetch the missing pages
// again from the stopped source copy or keep exactly one copy (split brain resolved by sequence numbers).
import { FerryError, toErrorInfo } from '../../app/errors';
import { deleteNewCriuTables } from '../net/network-lock';
import type { FreezeContext } from './freeze-context';
import { followLazyWindow, lazyPagesExit } from './lazy-copies';
import { recoverPages } from './lazy-recovery';
import { lazyDumpExit, lazyPagesErrors, waitForLazyPages } from './prepare-hosts';
import { resolveCopies, stopSilently } from './split-brain';

/**
 * Until the last page has arrived the process depends on the source, which still holds the frozen original (and
 * its sockets): waits for that; a broken transfer is recovered or resolved to one copy (then this throws).
 */
export async function awaitLazyPages(ctx: FreezeContext): Promise<void> {
  const { deps, run, plan, state } = ctx;
  const { exec } = deps;
  const { from } = plan.request;
  const record = run.record;
  const restoredAt = record.freeze?.endedAt ?? deps.now();
  let done = deps.now();
  let dumpExit: number | undefined;
  let daemonExit: number | undefined;
  const closeWindow = followLazyWindow(exec, plan, restoredAt, (w) =>
    run.emit({ type: 'lazy-window', id: record.id, restoredAt, source: from, totalKiB: plan.rssKiB, ...w }),
  );
  try {
    await state.sourceHeld?.catch(() => undefined);
    done = await waitForLazyPages(exec, plan);
    daemonExit = await lazyPagesExit(exec, plan);
    // A daemon that failed holds the source's CRIU in its page connection (the guard keeps it open): only a
    // complete transfer is waited for on the source.
    if (daemonExit === 0) dumpExit = await lazyDumpExit(exec, plan);
  } catch (e) {
    run.log(`could not follow the page transfer: ${toErrorInfo(e).message}`, 'error');
  }
  closeWindow(dumpExit === 0 ? 'complete' : 'broken');
  if (dumpExit === 0) {
    record.lazyPages = { completedAt: done, msAfterRestore: done - restoredAt, ok: true };
    run.log(`all pages arrived ${done - restoredAt} ms after the restore: ${plan.request.to} no longer depends on ${from}`);
  } else if (!(await recoverLazyPages(ctx, restoredAt, daemonExit))) {
    await resolveLazyFailure(ctx, dumpExit, daemonExit);
  }
}

/**
 * The lazy page transfer broke with both copies still there: fetches the missing pages again from the stopped
 * source copy. On success the source copy goes (silenced) and the migration carries on; false: it did not work.
 */
async function recoverLazyPages(ctx: FreezeContext, restoredAt: number, daemonExit: number | undefined): Promise<boolean> {
  const { deps, run, plan } = ctx;
  const { from, to } = plan.request;
  if (daemonExit === undefined) return false;
  const errors = await lazyPagesErrors(deps.exec, plan).catch(() => [] as string[]);
  const broke = `${to}'s lazy-pages daemon ${daemonExit > 128 ? `was killed by signal ${daemonExit - 128}` : `exited ${daemonExit}`}${errors.length ? ` (${errors.join(' / ')})` : ''}`;
  run.log(`the page transfer broke after the restore: ${broke}; fetching the missing pages again from the stopped copy on ${from}`, 'warn');
  ctx.journal?.write({ phase: 'split-brain' });
  const r = await recoverPages(deps.exec, plan);
  if (!r.ok) {
    run.log(`recovering the pages failed after ${r.ms} ms: ${r.detail}`, 'error');
    return false;
  }
  const done = deps.now();
  run.emit({ type: 'lazy-window', id: run.record.id, at: done, restoredAt, source: from, totalKiB: plan.rssKiB, ended: 'complete' });
  run.log(`recovered: ${r.detail} in ${r.ms} ms; all pages arrived ${done - restoredAt} ms after the restore`, 'warn');
  await stopSilently(deps.exec, from, plan);
  const removed = await deleteNewCriuTables(deps.exec, from, ctx.tablesBefore ?? []);
  run.record.lazyPages = {
    completedAt: done,
    msAfterRestore: done - restoredAt,
    ok: true,
    detail: `${broke}; ${r.detail}`,
    recovered: { pages: r.pages ?? 0, ms: r.ms },
  };
  run.log(`stopped the source copy on ${from} (its connections silenced first); removed its network lock (${removed.join(', ') || 'none left'})`);
  return true;
}

/**
 * The lazy page transfer failed after the restore: CRIU resumed the source copy while the destination copy
 * may still run. Keeps exactly one copy, says which and why in the record, and fails the migration.
 */
async function resolveLazyFailure(ctx: FreezeContext, dumpExit: number | undefined, daemonExit: number | undefined): Promise<never> {
  const { deps, run, plan } = ctx;
  const { from, to } = plan.request;
  const record = run.record;
  const errors = await lazyPagesErrors(deps.exec, plan).catch(() => [] as string[]);
  const daemon =
    daemonExit === undefined
      ? ''
      : daemonExit > 128
        ? `${to}'s lazy-pages daemon was killed by signal ${daemonExit - 128}`
        : `${to}'s lazy-pages daemon exited ${daemonExit}`;
  const dump = dumpExit === undefined ? '' : `the source's criu dump exited ${dumpExit}`;
  const why = `${[daemon, dump].filter(Boolean).join('; ') || `the source's criu dump had not ended`}${errors.length ? `; ${to}: ${errors.join(' / ')}` : ''}`;
  record.lazyPages = { ok: false, detail: why };
  run.log(`the page transfer failed after the restore (${why}): finding which copies run`, 'error');
  ctx.journal?.write({ phase: 'split-brain' });
  const sb = await resolveCopies(deps.exec, plan, false, ctx.tablesBefore);
  record.splitBrain = sb;
  const kept = sb.keep === 'none' ? 'neither copy runs' : `kept the copy on ${sb.keep === 'source' ? from : to}`;
  run.log(`${sb.splitBrain ? 'split brain: both copies ran; ' : ''}${kept} (${sb.why}): ${sb.actions.join('; ')}`, sb.ok ? 'warn' : 'error');
  if (sb.warning) run.log(sb.warning, 'warn');
  if (!sb.facts.destinationRuns) {
    run.log(`the copy on ${to} ended by itself when its pages stopped coming, before it could be silenced: the peers saw its connections close`, 'warn', to);
  }
  if (sb.connectionsEnded?.length) {
    run.log(
      `connections ended (reset from ${sb.end === 'source' ? from : to}, so the peers see it): ${sb.connectionsEnded.map((c) => `${c.connection} (${c.streams})`).join(', ')}`,
      'warn',
    );
  }
  if (sb.keep === 'source') record.rollback = { attempted: true, actions: sb.actions, ok: sb.ok };
  ctx.journal?.write({ phase: 'ended', outcome: `lazy transfer failed: ${kept}` });
  throw new FerryError({
    code: 'TRANSFER_FAILED',
    host: from,
    message: `the lazy page transfer failed after the restore (${why}); ${sb.splitBrain ? 'both copies ran; ' : ''}${kept}: ${sb.why}`,
    hint: 'lazy mode depends on the source until the last page arrives; streamed mode does not',
  });
}
