// The local bridge: serves the built renderer and the contract over a WebSocket, on 127.0.0.1 only,
// behind a per-start token (in the printed URL, then a cookie) and an Origin check.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { serveContract } from '../../app/contract/rpc-server';
import type { Api } from '../api/create-api';
import { cookieName, newToken, refusal, tokenMatches } from './bridge-auth';
import { securityHeaders, serveStatic } from './static-files';
import { wsTransport } from './ws-transport';

export interface BridgeOptions {
  api: Api;
  /** Folder of the built renderer. */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); default a new random one. */
  token?: string;
}

export interface Bridge {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const API_PATH = '/api';

/** Starts the bridge on 127.0.0.1. */
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const token = opts.token ?? newToken();
  let port = 0;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const server = createServer((req, res) => handleHttp(req, res));

  const handleHttp = (req: IncomingMessage, res: ServerResponse) => {
    const headers = securityHeaders(port);
    const deny = (status: number, message: string) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`${message}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(405, 'only GET');
    const why = refusal(req, { port, token, requireOrigin: false });
    if (why) return deny(why.status, why.message);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.searchParams.has('token')) {
      // First visit: keep the token in an HttpOnly cookie and drop it from the address bar.
      if (!tokenMatches(url.searchParams.get('token') ?? '', token)) return deny(401, 'wrong token');
      res.writeHead(303, {
        ...headers,
        'Set-Cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname,
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    if (url.pathname === API_PATH) return deny(426, 'this path takes a WebSocket');
    serveStatic(opts.staticDir, url.pathname, res, headers);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const why = url.pathname !== API_PATH ? { status: 404, message: 'not found' } : refusal(req, { port, token, requireOrigin: true });
    if (why) {
      socket.end(`HTTP/1.1 ${why.status} ${why.status === 401 ? 'Unauthorized' : why.status === 403 ? 'Forbidden' : 'Refused'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why.message}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      serveContract(wsTransport(ws), opts.api.handlers, opts.api.events.source);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
