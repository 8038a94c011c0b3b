// `ferry hosts trust` against a real sshd on 127.0.0.1: in process, through the built CLI and on a real terminal.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../../app/errors';
import { loadInventory } from '../../hosts/inventory';
import { fingerprintOf, publicKeyLine, sshdSkipReason, startTestSshd, type TestSshd } from '../../../test/support/test-sshd';
import { bundleForTest } from '../../../test/support/test-bundle';
import { trustHost, type TrustIo } from './trust';

const skipReason = sshdSkipReason();
const title = `ferry hosts trust against a real sshd${skipReason ? ` (skipped: ${skipReason})` : ''}`;

describe.skipIf(skipReason !== '')(title, { timeout: 60_000 }, () => {
  let sshd: TestSshd;
  let tmp: string;
  let kh: string;
  let inv: string;
  let cli: string;
  const pool = { agentSocket: null, defaultIdentityFiles: [], globalKnownHostsFiles: [] };

  beforeAll(async () => {
    [sshd, cli] = await Promise.all([startTestSshd(), bundleForTest('main/cli/index.ts', 'cli-trust')]);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-trust-'));
    kh = path.join(tmp, 'known_hosts');
    inv = path.join(tmp, 'inventory');
    // tj: the same sshd reached through t as its jump host, under another name (localhost): two keys to trust.
    writeFileSync(
      inv,
      `Host t\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.clientKey}\n  UserKnownHostsFile ${kh}\n` +
        `Host tj\n  HostName localhost\n  Port ${sshd.port}\n  User root\n  ProxyJump t\n  IdentityFile ${sshd.clientKey}\n  UserKnownHostsFile ${kh}\n`,
    );
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (cli) rmSync(cli, { force: true });
  });
  beforeEach(() => rmSync(kh, { force: true }));

  const inventory = () => loadInventory({ files: [inv], userConfig: false });
  const io = (interactive: boolean, answer = ''): TrustIo & { said: string[]; asked: string[] } => {
    const said: string[] = [];
    const asked: string[] = [];
    return { interactive, said, asked, say: (l) => said.push(l), ask: async (q) => (asked.push(q), answer) };
  };
  const refused = async (p: Promise<unknown>, code: string): Promise<FerryError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe(code);
    return err as FerryError;
  };
  const entry = () => `[127.0.0.1]:${sshd.port} ${sshd.hostPub}`;

  it('without a terminal or --fingerprint: shows the fingerprint and refuses, writing nothing', async () => {
    const talk = io(false);
    const err = await refused(trustHost(inventory(), 't', {}, talk, pool), 'HOST_KEY_UNKNOWN');
    expect(talk.said.join('\n')).toContain(sshd.hostFingerprint);
    expect(err.message).toContain('no --fingerprint');
    expect(err.hint).toContain(`--fingerprint ${sshd.hostFingerprint}`);
    expect(existsSync(kh)).toBe(false);
  });

  it('on a terminal: asks, and only "y" adds the key', async () => {
    const no = io(true, '');
    await refused(trustHost(inventory(), 't', {}, no, pool), 'HOST_KEY_UNKNOWN');
    expect(no.asked[0]).toMatch(/\[y\/N\]/);
    expect(existsSync(kh)).toBe(false);

    const yes = io(true, 'y');
    const out = await trustHost(inventory(), 't', {}, yes, pool);
    expect(out).toMatchObject({ status: 'added', fingerprint: sshd.hostFingerprint, keyType: 'ssh-ed25519', file: kh, name: `[127.0.0.1]:${sshd.port}` });
    expect(out.loginError).toBeUndefined();
    expect(readFileSync(kh, 'utf8')).toBe(`${entry()}\n`);

    const again = io(true, 'y');
    expect(await trustHost(inventory(), 't', {}, again, pool)).toMatchObject({ status: 'already-trusted' });
    expect(again.asked).toEqual([]);
  });

  it('with --fingerprint: adds only an exact match, without asking', async () => {
    const wrong = fingerprintOf(`${sshd.wrongKey}.pub`);
    const err = await refused(trustHost(inventory(), 't', { fingerprint: wrong }, io(false), pool), 'HOST_KEY_MISMATCH');
    expect(err.message).toContain(wrong);
    expect(err.message).toContain(sshd.hostFingerprint);
    expect(existsSync(kh)).toBe(false);

    const talk = io(true, 'n');
    expect(await trustHost(inventory(), 't', { fingerprint: sshd.hostFingerprint, yes: true }, talk, pool)).toMatchObject({ status: 'added' });
    expect(talk.asked).toEqual([]);
    expect(readFileSync(kh, 'utf8')).toBe(`${entry()}\n`);
  });

  it('refuses a changed key with both fingerprints and leaves known_hosts alone', async () => {
    const stale = `[127.0.0.1]:${sshd.port} ${publicKeyLine(`${sshd.wrongKey}.pub`)}\n`;
    writeFileSync(kh, stale);
    const err = await refused(trustHost(inventory(), 't', { fingerprint: sshd.hostFingerprint, yes: true }, io(true, 'y'), pool), 'HOST_KEY_MISMATCH');
    expect(err.message).toContain(fingerprintOf(`${sshd.wrongKey}.pub`));
    expect(err.message).toContain(sshd.hostFingerprint);
    expect(err.hint).toContain('ssh-keygen -R');
    expect(readFileSync(kh, 'utf8')).toBe(stale);
  });

  it("names a jump host's key with the jump host's name, not the target's", async () => {
    const talk = io(true, 'y');
    const out = await trustHost(inventory(), 'tj', {}, talk, pool);
    expect(talk.said[0]).toContain(`The host key of jump host t ([127.0.0.1]:${sshd.port}, on the way to tj)`);
    expect(talk.asked[0]).toContain(`Add this key for [127.0.0.1]:${sshd.port} (jump host t)`);
    expect(talk.said[1]).toContain(`The host key of tj ([localhost]:${sshd.port})`);
    expect(talk.asked[1]).toContain(`Add this key for [localhost]:${sshd.port} to`);
    expect(out).toMatchObject({ status: 'added', name: `[localhost]:${sshd.port}` });
    expect(out.keys?.map((k) => [k.host, k.name, k.jump])).toEqual([
      ['t', `[127.0.0.1]:${sshd.port}`, true],
      ['tj', `[localhost]:${sshd.port}`, false],
    ]);
    expect(readFileSync(kh, 'utf8')).toBe(`${entry()}\n[localhost]:${sshd.port} ${sshd.hostPub}\n`);

    // Without a terminal, the refusal names the jump host and says to trust it first.
    rmSync(kh, { force: true });
    const err = await refused(trustHost(inventory(), 'tj', {}, io(false), pool), 'HOST_KEY_UNKNOWN');
    expect(err.host).toBe('t');
    expect(err.message).toContain('jump host t');
    expect(err.hint).toContain(`ferry hosts trust t --fingerprint ${sshd.hostFingerprint}`);
  });

  it('refuses malformed options before connecting', async () => {
    const before = sshd.log().length;
    await refused(trustHost(inventory(), 't', { fingerprint: 'MD5:aa:bb' }, io(false), pool), 'BAD_INPUT');
    await refused(trustHost(inventory(), 't', { fingerprint: `${sshd.hostFingerprint}=` }, io(false), pool), 'BAD_INPUT');
    await refused(trustHost(inventory(), 't', { yes: true }, io(false), pool), 'BAD_INPUT');
    await refused(trustHost(inventory(), 'nope', {}, io(false), pool), 'UNKNOWN_HOST');
    await refused(trustHost(inventory(), 't;id', {}, io(false), pool), 'BAD_INPUT');
    expect(sshd.log().slice(before)).not.toContain('Connection from');
  });

  const env = () => {
    const e: NodeJS.ProcessEnv = { ...process.env, FERRY_INVENTORY: inv, FERRY_LAB: 'tnolab', HOME: tmp };
    delete e.SSH_AUTH_SOCK;
    return e;
  };

  it('the built CLI: refuses without a terminal, adds with --fingerprint (JSON)', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'hosts', 'trust', 't', ...args], { env: env(), encoding: 'utf8', input: '' });
    const refusedRun = run();
    expect(refusedRun.status).toBe(1);
    expect(refusedRun.stderr).toContain(sshd.hostFingerprint);
    expect(refusedRun.stderr).toContain('[HOST_KEY_UNKNOWN]');
    const added = run('--fingerprint', sshd.hostFingerprint, '--json');
    expect(added.status).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ ok: true, status: 'added', fingerprint: sshd.hostFingerprint });
    expect(readFileSync(kh, 'utf8')).toBe(`${entry()}\n`);
  });

  it('the built CLI on a real terminal (script(1)): the operator types y', () => {
    const command = `${process.execPath} ${cli} hosts trust t`;
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { env: env(), encoding: 'utf8', input: 'y\n', timeout: 30_000 });
    expect(r.stdout).toContain(sshd.hostFingerprint);
    expect(r.stdout).toContain('[y/N]');
    expect(r.stdout).toContain(`t: added ssh-ed25519 ${sshd.hostFingerprint}`);
    expect(r.status).toBe(0);
    expect(readFileSync(kh, 'utf8')).toBe(`${entry()}\n`);
  });
});
