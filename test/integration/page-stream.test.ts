// The page streams on the real lab (real sshd, CRIU, socat, nftables, python3's ssl): only the other migration
// host reaches each listener (streamed: the relay; lazy: the page recovery's source, the direct stream of shared
// memory), a plaintext client from that host is refused by it and nothing it sends is taken as data, and real
// migrations run with TLS on their page streams and leave no keys, relays, listeners or guards behind.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationPlan, MigrationRecord } from '../../app/model/migration';
import { createController, type Controller } from '../../main/controller/controller';
import { imageStreamOf } from '../../app/plan/image-stream';
import { pageStreamPaths } from '../../main/criu/page-relay';
import { connectPageStream, endPageStream, guardImageStream, listenForPageStream, startImageRelay } from '../../main/engine/page-stream';
import { migrate } from '../../main/engine/migrate';
import type { Executor } from '../../main/hosts/executor';
import { IMAGE_STREAM_WORD } from '../../main/criu/stream-frame';
import { DESTINATION_LAZY_FREEZE_SCRIPT, destinationLazyArgs } from '../../main/criu/freeze-scripts';
import { directStreamCommands } from '../../main/criu/direct-stream';
import { startPageSource } from '../../main/engine/lazy-recovery';
import { makePageTls, pushPageTls } from '../../main/engine/page-tls';
import { previewPlan } from '../../main/engine/probe-plan';
import { controllerDeps } from '../../main/service/engine-effects';
import { findLabHost } from '../../main/lab/lab-config';
import { inNetns } from '../../main/lab/lab-network';
import { prepareFolders } from '../../main/engine/prepare-hosts';
import { REPO, ferry, sleep } from './cli';
import { hostProcesses, labDown, labExecLog, labStatus, labUp } from './lab-fixture';
import { peerClient } from './shm-client';

let ctl: Controller;
let pid = 0;

beforeAll(async () => {
  const s = await labUp(4);
  pid = s.demo?.pid ?? 0;
  expect(pid).toBeGreaterThan(0);
  ctl = createController({ userConfig: false });
}, 240_000);

afterAll(async () => {
  await ctl?.close();
  await labDown();
}, 120_000);

const run = (host: string, argv: string[]) => ctl.exec.run(host, argv, { timeoutMs: 20_000 });
const planFor = async (mode: 'streamed' | 'lazy'): Promise<MigrationPlan> => {
  const preview = await previewPlan(controllerDeps(ctl), { from: 'lab-a', to: 'lab-b', pid, addresses: [], budgetMs: 60_000, keepImages: false, mode });
  expect(preview.ok, JSON.stringify(preview.problems)).toBe(true);
  const plan = preview.plan as MigrationPlan;
  // A port of its own, away from the migrations' range (27000-27999) and even (the direct stream takes the next one).
  return { ...plan, pageServer: { ...plan.pageServer!, port: 28000 + 2 * Math.floor(Math.random() * 500) } };
};
const streamed = () => planFor('streamed');
/** A lazy plan of the demo with a direct stream of shared memory to lab-b (as a plan with shared memory has). */
const lazyWithDirect = async (): Promise<MigrationPlan> => {
  const plan = await planFor('lazy');
  return { ...plan, directStream: { address: '198.18.0.3', port: plan.pageServer!.port + 1, token: randomBytes(16).toString('hex'), peer: '198.18.0.2' } };
};
/** The lab's peer, a third host (entered with nsenter: it is not in the inventory), trying a TCP connection. */
const fromThirdHost = (address: string, port: number) => {
  const ns = inNetns(findLabHost('peer')!.netns);
  return spawnSync(ns[0]!, [...ns.slice(1), 'nc', '-v', '-z', '-w', '2', address, String(port)], { encoding: 'utf8' });
};
/** Dropped by a guard: a time-out, not a refusal (the port is listening). */
const expectDropped = (r: ReturnType<typeof fromThirdHost>) => {
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/timed out/i);
  expect(r.stderr).not.toMatch(/succeeded|refused/i);
};
/** Nothing of this migration's page streams left on either host: guards, keys, listeners, page source, token. */
async function expectNothingLeft(plan: MigrationPlan, ports: number[]) {
  for (const [host, dir] of [
    ['lab-b', plan.destinationImageDir],
    ['lab-a', plan.sourceImageDir],
  ] as const) {
    expect((await run(host, ['nft', 'list', 'table', 'inet', plan.pageServer!.guardTable!])).code, host).not.toBe(0);
    expect((await run(host, ['test', '-e', pageStreamPaths(dir).tlsDir])).code).not.toBe(0);
    expect((await run(host, ['test', '-e', `${dir}/page-source.token`])).code).not.toBe(0);
    const listening = (await run(host, ['ss', '-Htln'])).stdout;
    for (const port of ports) expect(listening, `${host}:${port}`).not.toMatch(new RegExp(`:${port}\\b`));
  }
}

