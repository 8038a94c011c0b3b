// The migration pipeline: connect → preflight → prepare (folders, page stream) → lock destination → freeze
// (streamed, lazy or staged: dump, transfer ∥ address move, restore) → verify → clean up. A failure in the freeze
// rolls back to the source; a cancel before it removes what was prepared (engine-cancel.ts).
import { FerryError, toErrorInfo } from '../../app/errors';
import type { HostSpec } from '../../app/model/host';
import type { MigrationPlan, MigrationRecord, MigrationRequest } from '../../app/model/migration';
import { verifyConnections } from '../../app/plan/verify';
import { freezeBreakdown } from '../../app/review/freeze-parts';
import { imageStreamOf } from '../../app/plan/image-stream';
import { announceAddresses } from '../net/address-move';
import { probeHost } from '../net/host-probe';
import { deleteNewCriuTables } from '../net/network-lock';
import { imageBytes, readRemoteFile } from './criu-run';
import type { MigrateDeps } from './engine-deps';
import { cancelledError, isCancelled, throwIfCancelled } from './engine-cancel';
import { destinationDevice, persistLog, type FreezeContext, type FreezeState } from './freeze-context';
import { freezeStaged } from './freeze-staged';
import { freezeStreamed } from './freeze-streamed';
import { awaitLazyPages } from './lazy-outcome';
import { lockKeys } from './migration-locks';
import { newMigrationId } from './migration-id';
import {
  LAZY_PIPE_MAX_SIZE,
  clearStaleSockets,
  lockDestination,
  prepareFolders,
  prepareSourceLock,
  raisePipeMaxSize,
  unlockDestination,
} from './prepare-hosts';
import { endPageStream, preparePageStream } from './page-stream';
import { addQuickackRoutes } from '../net/quickack-route';
import { planFor, probePair, resolvePair, type ProbedPair } from './probe-plan';
import { pageGuards } from '../../app/plan/page-guard';
import { rollback } from './rollback';
import { ferryAnnouncedAddresses } from '../../app/hooks/address-hook';
import { prepareAddressHook } from './address-hook-run';
import { StepRunner, type EventSink } from './step-runner';

export type { MigrateDeps } from './engine-deps';

export { DEFAULT_IMAGE_BASE } from '../../app/plan/image-base';

/** Runs one migration to its end; never throws: the record says what happened. */
export async function migrate(deps: MigrateDeps, request: MigrationRequest, sink: EventSink = () => {}): Promise<MigrationRecord> {
  const id = newMigrationId();
  const record: MigrationRecord = { id, request, startedAt: deps.now(), outcome: 'running', steps: [], connections: [], logs: {}, warnings: [] };
  const run = new StepRunner(record, sink, deps.now);
  try {
    await pipeline(deps, run);
    record.outcome = 'succeeded';
  } catch (err) {
    record.error = toErrorInfo(err);
    if (record.outcome === 'running') record.outcome = isCancelled(err) ? 'cancelled' : 'failed';
  } finally {
    record.endedAt = deps.now();
    saveProgress(deps, run);
    run.emit(record.outcome === 'succeeded' ? { type: 'done', id, record } : { type: 'failed', id, record });
  }
  return record;
}

/** Saves the record as it is (the history shows a running migration too); a failure to save is only logged. */
function saveProgress(deps: MigrateDeps, run: StepRunner): void {
  try {
    const dir = deps.store.saveRecord(run.record);
    if (dir) run.record.recordDir = dir;
  } catch (e) {
    run.log(`could not save the record: ${String(e)}`, 'warn');
  }
}

/** Marks the migration refused (nothing was changed) and rethrows. */
function refuse(run: StepRunner, err: unknown): never {
  run.record.outcome = 'refused';
  throw err;
}

