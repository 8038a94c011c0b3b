import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors';
import type { EventName, EventPayloads } from './contract';
import { memoryTransportPair } from './memory-transport';
import { createApiClient } from './rpc-client';
import { serveContract, type EventSource, type Handlers } from './rpc-server';
import { REQUEST_METHODS } from './schemas';

type Emit = <E extends EventName>(name: E, payload: EventPayloads[E]) => void;

/** A handler table for the test: the named handlers, every other one answers INTERNAL. */
function handlers(partial: Partial<Handlers>): Handlers {
  const all = Object.fromEntries(
    REQUEST_METHODS.map((m) => [
      m,
      async () => {
        throw new Error(`${m} not in this test`);
      },
    ]),
  );
  return { ...all, ...partial } as Handlers;
}

function setup(partial: Partial<Handlers>) {
  const listeners = new Set<Emit>();
  const source: EventSource = (l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  const emit: Emit = (name, payload) => listeners.forEach((l) => l(name, payload));
  const [clientSide, serverSide] = memoryTransportPair();
  serveContract(serverSide, handlers(partial), source, () => 1234);
  return { api: createApiClient(clientSide), emit, clientSide, listeners };
}

describe('contract over an in-memory transport pair', () => {
  it('answers a request with {ok: true, value}', async () => {
    const { api } = setup({ 'hosts:check': async ({ host }) => ({ host, ready: true, checks: [], probedMs: 5 }) });
    expect(await api.request('hosts:check', { host: 'lab-a' })).toEqual({ ok: true, value: { host: 'lab-a', ready: true, checks: [], probedMs: 5 } });
  });

  it('validates parameters before any handler runs, and fills defaults', async () => {
    let seen: unknown;
    const { api } = setup({
      'migration:plan': async (p) => {
        seen = p;
        throw new FerryError({ code: 'NO_SUCH_PROCESS', host: 'lab-a', message: 'no process 7', hint: 'ferry ps lab-a' });
      },
    });
    const bad = await api.request('migration:plan', { from: 'lab-a', to: '-oProxyCommand=x', pid: 0 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('BAD_INPUT');
      expect(bad.error.message).toMatch(/to: invalid host name/);
      expect(bad.error.message).toMatch(/pid/);
    }
    expect(seen).toBeUndefined();
    const r = await api.request('migration:plan', { from: 'lab-a', to: 'lab-b', pid: 7 });
    expect(seen).toEqual({ from: 'lab-a', to: 'lab-b', pid: 7, addresses: [], budgetMs: 60_000, keepImages: false });
    // A thrown FerryError crosses the wire as a value with code, host and hint.
    expect(r).toEqual({ ok: false, error: { code: 'NO_SUCH_PROCESS', host: 'lab-a', message: 'no process 7', hint: 'ferry ps lab-a' } });
    await expect(api.call('migration:plan', { from: 'lab-a', to: 'lab-b', pid: 7 })).rejects.toMatchObject({ code: 'NO_SUCH_PROCESS' });
  });

  it('turns unknown methods and plain exceptions into error values', async () => {
    const { api } = setup({
      'history:list': async () => {
        throw new TypeError('boom');
      },
    });
    expect(await api.request('history:list', {})).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
    const raw = await (api.request as (m: string, p: unknown) => Promise<unknown>)('shell:exec', {});
    expect(raw).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: 'unknown request "shell:exec"' } });
  });

  it('forwards events with the server clock', async () => {
    const { api, emit } = setup({});
    const got: unknown[] = [];
    const off = api.on('migration:event', (e, sentAt) => got.push([e.type, sentAt]));
    emit('migration:event', { type: 'freeze-started', id: 'm1', at: 1000 });
    emit('history:changed', { id: 'm1' });
    await new Promise((r) => setTimeout(r, 0));
    off();
    emit('migration:event', { type: 'freeze-ended', id: 'm1', at: 2000, ms: 1000 });
    await new Promise((r) => setTimeout(r, 0));
    expect(got).toEqual([['freeze-started', 1234]]);
  });

  it('cancels a request: the handler sees its signal abort', async () => {
    let aborted = false;
    const { api } = setup({
      'processes:list': (_, ctx) =>
        new Promise((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          }),
        ),
    });
    const ac = new AbortController();
    const p = api.request('processes:list', { host: 'lab-a' }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 0));
    ac.abort();
    expect(await p).toMatchObject({ ok: false, error: { message: 'cancelled' } });
    await new Promise((r) => setTimeout(r, 0));
    expect(aborted).toBe(true);
  });

  it('fails pending requests and stops events when the connection closes', async () => {
    const { api, clientSide, listeners } = setup({ 'history:list': () => new Promise(() => {}) });
    let lost = false;
    api.onDisconnect(() => (lost = true));
    const p = api.request('history:list', {});
    await new Promise((r) => setTimeout(r, 0));
    clientSide.close();
    expect(await p).toMatchObject({ ok: false, error: { code: 'HOST_UNREACHABLE' } });
    expect(lost).toBe(true);
    expect(listeners.size).toBe(0);
    expect(await api.request('history:list', {})).toMatchObject({ ok: false });
  });
});