describe('page stream: authenticated, encrypted, reachable only from the other host', () => {
  it('drops a third host, refuses a plaintext client from the admitted host, and the stream then fails before any freeze', async () => {
    const plan = await streamed();
    const ps = plan.pageServer!;
    expect(ps).toMatchObject({ address: '198.18.0.3', peer: '198.18.0.2', tls: true });
    const port = String(ps.port);
    const dst = pageStreamPaths(plan.destinationImageDir);
    try {
      await prepareFolders(ctl.exec, plan);
      await listenForPageStream(ctl.exec, plan);
      // The listener is up, behind its guard; the keys are there, 0600 in a 0700 folder, on both hosts.
      expect((await run('lab-b', ['ss', '-Htln', 'sport', '=', `:${port}`])).stdout).toContain(`198.18.0.3:${port}`);
      expect((await run('lab-b', ['nft', 'list', 'table', 'inet', ps.guardTable!])).code).toBe(0);
      for (const [host, dir] of [
        ['lab-b', plan.destinationImageDir],
        ['lab-a', plan.sourceImageDir],
      ] as const) {
        const p = pageStreamPaths(dir);
        expect((await run(host, ['stat', '-c', '%a', p.tlsDir, p.ca, p.cert, p.key])).stdout.split('\n').filter(Boolean)).toEqual(['700', '600', '600', '600']);
      }

      // A third host (the lab's peer, entered with nsenter: it is not in the inventory): its SYN is dropped (a time-out, not a refusal: the port is listening).
      const third = spawnSync(
        inNetns(findLabHost('peer')!.netns)[0]!,
        [...inNetns(findLabHost('peer')!.netns).slice(1), 'nc', '-v', '-z', '-w', '2', '198.18.0.3', port],
        { encoding: 'utf8' },
      );
      expect(third.status).not.toBe(0);
      expect(third.stderr).toMatch(/timed out/i);
      expect(third.stderr).not.toMatch(/succeeded|refused/i);

      // The admitted host without TLS: the TCP connection is let through, the TLS listener refuses what it says,
      // and nothing reaches CRIU's page server (it would log the commands it read).
      const plain = await run('lab-a', [
        'sh',
        '-c',
        'printf "%s" "$1" | nc -v -N -w 3 "$2" "$3"',
        'ferry-plain',
        'PS_IOV_OPEN2 pretend pages '.repeat(40),
        '198.18.0.3',
        port,
      ]);
      expect(plain.stderr).toMatch(/succeeded/);
      await sleep(500);
      const relayLog = (await run('lab-b', ['cat', dst.log])).stdout;
      expect(relayLog).toMatch(/SSL|TLS|wrong version|record/i);
      const psLog = (await run('lab-b', ['cat', `${plan.destinationImageDir}/page-server.log`])).stdout;
      expect(psLog).toContain('Reusing ps socket');
      expect(psLog).not.toMatch(/Unknown command|page-xfer: Adding|Opening/);
      expect((await run('lab-b', ['sh', '-c', 'ls "$1" | grep -c "^pages-" || true', 'x', plan.destinationImageDir])).stdout.trim()).toBe('0');

      // The listener took one connection and refused it: the migration's own stream cannot connect now, and it
      // fails before anything is frozen (the process keeps running on the source).
      await expect(connectPageStream(ctl.exec, plan)).rejects.toMatchObject({ code: 'TRANSFER_FAILED', host: 'lab-a' });
      expect((await hostProcesses('lab-a')).has(pid)).toBe(true);
    } finally {
      await endPageStream(ctl.exec, plan);
    }
    // Nothing left: no guard, no keys, no relay.
    expect((await run('lab-b', ['nft', 'list', 'table', 'inet', ps.guardTable!])).code).not.toBe(0);
    for (const [host, dir] of [
      ['lab-b', plan.destinationImageDir],
      ['lab-a', plan.sourceImageDir],
    ] as const) {
      expect((await run(host, ['test', '-e', pageStreamPaths(dir).tlsDir])).code).not.toBe(0);
      expect((await run(host, ['sh', '-c', 'p=$(cat "$1" 2>/dev/null) || exit 1; kill -0 "$p"', 'x', pageStreamPaths(dir).pidFile])).code).not.toBe(0);
      await run(host, ['rm', '-rf', '--', dir]);
    }
  }, 120_000);

  it.each([
    ['streamed', 'lab-a', 'lab-b'],
    ['lazy', 'lab-b', 'lab-a'],
  ] as const)(
    '%s %s → %s: TLS page stream, no stall at the page-server close, nothing left behind',
    async (mode, from, to) => {
      const r = await ferry(['migrate', '--from', from, '--pid', String(pid), '--to', to, '--mode', mode, '--keep-images', '--json']);
      const rec = r.json?.record as MigrationRecord;
      expect(r.code, r.stderr).toBe(0);
      const ps = rec.plan!.pageServer!;
      expect(ps.tls).toBe(true);
      expect(rec.steps.find((s) => s.name === 'prepare')?.detail).toMatch(new RegExp(`TLS .*open to ${ps.peer!.replace(/\./g, '\\.')} only`));
      const parts = rec.freezeParts ?? [];
      expect(parts.reduce((n, p) => n + p.ms, 0)).toBeCloseTo(rec.freeze!.ms!, -1);
      const { readFileSync } = await import('node:fs');
      const dumpLog = readFileSync(rec.logs.dump!, 'utf8');
      if (mode === 'streamed') {
        expect(dumpLog).toContain('Reusing ps socket 3');
        const close = parts.find((p) => p.name === 'criu dump: page-server close');
        expect(close?.ms).toBeLessThan(100);
      } else {
        expect(dumpLog).toContain('TLS handshake completed');
      }
      // The small images went host to host (the image stream), not through the controller.
      const is = imageStreamOf(rec.plan!)!;
      expect(is).toMatchObject({ listen: to === 'lab-b' ? '198.18.0.3' : '198.18.0.2', tls: true });
      expect(rec.relayedBytes).toBe(0);
      expect(parts.map((p) => p.name)).toContain('images to the destination');
      expect(rec.steps.find((s) => s.name === 'transfer')?.detail).toContain(`straight to ${is.listen}:${is.port} (TLS)`);
      // The destination's restore log shows the pre-lock opened by the action script at post-restore.
      expect(parts.find((p) => p.name === 'criu restore: unlock script')?.ms).toBeGreaterThan(0);
      // The source lock (Ferry's, one nft call before the dump) is its own part of the freeze, and gone afterwards.
      expect(parts.find((p) => p.name === 'source: connections locked')?.ms).toBeGreaterThan(0);
      expect(dumpLog).not.toContain('Running nftables');
      expect((await run(from, ['nft', 'list', 'tables'])).stdout).not.toMatch(/CRIU-/);
      // The images were kept, this migration's keys were not; the guards are gone; no relay runs.
      for (const [host, dir] of [
        [from, rec.plan!.sourceImageDir],
        [to, rec.plan!.destinationImageDir],
      ] as const) {
        const p = pageStreamPaths(dir);
        expect((await run(host, ['test', '-d', dir])).code).toBe(0);
        expect((await run(host, ['test', '-e', p.tlsDir])).code).not.toBe(0);
        expect((await run(host, ['test', '-e', p.imageSocket])).code).not.toBe(0);
        expect((await run(host, ['nft', 'list', 'table', 'inet', ps.guardTable!])).code).not.toBe(0);
        expect((await run(host, ['nft', 'list', 'table', 'inet', is.guardTable])).code).not.toBe(0);
        expect((await run(host, ['nft', 'list', 'table', 'inet', rec.plan!.preLock.table])).code).not.toBe(0);
        expect((await run(host, ['sh', '-c', 'p=$(cat "$1" 2>/dev/null) || exit 1; kill -0 "$p"', 'x', p.imagePidFile])).code).not.toBe(0);
        await run(host, ['rm', '-rf', '--', dir]);
      }
      const w = (await labStatus()).witness!;
      expect(w.totals.resets).toBe(0);
      expect(w.totals.reconnects).toBe(0);
      expect(w.totals.brokenStreams).toBe(0);
    },
    180_000,
  );
});

