// `npm run bench:view`: the dashboard's Processes view with a host of 2,000 processes and 10,000 TCP sockets, in
// Debian's Chromium. The page (test/renderer/view-bench-page.tsx) is the real renderer against the renderer tests'
// stand-in main; each figure is the time from the interaction to the next painted frame, median and max of its
// samples: first render (tab click → tree), a search keystroke, folding and unfolding the process with 1,998
// children, selecting it (its 10,000 sockets in the connections panel), and the live refresh (every 3 s: new socket
// stats from main → painted).
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from '@playwright/test';
import { summarize } from '../../app/bench/stats';
import { repoRoot } from '../util/repo-root';

const { values } = parseArgs({
  options: { procs: { type: 'string', default: '2000' }, sockets: { type: 'string', default: '10000' }, loads: { type: 'string', default: '3' } },
});
const say = (m: string) => process.stderr.write(`bench-view: ${m}\n`);
const LOAD_PID = 4242;

const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-view-bench-'));
await build({
  entryPoints: { page: path.join(repoRoot(), 'test/renderer/view-bench-page.tsx') },
  outdir: dir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"', 'import.meta.env.DEV': 'false' },
  logLevel: 'warning',
});
writeFileSync(
  path.join(dir, 'index.html'),
  '<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="page.css"></head><body><div id="root"></div><script type="module" src="page.js"></script></body></html>',
);
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const server = createServer((req, res) => {
  const file = path.join(dir, path.basename(new URL(req.url ?? '/', 'http://x').pathname) || 'index.html');
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;
const browser = await chromium.launch({
  executablePath: process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
/** What the page exposes (test/renderer/view-bench-page.tsx); page.evaluate runs it in the page. */
type ViewBench = Record<string, (arg?: unknown) => Promise<unknown>>;
const samples: Record<string, number[]> = {};
const add = (name: string, ms: number) => (samples[name] ??= []).push(ms);
try {
  for (let load = 0; load < Number(values.loads); load++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => say(`page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/index.html?procs=${values.procs}&sockets=${values.sockets}`);
    await page.waitForFunction(() => 'viewBench' in globalThis, undefined, { timeout: 60_000 });
    const run = async (name: string, arg?: unknown): Promise<number> =>
      Number(await page.evaluate(([n, a]) => (globalThis as unknown as { viewBench: ViewBench }).viewBench[n as string]!(a), [name, arg] as const));
    add('first render (tab click → tree painted)', await run('open'));
    if (load === 0) say(`loaded: ${JSON.stringify(await page.evaluate(() => (globalThis as unknown as { viewBench: ViewBench }).viewBench.count!()))}`);
    for (const q of ['p', 'py', 'pyt', 'pyth', 'pytho', '', '4', '42', '424', '4242', '', ':2', ':20', ':200', ':2001', '']) {
      add(`search keystroke (${q ? 'typing' : 'clearing'})`, await run('search', q));
    }
    for (let i = 0; i < 3; i++) {
      add('fold the process with 1,998 children', await run('toggle', LOAD_PID));
      add('unfold it', await run('toggle', LOAD_PID));
    }
    add('refresh (new socket stats), nothing selected', await run('refresh'));
    add('select the process with 10,000 sockets', await run('select', LOAD_PID));
    for (let i = 0; i < 3; i++) add('refresh, that process selected', await run('refresh'));
    add('search keystroke, that process selected', await run('search', 's'));
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `Processes view, ${values.procs} processes and ${values.sockets} TCP sockets, Chromium (${values.loads} page loads; load average ${os.loadavg()[0]!.toFixed(1)})`,
);
console.log('| interaction | samples | median | max |\n|---|---|---|---|');
for (const [name, xs] of Object.entries(samples)) {
  const s = summarize(xs);
  console.log(`| ${name} | ${xs.length} | ${Math.round(s.median)} ms | ${Math.round(Math.max(...xs))} ms |`);
}
