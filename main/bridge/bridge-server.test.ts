// The bridge on a real port: who gets in (Host, Origin, the token as a subprotocol, never a cookie), what it
// serves, and that no frame or handshake, however malformed, takes it down or disturbs another client.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { clientSubprotocols, API_SUBPROTOCOL } from '../../app/contract/bridge-token';
import { REQUEST_METHODS } from '../../app/contract/schemas';
import type { Handlers } from '../../app/contract/rpc-server';
import type { Api } from '../api/create-api';
import { EventHub } from '../api/event-hub';
import { startBridge, type Bridge } from './bridge-server';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-bridge-'));
let bridge: Bridge;
const events = new EventHub();
/** A slow request standing in for a running migration: answered when the test says so. */
let finishSlow: (() => void) | undefined;

beforeAll(async () => {
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Ferry</title>');
  const handlers = Object.fromEntries(REQUEST_METHODS.map((m) => [m, async () => ({ method: m })])) as unknown as Handlers;
  handlers['migration:active'] = (async () => {
    await new Promise<void>((resolve) => (finishSlow = resolve));
    return { method: 'migration:active', finished: true };
  }) as unknown as Handlers['migration:active'];
  const api = { handlers, events, context: {} as Api['context'], close: async () => {} } as Api;
  bridge = await startBridge({ api, staticDir: dir, port: 0 });
});
afterAll(async () => {
  await bridge.close();
  rmSync(dir, { recursive: true, force: true });
});

const origin = () => `http://127.0.0.1:${bridge.port}`;

