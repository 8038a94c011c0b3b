// After a failure or a crash: puts a migration's addresses with the copy that stays, from what both hosts
// show now (recovery and lazy split-brain resolution; rollback knows from its own state what it changed).
import type { AddressMove, MigrationPlan } from '../../app/model/migration';
import type { HostSnapshot } from '../../app/model/snapshot';
import type { Executor } from '../hosts/executor';
import { addAddresses, removeAddresses } from '../net/address-move';
import { destinationDevice, sourceDevice } from './freeze-context';
import { stopPageServer, unlockDestination } from './prepare-hosts';
import type { UndoLog } from './undo-log';
import { ferryMovedAddresses } from '../../app/hooks/address-hook';
import { mustRunHook } from './address-hook-run';

const on = (s: HostSnapshot, m: AddressMove) => s.addresses.some((x) => x.address === m.address);
const list = (moves: AddressMove[]) => moves.map((m) => m.address).join(', ');

/**
 * Back to the source: off the destination first, then the destination's pre-lock and page server go (in that
 * order: else a retransmission reaching the destination meets an RST), then onto the source. Returns the
 * addresses it put back on the source (to be announced from there).
 */
export async function addressesBackToSource(
  exec: Executor,
  plan: MigrationPlan,
  src: HostSnapshot,
  dst: HostSnapshot,
  attempt: UndoLog['attempt'],
): Promise<AddressMove[]> {
  const { from, to } = plan.request;
  const moved = ferryMovedAddresses(plan);
  const onDst = moved.filter((m) => on(dst, m));
  const offSrc = moved.filter((m) => !on(src, m));
  if (onDst.length) await attempt(`removed ${list(onDst)} from ${to}`, () => removeAddresses(exec, to, onDst, destinationDevice));
  // An address hook was involved (the journal's plan says so): its undo, which must be idempotent, on both sides.
  if (plan.addressHook) await attempt(`ran the address hook's undo on ${to}`, () => mustRunHook(exec, plan, 'undo', 'destination'));
  await attempt(`removed the pre-lock and page server on ${to}`, async () => {
    await unlockDestination(exec, plan);
    await stopPageServer(exec, plan);
  });
  if (plan.addressHook) await attempt(`ran the address hook's undo on ${from}`, () => mustRunHook(exec, plan, 'undo', 'source'));
  if (offSrc.length) await attempt(`put ${list(offSrc)} back on ${from}`, () => addAddresses(exec, from, offSrc, sourceDevice));
  return offSrc;
}

/**
 * On to the destination: off the source where still there, then onto the destination where missing. Returns the
 * addresses it added on the destination (to be announced from there).
 */
export async function addressesToDestination(
  exec: Executor,
  plan: MigrationPlan,
  src: HostSnapshot,
  dst: HostSnapshot,
  attempt: UndoLog['attempt'],
): Promise<AddressMove[]> {
  const { from, to } = plan.request;
  const moved = ferryMovedAddresses(plan);
  const stale = moved.filter((m) => on(src, m));
  const missing = moved.filter((m) => !on(dst, m));
  if (stale.length) await attempt(`removed ${list(stale)} from ${from}`, () => removeAddresses(exec, from, stale, sourceDevice));
  // An address hook was involved: its move again (idempotent), the source's part first.
  if (plan.addressHook) await attempt(`ran the address hook's move on ${from}`, () => mustRunHook(exec, plan, 'move', 'source'));
  if (missing.length) await attempt(`added ${list(missing)} on ${to}`, () => addAddresses(exec, to, missing, destinationDevice));
  if (plan.addressHook) await attempt(`ran the address hook's move on ${to}`, () => mustRunHook(exec, plan, 'move', 'destination'));
  return missing;
}
