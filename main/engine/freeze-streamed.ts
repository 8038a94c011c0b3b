// Scripted freeze (streamed and lazy modes): the dump sends its pages straight to the destination's page
// server (streamed) or keeps them for the destination to fetch after the restore (lazy); one script on each
// host does the rest (source: dump, drop the address, send the small images; destination: receive, take the
// address, restore), the images going host to host through the image stream (or through the controller when
// there is none). Markers time every step.
import path from 'node:path';
import { FerryError } from '../../app/errors';
import { cancelledError, onCancel, reachNoReturn } from './engine-cancel';
import { FREEZE_EXIT, FREEZE_MARK as M, freezeExitMeaning, isDestinationFailure } from '../../app/freeze/freeze-protocol';
import type { StepName } from '../../app/model/migration';
import { MarkerReader, type Marker } from '../../app/parse/markers';
import { imageStreamOf } from '../../app/plan/image-stream';
import {
  DESTINATION_FREEZE_SCRIPT,
  DESTINATION_LAZY_FREEZE_SCRIPT,
  SOURCE_FREEZE_SCRIPT,
  SOURCE_LAZY_FREEZE_SCRIPT,
  STOP_FILE,
  destinationLazyArgs,
  sourceLazyArgs,
  go,
  startFreeze,
  type FreezeSide,
  type FreezeStreams,
} from '../criu/freeze-scripts';
import { pageStreamPaths, withSockets } from '../criu/page-relay';
import { UFFD_HOLDER_PY } from '../criu/uffd-holder';
import { addBatch, addedBeforeFailure, announceAddresses, removeBatch } from '../net/address-move';
import { criuError, freezeDumpCommand, freezeRestoreCommand, readRemoteFile } from './criu-run';
import { destinationDevice, persistLog, sourceDevice, type FreezeContext } from './freeze-context';
import { directStreamCommands } from '../criu/direct-stream';
import { describeMoves } from './freeze-staged';
import { holdSource } from './lazy-copies';
import { ferryAnnouncedAddresses, ferryMovedAddresses, type HookRun } from '../../app/hooks/address-hook';
import { collectMoveRuns, hookFailed } from './address-hook-run';

/** Which markers open and close each step of the freeze. */
const STEPS: { step: StepName; start: string; end: string }[] = [
  { step: 'dump', start: M.dumpStart, end: M.dumpDone },
  { step: 'transfer', start: M.dumpDone, end: M.received },
  { step: 'move-address', start: M.received, end: M.addressAdded },
  { step: 'restore', start: M.addressAdded, end: M.restored },
];

/** Both scripts' markers, as they arrive. */
interface Marks {
  source: MarkerReader;
  destination: MarkerReader;
}

/** Runs the streamed (or lazy) freeze; throws on failure (the caller rolls back according to ctx.state). */
export async function freezeStreamed(ctx: FreezeContext): Promise<void> {
  const { plan, state, run } = ctx;
  state.dumpLog = path.posix.join(plan.sourceImageDir, 'dump.log');
  state.restoreLog = path.posix.join(plan.destinationImageDir, 'restore.log');

  const marks: Marks = {
    source: new MarkerReader(
      (m) => onMarker(ctx, m),
      (l) => run.log(l, 'info', plan.request.from),
    ),
    destination: new MarkerReader(
      (m) => onMarker(ctx, m),
      (l) => run.log(l, 'info', plan.request.to),
    ),
  };
  const sides = scriptSides(ctx);
  const streams = await startFreeze(ctx.deps.exec, sides.source, sides.destination, sides.images);
  streams.source.stderr.on('data', (d: Buffer) => marks.source.push(d.toString()));
  streams.destination.stderr.on('data', (d: Buffer) => marks.destination.push(d.toString()));
  streams.destination.stdout.resume();
  const exits = Promise.all([streams.source.exit.catch(() => -1), streams.destination.exit.catch(() => -1)]);
  await armed(streams, marks);
  if (ctx.deps.signal?.aborted) {
    // Cancelled while the scripts armed: nothing is frozen yet.
    streams.source.kill();
    streams.destination.kill();
    throw cancelledError('before-freeze');
  }

  let flushed = () => {};
  const steps = trackSteps(ctx, marks, streams, new Promise<void>((r) => (flushed = r)));
  ctx.journal?.write({ phase: 'freeze-started' });
  run.freezeStarted(Date.now());
  go(streams);
  const {
    codes: [srcCode, dstCode],
    overBudget,
    cancelled,
  } = await untilExit(ctx, streams, exits);
  const endedAt = Date.now();
  marks.source.end();
  marks.destination.end();
  flushed();
  await steps;
  recordFreeze(ctx, marks, streams);
  const hookRuns = await hookMoveRuns(ctx, marks);
  if (srcCode === 0 && dstCode === 0) {
    // Both scripts ended well: the destination runs the process, whether or not its marker was read yet.
    reachNoReturn(ctx);
    run.freezeEnded(endedAt);
    return;
  }
  if (!state.dumped) run.freezeEnded(endedAt);
  await failed(ctx, marks, srcCode, dstCode, overBudget, cancelled, hookRuns);
}

