// The bridge refuses the API without the token and from a foreign Origin; the token never leaves the dashboard's
// own origin (no cookie another local port would receive); a new URL always works in a tab holding an old token.
import { expect, test } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { clientSubprotocols, API_SUBPROTOCOL } from '../app/contract/bridge-token';
import { Dashboard } from './pages/dashboard';
import { e2eRun } from './run-state';

function upgrade(url: string, headers: Record<string, string>, protocols: string[] = []): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

const tokenOf = (url: string) => new URLSearchParams(new URL(url).hash.slice(1)).get('token') ?? '';

test('no token: the API is refused (the page itself is only the public renderer, and sets no cookie)', async ({ request }) => {
  const run = e2eRun();
  const page = await request.get(`${run.origin}/`, { maxRedirects: 0 });
  expect(page.status()).toBe(200);
  expect(page.headers()['set-cookie']).toBeUndefined();
  const api = `ws://127.0.0.1:${run.port}/api`;
  expect(await upgrade(api, { origin: run.origin }, [API_SUBPROTOCOL])).toBe(401);
  // The token anywhere but where the bridge takes it: refused.
  expect(await upgrade(`${api}?token=${tokenOf(run.url)}`, { origin: run.origin }, [API_SUBPROTOCOL])).toBe(401);
  expect(await upgrade(api, { origin: run.origin, cookie: `ferry-${run.port}=${tokenOf(run.url)}` }, [API_SUBPROTOCOL])).toBe(401);
});

test('foreign Origin: refused even with the token', async ({ request }) => {
  const run = e2eRun();
  const api = `ws://127.0.0.1:${run.port}/api`;
  expect(await upgrade(api, { origin: 'http://evil.example' }, clientSubprotocols(tokenOf(run.url)))).toBe(403);
  const page = await request.get(`${run.origin}/`, { headers: { origin: 'http://evil.example' }, maxRedirects: 0 });
  expect(page.status()).toBe(403);
  // Our own origin with the token gets in.
  expect(await upgrade(api, { origin: run.origin }, clientSubprotocols(tokenOf(run.url)))).toBe(101);
});

test('a page from another origin cannot open the API socket', async ({ page }) => {
  const run = e2eRun();
  // about:blank has an opaque origin: the browser sends "Origin: null"-like values the bridge does not accept.
  await page.goto('about:blank');
  const outcome = await page.evaluate(
    (url) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url);
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
      }),
    `ws://127.0.0.1:${run.port}/api`,
  );
  expect(outcome).toBe('refused');
});

test('the token never reaches another service on 127.0.0.1, and a new URL replaces a stale token', async ({ page }) => {
  const run = e2eRun();
  const ui = new Dashboard(page);
  const token = tokenOf(run.url);
  // Another local service (any port): it records what the browser sends it.
  const seen: string[] = [];
  const other = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}`);
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>other</title><p>other service</p>');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const otherPort = (other.address() as AddressInfo).port;
  try {
    // A tab holding a token of an earlier start: not connected, and says what to do.
    await page.goto(`${run.origin}/#token=${'A'.repeat(43)}`);
    await expect(page.getByRole('alert').filter({ hasText: 'Not connected to Ferry' })).toBeVisible();
    // The URL `ferry dashboard` printed, pasted into the same tab: it wins.
    await page.goto(run.url);
    await ui.hosts.expectReady('lab-a');
    await expect(page).toHaveURL(`${run.origin}/`);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect((await page.context().cookies()).length).toBe(0);

    await page.goto(`http://127.0.0.1:${otherPort}/`);
    await expect(page.getByText('other service')).toBeVisible();
    const other2 = await page.evaluate(() => sessionStorage.length);
    expect(other2).toBe(0); // sessionStorage is per origin: the other port's page cannot read the dashboard's
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s).not.toContain(token);
      expect(s.toLowerCase()).not.toContain('"cookie"');
    }
    // Back to the dashboard in the same tab (no token in the address): the tab's token still works.
    await page.goto(`${run.origin}/`);
    await ui.hosts.expectReady('lab-b');
  } finally {
    await new Promise<void>((r) => other.close(() => r()));
  }
});
