import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../util/repo-root';
import { POLL_SHIM_PY, POLL_SHIM_SH } from './uffd-holder';

// The lazy-pages daemon's poll shim (scripts/lazy-pages-poll.c), built here from the source the set-up builds, run
// preloaded into python3, whose select.epoll().poll(0) is a zero-timeout epoll_wait() as in CRIU's handle_requests().
let tmp: string;
let shim: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-poll-'));
  shim = path.join(tmp, 'lazy-pages-poll.so');
  execFileSync('cc', ['-O2', '-Wall', '-shared', '-fPIC', '-o', shim, path.join(repoRoot(), 'scripts', 'lazy-pages-poll.c'), '-ldl']);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Each probe 20 times; waits only get longer on a loaded machine, so the minimum of each is what the shim decided.
const POLLS = String.raw`
import os, select, time, json
ep = select.epoll()
r, w = os.pipe()
ep.register(r, select.EPOLLIN)
def timed(f):
    t = time.monotonic(); n = len(f()); return n, (time.monotonic() - t) * 1000
out = dict(ready=[], after=[], second=[], blocking=[])
for _ in range(20):
    os.write(w, b'x')
    out['ready'].append(timed(lambda: ep.poll(0)))
    os.read(r, 1)
    out['after'].append(timed(lambda: ep.poll(0)))
    out['second'].append(timed(lambda: ep.poll(0)))
out['blocking'].append(timed(lambda: ep.poll(0.02)))
print(json.dumps({k: dict(events=max(n for n, _ in v), min_ms=min(ms for _, ms in v)) for k, v in out.items()}))
`;

function polls(preload: string | undefined) {
  const r = spawnSync('python3', ['-c', POLLS], { env: { ...process.env, ...(preload ? { LD_PRELOAD: preload } : {}) }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, { events: number; min_ms: number } | undefined>;
}

describe('lazy-pages poll shim', () => {
  it('turns repeated empty zero-timeout polls into short waits, and never delays an event', () => {
    const plain = polls(undefined);
    const shimmed = polls(shim);
    // Without it a second empty poll returns at once (the daemon's spin); with it, it waits ~1 ms for an event.
    expect(plain.second).toEqual({ events: 0, min_ms: expect.any(Number) });
    expect(plain.second?.min_ms).toBeLessThan(0.5);
    expect(shimmed.second?.events).toBe(0);
    expect(shimmed.second?.min_ms).toBeGreaterThanOrEqual(0.9);
    // A pending event comes back at once; the first empty poll after it too (the daemon then sends its next request).
    expect(shimmed.ready?.events).toBe(1);
    expect(shimmed.ready?.min_ms).toBeLessThan(0.5);
    expect(shimmed.after?.events).toBe(0);
    expect(shimmed.after?.min_ms).toBeLessThan(0.5);
    // A poll with a timeout of its own is left alone.
    expect(shimmed.blocking?.min_ms).toBeGreaterThanOrEqual(19);
  });

  it('refuses TCP_CORK on (both ends of the lazy page connection), and leaves every other option alone', () => {
    // What CRIU's tcp_cork(sk, true) and tcp_nodelay(sk, true) do, then what the socket says it is.
    const probe = String.raw`
import socket, json
s = socket.socket()
before = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
cork = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
print(json.dumps(dict(before=before, cork=cork, nodelay=s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
  keepalive=s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE), uncorked=s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK))))
`;
    const run = (preload: string | undefined) => {
      const r = spawnSync('python3', ['-c', probe], { env: { ...process.env, ...(preload ? { LD_PRELOAD: preload } : {}) }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Record<string, number>;
    };
    expect(run(undefined)).toMatchObject({ before: 0, cork: 1, uncorked: 0 });
    const shimmed = run(shim);
    expect(shimmed.before).toBe(0);
    expect(shimmed.cork).toBe(0);
    expect(shimmed.nodelay).toBeGreaterThan(0);
    expect(shimmed.keepalive).toBeGreaterThan(0);
    expect(shimmed.uncorked).toBe(0);
  });

  it('is found through the wrapper of a Ferry CRIU build that carries it, and only then', () => {
    const build = path.join(tmp, 'criu', 'unstable-4.2.1');
    mkdirSync(path.join(build, 'ferry'), { recursive: true });
    const wrapper = path.join(tmp, 'criu-wrapper');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec '${build}/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' --library-path '${build}/usr/lib/x86_64-linux-gnu' '${build}/usr/sbin/criu' "$@"\n`,
    );
    const find = (criu: string) =>
      execFileSync('python3', ['-c', `import os, re, sys\n${POLL_SHIM_PY}\nprint(poll_shim(sys.argv[1]))`, criu], { encoding: 'utf8' }).trim();
    expect(find(wrapper)).toBe('None');
    writeFileSync(path.join(build, 'ferry', 'lazy-pages-poll.so'), '');
    expect(find(wrapper)).toBe(path.join(build, 'ferry', 'lazy-pages-poll.so'));
    expect(find('/usr/sbin/criu-does-not-exist')).toBe('None');
    expect(find(shim)).toBe('None');
    // The shell's lookup (the source's lazy freeze script) agrees, and prints nothing (exit 0) when there is none.
    const findSh = (criu: string) => execFileSync('sh', ['-c', `${POLL_SHIM_SH}\nprintf '[%s]' "$(poll_shim "$1")"`, 'sh', criu], { encoding: 'utf8' });
    expect(findSh(wrapper)).toBe(`[${path.join(build, 'ferry', 'lazy-pages-poll.so')}]`);
    expect(findSh('/usr/sbin/criu-does-not-exist')).toBe('[]');
    expect(findSh(shim)).toBe('[]');
    rmSync(path.join(build, 'ferry', 'lazy-pages-poll.so'));
    expect(findSh(wrapper)).toBe('[]');
  });
});
