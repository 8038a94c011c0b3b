import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REQUEST_METHODS } from '../../app/contract/schemas';
import type { Handlers } from '../../app/contract/rpc-server';
import type { Api } from '../api/create-api';
import { EventHub } from '../api/event-hub';
import { startBridge, type Bridge } from './bridge-server';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-bridge-'));
let bridge: Bridge;
const events = new EventHub();

beforeAll(async () => {
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Ferry</title>');
  const handlers = Object.fromEntries(REQUEST_METHODS.map((m) => [m, async () => ({ method: m })])) as unknown as Handlers;
  const api = { handlers, events, context: {} as Api['context'], close: async () => {} } as Api;
  bridge = await startBridge({ api, staticDir: dir, port: 0 });
});
afterAll(async () => {
  await bridge.close();
  rmSync(dir, { recursive: true, force: true });
});

const origin = () => `http://127.0.0.1:${bridge.port}`;

function connect(headers: Record<string, string>, query = ''): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/api${query}`, { headers });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.on('error', () => resolve({}));
  });
}

describe('bridge', () => {
  it('listens on 127.0.0.1 and prints a URL with the token', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/?token=${bridge.token}`);
    expect(bridge.token.length).toBeGreaterThanOrEqual(40);
  });

  it('refuses the page without the token, and serves it after the token visit set the cookie', async () => {
    expect((await fetch(`${origin()}/`)).status).toBe(401);
    expect((await fetch(`${origin()}/?token=wrong`)).status).toBe(401);
    const first = await fetch(bridge.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await fetch(`${origin()}/`, { headers: { cookie: cookie.split(';')[0] as string } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin', async () => {
    const status = await new Promise<number | undefined>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: bridge.port, path: `/?token=${bridge.token}`, headers: { host: `evil.example:${bridge.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', () => resolve(undefined));
    });
    expect(status).toBe(421);
    expect((await fetch(bridge.url, { headers: { origin: 'http://evil.example' }, redirect: 'manual' })).status).toBe(403);
  });

  it('accepts the WebSocket only with our Origin and the token', async () => {
    expect((await connect({ origin: origin() })).status).toBe(401);
    expect((await connect({ origin: 'http://evil.example' }, `?token=${bridge.token}`)).status).toBe(403);
    expect((await connect({}, `?token=${bridge.token}`)).status).toBe(403);
    const { ws } = await connect({ origin: origin(), cookie: `ferry-${bridge.port}=${bridge.token}` });
    expect(ws).toBeDefined();
    const reply = new Promise<unknown>((resolve) => ws?.on('message', (d) => resolve(JSON.parse(String(d)))));
    ws?.send(JSON.stringify({ kind: 'request', id: 1, method: 'history:list', params: {} }));
    expect(await reply).toEqual({ kind: 'response', id: 1, result: { ok: true, value: { method: 'history:list' } } });
    const evt = new Promise<unknown>((resolve) => ws?.on('message', (d) => resolve(JSON.parse(String(d)))));
    events.emit('history:changed', { id: 'm1' });
    expect(await evt).toMatchObject({ kind: 'event', name: 'history:changed', payload: { id: 'm1' } });
    ws?.close();
  });
});