async function pipeline(deps: MigrateDeps, run: StepRunner): Promise<void> {
  const record = run.record;
  const req = record.request;
  // Refused before any connection: one host under two names (or one name in two cases) is still one host.
  const hosts = resolvePair(deps, req);
  if (hosts.same) refuse(run, new FerryError(hosts.same));
  // One migration per process and per address at a time, across every controller on this machine.
  const releases: Array<() => void> = [];
  const lock = (addresses: readonly string[]) => {
    try {
      releases.push(deps.lock(lockKeys({ from: hosts.from, to: hosts.to, pid: req.pid }, addresses), record.id));
    } catch (err) {
      refuse(run, err);
    }
  };
  lock(req.addresses);
  try {
    await lockedPipeline(deps, run, lock, hosts);
  } finally {
    for (const release of releases.reverse()) release();
  }
}

async function lockedPipeline(
  deps: MigrateDeps,
  run: StepRunner,
  lock: (addresses: readonly string[]) => void,
  hosts: { from: HostSpec; to: HostSpec },
): Promise<void> {
  const probed = await connectStep(deps, run, hosts);
  throwIfCancelled(deps.signal);
  const plan = await preflightStep(deps, run, probed);
  lock(plan.addresses.map((a) => a.address));
  announcePlan(run, plan);
  throwIfCancelled(deps.signal);
  const state: FreezeState = { dumped: false, addressRemoved: false, addressAdded: false, announcements: [] };
  const ctx: FreezeContext = { deps, run, plan, state, tablesBefore: probed.tablesBefore };
  try {
    await prepareStep(ctx);
    throwIfCancelled(deps.signal);
  } catch (err) {
    if (isCancelled(err)) await removePrepared(ctx);
    throw err;
  }
  ctx.journal = deps.store.journal(run.record.id);
  ctx.journal.start(plan, probed.tablesBefore);
  // From here the migration shows in the history as running; should this controller die, recovery ends it there.
  saveProgress(deps, run);
  await freezeStep(ctx);
  await verifyStep(ctx);
  ctx.journal.write({ phase: 'verified' });
  await cleanupStep(ctx);
  ctx.journal.write({ phase: 'ended', outcome: 'succeeded' });
}

/** connect: both hosts probed at once (and the source's CRIU lock tables, which are not ours to remove). */
async function connectStep(deps: MigrateDeps, run: StepRunner, hosts: { from: HostSpec; to: HostSpec }): Promise<ProbedPair> {
  const req = run.record.request;
  return run.step('connect', async (s) => {
    const p = await probePair(deps, req, hosts, { criuTables: true });
    for (const o of [p.source, p.destination]) if ('error' in o) throw o.error;
    const kernel = (o: ProbedPair['source']) => ('snap' in o ? o.snap.kernel : '?');
    s.detail = `${req.from} (${kernel(p.source)}), ${req.to} (${kernel(p.destination)})`;
    return p;
  });
}

/** preflight: the plan, or every problem (the migration is refused; nothing was changed). */
async function preflightStep(deps: MigrateDeps, run: StepRunner, probed: ProbedPair): Promise<MigrationPlan> {
  const record = run.record;
  return run.step('preflight', async (s) => {
    const result = planFor(deps, record.id, record.request, probed);
    for (const w of result.ok ? result.plan.warnings : result.warnings) run.log(w, 'warn');
    if (!result.ok) {
      record.problems = result.problems;
      const first = result.problems[0];
      const more =
        result.problems.length > 1
          ? ` (+${result.problems.length - 1} more: ${result.problems
              .slice(1)
              .map((p) => p.code)
              .join(', ')})`
          : '';
      refuse(
        run,
        new FerryError({
          code: first?.code ?? 'INTERNAL',
          message: `${first?.message ?? 'preflight failed'}${more}`,
          ...(first?.host ? { host: first.host } : {}),
          ...(first?.hint ? { hint: first.hint } : {}),
        }),
      );
    }
    s.detail = `${result.plan.treePids.length} process(es), ${result.plan.connections.length} connection(s), move ${result.plan.addresses.map((a) => a.address).join(', ') || 'no address'}`;
    return result.plan;
  });
}

