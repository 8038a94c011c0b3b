// The migration pipeline: connect → preflight → prepare (folders, page server) → lock destination →
// freeze (streamed or staged: dump, transfer ∥ address move, restore) → verify → clean up. A failure in the
// freeze rolls back to the source.
import { randomBytes, randomInt } from 'node:crypto';
import { FerryError, toErrorInfo } from '../../app/errors';
import { sameHostProblem } from '../../app/inventory/host-identity';
import type { HostSpec } from '../../app/model/host';
import type { MigrationRecord, MigrationRequest } from '../../app/model/migration';
import { buildPlan } from '../../app/plan/build-plan';
import { DEFAULT_IMAGE_BASE, parseImageBase } from '../../app/plan/image-base';
import { verifyConnections } from '../../app/plan/verify';
import { freezeBreakdown } from '../../app/review/freeze-parts';
import { imageStreamOf } from '../../app/plan/image-stream';
import type { NftTable } from '../../app/parse/nft';
import { announceAddresses } from '../net/address-move';
import { criuCandidates, probeHost } from '../net/host-probe';
import { deleteNewCriuTables, listCriuTables } from '../net/network-lock';
import { saveRecord } from '../store/record-store';
import { imageBytes, readRemoteFile } from './criu-run';
import { destinationDevice, persistLog, type FreezeContext, type FreezeState, type MigrateDeps } from './freeze-context';
import { freezeStaged } from './freeze-staged';
import { freezeStreamed } from './freeze-streamed';
import { Journal } from './journal';
import { acquireMigrationLocks, lockKeys } from './migration-locks';
import { newMigrationId } from './migration-id';
import { LAZY_PIPE_MAX_SIZE, clearStaleSockets, lazyDumpExit, lazyPagesErrors, lockDestination, prepareFolders, prepareSourceLock, raisePipeMaxSize, unlockDestination, waitForLazyPages } from './prepare-hosts';
import { endPageStream, preparePageStream } from './page-stream';
import { pageGuards } from '../../app/plan/page-guard';
import { rollback } from './rollback';
import { followLazyWindow, lazyPagesExit } from './lazy-copies';
import { recoverPages } from './lazy-recovery';
import { resolveCopies, stopSilently } from './split-brain';
import { StepRunner, type EventSink } from './step-runner';

export type { MigrateDeps } from './freeze-context';

export { DEFAULT_IMAGE_BASE } from '../../app/plan/image-base';

/** Runs one migration to its end; never throws: the record says what happened. */
export async function migrate(deps: MigrateDeps, request: MigrationRequest, sink: EventSink = () => {}): Promise<MigrationRecord> {
  const id = newMigrationId();
  const record: MigrationRecord = { id, request, startedAt: Date.now(), outcome: 'running', steps: [], connections: [], logs: {}, warnings: [] };
  const run = new StepRunner(record, sink);
  const persist = deps.persist !== false;
  try {
    await pipeline(deps, run);
    record.outcome = 'succeeded';
  } catch (err) {
    record.error = toErrorInfo(err);
    if (record.outcome === 'running') record.outcome = 'failed';
  } finally {
    record.endedAt = Date.now();
    if (persist) {
      try {
        record.recordDir = saveRecord(record);
      } catch (e) {
        run.log(`could not save the record: ${String(e)}`, 'warn');
      }
    }
    run.emit(record.outcome === 'succeeded' ? { type: 'done', id, record } : { type: 'failed', id, record });
  }
  return record;
}

async function pipeline(deps: MigrateDeps, run: StepRunner): Promise<void> {
  const record = run.record;
  const req = record.request;
  // Refused before any connection: one host under two names (or one name in two cases) is still one host.
  const from = deps.resolveHost(req.from);
  const to = deps.resolveHost(req.to);
  const same = sameHostProblem(from, to, req);
  if (same) {
    record.outcome = 'refused';
    throw new FerryError(same);
  }
  criuCandidates();
  if (deps.imageBase !== undefined) parseImageBase(deps.imageBase);
  // One migration per process and per address at a time, across every controller on this machine.
  const releases: Array<() => void> = [];
  const lock = (addresses: string[]) => {
    try {
      releases.push(acquireMigrationLocks(lockKeys({ from, to, pid: req.pid }, addresses), record.id));
    } catch (err) {
      record.outcome = 'refused';
      throw err;
    }
  };
  lock(req.addresses);
  try {
    await lockedPipeline(deps, run, lock, from, to);
  } finally {
    for (const release of releases.reverse()) release();
  }
}