describe("lazy mode's other streams: the direct stream of shared memory and the page recovery, TLS and guarded", () => {
  it('direct stream: a third host is dropped by the guard on lab-b; a plaintext sender from lab-a is refused by the TLS listener and nothing is taken as data', async () => {
    const plan = await lazyWithDirect();
    const ds = plan.directStream!;
    const dir = plan.destinationImageDir;
    let script: Awaited<ReturnType<typeof ctl.exec.spawn>> | undefined;
    try {
      await prepareFolders(ctl.exec, plan);
      await listenForPageStream(ctl.exec, plan);
      // The destination's freeze script as a migration starts it (a stand-in for the lazy-pages guard): its
      // direct-stream listener is up before the freeze, behind the guard on lab-b.
      const cmds = directStreamCommands(plan)!;
      script = await ctl.exec.spawn('lab-b', [
        'sh',
        '-c',
        DESTINATION_LAZY_FREEZE_SCRIPT,
        'ferry-restore',
        ...destinationLazyArgs(
          dir,
          '',
          plan.criu.destination,
          plan.pageServer!,
          { guard: 'import sys', pids: [] },
          pageStreamPaths(dir).tlsDir,
          { ...cmds, token: ds.token },
          ['true'],
        ),
      ]);
      let err = '';
      script.stderr.on('data', (d: Buffer) => (err += d.toString()));
      script.stdout.resume();
      const listening = async () => (await run('lab-b', ['ss', '-Htln', 'sport', '=', `:${ds.port}`])).stdout.includes(`198.18.0.3:${ds.port}`);
      for (let i = 0; i < 100 && !(err.includes('@@FERRY-AT armed') && (await listening())); i++) await sleep(100);
      expect(err).toContain('@@FERRY-AT armed');
      expect(await listening()).toBe(true);
      expect((await run('lab-b', ['nft', 'list', 'table', 'inet', plan.pageServer!.guardTable!])).stdout).toContain(`ip saddr 198.18.0.2`);

      expectDropped(fromThirdHost('198.18.0.3', ds.port));

      // The admitted host in plaintext, with the right token and a page image: the TCP connection is let through,
      // the TLS listener refuses it, and nothing reaches tar.
      const plain = await run('lab-a', [
        'sh',
        '-c',
        'd=$(mktemp -d) && head -c 65536 /dev/urandom > "$d/pages-1.img" && { printf "%s\\n" "$1"; tar -C "$d" -cf - pages-1.img; } | nc -v -N -w 3 198.18.0.3 "$2"; rm -rf "$d"',
        'ferry-plain',
        ds.token,
        String(ds.port),
      ]);
      expect(plain.stderr).toMatch(/succeeded/);
      // The images arrive (an empty tar here); the script then finds the direct stream failed: exit 24, before
      // anything is restored.
      script.stdin.end(Buffer.concat([Buffer.from(`${IMAGE_STREAM_WORD} 10240\n`), Buffer.alloc(10240)]));
      // (Had the listener taken the stream, the script would go on to start the lazy-pages guard and wait there.)
      expect(await Promise.race([script.exit, sleep(15_000).then(() => 'still running')]), err).toBe(24);
      expect(err).toContain('@@FERRY-AT direct-failed');
      expect((await run('lab-b', ['sh', '-c', 'ls "$1" | grep -c "^pages-" || true', 'x', dir])).stdout.trim()).toBe('0');
      expect((await run('lab-b', ['cat', `${dir}/direct.exit`])).stdout.trim()).not.toBe('0');
      expect((await run('lab-b', ['cat', pageStreamPaths(dir).directLog])).stdout).toMatch(/SSL|TLS|wrong version|record/i);
    } finally {
      script?.kill();
      await endPageStream(ctl.exec, plan);
    }
    await expectNothingLeft(plan, [ds.port]);
    for (const [host, d] of [
      ['lab-b', plan.destinationImageDir],
      ['lab-a', plan.sourceImageDir],
    ] as const)
      await run(host, ['rm', '-rf', '--', d]);
  }, 120_000);

  it("page recovery: a third host is dropped by the guard on lab-a; a plaintext client and one with another migration's keys are refused with no page answered; lab-b's own keys get the page", async () => {
    const plan = await planFor('lazy');
    const ps = plan.pageServer!;
    const foreign = `/tmp/${process.env.FERRY_LAB ?? 'ferry'}-foreign-tls-${process.pid}`;
    try {
      await prepareFolders(ctl.exec, plan);
      await listenForPageStream(ctl.exec, plan);
      // The page source serves the (running) demo's memory; the first page of its first mapping is the witness.
      const { port, token } = await startPageSource(ctl.exec, plan);
      expect((await run('lab-a', ['nft', 'list', 'table', 'inet', ps.guardTable!])).stdout).toMatch(new RegExp(`tcp dport \\{ ${ps.port}, ${port} \\}`));
      const start = parseInt((await run('lab-a', ['head', '-n1', `/proc/${pid}/maps`])).stdout.split('-')[0]!, 16);
      const want = (
        await run('lab-a', [
          'python3',
          '-c',
          'import hashlib,sys;f=open("/proc/%s/mem"%sys.argv[1],"rb");f.seek(int(sys.argv[2]));print(hashlib.sha256(f.read(4096)).hexdigest())',
          String(pid),
          String(start),
        ])
      ).stdout.trim();
      expect(want).toMatch(/^[0-9a-f]{64}$/);

      expectDropped(fromThirdHost('198.18.0.2', port));

      // A certificate of another migration (its own CA, the same address) on lab-b, trusting this migration's CA:
      // the client accepts the page source, the page source must refuse the client.
      const other = await makePageTls('m-other', ['198.18.0.2']);
      const ca = (await run('lab-b', ['cat', pageStreamPaths(plan.destinationImageDir).ca])).stdout;
      await pushPageTls(ctl.exec, 'lab-b', foreign, { ca, ...other.destination });
      const client = (tls: string) => run('lab-b', ['python3', '-c', PAGE_CLIENT, '198.18.0.2', String(port), token, String(pid), String(start), tls]);
      for (const tls of ['', foreign]) {
        const r = await client(tls);
        const out = JSON.parse(r.stdout.trim() || '{}');
        // Refused: the connection ends (or the handshake fails) and not one byte of an answer arrives.
        expect(out, r.stderr).toMatchObject({ pages: 0 });
        expect(out.error ?? '', tls || 'plain').not.toBe('');
      }
      const ok = JSON.parse((await client(pageStreamPaths(plan.destinationImageDir).tlsDir)).stdout.trim());
      expect(ok).toMatchObject({ pages: 1, sha256: want });
    } finally {
      await run('lab-b', ['rm', '-rf', '--', foreign]);
      await endPageStream(ctl.exec, plan);
    }
    await expectNothingLeft(plan, [ps.port + 1]);
    for (const [host, d] of [
      ['lab-b', plan.destinationImageDir],
      ['lab-a', plan.sourceImageDir],
    ] as const)
      await run(host, ['rm', '-rf', '--', d]);
  }, 120_000);

  it('a lazy migration with shared memory: TLS on every stream, the memory intact at the peer, nothing left behind', async () => {
    const MIB = 64;
    const SHM_PID = 4401;
    // An address of its own (the demo keeps 198.18.0.100 and its witness connections on lab-a, untouched).
    const ADDR = '198.18.0.101';
    await run('lab-a', ['ip', 'addr', 'add', `${ADDR}/32`, 'dev', 'eth0']);
    const { log } = await labExecLog('lab-a', ['python3', path.join(REPO, 'test/integration/shared-memory.py'), ADDR, '7301', String(MIB)], SHM_PID);
    for (let i = 0; i < 120 && !readFileSync(log, 'utf8').includes('ready'); i++) await sleep(250);
    const client = peerClient(7301, ADDR);
    try {
      const before = await client.ask('sum');
      expect(before).toMatch(/^[0-9a-f]{64}$/);
      expect(await client.ask('ping')).toBe('pong 1');
      const r = await ferry(['migrate', '--from', 'lab-a', '--pid', String(SHM_PID), '--to', 'lab-b', '--mode', 'lazy', '--keep-images', '--json']);
      const rec = r.json?.record as MigrationRecord;
      expect(rec?.outcome, `${r.stdout}\n${r.stderr}`).toBe('succeeded');
      const plan = rec.plan!;
      expect(plan.addresses.map((a) => a.address)).toEqual([ADDR]);
      expect(plan.sharedMemory).toMatchObject({ path: 'direct' });
      expect(plan.directStream).toMatchObject({ address: '198.18.0.3', peer: '198.18.0.2' });
      expect(plan.pageServer).toMatchObject({ address: '198.18.0.2', peer: '198.18.0.3', tls: true });
      expect(rec.directBytes).toBeGreaterThanOrEqual(MIB * 1048576);
      expect(rec.steps.find((s) => s.name === 'prepare')?.detail).toMatch(
        /TLS .*on lab-a open to 198\.18\.0\.3 only; port \d+ on lab-b open to 198\.18\.0\.2 only/,
      );
      expect(rec.steps.find((s) => s.name === 'transfer')?.detail).toMatch(/straight to 198\.18\.0\.3:\d+ \(TLS\)/);
      // Both ends of the direct stream spoke TLS, each verified the other, and ended cleanly.
      const dstLog = (await run('lab-b', ['cat', pageStreamPaths(plan.destinationImageDir).directLog])).stdout;
      const srcLog = (await run('lab-a', ['cat', pageStreamPaths(plan.sourceImageDir).directLog])).stdout;
      expect(dstLog).toMatch(/accepting connection from AF=2 198\.18\.0\.2:/);
      expect(dstLog).toMatch(/SSL connection using TLS/);
      expect(dstLog).toMatch(/exiting with status 0/);
      expect(srcLog).toMatch(/commonName matches/);
      expect(srcLog).toMatch(/exiting with status 0/);
      expect(readFileSync(rec.logs.dump!, 'utf8')).toContain('TLS handshake completed');

      // Same connection, same memory.
      expect(await client.ask('sum')).toBe(before);
      expect(await client.ask('ping')).toBe('pong 2');
      await expectNothingLeft(plan, [plan.pageServer!.port, plan.pageServer!.port + 1, plan.directStream!.port]);
      for (const [host, d] of [
        ['lab-b', plan.destinationImageDir],
        ['lab-a', plan.sourceImageDir],
      ] as const)
        await run(host, ['rm', '-rf', '--', d]);
      const w = (await labStatus()).witness!;
      expect(w.totals.resets).toBe(0);
      expect(w.totals.reconnects).toBe(0);
      expect(w.totals.brokenStreams).toBe(0);
    } finally {
      client.child.kill();
      await ferry(['lab', 'exec', 'lab-b', '--', 'kill', String(SHM_PID)]);
      await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(SHM_PID)]);
      for (const host of ['lab-a', 'lab-b']) await run(host, ['ip', 'addr', 'del', `${ADDR}/32`, 'dev', 'eth0']);
    }
  }, 180_000);
});

