// The migration pipeline: connect → preflight → prepare → dump (freeze) → transfer ∥ (lock destination →
// move address) → restore → verify → clean up, with rollback to the source when the restore fails.
import { FerryError, toErrorInfo } from '../../app/errors';
import type { HostSpec } from '../../app/model/host';
import type { AddressMove, MigrationPlan, MigrationRecord, MigrationRequest } from '../../app/model/migration';
import { buildPlan } from '../../app/plan/build-plan';
import { verifyConnections } from '../../app/plan/verify';
import type { NftTable } from '../../app/parse/nft';
import type { Executor } from '../hosts/executor';
import { addAddresses, announceAddresses, removeAddresses } from '../net/address-move';
import { probeHost } from '../net/host-probe';
import { deleteTables, installTables, listCriuTables } from '../net/network-lock';
import { saveLog, saveRecord } from '../store/record-store';
import { criuDump, criuRestore, readRemoteFile } from './criu-run';
import { newMigrationId } from './migration-id';
import { StepRunner, type EventSink } from './step-runner';
import { transferDirectory } from './transfer';

export interface MigrateDeps {
  exec: Executor;
  /** Resolves an inventory name (throws UNKNOWN_HOST). */
  resolveHost: (name: string) => HostSpec;
  /** Base folder for CRIU images on the hosts. */
  imageBase?: string;
  /** Persist the record and logs on the controller (default true). */
  persist?: boolean;
}

export const DEFAULT_IMAGE_BASE = '/var/lib/ferry/images';

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
  const { exec } = deps;
  const record = run.record;
  const req = record.request;
  if (req.from === req.to) throw new FerryError({ code: 'BAD_INPUT', message: 'source and destination are the same host' });
  const from = deps.resolveHost(req.from);
  const to = deps.resolveHost(req.to);

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
  run.emit({ type: 'plan', id: record.id, plan });
  record.connections = plan.connections.filter((c) => c.state === 'ESTAB').map((c) => ({ key: '', before: c, ok: false }));

  await run.step('prepare', async () => {
    await Promise.all([
      mustRun(exec, req.from, ['mkdir', '-p', '-m', '700', plan.sourceImageDir]),
      mustRun(exec, req.to, ['mkdir', '-p', '-m', '700', plan.destinationImageDir]),
    ]);
  });

  // ---- freeze: from here on, the peers see silence until the restore finishes.
  let dumpLog = '';
  let restoreLog = '';
  run.freezeStarted(Date.now());
  await run.step('dump', async (s) => {
    const r = await criuDump(exec, req.from, plan);
    dumpLog = r.logFile;
    if (!r.ok) {
      record.logs.dump = persistLog(deps, record.id, 'dump.log', r.log);
      run.freezeEnded(r.endedAt);
      throw r.error;
    }
    s.detail = `criu dump ${r.ms} ms`;
  });

  const dev = (m: AddressMove) => m.destinationDevice;
  let addressMoved = false;
  let lockTables: NftTable[] = [];
  let firstAnnounce: Promise<string[]> = Promise.resolve([]);
  try {
    await Promise.all([
      run.step('transfer', async (s) => {
        const t = await transferDirectory(exec, { host: req.from, dir: plan.sourceImageDir }, { host: req.to, dir: plan.destinationImageDir });
        record.imageBytes = t.bytes;
        record.transferMs = t.ms;
        s.detail = `${(t.bytes / 1048576).toFixed(1)} MiB in ${t.ms} ms`;
      }),
      (async () => {
        await run.step('lock-destination', async (s) => {
          const known = new Set(tablesBefore.map((t) => `${t.family} ${t.name}`));
          lockTables = (await listCriuTables(exec, req.from)).filter((t) => !known.has(`${t.family} ${t.name}`));
          if (!lockTables.length) throw new FerryError({ code: 'CRIU_DUMP_FAILED', host: req.from, message: 'the dump left no network-lock table on the source' });
          await installTables(exec, req.to, lockTables);
          s.detail = lockTables.map((t) => `${t.family} ${t.name}`).join(', ');
        });
        await run.step('move-address', async (s) => {
          if (!plan.addresses.length) {
            s.detail = 'no address to move';
            return;
          }
          await removeAddresses(exec, req.from, plan.addresses);
          addressMoved = true;
          await addAddresses(exec, req.to, plan.addresses, dev);
          // arping takes a second to exit: announce in the background, read its outcome at clean-up.
          firstAnnounce = announceAddresses(exec, req.to, plan.addresses, dev);
          s.detail = plan.addresses.map((a) => `${a.address} ${a.sourceDevice}→${a.destinationDevice}${a.routes.length ? ` (+${a.routes.length} route)` : ''}`).join(', ');
        });
      })(),
    ]);

    await run.step('restore', async (s) => {
      const r = await criuRestore(exec, req.to, plan);
      restoreLog = r.logFile;
      if (!r.ok) {
        record.logs.restore = persistLog(deps, record.id, 'restore.log', r.log);
        throw r.error;
      }
      run.freezeEnded(r.endedAt);
      s.detail = `criu restore ${r.ms} ms`;
    });
  } catch (err) {
    await rollback(deps, run, plan, addressMoved, lockTables);
    throw err;
  }

  // Announce again now that the restored sockets answer; neighbours may have ignored the first one.
  const announced = announceAddresses(exec, req.to, plan.addresses, dev, 2);

  await run.step('verify', async (s) => {
    const [dst, src, dlog, rlog] = await Promise.all([
      probeHost(exec, req.to, { processes: true, sockets: true }),
      probeHost(exec, req.from, { sockets: true }),
      readRemoteFile(exec, req.from, dumpLog),
      readRemoteFile(exec, req.to, restoreLog),
    ]);
    record.logs.dump = persistLog(deps, record.id, 'dump.log', dlog);
    record.logs.restore = persistLog(deps, record.id, 'restore.log', rlog);
    const root = dst.processes?.find((p) => p.pid === req.pid);
    record.connections = verifyConnections(plan.connections, dst.sockets ?? [], plan.treePids, src.sockets ?? []);
    const bad = record.connections.filter((c) => !c.ok);
    if (!root) throw new FerryError({ code: 'VERIFY_FAILED', host: req.to, message: `process ${req.pid} is not running on ${req.to} after the restore` });
    if (bad.length) {
      throw new FerryError({ code: 'VERIFY_FAILED', host: req.to, message: `${bad.length} of ${record.connections.length} connection(s) not intact: ${bad.map((c) => `${c.key} ${c.problem}`).join('; ')}` });
    }
    s.detail = `${record.connections.length} connection(s) ESTABLISHED on ${req.to}, owned by ${root.comm} (${root.pid})`;
  });

  await run.step('cleanup', async (s) => {
    const [a, b] = await Promise.all([
      deleteTables(exec, req.from, lockTables),
      listCriuTables(exec, req.to).then((left) => deleteTables(exec, req.to, left.filter((t) => lockTables.some((l) => l.name === t.name)))),
    ]);
    for (const p of [...(await firstAnnounce), ...(await announced)]) run.log(`announce: ${p}`, 'warn', req.to);
    if (!req.keepImages) {
      await Promise.all([
        exec.run(req.from, ['rm', '-rf', '--', plan.sourceImageDir]),
        exec.run(req.to, ['rm', '-rf', '--', plan.destinationImageDir]),
      ]);
    }
    s.detail = `network lock removed (${req.from}: ${a.length}, ${req.to}: ${b.length})${req.keepImages ? ', images kept' : ', images removed'}`;
  });
}