async function lockedPipeline(deps: MigrateDeps, run: StepRunner, lock: (addresses: string[]) => void, from: HostSpec, to: HostSpec): Promise<void> {
  const { exec } = deps;
  const record = run.record;
  const req = record.request;

  const [srcSnap, dstSnap, tablesBefore] = await run.step('connect', async (s) => {
    const out = await Promise.all([
      probeHost(exec, req.from, { criuCheck: true, processes: true, sockets: true, statPid: req.pid }),
      probeHost(exec, req.to, { criuCheck: true, processes: true, sockets: true }),
      listCriuTables(exec, req.from).catch(() => [] as NftTable[]),
    ]);
    s.detail = `${req.from} (${out[0].kernel}), ${req.to} (${out[1].kernel})`;
    return out;
  });

  const plan = await run.step('preflight', async (s) => {
    const result = buildPlan({
      id: record.id, request: req, source: srcSnap, destination: dstSnap,
      sourceHostName: from.hostName, destinationHostName: to.hostName,
      sourceSshPort: from.port, destinationSshPort: to.port,
      imageBase: deps.imageBase ?? DEFAULT_IMAGE_BASE,
      preferTmpfs: deps.imageBase === undefined,
      pageServerPort: 27000 + randomInt(1000),
      directStreamToken: randomBytes(16).toString('hex'),
      ...(deps.pageStreamTls === false ? { pageStreamTls: false } : {}),
    });
    for (const w of result.ok ? result.plan.warnings : result.warnings) run.log(w, 'warn');
    if (!result.ok) {
      record.outcome = 'refused';
      record.problems = result.problems;
      const first = result.problems[0];
      const more = result.problems.length > 1 ? ` (+${result.problems.length - 1} more: ${result.problems.slice(1).map((p) => p.code).join(', ')})` : '';
      throw new FerryError({ code: first?.code ?? 'INTERNAL', message: `${first?.message ?? 'preflight failed'}${more}`, ...(first?.host ? { host: first.host } : {}), ...(first?.hint ? { hint: first.hint } : {}) });
    }
    s.detail = `${result.plan.treePids.length} process(es), ${result.plan.connections.length} connection(s), move ${result.plan.addresses.map((a) => a.address).join(', ') || 'no address'}`;
    return result.plan;
  });
  record.plan = plan;
  lock(plan.addresses.map((a) => a.address));
  run.emit({ type: 'plan', id: record.id, plan });
  record.connections = plan.connections.filter((c) => c.state === 'ESTAB').map((c) => ({ key: '', before: c, ok: false }));

  await run.step('prepare', async (s) => {
    const [, cleared] = await Promise.all([prepareFolders(exec, plan).then(() => prepareSourceLock(exec, plan)), clearStaleSockets(exec, plan)]);
    if (cleared) run.log(`destroyed ${cleared} leftover socket(s) on ${req.to} holding the four-tuples of connections that move`, 'info', req.to);
    if (plan.transferMode === 'lazy') {
      const before = await Promise.all([raisePipeMaxSize(exec, req.from), raisePipeMaxSize(exec, req.to)]);
      before.forEach((v, i) => {
        if (v < LAZY_PIPE_MAX_SIZE) run.log(`raised fs.pipe-max-size from ${v} to ${LAZY_PIPE_MAX_SIZE} (CRIU's lazy page pipes need it)`, 'info', i === 0 ? req.from : req.to);
      });
    }
    try {
      await preparePageStream(exec, plan);
    } catch (err) {
      await endPageStream(exec, plan);
      throw err;
    }
    const ps = plan.pageServer;
    const guards = pageGuards(plan).map((g) => `port ${g.ports.join(', ')} on ${g.side === 'source' ? req.from : req.to} open to ${g.peer} only`);
    s.detail = `${plan.transferMode}: ${plan.transferReason}${ps ? `; page stream${plan.directStream ? 's' : ''} ${ps.tls ? 'TLS (keys made for this migration)' : 'plain TCP'}${guards.length ? `, ${guards.join('; ')}` : ''}` : ''}`;
  });
  const state: FreezeState = { dumped: false, addressRemoved: false, addressAdded: false, announcements: [] };
  const journal = deps.persist === false ? undefined : new Journal(record.id);
  journal?.start(plan, tablesBefore);
  const ctx: FreezeContext = { deps, run, plan, state, tablesBefore, ...(journal ? { journal } : {}) };
  try {
    await run.step('lock-destination', async (s) => {
      await lockDestination(exec, plan);
      s.detail = `nft table inet ${plan.preLock.table} (${plan.connections.length} connection(s)), opened when CRIU unlocks the restored connections`;
    });
    // ---- freeze (each mode starts it): from then on, the peers see silence until the restore finishes.
    await (plan.transferMode === 'staged' ? freezeStaged(ctx) : freezeStreamed(ctx));
  } catch (err) {
    await rollback(ctx);
    journal?.write({ phase: 'rolled-back' });
    journal?.write({ phase: 'ended', outcome: 'failed' });
    throw err;
  }

  // Announce again now that the restored sockets answer; neighbours may have ignored the first one.
  state.announcements.push(announceAddresses(exec, req.to, plan.addresses, destinationDevice, 2));

  await run.step('verify', async (s) => {
    if (plan.transferMode === 'lazy') {
      // Until the last page has arrived the process depends on the source, which still holds the frozen
      // original (and its sockets): wait for that before judging the source side.
      const restoredAt = record.freeze?.endedAt ?? Date.now();
      let done = Date.now();
      let dumpExit: number | undefined;
      let daemonExit: number | undefined;
      const closeWindow = followLazyWindow(exec, plan, restoredAt, (w) =>
        run.emit({ type: 'lazy-window', id: record.id, restoredAt, source: req.from, totalKiB: plan.rssKiB, ...w }),
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
        run.log(`all pages arrived ${done - restoredAt} ms after the restore: ${req.to} no longer depends on ${req.from}`);
      } else if (!(await recoverLazyPages(ctx, restoredAt, daemonExit))) {
        await resolveLazyFailure(ctx, dumpExit, daemonExit);
      }
    }
    const [dst, src, dlog, rlog, bytes] = await Promise.all([
      probeHost(exec, req.to, { processes: true, sockets: true }),
      probeHost(exec, req.from, { sockets: true }),
      readRemoteFile(exec, req.from, state.dumpLog ?? ''),
      readRemoteFile(exec, req.to, state.restoreLog ?? ''),
      imageBytes(exec, req.to, plan.destinationImageDir),
    ]);
    if (bytes !== undefined) record.imageBytes = bytes;
    record.logs.dump = persistLog(deps, record.id, 'dump.log', dlog);
    record.logs.restore = persistLog(deps, record.id, 'restore.log', rlog);
    if (record.freezeMarkers && record.freeze?.ms !== undefined) {
      const parts = freezeBreakdown({ mode: plan.transferMode, freezeMs: record.freeze.ms, ...record.freezeMarkers, dumpLog: dlog, restoreLog: rlog, imagesVia: imageStreamOf(plan) ? 'direct' : 'controller' });
      if (parts) record.freezeParts = parts;
    }
    const root = dst.processes?.find((p) => p.pid === req.pid);
    record.connections = verifyConnections(plan.connections, dst.sockets ?? [], plan.treePids, src.sockets ?? []);
    const bad = record.connections.filter((c) => !c.ok);
    if (!root) {
      // It died after the restore: nothing runs anywhere, so bring it back on the source from its dump.
      const err = new FerryError({ code: 'VERIFY_FAILED', host: req.to, message: `process ${req.pid} is not running on ${req.to} after the restore` });
      if (plan.transferMode !== 'lazy') {
        await rollback(ctx);
        journal?.write({ phase: 'rolled-back' });
        journal?.write({ phase: 'ended', outcome: 'failed' });
      }
      throw err;
    }
    if (bad.length) {
      throw new FerryError({ code: 'VERIFY_FAILED', host: req.to, message: `${bad.length} of ${record.connections.length} connection(s) not intact: ${bad.map((c) => `${c.key} ${c.problem}`).join('; ')}` });
    }
    s.detail = `${record.connections.length} connection(s) ESTABLISHED on ${req.to}, owned by ${root.comm} (${root.pid})`;
  });
  journal?.write({ phase: 'verified' });

  await run.step('cleanup', async (s) => {
    // The pre-lock was opened at the restore's unlock (pre-lock.ts); its table goes now.
    const [fromSource] = await Promise.all([
      deleteNewCriuTables(exec, req.from, tablesBefore),
      unlockDestination(exec, plan),
      endPageStream(exec, plan),
    ]);
    for (const p of (await Promise.all(state.announcements)).flat()) run.log(`announce: ${p}`, 'warn', req.to);
    if (!req.keepImages) {
      await Promise.all([
        exec.run(req.from, ['rm', '-rf', '--', plan.sourceImageDir]),
        exec.run(req.to, ['rm', '-rf', '--', plan.destinationImageDir]),
      ]);
    }
    s.detail = `network lock removed from ${req.from} (${fromSource.join(', ') || 'none left'})${req.keepImages ? ', images kept' : ', images removed'}`;
  });
  journal?.write({ phase: 'ended', outcome: 'succeeded' });
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
  const done = Date.now();
  run.emit({ type: 'lazy-window', id: run.record.id, at: done, restoredAt, source: from, totalKiB: plan.rssKiB, ended: 'complete' });
  run.log(`recovered: ${r.detail} in ${r.ms} ms; all pages arrived ${done - restoredAt} ms after the restore`, 'warn');
  await stopSilently(deps.exec, from, plan);
  const removed = await deleteNewCriuTables(deps.exec, from, ctx.tablesBefore ?? []);
  run.record.lazyPages = { completedAt: done, msAfterRestore: done - restoredAt, ok: true, detail: `${broke}; ${r.detail}`, recovered: { pages: r.pages ?? 0, ms: r.ms } };
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
  const daemon = daemonExit === undefined ? '' : daemonExit > 128 ? `${to}'s lazy-pages daemon was killed by signal ${daemonExit - 128}` : `${to}'s lazy-pages daemon exited ${daemonExit}`;
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
    run.log(`connections ended (reset from ${sb.end === 'source' ? from : to}, so the peers see it): ${sb.connectionsEnded.map((c) => `${c.connection} (${c.streams})`).join(', ')}`, 'warn');
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