describe('the image stream (the small images host to host): guarded, TLS, and a stream cut short is refused before the restore', () => {
  it('a third host is dropped by the guard on lab-b; a plaintext sender from lab-a with a well-framed stream is refused by the TLS listener, nothing reaches the freeze script, and the migration then fails before any freeze', async () => {
    const plan = await streamed();
    const is = imageStreamOf(plan)!;
    expect(is).toMatchObject({ listen: '198.18.0.3', peer: '198.18.0.2', tls: true });
    const dst = pageStreamPaths(plan.destinationImageDir);
    try {
      await prepareFolders(ctl.exec, plan);
      await listenForPageStream(ctl.exec, plan);
      await guardImageStream(ctl.exec, plan);
      // The destination's relay takes the first connection that completes a TLS handshake with this migration's keys.
      const listening = startImageRelay(ctl.exec, plan, 'destination').then(
        () => 'connected',
        (e: unknown) => e,
      );
      const up = async () => (await run('lab-b', ['ss', '-Htln', 'sport', '=', `:${is.port}`])).stdout.includes(`198.18.0.3:${is.port}`);
      for (let i = 0; i < 50 && !(await up()); i++) await sleep(100);
      expect(await up()).toBe(true);
      expect((await run('lab-b', ['nft', 'list', 'table', 'inet', is.guardTable])).stdout).toContain('ip saddr 198.18.0.2');

      expectDropped(fromThirdHost('198.18.0.3', is.port));

      // The admitted host in plaintext, with a correctly framed image stream (header, archive): refused by TLS.
      const plain = await run('lab-a', [
        'sh',
        '-c',
        'd=$(mktemp -d) && head -c 4096 /dev/urandom > "$d/core-1.img" && n=$(tar -C "$d" -cf - . | wc -c) && ' +
          '{ printf "%s %s\\n" "$1" "$n"; tar -C "$d" -cf - .; } | nc -v -N -w 3 198.18.0.3 "$2"; rm -rf "$d"',
        'ferry-plain',
        IMAGE_STREAM_WORD,
        String(is.port),
      ]);
      expect(plain.stderr).toMatch(/succeeded/);
      const refused = await Promise.race([listening, sleep(15_000).then(() => 'still waiting')]);
      expect(refused).toMatchObject({ code: 'TRANSFER_FAILED', host: 'lab-b' });
      expect((await run('lab-b', ['cat', dst.imageLog])).stdout).toMatch(/SSL|TLS|wrong version|record/i);
      // The relay never got as far as its UNIX socket: nothing could reach a freeze script.
      expect((await run('lab-b', ['test', '-e', dst.imageSocket])).code).not.toBe(0);
      // The migration's own source relay cannot connect now: prepare fails, nothing frozen, still on the source.
      await expect(startImageRelay(ctl.exec, plan, 'source')).rejects.toMatchObject({ code: 'TRANSFER_FAILED', host: 'lab-a' });
      expect((await hostProcesses('lab-a')).has(pid)).toBe(true);
    } finally {
      await endPageStream(ctl.exec, plan);
    }
    expect((await run('lab-b', ['nft', 'list', 'table', 'inet', is.guardTable])).code).not.toBe(0);
    await expectNothingLeft(plan, [plan.pageServer!.port, is.port]);
    for (const [host, d] of [
      ['lab-b', plan.destinationImageDir],
      ['lab-a', plan.sourceImageDir],
    ] as const)
      await run(host, ['rm', '-rf', '--', d]);
  }, 120_000);

  it('a stream cut at a tar member boundary inside the freeze (a clean end to socat and to tar): the restore never runs, the migration rolls back, the peer sees nothing broken', async () => {
    const before = (await labStatus()).witness!.totals;
    const rec = await migrate(
      { ...controllerDeps(ctl), exec: cutImageStream(ctl.exec) },
      { from: 'lab-a', to: 'lab-b', pid, addresses: [], budgetMs: 30_000, keepImages: false, mode: 'streamed' },
    );
    expect(rec.outcome, JSON.stringify(rec.error)).toBe('failed');
    expect(rec.error).toMatchObject({ code: 'TRANSFER_FAILED', host: 'lab-b' });
    expect(rec.error?.message).toMatch(/receiving the images failed \(source exit 0, destination exit 20\)/);
    expect(rec.error?.message).toMatch(/the image stream was cut short: \d+ of the \d+ bytes announced arrived/);
    // Refused before the restore: no restore step, no address on lab-b; rolled back onto the source.
    expect(rec.freezeMarkers?.destination.map((m) => m.name)).toContain('receive-failed');
    expect(rec.freezeMarkers?.destination.map((m) => m.name)).not.toContain('received');
    expect(rec.steps.find((s) => s.name === 'restore')).toBeUndefined();
    expect(rec.rollback).toMatchObject({ attempted: true, ok: true });
    await sleep(1000);
    expect((await hostProcesses('lab-a')).has(pid)).toBe(true);
    expect((await hostProcesses('lab-b')).has(pid)).toBe(false);
    const plan = rec.plan!;
    const is = imageStreamOf(plan)!;
    expect((await run('lab-b', ['nft', 'list', 'table', 'inet', is.guardTable])).code).not.toBe(0);
    expect((await run('lab-b', ['nft', 'list', 'table', 'inet', plan.preLock.table])).code).not.toBe(0);
    await expectNothingLeft(plan, [plan.pageServer!.port, is.port]);
    // The peer: the same connections, intact, no reset or reconnect, still talking.
    const w = (await labStatus()).witness!;
    expect(w.totals.resets).toBe(before.resets);
    expect(w.totals.reconnects).toBe(before.reconnects);
    expect(w.totals.brokenStreams).toBe(before.brokenStreams);
    const demo = w.connections.filter((c) => c.clientId === 'demo' && c.closeReason === 'open');
    expect(demo.length).toBeGreaterThan(0);
    expect(demo.every((c) => c.intact === true)).toBe(true);
    const counts = demo.map((c) => c.messages);
    await sleep(1000);
    const later = (await labStatus()).witness!.connections.filter((c) => c.clientId === 'demo' && c.closeReason === 'open').map((c) => c.messages);
    later.forEach((m, i) => expect(m).toBeGreaterThan(counts[i]! + 10));
    console.log(`cut image stream: ${rec.error?.message}; rollback: ${rec.rollback?.actions.join('; ')}`);
  }, 180_000);
});

