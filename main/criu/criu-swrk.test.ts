import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { criuRpcRequest, toHex } from '../../app/criu/criu-rpc';
import { CRIU_WORKER_LOCK_FAILED, criuWorkerArgv } from './criu-swrk';

// A stand-in for `criu swrk FD` speaking CRIU's side of the RPC (cr-service.c): it answers the version probe,
// records the request, and then does what FAKE says. Real CRIU is exercised by the integration tests.
const FAKE_CRIU = String.raw`#!/usr/bin/env python3
import os, socket, sys
d, mode = os.environ['FAKE_DIR'], os.environ['FAKE']
sk = socket.socket(fileno=int(sys.argv[2]))
def put(n, t):
    with open(os.path.join(d, n), 'w') as f:
        f.write(t)
put('argv', ' '.join(sys.argv[1:2]))
assert sk.recv(4096).hex() == '080a2001'
sk.send(bytes.fromhex('080a1001'))
if mode == 'die-before':
    sys.exit(3)
req = sk.recv(65536)
if not req:
    put('eof', 'yes')
    sys.exit(0)
put('request', req.hex())
if mode == 'fail':
    msg = b'no such process'
    sk.send(bytes([0x08, 0x01, 0x10, 0x00, 0x38, 0x03, 0x4a, len(msg)]) + msg)
elif mode == 'notify':
    answers = []
    for action in (b'pre-restore', b'post-restore'):
        n = bytes([0x0a, len(action)]) + action + (bytes([0x10, 0x2a]) if action == b'post-restore' else b'')
        sk.send(bytes([0x08, 0x06, 0x10, 0x01, 0x2a, len(n)]) + n)
        answers.append(sk.recv(64).hex())
    put('answers', ' '.join(answers))
    sk.send(bytes.fromhex('08021001' + '2202' + '082a'))
else:
    sk.send(bytes.fromhex('08011001'))
`;

let tmp = '';
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-swrk-'));
  writeFileSync(path.join(tmp, 'criu'), FAKE_CRIU);
  chmodSync(path.join(tmp, 'criu'), 0o755);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const request = criuRpcRequest('dump', { imagesDir: '/d', logFile: 'dump.log', logLevel: 4, pid: 42, tcpEstablished: true, fileLocks: true, shellJob: false });
const ready = () => path.join(tmp, 'ready');
const file = (n: string) => (existsSync(path.join(tmp, n)) ? readFileSync(path.join(tmp, n), 'utf8') : undefined);

/** Starts the client with the fake CRIU; resolves its exit code and stderr. */
function client(fake: string, extra: Partial<Parameters<typeof criuWorkerArgv>[0]> = {}) {
  const argv = criuWorkerArgv({ kind: 'dump', ready: ready(), criu: path.join(tmp, 'criu'), request, ...extra });
  const p = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, FAKE: fake, FAKE_DIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; stderr: string }>((r) => p.on('exit', (code) => r({ code, stderr })));
  return { p, exit };
}

async function until(ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the pre-started CRIU client (criu swrk)', { timeout: 60_000 }, () => {
  it('starts the worker before the signal, sends the request on SIGUSR1 and exits 0 on success, with its markers', async () => {
    const c = client('ok');
    await until(() => existsSync(ready()));
    expect(file('request')).toBeUndefined();
    c.p.kill('SIGUSR1');
    const r = await c.exit;
    expect(r.code).toBe(0);
    expect(file('argv')).toBe('swrk');
    expect(file('request')).toBe(toHex(request));
    const marks = [...r.stderr.matchAll(/@@FERRY-AT (\S+) (\d+)/g)].map((m) => [m[1], Number(m[2])] as const);
    expect(marks.map((m) => m[0])).toEqual(['dump-start', 'dump-requested', 'dump-answered']);
    expect(marks.every(([, ns], i) => i === 0 || ns >= marks[i - 1]![1])).toBe(true);
  });

  it('a dump CRIU finished exits 0 even when its stderr is gone (the controller went away): the lock must stay on', async () => {
    const c = client('ok');
    await until(() => existsSync(ready()));
    c.p.stderr.destroy();
    c.p.kill('SIGUSR1');
    expect((await c.exit).code).toBe(0);
    expect(file('request')).toBe(toHex(request));
  });

  it("exits 1 with CRIU's message when CRIU answers failure", async () => {
    const c = client('fail');
    await until(() => existsSync(ready()));
    c.p.kill('SIGUSR1');
    const r = await c.exit;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/criu failed \(errno 3\): no such process/);
  });

  it('a worker that dies before its request is seen at once: the client exits 1 without a signal', async () => {
    const r = await client('die-before').exit;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exited before its request/);
  });

  it('a worker that never gets its request sees the end of its socket when the script that started the client dies', async () => {
    // The client dies with its parent (PR_SET_PDEATHSIG); the worker waiting in recv() then reads the end.
    const argv = criuWorkerArgv({ kind: 'dump', ready: ready(), criu: path.join(tmp, 'criu'), request });
    const sh = spawn('/bin/sh', ['-c', `"$@" & while [ ! -e "${ready()}" ]; do sleep 0.02; done; exit 0`, 'sh', ...argv], {
      env: { ...process.env, FAKE: 'ok', FAKE_DIR: tmp },
      stdio: 'ignore',
    });
    await new Promise((r) => sh.on('exit', r));
    await until(() => file('eof') === 'yes');
    expect(file('request')).toBeUndefined();
  });

  it('a lock that fails exits with its own status before any request', async () => {
    const c = client('ok', { lockFile: path.join(tmp, 'no-such-lock.nft') });
    await until(() => existsSync(ready()));
    c.p.kill('SIGUSR1');
    const r = await c.exit;
    expect(r.code).toBe(CRIU_WORKER_LOCK_FAILED);
    expect(file('request')).toBeUndefined();
  });

  it("restore: answers CRIU's notifications, runs the action script at post-restore only, writes the pid file", async () => {
    const script = path.join(tmp, 'action.sh');
    writeFileSync(script, `#!/bin/sh\necho "$CRTOOLS_SCRIPT_ACTION $CRTOOLS_INIT_PID" >> "${tmp}/actions"\n`);
    chmodSync(script, 0o755);
    const c = client('notify', { kind: 'restore', pidFile: path.join(tmp, 'restore.pid'), actionScript: script });
    await until(() => existsSync(ready()));
    c.p.kill('SIGUSR1');
    const r = await c.exit;
    expect(r.code).toBe(0);
    expect(file('actions')).toBe('post-restore 42\n');
    // NOTIFY replies: type 6, notify_success true.
    expect(file('answers')).toBe('08061801 08061801');
    expect(file('restore.pid')).toBe('42');
    expect([...r.stderr.matchAll(/@@FERRY-AT (\S+)/g)].map((m) => m[1])).toEqual(['restore-requested', 'restore-answered', 'restored']);
  });
});