/** The address hook's move on each side that reached it, judged from what the scripts kept (after the freeze). */
async function hookMoveRuns(ctx: FreezeContext, marks: Marks): Promise<HookRun[]> {
  if (!ctx.plan.addressHook) return [];
  const span = (r: MarkerReader) => {
    const a = r.at(M.hookStart);
    const b = r.at(M.hookDone);
    return { started: a !== undefined, ...(a !== undefined && b !== undefined ? { ms: b - a } : {}) };
  };
  const runs = await collectMoveRuns(ctx.deps.exec, ctx.plan, ctx.run.record, { source: span(marks.source), destination: span(marks.destination) });
  for (const r of runs)
    ctx.run.log(`address hook ${r.action} on ${r.host}: ${r.ok ? 'ok' : 'FAILED'} (${r.ms ?? '?'} ms): ${r.message}`, r.ok ? 'info' : 'error', r.host);
  return runs;
}

/** What each script runs with: its script, arguments, socket connector, and how the images travel. */
function scriptSides(ctx: FreezeContext): { source: FreezeSide; destination: FreezeSide; images: 'controller' | 'direct' } {
  const { plan } = ctx;
  const { from, to } = plan.request;
  const lazy = plan.transferMode === 'lazy';
  const ps = plan.pageServer;
  if (lazy && !ps) throw new FerryError({ code: 'INTERNAL', message: 'lazy mode without the source page server address' });
  // With an address hook, Ferry moves only the addresses the hook left to it (app/hooks/address-hook.ts).
  const srcBatch = removeBatch(ferryMovedAddresses(plan), sourceDevice);
  const dstBatch = addBatch(ferryMovedAddresses(plan), destinationDevice);
  const src = pageStreamPaths(plan.sourceImageDir);
  const dst = pageStreamPaths(plan.destinationImageDir);
  // Streamed: the dump inherits fd 3 connected to the page-stream relay; with an image stream, the source's
  // stdout and the destination's stdin are its relays' sockets. All connected before the freeze.
  const direct = imageStreamOf(plan) !== undefined;
  const srcFds: [number, string][] = [...(lazy ? [] : [[3, src.socket] as [number, string]]), ...(direct ? [[1, src.imageSocket] as [number, string]] : [])];
  const dstFds: [number, string][] = direct ? [[0, dst.imageSocket]] : [];
  const prefix = (fds: [number, string][]) => (fds.length ? { prefix: withSockets(fds, []) } : {});
  const directCommands = directStreamCommands(plan);
  const directStream = directCommands && plan.directStream ? { ...directCommands, token: plan.directStream.token } : undefined;
  const source: FreezeSide = lazy
    ? {
        host: from,
        script: SOURCE_LAZY_FREEZE_SCRIPT,
        args: sourceLazyArgs(plan.sourceImageDir, srcBatch, directStream, freezeDumpCommand(plan)),
        ...prefix(srcFds),
        bash: true,
      }
    : { host: from, script: SOURCE_FREEZE_SCRIPT, args: [plan.sourceImageDir, srcBatch, ...freezeDumpCommand(plan)], ...prefix(srcFds), bash: true };
  const destination: FreezeSide =
    lazy && ps
      ? {
          host: to,
          script: DESTINATION_LAZY_FREEZE_SCRIPT,
          ...prefix(dstFds),
          bash: true,
          args: destinationLazyArgs(
            plan.destinationImageDir,
            dstBatch,
            plan.criu.destination,
            ps,
            { guard: UFFD_HOLDER_PY, pids: plan.treePids },
            ps.tls ? dst.tlsDir : '',
            directStream,
            freezeRestoreCommand(plan),
          ),
        }
      : {
          host: to,
          script: DESTINATION_FREEZE_SCRIPT,
          args: [plan.destinationImageDir, dstBatch, ...freezeRestoreCommand(plan)],
          ...prefix(dstFds),
          bash: true,
        };
  return { source, destination, images: direct ? 'direct' : 'controller' };
}