/**
 * The source's freeze script with its image stream cut after the first image that holds data: the header and the
 * tar members up to it pass, then its output ends cleanly (what the destination sees of a relay that died at a
 * member boundary: a clean end), and the rest is drained so the source's script ends well.
 */
const CUT_AFTER_FIRST_IMAGE = String.raw`
import sys
i, o = sys.stdin.buffer, sys.stdout.buffer
o.write(i.readline())
def read(n):
    b = b''
    while len(b) < n:
        x = i.read(n - len(b))
        if not x:
            break
        b += x
    return b
while True:
    h = read(512)
    o.write(h)
    if len(h) < 512 or not h.strip(b'\0'):
        break
    size = int(h[124:136].strip(b'\0 ') or b'0', 8)
    o.write(read((size + 511) // 512 * 512))
    if size > 0:
        break
o.flush()
o.close()
while i.read(65536):
    pass
`;

/** The executor, with the source freeze script's stdout (the image stream) passed through the cutter above. */
function cutImageStream(exec: Executor): Executor {
  return {
    run: (host, argv, opts) => exec.run(host, argv, opts),
    close: () => exec.close(),
    spawn: (host, argv) => {
      // The source's script: `[prefix…] sh -c SCRIPT ferry-dump ARGS…`, or under bash when the host has it
      // `[prefix…] sh -c PREFER_BASH ferry-shell SCRIPT ferry-dump ARGS…` (freeze-scripts.ts, sideArgv).
      const i = argv.indexOf('ferry-dump');
      const shellAt = argv[i - 2] === '-c' ? i - 3 : argv[i - 2] === 'ferry-shell' && argv[i - 4] === '-c' ? i - 5 : -1;
      if (i < 0 || shellAt < 0) return exec.spawn(host, argv);
      return exec.spawn(host, [
        ...argv.slice(0, shellAt),
        'sh',
        '-c',
        'c=$1; s=$2; shift 2; sh -c "$s" ferry-dump "$@" | python3 -c "$c"',
        'ferry-cut',
        CUT_AFTER_FIRST_IMAGE,
        argv[i - 1]!,
        ...argv.slice(i + 1),
      ]);
    },
  };
}

