// Runs the bad-input catalogue: the built CLI, the contract over a transport pair and the inventory loader each
// refuse every case with its code and message, without connecting to any host; docs/bad-input.md matches the table.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/errors';
import { memoryTransportPair } from '../../app/contract/memory-transport';
import { createApiClient } from '../../app/contract/rpc-client';
import { serveContract, type Handlers } from '../../app/contract/rpc-server';
import { REQUEST_METHODS } from '../../app/contract/schemas';
import { loadInventory } from '../hosts/inventory';
import { bundleForTest } from '../../test/support/test-bundle';
import { repoRoot } from '../util/repo-root';
import { BAD_INPUT_CASES, BASE_INVENTORY, renderBadInputDoc, type BadInputCase } from '../../test/support/bad-input-cases';

const DOC = path.join(repoRoot(), 'docs', 'bad-input.md');
const dirs: string[] = [];
let bundle: string;
let sentinel: net.Server;
let sentinel2: net.Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  bundle = await bundleForTest('main/cli/index.ts', 'cli-bad-input');
  // The inventory's hosts point here: any connection would mean a case got past validation.
  sentinel = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => sentinel.listen(0, '127.0.0.1', resolve));
  port = (sentinel.address() as net.AddressInfo).port;
  // Host y's address, on the same port.
  sentinel2 = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => sentinel2.listen(port, '127.0.0.2', resolve));
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => sentinel?.close(resolve));
  await new Promise((resolve) => sentinel2?.close(resolve));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (bundle) rmSync(bundle, { force: true });
});

function freshDir(files: Record<string, string> = {}): { dir: string; sub: (s: string) => string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-bad-'));
  dirs.push(dir);
  const sub = (s: string) => s.replaceAll('{dir}', dir).replaceAll('{port}', String(port));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), sub(text));
  return { dir, sub };
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot(), 'bin', 'ferry.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const label = (c: BadInputCase) => `${c.what} → ${c.code}`;
const cli = BAD_INPUT_CASES.filter((c) => c.cli);
const contract = BAD_INPUT_CASES.filter((c) => c.contract);
const inventory = BAD_INPUT_CASES.filter((c) => c.inventory);

describe('bad input: the built CLI', () => {
  it.concurrent.each(cli.map((c) => [label(c), c] as const))(
    '%s',
    async (_l, c) => {
      const { dir, sub } = freshDir({ hosts: BASE_INVENTORY, ...c.cli!.files });
      for (const f of c.cli!.fifos ?? []) execFileSync('mkfifo', [path.join(dir, f)]);
      const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FERRY_') && k !== 'SSH_AUTH_SOCK'));
      Object.assign(env, {
        FERRY_CLI_BUNDLE: bundle,
        HOME: dir,
        FERRY_LAB: 'tnolab',
        FERRY_STATE_DIR: path.join(dir, 'state'),
        FERRY_INVENTORY: path.join(dir, 'hosts'),
        ...Object.fromEntries(Object.entries(c.cli!.env ?? {}).map(([k, v]) => [k, sub(v)])),
      });
      const r = await runCli(c.cli!.args, env);
      const out = `${r.stdout}\n${r.stderr}`;
      expect(out).toContain(`[${c.code}]`);
      expect(out).toContain(sub(c.fragment));
      expect(r.code, out).toBe(c.cli!.exit ?? (c.code === 'BAD_INPUT' || c.code === 'UNKNOWN_HOST' ? 2 : 1));
      expect(out).not.toMatch(/\n\s+at .*\.m?js:\d+/); // no stack trace
    },
    60_000,
  );

  it('never connected to a host', () => {
    expect(connections).toBe(0);
  });
});

describe('bad input: the contract', () => {
  let calls = 0;
  const handlers = Object.fromEntries(
    REQUEST_METHODS.map((m) => [
      m,
      async () => {
        calls++;
        throw new Error(`${m} ran`);
      },
    ]),
  ) as unknown as Handlers;
  const [client, server] = memoryTransportPair();
  serveContract(server, handlers);
  const api = createApiClient(client);

  it.each(contract.map((c) => [label(c), c] as const))('%s', async (_l, c) => {
    const r = await api.request(c.contract!.method as 'app:info', c.contract!.params as never);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(c.code);
    expect(r.error.message).toContain(c.fragment);
  });

  it('ran no handler', () => {
    expect(calls).toBe(0);
  });
});

describe('bad input: inventory files', () => {
  it.each(inventory.map((c) => [label(c), c] as const))('%s', (_l, c) => {
    const { dir } = freshDir(c.inventory!.files);
    let err: unknown;
    try {
      loadInventory({ files: [{ path: path.join(dir, 'config'), source: 'config' }], userConfig: false, home: dir }).resolveHost(c.inventory!.alias);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe(c.code);
    expect((err as FerryError).message).toContain(c.fragment);
  });
});

describe('bad input: the catalogue', () => {
  it('has at least 30 cases, none twice', () => {
    expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(BAD_INPUT_CASES.map((c) => `${c.surface} ${c.what}`)).size).toBe(BAD_INPUT_CASES.length);
  });

  it('docs/bad-input.md is generated from it', () => {
    const text = renderBadInputDoc();
    if (process.env.FERRY_WRITE_DOCS === '1') writeFileSync(DOC, text);
    expect(
      existsSync(DOC) ? readFileSync(DOC, 'utf8') : '',
      'docs/bad-input.md is stale: FERRY_WRITE_DOCS=1 npx vitest run main/cli/bad-input-catalogue.test.ts',
    ).toBe(text);
  });
});
