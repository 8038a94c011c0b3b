// `ferry recover`: finds migrations whose controller died (open journals) and brings each to one safe end:
// finished on the destination, or back on the source, never running twice.
import { toErrorInfo } from '../../app/errors';
import type { MigrationPlan, MigrationRecord } from '../../app/model/migration';
import { decideRecovery, type RecoveryAction, type RecoveryFacts } from '../../app/plan/recovery';
import { verifyConnections } from '../../app/plan/verify';
import { killAndWaitArgv } from '../../app/shell/running';
import type { Executor } from '../hosts/executor';
import { announceAddresses } from '../net/address-move';
import { probeHost } from '../net/host-probe';
import { deleteNewCriuTables } from '../net/network-lock';
import { openRecordStore, type RecordStore } from '../store/record-store';
import { addressesBackToSource, addressesToDestination } from './address-placement';
import { usesSourceLock } from '../../app/plan/pre-lock';
import { criuRestore } from './criu-run';
import { destinationDevice, mustRun, sourceDevice } from './freeze-context';
import { Journal, openJournals, type OpenJournal } from './journal';
import { lazyDumpExit, stopPageServer, unlockDestination } from './prepare-hosts';
import { lazyPagesExit } from './lazy-copies';
import { recoverPages } from './lazy-recovery';
import { resolveCopies, stopSilently } from './split-brain';
import { transferDirectory } from './transfer';
import { UndoLog } from './undo-log';
import { ferryAnnouncedAddresses } from '../../app/hooks/address-hook';

/** What recovery did for one migration. */
export interface RecoveryReport {
  id: string;
  phase: string;
  facts?: RecoveryFacts;
  action?: RecoveryAction;
  why?: string;
  actions: string[];
  ok: boolean;
  skipped?: string;
}

/** Recovers every open journal of `store` whose controller is gone (or only `onlyId`). */
export async function recoverAll(exec: Executor, onlyId?: string, store: RecordStore = openRecordStore()): Promise<RecoveryReport[]> {
  const out: RecoveryReport[] = [];
  for (const j of openJournals(store)) {
    if (onlyId && j.id !== onlyId) continue;
    if (j.ownerAlive) {
      out.push({ id: j.id, phase: j.phase, actions: [], ok: true, skipped: 'its controller is still running' });
      continue;
    }
    out.push(await recoverOne(exec, j, store));
  }
  return out;
}