/** After a failed transfer/address move/restore: address back, process restored on the source, locks removed. */
async function rollback(deps: MigrateDeps, run: StepRunner, plan: MigrationPlan, addressMoved: boolean, lockTables: NftTable[]): Promise<void> {
  const { exec } = deps;
  const dev = (m: AddressMove) => m.destinationDevice;
  const { from, to } = plan.request;
  const actions: string[] = [];
  let ok = true;
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      actions.push(what);
    } catch (e) {
      ok = false;
      actions.push(`${what}: FAILED (${toErrorInfo(e).message})`);
    }
  };
  run.log(`rolling back to ${from}`, 'warn');
  // Whatever the destination restored (if anything) must not run beside the source copy.
  await attempt(`stopped any restored copy on ${to}`, () => exec.run(to, ['kill', '-KILL', ...plan.treePids.map(String)]));
  if (addressMoved) {
    await attempt(`removed ${plan.addresses.map((a) => a.address).join(', ')} from ${to}`, () => removeAddresses(exec, to, plan.addresses, dev));
    await attempt(`restored ${plan.addresses.map((a) => a.address).join(', ')} on ${from}`, () => addAddresses(exec, from, plan.addresses, (m) => m.sourceDevice));
    void announceAddresses(exec, from, plan.addresses, (m) => m.sourceDevice, 2);
  }
  await attempt(`restored process ${plan.request.pid} on ${from} from its dump`, async () => {
    const r = await criuRestore(exec, from, { ...plan, destinationImageDir: plan.sourceImageDir, criu: { ...plan.criu, destination: plan.criu.source } });
    const log = r.ok ? await readRemoteFile(exec, from, r.logFile) : r.log;
    persistLog(deps, run.record.id, 'rollback-restore.log', log);
    if (!r.ok) throw r.error;
    run.freezeEnded(r.endedAt);
  });
  await attempt('removed the network lock on both hosts', async () => {
    await deleteTables(exec, from, lockTables);
    await deleteTables(exec, to, lockTables);
  });
  run.record.rollback = { attempted: true, actions, ok };
  run.log(`rollback ${ok ? 'complete' : 'INCOMPLETE'}: ${actions.join('; ')}`, ok ? 'warn' : 'error');
}

function persistLog(deps: MigrateDeps, id: string, name: string, text: string): string | undefined {
  if (deps.persist === false || !text) return undefined;
  try {
    return saveLog(id, name, text);
  } catch {
    return undefined;
  }
}

async function mustRun(exec: Executor, host: string, argv: string[]): Promise<string> {
  const r = await exec.run(host, argv);
  if (r.code !== 0) throw new FerryError({ code: 'COMMAND_FAILED', host, message: `${argv[0]} exited ${r.code}: ${r.stderr.trim()}` });
  return r.stdout;
}

