// The contract over Electron IPC, end to end without Electron: the page's client → bridgeTransport → the preload's
// bridge → (stand-in) ipcRenderer/ipcMain → ipcMainTransport → serveContract, and back.
import { describe, expect, it } from 'vitest';
import { bridgeTransport, IPC_CHANNEL, type PreloadBridge } from '../../app/contract/preload-bridge';
import { createApiClient } from '../../app/contract/rpc-client';
import { serveContract, type Handlers } from '../../app/contract/rpc-server';
import type { WireMessage } from '../../app/contract/wire';
import { eventHub, handlerTable } from '../../test/support/contract-server';
import { FakeIpcMain, FakeWindow } from '../../test/support/fake-electron';
import { ipcMainTransport } from './ipc-transport';
import { createPreloadBridge, exposeBridge } from './preload-bridge';
import { pageUrlCheck } from './sender-check';

const PAGE = 'file:///opt/Ferry/resources/app.asar/dist/renderer/index.html';
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
const hostList = { hosts: [], warnings: ['none'], manualFile: '/root/.config/ferry/hosts' };

function setup(partial: Partial<Handlers> = {}) {
  const ipcMain = new FakeIpcMain();
  const win = new FakeWindow(ipcMain, PAGE);
  const calls: string[] = [];
  const handlers = handlerTable({
    'hosts:list': async () => {
      calls.push('hosts:list');
      return hostList;
    },
    ...partial,
  });
  const hub = eventHub();
  const server = ipcMainTransport(ipcMain, win.contents, pageUrlCheck(PAGE));
  serveContract(server, handlers, hub.source, () => 4242);
  const bridge = createPreloadBridge(win.renderer);
  const api = createApiClient(bridgeTransport(bridge));
  return { ipcMain, win, calls, hub, server, bridge, api };
}

describe('Electron IPC transport and preload', () => {
  it("answers a request from the page with the handler's value", async () => {
    const { api, calls } = setup();
    expect(await api.request('hosts:list', {})).toEqual({ ok: true, value: hostList });
    expect(calls).toEqual(['hosts:list']);
  });

  it("carries a handler's error as a value, and refuses bad parameters before the handler", async () => {
    let ran = false;
    const { api } = setup({
      'hosts:check': async () => {
        ran = true;
        return { host: 'x', ready: true, checks: [], probedMs: 1 };
      },
    });
    const r = await api.request('hosts:check', { host: '-oProxyCommand=sh' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('BAD_INPUT');
    expect(ran).toBe(false);
    expect(await api.request('history:list', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'history:list not in this test' } });
  });

  it("forwards main's events to the page with the server clock", async () => {
    const { api, hub } = setup();
    const seen: [unknown, number][] = [];
    api.on('hosts:changed', (p, sentAt) => seen.push([p, sentAt]));
    hub.emit('hosts:changed', {});
    await tick();
    expect(seen).toEqual([[{}, 4242]]);
  });

  it('drops messages from an iframe of the window, another window and a page that navigated away', async () => {
    const { ipcMain, win, calls } = setup();
    const request = { kind: 'request', id: 1, method: 'hosts:list', params: {} };
    win.iframeRenderer.sendRaw(IPC_CHANNEL, request);
    const other = new FakeWindow(ipcMain, PAGE);
    other.renderer.sendRaw(IPC_CHANNEL, request);
    win.frame.url = 'https://evil.example/';
    win.renderer.sendRaw(IPC_CHANNEL, request);
    await tick();
    expect(calls).toEqual([]);
    expect(win.contents.sends).toBe(0);
    // The same request from the window's own page is answered.
    win.frame.url = `${PAGE}#/review`;
    win.renderer.sendRaw(IPC_CHANNEL, request);
    await tick();
    expect(calls).toEqual(['hosts:list']);
  });

  it('main drops what the page may not send: no wire message, a response or an event', async () => {
    const { win, calls } = setup();
    for (const bad of [
      'hosts:list',
      null,
      { kind: 'request', id: 'x', method: 'hosts:list' },
      { kind: 'response', id: 1, result: { ok: true, value: 1 } },
      { kind: 'event', name: 'hosts:changed', payload: {}, sentAt: 1 },
    ]) {
      win.renderer.sendRaw(IPC_CHANNEL, bad);
    }
    await tick();
    expect(calls).toEqual([]);
    expect(win.contents.sends).toBe(0);
  });

  it('the preload forwards only requests and cancels, and gives the page the message, not the IPC event', async () => {
    const { win, bridge } = setup();
    const received: unknown[] = [];
    const off = bridge.subscribe((m) => received.push(m));
    const before = win.renderer.sent.length;
    bridge.send({ kind: 'event', name: 'hosts:changed', payload: {}, sentAt: 1 });
    bridge.send({ kind: 'response', id: 1, result: { ok: true, value: null } });
    bridge.send({ kind: 'nonsense' } as unknown as WireMessage);
    expect(win.renderer.sent.length).toBe(before);
    bridge.send({ kind: 'cancel', id: 9 });
    expect(win.renderer.sent.slice(before)).toEqual([{ kind: 'cancel', id: 9 }]);
    win.contents.send(IPC_CHANNEL, { kind: 'event', name: 'hosts:changed', payload: {}, sentAt: 7 });
    await tick();
    expect(received).toEqual([{ kind: 'event', name: 'hosts:changed', payload: {}, sentAt: 7 }]);
    // Unsubscribing removes the ipcRenderer listener.
    const listeners = win.renderer.listenerCount(IPC_CHANNEL);
    off();
    expect(win.renderer.listenerCount(IPC_CHANNEL)).toBe(listeners - 1);
  });

  it("a cancel from the page aborts the handler's signal", async () => {
    let aborted = false;
    const { api } = setup({
      'migration:plan': (_p, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    });
    const ac = new AbortController();
    const pending = api.request('migration:plan', { from: 'lab-a', to: 'lab-b', pid: 7 }, { signal: ac.signal });
    await tick();
    ac.abort();
    expect(await pending).toMatchObject({ ok: false, error: { message: 'cancelled' } });
    await tick();
    expect(aborted).toBe(true);
  });

  it('stops when the window is destroyed: main lets go of the channel and sends nothing more', async () => {
    const { ipcMain, win, hub, server } = setup();
    let closed = false;
    server.onClose(() => (closed = true));
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(1);
    expect(hub.subscribers()).toBe(1);
    win.contents.destroy();
    expect(closed).toBe(true);
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(0);
    expect(hub.subscribers()).toBe(0);
    server.send({ kind: 'event', name: 'hosts:changed', payload: {}, sentAt: 1 });
    expect(win.contents.sends).toBe(0);
  });

  it('the preload exposes exactly one thing, window.ferry', () => {
    const exposed: [string, PreloadBridge][] = [];
    const ipcMain = new FakeIpcMain();
    exposeBridge({ exposeInMainWorld: (key, api) => exposed.push([key, api]) }, new FakeWindow(ipcMain, PAGE).renderer);
    expect(exposed.map(([k]) => k)).toEqual(['ferry']);
    expect(Object.keys(exposed[0]![1]).sort()).toEqual(['send', 'subscribe']);
  });
});
