// Cancel on the real lab (real CRIU, sshd, nftables, socat). Ctrl-C on `ferry migrate` while the page stream is
// being prepared: nothing is frozen and nothing is left on either host or on the controller (image folders, TLS
// keys, relays, page server, guard and pre-lock tables, locks, open journal), and the process still serves from
// the source. The dashboard's cancel (over the contract, in-memory transport) during the freeze: rolled back,
// the peer's streams intact; Ctrl-C in a staged freeze: the dumped process is restored on the source. A cancel
// after the end is refused.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryTransportPair } from '../../app/contract/memory-transport';
import { createApiClient } from '../../app/contract/rpc-client';
import { serveContract } from '../../app/contract/rpc-server';
import type { RequestParams } from '../../app/contract/contract';
import type { MigrationEvent, MigrationRecord } from '../../app/model/migration';
import { imageGuardTableName } from '../../app/plan/image-stream';
import { pageGuardTableName } from '../../app/plan/page-guard';
import { preLockTableName } from '../../app/plan/pre-lock';
import { createApi, type Api } from '../../main/api/create-api';
import { openJournals } from '../../main/engine/journal';
import { listLocks } from '../../main/engine/migration-locks';
import { openRecordStore, stateDir } from '../../main/store/record-store';
import { REPO, ferry, sleep } from './cli';
import { migrateWithFault } from './fault-run';
import { hostProcesses, labDown, labExecLog, labStatus, labUp, startDemo, type LabStatusJson } from './lab-fixture';
import { peerClient } from './shm-client';

/** What a migration could leave on a host: folders, processes and nft tables naming it, CRIU lock tables. */
async function leftovers(api: Api, host: string, id: string): Promise<{ files: string[]; processes: string[]; tables: string[]; criuTables: number }> {
  const exec = api.context.controller.exec;
  const files = await exec.run(host, ['find', '/var/lib/ferry/images', '/run/ferry', '-maxdepth', '3', '-name', `${id}*`]);
  // Filtered here: a filter on the host would carry the id in its own command line.
  const ps = await exec.run(host, ['ps', '-eo', 'pid=,args=']);
  const nft = await exec.run(host, ['nft', 'list', 'tables']);
  const tables = nft.stdout
    .split('\n')
    .filter((l) => l.includes(preLockTableName(id)) || l.includes(pageGuardTableName(id)) || l.includes(imageGuardTableName(id)));
  return {
    files: files.stdout.split('\n').filter(Boolean),
    processes: ps.stdout.split('\n').filter((l) => l.includes(id)),
    tables,
    criuTables: nft.stdout.split('\n').filter((l) => l.includes('CRIU-')).length,
  };
}

/** Lock files in the state folder (any: none may outlive its migration). */
/**
 * Lock files this migration left, and any lock a live process still holds: none may remain. (Files of controllers
 * that died earlier, e.g. killed by another test file, stay until a migration takes them over; they hold nothing.)
 */
const locksLeft = (id: string) => {
  const dir = path.join(stateDir(), 'locks');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.lock'));
  } catch {
    return [];
  }
  const live = new Set(listLocks({ dir }).map((o) => o.key));
  return names.filter((f) => {
    try {
      const owner = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { key: string; migrationId: string };
      return owner.migrationId === id || live.has(owner.key);
    } catch {
      return false;
    }
  });
};

/** The process runs on lab-a, not on lab-b, its connections are open and intact at the peer and still talking. */
async function expectServingOnSource(pid: number, clientId: string, connections: number): Promise<number> {
  await sleep(1000);
  const a = await hostProcesses('lab-a');
  const b = await hostProcesses('lab-b');
  expect(a.has(pid)).toBe(true);
  expect(b.has(pid)).toBe(false);
  const s: LabStatusJson = await labStatus();
  const mine = s.witness!.connections.filter((c) => c.clientId === clientId);
  expect(mine.filter((c) => c.closeReason === 'open')).toHaveLength(connections);
  expect(mine.every((c) => c.closeReason === 'open' && c.intact === true)).toBe(true);
  expect(s.witness!.clients.filter((c) => c.clientId === clientId).every((c) => c.reconnects === 0)).toBe(true);
  expect(s.witness!.totals.resets).toBe(0);
  const before = mine.map((c) => c.messages);
  await sleep(1000);
  const after = (await labStatus()).witness!.connections.filter((c) => c.clientId === clientId).map((c) => c.messages);
  after.forEach((m, i) => expect(m).toBeGreaterThan(before[i]! + 10));
  return Math.max(...mine.map((c) => c.maxGapMs));
}