function connect(headers: Record<string, string>, protocols: string[] = [], query = ''): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/api${query}`, protocols, { headers });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.on('error', () => resolve({}));
  });
}

function request(ws: WebSocket, id: number, method: string): Promise<unknown> {
  return new Promise((resolve) => {
    const l = (d: WebSocket.RawData) => {
      const m = JSON.parse(String(d)) as { kind: string; id?: number };
      if (m.kind === 'response' && m.id === id) {
        ws.off('message', l);
        resolve(m);
      }
    };
    ws.on('message', l);
    ws.send(JSON.stringify({ kind: 'request', id, method, params: {} }));
  });
}

describe('bridge: who gets in', () => {
  it('listens on 127.0.0.1 and prints a URL with the token in its fragment (never sent to a server)', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/#token=${bridge.token}`);
    expect(bridge.token.length).toBeGreaterThanOrEqual(40);
  });

  it('serves the page (it holds no secret) under a strict CSP, and never sets a cookie', async () => {
    for (const p of ['/', `/?token=${bridge.token}`, '/?token=wrong']) {
      const page = await fetch(`${origin()}${p}`, { redirect: 'manual' });
      expect(page.status).toBe(200);
      expect(page.headers.get('set-cookie')).toBeNull();
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    }
  });

  it('never redirects, not even for a path that looks like another site (//evil.example/)', async () => {
    for (const p of ['//evil.example/', `//evil.example/?token=${bridge.token}`, '/\\evil.example', '/%2F%2Fevil.example']) {
      const status = await new Promise<{ code?: number; location?: string }>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: bridge.port, path: p }, (res) => {
          res.resume();
          resolve({ code: res.statusCode, location: res.headers.location });
        });
        req.on('error', () => resolve({}));
      });
      expect(status.code).toBe(200);
      expect(status.location).toBeUndefined();
    }
  });

  it('serves nothing outside its folder (path traversal answers with the page)', async () => {
    for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '/%00', '/%E0%A4%A']) {
      const body = await new Promise<string>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: bridge.port, path: p }, (res) => {
          let t = '';
          res.on('data', (d: Buffer) => (t += d.toString()));
          res.on('end', () => resolve(t));
        });
        req.on('error', () => resolve(''));
      });
      expect(body, p).toBe('<!doctype html><title>Ferry</title>');
    }
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin', async () => {
    const status = await new Promise<number | undefined>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: bridge.port, path: '/', headers: { host: `evil.example:${bridge.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', () => resolve(undefined));
    });
    expect(status).toBe(421);
    expect((await fetch(`${origin()}/`, { headers: { origin: 'http://evil.example' }, redirect: 'manual' })).status).toBe(403);
  });

  it('accepts the WebSocket only with our Origin and the token as a subprotocol (or Bearer), never a cookie or the query', async () => {
    expect((await connect({ origin: origin() }, [API_SUBPROTOCOL])).status).toBe(401);
    expect((await connect({ origin: origin(), cookie: `ferry-${bridge.port}=${bridge.token}` }, [API_SUBPROTOCOL])).status).toBe(401);
    expect((await connect({ origin: origin() }, [API_SUBPROTOCOL], `?token=${bridge.token}`)).status).toBe(401);
    expect((await connect({ origin: origin() }, clientSubprotocols('x'.repeat(43)))).status).toBe(401);
    expect((await connect({ origin: 'http://evil.example' }, clientSubprotocols(bridge.token))).status).toBe(403);
    expect((await connect({}, clientSubprotocols(bridge.token))).status).toBe(403);
    const bearer = await connect({ origin: origin(), authorization: `Bearer ${bridge.token}` });
    expect(bearer.ws).toBeDefined();
    bearer.ws?.close();

    const { ws } = await connect({ origin: origin() }, clientSubprotocols(bridge.token));
    expect(ws).toBeDefined();
    // The bridge answers with the API's subprotocol: the token is not echoed.
    expect(ws?.protocol).toBe(API_SUBPROTOCOL);
    expect(await request(ws!, 1, 'history:list')).toEqual({ kind: 'response', id: 1, result: { ok: true, value: { method: 'history:list' } } });
    const evt = new Promise<unknown>((resolve) => ws?.on('message', (d) => resolve(JSON.parse(String(d)))));
    events.emit('history:changed', { id: 'm1' });
    expect(await evt).toMatchObject({ kind: 'event', name: 'history:changed', payload: { id: 'm1' } });
    ws?.close();
  });
});

/** A raw TCP client: the WebSocket handshake by hand, then whatever bytes a test wants to send. */
async function rawSocket(handshake?: string): Promise<{ sock: net.Socket; response: string; received: () => Buffer; ended: Promise<void> }> {
  const sock = net.connect(bridge.port, '127.0.0.1');
  let buf = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => (buf = Buffer.concat([buf, d])));
  sock.on('error', () => {});
  const ended = new Promise<void>((resolve) => sock.on('close', () => resolve()));
  await new Promise<void>((resolve) => sock.on('connect', () => resolve()));
  sock.write(
    handshake ??
      [
        'GET /api HTTP/1.1',
        `Host: 127.0.0.1:${bridge.port}`,
        `Origin: ${origin()}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Protocol: ${clientSubprotocols(bridge.token).join(', ')}`,
        '',
        '',
      ].join('\r\n'),
  );
  const until = Date.now() + 5000;
  while (!buf.includes('\r\n\r\n') && Date.now() < until) {
    if (sock.destroyed) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const end = buf.indexOf('\r\n\r\n');
  const response = end < 0 ? buf.toString('latin1') : buf.subarray(0, end).toString('latin1');
  const headLen = end < 0 ? buf.length : end + 4;
  return { sock, response, received: () => buf.subarray(headLen), ended };
}

/** One client frame (masked unless asked otherwise). */
function frame(opcode: number, payload: Buffer, opts: { mask?: boolean; rsv?: number } = {}): Buffer {
  const mask = opts.mask ?? true;
  const len = payload.length;
  const head = [0x80 | ((opts.rsv ?? 0) << 4) | opcode];
  const ext: number[] = [];
  if (len < 126) head.push((mask ? 0x80 : 0) | len);
  else if (len < 65536) {
    head.push((mask ? 0x80 : 0) | 126);
    ext.push(len >> 8, len & 0xff);
  } else {
    head.push((mask ? 0x80 : 0) | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    ext.push(...b);
  }
  if (!mask) return Buffer.concat([Buffer.from([...head, ...ext]), payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([Buffer.from([...head, ...ext]), key, body]);
}

/** The close code in the server's close frame (unmasked), if it sent one. */
function closeCode(bytes: Buffer): number | undefined {
  for (let i = 0; i + 3 < bytes.length;) {
    const op = bytes[i]! & 0x0f;
    const len = bytes[i + 1]! & 0x7f;
    if (op === 0x8 && len >= 2) return bytes.readUInt16BE(i + 2);
    i += 2 + len;
  }
  return undefined;
}

describe('bridge: survives any frame (the bad socket is closed, the rest carry on)', () => {
  it('a running request on a good socket finishes, and new clients are served, after every kind of bad input', async () => {
    const good = await connect({ origin: origin() }, clientSubprotocols(bridge.token));
    expect(good.ws).toBeDefined();
    const slow = request(good.ws!, 7, 'migration:active');
    const goodClosed = new Promise<string>((resolve) => good.ws!.on('close', () => resolve('closed')));

    const cases: Array<{ what: string; bytes: Buffer; code?: number }> = [
      { what: 'text frame of 1 MiB + 1 byte', bytes: frame(0x1, Buffer.alloc((1 << 20) + 1, 0x61)), code: 1009 },
      { what: 'text frame of invalid UTF-8', bytes: frame(0x1, Buffer.from([0xff, 0xfe, 0xfd])), code: 1007 },
      { what: 'unmasked client frame', bytes: frame(0x1, Buffer.from('{}'), { mask: false }), code: 1002 },
      { what: 'reserved opcode', bytes: frame(0x3, Buffer.from('x')), code: 1002 },
      { what: 'RSV bits without an extension', bytes: frame(0x1, Buffer.from('{}'), { rsv: 7 }), code: 1002 },
      { what: 'fragmented control frame', bytes: Buffer.from([0x09, 0x80, 0, 0, 0, 0]), code: 1002 },
      { what: 'length of 2^63', bytes: Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]), code: 1009 },
      { what: 'random bytes', bytes: Buffer.concat([Buffer.from([0x8f]), randomBytes(4096)]) },
    ];
    for (const c of cases) {
      const raw = await rawSocket();
      expect(raw.response, c.what).toMatch(/^HTTP\/1\.1 101/);
      raw.sock.write(c.bytes);
      await Promise.race([raw.ended, new Promise((r) => setTimeout(r, 5000))]);
      expect(raw.sock.destroyed || raw.sock.readableEnded, `${c.what}: the bridge closed that socket`).toBe(true);
      if (c.code) expect(closeCode(raw.received()), c.what).toBe(c.code);
    }

    // Frames the bridge reads and drops, keeping the socket: binary junk, text that is not JSON or not a message.
    const tolerated = await rawSocket();
    for (const b of [
      frame(0x2, randomBytes(1000)),
      frame(0x1, Buffer.from('not json')),
      frame(0x1, Buffer.from('{"kind":"request","id":"x"}')),
      frame(0x1, Buffer.from('{"__proto__":{"kind":"request"},"id":1}')),
      frame(0x1, Buffer.from('null')),
      frame(0x1, Buffer.from('[]')),
    ])
      tolerated.sock.write(b);
    tolerated.sock.write(frame(0x1, Buffer.from(JSON.stringify({ kind: 'request', id: 3, method: 'app:info', params: {} }))));
    const until = Date.now() + 5000;
    while (!tolerated.received().includes('"id":3') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(tolerated.received().toString('latin1')).toContain('"method":"app:info"');
    tolerated.sock.destroy();

    // Handshakes that are not WebSocket handshakes, with the right token.
    const bad = [
      `GET /api HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nOrigin: ${origin()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${bridge.token}\r\n\r\n`,
      `GET /api HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nOrigin: ${origin()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 99\r\nAuthorization: Bearer ${bridge.token}\r\n\r\n`,
      `GET /api HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nOrigin: ${origin()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ,,\u0001\r\nAuthorization: Bearer ${bridge.token}\r\n\r\n`,
      `\u0000\u0001\u0002 garbage \r\n\r\n`,
      `GET /api HTTP/1.1\r\nHost: ${'h'.repeat(20000)}\r\n\r\n`,
    ];
    for (const h of bad) {
      const raw = await rawSocket(h);
      expect(raw.response).toMatch(/^HTTP\/1\.1 4\d\d/);
      raw.sock.destroy();
    }
    // A client that resets in the middle of its handshake.
    const half = net.connect(bridge.port, '127.0.0.1');
    half.on('error', () => {});
    await new Promise<void>((r) => half.on('connect', () => r()));
    half.write(`GET /api HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nUpgr`);
    half.resetAndDestroy();

    // The good socket was never disturbed: its request still runs, then answers.
    finishSlow?.();
    expect(await slow).toEqual({ kind: 'response', id: 7, result: { ok: true, value: { method: 'migration:active', finished: true } } });
    const fresh = await connect({ origin: origin() }, clientSubprotocols(bridge.token));
    expect(await request(fresh.ws!, 1, 'app:info')).toMatchObject({ result: { ok: true } });
    expect((await fetch(`${origin()}/`)).status).toBe(200);
    fresh.ws?.close();
    good.ws!.close();
    expect(await goodClosed).toBe('closed');
  }, 60_000);
});