/**
 * A page client on lab-b speaking the page source's protocol (main/criu/page-source.ts): token, then one request
 * for one page. argv: ADDRESS PORT TOKEN PID START TLSDIR (empty: plaintext). Prints {pages, sha256?, error?}.
 */
const PAGE_CLIENT = String.raw`
import hashlib, json, os, socket, ssl, struct, sys
addr, port, token, pid, start, tls = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
out = {'pages': 0}
try:
    c = socket.create_connection((addr, port), timeout=10)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(os.path.join(tls, 'ca.crt'))
        ctx.load_cert_chain(os.path.join(tls, 'cert.pem'), os.path.join(tls, 'key.pem'))
        c = ctx.wrap_socket(c, server_hostname=addr)
    c.sendall(token.encode() + struct.pack('<IQQ', pid, start, 1))
    b = b''
    while len(b) < 21:
        x = c.recv(65536)
        if not x:
            break
        b += x
    if len(b) >= 21 and b[20]:
        while len(b) < 21 + 4096:
            x = c.recv(65536)
            if not x:
                break
            b += x
        out = {'pages': 1, 'sha256': hashlib.sha256(b[21:21 + 4096]).hexdigest()}
    else:
        out = {'pages': 0, 'error': 'no answer (%d bytes)' % len(b)}
except Exception as e:
    out = {'pages': 0, 'error': repr(e)}
print(json.dumps(out))
`;
