// Unmodified Debian programs keep their live TCP connections across lab-a → lab-b → lab-a:
// redis-cli (talking to redis-server on the peer) and an ssh client (talking to the peer's sshd).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry, sleep } from './cli';
import { hostProcesses, labDown, labExecLog, labUp } from './lab-fixture';

const LAB = process.env.FERRY_LAB ?? 'ferry';
const LAB_DIR = `/var/lib/ferry/labs/${LAB}`;
const PEER = '198.18.0.1';

/** Runs a command in the peer's network namespace (for queries from the peer's side). */
function onPeer(argv: string[]): string {
  return execFileSync('nsenter', [`--net=/run/netns/${LAB}-peer`, ...argv], { encoding: 'utf8' });
}

async function migrate(pid: number, from: string, to: string) {
  const r = await ferry(['migrate', '--from', from, '--pid', String(pid), '--to', to, '--allow-shared-address', '--json']);
  if (r.code !== 0) throw new Error(`migrate ${pid} ${from}→${to}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  expect(r.json.record.outcome).toBe('succeeded');
  expect(r.json.record.connections.length).toBeGreaterThanOrEqual(1);
  expect(r.json.record.connections.every((c: any) => c.ok)).toBe(true);
  return r.json.record as { freeze: { ms: number; startedAt: number; endedAt: number }; connections: { key: string }[] };
}

/** Largest difference between consecutive sorted times. */
function largestGap(times: number[]): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
  return gap;
}

describe('unmodified programs keep their connections', () => {
  beforeAll(async () => {
    await labUp(0);
  });
  afterAll(async () => {
    await labDown();
  });

  it('redis-cli → redis-server: same client, every INCR answered in order, no new connection', async () => {
    await labExecLog('peer', ['redis-server', '--bind', PEER, '--port', '6379', '--save', '', '--appendonly', 'no', '--protected-mode', 'no']);
    await waitFor(() => onPeer(['redis-cli', '-h', PEER, 'PING']).trim() === 'PONG');
    // The peer records every command with its arrival time.
    const monitor = await labExecLog('peer', ['redis-cli', '-h', PEER, 'MONITOR']);
    const cli = await labExecLog('lab-a', ['redis-cli', '-h', PEER, '-r', '-1', '-i', '0.01', 'INCR', 'ferry:counter'], 5101);
    await sleep(800);
    const clientsBefore = clientList().filter((c) => c.addr.startsWith('198.18.0.100:') && c.cmd === 'incr');
    expect(clientsBefore).toHaveLength(1);
    const before = clientsBefore[0]!;
    const connsBefore = totalConnections();

    const freezes = [(await migrate(cli.pid, 'lab-a', 'lab-b')).freeze.ms];
    await sleep(500);
    expect((await hostProcesses('lab-b')).get(cli.pid)?.comm).toBe('redis-cli');
    freezes.push((await migrate(cli.pid, 'lab-b', 'lab-a')).freeze.ms);
    await sleep(800);

    const after = clientList().find((c) => c.id === before.id);
    expect(after, 'the same redis client (id) is still connected').toBeDefined();
    expect(after!.addr).toBe(before.addr);
    // Our own queries (CLIENT LIST, INFO) are the only new connections the server saw.
    expect(totalConnections() - connsBefore).toBeLessThanOrEqual(3);

    // redis-cli printed one reply per INCR: consecutive integers, none lost or repeated.
    const replies = readFileSync(cli.log, 'utf8').trim().split('\n').map(Number);
    expect(replies.length).toBeGreaterThan(100);
    replies.forEach((v, i) => expect(v).toBe(replies[0]! + i));
    // The peer's view: arrival times of this client's INCRs.
    const times = readFileSync(monitor.log, 'utf8')
      .split('\n')
      .filter((l) => l.includes(`[0 ${before.addr}]`) && l.includes('"INCR"'))
      .map((l) => Number(l.split(' ')[0]) * 1000);
    const gap = largestGap(times);
    console.log(
      `redis: ${replies.length} replies in order, client id ${before.id} kept, freezes ${freezes.join('/')} ms, peer's largest gap ${gap.toFixed(0)} ms`,
    );
    expect(gap).toBeGreaterThan(Math.min(...freezes) / 2);
    expect(gap).toBeLessThan(Math.max(...freezes) + 1000);
  });

  it('ssh client → sshd: a numbered line stream through one SSH session arrives complete and in order', async () => {
    const peerLog = `/tmp/ferry-ssh-peer-${process.pid}.log`;
    const ssh = [
      'ssh',
      '-F',
      '/dev/null',
      '-i',
      `${LAB_DIR}/id_ed25519`,
      '-o',
      `UserKnownHostsFile=${LAB_DIR}/known_hosts`,
      '-o',
      'BatchMode=yes',
      '-T',
      `root@${PEER}`,
      `while read -r n; do echo "$n $(date +%s%3N)"; done > ${peerLog}`,
    ];
    // sh numbers the lines, sleep paces them, ssh carries them: all unmodified Debian programs, one process tree.
    const tree = await labExecLog('lab-a', ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.01; done | "$@"', 'sh', ...ssh], 5201);
    await sleep(1500);
    const sessionsBefore = sshdSessions();
    expect(sessionsBefore.length).toBeGreaterThanOrEqual(1);

    const f1 = await migrate(tree.pid, 'lab-a', 'lab-b');
    await sleep(500);
    const f2 = await migrate(tree.pid, 'lab-b', 'lab-a');
    await sleep(1000);

    // The peer's sshd session that serves this client is the same process: no new login.
    expect(sshdSessions()).toEqual(expect.arrayContaining(sessionsBefore));
    const lines = readFileSync(peerLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number) as [number, number]);
    expect(lines.length).toBeGreaterThan(150);
    lines.forEach(([n], i) => expect(n).toBe(i + 1));
    const gap = largestGap(lines.map(([, t]) => t));
    console.log(`ssh: ${lines.length} lines complete and in order, freezes ${f1.freeze.ms}/${f2.freeze.ms} ms, peer's largest gap ${gap} ms`);
    expect(gap).toBeGreaterThan(Math.min(f1.freeze.ms, f2.freeze.ms) / 2);
    expect(gap).toBeLessThan(Math.max(f1.freeze.ms, f2.freeze.ms) + 1000);
    execFileSync('rm', ['-f', peerLog]);
  });
});

function clientList(): { id: string; addr: string; cmd: string }[] {
  return onPeer(['redis-cli', '-h', PEER, 'CLIENT', 'LIST'])
    .trim()
    .split('\n')
    .map((line) => {
      const f = Object.fromEntries(line.split(' ').map((kv) => kv.split('=') as [string, string]));
      return { id: f.id ?? '', addr: f.addr ?? '', cmd: f.cmd ?? '' };
    });
}

function totalConnections(): number {
  const m = /total_connections_received:(\d+)/.exec(onPeer(['redis-cli', '-h', PEER, 'INFO', 'stats']));
  return Number(m?.[1]);
}

/** PIDs of the peer's sshd processes serving sessions from the service address. */
function sshdSessions(): number[] {
  const out = onPeer(['ss', '-tnpH', 'state', 'established', 'src', `${PEER}:22`, 'dst', '198.18.0.100']);
  return [...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

async function waitFor(ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (ok()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error('timed out');
    await sleep(100);
  }
}
