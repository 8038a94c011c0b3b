// Lab hosts as separate machines: own PID, mount (own /proc) and UTS namespaces, tini as init, sshd under it.
import { chmodSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { FerryError } from '../../app/errors';
import { mustRunLocal, runLocal, spawnDetached } from '../util/local-exec';
import { LAB_HOSTS, labPaths, type LabHostDef } from './lab-config';
import { inNetns } from './lab-network';

/** Root-namespace PIDs of one running lab host. */
export interface LabHostProcess {
  /** The `unshare` process that owns the host's namespaces. */
  unsharePid: number;
  /** PID (in the root namespace) of the host's init (tini). */
  initPid: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes the client key, host keys, authorized_keys and known_hosts (once per lab). */
export async function writeLabKeys(): Promise<void> {
  const p = labPaths();
  // Readable by all: sshd reads authorized_keys as the logging-in user (the key itself stays 0600).
  mkdirSync(p.dir, { recursive: true, mode: 0o755 });
  for (const d of [path.dirname(p.dir), p.dir]) chmodSync(d, 0o755);
  mkdirSync(p.logs, { recursive: true });
  if (!existsSync(p.clientKey)) {
    await mustRunLocal(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'ferry-lab-controller', '-f', p.clientKey], { code: 'LAB' });
  }
  writeFileSync(p.authorizedKeys, readFileSync(`${p.clientKey}.pub`));
  const known: string[] = [];
  for (const host of LAB_HOSTS) {
    const dir = p.hostDir(host.name);
    mkdirSync(dir, { recursive: true });
    const key = path.join(dir, 'ssh_host_ed25519_key');
    if (!existsSync(key)) {
      await mustRunLocal(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', host.hostname, '-f', key], { code: 'LAB' });
    }
    const pub = readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/);
    known.push(`${host.address} ${pub[0]} ${pub[1]}`);
  }
  writeFileSync(p.knownHosts, `${known.join('\n')}\n`);
}

/** sshd_config for one lab host: keys and PidFile in the lab folder, no PAM, root by key only. */
export function sshdConfig(host: LabHostDef): string {
  const p = labPaths();
  const dir = p.hostDir(host.name);
  return [
    `ListenAddress ${host.address}`,
    'Port 22',
    `HostKey ${path.join(dir, 'ssh_host_ed25519_key')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    `AuthorizedKeysFile ${p.authorizedKeys}`,
    'StrictModes no',
    'MaxSessions 200',
    'MaxStartups 100:30:200',
    'ClientAliveInterval 15',
    'LogLevel ERROR',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

// A lab host is a fresh machine: its own hostname, and root's shell start-up files of this machine
// (which may run slow tools such as pyenv on every SSH command) hidden inside its mount namespace.
// /run is a tmpfs of the host's own, as on a real machine: CRIU keeps its kernel-feature cache there
// (/run/criu.kdat, only on tmpfs), which saves every CRIU command tens of milliseconds.
const HOST_INIT_SCRIPT = [
  'hostname "$1" || exit 1',
  'mount -t tmpfs -o mode=755 ferry-run /run && mkdir -p /run/sshd || exit 1',
  'for f in /root/.bashrc /root/.bash_profile /root/.profile; do [ -f "$f" ] && mount --bind /dev/null "$f"; done',
  'exec /usr/sbin/sshd -D -e -f "$2"',
].join('\n');

/** Starts one lab host: namespaces, init, sshd; waits until its sshd accepts connections. */
export async function startLabHost(host: LabHostDef): Promise<LabHostProcess> {
  const p = labPaths();
  const dir = p.hostDir(host.name);
  const cfg = path.join(dir, 'sshd_config');
  writeFileSync(cfg, sshdConfig(host));
  mkdirSync('/run/sshd', { recursive: true });
  const log = openSync(path.join(p.logs, `${host.name}-init.log`), 'a');
  const unsharePid = spawnDetached(
    [
      ...inNetns(host.netns),
      'unshare',
      '--pid',
      '--fork',
      '--mount',
      '--mount-proc',
      '--uts',
      '--propagation',
      'private',
      'tini',
      '-s',
      '--',
      '/bin/sh',
      '-c',
      HOST_INIT_SCRIPT,
      'sh',
      host.hostname,
      cfg,
    ],
    log,
    { ...process.env, UV_USE_IO_URING: '0' },
  );
  closeSync(log);
  const initPid = await waitForChild(unsharePid);
  await waitForPort(host, 22);
  return { unsharePid, initPid };
}

async function waitForChild(pid: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    try {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      if (children) return Number(children.split(/\s+/)[0]);
    } catch {
      throw new FerryError({ code: 'LAB', message: `lab host process ${pid} exited during start-up (see ${labPaths().logs})` });
    }
    await sleep(20);
  }
  throw new FerryError({ code: 'LAB', message: `lab host process ${pid} started no init` });
}

/** Waits until something listens on host.address:port inside the host's namespace. */
export async function waitForPort(host: LabHostDef, port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const r = await runLocal([...inNetns(host.netns), 'nc', '-z', '-w', '1', host.address, String(port)]);
    if (r.code === 0) return;
    await sleep(50);
  }
  throw new FerryError({ code: 'LAB', message: `${host.name}: nothing listens on ${host.address}:${port} after ${timeoutMs} ms` });
}

/**
 * Starts argv detached inside a running lab host (its network, PID, mount and UTS namespaces),
 * reparented to the host's init; returns the PID as seen on that host and the log file.
 */
export async function execInLabHost(
  host: LabHostDef,
  initPid: number,
  argv: readonly string[],
  opts: { cwd?: string; logName?: string; pid?: number } = {},
): Promise<{ pid: number; log: string }> {
  if (argv.length === 0) throw new FerryError({ code: 'BAD_INPUT', message: 'lab exec: no command given' });
  const p = labPaths();
  const base = (opts.logName ?? path.basename(argv[0] ?? 'cmd')).replace(/[^A-Za-z0-9_.-]/g, '_');
  const log = path.join(p.logs, `${host.name}-${Date.now()}-${base}.log`);
  // $3: a PID to ask for (the host's next PID is set just before the fork), or empty.
  const script =
    'cd "$1" || exit 97; log=$2; want=$3; shift 3; ' +
    '[ -n "$want" ] && echo $((want - 1)) > /proc/sys/kernel/ns_last_pid; ' +
    'setsid "$@" </dev/null >>"$log" 2>&1 & echo $!';
  const out = await mustRunLocal(
    [
      'nsenter',
      '-t',
      String(initPid),
      '--net',
      '--pid',
      '--mount',
      '--uts',
      '--',
      '/bin/sh',
      '-c',
      script,
      'sh',
      opts.cwd ?? process.cwd(),
      log,
      opts.pid ? String(opts.pid) : '',
      ...argv,
    ],
    { code: 'LAB' },
  );
  const pid = Number(out.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new FerryError({ code: 'LAB', message: `lab exec: unexpected output ${JSON.stringify(out)}` });
  return { pid, log };
}

/** Runs argv inside a lab host and waits for it (for status queries). */
export function runInLabHost(initPid: number, argv: readonly string[]) {
  return runLocal(['nsenter', '-t', String(initPid), '--net', '--pid', '--mount', '--uts', '--', ...argv]);
}
