// Scripted freeze (streamed and lazy modes): the dump sends its pages straight to the destination's page
// server (streamed) or keeps them for the destination to fetch after the restore (lazy); one script on each
// host does the rest (source: dump, drop the address, stream the small images; destination: receive, take
// the address, restore), joined by one stream through the controller. Markers time every step.
import path from 'node:path';
import { FerryError } from '../../app/errors';
import type { StepName, StepRecord } from '../../app/model/migration';
import { MarkerReader, type Marker } from '../../app/parse/markers';
import {
  DESTINATION_FREEZE_SCRIPT,
  DESTINATION_LAZY_FREEZE_SCRIPT,
  FREEZE_EXIT,
  SOURCE_FREEZE_SCRIPT,
  SOURCE_LAZY_FREEZE_SCRIPT,
  destinationLazyArgs,
  sourceLazyArgs,
  go,
  startFreeze,
} from '../criu/freeze-scripts';
import { UFFD_HOLDER_PY } from '../criu/uffd-holder';
import { addBatch, addedBeforeFailure, announceAddresses, removeBatch } from '../net/address-move';
import { holdSource } from './lazy-copies';
import { criuError, planDumpArgv, planRestoreArgv, readRemoteFile } from './criu-run';
import { destinationDevice, persistLog, sourceDevice, type FreezeContext } from './freeze-context';
import type { FreezeStreams } from '../criu/freeze-scripts';
import { pageStreamPaths, withSocketFd3 } from '../criu/page-relay';
import { directStreamCommands } from '../criu/direct-stream';
import { describeMoves } from './freeze-staged';

/** Which markers open and close each step of the freeze. */
const STEPS: { step: StepName; start: string; end: string }[] = [
  { step: 'dump', start: 'dump-start', end: 'dump-done' },
  { step: 'transfer', start: 'dump-done', end: 'received' },
  { step: 'move-address', start: 'received', end: 'address-added' },
  { step: 'restore', start: 'address-added', end: 'restored' },
];