async function recoverOne(exec: Executor, j: OpenJournal, store: RecordStore): Promise<RecoveryReport> {
  const plan = j.plan;
  const { from, to, pid } = plan.request;
  const report: RecoveryReport = { id: j.id, phase: j.phase, actions: [], ok: true };
  const undo = new UndoLog(report);
  const { attempt } = undo;
  try {
    // Lazy and past the address move: the restore may have finished without the journal saying so yet.
    if (plan.transferMode === 'lazy' && ['address-added', 'restored', 'verified', 'split-brain'].includes(j.phase)) {
      // Restored without its memory: the page transfer decides which copy may live (never both).
      // A failed lazy-pages daemon leaves the source's dump waiting on its held page connection: no wait then.
      const daemonExit = await lazyPagesExit(exec, plan);
      if (daemonExit !== undefined && daemonExit !== 0) {
        // The transfer broke: recovery before surrender, as during a migration.
        const pages = await recoverPages(exec, plan);
        if (pages.ok) {
          Object.assign(report, { action: 'finish', why: `lazy pages: ${to}'s lazy-pages daemon exited ${daemonExit}; ${pages.detail}` });
          await attempt(`stopped the source copy on ${from}, its connections silenced first`, () => stopSilently(exec, from, plan));
          await attempt(`removed this migration's network lock on ${from}`, () => deleteNewCriuTables(exec, from, j.tablesBefore));
          await attempt(`announced the addresses from ${to}`, () => announceAddresses(exec, to, ferryAnnouncedAddresses(plan), destinationDevice));
          await attempt(`removed this migration's page-stream keys and guards`, () => stopPageServer(exec, plan));
          finishRecord(store, j, report);
          return report;
        }
        report.actions.push(`recovering the missing pages failed: ${pages.detail}`);
      }
      const exit = daemonExit !== undefined && daemonExit !== 0 ? undefined : await lazyDumpExit(exec, plan, 60_000);
      const sb = await resolveCopies(exec, plan, exit === 0, j.tablesBefore);
      Object.assign(report, {
        action: sb.keep === 'destination' ? 'finish' : sb.keep === 'source' ? 'keep-source' : 'lost',
        why: `lazy pages ${exit === 0 ? 'complete' : `incomplete (source dump exit ${exit ?? 'unknown'})`}: ${sb.why}`,
        ok: sb.ok,
      });
      report.actions.push(...sb.actions);
      if (sb.keep === 'destination')
        await attempt(`announced the addresses from ${to}`, () => announceAddresses(exec, to, ferryAnnouncedAddresses(plan), destinationDevice));
      await attempt(`removed this migration's page-stream keys and guards`, () => stopPageServer(exec, plan));
      finishRecord(store, j, report);
      return report;
    }
    const [src, dst] = await Promise.all([probeHost(exec, from, { processes: true, sockets: true }), probeHost(exec, to, { processes: true, sockets: true })]);
    const runs = (procs = src.processes) => !!procs?.some((p) => p.pid === pid && p.comm === plan.comm);
    const conns = verifyConnections(plan.connections, dst.sockets ?? [], plan.treePids, []);
    const images = await hasImages(exec, plan);
    const facts: RecoveryFacts = {
      phase: j.phase,
      runningOnSource: runs(src.processes),
      runningOnDestination: runs(dst.processes),
      destinationConnectionsOk: conns.length > 0 ? conns.every((c) => c.ok) : runs(dst.processes),
      imagesAvailable: images,
    };
    const { action, why } = decideRecovery(facts);
    Object.assign(report, { facts, action, why });

    if (action === 'finish') {
      if (facts.runningOnSource && plan.transferMode !== 'lazy') {
        await attempt(`stopped the leftover copy on ${from}`, () => mustRun(exec, from, killAndWaitArgv(plan.treePids)));
      }
      await addressesToDestination(exec, plan, src, dst, attempt);
      await attempt(`announced the addresses from ${to}`, () => announceAddresses(exec, to, ferryAnnouncedAddresses(plan), destinationDevice));
      await attempt(`removed the network locks`, async () => {
        await deleteNewCriuTables(exec, from, j.tablesBefore);
        await unlockDestination(exec, plan);
        await stopPageServer(exec, plan);
      });
    } else if (action === 'keep-source' || action === 'restore-source') {
      if (facts.runningOnDestination) {
        await attempt(`stopped the copy without connections on ${to}`, () => mustRun(exec, to, killAndWaitArgv(plan.treePids)));
      }
      const offSrc = await addressesBackToSource(exec, plan, src, dst, attempt);
      if (action === 'restore-source') {
        if (plan.transferMode === 'streamed') {
          await attempt(`fetched the memory pages back from ${to}`, () =>
            transferDirectory(exec, { host: to, dir: plan.destinationImageDir }, { host: from, dir: plan.sourceImageDir }),
          );
        }
        await attempt(`restored process ${pid} on ${from} from its dump`, async () => {
          const r = await criuRestore(exec, from, plan, 'source');
          if (!r.ok) throw r.error;
        });
        if (usesSourceLock(plan.transferMode))
          await attempt(`removed this migration's network lock on ${from}`, () => deleteNewCriuTables(exec, from, j.tablesBefore));
      } else {
        // The process runs but its dump may have locked its connections: unlock them.
        await attempt(`removed this migration's network lock on ${from}`, () => deleteNewCriuTables(exec, from, j.tablesBefore));
      }
      if (offSrc.length)
        await attempt(`announced the addresses from ${from}`, () => announceAddresses(exec, from, ferryAnnouncedAddresses(plan), sourceDevice));
    }
  } catch (e) {
    undo.fail(`recovery failed: ${toErrorInfo(e).message}`);
  }
  finishRecord(store, j, report);
  return report;
}

/** A complete dump exists (source folder has its inventory; streamed pages sit on the destination). */
async function hasImages(exec: Executor, plan: MigrationPlan): Promise<boolean> {
  const src = await exec.run(plan.request.from, ['test', '-s', `${plan.sourceImageDir}/inventory.img`]);
  if (src.code !== 0) return false;
  if (plan.transferMode === 'lazy') return false;
  if (plan.transferMode === 'streamed') {
    const dst = await exec.run(plan.request.to, ['sh', '-c', 'ls "$1"/pages-*.img >/dev/null 2>&1', 'ferry-pages', plan.destinationImageDir]);
    return dst.code === 0;
  }
  return true;
}

function finishRecord(store: RecordStore, j: OpenJournal, report: RecoveryReport): void {
  const journal = new Journal(j.id, store);
  journal.write({ phase: 'recovered', outcome: report.action ?? 'unknown' });
  journal.write({ phase: 'ended', outcome: report.ok ? `recovered: ${report.action}` : 'recovery incomplete' });
  const record: MigrationRecord = store.load(j.id) ?? {
    id: j.id,
    request: j.plan.request,
    plan: j.plan,
    startedAt: j.entries[0]?.at ?? Date.now(),
    outcome: 'failed',
    steps: [],
    connections: [],
    logs: {},
    warnings: [],
  };
  record.outcome = report.action === 'finish' && report.ok ? 'succeeded' : 'failed';
  record.endedAt = Date.now();
  record.warnings.push(`recovered after the controller died at "${j.phase}": ${report.action} (${report.why ?? ''}): ${report.actions.join('; ')}`);
  record.rollback = { attempted: report.action !== 'finish', actions: report.actions, ok: report.ok };
  store.save(record);
}
