// Test helper: a real OpenSSH sshd on 127.0.0.1 with throw-away host and client keys (needs root and sshd).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SSHD = '/usr/sbin/sshd';

/** Why a real sshd cannot run here ('' when it can). */
export function sshdSkipReason(): string {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install openssh-server)`;
  return '';
}

/** A running test sshd and its keys. */
export interface TestSshd {
  dir: string;
  port: number;
  /** Private key authorized for root. */
  clientKey: string;
  /** A key pair sshd does not accept (and whose public half is not the host key). */
  wrongKey: string;
  /** `ssh-ed25519 AAAA…` of the host key. */
  hostPub: string;
  hostFingerprint: string;
  /** A known_hosts file listing the host key for [127.0.0.1]:port. */
  knownHosts: string;
  /** sshd's log so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Generates keys, writes a config and starts sshd in a mount namespace hiding root's shell start-up files. */
export async function startTestSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-sshd-'));
  const keygen = (name: string) => {
    const file = path.join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
    return file;
  };
  const hostKey = keygen('host_ed25519');
  const clientKey = keygen('client');
  const wrongKey = keygen('wrong');
  const hostPub = publicKeyLine(`${hostKey}.pub`);
  const hostFingerprint = fingerprintOf(`${hostKey}.pub`);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const port = await freePort();
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub}\n`);
  const config = path.join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'AllowTcpForwarding yes',
      'MaxStartups 100',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  execFileSync(SSHD, ['-t', '-f', config]);
  // In a mount namespace of its own, with root's shell start-up files hidden (this machine's run pyenv,
  // seconds per command), as on the lab hosts.
  const child: ChildProcess = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '/bin/sh',
      '-c',
      'for f in /root/.bashrc /root/.profile; do [ -f "$f" ] && mount --bind /dev/null "$f"; done; exec "$@"',
      'sh',
      SSHD,
      '-D',
      '-e',
      '-f',
      config,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString('utf8');
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      () => log.includes(`Server listening on 127.0.0.1 port ${port}`),
      10_000,
      () => `sshd did not start:\n${log}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, port, clientKey, wrongKey, hostPub, hostFingerprint, knownHosts, log: () => log, stop };
}

/** `type base64` of a .pub file. */
export function publicKeyLine(pubFile: string): string {
  return readFileSync(pubFile, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

/** `SHA256:…` of a .pub file, as ssh-keygen prints it. */
export function fingerprintOf(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' }).split(/\s+/)[1]!;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 50 ms until it is true, failing with why() after timeoutMs. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, why: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(why());
    await new Promise((r) => setTimeout(r, 50));
  }
}