/** Runs the streamed freeze; throws on failure (the caller rolls back according to ctx.state). */
export async function freezeStreamed(ctx: FreezeContext): Promise<void> {
  const { deps, run, plan, state } = ctx;
  const { exec } = deps;
  const { from, to } = plan.request;
  const record = run.record;
  state.dumpLog = path.posix.join(plan.sourceImageDir, 'dump.log');
  state.restoreLog = path.posix.join(plan.destinationImageDir, 'restore.log');

  const lazy = plan.transferMode === 'lazy';
  // Step records follow the markers as they arrive, on the controller's clock.
  const open = new Map<StepName, StepRecord>();
  const onMarker = (m: Marker) => {
    const now = Date.now();
    for (const st of STEPS) {
      if (m.name === st.start && !open.has(st.step)) {
        const rec: StepRecord = { name: st.step, status: 'running', startedAt: now };
        open.set(st.step, rec);
        record.steps.push(rec);
        run.emit({ type: 'step-started', id: record.id, step: st.step, at: now });
      }
      if (m.name === st.end) {
        const rec = open.get(st.step);
        if (rec && rec.status === 'running') {
          rec.status = 'ok';
          rec.endedAt = now;
          rec.detail = describe(st.step);
          run.emit({ type: 'step-finished', id: record.id, step: st.step, at: now, status: 'ok', detail: rec.detail });
        }
      }
    }
    if (m.name === 'dump-done') {
      state.dumped = true;
      // Lazy: whatever CRIU does with the source copy when the page transfer ends (it resumes it on a failure,
      // sockets still in repair mode), it stays stopped until Ferry decides which copy lives.
      if (lazy) state.sourceHeld = holdSource(exec, from, plan.treePids);
      ctx.journal?.write({ phase: 'dumped' });
    }
    if (m.name === 'address-removed') {
      state.addressRemoved = plan.addresses.length > 0;
      ctx.journal?.write({ phase: 'address-removed' });
    }
    if (m.name === 'address-added') {
      state.restoreStarted = true;
      ctx.journal?.write({ phase: 'address-added' });
    }
    if (m.name === 'restored') ctx.journal?.write({ phase: 'restored' });
    if (m.name === 'address-added' && plan.addresses.length) {
      state.addressAdded = true;
      state.announcements.push(announceAddresses(exec, to, plan.addresses, destinationDevice));
    }
  };
  const srcMarks = new MarkerReader(onMarker, (l) => run.log(l, 'info', from));
  const dstMarks = new MarkerReader(onMarker, (l) => run.log(l, 'info', to));
  let relayed = () => 0;
  // Durations from the markers, each on one host's own clock.
  const span = (r: MarkerReader, a: string, b: string) => {
    const x = r.at(a);
    const y = r.at(b);
    return x !== undefined && y !== undefined ? `${Math.round(y - x)} ms` : '?';
  };
  const describe = (step: StepName): string => {
    switch (step) {
      case 'dump':
        return plan.transferMode === 'lazy'
          ? `criu dump ${span(srcMarks, 'dump-start', 'dump-done')} without memory; the source serves the pages on ${plan.pageServer?.address}:${plan.pageServer?.port}`
          : `criu dump ${span(srcMarks, 'dump-start', 'dump-done')}, pages straight to ${plan.pageServer?.address}:${plan.pageServer?.port}`;
      case 'transfer': {
        const direct = directBytes(srcMarks.lines);
        return `${(relayed() / 1024).toFixed(0)} KiB of images (without pages) through the controller${direct !== undefined ? `, ${(direct / 1048576).toFixed(1)} MiB of memory that cannot be lazy straight to ${plan.directStream?.address}:${plan.directStream?.port}${plan.pageServer?.tls ? ' (TLS)' : ''}` : ''}`;
      }
      case 'move-address': return describeMoves(ctx) || 'no address to move';
      case 'restore': return `criu restore ${span(dstMarks, 'address-added', 'restored')}`;
      default: return '';
    }
  };

  const srcBatch = removeBatch(plan.addresses, sourceDevice);
  const dstBatch = addBatch(plan.addresses, destinationDevice);
  const ps = plan.pageServer;
  if (lazy && !ps) throw new FerryError({ code: 'INTERNAL', message: 'lazy mode without the source page server address' });
  const directCommands = directStreamCommands(plan);
  const directStream = directCommands && plan.directStream ? { ...directCommands, token: plan.directStream.token } : undefined;
  const streams = await startFreeze(
    exec,
    {
      host: from,
      ...(lazy
        ? { script: SOURCE_LAZY_FREEZE_SCRIPT, args: sourceLazyArgs(plan.sourceImageDir, srcBatch, directStream, planDumpArgv(plan)) }
        : { script: SOURCE_FREEZE_SCRIPT, args: [plan.sourceImageDir, srcBatch, ...planDumpArgv(plan)] }),
      // Streamed: the script (and the dump) inherit fd 3 connected to the page-stream relay, before the freeze.
      ...(lazy ? {} : { prefix: withSocketFd3(pageStreamPaths(plan.sourceImageDir).socket, []) }),
    },
    lazy && ps
      ? {
          host: to, script: DESTINATION_LAZY_FREEZE_SCRIPT,
          args: destinationLazyArgs(plan.destinationImageDir, dstBatch, plan.criu.destination, ps, { guard: UFFD_HOLDER_PY, pids: plan.treePids }, ps.tls ? pageStreamPaths(plan.destinationImageDir).tlsDir : '', directStream, planRestoreArgv(plan, 'destination')),
        }
      : { host: to, script: DESTINATION_FREEZE_SCRIPT, args: [plan.destinationImageDir, dstBatch, ...planRestoreArgv(plan, 'destination')] },
  );
  relayed = streams.bytes;
  streams.source.stderr.on('data', (d: Buffer) => srcMarks.push(d.toString()));
  streams.destination.stderr.on('data', (d: Buffer) => dstMarks.push(d.toString()));
  streams.destination.stdout.resume();
  // Both scripts run and wait before anything is frozen; the freeze starts with one line to the source.
  const armed = await Promise.race([
    Promise.all([srcMarks.waitFor('armed'), dstMarks.waitFor('armed')]).then(() => true),
    Promise.race([streams.source.exit, streams.destination.exit]).then(() => false, () => false),
  ]);
  if (!armed) {
    streams.source.kill();
    streams.destination.kill();
    throw new FerryError({ code: 'TRANSFER_FAILED', message: `the freeze scripts did not start: ${[...srcMarks.lines, ...dstMarks.lines].slice(-3).join(' | ')}` });
  }
  ctx.journal?.write({ phase: 'freeze-started' });
  run.freezeStarted(Date.now());
  go(streams);
  // The operator's budget bounds the freeze: past it both scripts are killed and the migration rolls back.
  let overBudget = false;
  const budget = setTimeout(() => {
    overBudget = true;
    run.log(`the freeze passed its budget of ${plan.request.budgetMs} ms: stopping and rolling back`, 'error');
    void abortFreeze(ctx, streams);
  }, plan.request.budgetMs);
  const [srcCode, dstCode] = await Promise.all([streams.source.exit.catch(() => -1), streams.destination.exit.catch(() => -1)]);
  clearTimeout(budget);
  const endedAt = Date.now();
  srcMarks.end();
  dstMarks.end();
  record.freezeMarkers = { source: [...srcMarks.markers], destination: [...dstMarks.markers] };
  record.transferMs = Math.round((srcMarks.at('sent') ?? 0) - (srcMarks.at('dump-done') ?? 0)) || undefined;
  record.relayedBytes = relayed();
  const direct = directBytes(srcMarks.lines);
  if (direct !== undefined) record.directBytes = direct;

  // Close the steps that did not finish.
  for (const rec of open.values()) {
    if (rec.status !== 'running') continue;
    rec.status = 'failed';
    rec.endedAt = endedAt;
    rec.detail = describe(rec.name);
    run.emit({ type: 'step-finished', id: record.id, step: rec.name, at: endedAt, status: 'failed', detail: rec.detail });
  }
  if (srcCode === 0 && dstCode === 0) {
    run.freezeEnded(endedAt);
    return;
  }
  if (!state.dumped) run.freezeEnded(endedAt);
  if (plan.addresses.length && dstMarks.at('received') !== undefined && dstMarks.at('address-added') === undefined) {
    // The add started and did not finish: ip's own report says which addresses it had put there; a killed
    // script says nothing, so any of them may be there.
    state.partialAdd = dstCode === 21 ? addedBeforeFailure(plan.addresses, destinationDevice, dstMarks.lines.join('\n')) : { moves: plan.addresses, certain: false };
  }
  if (overBudget) {
    throw new FerryError({
      code: 'TIMEOUT',
      host: state.dumped ? to : from,
      message: `the freeze lasted longer than its budget of ${plan.request.budgetMs} ms (reached: ${[...srcMarks.markers, ...dstMarks.markers].map((m) => m.name).join(', ')})`,
      hint: 'is the link between the hosts up? The process is rolled back to the source',
    });
  }
  // Say what failed, with CRIU's own words when CRIU failed.
  if (srcCode === 10) {
    const log = await readRemoteFile(exec, from, state.dumpLog);
    record.logs.dump = persistLog(deps, record.id, 'dump.log', log);
    throw criuError('CRIU_DUMP_FAILED', from, 'dump', log, srcMarks.lines.join('\n'), state.dumpLog);
  }
  if (dstCode === 22) {
    const log = await readRemoteFile(exec, to, state.restoreLog);
    record.logs.restore = persistLog(deps, record.id, 'restore.log', log);
    throw criuError('CRIU_RESTORE_FAILED', to, 'restore', log, dstMarks.lines.join('\n'), state.restoreLog);
  }
  const code = srcCode !== 0 && srcCode !== -1 ? srcCode : dstCode;
  const host = code >= 20 || (srcCode === 0 && dstCode !== 0) ? to : from;
  throw new FerryError({
    code: code === 11 || code === 21 ? 'ADDRESS_MOVE_FAILED' : 'TRANSFER_FAILED',
    host,
    message: `${FREEZE_EXIT[code] ?? `freeze script exited ${code}`} (source exit ${srcCode}, destination exit ${dstCode}): ${[...srcMarks.lines, ...dstMarks.lines].slice(-3).join(' | ')}`,
  });
}

/** The byte count the lazy source script reports for its direct stream (`@@FERRY-DIRECT N`). */
function directBytes(lines: readonly string[]): number | undefined {
  for (const l of lines) {
    const m = /@@FERRY-DIRECT (\d+)/.exec(l);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * Stops a freeze that overran its budget. Killing CRIU in the middle of a dump would leave the process's sockets
 * in repair mode (its connections would then break), so CRIU is made to fail on its own first: destroying its
 * connection to the page server (`ss -K`) fails the dump, and CRIU unfreezes the process and unlocks it. Only
 * if the scripts are still there seconds later are they killed.
 */
async function abortFreeze(ctx: FreezeContext, streams: FreezeStreams): Promise<void> {
  const { plan, deps } = ctx;
  const ps = plan.pageServer;
  if (plan.transferMode === 'streamed' && ps) {
    await deps.exec.run(plan.request.from, ['ss', '-K', 'dst', ps.address, 'dport', '=', `:${ps.port}`], { timeoutMs: 5_000 }).catch(() => undefined);
  }
  const exited = Promise.all([streams.source.exit.catch(() => -1), streams.destination.exit.catch(() => -1)]);
  const settled = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
  if (!settled) {
    streams.source.kill();
    streams.destination.kill();
  }
}
