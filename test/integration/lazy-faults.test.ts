// Lazy mode's broken page transfers, produced for real under a request/response pair (test/integration/rr/):
// the peer sends a request every 10 ms to a process on lab-a holding 400 MiB whose every page holds a known
// pattern, and checks each reply (answered once, in order, by a copy that has answered exactly that many, with
// the pattern intact). Whatever breaks, the peer must never see a wrong, stale or zero-page reply, nor a
// connection that stays open without answers: either the connection carries on intact (recovered: Ferry fetches
// the missing pages again from the stopped source copy) or, when that cannot work, it ends (reset).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ferry, sleep } from './cli';
import { migrateWithFault } from './fault-run';
import { hostProcesses, labDown, labExecLog, labStatus, labUp, type LabStatusJson } from './lab-fixture';

const LAB = process.env.FERRY_LAB ?? 'ferry';
const RR = path.join(REPO, 'test/integration/rr');

interface PeerVerdict {
  connected: boolean;
  sent: number;
  answered: number;
  problems: string[];
  zeroPages: number;
  closed: string | null;
  maxGapMs: number;
  waitingSinceMs: number | null;
  pages?: number;
}

/** Starts the peer's requester on `port` and the responder (MIB MiB) on lab-a as `pid`; resolves once it answers. */
async function startPair(port: number, pid: number, mib = 400) {
  const state = `/tmp/ferry-rr-${LAB}-${port}.json`;
  rmSync(state, { force: true });
  await labExecLog('peer', ['/usr/bin/python3', path.join(RR, 'rr-peer.py'), '198.18.0.1', String(port), state]);
  for (let i = 0; i < 40 && !existsSync(state); i++) await sleep(100);
  const responder = await labExecLog('lab-a', ['/usr/bin/python3', path.join(RR, 'rr-responder.py'), '198.18.0.1', String(port), String(mib)], pid);
  const peer = (): PeerVerdict => JSON.parse(readFileSync(state, 'utf8'));
  for (let i = 0; i < 240 && !(peer().answered > 100); i++) await sleep(250);
  expect(peer().answered).toBeGreaterThan(100);
  return { pid: responder.pid, log: responder.log, peer };
}

/** The peer's verdict once it has settled: ended, or answering again. */
async function settled(peer: () => PeerVerdict): Promise<PeerVerdict> {
  let v = peer();
  for (let i = 0; i < 60 && !v.closed && (v.waitingSinceMs ?? 0) > 0; i++) {
    await sleep(250);
    v = peer();
  }
  return v;
}

/** The peer after `ms` more: every answer right, the connection open, and more than 30 new answers. */
async function expectStillAnswering(peer: () => PeerVerdict, ms: number): Promise<PeerVerdict> {
  const before = peer().answered;
  await sleep(ms);
  const v = peer();
  expectIntegrity(v);
  expect(v.closed).toBeNull();
  expect(v.answered).toBeGreaterThan(before + 30);
  return v;
}

/** Never a wrong, stale or zero-page answer; and never open without answers. */
function expectIntegrity(v: PeerVerdict) {
  expect(v.problems, JSON.stringify(v)).toEqual([]);
  expect(v.zeroPages).toBe(0);
  if (!v.closed) expect(v.waitingSinceMs ?? 0, JSON.stringify(v)).toBeLessThan(2000);
}

const dirs: string[] = [];
/** The migration's image folder on one side (named in the output from the lock-destination step on). */
const imageDir = (out: string, side: 'dump' | 'restore') => {
  const id = /inet ferry-(m-\d+-\d+-[0-9a-f]+)/.exec(out)?.[1];
  expect(id, out).toBeTruthy();
  const dir = `/var/lib/ferry/images/${id}-${side}`;
  dirs.push(dir);
  return dir;
};

