// Who may talk to the bridge: the right Host (no DNS rebinding), our own Origin, and the per-start token.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A new secret for one start of the bridge. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The cookie that carries the token after the first visit (port-specific: cookies ignore ports). */
export function cookieName(port: number): string {
  return `ferry-${port}`;
}

/** Constant-time comparison of a presented token. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Reads one cookie from a request. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Why a request is refused (status and a message an operator can act on), or undefined when it may proceed. */
export function refusal(
  req: IncomingMessage,
  opts: { port: number; token: string; requireOrigin: boolean },
): { status: number; message: string } | undefined {
  const hosts = [`127.0.0.1:${opts.port}`, `localhost:${opts.port}`];
  if (!hosts.includes(req.headers.host ?? '')) return { status: 421, message: 'wrong Host header: open the dashboard at the URL `ferry dashboard` printed' };
  const origin = req.headers.origin;
  const allowed = hosts.map((h) => `http://${h}`);
  if (origin !== undefined && !allowed.includes(origin)) return { status: 403, message: `requests from ${origin} are not allowed` };
  if (opts.requireOrigin && origin === undefined) return { status: 403, message: 'the Origin header is missing' };
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const presented = readCookie(req, cookieName(opts.port)) ?? url.searchParams.get('token') ?? bearer(req);
  if (!tokenMatches(presented, opts.token)) return { status: 401, message: 'missing or wrong token: open the URL printed by `ferry dashboard` (it carries the token)' };
  return undefined;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
}
