import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryTransportPair } from '../../app/contract/memory-transport';
import { createApiClient, type ApiClient } from '../../app/contract/rpc-client';
import { serveContract } from '../../app/contract/rpc-server';
import type { MigrationRecord } from '../../app/model/migration';
import { saveRecord } from '../store/record-store';
import { spawnSync } from 'node:child_process';
import { Journal, openJournals } from '../engine/journal';
import { openHistory } from '../store/history-db';
import { createApi, type Api } from './create-api';

const CRASHED = 'm-20260101-000001-dead00';
/** A PID that was a process a moment ago and is not one now. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

// The real handler table over the in-memory transport pair: no Electron, no sockets, no remote host contacted.
const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-api-'));
const saved = { state: process.env.FERRY_STATE_DIR, manual: process.env.FERRY_MANUAL_HOSTS };
let api: Api;
let client: ApiClient;

beforeAll(async () => {
  process.env.FERRY_STATE_DIR = dir;
  process.env.FERRY_MANUAL_HOSTS = path.join(dir, 'hosts.ssh_config');
  // A migration the CLI made before the dashboard started: the history imports it.
  const record: MigrationRecord = {
    id: 'm-20260101-000000-abcdef',
    startedAt: 1000,
    endedAt: 3000,
    outcome: 'succeeded',
    steps: [],
    connections: [],
    logs: {},
    warnings: [],
    request: { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60_000, keepImages: false },
    freeze: { startedAt: 1500, endedAt: 2500, ms: 1000 },
  };
  saveRecord(record);
  // A migration whose controller died mid-freeze (its owner PID is gone), between hosts nobody knows: the
  // dashboard must try to recover it at start and say that it could not.
  const plan = {
    request: { ...record.request, from: 'gone-a', to: 'gone-b' },
    transferMode: 'streamed',
    treePids: [42],
    connections: [],
    addresses: [],
    comm: 'x',
  };
  new Journal(CRASHED).write({ phase: 'planned', plan: plan as never, tablesBefore: [], owner: { pid: deadPid(), host: os.hostname() } });
  new Journal(CRASHED).write({ phase: 'dumped' });
  api = await createApi({ historyFile: path.join(dir, 'history.sqlite'), userConfig: false });
  const [a, b] = memoryTransportPair();
  serveContract(b, api.handlers, api.events.source);
  client = createApiClient(a);
  // Start-up recovery runs in the background: let it end so the history below is settled.
  for (let i = 0; i < 100 && (await client.call('app:info', {})).recovery.running; i++) await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  client.close();
  await api.close();
  process.env.FERRY_STATE_DIR = saved.state;
  process.env.FERRY_MANUAL_HOSTS = saved.manual;
  if (saved.state === undefined) delete process.env.FERRY_STATE_DIR;
  if (saved.manual === undefined) delete process.env.FERRY_MANUAL_HOSTS;
  rmSync(dir, { recursive: true, force: true });
});

describe('the API over an in-memory transport', () => {
  it('lists the history with records the CLI wrote, gets and exports them', async () => {
    const list = await client.call('history:list', {});
    expect(list.map((e) => [e.id, e.freezeMs])).toContainEqual(['m-20260101-000000-abcdef', 1000]);
    expect((await client.call('history:get', { id: 'm-20260101-000000-abcdef' })).request.pid).toBe(42);
    const one = await client.call('history:export', { ids: ['m-20260101-000000-abcdef'] });
    expect(one.fileName).toBe('ferry-m-20260101-000000-abcdef.json');
    expect(JSON.parse(one.json).outcome).toBe('succeeded');
    const all = JSON.parse((await client.call('history:export', {})).json) as { migrations: unknown[] };
    expect(all.migrations).toHaveLength(list.length);
    expect(await client.request('history:get', { id: 'm-nope' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await client.request('history:get', { id: '../etc/passwd' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });

  it('adds a host by hand, announces it, and refuses a duplicate', async () => {
    let changed = 0;
    client.on('hosts:changed', () => changed++);
    const h = await client.call('hosts:add', { name: 'db-1', hostName: '127.0.0.1', port: 2222 });
    expect(h).toMatchObject({ name: 'db-1', hostName: '127.0.0.1', port: 2222, user: 'root', manual: true });
    expect((await client.call('hosts:list', {})).hosts.some((x) => x.name === 'db-1' && x.manual)).toBe(true);
    expect(await client.request('hosts:add', { name: 'db-1', hostName: '127.0.0.2' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    await new Promise((r) => setTimeout(r, 10));
    expect(changed).toBe(1);
  });

  it('refuses migrations and plans for unknown hosts before touching anything', async () => {
    expect(await client.request('migration:start', { from: 'nowhere', to: 'db-1', pid: 5 })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_HOST' } });
    expect(await client.request('migration:plan', { from: 'nowhere', to: 'db-1', pid: 5 })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_HOST' } });
    expect((await client.call('migration:plan', { from: 'db-1', to: 'db-1', pid: 5 })).problems[0]).toMatchObject({ code: 'BAD_INPUT' });
    expect(await client.call('migration:active', {})).toEqual([]);
  });

  it('recovers interrupted migrations at start and says what happened', async () => {
    let info = await client.call('app:info', {});
    for (let i = 0; i < 100 && info.recovery.running; i++) {
      await new Promise((r) => setTimeout(r, 50));
      info = await client.call('app:info', {});
    }
    expect(info.recovery.running).toBe(false);
    const r = info.recovery.reports.find((x) => x.id === CRASHED);
    expect(r).toMatchObject({ phase: 'dumped', ok: false });
    expect(r!.actions.join('\n')).toMatch(/recovery failed: .*gone-a/);
    // The journal is closed (recovery does not run twice) and the history holds the outcome.
    expect(openJournals().map((j) => j.id)).not.toContain(CRASHED);
    const rec = await client.call('history:get', { id: CRASHED });
    expect(rec.outcome).toBe('failed');
    expect(rec.warnings.join('\n')).toContain('recovered after the controller died at "dumped"');
  });

  it('announces a migration another process (the CLI) writes into the history while it runs, and when it ends', async () => {
    const id = 'm-20260101-000002-c11c11';
    const seen: string[] = [];
    client.on('history:changed', (e) => seen.push(e.id));
    const cli = await openHistory(path.join(dir, 'history.sqlite'));
    const record: MigrationRecord = {
      id,
      startedAt: 5000,
      outcome: 'running',
      steps: [],
      connections: [],
      logs: {},
      warnings: [],
      request: { from: 'lab-a', to: 'lab-b', pid: 43, addresses: [], budgetMs: 60_000, keepImages: false },
    };
    cli.put(record);
    for (let i = 0; i < 50 && !seen.includes(id); i++) await new Promise((r) => setTimeout(r, 100));
    expect(seen).toContain(id);
    expect((await client.call('history:list', {})).find((e) => e.id === id)?.outcome).toBe('running');
    seen.length = 0;
    cli.put({ ...record, outcome: 'cancelled', endedAt: 6000 });
    for (let i = 0; i < 50 && !seen.includes(id); i++) await new Promise((r) => setTimeout(r, 100));
    expect(seen).toContain(id);
    expect((await client.call('history:get', { id })).outcome).toBe('cancelled');
  });

  it('checks a migration request with the contract (image folder included) and refuses to cancel what does not run', async () => {
    const bad = await client.request('migration:plan', { from: 'db-1', to: 'lab-b', pid: 5, imageBase: '/etc/ferry' });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'BAD_INPUT', message: expect.stringContaining('imageBase: "/etc/ferry" refused: it is inside /etc') },
    });
    expect(await client.request('migration:cancel', { id: 'm-20260101-000003-000000' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_INPUT', message: expect.stringContaining('not running') },
    });
  });

  it('tells the lab state', async () => {
    const info = await client.call('app:info', {});
    expect(info.stateDir).toBe(dir);
    expect(typeof info.lab.up).toBe('boolean');
  });
});
