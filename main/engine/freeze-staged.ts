// Staged freeze: dump everything to the source's disk, then copy the images while the address moves,
// then restore. Each step is its own remote command.
import { AddressAddError, addAddresses, announceAddresses, removeAddresses } from '../net/address-move';
import { criuDump, criuRestore } from './criu-run';
import { destinationDevice, persistLog, type FreezeContext } from './freeze-context';
import { transferDirectory } from './transfer';
import { reachNoReturn, throwIfCancelled } from './engine-cancel';
import { ferryAnnouncedAddresses, ferryMovedAddresses } from '../../app/hooks/address-hook';
import { mustRunHook } from './address-hook-run';

/** Runs the staged freeze; throws on failure (the caller rolls back according to ctx.state). */
export async function freezeStaged(ctx: FreezeContext): Promise<void> {
  const { deps, run, plan, state } = ctx;
  const { exec } = deps;
  const { from, to } = plan.request;
  const record = run.record;

  ctx.journal?.write({ phase: 'freeze-started' });
  run.freezeStarted(Date.now());
  await run.step('dump', async (s) => {
    const r = await criuDump(exec, from, plan);
    state.dumpLog = r.logFile;
    if (!r.ok) {
      record.logs.dump = persistLog(deps, record.id, 'dump.log', r.log);
      run.freezeEnded(r.endedAt);
      throw r.error;
    }
    state.dumped = true;
    ctx.journal?.write({ phase: 'dumped' });
    s.detail = `criu dump ${r.ms} ms`;
  });
  throwIfCancelled(deps.signal, 'freeze');

  await Promise.all([
    run.step('transfer', async (s) => {
      const t = await transferDirectory(exec, { host: from, dir: plan.sourceImageDir }, { host: to, dir: plan.destinationImageDir });
      record.imageBytes = t.bytes;
      record.transferMs = t.ms;
      s.detail = `${(t.bytes / 1048576).toFixed(1)} MiB in ${t.ms} ms (through the controller)`;
    }),
    run.step('move-address', async (s) => {
      if (!plan.addresses.length && !plan.addressHook) {
        s.detail = 'no address to move';
        return;
      }
      // With an address hook Ferry moves only what the hook left to it; the hook's move runs here through the
      // executor (staged mode has no freeze script), the source's part after the removal, the destination's after the add.
      const moved = ferryMovedAddresses(plan);
      ctx.journal?.write({ phase: 'address-removed' });
      await removeAddresses(exec, from, moved);
      state.addressRemoved = moved.length > 0;
      if (plan.addressHook) {
        state.hookMoveStarted = true;
        ctx.journal?.write({ phase: 'hook-move-started' });
        await mustRunHook(exec, plan, 'move', 'source', record);
      }
      ctx.journal?.write({ phase: 'address-added' });
      try {
        await addAddresses(exec, to, moved, destinationDevice);
      } catch (e) {
        state.partialAdd = e instanceof AddressAddError ? e.added : { moves: moved, certain: false };
        throw e;
      }
      state.addressAdded = moved.length > 0;
      if (plan.addressHook) await mustRunHook(exec, plan, 'move', 'destination', record);
      state.announcements.push(announceAddresses(exec, to, ferryAnnouncedAddresses(plan), destinationDevice));
      s.detail = describeMoves(ctx);
    }),
  ]);
  throwIfCancelled(deps.signal, 'freeze');

  await run.step('restore', async (s) => {
    state.restoreStarted = true;
    const r = await criuRestore(exec, to, plan);
    state.restoreLog = r.logFile;
    if (!r.ok) {
      record.logs.restore = persistLog(deps, record.id, 'restore.log', r.log);
      throw r.error;
    }
    ctx.journal?.write({ phase: 'restored' });
    reachNoReturn(ctx);
    run.freezeEnded(r.endedAt);
    s.detail = `criu restore ${r.ms} ms`;
  });
}

/** One line for the move-address step. */
export function describeMoves(ctx: FreezeContext): string {
  const hook = ctx.plan.addressHook;
  const runs = (ctx.run.record.addressHook?.runs ?? []).filter((r) => r.action === 'move');
  const moved = ferryMovedAddresses(ctx.plan)
    .map((a) => `${a.address} ${a.sourceDevice}→${a.destinationDevice}${a.routes.length ? ` (+${a.routes.length} route)` : ''}`)
    .join(', ');
  const hooked = hook
    ? `${hook.addresses.join(', ')} by the address hook${runs.length ? ` (${runs.map((r) => `${r.side} ${r.ms ?? '?'} ms`).join(', ')})` : ''}`
    : '';
  return [moved, hooked].filter(Boolean).join('; ');
}
