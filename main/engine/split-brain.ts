// Lazy mode after a failed page transfer: finds which copies run (CRIU resumes the source copy by itself),
// keeps exactly one (app/plan/split-brain.ts decides), stops the other without letting its exit reach the
// peers, and puts the addresses where the kept copy is.
import type { MigrationPlan, MigrationRecord } from '../../app/model/migration';
import { preLockTableText } from '../../app/plan/pre-lock';
import { decideSplitBrain, type Side, type SplitBrainFacts } from '../../app/plan/split-brain';
import { verifyConnections } from '../../app/plan/verify';
import { killAndWaitArgv } from '../../app/shell/running';
import type { HostSnapshot } from '../../app/model/snapshot';
import type { Executor } from '../hosts/executor';
import { announceAddresses } from '../net/address-move';
import { probeHost } from '../net/host-probe';
import { deleteNewCriuTables } from '../net/network-lock';
import { addressesBackToSource, addressesToDestination } from './address-placement';
import { mustRun, sourceDevice } from './freeze-context';
import { UndoLog } from './undo-log';

/** What was found and done; goes into the record as `splitBrain`. */
export type SplitBrainReport = NonNullable<MigrationRecord['splitBrain']>;

/**
 * Brings a lazy migration whose page transfer ended to exactly one running copy. `knownTables`: CRIU lock
 * tables that were on the source before the migration (not ours to remove).
 */
export async function resolveCopies(
  exec: Executor,
  plan: MigrationPlan,
  pagesComplete: boolean,
  knownTables: { family: string; name: string }[] = [],
): Promise<SplitBrainReport> {
  const { from, to } = plan.request;
  const [src, dst] = await Promise.all([
    probeHost(exec, from, { processes: true, sockets: true }),
    probeHost(exec, to, { processes: true, sockets: true }),
  ]);
  const runs = (s: HostSnapshot) => !!s.processes?.some((p) => p.pid === plan.request.pid && p.comm === plan.comm);
  const alive = (s: HostSnapshot) => verifyConnections(plan.connections, s.sockets ?? [], plan.treePids, []).filter((c) => c.ok).length;
  const facts: SplitBrainFacts = {
    pagesComplete,
    sourceRuns: runs(src),
    destinationRuns: runs(dst),
    sourceConnections: alive(src),
    destinationConnections: alive(dst),
  };
  const decision = decideSplitBrain(facts);
  const report: SplitBrainReport = { ...decision, facts, actions: [], ok: true };
  const { attempt } = new UndoLog(report);
  const hostOf = (side: Side) => (side === 'source' ? from : to);
  for (const side of decision.stop) {
    await attempt(`stopped the copy on ${hostOf(side)}, its connections silenced first`, () => stopSilently(exec, hostOf(side), plan));
  }
  if (decision.keep === 'source') {
    const offSrc = await addressesBackToSource(exec, plan, src, dst, attempt);
    // Twice, a second apart: a neighbour ignores an update within its ARP locktime (1 s) of the last one.
    if (offSrc.length) await attempt(`announced ${offSrc.map((m) => m.address).join(', ')} from ${from}`, () => announceAddresses(exec, from, offSrc, sourceDevice, 2));
  } else if (decision.keep === 'destination') {
    await addressesToDestination(exec, plan, src, dst, attempt);
  }
  await attempt(`removed this migration's network locks`, () => deleteNewCriuTables(exec, from, knownTables));
  return report;
}

/**
 * Stops a copy so that the peers hear nothing of it: its connections' packets are dropped both ways, the tree
 * is killed, the orphaned sockets are destroyed (their RST dropped too), and only then the drop is lifted.
 */
async function stopSilently(exec: Executor, host: string, plan: MigrationPlan): Promise<void> {
  const table = `${plan.preLock.table}-stop`;
  await mustRun(exec, host, ['nft', '-f', '-'], preLockTableText(table, plan.connections));
  try {
    await mustRun(exec, host, killAndWaitArgv(plan.treePids));
    await Promise.all(
      plan.connections.map((c) =>
        exec.run(host, ['ss', '-K', 'src', c.local.address, 'sport', '=', `:${c.local.port}`, 'dst', c.remote.address, 'dport', '=', `:${c.remote.port}`]),
      ),
    );
  } finally {
    await exec.run(host, ['nft', 'delete', 'table', 'inet', table]);
  }
}