/** What each marker changes: the freeze state (for rollback), the journal, the announcements. */
function onMarker(ctx: FreezeContext, m: Marker): void {
  const { plan, state } = ctx;
  const { from, to } = plan.request;
  switch (m.name) {
    case M.dumpDone:
      state.dumped = true;
      // Lazy: whatever CRIU does with the source copy when the page transfer ends (it resumes it on a failure,
      // sockets still in repair mode), it stays stopped until Ferry decides which copy lives.
      if (plan.transferMode === 'lazy') state.sourceHeld = holdSource(ctx.deps.exec, from, plan.treePids);
      ctx.journal?.write({ phase: 'dumped' });
      break;
    case M.hookStart:
      state.hookMoveStarted = true;
      ctx.journal?.write({ phase: 'hook-move-started' });
      break;
    case M.addressRemoved:
      state.addressRemoved = ferryMovedAddresses(plan).length > 0;
      ctx.journal?.write({ phase: 'address-removed' });
      break;
    case M.addressAdded:
      state.restoreStarted = true;
      ctx.journal?.write({ phase: 'address-added' });
      if (ferryMovedAddresses(plan).length) {
        state.addressAdded = true;
        state.announcements.push(announceAddresses(ctx.deps.exec, to, ferryAnnouncedAddresses(plan), destinationDevice));
      }
      break;
    case M.restored:
      ctx.journal?.write({ phase: 'restored' });
      reachNoReturn(ctx);
      break;
  }
}

/** Waits until both scripts run and wait; throws (killing them) when one exits first. */
async function armed(streams: FreezeStreams, marks: Marks): Promise<void> {
  const ok = await Promise.race([
    Promise.all([marks.source.waitFor(M.armed), marks.destination.waitFor(M.armed)]).then(() => true),
    Promise.race([streams.source.exit, streams.destination.exit]).then(
      () => false,
      () => false,
    ),
  ]);
  if (ok) return;
  streams.source.kill();
  streams.destination.kill();
  throw new FerryError({ code: 'TRANSFER_FAILED', message: `the freeze scripts did not start: ${lastLines(marks)}` });
}

/**
 * The freeze's steps in the record (StepRunner): each starts when its opening marker arrives and ends with its
 * closing marker, or fails when the scripts have exited (`ended`: their last output read) without it. Resolves
 * when every started step has ended.
 */
function trackSteps(ctx: FreezeContext, marks: Marks, streams: FreezeStreams, ended: Promise<void>): Promise<unknown> {
  const reader = (name: string) => (name === M.dumpStart || name === M.dumpDone ? marks.source : marks.destination);
  const started: Promise<unknown>[] = [];
  const opened = STEPS.map((st) =>
    Promise.race([
      reader(st.start)
        .waitFor(st.start)
        .then(() => true),
      ended.then(() => false),
    ]).then((open) => {
      if (!open) return;
      const step = ctx.run.step(st.step, async (s) => {
        const done = await Promise.race([
          reader(st.end)
            .waitFor(st.end)
            .then(() => true),
          ended.then(() => reader(st.end).at(st.end) !== undefined),
        ]);
        s.detail = describeStep(ctx, st.step, marks, streams);
        if (!done) throw new FerryError({ code: 'TRANSFER_FAILED', message: `the freeze scripts ended before ${st.end}` });
      });
      started.push(step.catch(() => undefined));
    }),
  );
  return Promise.all(opened).then(() => Promise.all(started));
}

