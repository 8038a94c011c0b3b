// Migration locks on real files, with a real second process holding one and a stale lock from a dead PID.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/errors';
import { bundleForTest } from '../../test/support/test-bundle';
import { acquireMigrationLocks, listLocks, lockHolder, lockKeys } from './migration-locks';

let dir: string;
let bundle: string;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  bundle = await bundleForTest('main/engine/migration-locks.ts', 'migration-locks');
}, 60_000);
afterAll(() => rmSync(bundle, { force: true }));
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-locks-'));
  return dir;
}

function busyError(fn: () => unknown): FerryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('BUSY');
    return err as FerryError;
  }
  throw new Error('expected BUSY');
}

/** Another controller process that takes `keys` as migration `id` and holds them until its stdin closes. */
async function holder(keys: string[], id: string): Promise<ChildProcessWithoutNullStreams> {
  const script = `
    const { acquireMigrationLocks } = await import(${JSON.stringify(bundle)});
    const release = acquireMigrationLocks(${JSON.stringify(keys)}, ${JSON.stringify(id)}, { dir: ${JSON.stringify(dir)} });
    process.stdout.write('held\\n');
    process.stdin.resume();
    process.stdin.on('end', () => { release(); process.stdout.write('released\\n'); });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('held')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)));
  });
  return child;
}

describe('lockKeys', () => {
  it('names the process on both hosts and every address, normalized and sorted', () => {
    expect(lockKeys({ from: 'Lab-A', to: 'lab-b', pid: 4242 }, ['198.18.0.100', '2001:DB8:0:0::1', '198.18.0.100'])).toEqual([
      'address:198.18.0.100',
      'address:2001:db8::1',
      'process:lab-a:4242',
      'process:lab-b:4242',
    ]);
  });

  it('names a host by its identity: two aliases of one host share its process lock', () => {
    const host = (hostName: string, more = {}) => ({ hostName, port: 22, ...more });
    const a = lockKeys({ from: host('198.18.0.2'), to: host('198.18.0.3'), pid: 7 }, []);
    const b = lockKeys({ from: host('198.18.0.2'), to: host('198.18.0.4'), pid: 7 }, []);
    expect(a).toContain('process:198.18.0.2:22:7');
    expect(b).toContain('process:198.18.0.2:22:7');
    const routed = lockKeys(
      { from: host('198.18.0.2', { proxyCommand: `nsenter --net=/run/netns/${'x'.repeat(300)} nc %h %p` }), to: host('198.18.0.3'), pid: 7 },
      [],
    );
    expect(routed[0]).toMatch(/^process:198\.18\.0\.2:22~[0-9a-f]{12}:7$/);
  });

  it('says which host a busy process lock is on without the route hash', () => {
    freshDir();
    const keys = lockKeys({ from: { hostName: '198.18.0.2', port: 22, proxyCommand: 'nc %h %p' }, to: 'lab-b', pid: 7 }, []);
    const release = acquireMigrationLocks(keys, 'm-1', { dir });
    try {
      const err = busyError(() => acquireMigrationLocks(keys, 'm-2', { dir }));
      expect(err.message).toContain('process 7 on 198.18.0.2:22 is in use by migration m-1');
    } finally {
      release();
    }
  });
});

describe('acquireMigrationLocks', { timeout: 60_000 }, () => {
  it('takes and releases locks as files holding the migration id and owner PID', () => {
    freshDir();
    const keys = lockKeys({ from: 'lab-a', to: 'lab-b', pid: 7 }, ['198.18.0.100']);
    const release = acquireMigrationLocks(keys, 'm-1', { dir });
    const files = readdirSync(dir).filter((f) => f.endsWith('.lock'));
    expect(files).toHaveLength(3);
    const owner = JSON.parse(readFileSync(path.join(dir, files[0]!), 'utf8'));
    expect(owner).toMatchObject({ migrationId: 'm-1', pid: process.pid });
    expect(owner.startTicks).toBeGreaterThan(0);
    expect(lockHolder('address:198.18.0.100', { dir })?.migrationId).toBe('m-1');
    expect(listLocks({ dir })).toHaveLength(3);
    release();
    release();
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual([]);
    // Free again.
    acquireMigrationLocks(keys, 'm-2', { dir })();
  });

  it('refuses a second migration of the same process or address in the same process, naming the holder', () => {
    freshDir();
    const release = acquireMigrationLocks(lockKeys({ from: 'lab-a', to: 'lab-b', pid: 7 }, ['198.18.0.100']), 'first', { dir });
    const sameAddress = busyError(() => acquireMigrationLocks(lockKeys({ from: 'lab-c', to: 'lab-d', pid: 99 }, ['198.18.0.100']), 'second', { dir }));
    expect(sameAddress.message).toContain('address 198.18.0.100 is in use by migration first');
    expect(sameAddress.message).toContain(`ferry process ${process.pid}`);
    const sameProcess = busyError(() => acquireMigrationLocks(lockKeys({ from: 'lab-b', to: 'lab-a', pid: 7 }, []), 'third', { dir }));
    expect(sameProcess.message).toMatch(/process 7 on lab-[ab] is in use by migration first/);
    expect(sameProcess.host).toMatch(/^lab-[ab]$/);
    // A refused request leaves nothing of its own behind: lab-c/lab-d were free but are not kept.
    expect(lockHolder('process:lab-c:99', { dir })).toBeUndefined();
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toHaveLength(3);
    release();
    acquireMigrationLocks(lockKeys({ from: 'lab-c', to: 'lab-d', pid: 99 }, ['198.18.0.100']), 'second', { dir })();
  });

  it('lets one migration take its process keys first and its addresses later, releasing each call its own', () => {
    freshDir();
    const req = { from: 'lab-a', to: 'lab-b', pid: 7 };
    const early = acquireMigrationLocks(lockKeys(req, []), 'm-1', { dir });
    const later = acquireMigrationLocks(lockKeys(req, ['198.18.0.100']), 'm-1', { dir });
    busyError(() => acquireMigrationLocks(lockKeys(req, []), 'm-2', { dir }));
    later();
    expect(lockHolder('address:198.18.0.100', { dir })).toBeUndefined();
    expect(lockHolder('process:lab-a:7', { dir })?.migrationId).toBe('m-1');
    early();
    expect(listLocks({ dir })).toEqual([]);
  });

  it('refuses while another controller process holds the lock, and succeeds once it released', async () => {
    freshDir();
    const keys = lockKeys({ from: 'lab-a', to: 'lab-b', pid: 4242 }, ['198.18.0.100']);
    const other = await holder(keys, 'cli-migration');
    const err = busyError(() => acquireMigrationLocks(keys, 'dashboard-migration', { dir }));
    expect(err.message).toContain('migration cli-migration');
    expect(err.message).toContain(`ferry process ${other.pid}`);
    expect(err.hint).toContain('cli-migration');
    const done = new Promise<void>((resolve) => other.stdout.on('data', (d: Buffer) => d.toString().includes('released') && resolve()));
    other.stdin.end();
    await done;
    acquireMigrationLocks(keys, 'dashboard-migration', { dir })();
  });

  it('takes over a lock whose owner died (killed without releasing)', async () => {
    freshDir();
    const keys = lockKeys({ from: 'lab-a', to: 'lab-b', pid: 4242 }, []);
    const other = await holder(keys, 'crashed');
    const exited = new Promise((resolve) => other.once('exit', resolve));
    other.kill('SIGKILL');
    await exited;
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toHaveLength(2);
    const release = acquireMigrationLocks(keys, 'after-crash', { dir });
    expect(lockHolder(keys[0]!, { dir })?.migrationId).toBe('after-crash');
    release();
  });

  it('takes over a stale lock file from a dead PID, and a corrupt one', () => {
    freshDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    expect(existsSync(`/proc/${deadPid}`)).toBe(false);
    const key = 'address:198.18.0.100';
    writeFileSync(path.join(dir, `${encodeURIComponent(key)}.lock`), JSON.stringify({ key, migrationId: 'ghost', pid: deadPid, acquiredAt: 1 }));
    writeFileSync(path.join(dir, `${encodeURIComponent('process:lab-a:1')}.lock`), '{"half":');
    expect(lockHolder(key, { dir })).toBeUndefined();
    const release = acquireMigrationLocks([key, 'process:lab-a:1'], 'new', { dir });
    expect(lockHolder(key, { dir })?.migrationId).toBe('new');
    release();
  });

  it('does not mistake a reused PID for the owner (start time recorded)', () => {
    freshDir();
    const key = 'process:lab-a:5';
    // Our own PID, but a start time that is not ours: the process that took the lock is gone.
    writeFileSync(
      path.join(dir, `${encodeURIComponent(key)}.lock`),
      JSON.stringify({ key, migrationId: 'old', pid: process.pid, startTicks: 1, acquiredAt: 1 }),
    );
    acquireMigrationLocks([key], 'new', { dir })();
  });

  it('lets exactly one of many concurrent processes win a stale lock', async () => {
    freshDir();
    const key = 'address:198.18.0.100';
    writeFileSync(path.join(dir, `${encodeURIComponent(key)}.lock`), JSON.stringify({ key, migrationId: 'ghost', pid: 999_999_999, acquiredAt: 1 }));
    const script = (i: number) => `
      const { acquireMigrationLocks } = await import(${JSON.stringify(bundle)});
      try { acquireMigrationLocks([${JSON.stringify(key)}], 'racer-${i}', { dir: ${JSON.stringify(dir)} }); process.stdout.write('won'); setInterval(() => {}, 1000); }
      catch (e) { process.stdout.write(e.code); }
    `;
    const outs = await Promise.all(
      Array.from(
        { length: 6 },
        (_, i) =>
          new Promise<string>((resolve) => {
            // The winner keeps running (holding its lock) until the test ends.
            const c = spawn(process.execPath, ['--input-type=module', '-e', script(i)]);
            children.push(c);
            c.stdout.on('data', (d: Buffer) => resolve(d.toString()));
            c.on('exit', () => resolve('exited silently'));
          }),
      ),
    );
    expect(outs.filter((o) => o === 'won')).toHaveLength(1);
    expect(outs.filter((o) => o === 'BUSY')).toHaveLength(5);
  });
});