/** The plan goes into the record and the event stream. */
function announcePlan(run: StepRunner, plan: MigrationPlan): void {
  const record = run.record;
  record.plan = plan;
  run.emit({ type: 'plan', id: record.id, plan });
  record.connections = plan.connections.filter((c) => c.state === 'ESTAB').map((c) => ({ key: '', before: c, ok: false }));
}

/** prepare: image folders, stale sockets cleared, pipe sizes for lazy mode, the page stream up (before the freeze). */
async function prepareStep(ctx: FreezeContext): Promise<void> {
  const {
    deps: { exec },
    run,
    plan,
  } = ctx;
  const req = plan.request;
  await run.step('prepare', async (s) => {
    const [, cleared] = await Promise.all([prepareFolders(exec, plan).then(() => prepareSourceLock(exec, plan)), clearStaleSockets(exec, plan)]);
    if (cleared) run.log(`destroyed ${cleared} leftover socket(s) on ${req.to} holding the four-tuples of connections that move`, 'info', req.to);
    if (plan.transferMode === 'lazy') {
      // Independent of each other: both hosts' pipe limit and the quick-ACK routes in one round of round trips.
      const [before, routes] = await Promise.all([
        Promise.all([raisePipeMaxSize(exec, req.from), raisePipeMaxSize(exec, req.to)]),
        addQuickackRoutes(exec, plan),
      ]);
      before.forEach((v, i) => {
        if (v < LAZY_PIPE_MAX_SIZE)
          run.log(`raised fs.pipe-max-size from ${v} to ${LAZY_PIPE_MAX_SIZE} (CRIU's lazy page pipes need it)`, 'info', i === 0 ? req.from : req.to);
      });
      if (routes.length)
        run.log(`quick-ACK host route(s) ${routes.join(', ')} for the lazy-pages TLS handshake inside the freeze (removed with the page stream)`, 'info');
    }
    try {
      await preparePageStream(exec, plan);
    } catch (err) {
      await endPageStream(exec, plan);
      throw err;
    }
    let hook = '';
    try {
      hook = await prepareAddressHook(exec, plan, run.record);
    } catch (err) {
      await removePrepared(ctx);
      throw err;
    }
    const ps = plan.pageServer;
    const guards = pageGuards(plan).map((g) => `port ${g.ports.join(', ')} on ${g.side === 'source' ? req.from : req.to} open to ${g.peer} only`);
    s.detail = `${plan.transferMode}: ${plan.transferReason}${ps ? `; page stream${plan.directStream ? 's' : ''} ${ps.tls ? 'TLS (keys made for this migration)' : 'plain TCP'}${guards.length ? `, ${guards.join('; ')}` : ''}` : ''}${hook ? `; ${hook}` : ''}`;
  });
}

/**
 * Cancelled before the freeze: everything `prepare` and `lock-destination` made goes (page stream with its keys,
 * guard and relays; the pre-lock; both image folders). Nothing was frozen, so nothing else changed.
 */
async function removePrepared(ctx: FreezeContext): Promise<void> {
  const {
    deps: { exec },
    run,
    plan,
  } = ctx;
  await Promise.all([
    endPageStream(exec, plan),
    unlockDestination(exec, plan),
    deleteNewCriuTables(exec, plan.request.from, ctx.tablesBefore ?? []).catch(() => []),
  ]);
  await Promise.all([
    exec.run(plan.request.from, ['rm', '-rf', '--', plan.sourceImageDir]).catch(() => undefined),
    exec.run(plan.request.to, ['rm', '-rf', '--', plan.destinationImageDir]).catch(() => undefined),
  ]);
  run.log(`cancelled before the freeze: removed the page stream, the pre-lock and the image folders on ${plan.request.from} and ${plan.request.to}`, 'warn');
}

