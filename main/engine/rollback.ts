// Undoes a freeze that failed: the destination unlocked, the address back on the source, and the process
// restored on the source from its own dump (fetching the pages back from the destination when they streamed),
// or, in lazy mode, the still-frozen original let go of by its dump and resumed.
import { usesSourceLock } from '../../app/plan/pre-lock';
import { killAndWaitArgv } from '../../app/shell/running';
import { addAddresses, announceAddresses, removeAddresses } from '../net/address-move';
import { probeHost } from '../net/host-probe';
import { deleteNewCriuTables } from '../net/network-lock';
import { criuRestore, readRemoteFile } from './criu-run';
import { destinationDevice, mustRun, persistLog, sourceDevice, type FreezeContext } from './freeze-context';
import { STOP_PIDS_SCRIPT } from '../criu/page-relay';
import { failSourceDump, leaveRepair, releaseGuard, signalTree } from './lazy-copies';
import { stopPageServer, unlockDestination } from './prepare-hosts';
import { transferDirectory } from './transfer';
import { UndoLog } from './undo-log';
import { ferryAnnouncedAddresses, ferryMovedAddresses } from '../../app/hooks/address-hook';
import { mustRunHook } from './address-hook-run';

/** Runs every undo that applies; records what it did in record.rollback. */
export async function rollback(ctx: FreezeContext): Promise<void> {
  const { deps, run, plan, state } = ctx;
  const { exec } = deps;
  const { from, to } = plan.request;
  // With an address hook, Ferry undoes only its own part of the move; the hook's `undo` does the rest.
  const moved = ferryMovedAddresses(plan);
  const addrs = moved.map((a) => a.address).join(', ');
  const undo = new UndoLog();
  const { attempt } = undo;
  run.log(`rolling back to ${from}`, 'warn');
  if (state.restoreStarted) {
    // A restore that died half-way (CRIU killed) can leave part of the tree on the destination. Its PIDs were
    // free there at preflight, so whatever holds them now is that partial copy: it must not run beside the source.
    await attempt(`stopped what the failed restore left on ${to}`, () => mustRun(exec, to, killAndWaitArgv(plan.treePids)));
  }
  // The address leaves the destination before its lock does: in between, a peer's retransmission reaching the
  // destination would be answered with RST.
  if (state.addressAdded && moved.length) await attempt(`removed ${addrs} from ${to}`, () => removeAddresses(exec, to, moved, destinationDevice));
  else if (state.partialAdd) await undoPartialAdd(ctx, state.partialAdd, attempt);
  // The hook's undo, each host its own part, in the same order: the destination lets go, then the source claims.
  const hookUndo = state.hookMoveStarted && plan.addressHook;
  if (hookUndo) await attempt(`ran the address hook's undo on ${to}`, () => mustRunHook(exec, plan, 'undo', 'destination', run.record));
  await attempt(`removed the pre-lock and page server on ${to}`, async () => {
    await unlockDestination(exec, plan);
    await stopPageServer(exec, plan);
  });
  if (hookUndo) await attempt(`ran the address hook's undo on ${from}`, () => mustRunHook(exec, plan, 'undo', 'source', run.record));
  if (state.addressRemoved && moved.length) {
    await attempt(`put ${addrs} back on ${from}`, () => addAddresses(exec, from, moved, sourceDevice));
    state.announcements.push(announceAddresses(exec, from, ferryAnnouncedAddresses(plan), sourceDevice, 2));
  }
  if (!state.dumped) {
    // A dump that was killed (not one that failed: CRIU unlocks then) leaves its lock on the running process.
    await attempt(`removed this migration's network lock on ${from}`, async () => {
      await deleteNewCriuTables(exec, from, ctx.tablesBefore ?? []);
    });
  }
  if (state.dumped && plan.transferMode === 'lazy') {
    // The lazy dump still holds the source copy (it waits to serve pages): made to fail, it lets go of it
    // without killing it, into the SIGSTOP queued at the dump, its sockets still in repair mode.
    const pids = plan.treePids;
    await state.sourceHeld?.catch(() => undefined);
    await attempt(`made the lazy dump on ${from} let go of process ${plan.request.pid}`, async () => {
      if ((await failSourceDump(exec, plan)) === undefined) throw new Error('the lazy dump did not end');
    });
    await attempt(`took its connections out of repair mode`, async () => {
      await leaveRepair(exec, from, pids);
    });
    await attempt(`removed this migration's network lock on ${from}`, async () => {
      await deleteNewCriuTables(exec, from, ctx.tablesBefore ?? []);
    });
    await attempt(`resumed process ${plan.request.pid} on ${from}`, () => signalTree(exec, from, pids, 'CONT'));
    await releaseGuard(exec, plan);
    // Nothing was restored on the destination (or what a failed restore left was stopped above): its lazy-pages
    // guard and daemon have nothing to serve (a guard still waiting for its go would wait ten minutes).
    await attempt(`stopped the lazy-pages guard on ${to}`, () =>
      mustRun(exec, to, ['sh', '-c', STOP_PIDS_SCRIPT, 'ferry-stop', `${plan.destinationImageDir}/lazy-pages.pid`, `${plan.destinationImageDir}/guard.pid`]),
    );
    run.freezeEnded(Date.now());
  } else if (state.dumped) {
    if (plan.transferMode === 'streamed') {
      await attempt(`fetched the memory pages back from ${to}`, () =>
        transferDirectory(exec, { host: to, dir: plan.destinationImageDir }, { host: from, dir: plan.sourceImageDir }),
      );
    }
    await attempt(`restored process ${plan.request.pid} on ${from} from its dump`, async () => {
      const r = await criuRestore(exec, from, plan, 'source');
      const log = r.ok ? await readRemoteFile(exec, from, r.logFile) : r.log;
      persistLog(deps, run.record.id, 'rollback-restore.log', log);
      if (!r.ok) throw r.error;
      run.freezeEnded(r.endedAt);
    });
    // Its action script opened Ferry's source lock (streamed mode; staged keeps CRIU's, which its restore deletes).
    if (usesSourceLock(plan.transferMode)) {
      await attempt(`removed this migration's network lock on ${from}`, async () => {
        await deleteNewCriuTables(exec, from, ctx.tablesBefore ?? []);
      });
    }
  }
  if (undo.ok && !plan.request.keepImages) {
    // The process runs on the source again: its images are no longer needed (the logs are on the controller), and a
    // lazy dump's folder on /run holds what the process's shared memory held.
    await attempt(`removed the image folders on ${from} and ${to}`, async () => {
      await Promise.all([mustRun(exec, from, ['rm', '-rf', '--', plan.sourceImageDir]), mustRun(exec, to, ['rm', '-rf', '--', plan.destinationImageDir])]);
    });
  }
  run.record.rollback = { attempted: true, actions: undo.actions, ok: undo.ok };
  run.log(`rollback ${undo.ok ? 'complete' : 'INCOMPLETE'}: ${undo.actions.join('; ')}`, undo.ok ? 'warn' : 'error');
}

/**
 * A failed add: remove what it put on the destination, and nothing else: the address may be there because
 * someone else claimed it after the preflight (then the add failed on it, and it is not ours to take away).
 */
async function undoPartialAdd(ctx: FreezeContext, partial: NonNullable<FreezeContext['state']['partialAdd']>, attempt: UndoLog['attempt']): Promise<void> {
  const { exec } = ctx.deps;
  const to = ctx.plan.request.to;
  let ours = partial.moves;
  if (!partial.certain) {
    // Nobody knows how far the add got: the preflight saw none of them there, so any that is there now is ours.
    const snap = await probeHost(exec, to);
    ours = ours.filter((m) => snap.addresses.some((a) => a.address === m.address));
  }
  const kept = ctx.plan.addresses.filter((m) => !ours.includes(m));
  if (ours.length)
    await attempt(`removed ${ours.map((m) => m.address).join(', ')} (added before the add failed) from ${to}`, () =>
      removeAddresses(exec, to, ours, destinationDevice),
    );
  if (kept.length && partial.certain) ctx.run.log(`left ${kept.map((m) => m.address).join(', ')} on ${to} alone: this migration did not add it`, 'warn', to);
}
