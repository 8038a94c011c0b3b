// `ferry hosts prepare`: lab-b with Ferry's prefix hidden (a tmpfs over /opt/ferry in its own mount namespace:
// the lab hosts share this machine's files otherwise) is refused while /opt/ferry is read-only, then gets the
// prefix pushed, passes its readiness checks and takes a migration of the demo workload.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry, ferryOk, sleep } from './cli';
import { labDown, labStatus, labUp } from './lab-fixture';

/** Runs argv in lab-b's mount namespace (where its sshd and every SSH session live). */
let inB: (argv: string[]) => string;

describe('lab: ferry hosts prepare', () => {
  let demoPid: number;

  beforeAll(async () => {
    const s = await labUp(4);
    demoPid = s.demo!.pid;
    const initPid = s.hosts.find((h) => h.name === 'lab-b')?.initPid;
    inB = (argv) => execFileSync('nsenter', ['-t', String(initPid), '--mount', '--', ...argv], { encoding: 'utf8' });
    // Hidden and read-only: what a host with a read-only /opt looks like.
    inB(['mount', '-t', 'tmpfs', '-o', 'ro,size=1m,mode=755', 'ferry-hidden', '/opt/ferry']);
  });
  afterAll(async () => {
    await labDown();
  });

  it('lab-b without the prefix is not ready: no CRIU', async () => {
    const r = await ferry(['check', 'lab-b', '--json']);
    expect(r.code).not.toBe(0);
    expect(r.json.checks.find((c: any) => c.name === 'criu')).toMatchObject({ ok: false, code: 'CRIU_MISSING' });
  });

  it('refuses a read-only /opt/ferry, saying why, and changes nothing', async () => {
    const r = await ferry(['hosts', 'prepare', 'lab-b', '--json']);
    expect(r.code).not.toBe(0);
    expect(r.json.error).toMatchObject({ code: 'PREPARE_REFUSED', host: 'lab-b', message: expect.stringMatching(/\/opt\/ferry on lab-b is not writable/) });
    expect(inB(['ls', '-A', '/opt/ferry']).trim()).toBe('');
  });

  it('pushes the prefix to an empty writable /opt/ferry, checks it there, and lab-b is ready', async () => {
    inB(['umount', '/opt/ferry']);
    inB(['mount', '-t', 'tmpfs', '-o', 'size=512m,mode=755', 'ferry-hidden', '/opt/ferry']);
    expect((await ferry(['check', 'lab-b', '--json'])).code).not.toBe(0);
    const r = await ferryOk(['hosts', 'prepare', 'lab-b', '--json']);
    expect(r.json).toMatchObject({ host: 'lab-b', copied: true, ready: true, manifest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(r.json.bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(r.json.steps).toEqual(expect.arrayContaining([expect.stringMatching(/checksum verified on lab-b/)]));
    // Only the wrapper and the build it runs: not the machine's apt cache or other builds.
    expect(inB(['ls', '-A', '/opt/ferry']).split('\n').filter(Boolean)).toEqual(['bin', 'criu']);
    expect(inB(['ls', '-A', '/opt/ferry/criu']).trim()).toMatch(/^unstable-4\.2\.\d+$/);
    // The lazy-pages daemon's poll shim (scripts/lazy-pages-poll.c) lives in the build folder and travels with it.
    expect(inB(['sh', '-c', 'ls /opt/ferry/criu/*/ferry/lazy-pages-poll.so']).trim()).toMatch(
      /^\/opt\/ferry\/criu\/unstable-4\.2\.\d+\/ferry\/lazy-pages-poll\.so$/,
    );
    expect(inB(['ls', '/run/criu.kdat']).trim()).toBe('/run/criu.kdat');
    const check = await ferryOk(['check', 'lab-b', '--json']);
    expect(check.json.ready).toBe(true);
    expect(check.json.checks.find((c: any) => c.name === 'criu').detail).toMatch(/^\/opt\/ferry\/bin\/criu 4\.2/);
  });

  it('a second prepare copies nothing; a changed file there is found by its checksum and replaced', async () => {
    const again = await ferryOk(['hosts', 'prepare', 'lab-b', '--json']);
    expect(again.json).toMatchObject({ copied: false, bytes: 0, ready: true });
    inB(['sh', '-c', 'echo "# changed" >> /opt/ferry/bin/criu']);
    const fixed = await ferryOk(['hosts', 'prepare', 'lab-b', '--json']);
    expect(fixed.json).toMatchObject({ copied: true, ready: true, manifest: again.json.manifest });
    expect(inB(['cat', '/opt/ferry/bin/criu'])).not.toContain('# changed');
    expect(inB(['ls', '-A', '/opt/ferry']).split('\n').filter(Boolean)).toEqual(['bin', 'criu']);
  });

  it('the prepared lab-b takes a migration of the demo workload, connections intact', async () => {
    await sleep(300);
    const r = await ferry(['migrate', '--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b', '--mode', 'streamed', '--json']);
    if (r.code !== 0) throw new Error(`migrate exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    expect(r.json.record.outcome).toBe('succeeded');
    expect(r.json.record.plan.criu.destination).toBe('/opt/ferry/bin/criu');
    expect(r.json.witness).toMatchObject({ connections: 4, resets: 0, reconnects: 0, intact: true });
    expect((await labStatus()).serviceAddress.holder).toBe('lab-b');
  });
});
