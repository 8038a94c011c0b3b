// Lazy mode after a failed page transfer: holds both copies still, compares their connections' stream
// positions, keeps exactly one copy (app/plan/split-brain.ts decides), stops the other without letting its
// exit reach the peers, resets the connections that cannot be kept without loss (so the peers see them end),
// and puts the addresses where the kept copy is.
import type { MigrationPlan, MigrationRecord } from '../../app/model/migration';
import { preLockTableText } from '../../app/plan/pre-lock';
import { compareStreams, decideSplitBrain, tallyStreams, type Side, type SplitBrainFacts } from '../../app/plan/split-brain';
import { verifyConnections } from '../../app/plan/verify';
import { killAndWaitArgv } from '../../app/shell/running';
import type { HostSnapshot } from '../../app/model/snapshot';
import type { Executor } from '../hosts/executor';
import { announceAddresses } from '../net/address-move';
import { probeHost } from '../net/host-probe';
import { deleteNewCriuTables } from '../net/network-lock';
import { readTcpSeqs } from '../net/tcp-seqs';
import { addressesBackToSource, addressesToDestination } from './address-placement';
import { destinationDevice, mustRun, sourceDevice } from './freeze-context';
import { failSourceDump, releaseGuard, resetConnections, signalTree } from './lazy-copies';
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
  const pids = plan.treePids;
  // Nothing may move while this is decided: the source's CRIU lets go of its copy (as a failed transfer: it
  // resumes it into the SIGSTOP queued at the dump), the destination copy is stopped.
  const dumpExit = pagesComplete ? undefined : await failSourceDump(exec, plan);
  await Promise.all([signalTree(exec, from, pids, 'STOP'), signalTree(exec, to, pids, 'STOP')]);
  const [src, dst, srcSeqs, dstSeqs] = await Promise.all([
    probeHost(exec, from, { processes: true, sockets: true }),
    probeHost(exec, to, { processes: true, sockets: true }),
    readTcpSeqs(exec, from, pids),
    readTcpSeqs(exec, to, pids),
  ]);
  const runs = (s: HostSnapshot) => !!s.processes?.some((p) => p.pid === plan.request.pid && p.comm === plan.comm);
  const alive = (s: HostSnapshot) => verifyConnections(plan.connections, s.sockets ?? [], plan.treePids, []).filter((c) => c.ok).length;
  const compared = compareStreams(plan.connections, srcSeqs, dstSeqs);
  const facts: SplitBrainFacts = {
    pagesComplete,
    sourceRuns: runs(src),
    destinationRuns: runs(dst),
    sourceConnections: alive(src),
    destinationConnections: alive(dst),
    streams: tallyStreams(compared),
  };
  const decision = decideSplitBrain(facts);
  const report: SplitBrainReport = { ...decision, facts, actions: [], ok: true, ...(dumpExit !== undefined ? { sourceDumpExit: dumpExit } : {}) };
  const { attempt } = new UndoLog(report);
  const hostOf = (side: Side) => (side === 'source' ? from : to);
  const keys = compared.map((c) => c.key).join(', ');
  if (decision.end === 'destination') {
    // Reset while the destination copy still holds the address: the peers know its sequence numbers.
    await attempt(`reset the connections from ${to} (${keys}): the peers see them end`, () => resetConnections(exec, to, plan.connections));
  }
  for (const side of decision.stop) {
    await attempt(`stopped the copy on ${hostOf(side)}, its connections silenced first`, () => stopSilently(exec, hostOf(side), plan));
  }
  if (decision.keep === 'source') {
    const offSrc = await addressesBackToSource(exec, plan, src, dst, attempt);
    await attempt(`removed this migration's network locks`, () => deleteNewCriuTables(exec, from, knownTables));
    if (decision.end === 'source') {
      await attempt(`reset the connections from ${from} (${keys}): the peers see them end`, () => resetConnections(exec, from, plan.connections));
    } else if (decision.end === 'destination') {
      // The peers already saw the reset; the source copy's stale sockets go without a word.
      await attempt(`closed the source copy's stale sockets silently`, () => closeSilently(exec, from, plan));
    }
    await attempt(`resumed the copy on ${from}`, () => signalTree(exec, from, pids, 'CONT'));
    // Twice, a second apart: a neighbour ignores an update within its ARP locktime (1 s) of the last one.
    if (offSrc.length)
      await attempt(`announced ${offSrc.map((m) => m.address).join(', ')} from ${from}`, () => announceAddresses(exec, from, offSrc, sourceDevice, 2));
  } else if (decision.keep === 'destination') {
    const onDst = await addressesToDestination(exec, plan, src, dst, attempt);
    if (onDst.length)
      await attempt(`announced ${onDst.map((m) => m.address).join(', ')} from ${to}`, () => announceAddresses(exec, to, onDst, destinationDevice, 2));
    await attempt(`resumed the copy on ${to}`, () => signalTree(exec, to, pids, 'CONT'));
    await attempt(`removed this migration's network locks`, () => deleteNewCriuTables(exec, from, knownTables));
  } else {
    // Nothing runs: the addresses go back where they came from, as after a rollback, and are announced from there:
    // else the peers' neighbour entries still point at the destination, and new connections from the source
    // (another process, a restarted service) get no answer until they expire.
    const offSrc = await addressesBackToSource(exec, plan, src, dst, attempt);
    if (offSrc.length)
      await attempt(`announced ${offSrc.map((m) => m.address).join(', ')} from ${from}`, () => announceAddresses(exec, from, offSrc, sourceDevice, 2));
    await attempt(`removed this migration's network locks`, () => deleteNewCriuTables(exec, from, knownTables));
  }
  if (decision.end) report.connectionsEnded = compared.map((c) => ({ connection: c.key, streams: c.result, why: decision.why }));
  await releaseGuard(exec, plan);
  return report;
}

/**
 * Stops a copy so that the peers hear nothing of it: its connections' packets are dropped both ways, the tree
 * is killed, the orphaned sockets are destroyed (their RST dropped too), and only then the drop is lifted.
 */
export async function stopSilently(exec: Executor, host: string, plan: MigrationPlan): Promise<void> {
  await underDrop(exec, host, plan, async () => {
    await mustRun(exec, host, killAndWaitArgv(plan.treePids));
    await resetConnections(exec, host, plan.connections);
  });
}

/** Destroys a copy's sockets of the migrated connections with their RST dropped (the process lives on). */
async function closeSilently(exec: Executor, host: string, plan: MigrationPlan): Promise<void> {
  await underDrop(exec, host, plan, () => resetConnections(exec, host, plan.connections));
}

/** Runs `fn` with the migrated connections' packets dropped both ways on `host`. */
async function underDrop(exec: Executor, host: string, plan: MigrationPlan, fn: () => Promise<void>): Promise<void> {
  const table = `${plan.preLock.table}-stop`;
  await mustRun(exec, host, ['nft', '-f', '-'], preLockTableText(table, plan.connections));
  try {
    await fn();
  } finally {
    await exec.run(host, ['nft', 'delete', 'table', 'inet', table]);
  }
}