describe('cancel', () => {
  let status: LabStatusJson;
  let api: Api;
  beforeAll(async () => {
    status = await labUp(2);
    api = await createApi({ userConfig: false, recoverOnStart: false });
    await sleep(500);
  });
  afterAll(async () => {
    await api?.close();
    await labDown();
  });

  type Client = ReturnType<typeof createApiClient>;
  /**
   * Starts a migration from a dashboard client (the contract over the in-memory transport). `on` hears only this
   * migration's events: every client stays subscribed to every migration of this API, the other tests' too.
   */
  async function fromDashboard(request: RequestParams<'migration:start'>, on: (e: MigrationEvent, client: Client) => void): Promise<MigrationRecord> {
    const [clientSide, serverSide] = memoryTransportPair();
    serveContract(serverSide, api.handlers, api.events.source);
    const client = createApiClient(clientSide);
    let id = '';
    let off = () => {};
    const ended = new Promise<MigrationRecord>((resolve) => {
      off = client.on('migration:event', (e) => {
        if (e.id !== id) return;
        on(e, client);
        if (e.type === 'done' || e.type === 'failed') resolve(e.record);
      });
    });
    const started = await client.request('migration:start', request);
    expect(started.ok, JSON.stringify(started)).toBe(true);
    if (started.ok) id = started.value.id;
    const record = await ended;
    off();
    return record;
  }

  it('Ctrl-C on ferry migrate while the page stream is prepared: nothing frozen, nothing left anywhere, still serving on the source', async () => {
    const pid = status.demo!.pid;
    const criuBefore = await leftovers(api, 'lab-a', 'none');
    // The plan line is printed when the preflight passed: prepare (keys, guard, relays, page server) starts then.
    const { code, out, rec } = await migrateWithFault(
      ['--from', 'lab-a', '--pid', String(pid), '--to', 'lab-b', '--mode', 'streamed'],
      /transfer: streamed/,
      (_, cli) => cli.kill('SIGINT'),
    );
    expect(code, out).toBe(130);
    expect(out).toMatch(/migration m-[^:]+: cancelled/);
    const record = rec as MigrationRecord;
    expect(record.outcome).toBe('cancelled');
    expect(record.error?.code).toBe('CANCELLED');
    expect(record.freeze).toBeUndefined();
    expect(record.steps.map((s) => s.name)).not.toContain('dump');
    expect(record.rollback).toBeUndefined();
    for (const host of ['lab-a', 'lab-b']) {
      const left = await leftovers(api, host, record.id);
      expect(left, host).toMatchObject({ files: [], processes: [], tables: [] });
      if (host === 'lab-a') expect(left.criuTables).toBe(criuBefore.criuTables);
    }
    expect(locksLeft(record.id)).toEqual([]);
    expect(openJournals(openRecordStore()).map((j) => j.id)).not.toContain(record.id);
    await expectServingOnSource(pid, 'demo', 2);
    // The CLI's run is in the history the dashboard reads.
    const entry = (await api.handlers['history:list']({}, { signal: new AbortController().signal })).find((e) => e.id === record.id);
    expect(entry?.outcome).toBe('cancelled');
    console.log(`cancelled before the freeze: ${record.steps.map((s) => `${s.name} ${s.status}`).join(', ')}; ${record.warnings.join('; ')}`);
  });

  it('Cancel in the dashboard during the freeze: rolled back, the peer sees one pause and intact streams', async () => {
    // A workload whose pages take a while to stream, so that the cancel lands inside the dump.
    const w = await startDemo('cancel', { pid: 6400, connections: 2, extra: ['--rss-mib', '600'] });
    try {
      await cancelInTheFreeze(w.pid);
    } finally {
      // Else a failure here leaves it on lab-a holding the service address, and the next case's preflight refuses.
      await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(w.pid)]);
    }
  });

  async function cancelInTheFreeze(pid: number) {
    await sleep(1000);
    let cancelled: Promise<unknown> = Promise.resolve('never');
    let client: Client | undefined;
    const record = await fromDashboard({ from: 'lab-a', to: 'lab-b', pid, mode: 'streamed', allowSharedAddress: true }, (e, c) => {
      client = c;
      if (e.type === 'freeze-started') cancelled = new Promise((resolve) => setTimeout(() => resolve(c.request('migration:cancel', { id: e.id })), 150));
    });
    expect(await cancelled).toMatchObject({ ok: true, value: { cancelling: true } });
    expect(record.outcome, JSON.stringify(record.error)).toBe('cancelled');
    expect(record.error?.message).toContain('during the freeze');
    expect(record.freeze?.startedAt).toBeGreaterThan(0);
    expect(record.rollback).toMatchObject({ attempted: true, ok: true });
    const left = await leftovers(api, 'lab-b', record.id);
    expect(left).toMatchObject({ processes: [], tables: [] });
    expect((await leftovers(api, 'lab-a', record.id)).processes).toEqual([]);
    expect(locksLeft(record.id)).toEqual([]);
    expect(openJournals(openRecordStore()).map((j) => j.id)).not.toContain(record.id);
    const gap = await expectServingOnSource(pid, 'cancel', 2);
    // Over: a second cancel is refused, naming the migration.
    const again = await client!.request('migration:cancel', { id: record.id });
    expect(again).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    console.log(`cancelled in the freeze: ${record.error?.message}; rollback: ${record.rollback?.actions.join('; ')}; peer's largest gap ${gap} ms`);
  }

  it('Ctrl-C during a staged freeze: the dump finishes, then the process is restored on the source from it', async () => {
    const pid = status.demo!.pid;
    const { code, out, rec } = await migrateWithFault(
      ['--from', 'lab-a', '--pid', String(pid), '--to', 'lab-b', '--mode', 'staged'],
      /freeze started/,
      (_, cli) => cli.kill('SIGINT'),
    );
    expect(code, out).toBe(130);
    const record = rec as MigrationRecord;
    expect(record.outcome).toBe('cancelled');
    expect(record.error?.message).toContain('during the freeze');
    expect(record.rollback).toMatchObject({ attempted: true, ok: true });
    expect(record.rollback?.actions.join('\n')).toContain(`restored process ${pid} on lab-a from its dump`);
    expect(record.steps.find((s) => s.name === 'restore')).toBeUndefined();
    expect(locksLeft(record.id)).toEqual([]);
    expect(openJournals(openRecordStore()).map((j) => j.id)).not.toContain(record.id);
    expect((await leftovers(api, 'lab-b', record.id)).processes).toEqual([]);
    const gap = await expectServingOnSource(pid, 'demo', 2);
    console.log(`cancelled in a staged freeze: rollback: ${record.rollback?.actions.join('; ')}; peer's largest gap ${gap} ms`);
  });

  it('Ctrl-C on a lazy migration while its page streams are prepared: nothing frozen, nothing left anywhere, still serving on the source', async () => {
    const pid = status.demo!.pid;
    const criuBefore = await leftovers(api, 'lab-a', 'none');
    const { code, out, rec } = await migrateWithFault(
      ['--from', 'lab-a', '--pid', String(pid), '--to', 'lab-b', '--mode', 'lazy'],
      /transfer: lazy/,
      (_, cli) => cli.kill('SIGINT'),
    );
    expect(code, out).toBe(130);
    const record = rec as MigrationRecord;
    expect(record.outcome).toBe('cancelled');
    expect(record.freeze).toBeUndefined();
    expect(record.rollback).toBeUndefined();
    // Keys, guards (page stream, image stream), relays, lazy folders on /run: none left.
    for (const host of ['lab-a', 'lab-b']) {
      const left = await leftovers(api, host, record.id);
      expect(left, host).toMatchObject({ files: [], processes: [], tables: [] });
      if (host === 'lab-a') expect(left.criuTables).toBe(criuBefore.criuTables);
    }
    expect(locksLeft(record.id)).toEqual([]);
    expect(openJournals(openRecordStore()).map((j) => j.id)).not.toContain(record.id);
    await expectServingOnSource(pid, 'demo', 2);
    console.log(`lazy, cancelled before the freeze: ${record.steps.map((s) => `${s.name} ${s.status}`).join(', ')}`);
  });

  it('Cancel in the dashboard during a lazy freeze with shared memory (direct stream): rolled back, the process serves on the source with its memory and connection, nothing left (page source, uffd guard, direct stream, guards, keys)', async () => {
    const MIB = 128;
    const SHM_PID = 6500;
    const ADDR = '198.18.0.102';
    const exec = api.context.controller.exec;
    await exec.run('lab-a', ['ip', 'addr', 'add', `${ADDR}/32`, 'dev', 'eth0']);
    const { log } = await labExecLog('lab-a', ['python3', path.join(REPO, 'test/integration/shared-memory.py'), ADDR, '7302', String(MIB)], SHM_PID);
    for (let i = 0; i < 120 && !readFileSync(log, 'utf8').includes('ready'); i++) await sleep(250);
    const shm = peerClient(7302, ADDR);
    const witnessBefore = (await labStatus()).witness!.totals;
    try {
      const sum = await shm.ask('sum');
      expect(sum).toMatch(/^[0-9a-f]{64}$/);
      expect(await shm.ask('ping')).toBe('pong 1');
      let cancelled: Promise<unknown> = Promise.resolve('never');
      const record = await fromDashboard({ from: 'lab-a', to: 'lab-b', pid: SHM_PID, mode: 'lazy', addresses: [ADDR] }, (e, c) => {
        if (e.type === 'freeze-started') cancelled = new Promise((resolve) => setTimeout(() => resolve(c.request('migration:cancel', { id: e.id })), 50));
      });
      expect(await cancelled).toMatchObject({ ok: true, value: { cancelling: true } });
      expect(record.plan?.directStream, 'a plan with a direct stream').toBeTruthy();
      expect(record.outcome, JSON.stringify(record.error)).toBe('cancelled');
      expect(record.error?.message).toContain('during the freeze');
      expect(record.rollback).toMatchObject({ attempted: true, ok: true });
      expect(record.steps.find((s) => s.name === 'restore')?.status).not.toBe('ok');
      await sleep(1000);
      expect((await hostProcesses('lab-a')).has(SHM_PID)).toBe(true);
      expect((await hostProcesses('lab-b')).has(SHM_PID)).toBe(false);
      // The same connection, the same memory.
      expect(await shm.ask('sum')).toBe(sum);
      expect(await shm.ask('ping')).toBe('pong 2');
      for (const host of ['lab-a', 'lab-b']) expect(await leftovers(api, host, record.id), host).toMatchObject({ files: [], processes: [], tables: [] });
      expect((await leftovers(api, 'lab-a', record.id)).criuTables).toBe(0);
      expect(locksLeft(record.id)).toEqual([]);
      expect(openJournals(openRecordStore()).map((j) => j.id)).not.toContain(record.id);
      const w = (await labStatus()).witness!.totals;
      expect(w).toMatchObject({ resets: witnessBefore.resets, reconnects: witnessBefore.reconnects, brokenStreams: witnessBefore.brokenStreams });
      const stoppedAt = record.freezeMarkers?.destination.at(-1)?.name;
      console.log(
        `lazy, cancelled 50 ms into the freeze (${record.freeze?.ms} ms frozen, destination's last marker ${stoppedAt}): ${record.error?.message}; rollback: ${record.rollback?.actions.join('; ')}`,
      );
    } finally {
      shm.child.kill();
      await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(SHM_PID)]);
      await ferry(['lab', 'exec', 'lab-b', '--', 'kill', String(SHM_PID)]);
      for (const host of ['lab-a', 'lab-b']) await exec.run(host, ['ip', 'addr', 'del', `${ADDR}/32`, 'dev', 'eth0']);
    }
  });

  it('Cancel after a lazy restore is refused: the destination runs the process, the migration finishes there', async () => {
    const pid = status.demo!.pid;
    let refused: Promise<unknown> = Promise.resolve('never');
    const record = await fromDashboard({ from: 'lab-a', to: 'lab-b', pid, mode: 'lazy' }, (e, c) => {
      if (e.type === 'freeze-ended') refused = c.request('migration:cancel', { id: e.id });
    });
    expect(await refused).toMatchObject({ ok: false, error: { code: 'CANCEL_REFUSED', host: 'lab-b' } });
    expect(record.outcome, JSON.stringify(record.error)).toBe('succeeded');
    expect(record.rollback).toBeUndefined();
    await sleep(1000);
    expect((await hostProcesses('lab-b')).has(pid)).toBe(true);
    expect((await hostProcesses('lab-a')).has(pid)).toBe(false);
    const s = await labStatus();
    const mine = s.witness!.connections.filter((c) => c.clientId === 'demo' && c.closeReason === 'open');
    expect(mine).toHaveLength(2);
    expect(mine.every((c) => c.intact === true)).toBe(true);
    expect(s.witness!.totals.resets).toBe(0);
    for (const host of ['lab-a', 'lab-b']) expect(await leftovers(api, host, record.id), host).toMatchObject({ processes: [], tables: [] });
  });
});