describe('lazy mode: broken page transfers under a request/response peer', () => {
  let status: LabStatusJson;
  // The image folders on the lab's shared disk (an explicit --image-base: not each host's own /run), where this
  // test reads what the guard and the lazy-pages daemon leave.
  const lazyArgs = (pid: number) => [
    '--from',
    'lab-a',
    '--pid',
    String(pid),
    '--to',
    'lab-b',
    '--mode',
    'lazy',
    '--allow-shared-address',
    '--keep-images',
    '--image-base',
    '/var/lib/ferry/images',
  ];
  beforeAll(async () => {
    status = await labUp(2);
    await sleep(500);
  });
  afterAll(async () => {
    await labDown();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** The migration recovered: it succeeded, the copy on lab-b answers on, nothing wrong ever reached the peer. */
  async function expectRecovered(rr: Awaited<ReturnType<typeof startPair>>, r: { code: number; out: string; rec: any }) {
    expect(r.code, r.out).toBe(0);
    expect(r.rec.lazyPages).toMatchObject({ ok: true });
    expect(r.rec.lazyPages.recovered.pages).toBeGreaterThan(0);
    expect(r.rec.connections.every((c: any) => c.ok)).toBe(true);
    const v = await expectStillAnswering(rr.peer, 1000);
    expect((await hostProcesses('lab-a')).has(rr.pid)).toBe(false);
    expect((await hostProcesses('lab-b')).get(rr.pid)?.comm).toBe('python3');
    expect((await labStatus()).serviceAddress.holder).toBe('lab-b');
    // Back to lab-a (streamed), which also puts the service address back for the next case.
    const back = await ferry(['migrate', '--from', 'lab-b', '--pid', String(rr.pid), '--to', 'lab-a', '--mode', 'streamed', '--allow-shared-address']);
    expect(back.code, back.stdout).toBe(0);
    // A 400 MiB streamed freeze can pass 2 s on a loaded machine: the peer's next retransmission then comes later
    // than a fixed wait, so wait until it answers again (or ends) before judging it.
    const after = await settled(rr.peer);
    expectIntegrity(after);
    expect(after.closed).toBeNull();
    await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(rr.pid)]);
    return v;
  }

  it('the page connection is destroyed mid-transfer: recovered from the stopped source copy, the connection intact', async () => {
    const rr = await startPair(7101, 6701);
    const r = await migrateWithFault(lazyArgs(rr.pid), /✓ restore/, (soFar) =>
      setTimeout(
        () =>
          imageDir(soFar, 'dump') &&
          imageDir(soFar, 'restore') &&
          execFileSync('nsenter', [`--net=/run/netns/${LAB}-a`, 'ss', '-K', 'src', '198.18.0.2', 'dst', '198.18.0.3'], { stdio: 'ignore' }),
        150,
      ),
    );
    const v = await expectRecovered(rr, r);
    console.log(
      `page connection destroyed: ${r.rec.lazyPages.detail}; peer: ${v.answered}/${v.sent} answered, all correct, connection open, largest gap ${v.maxGapMs} ms`,
    );
  });

  it('the lazy-pages daemon is killed 100 ms after the restore: no zero page reaches the process; recovered', async () => {
    const rr = await startPair(7102, 6702);
    const initB = status.hosts.find((h) => h.name === 'lab-b')!.initPid!;
    let killed = '';
    const r = await migrateWithFault(lazyArgs(rr.pid), /✓ restore/, (soFar) =>
      setTimeout(() => {
        const dir = imageDir(soFar, 'restore');
        imageDir(soFar, 'dump');
        killed = readFileSync(`${dir}/lazy-pages.pid`, 'utf8').trim();
        execFileSync('nsenter', ['-t', String(initB), '--pid', '--mount', 'kill', '-KILL', killed]);
      }, 100),
    );
    expect(killed).not.toBe('');
    const dir = imageDir(r.out, 'restore');
    // The daemon died by SIGKILL; the guard held the process's userfaultfd (and the page connection).
    expect(readFileSync(`${dir}/lazy-pages.exit`, 'utf8').trim()).toBe('137');
    expect(readFileSync(`${dir}/lazy-pages.held`, 'utf8')).toMatch(/uffd:\d+/);
    expect(r.rec.lazyPages.detail).toMatch(/killed by signal 9/);
    const v = await expectRecovered(rr, r);
    console.log(
      `lazy-pages daemon killed: ${r.rec.lazyPages.detail}; peer: ${v.answered}/${v.sent} answered, ${v.zeroPages} zero pages, connection open, largest gap ${v.maxGapMs} ms`,
    );
  });

  it('the link between the hosts is cut for 10 s mid-transfer: the copy on lab-b waits, then finishes; the connection intact', async () => {
    const rr = await startPair(7108, 6708);
    const sw = ['nsenter', `--net=/run/netns/${LAB}-sw`];
    const link = (state: string) => execFileSync(sw[0]!, [...sw.slice(1), 'ip', 'link', 'set', 'p-lab-b', state]);
    let r;
    try {
      r = await migrateWithFault(lazyArgs(rr.pid), /✓ restore/, (soFar) =>
        setTimeout(() => {
          imageDir(soFar, 'dump');
          imageDir(soFar, 'restore');
          link('down');
          setTimeout(() => link('up'), 10_000);
        }, 150),
      );
    } finally {
      await sleep(10_500);
      link('up');
    }
    // Whether CRIU's own connection outlived the cut or Ferry fetched the rest again, the copy on lab-b is complete.
    expect(r.code, r.out).toBe(0);
    expect(r.rec.lazyPages.ok).toBe(true);
    const v = await expectStillAnswering(rr.peer, 1000);
    expect(v.maxGapMs).toBeGreaterThan(9000);
    console.log(
      `link cut 10 s: ${r.rec.lazyPages.detail ?? "CRIU's own transfer outlived the cut"}; all pages ${r.rec.lazyPages.msAfterRestore} ms after the restore; peer: ${v.answered}/${v.sent} answered, all correct, connection open, largest gap ${v.maxGapMs} ms`,
    );
    const back = await ferry(['migrate', '--from', 'lab-b', '--pid', String(rr.pid), '--to', 'lab-a', '--mode', 'streamed', '--allow-shared-address']);
    expect(back.code, back.stdout).toBe(0);
    await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(rr.pid)]);
  });

  it("the source's lazy page server (criu dump) is killed: recovered from the frozen source copy", async () => {
    const rr = await startPair(7103, 6703);
    const initA = status.hosts.find((h) => h.name === 'lab-a')!.initPid!;
    const r = await migrateWithFault(lazyArgs(rr.pid), /✓ restore/, (soFar) =>
      setTimeout(() => {
        imageDir(soFar, 'restore');
        const sh = readFileSync(`${imageDir(soFar, 'dump')}/dump.pid`, 'utf8').trim();
        execFileSync('nsenter', ['-t', String(initA), '--pid', '--mount', 'pkill', '-KILL', '-P', sh]);
      }, 150),
    );
    const v = await expectRecovered(rr, r);
    console.log(
      `source page server killed: ${r.rec.lazyPages.detail}; peer: ${v.answered}/${v.sent} answered, all correct, connection open, largest gap ${v.maxGapMs} ms`,
    );
  });

  it('the controller dies in the lazy window, then the lazy-pages daemon: `ferry recover` fetches the rest, the connection intact', async () => {
    const rr = await startPair(7110, 6710);
    const initB = status.hosts.find((h) => h.name === 'lab-b')!.initPid!;
    let dir = '';
    const out = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO, 'bin', 'ferry.mjs'), 'migrate', ...lazyArgs(rr.pid)], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        if (!dir && /✓ restore/.test(text)) {
          dir = imageDir(text, 'restore');
          imageDir(text, 'dump');
          child.kill('SIGKILL');
        }
      });
      child.on('close', () => resolve(text));
    });
    expect(dir, out).not.toBe('');
    await sleep(100);
    execFileSync('nsenter', ['-t', String(initB), '--pid', '--mount', 'kill', '-KILL', readFileSync(`${dir}/lazy-pages.pid`, 'utf8').trim()]);
    const r = await ferry(['recover', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const id = path.basename(dir).replace(/-restore$/, '');
    const rep = r.json.reports.find((x: any) => x.id === id);
    expect(rep, r.stdout).toMatchObject({ action: 'finish', ok: true });
    expect(rep.why).toMatch(/fetched again from the stopped source copy/);
    // The peer's request may wait for its next retransmission (the freeze, the dead controller and the recovery
    // together can pass 3 s on a loaded machine): judge it once it answers again or ends.
    const v = await settled(rr.peer);
    expectIntegrity(v);
    expect(v.closed).toBeNull();
    const before = v.answered;
    await sleep(1000);
    expect(rr.peer().answered).toBeGreaterThan(before + 30);
    expect((await hostProcesses('lab-a')).has(rr.pid)).toBe(false);
    expect((await labStatus()).serviceAddress.holder).toBe('lab-b');
    console.log(
      `controller and daemon killed: recover → ${rep.action} (${rep.why}); peer: ${rr.peer().answered}/${rr.peer().sent} answered, all correct, connection open, largest gap ${rr.peer().maxGapMs} ms`,
    );
    const back = await ferry(['migrate', '--from', 'lab-b', '--pid', String(rr.pid), '--to', 'lab-a', '--mode', 'streamed', '--allow-shared-address']);
    expect(back.code, back.stdout).toBe(0);
    await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(rr.pid)]);
  });

  it('the recovery cannot connect either: no stale resume; the connection ends visibly, the source copy lives', async () => {
    const rr = await startPair(7105, 6705);
    const onB = (...argv: string[]) => execFileSync('nsenter', [`--net=/run/netns/${LAB}-b`, ...argv], { stdio: 'ignore' });
    let r;
    try {
      r = await migrateWithFault(lazyArgs(rr.pid), /✓ restore/, (soFar) =>
        setTimeout(() => {
          imageDir(soFar, 'dump');
          imageDir(soFar, 'restore');
          // New connections from lab-b to the source's page ports are refused; then CRIU's own one is destroyed.
          execFileSync('nsenter', [`--net=/run/netns/${LAB}-b`, 'nft', '-f', '-'], {
            input:
              'table inet ferry-test-refuse {\n chain out {\n  type filter hook output priority 0;\n  ct state new tcp dport 27000-28100 reject with tcp reset\n }\n}\n',
          });
          execFileSync('nsenter', [`--net=/run/netns/${LAB}-a`, 'ss', '-K', 'src', '198.18.0.2', 'dst', '198.18.0.3'], { stdio: 'ignore' });
        }, 150),
      );
    } finally {
      onB('nft', 'delete', 'table', 'inet', 'ferry-test-refuse');
    }
    const { code, out, rec } = r;
    expect(code, out).toBe(1);
    expect(out).toMatch(/recovering the pages failed/);
    const sb = rec.splitBrain;
    expect(sb).toMatchObject({ keep: 'source', stop: ['destination'], ok: true });
    expect(sb.facts.streams.unknown).toBe(0);
    await sleep(500);
    expect((await hostProcesses('lab-b')).has(rr.pid)).toBe(false);
    expect((await labStatus()).serviceAddress.holder).toBe('lab-a');
    let v = await settled(rr.peer);
    expectIntegrity(v);
    if (sb.facts.streams.moved > 0) {
      // The destination copy had answered requests: the source copy must not resume them; they end visibly.
      expect(sb.end).toBe('destination');
      expect(sb.connectionsEnded).toHaveLength(1);
      expect(v.closed).toBe('reset');
      expect(readFileSync(rr.log, 'utf8')).toMatch(/connection ended/);
    } else {
      // It had moved nothing (it waited on missing pages from the start): the source copy carries on with it.
      expect(sb.end).toBeUndefined();
      v = await expectStillAnswering(rr.peer, 1500);
      await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(rr.pid)]);
    }
    console.log(`recovery refused: ${sb.why}; peer: ${v.answered}/${v.sent} answered, all correct, connection ${v.closed ?? 'open'}`);
  });

  it('the source copy is lost mid-transfer (CRIU and the frozen process killed): the incomplete copy is stopped, the connection ends visibly', async () => {
    const rr = await startPair(7106, 6706);
    const initA = status.hosts.find((h) => h.name === 'lab-a')!.initPid!;
    const { code, out, rec } = await migrateWithFault(lazyArgs(rr.pid), /✓ restore/, (soFar) =>
      setTimeout(() => {
        imageDir(soFar, 'restore');
        const sh = readFileSync(`${imageDir(soFar, 'dump')}/dump.pid`, 'utf8').trim();
        execFileSync('nsenter', ['-t', String(initA), '--pid', '--mount', 'sh', '-c', 'kill -KILL "$1" $(pgrep -P "$2")', 'x', String(rr.pid), sh]);
      }, 150),
    );
    expect(code, out).toBe(1);
    expect(rec.splitBrain).toMatchObject({ keep: 'none', stop: ['destination'], end: 'destination', ok: true });
    expect(rec.splitBrain.connectionsEnded).toHaveLength(1);
    const v = await settled(rr.peer);
    expectIntegrity(v);
    expect(v.closed).toBe('reset');
    expect((await hostProcesses('lab-b')).has(rr.pid)).toBe(false);
    expect((await labStatus()).serviceAddress.holder).toBe('lab-a');
    // Announced from lab-a: else the peer keeps answering lab-b's MAC and new connections from lab-a hang.
    expect(rec.splitBrain.actions.join('\n')).toContain('announced 198.18.0.100 from lab-a');
    console.log(`source copy lost: ${rec.splitBrain.why}; peer: ${v.answered}/${v.sent} answered, all correct, connection ${v.closed}`);
  });

  it('the address is claimed on lab-b mid-freeze (lazy): rolled back, the frozen original resumes with its connection intact', async () => {
    const rr = await startPair(7107, 6707);
    const onB = (...argv: string[]) => execFileSync('nsenter', [`--net=/run/netns/${LAB}-b`, ...argv], { stdio: 'ignore' });
    let claimed = false;
    let r;
    try {
      // Once the process is frozen (the preflight saw the address free on lab-b), something else takes it there.
      r = await migrateWithFault(lazyArgs(rr.pid), /freeze started/, (soFar) => {
        imageDir(soFar, 'dump');
        imageDir(soFar, 'restore');
        onB('ip', 'addr', 'add', '198.18.0.100/32', 'dev', 'eth0');
        claimed = true;
      });
    } finally {
      if (claimed) onB('ip', 'addr', 'del', '198.18.0.100/32', 'dev', 'eth0');
    }
    const { code, out, rec } = r;
    expect(code, out).toBe(1);
    expect(rec.error.code).toBe('ADDRESS_MOVE_FAILED');
    expect(rec.rollback).toMatchObject({ attempted: true, ok: true });
    expect(rec.rollback.actions.join('\n')).toMatch(/made the lazy dump on lab-a let go of process/);
    const v = await expectStillAnswering(rr.peer, 1500);
    expect((await hostProcesses('lab-b')).has(rr.pid)).toBe(false);
    expect((await labStatus()).serviceAddress.holder).toBe('lab-a');
    console.log(
      `lazy freeze rolled back: ${rec.rollback.actions.join('; ')}; peer: ${v.answered}/${v.sent} answered, all correct, connection open, largest gap ${v.maxGapMs} ms`,
    );
    await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(rr.pid)]);
  });

  it('a migration whose pages all arrive is untouched by the guard: the peer sees every answer intact', async () => {
    const rr = await startPair(7104, 6704, 100);
    const r = await ferry(['migrate', ...lazyArgs(rr.pid), '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.record.lazyPages.ok).toBe(true);
    await sleep(1000);
    const v = rr.peer();
    expectIntegrity(v);
    expect(v.closed).toBeNull();
    const dir = `/var/lib/ferry/images/${r.json.record.id}-restore`;
    dirs.push(dir, `/var/lib/ferry/images/${r.json.record.id}-dump`);
    expect(readFileSync(`${dir}/lazy-pages.exit`, 'utf8').trim()).toBe('0');
    console.log(
      `complete lazy migration: all pages ${r.json.record.lazyPages.msAfterRestore} ms after the restore; peer: ${v.answered} answered, gap ${v.maxGapMs} ms`,
    );
    const back = await ferry(['migrate', '--from', 'lab-b', '--pid', String(rr.pid), '--to', 'lab-a', '--mode', 'streamed', '--allow-shared-address']);
    expect(back.code, back.stdout).toBe(0);
    await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(rr.pid)]);
  });
});