/** One line per step, from the markers (each on one host's own clock). */
function describeStep(ctx: FreezeContext, step: StepName, marks: Marks, streams: FreezeStreams): string {
  const { plan } = ctx;
  const span = (r: MarkerReader, a: string, b: string) => {
    const x = r.at(a);
    const y = r.at(b);
    return x !== undefined && y !== undefined ? `${Math.round(y - x)} ms` : '?';
  };
  const ps = plan.pageServer;
  switch (step) {
    case 'dump':
      return plan.transferMode === 'lazy'
        ? `criu dump ${span(marks.source, M.dumpStart, M.dumpDone)} without memory; the source serves the pages on ${ps?.address}:${ps?.port}`
        : `criu dump ${span(marks.source, M.dumpStart, M.dumpDone)}, pages straight to ${ps?.address}:${ps?.port}`;
    case 'transfer': {
      const direct = directBytes(marks.source.lines);
      const is = imageStreamOf(plan);
      const images = is
        ? `images (without pages) straight to ${is.listen}:${is.port}${is.tls ? ' (TLS)' : ''}`
        : `${(streams.bytes() / 1024).toFixed(0)} KiB of images (without pages) through the controller`;
      return `${images}${direct !== undefined ? `, ${(direct / 1048576).toFixed(1)} MiB of memory that cannot be lazy straight to ${plan.directStream?.address}:${plan.directStream?.port}${ps?.tls ? ' (TLS)' : ''}` : ''}`;
    }
    case 'move-address':
      return describeMoves(ctx) || 'no address to move';
    case 'restore':
      // Lazy: the restore starts once the lazy-pages daemon listens (after the address move).
      return `criu restore ${span(marks.destination, plan.transferMode === 'lazy' ? M.lazyPagesStarted : M.addressAdded, M.restored)}`;
    default:
      return '';
  }
}

/**
 * Waits for both scripts' exit; past the operator's budget, or on a cancel before the point of no return, both are
 * stopped and the migration rolls back.
 */
async function untilExit(
  ctx: FreezeContext,
  streams: FreezeStreams,
  exits: Promise<[number, number]>,
): Promise<{ codes: [number, number]; overBudget: boolean; cancelled: boolean }> {
  const { plan, run } = ctx;
  let overBudget = false;
  const budget = setTimeout(() => {
    overBudget = true;
    run.log(`the freeze passed its budget of ${plan.request.budgetMs} ms: stopping and rolling back`, 'error');
    void abortFreeze(ctx, streams);
  }, plan.request.budgetMs);
  const cancel = onCancel(ctx, () => void abortFreeze(ctx, streams));
  const codes = await exits;
  clearTimeout(budget);
  cancel.off();
  return { codes, overBudget, cancelled: cancel.requested };
}

/** The freeze's markers and byte counts in the record. */
function recordFreeze(ctx: FreezeContext, marks: Marks, streams: FreezeStreams): void {
  const record = ctx.run.record;
  record.freezeMarkers = { source: [...marks.source.markers], destination: [...marks.destination.markers] };
  record.transferMs = Math.round((marks.source.at(M.sent) ?? 0) - (marks.source.at(M.dumpDone) ?? 0)) || undefined;
  record.relayedBytes = streams.bytes();
  const direct = directBytes(marks.source.lines);
  if (direct !== undefined) record.directBytes = direct;
}

