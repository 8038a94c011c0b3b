// Integration test: SshExecutor against a real OpenSSH sshd on 127.0.0.1 (skips itself unless root with sshd installed).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/errors';
import type { SshHostSpec } from '../../app/inventory/ssh-config';
import { SshExecutor } from './ssh-executor';
import { SshPool, type SshPoolOptions } from './ssh-pool';
import { fingerprintOf, freePort, publicKeyLine, sshdSkipReason, startTestSshd, waitFor, type TestSshd } from '../../test/support/test-sshd';

const skipReason = sshdSkipReason();
if (skipReason) console.warn(`ssh-executor.test.ts skipped: ${skipReason}`);

// Generous timeouts: every remote command starts the remote user's shell, and a heavy ~/.bashrc (sourced by
// Debian's bash even for `bash -c` under sshd) can cost hundreds of milliseconds per command.
const title = `SshExecutor against a real sshd${skipReason ? ` (skipped: ${skipReason})` : ''}`;
describe.skipIf(skipReason !== '')(title, { timeout: 60_000 }, () => {
  let sshd: TestSshd;
  let dir: string;
  let port: number;
  let clientKey: string;
  let wrongKey: string;
  let hostPub: string;
  let hostFingerprint: string;
  let knownHosts: string;
  const open: SshExecutor[] = [];

  beforeAll(async () => {
    sshd = await startTestSshd();
    ({ dir, port, clientKey, wrongKey, hostPub, hostFingerprint, knownHosts } = sshd);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()));
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  const spec = (over: Partial<SshHostSpec> = {}): SshHostSpec => ({
    name: 'lab-t',
    hostName: '127.0.0.1',
    port,
    user: 'root',
    identityFiles: [clientKey],
    source: 'test',
    userKnownHostsFiles: [knownHosts],
    ...over,
  });

  function executor(hosts: SshHostSpec[], poolOpts: SshPoolOptions = {}): { exec: SshExecutor; pool: SshPool } {
    const byName = new Map(hosts.map((h) => [h.name, h]));
    const lookup = (name: string) => {
      const h = byName.get(name);
      if (!h) throw new FerryError({ code: 'UNKNOWN_HOST', message: name });
      return h;
    };
    const pool = new SshPool({
      globalKnownHostsFiles: [],
      agentSocket: null,
      defaultIdentityFiles: [],
      readyTimeoutMs: 10_000,
      resolveJumpHost: lookup,
      ...poolOpts,
    });
    const exec = new SshExecutor({ pool, resolveHost: lookup });
    open.push(exec);
    return { exec, pool };
  }

  const accepted = () => sshd.log().match(/Accepted publickey for root/g)?.length ?? 0;

  it('passes hostile arguments through byte-exact', async () => {
    const { exec } = executor([spec()]);
    const args = [
      "it's",
      '"double"',
      'a;b',
      '$(id)',
      '`id`',
      'line1\nline2',
      '-n',
      '--',
      ' spaces  around ',
      '',
      '*',
      '~',
      '\\',
      '$HOME',
      '!',
      '#x',
      'tab\there',
      '|&<>',
      "''",
      'ünïcødé ✓',
    ];
    const r = await exec.run('lab-t', ['printf', '%s\\0', ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(args);
  });

  it('feeds stdin, reports exit codes and stderr', async () => {
    const { exec } = executor([spec()]);
    const input = Buffer.concat([Buffer.from('hello\n\0binary\xff', 'latin1')]);
    const echoed = await exec.run('lab-t', ['od', '-An', '-tx1', '-v'], { stdin: input });
    expect(echoed.stdout.replace(/\s+/g, '')).toBe(input.toString('hex'));
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    expect((await exec.run('lab-t', ['wc', '-c'], { stdin: big })).stdout.trim()).toBe(String(big.length));
    const r = await exec.run('lab-t', ['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(r).toEqual({ code: 7, stdout: 'out\n', stderr: 'err\n' });
    expect((await exec.run('lab-t', ['sh', '-c', 'kill -9 $$'])).code).toBe(-1);
    // No stdin given: the command sees EOF at once instead of hanging.
    expect((await exec.run('lab-t', ['cat'], { timeoutMs: 5000 })).stdout).toBe('');
  });

  it('times out with TIMEOUT and kills the remote command', async () => {
    const { exec } = executor([spec()]);
    const t0 = Date.now();
    const err = await exec.run('lab-t', ['sleep', '31.337'], { timeoutMs: 400 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(5000);
    await waitFor(
      async () => (await exec.run('lab-t', ['pgrep', '-f', 'sleep 31[.]337'])).code === 1,
      30_000,
      () => 'remote sleep survived',
    );
  });

  it('stops on AbortSignal', async () => {
    const { exec } = executor([spec()]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('operator cancelled')), 300);
    await expect(exec.run('lab-t', ['sleep', '32.5'], { signal: ac.signal })).rejects.toThrow('operator cancelled');
    await waitFor(
      async () => (await exec.run('lab-t', ['pgrep', '-f', 'sleep 32[.]5'])).code === 1,
      30_000,
      () => 'remote sleep survived',
    );
  });

  it('caps collected output', async () => {
    const { exec } = executor([spec()]);
    const err = await exec.run('lab-t', ['head', '-c', '100000', '/dev/zero'], { maxOutputBytes: 1000 }).catch((e: unknown) => e);
    expect((err as FerryError).code).toBe('COMMAND_FAILED');
    expect((await exec.run('lab-t', ['echo', 'still fine'])).stdout).toBe('still fine\n');
  });

  it('reuses one connection for sequential and concurrent commands, and reconnects after it closes', async () => {
    const { exec, pool } = executor([spec()]);
    const before = accepted();
    await exec.run('lab-t', ['true']);
    await exec.run('lab-t', ['true']);
    const many = await Promise.all(Array.from({ length: 14 }, (_, i) => exec.run('lab-t', ['sh', '-c', `sleep 0.2; echo ${i}`])));
    expect(many.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 14 }, (_, i) => String(i)));
    await waitFor(
      () => accepted() === before + 1,
      2000,
      () => `expected 1 new login, sshd log:\n${sshd.log()}`,
    );
    expect(pool.connectionsOpened).toBe(1);

    await (await pool.connect(spec())).end();
    expect((await exec.run('lab-t', ['echo', 'again'])).stdout).toBe('again\n');
    expect(pool.connectionsOpened).toBe(2);
  });

  it('keeps every exit status while a large upload streams over the same connection', async () => {
    // Regression: under load ssh2 parsed a channel's open reply, output, exit status and close from one read,
    // and an 'exit' listener added after an await missed the status (exit code -1 with the output intact).
    const { exec } = executor([spec()]);
    const sink = await exec.spawn('lab-t', ['sh', '-c', 'cat >/dev/null']);
    let writing = true;
    const chunk = Buffer.alloc(256 * 1024, 7);
    const pump = (async () => {
      while (writing) if (!sink.stdin.write(chunk)) await new Promise((r) => sink.stdin.once('drain', r));
      sink.stdin.end();
    })();
    const codes: number[] = [];
    for (let i = 0; i < 40; i++) codes.push((await exec.run('lab-t', ['sh', '-c', `exit ${i % 3}`])).code);
    writing = false;
    await pump;
    expect(await sink.exit).toBe(0);
    expect(codes).toEqual(Array.from({ length: 40 }, (_, i) => i % 3));
  });

  it('spawns with streams and kills', async () => {
    const { exec } = executor([spec()]);
    const cat = await exec.spawn('lab-t', ['cat']);
    const chunks: Buffer[] = [];
    cat.stdout.on('data', (c: Buffer) => chunks.push(c));
    cat.stdin.end('streamed');
    expect(await cat.exit).toBe(0);
    expect(Buffer.concat(chunks).toString()).toBe('streamed');

    const sleeper = await exec.spawn('lab-t', ['sleep', '33.25']);
    sleeper.stdout.resume();
    sleeper.stderr.resume();
    sleeper.kill();
    expect(await sleeper.exit).toBe(-1);
  });

  it('connects through a ProxyCommand (nc %h %p) and ends it on close', async () => {
    const { exec, pool } = executor([spec({ name: 'via-nc', proxyCommand: 'nc %h %p' })]);
    expect((await exec.run('via-nc', ['echo', 'proxied'])).stdout).toBe('proxied\n');
    expect(pool.connectionsOpened).toBe(1);
    const ncRunning = () => {
      try {
        return execFileSync('pgrep', ['-f', `^nc 127.0.0.1 ${port}$`], { encoding: 'utf8' }).trim();
      } catch {
        return ''; // pgrep exits 1 when nothing matches
      }
    };
    expect(ncRunning()).not.toBe('');
    await exec.close();
    await waitFor(
      () => ncRunning() === '',
      3000,
      () => 'nc still running after close()',
    );
  });

  it('connects through a ProxyJump host', async () => {
    const { exec, pool } = executor([spec({ name: 'jump' }), spec({ name: 'behind', proxyJump: 'jump' })]);
    expect((await exec.run('behind', ['echo', 'jumped'])).stdout).toBe('jumped\n');
    expect(await exec.run('jump', ['true'])).toMatchObject({ code: 0 });
    expect(pool.connectionsOpened).toBe(2);
  });

  it('refuses an unknown host key with its fingerprint, or records it when acceptNewKey says yes', async () => {
    const empty = path.join(dir, 'kh-empty');
    writeFileSync(empty, '');
    const { exec } = executor([spec({ userKnownHostsFiles: [empty] })]);
    const err = (await exec.run('lab-t', ['true']).catch((e: unknown) => e)) as FerryError;
    expect(err.code).toBe('HOST_KEY_UNKNOWN');
    expect(err.message).toContain(hostFingerprint);
    expect(err.hint).toContain(`ssh-keyscan -p ${port}`);

    const offered: string[] = [];
    const { exec: accepting } = executor([spec({ userKnownHostsFiles: [empty] })], {
      acceptNewKey: async (k) => {
        offered.push(k.fingerprint);
        return true;
      },
    });
    expect((await accepting.run('lab-t', ['echo', 'trusted'])).stdout).toBe('trusted\n');
    expect(offered).toEqual([hostFingerprint]);
    expect(readFileSync(empty, 'utf8')).toContain(`[127.0.0.1]:${port} ${hostPub}`);
    const { exec: later } = executor([spec({ userKnownHostsFiles: [empty] })]);
    expect((await later.run('lab-t', ['true'])).code).toBe(0);
  });

  it('refuses a changed host key with both fingerprints', async () => {
    const wrongPub = publicKeyLine(`${wrongKey}.pub`);
    const wrongFp = fingerprintOf(`${wrongKey}.pub`);
    const bad = path.join(dir, 'kh-bad');
    writeFileSync(bad, `[127.0.0.1]:${port} ${wrongPub}\n`);
    const { exec } = executor([spec({ userKnownHostsFiles: [bad] })], { acceptNewKey: () => true });
    const err = (await exec.run('lab-t', ['true']).catch((e: unknown) => e)) as FerryError;
    expect(err.code).toBe('HOST_KEY_MISMATCH');
    expect(err.message).toContain(wrongFp);
    expect(err.message).toContain(hostFingerprint);
    expect(readFileSync(bad, 'utf8')).toBe(`[127.0.0.1]:${port} ${wrongPub}\n`);
  });

  it('maps a rejected key to SSH_AUTH naming the identity files', async () => {
    const { exec } = executor([spec({ identityFiles: [wrongKey, path.join(dir, 'missing-key')] })]);
    const err = (await exec.run('lab-t', ['true']).catch((e: unknown) => e)) as FerryError;
    expect(err.code).toBe('SSH_AUTH');
    expect(err.host).toBe('lab-t');
    expect(err.hint).toContain(wrongKey);
    expect(err.hint).toContain('missing-key (ENOENT)');
  });

  it('maps a closed port to HOST_UNREACHABLE, directly and through a ProxyCommand', async () => {
    const closed = await freePort();
    const { exec } = executor([spec({ port: closed }), spec({ name: 'nc-closed', port: closed, proxyCommand: 'nc %h %p' })]);
    const direct = (await exec.run('lab-t', ['true']).catch((e: unknown) => e)) as FerryError;
    expect(direct.code).toBe('HOST_UNREACHABLE');
    expect(direct.host).toBe('lab-t');
    expect(direct.message).toContain(`127.0.0.1:${closed}`);
    const proxied = (await exec.run('nc-closed', ['true']).catch((e: unknown) => e)) as FerryError;
    expect(proxied.code).toBe('HOST_UNREACHABLE');
    expect(proxied.message).toContain('ProxyCommand nc 127.0.0.1');
  });

  it('measures a command round trip', async () => {
    const { exec } = executor([spec()]);
    const ms = await exec.measureRoundTrip('lab-t');
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(2000);
  });
});
