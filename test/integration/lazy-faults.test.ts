// Lazy mode's broken page transfers, produced for real under a request/response pair (test/integration/rr/):
// the peer sends a request every 10 ms to a process on lab-a holding 400 MiB whose every page holds a known
// pattern, and checks each reply (answered once, in order, by a copy that has answered exactly that many, with
// the pattern intact). Whatever breaks, the peer must never see a wrong, stale or zero-page reply, nor a
// connection that stays open without answers: either the connection carries on intact or it ends (reset).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ferry, sleep } from './cli';
import { migrateWithFault } from './fault-run';
import { hostProcesses, labDown, labExecLog, labStatus, labUp, type LabStatusJson } from './lab-fixture';

const LAB = process.env.FERRY_LAB ?? 'ferry';
const RR = path.join(REPO, 'test/integration/rr');

interface PeerVerdict {
  connected: boolean; sent: number; answered: number; problems: string[]; zeroPages: number;
  closed: string | null; maxGapMs: number; waitingSinceMs: number | null; pages?: number;
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
  const lazyArgs = (pid: number) => ['--from', 'lab-a', '--pid', String(pid), '--to', 'lab-b', '--mode', 'lazy', '--allow-shared-address', '--keep-images'];
  beforeAll(async () => {
    status = await labUp(2);
    await sleep(500);
  });
  afterAll(async () => {
    await labDown();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the page connection is destroyed mid-transfer: no stale resume; the connection ends visibly, the source copy lives', async () => {
    const rr = await startPair(7101, 6701);
    const { code, out, rec } = await migrateWithFault(lazyArgs(rr.pid), /✓ restore/, (soFar) =>
      setTimeout(() => imageDir(soFar, 'dump') && imageDir(soFar, 'restore') && execFileSync('nsenter', [`--net=/run/netns/${LAB}-a`, 'ss', '-K', 'src', '198.18.0.2', 'dst', '198.18.0.3'], { stdio: 'ignore' }), 150),
    );
    expect(code, out).toBe(1);
    const sb = rec.splitBrain;
    // The destination copy answered requests: its streams moved, so the source copy must not resume them.
    expect(sb.facts.streams.moved).toBe(1);
    expect(sb).toMatchObject({ keep: 'source', stop: ['destination'], end: 'destination', ok: true });
    expect(sb.connectionsEnded).toHaveLength(1);
    const v = await settled(rr.peer);
    expectIntegrity(v);
    expect(v.closed).toBe('reset');
    // The source copy was resumed (and saw its connection gone); nothing of it is left on lab-b.
    await sleep(500);
    expect((await hostProcesses('lab-b')).has(rr.pid)).toBe(false);
    expect(readFileSync(rr.log, 'utf8')).toMatch(/connection ended/);
    expect((await labStatus()).serviceAddress.holder).toBe('lab-a');
    console.log(`page connection destroyed: ${sb.why}; peer: ${v.answered}/${v.sent} answered, all correct, connection ${v.closed}`);
  });

  it('the lazy-pages daemon is killed 100 ms after the restore: no zero page reaches the process; the connection ends visibly', async () => {
    const rr = await startPair(7102, 6702);
    const initB = status.hosts.find((h) => h.name === 'lab-b')!.initPid!;
    let killed = '';
    const { code, out, rec } = await migrateWithFault(lazyArgs(rr.pid), /✓ restore/, (soFar) =>
      setTimeout(() => {
        const dir = imageDir(soFar, 'restore');
        killed = readFileSync(`${dir}/lazy-pages.pid`, 'utf8').trim();
        execFileSync('nsenter', ['-t', String(initB), '--pid', '--mount', 'kill', '-KILL', killed]);
      }, 100),
    );
    expect(killed).not.toBe('');
    expect(code, out).toBe(1);
    const dir = imageDir(out, 'restore');
    // The daemon died by SIGKILL; the guard held the process's userfaultfd (and the page connection).
    expect(readFileSync(`${dir}/lazy-pages.exit`, 'utf8').trim()).toBe('137');
    expect(readFileSync(`${dir}/lazy-pages.held`, 'utf8')).toMatch(/uffd:\d+/);
    expect(rec.lazyPages.detail).toMatch(/killed by signal 9/);
    expect(rec.splitBrain).toMatchObject({ keep: 'source', end: 'destination', ok: true });
    const v = await settled(rr.peer);
    expectIntegrity(v);
    expect(v.closed).toBe('reset');
    console.log(`lazy-pages daemon killed: ${rec.splitBrain.why}; peer: ${v.answered}/${v.sent} answered, ${v.zeroPages} zero pages, connection ${v.closed}`);
  });

  it("the source's lazy page server (criu dump) is killed: the source copy stays stopped and is resumed; the connection ends visibly", async () => {
    const rr = await startPair(7103, 6703);
    const initA = status.hosts.find((h) => h.name === 'lab-a')!.initPid!;
    const { code, out, rec } = await migrateWithFault(lazyArgs(rr.pid), /✓ restore/, (soFar) =>
      setTimeout(() => {
        const sh = readFileSync(`${imageDir(soFar, 'dump')}/dump.pid`, 'utf8').trim();
        execFileSync('nsenter', ['-t', String(initA), '--pid', '--mount', 'pkill', '-KILL', '-P', sh]);
      }, 150),
    );
    expect(code, out).toBe(1);
    expect(rec.splitBrain).toMatchObject({ keep: 'source', ok: true });
    expect(rec.splitBrain.facts.sourceRuns).toBe(true);
    const v = await settled(rr.peer);
    expectIntegrity(v);
    expect(v.closed).toBe('reset');
    await sleep(500);
    expect(readFileSync(rr.log, 'utf8')).toMatch(/connection ended/);
    console.log(`source page server killed: ${rec.splitBrain.why}; peer: ${v.answered}/${v.sent} answered, all correct, connection ${v.closed}`);
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
    console.log(`complete lazy migration: all pages ${r.json.record.lazyPages.msAfterRestore} ms after the restore; peer: ${v.answered} answered, gap ${v.maxGapMs} ms`);
    await ferry(['lab', 'exec', 'lab-b', '--', 'kill', String(rr.pid)]);
  });
});
