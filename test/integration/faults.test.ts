// Faults produced for real in the lab: the destination's image folder fills up, the link between the hosts goes
// down mid-transfer, the address is claimed on the destination mid-freeze, the destination's restore is killed:
// each time the process comes back on the source with its connections. Then lazy mode's page connection is
// destroyed after the restore under a busy and a quiet process: Ferry fetches the missing pages again from the
// stopped source copy and the connections survive (lazy mode's faults under a request/response peer, and what
// happens when recovery is impossible: lazy-faults.test.ts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ferry, sleep } from './cli';
import { migrateWithFault } from './fault-run';
import { hostProcesses, labDown, labExecLog, labStatus, labUp, startDemo, type LabStatusJson } from './lab-fixture';

const LAB = process.env.FERRY_LAB ?? 'ferry';

async function expectBackOnSource(pid: number, clientId: string, connections: number) {
  await sleep(1500);
  const a = await hostProcesses('lab-a');
  const b = await hostProcesses('lab-b');
  expect(b.has(pid)).toBe(false);
  const sockets = (a.get(pid)?.sockets ?? []) as any[];
  expect(sockets.filter((s) => s.state === 'ESTAB' && s.remote.port === 7000)).toHaveLength(connections);
  const s: LabStatusJson = await labStatus();
  expect(s.serviceAddress.holder).toBe('lab-a');
  const mine = s.witness!.connections.filter((c) => c.clientId === clientId);
  expect(mine.every((c) => c.closeReason === 'open' && c.intact === true)).toBe(true);
  expect(s.witness!.clients.filter((c) => c.clientId === clientId).every((c) => c.reconnects === 0)).toBe(true);
  const before = mine.map((c) => c.messages);
  await sleep(1000);
  const after = (await labStatus()).witness!.connections.filter((c) => c.clientId === clientId).map((c) => c.messages);
  after.forEach((m, i) => expect(m).toBeGreaterThan(before[i]! + 20));
  return Math.max(...mine.map((c) => c.maxGapMs));
}

/** Starts a demo workload of `rssMib` with two connections on lab-a and waits until both talk to the witness. */
async function startBigWorkload(clientId: string, rssMib: number, pid: number): Promise<{ pid: number; log: string }> {
  const w = await startDemo(clientId, { pid, connections: 2, extra: ['--rss-mib', String(rssMib)] });
  // Connected once its memory is allocated and touched.
  await sleep(1000);
  return w;
}

/** Destroys the connections between lab-a and lab-b (CRIU's page transfer) from lab-a's side. */
const cutPageConnection = () =>
  execFileSync('nsenter', [`--net=/run/netns/${LAB}-a`, 'ss', '-K', 'src', '198.18.0.2', 'dst', '198.18.0.3'], { stdio: 'ignore' });

