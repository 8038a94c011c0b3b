// Who may talk to the bridge: the right Host (no DNS rebinding), our own Origin, and (for the API) the per-start
// token presented as a WebSocket subprotocol or a Bearer header; never a cookie (app/contract/bridge-token.ts).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { tokenFromSubprotocols } from '../../app/contract/bridge-token';

/** A new secret for one start of the bridge. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of a presented token. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A refusal: HTTP status and a message an operator can act on. */
export interface Refusal {
  status: number;
  message: string;
}

/** Why a request is refused for its Host or Origin (any path), or undefined. */
export function originRefusal(req: IncomingMessage, opts: { port: number; requireOrigin: boolean }): Refusal | undefined {
  const hosts = [`127.0.0.1:${opts.port}`, `localhost:${opts.port}`];
  if (!hosts.includes(req.headers.host ?? '')) return { status: 421, message: 'wrong Host header: open the dashboard at the URL `ferry dashboard` printed' };
  const origin = req.headers.origin;
  const allowed = hosts.map((h) => `http://${h}`);
  if (origin !== undefined && !allowed.includes(origin)) return { status: 403, message: `requests from ${origin} are not allowed` };
  if (opts.requireOrigin && origin === undefined) return { status: 403, message: 'the Origin header is missing' };
  return undefined;
}

/** Why an API request is refused (Host, Origin, then the token), or undefined when it may proceed. */
export function apiRefusal(req: IncomingMessage, opts: { port: number; token: string }): Refusal | undefined {
  const why = originRefusal(req, { port: opts.port, requireOrigin: true });
  if (why) return why;
  const presented = tokenFromSubprotocols(header(req, 'sec-websocket-protocol')) ?? bearer(req);
  if (!tokenMatches(presented, opts.token))
    return { status: 401, message: 'missing or wrong token: open the URL printed by `ferry dashboard` (it carries the token)' };
  return undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
}
