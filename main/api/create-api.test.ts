import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryTransportPair } from '../../app/contract/memory-transport';
import { createApiClient, type ApiClient } from '../../app/contract/rpc-client';
import { serveContract } from '../../app/contract/rpc-server';
import type { MigrationRecord } from '../../app/model/migration';
import { saveRecord } from '../store/record-store';
import { createApi, type Api } from './create-api';

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
    id: 'm-20260101-000000-abcdef', startedAt: 1000, endedAt: 3000, outcome: 'succeeded', steps: [], connections: [], logs: {}, warnings: [],
    request: { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60_000, keepImages: false },
    freeze: { startedAt: 1500, endedAt: 2500, ms: 1000 },
  };
  saveRecord(record);
  api = await createApi({ historyFile: path.join(dir, 'history.sqlite'), userConfig: false });
  const [a, b] = memoryTransportPair();
  serveContract(b, api.handlers, api.events.source);
  client = createApiClient(a);
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
    expect(list.map((e) => [e.id, e.freezeMs])).toEqual([['m-20260101-000000-abcdef', 1000]]);
    expect((await client.call('history:get', { id: 'm-20260101-000000-abcdef' })).request.pid).toBe(42);
    const one = await client.call('history:export', { ids: ['m-20260101-000000-abcdef'] });
    expect(one.fileName).toBe('ferry-m-20260101-000000-abcdef.json');
    expect(JSON.parse(one.json).outcome).toBe('succeeded');
    const all = JSON.parse((await client.call('history:export', {})).json) as { migrations: unknown[] };
    expect(all.migrations).toHaveLength(1);
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

  it('tells the lab state', async () => {
    const info = await client.call('app:info', {});
    expect(info.stateDir).toBe(dir);
    expect(typeof info.lab.up).toBe('boolean');
  });
});