describe('faults during a migration', () => {
  let status: LabStatusJson;
  beforeAll(async () => {
    status = await labUp(2);
    await sleep(500);
  });
  afterAll(async () => {
    await labDown();
  });

  it('the destination image folder fills up (staged): rolled back to the source', async () => {
    const tiny = '/var/lib/ferry/tiny-images';
    mkdirSync(tiny, { recursive: true });
    const initB = status.hosts.find((h) => h.name === 'lab-b')!.initPid!;
    // A 4 MiB tmpfs on lab-b only (its own mount namespace); lab-a sees the plain folder. Mode 0700: a tmpfs
    // root is 1777 by default, which Ferry refuses as an image base (writable by other users).
    execFileSync('nsenter', ['-t', String(initB), '--mount', 'mount', '-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'ferry-tiny', tiny]);
    try {
      const pid = status.demo!.pid;
      const r = await ferry(['migrate', '--from', 'lab-a', '--pid', String(pid), '--to', 'lab-b', '--mode', 'staged', '--image-base', tiny, '--json']);
      expect(r.code).toBe(1);
      const rec = r.json.record;
      expect(rec.error.code).toBe('TRANSFER_FAILED');
      expect(rec.error.message).toMatch(/No space left on device/);
      expect(rec.rollback).toMatchObject({ attempted: true, ok: true });
      expect(rec.rollback.actions.join('\n')).toContain(`restored process ${pid} on lab-a from its dump`);
      const gap = await expectBackOnSource(pid, 'demo', 2);
      console.log(`disk full: rolled back (${rec.rollback.actions.join('; ')}); peer's largest gap ${gap} ms`);
    } finally {
      execFileSync('nsenter', ['-t', String(initB), '--mount', 'umount', tiny]);
    }
  });

  it('the link between the hosts goes down mid-transfer (streamed): the freeze budget stops it, rolled back', async () => {
    // A bigger workload, so that its pages take a while to stream.
    const w = await startBigWorkload('big', 600, 6100);
    const port = 'p-lab-b';
    const sw = ['nsenter', `--net=/run/netns/${LAB}-sw`];
    // Cut lab-b off the bridge 300 ms into the freeze (the migration's own SSH goes through its namespace, not the bridge).
    const link = (state: string) => execFileSync(sw[0]!, [...sw.slice(1), 'ip', 'link', 'set', port, state]);
    let r;
    try {
      r = await migrateWithFault(
        ['--from', 'lab-a', '--pid', String(w.pid), '--to', 'lab-b', '--mode', 'streamed', '--budget-ms', '8000', '--allow-shared-address'],
        /freeze started/,
        () => setTimeout(() => link('down'), 300),
      );
    } finally {
      link('up');
    }
    const { code, rec } = r;
    expect(code).toBe(1);
    expect(['TIMEOUT', 'CRIU_DUMP_FAILED', 'TRANSFER_FAILED']).toContain(rec.error.code);
    expect(rec.rollback?.ok ?? true).toBe(true);
    const gap = await expectBackOnSource(w.pid, 'big', 2);
    // The link went down while the process was frozen: the peer waited until the rollback.
    expect(gap).toBeGreaterThan(2000);
    console.log(
      `link cut: ${rec.error.code}: ${rec.error.message}; rollback: ${rec.rollback?.actions.join('; ') ?? 'none needed'}; peer's largest gap ${gap} ms`,
    );
    await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(w.pid)]);
  });

  it('the address cannot be added on the destination (someone claimed it after the preflight): rolled back, their address left alone', async () => {
    const pid = status.demo!.pid;
    const onB = (...argv: string[]) => execFileSync('nsenter', [`--net=/run/netns/${LAB}-b`, ...argv]).toString();
    let claimed = false;
    let stillOnB = '';
    let r;
    try {
      // Once the process is frozen (the preflight saw the address free on lab-b), something else takes it there.
      r = await migrateWithFault(['--from', 'lab-a', '--pid', String(pid), '--to', 'lab-b', '--mode', 'streamed'], /freeze started/, () => {
        onB('ip', 'addr', 'add', '198.18.0.100/32', 'dev', 'eth0');
        claimed = true;
      });
      stillOnB = onB('ip', '-o', 'addr', 'show', 'dev', 'eth0', 'to', '198.18.0.100/32');
    } finally {
      if (claimed) execFileSync('nsenter', [`--net=/run/netns/${LAB}-b`, 'ip', 'addr', 'del', '198.18.0.100/32', 'dev', 'eth0'], { stdio: 'ignore' });
    }
    const { code, out, rec } = r;
    expect(code, out).toBe(1);
    expect(rec.error.code).toBe('ADDRESS_MOVE_FAILED');
    expect(rec.error.message).toMatch(/Address already assigned|File exists/);
    expect(rec.rollback).toMatchObject({ attempted: true, ok: true });
    const actions: string = rec.rollback.actions.join('\n');
    expect(actions).toContain(`restored process ${pid} on lab-a from its dump`);
    expect(actions).toContain('put 198.18.0.100 back on lab-a');
    // The migration did not add it, so it did not take it away: the other claimant keeps it.
    expect(actions).not.toMatch(/removed 198\.18\.0\.100.* from lab-b/);
    expect(stillOnB).toContain('198.18.0.100');
    const gap = await expectBackOnSource(pid, 'demo', 2);
    console.log(`address add failed: ${rec.error.message}; rollback: ${rec.rollback.actions.join('; ')}; peer's largest gap ${gap} ms`);
  });

  it('the restore is killed on the destination (streamed): rolled back, nothing left on lab-b', async () => {
    const w = await startBigWorkload('big2', 400, 6200);
    const initB = status.hosts.find((h) => h.name === 'lab-b')!.initPid!;
    // The restore starts once the address is on lab-b. A watcher on lab-b, started when the freeze begins, kills it
    // the moment it appears: killing it from here on the controller's "✓ move-address" lost the race to a restore
    // that had already finished. (`[c]riu`: the pattern must not match the watcher's own command line.)
    let watcher: ChildProcess | undefined;
    const { code, rec } = await migrateWithFault(
      ['--from', 'lab-a', '--pid', String(w.pid), '--to', 'lab-b', '--mode', 'streamed', '--allow-shared-address'],
      /freeze started/,
      () => {
        watcher = spawn(
          'nsenter',
          [
            '-t',
            String(initB),
            '--pid',
            '--mount',
            '--',
            'sh',
            '-c',
            // A pre-started CRIU (criu swrk) is titled `criu: restore --rpc` once it has its request.
            'i=0; while [ $i -lt 3000 ]; do pkill -KILL -f "sbin/[c]riu restore|[c]riu: restore --rpc" && exit 0; sleep 0.01; i=$((i+1)); done; exit 1',
          ],
          { stdio: 'ignore' },
        );
      },
    );
    const killed = await new Promise<number | null>((res) => (watcher!.exitCode !== null ? res(watcher!.exitCode) : watcher!.once('exit', res)));
    expect(killed, 'the watcher never found the restore').toBe(0);
    expect(code).toBe(1);
    expect(rec.error.code).toBe('CRIU_RESTORE_FAILED');
    expect(rec.rollback).toMatchObject({ attempted: true, ok: true });
    expect(rec.rollback.actions.join('\n')).toContain(`restored process ${w.pid} on lab-a from its dump`);
    const gap = await expectBackOnSource(w.pid, 'big2', 2);
    console.log(`restore killed: ${rec.error.message.slice(0, 160)}; rollback: ${rec.rollback.actions.join('; ')}; peer's largest gap ${gap} ms`);
    await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(w.pid)]);
  });

  // Last: the demo shares the service address, and in lazy mode the address stays on lab-b.
  it('the lazy page transfer breaks after the restore (lazy): recovered from the stopped source copy, the connections intact', async () => {
    const w = await startBigWorkload('big3', 800, 6300);
    const original = (await labStatus()).witness!.connections.filter((c) => c.clientId === 'big3' && c.closeReason === 'open').map((c) => c.id);
    expect(original).toHaveLength(2);
    // Restored on lab-b, 800 MiB still to fetch: destroy the page connection (lab-a ⇄ lab-b) under both CRIUs.
    const { code, out, rec } = await migrateWithFault(
      ['--from', 'lab-a', '--pid', String(w.pid), '--to', 'lab-b', '--mode', 'lazy', '--allow-shared-address'],
      /✓ restore/,
      cutPageConnection,
    );
    expect(code, out).toBe(0);
    expect(rec.lazyPages.ok).toBe(true);
    // CRIU's daemon ends with an error, or aborts (its TLS receive path hits a BUG() on a cut connection).
    expect(rec.lazyPages.detail).toMatch(/lazy-pages daemon (exited [1-9]|was killed by signal)/);
    expect(rec.lazyPages.recovered.pages).toBeGreaterThan(0);
    expect(rec.splitBrain).toBeUndefined();
    await sleep(1000);
    // Exactly one copy, on lab-b, with the address; the witness saw the same two connections throughout.
    expect((await hostProcesses('lab-a')).has(w.pid)).toBe(false);
    expect((await hostProcesses('lab-b')).get(w.pid)?.comm).toBe('node');
    const s = await labStatus();
    expect(s.serviceAddress.holder).toBe('lab-b');
    const mine = s.witness!.connections.filter((c) => original.includes(c.id));
    expect(mine.every((c) => c.closeReason === 'open' && c.intact === true)).toBe(true);
    expect(s.witness!.clients.filter((c) => c.clientId === 'big3').every((c) => c.reconnects === 0)).toBe(true);
    console.log(
      `lazy transfer broken: ${rec.lazyPages.detail}; all pages ${rec.lazyPages.msAfterRestore} ms after the restore; peer: ${mine.map((c) => `${c.clientId}#${c.connIndex} ${c.closeReason} intact=${c.intact} gap ${c.maxGapMs} ms`).join(', ')}`,
    );
    // Back to lab-a, which also returns the service address for the next case.
    expect((await ferry(['migrate', '--from', 'lab-b', '--pid', String(w.pid), '--to', 'lab-a', '--mode', 'streamed', '--allow-shared-address'])).code).toBe(0);
    await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(w.pid)]);
  });

  it('a quiet process (lazy) survives the broken transfer: recovered on lab-b, its connection alive', async () => {
    const script = path.join(REPO, 'test/integration/quiet-client.py');
    const q = await labExecLog('lab-a', ['/usr/bin/python3', script, '198.18.0.1', '7000', '600'], 6500);
    const pid = q.pid;
    const ping = (host: string) => ferry(['lab', 'exec', host, '--', 'kill', '-USR1', String(pid)]);
    // Ready: connected, its memory touched, its signal handler in place.
    const said = () => (existsSync(q.log) ? readFileSync(q.log, 'utf8') : '');
    for (let i = 0; i < 240 && !/^ready$/m.test(said()); i++) await sleep(250);
    expect(said()).toMatch(/^ready$/m);
    const port: number = (((await hostProcesses('lab-a')).get(pid)?.sockets ?? []) as any[]).find((s) => s.remote.port === 7000)?.local.port ?? 0;
    expect(port).toBeGreaterThan(0);
    await sleep(2500); // past the witness's hello timeout: a raw connection
    const conn = async () => (await labStatus()).witness!.connections.filter((c) => c.remote === `198.18.0.100:${port}`).at(-1) as any;
    await ping('lab-a');
    await sleep(500);
    const before = await conn();
    expect(before.closeReason).toBe('open');
    expect(before.bytesIn).toBeGreaterThan(0);

    const { code, out, rec } = await migrateWithFault(
      ['--from', 'lab-a', '--pid', String(pid), '--to', 'lab-b', '--mode', 'lazy', '--allow-shared-address'],
      /✓ restore/,
      cutPageConnection,
    );
    expect(code, out).toBe(0);
    expect(rec.lazyPages.recovered.pages).toBeGreaterThan(0);
    await sleep(500);
    expect((await hostProcesses('lab-a')).has(pid)).toBe(false);
    expect((await hostProcesses('lab-b')).get(pid)?.comm).toBe('python3');
    expect((await labStatus()).serviceAddress.holder).toBe('lab-b');
    const pingedAt = Date.now();
    await ping('lab-b');
    let after = await conn();
    for (let i = 0; i < 80 && after.bytesIn <= before.bytesIn; i++) {
      await sleep(250);
      after = await conn();
    }
    expect(after.closeReason).toBe('open');
    expect(after.bytesIn).toBeGreaterThan(before.bytesIn);
    console.log(
      `quiet process: ${rec.lazyPages.detail}; peer: connection ${after.closeReason}, ${before.bytesIn} → ${after.bytesIn} bytes (${Date.now() - pingedAt} ms after the ping)`,
    );
    await ferry(['lab', 'exec', 'lab-b', '--', 'kill', String(pid)]);
  });
});
