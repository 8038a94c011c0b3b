// Everything the controller keeps in its state folder is private to its user, whatever the umask, and the
// journal is redacted like the records.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MigrationPlan, MigrationRecord } from '../../app/model/migration';
import { forgetSecret, REDACTED, registerSecret } from '../../app/redact';
import { addManualHost } from '../hosts/manual-hosts';
import { Journal, readJournal } from '../engine/journal';
import { acquireMigrationLocks } from '../engine/migration-locks';
import { openHistory } from './history-db';
import { saveLog, saveRecord } from './record-store';

const SECRET = 'hunter2-sudo-password';

/** Every folder and file under `root` with its permission bits. */
function modes(root: string): Array<{ path: string; dir: boolean; mode: number }> {
  const out: Array<{ path: string; dir: boolean; mode: number }> = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    out.push({ path: path.relative(root, p) || '.', dir: st.isDirectory(), mode: st.mode & 0o7777 });
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(path.join(p, n));
  };
  walk(root);
  return out;
}

const record = (id: string): MigrationRecord => ({
  id,
  request: { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60_000, keepImages: false },
  startedAt: 1,
  outcome: 'succeeded',
  steps: [],
  connections: [],
  logs: {},
  warnings: [],
});

describe.each([0o000, 0o022, 0o002])('state files with umask %o', (umask) => {
  let base: string;
  let state: string;
  let oldUmask: number;
  const env = { ...process.env };
  beforeEach(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'ferry-private-'));
    state = path.join(base, 'state');
    process.env.FERRY_STATE_DIR = state;
    delete process.env.FERRY_MANUAL_HOSTS;
    oldUmask = process.umask(umask);
    registerSecret(SECRET);
  });
  afterEach(() => {
    process.umask(oldUmask);
    forgetSecret(SECRET);
    process.env = { ...env };
    rmSync(base, { recursive: true, force: true });
  });

  it('folders are 0700 and files 0600: records, CRIU logs, journal, history, hosts added by hand, locks', async () => {
    saveRecord(record('m-1'));
    saveLog('m-1', 'dump.log', '(00.1) dump\n');
    saveLog('m-1', 'restore.log', '(00.1) restore\n');
    new Journal('m-2').write({ phase: 'ended', outcome: 'succeeded' });
    (await openHistory()).put(record('m-1'));
    addManualHost({ name: 'n1', hostName: '198.18.0.9', user: 'root', port: 22 }, []);
    const release = acquireMigrationLocks(['process:lab-a:42', 'address:198.18.0.100'], 'm-1');
    const all = modes(state);
    release();
    expect(
      all
        .filter((e) => e.dir)
        .map((e) => e.path)
        .sort(),
    ).toEqual(['.', 'locks', 'migrations', 'migrations/m-1', 'migrations/m-2']);
    expect(
      all
        .filter((e) => !e.dir)
        .map((e) => e.path)
        .sort(),
    ).toEqual([
      'history.sqlite',
      'hosts.ssh_config',
      'locks/address%3A198.18.0.100.lock',
      'locks/process%3Alab-a%3A42.lock',
      'migrations/m-1/dump.log',
      'migrations/m-1/record.json',
      'migrations/m-1/restore.log',
      'migrations/m-2/journal.jsonl',
    ]);
    for (const e of all) expect(`${e.path} ${e.mode.toString(8)}`).toBe(`${e.path} ${e.dir ? '700' : '600'}`);
  });

  it('narrows folders and files an older version left readable', () => {
    mkdirSync(path.join(state, 'migrations', 'm-1'), { recursive: true });
    for (const d of [state, path.join(state, 'migrations'), path.join(state, 'migrations', 'm-1')]) chmodSync(d, 0o755);
    writeFileSync(path.join(state, 'migrations', 'm-1', 'journal.jsonl'), '');
    chmodSync(path.join(state, 'migrations', 'm-1', 'journal.jsonl'), 0o644);
    new Journal('m-1').write({ phase: 'ended' });
    saveLog('m-1', 'dump.log', 'x');
    for (const e of modes(state)) expect(`${e.path} ${e.mode.toString(8)}`).toBe(`${e.path} ${e.dir ? '700' : '600'}`);
  });
});

describe('the journal', () => {
  let state: string;
  const env = { ...process.env };
  beforeEach(() => {
    state = mkdtempSync(path.join(os.tmpdir(), 'ferry-journal-'));
    process.env.FERRY_STATE_DIR = state;
    registerSecret(SECRET);
  });
  afterEach(() => {
    forgetSecret(SECRET);
    process.env = { ...env };
    rmSync(state, { recursive: true, force: true });
  });

  it('is redacted like the records, and still gives recovery its plan', () => {
    const plan = {
      id: 'm-j',
      treePids: [42],
      comm: 'app',
      args: `app --password=${SECRET} --token abcdef123456 http://u:pw1234@db/?token=qwerty999`,
      addresses: [{ address: '198.18.0.100', prefixLen: 24, family: 'inet', sourceDevice: 'eth0', destinationDevice: 'eth0', routes: [] }],
      sourceImageDir: '/var/lib/ferry/images/m-j-dump',
      warnings: [`sudo said ${SECRET}`],
    } as unknown as MigrationPlan;
    const j = new Journal('m-j');
    j.start(plan, []);
    const text = readFileSync(path.join(state, 'migrations', 'm-j', 'journal.jsonl'), 'utf8');
    for (const s of [SECRET, 'abcdef123456', 'pw1234', 'qwerty999']) expect(text).not.toContain(s);
    const planned = readJournal('m-j')[0]?.plan;
    expect(planned?.args).toContain(`--password=${REDACTED}`);
    expect(planned?.addresses[0]?.address).toBe('198.18.0.100');
    expect(planned?.sourceImageDir).toBe('/var/lib/ferry/images/m-j-dump');
  });
});
