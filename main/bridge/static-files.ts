// Serves the built renderer (dist/renderer) with strict headers; unknown paths get index.html.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** The Content-Security-Policy of the dashboard page. */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every response carries. */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

/** Writes the file for `urlPath` from `root` (index.html for anything that is not a file). */
export function serveStatic(root: string, urlPath: string, res: ServerResponse, headers: Record<string, string>): void {
  const index = path.join(root, 'index.html');
  if (!existsSync(index)) {
    res.writeHead(503, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('The dashboard is not built: run `npm run build` (or scripts/setup.sh) and restart `ferry dashboard`.\n');
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    rel = '/';
  }
  const file = path.resolve(root, `.${path.posix.normalize(rel)}`);
  const inside = file.startsWith(`${path.resolve(root)}${path.sep}`);
  const target = inside && existsSync(file) && statSync(file).isFile() ? file : index;
  const type = TYPES[path.extname(target)] ?? 'application/octet-stream';
  const cache = target === index ? 'no-store' : 'public, max-age=3600';
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Cache-Control': cache });
  res.end(readFileSync(target));
}
