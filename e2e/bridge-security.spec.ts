// The bridge refuses requests without the token and from a foreign Origin.
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { e2eRun } from './run-state';

function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

test('no token: the page and the API are refused', async ({ request }) => {
  const run = e2eRun();
  const page = await request.get(`${run.origin}/`, { maxRedirects: 0 });
  expect(page.status()).toBe(401);
  expect(await page.text()).toMatch(/token/);
  expect(await upgrade(`ws://127.0.0.1:${run.port}/api`, { origin: run.origin })).toBe(401);
});

test('foreign Origin: refused even with the token', async ({ request }) => {
  const run = e2eRun();
  const token = new URL(run.url).searchParams.get('token') ?? '';
  expect(await upgrade(`ws://127.0.0.1:${run.port}/api?token=${token}`, { origin: 'http://evil.example' })).toBe(403);
  const page = await request.get(run.url, { headers: { origin: 'http://evil.example' }, maxRedirects: 0 });
  expect(page.status()).toBe(403);
  // Our own origin with the token gets in.
  expect(await upgrade(`ws://127.0.0.1:${run.port}/api?token=${token}`, { origin: run.origin })).toBe(101);
});

test('a page from another origin cannot open the API socket', async ({ page }) => {
  const run = e2eRun();
  // about:blank has an opaque origin: the browser sends "Origin: null"-like values the bridge does not accept.
  await page.goto('about:blank');
  const outcome = await page.evaluate(
    (url) => new Promise<string>((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve('open');
      ws.onerror = () => resolve('refused');
    }),
    `ws://127.0.0.1:${run.port}/api`,
  );
  expect(outcome).toBe('refused');
});