/** lock-destination, then the freeze of the plan's mode; a failure rolls back, a cancel before the freeze cleans up. */
async function freezeStep(ctx: FreezeContext): Promise<void> {
  const { deps, run, plan } = ctx;
  const journal = ctx.journal;
  try {
    await run.step('lock-destination', async (s) => {
      await lockDestination(deps.exec, plan);
      s.detail = `nft table inet ${plan.preLock.table} (${plan.connections.length} connection(s)), opened when CRIU unlocks the restored connections`;
    });
    throwIfCancelled(deps.signal);
    // ---- freeze (each mode starts it): from then on, the peers see silence until the restore finishes.
    await (plan.transferMode === 'staged' ? freezeStaged(ctx) : freezeStreamed(ctx));
  } catch (err) {
    if (isCancelled(err) && !run.record.freeze) {
      await removePrepared(ctx);
      journal?.write({ phase: 'ended', outcome: 'cancelled' });
      throw err;
    }
    await rollback(ctx);
    journal?.write({ phase: 'rolled-back' });
    journal?.write({ phase: 'ended', outcome: 'failed' });
    throw isCancelled(err) ? cancelledError('freeze') : err;
  }
  if (deps.signal?.aborted) run.log('the cancel came after the destination had restored the process: the migration carries on', 'warn');
  // Announce again now that the restored sockets answer; neighbours may have ignored the first one.
  ctx.state.announcements.push(announceAddresses(deps.exec, plan.request.to, ferryAnnouncedAddresses(plan), destinationDevice, 2));
}

/** verify: lazy pages complete, the same connections ESTABLISHED on the destination and gone from the source. */
async function verifyStep(ctx: FreezeContext): Promise<void> {
  const { deps, run, plan, state } = ctx;
  const { exec } = deps;
  const record = run.record;
  const req = plan.request;
  await run.step('verify', async (s) => {
    if (plan.transferMode === 'lazy') await awaitLazyPages(ctx);
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
      const parts = freezeBreakdown({
        mode: plan.transferMode,
        freezeMs: record.freeze.ms,
        ...record.freezeMarkers,
        dumpLog: dlog,
        restoreLog: rlog,
        imagesVia: imageStreamOf(plan) ? 'direct' : 'controller',
      });
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
        ctx.journal?.write({ phase: 'rolled-back' });
        ctx.journal?.write({ phase: 'ended', outcome: 'failed' });
      }
      throw err;
    }
    if (bad.length) {
      throw new FerryError({
        code: 'VERIFY_FAILED',
        host: req.to,
        message: `${bad.length} of ${record.connections.length} connection(s) not intact: ${bad.map((c) => `${c.key} ${c.problem}`).join('; ')}`,
      });
    }
    s.detail = `${record.connections.length} connection(s) ESTABLISHED on ${req.to}, owned by ${root.comm} (${root.pid})`;
  });
}

/** cleanup: the source's network lock, the pre-lock, the page stream and (unless kept) the images. */
async function cleanupStep(ctx: FreezeContext): Promise<void> {
  const {
    deps: { exec },
    run,
    plan,
    state,
  } = ctx;
  const req = plan.request;
  await run.step('cleanup', async (s) => {
    // The pre-lock was opened at the restore's unlock (pre-lock.ts); its table goes now.
    const [fromSource] = await Promise.all([
      deleteNewCriuTables(exec, req.from, ctx.tablesBefore ?? []),
      unlockDestination(exec, plan),
      endPageStream(exec, plan),
    ]);
    for (const p of (await Promise.all(state.announcements)).flat()) run.log(`announce: ${p}`, 'warn', req.to);
    if (!req.keepImages) {
      await Promise.all([exec.run(req.from, ['rm', '-rf', '--', plan.sourceImageDir]), exec.run(req.to, ['rm', '-rf', '--', plan.destinationImageDir])]);
    }
    s.detail = `network lock removed from ${req.from} (${fromSource.join(', ') || 'none left'})${req.keepImages ? ', images kept' : ', images removed'}`;
  });
}
