// The local bridge: serves the built renderer and the contract over a WebSocket, on 127.0.0.1 only. The API is
// behind a per-start token (printed in the URL's fragment, presented as a WebSocket subprotocol: see
// app/contract/bridge-token.ts) and an Origin check. No frame, handshake or socket error can take it down: a
// socket that misbehaves is closed, every other client and every running migration carry on.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { API_SUBPROTOCOL, dashboardUrl } from '../../app/contract/bridge-token';
import { serveContract } from '../../app/contract/rpc-server';
import { registerSecret } from '../../app/redact';
import type { Api } from '../api/create-api';
import { apiRefusal, newToken, originRefusal } from './bridge-auth';
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
  /** Largest WebSocket message accepted (bytes); a larger one closes that socket (1009). Default 1 MiB. */
  maxPayload?: number;
}

export interface Bridge {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const API_PATH = '/api';
const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 421: 'Misdirected Request' };

/** Starts the bridge on 127.0.0.1. */
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const token = opts.token ?? newToken();
  registerSecret(token);
  let port = 0;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload ?? 1 << 20,
    perMessageDeflate: false,
    // Answer with the API's subprotocol only: the one carrying the token is never echoed back.
    handleProtocols: (offered) => (offered.has(API_SUBPROTOCOL) ? API_SUBPROTOCOL : false),
  });
  const server = createServer((req, res) => handleHttp(req, res));
  // A malformed request line or headers: answer 400 when the socket still can, and drop it.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });

  const handleHttp = (req: IncomingMessage, res: ServerResponse) => {
    const headers = securityHeaders(port);
    const deny = (status: number, message: string) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`${message}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(405, 'only GET');
    const why = originRefusal(req, { port, requireOrigin: false });
    if (why) return deny(why.status, why.message);
    // Never a redirect: no Location header is ever built from the request.
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === API_PATH) return deny(426, 'this path takes a WebSocket');
    serveStatic(opts.staticDir, url.pathname, res, headers);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removes its own listeners before 'upgrade': without this, a reset during the handshake would throw.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const why = url.pathname !== API_PATH ? { status: 404, message: 'not found' } : apiRefusal(req, { port, token });
    if (why) {
      socket.end(`HTTP/1.1 ${why.status} ${REASONS[why.status] ?? 'Refused'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why.message}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // An oversized message, invalid UTF-8, a bad opcode or an unmasked frame: ws emits 'error' and closes
      // this socket (1009/1007/1002); without a listener the error would end the whole process.
      ws.on('error', () => ws.terminate());
      serveContract(wsTransport(ws), opts.api.handlers, opts.api.events.source);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: dashboardUrl(port, token),
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
