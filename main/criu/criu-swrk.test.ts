import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { criuRpcRequest, toHex } from '../../app/criu/criu-rpc';
import { CRIU_WORKER_LOCK_FAILED, CRIU_WORKER_STATUS_FD, criuWorkerArgv } from './criu-swrk';
import { statSync } from 'node:fs';

// A stand-in for `criu swrk FD` speaking CRIU's side of the RPC (cr-service.c): it answers the version probe,
// records the request, and then does what FAKE says. Real CRIU is exercised by the integration tests.
const FAKE_CRIU = String.raw`#!/usr/bin/env python3
import os, socket, struct, sys, time
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
elif mode.startswith('lazy'):
    # A lazy dump: the ready byte to the requesting process's status_fd (as cr-service.c reopens it), then the
    # answer once the test says the pages have left (the file 'finish').
    peer = struct.unpack('3i', sk.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
    if mode != 'lazy-fail':
        fd = os.open('/proc/%d/fd/%s' % (peer, os.environ['FAKE_STATUS_FD']), os.O_WRONLY)
        os.write(fd, b'\0')
        os.close(fd)
        while not os.path.exists(os.path.join(d, 'finish')):
            time.sleep(0.02)
    sk.send(bytes.fromhex('08011001' if mode == 'lazy' else '08011000'))
    put('answered', 'yes')
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
  const p = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, FAKE: fake, FAKE_DIR: tmp, FAKE_STATUS_FD: String(CRIU_WORKER_STATUS_FD) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
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

  describe('a lazy dump (it outlives the freeze: CRIU serves the pages after it)', () => {
    const lazy = () => ({ lazy: { pidFile: path.join(tmp, 'dump.pid'), exitFile: path.join(tmp, 'dump-exit') } });
    /** Running, not a zombie (this machine reaps orphans late). */
    const running = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
      } catch {
        return false;
      }
    };

    it('exits 0 once CRIU wrote its ready byte; its holder, in its own session, waits for the answer and writes the exit status', async () => {
      const conf = path.join(tmp, 'criu-rpc.conf');
      const c = client('lazy', { ...lazy(), config: { path: conf, text: 'address 198.18.0.2\nport 27001\n' } });
      await until(() => existsSync(ready()));
      // The config file is there before the worker starts, for root only.
      expect(file('criu-rpc.conf')).toBe('address 198.18.0.2\nport 27001\n');
      expect(statSync(conf).mode & 0o777).toBe(0o600);
      const holder = Number(file('dump.pid'));
      expect(holder).toBeGreaterThan(0);
      expect(holder).not.toBe(c.p.pid);
      expect(readFileSync(`/proc/${holder}/stat`, 'utf8').split(') ')[1]!.split(' ')[3]).toBe(String(holder)); // its session's leader
      c.p.kill('SIGUSR1');
      const r = await c.exit;
      expect(r.code, r.stderr).toBe(0);
      expect([...r.stderr.matchAll(/@@FERRY-AT (\S+)/g)].map((m) => m[1])).toEqual(['dump-start', 'dump-requested', 'dump-ready']);
      expect(file('request')).toBe(toHex(request));
      // The pages have not left: CRIU has not answered, the holder waits.
      await new Promise((res) => setTimeout(res, 200));
      expect(file('dump-exit')).toBeUndefined();
      expect(running(holder)).toBe(true);
      writeFileSync(path.join(tmp, 'finish'), '');
      await until(() => file('dump-exit') !== undefined);
      expect(file('dump-exit')).toBe('0\n');
      await until(() => !running(holder));
    });

    it('a transfer that fails after the ready byte (CRIU resumed the process) leaves exit status 1', async () => {
      const c = client('lazy-transfer-fails', lazy());
      await until(() => existsSync(ready()));
      c.p.kill('SIGUSR1');
      expect((await c.exit).code).toBe(0);
      writeFileSync(path.join(tmp, 'finish'), '');
      await until(() => file('dump-exit') !== undefined);
      expect(file('dump-exit')).toBe('1\n');
    });

    it('a dump CRIU fails before it is ready: the client exits 1 with exit status 1, and the holder ends', async () => {
      const c = client('lazy-fail', lazy());
      await until(() => existsSync(ready()));
      const holder = Number(file('dump.pid'));
      c.p.kill('SIGUSR1');
      const r = await c.exit;
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/dump-ready/);
      expect(file('dump-exit')).toBe('1\n');
      await until(() => !running(holder));
    });

    it('a client that dies before its signal ends its holder, and the worker sees the end of its socket', async () => {
      const c = client('lazy', lazy());
      await until(() => existsSync(ready()));
      const holder = Number(file('dump.pid'));
      c.p.kill('SIGKILL');
      await until(() => file('eof') === 'yes');
      await until(() => !running(holder));
      expect(file('request')).toBeUndefined();
      expect(file('dump-exit')).toBeUndefined();
    });
  });
});