/** Says what failed (with CRIU's own words when CRIU failed) and what the destination may hold; always throws. */
async function failed(
  ctx: FreezeContext,
  marks: Marks,
  srcCode: number,
  dstCode: number,
  overBudget: boolean,
  cancelled: boolean,
  hookRuns: HookRun[] = [],
): Promise<never> {
  const { plan, state, deps, run } = ctx;
  const { from, to } = plan.request;
  const record = run.record;
  const moved = ferryMovedAddresses(plan);
  if (
    moved.length &&
    marks.destination.at(M.received) !== undefined &&
    marks.destination.at(M.addressAdded) === undefined &&
    marks.destination.at(M.hookStart) === undefined
  ) {
    // The add started and did not finish: ip's own report says which addresses it had put there; a killed
    // script says nothing, so any of them may be there.
    state.partialAdd =
      dstCode === FREEZE_EXIT.addressAdd ? addedBeforeFailure(moved, destinationDevice, marks.destination.lines.join('\n')) : { moves: moved, certain: false };
  }
  // The add itself went through when the destination's hook started.
  if (moved.length && marks.destination.at(M.hookStart) !== undefined) state.addressAdded = true;
  if (cancelled) throw cancelledError('freeze');
  if (overBudget) {
    throw new FerryError({
      code: 'TIMEOUT',
      host: state.dumped ? to : from,
      message: `the freeze lasted longer than its budget of ${plan.request.budgetMs} ms (reached: ${[...marks.source.markers, ...marks.destination.markers].map((m) => m.name).join(', ')})`,
      hint: 'is the link between the hosts up? The process is rolled back to the source',
    });
  }
  if (srcCode === FREEZE_EXIT.dump) {
    const log = await readRemoteFile(deps.exec, from, state.dumpLog ?? '');
    record.logs.dump = persistLog(deps, record.id, 'dump.log', log);
    throw criuError('CRIU_DUMP_FAILED', from, 'dump', log, marks.source.lines.join('\n'), state.dumpLog ?? '');
  }
  const hookRun = hookRuns.find(
    (r) => !r.ok && ((r.side === 'source' && srcCode === FREEZE_EXIT.hookSource) || (r.side === 'destination' && dstCode === FREEZE_EXIT.hookDestination)),
  );
  if (hookRun) throw hookFailed(hookRun);
  if (dstCode === FREEZE_EXIT.restore) {
    const log = await readRemoteFile(deps.exec, to, state.restoreLog ?? '');
    record.logs.restore = persistLog(deps, record.id, 'restore.log', log);
    throw criuError('CRIU_RESTORE_FAILED', to, 'restore', log, marks.destination.lines.join('\n'), state.restoreLog ?? '');
  }
  const code = srcCode !== 0 && srcCode !== -1 ? srcCode : dstCode;
  const host = isDestinationFailure(code) || (srcCode === 0 && dstCode !== 0) ? to : from;
  throw new FerryError({
    code: code === FREEZE_EXIT.addressRemove || code === FREEZE_EXIT.addressAdd ? 'ADDRESS_MOVE_FAILED' : 'TRANSFER_FAILED',
    host,
    message: `${freezeExitMeaning(code) ?? `freeze script exited ${code}`} (source exit ${srcCode}, destination exit ${dstCode}): ${lastLines(marks)}`,
  });
}

const lastLines = (marks: Marks) => [...marks.source.lines, ...marks.destination.lines].slice(-3).join(' | ');

/** The byte count the lazy source script reports for its direct stream (`@@FERRY-DIRECT N`). */
function directBytes(lines: readonly string[]): number | undefined {
  for (const l of lines) {
    const m = /@@FERRY-DIRECT (\d+)/.exec(l);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * Stops a freeze that overran its budget or was cancelled. Killing CRIU in the middle of a dump would leave the
 * process's sockets in repair mode (its connections would then break), so CRIU is made to fail on its own first:
 * destroying its connection to the page server (`ss -K`) fails a streamed dump, and CRIU unfreezes the process and
 * unlocks it. Past the dump (and in lazy mode, whose dump has no pages to cut), the destination's script is told
 * to stop before it adds the address and restores (STOP_FILE). Only if the scripts are still there seconds later
 * are they killed.
 */
async function abortFreeze(ctx: FreezeContext, streams: FreezeStreams): Promise<void> {
  const { plan, deps } = ctx;
  const ps = plan.pageServer;
  await Promise.all([
    deps.exec.run(plan.request.to, ['touch', '--', path.posix.join(plan.destinationImageDir, STOP_FILE)], { timeoutMs: 5_000 }).catch(() => undefined),
    plan.transferMode === 'streamed' && ps
      ? deps.exec.run(plan.request.from, ['ss', '-K', 'dst', ps.address, 'dport', '=', `:${ps.port}`], { timeoutMs: 5_000 }).catch(() => undefined)
      : undefined,
  ]);
  const exited = Promise.all([streams.source.exit.catch(() => -1), streams.destination.exit.catch(() => -1)]);
  const settled = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
  if (!settled) {
    streams.source.kill();
    streams.destination.kill();
  }
}
