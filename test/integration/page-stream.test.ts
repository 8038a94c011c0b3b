// The page stream on the real lab (real sshd, CRIU, socat, nftables): only the other migration host reaches the
// listener, a plaintext client is refused by it (and the migration's own stream then fails before any freeze),
// and real migrations run with TLS on their page streams and leave no keys, relays or guard behind.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationPlan, MigrationRecord } from '../../app/model/migration';
import { createController, type Controller } from '../../main/controller/controller';
import { imageStreamOf } from '../../app/plan/image-stream';
import { pageStreamPaths } from '../../main/criu/page-relay';
import { connectPageStream, endPageStream, listenForPageStream } from '../../main/engine/page-stream';
import { planOnly } from '../../main/engine/plan-only';
import { findLabHost } from '../../main/lab/lab-config';
import { inNetns } from '../../main/lab/lab-network';
import { prepareFolders } from '../../main/engine/prepare-hosts';
import { ferry, sleep } from './cli';
import { hostProcesses, labDown, labStatus, labUp } from './lab-fixture';

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
const streamed = async (): Promise<MigrationPlan> => {
  const preview = await planOnly({ exec: ctl.exec, resolveHost: ctl.resolveHost }, { from: 'lab-a', to: 'lab-b', pid, addresses: [], budgetMs: 60_000, keepImages: false, mode: 'streamed' });
  expect(preview.ok, JSON.stringify(preview.problems)).toBe(true);
  const plan = preview.plan as MigrationPlan;
  // A port of its own (plan-only always says 27000).
  return { ...plan, pageServer: { ...plan.pageServer!, port: 28000 + Math.floor(Math.random() * 1000) } };
};

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
      for (const [host, dir] of [['lab-b', plan.destinationImageDir], ['lab-a', plan.sourceImageDir]] as const) {
        const p = pageStreamPaths(dir);
        expect((await run(host, ['stat', '-c', '%a', p.tlsDir, p.ca, p.cert, p.key])).stdout.split('\n').filter(Boolean)).toEqual(['700', '600', '600', '600']);
      }

      // A third host (the lab's peer, entered with nsenter: it is not in the inventory): its SYN is dropped (a time-out, not a refusal: the port is listening).
      const third = spawnSync(inNetns(findLabHost('peer')!.netns)[0]!, [...inNetns(findLabHost('peer')!.netns).slice(1), 'nc', '-v', '-z', '-w', '2', '198.18.0.3', port], { encoding: 'utf8' });
      expect(third.status).not.toBe(0);
      expect(third.stderr).toMatch(/timed out/i);
      expect(third.stderr).not.toMatch(/succeeded|refused/i);

      // The admitted host without TLS: the TCP connection is let through, the TLS listener refuses what it says,
      // and nothing reaches CRIU's page server (it would log the commands it read).
      const plain = await run('lab-a', ['sh', '-c', 'printf "%s" "$1" | nc -v -N -w 3 "$2" "$3"', 'ferry-plain', 'PS_IOV_OPEN2 pretend pages '.repeat(40), '198.18.0.3', port]);
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
    for (const [host, dir] of [['lab-b', plan.destinationImageDir], ['lab-a', plan.sourceImageDir]] as const) {
      expect((await run(host, ['test', '-e', pageStreamPaths(dir).tlsDir])).code).not.toBe(0);
      expect((await run(host, ['sh', '-c', 'p=$(cat "$1" 2>/dev/null) || exit 1; kill -0 "$p"', 'x', pageStreamPaths(dir).pidFile])).code).not.toBe(0);
      await run(host, ['rm', '-rf', '--', dir]);
    }
  }, 120_000);

  it.each([
    ['streamed', 'lab-a', 'lab-b'],
    ['lazy', 'lab-b', 'lab-a'],
  ] as const)('%s %s → %s: TLS page stream, no stall at the page-server close, nothing left behind', async (mode, from, to) => {
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
    for (const [host, dir] of [[from, rec.plan!.sourceImageDir], [to, rec.plan!.destinationImageDir]] as const) {
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
  }, 180_000);
});
