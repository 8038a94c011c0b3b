// Rehearsal on the real lab (real CRIU, sshd, nftables, socat), through the contract like the dashboard: a rehearsal
// leaves nothing on either host (image and scratch folders, keys, lock and guard tables, listeners) or on the
// controller (locks), the process keeps serving with its connections intact at the peer; the migration that follows
// keeps the prediction beside its measured freeze. The opt-in real dump (criu dump --leave-running) leaves the
// process running on the source with every connection intact.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rehearsal } from '../../app/contract/contract';
import { memoryTransportPair } from '../../app/contract/memory-transport';
import { createApiClient, type ApiClient } from '../../app/contract/rpc-client';
import { serveContract } from '../../app/contract/rpc-server';
import type { MigrationRecord } from '../../app/model/migration';
import { comparePrediction } from '../../app/rehearsal/compare';
import { createApi, type Api } from '../../main/api/create-api';
import { stateDir } from '../../main/store/record-store';
import { sleep } from './cli';
import { hostProcesses, labDown, labStatus, labUp, startDemo, type LabStatusJson } from './lab-fixture';

/**
 * What can outlive a rehearsal on a host: its folders under the image bases (other labs' migrations share the
 * machine's filesystem, so only a rehearsal's own names count), nft tables, TCP listeners.
 */
async function hostState(api: Api, host: string): Promise<{ files: string[]; tables: string[]; listeners: string[] }> {
  const exec = api.context.controller.exec;
  const files = await exec.run(host, ['sh', '-c', 'ls -1 /var/lib/ferry/images /run/ferry 2>/dev/null; exit 0']);
  const nft = await exec.run(host, ['nft', 'list', 'tables']);
  const ss = await exec.run(host, ['ss', '-Hltn']);
  return {
    files: files.stdout.split('\n').filter((l) => /^(rehearse|link)-r-/.test(l)),
    tables: nft.stdout.split('\n').filter(Boolean).sort(),
    listeners: ss.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/)[3] ?? '')
      .sort(),
  };
}

const lockFiles = () => {
  try {
    return readdirSync(path.join(stateDir(), 'locks')).filter((f) => f.endsWith('.lock'));
  } catch {
    return [];
  }
};

/** The workload's connections are open, intact, never reset or reconnected, and still talking. */
async function expectServing(clientId: string, connections: number, opts: { noResetAnywhere?: boolean } = { noResetAnywhere: true }): Promise<number> {
  const s: LabStatusJson = await labStatus();
  const mine = s.witness!.connections.filter((c) => c.clientId === clientId);
  expect(mine.filter((c) => c.closeReason === 'open')).toHaveLength(connections);
  expect(mine.every((c) => c.closeReason === 'open' && c.intact === true)).toBe(true);
  expect(s.witness!.clients.filter((c) => c.clientId === clientId).every((c) => c.reconnects === 0)).toBe(true);
  if (opts.noResetAnywhere) expect(s.witness!.totals.resets).toBe(0);
  const before = mine.map((c) => c.messages);
  await sleep(1000);
  const after = (await labStatus()).witness!.connections.filter((c) => c.clientId === clientId).map((c) => c.messages);
  after.forEach((m, i) => expect(m).toBeGreaterThan(before[i]! + 10));
  return Math.max(...mine.map((c) => c.maxGapMs));
}

describe('rehearsal', () => {
  let status: LabStatusJson;
  let api: Api;
  let client: ApiClient;
  beforeAll(async () => {
    status = await labUp(4);
    api = await createApi({ userConfig: false, recoverOnStart: false });
    const [clientSide, serverSide] = memoryTransportPair();
    serveContract(serverSide, api.handlers, api.events.source);
    client = createApiClient(clientSide);
    await sleep(500);
  });
  afterAll(async () => {
    await api?.close();
    await labDown();
  });

  async function rehearseClean(req: { from: string; to: string; pid: number; dump?: boolean }): Promise<Rehearsal> {
    const before = { a: await hostState(api, 'lab-a'), b: await hostState(api, 'lab-b'), locks: lockFiles() };
    const r = await client.request('migration:rehearse', req);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) throw new Error('unreachable');
    expect(await hostState(api, 'lab-a')).toEqual(before.a);
    expect(await hostState(api, 'lab-b')).toEqual(before.b);
    expect(lockFiles()).toEqual(before.locks);
    return r.value;
  }

  async function migrate(req: { from: string; to: string; pid: number }): Promise<MigrationRecord> {
    const ended = new Promise<MigrationRecord>((resolve) => {
      client.on('migration:event', (e) => (e.type === 'done' || e.type === 'failed' ? resolve(e.record) : undefined));
    });
    const started = await client.request('migration:start', req);
    expect(started.ok, JSON.stringify(started)).toBe(true);
    return ended;
  }

  it('the demo: nothing left behind, still serving; the migration after it keeps the prediction beside the measurement', async () => {
    const pid = status.demo!.pid;
    const r = await rehearseClean({ from: 'lab-a', to: 'lab-b', pid });
    expect(r.ok, JSON.stringify(r.findings)).toBe(true);
    expect(r.findings.filter((f) => f.severity === 'problem')).toEqual([]);
    expect(r.findings.map((f) => f.check)).toEqual(expect.arrayContaining(['unix sockets', 'descriptors', 'mappings', 'namespaces']));
    expect(r.preview.readiness.source.length).toBeGreaterThan(0);
    expect(r.preview.readiness.destination.length).toBeGreaterThan(0);
    expect(r.link?.bandwidthMiBps).toBeGreaterThan(1);
    expect(r.hosts?.source.criuStartMs).toBeGreaterThan(0);
    expect(r.workload).toMatchObject({ processes: 1, connections: 4, memoryBasis: 'rss-anon' });
    expect(r.dump).toBeUndefined();
    expect(r.predictions.map((p) => [p.mode, p.ok])).toEqual([
      ['streamed', true],
      ['staged', true],
      ['lazy', true],
    ]);
    for (const p of r.predictions) expect(p.ms).toBeGreaterThan(0);
    expect(r.predictions.find((p) => p.mode === 'lazy')?.memory.inFreezeMiB).toBe(0);
    await expectServing('demo', 4);

    const rec = await migrate({ from: 'lab-a', to: 'lab-b', pid });
    expect(rec.outcome, JSON.stringify(rec.error)).toBe('succeeded');
    expect(rec.prediction).toMatchObject({ from: 'rehearsal', rehearsalId: r.id, mode: rec.plan?.transferMode });
    const c = comparePrediction(rec);
    expect(c?.total.measuredMs).toBe(rec.freeze?.ms);
    expect(c?.parts.filter((p) => p.measuredMs !== undefined && p.predictedMs !== undefined).length).toBeGreaterThanOrEqual(5);
    console.log(`demo ${rec.plan?.transferMode}: predicted ${c?.total.predictedMs} ms, measured ${c?.total.measuredMs} ms (${c?.total.errorPct} %)`);

    // Back without a rehearsal: the preflight's prediction, calibrated with the record just made.
    const back = await migrate({ from: 'lab-b', to: 'lab-a', pid });
    expect(back.outcome, JSON.stringify(back.error)).toBe('succeeded');
    expect(back.prediction?.from).toBe('preflight');
    expect(back.prediction?.inputs.calibratedWith).toBeGreaterThanOrEqual(1);
    await expectServing('demo', 4);
  });

  it('64 MiB, 20 connections, with the real dump: the process keeps running on the source with its connections intact', async () => {
    // The lab's demo holds the same service address: it stops first (the rehearsal would report ADDRESS_CONFLICT).
    await api.context.controller.exec.run('lab-a', ['kill', String(status.demo!.pid)]);
    const w = await startDemo('reh64', { pid: 6420, connections: 20, extra: ['--rss-mib', '64'] });
    const serving = () => expectServing('reh64', 20, {});
    try {
      const gapBefore = await serving();
      const r = await rehearseClean({ from: 'lab-a', to: 'lab-b', pid: w.pid, dump: true });
      expect(r.ok, JSON.stringify(r.findings)).toBe(true);
      expect(r.dump?.wallMs).toBeGreaterThan(0);
      expect(r.dump?.pagesWritten).toBeGreaterThan((64 * 256) / 2);
      expect(r.workload?.privateMiB).toBeGreaterThan(60);
      expect((await hostProcesses('lab-a')).has(w.pid)).toBe(true);
      expect((await hostProcesses('lab-b')).has(w.pid)).toBe(false);
      const gap = await serving();
      console.log(`real dump: ${JSON.stringify(r.dump)}; peer's largest gap ${gapBefore} → ${gap} ms`);
      const p = r.predictions.find((x) => x.mode === r.mode);
      expect(p?.parts.find((x) => x.name === 'criu dump')?.basis).toMatch(/real dump/);

      const rec = await migrate({ from: 'lab-a', to: 'lab-b', pid: w.pid });
      expect(rec.outcome, JSON.stringify(rec.error)).toBe('succeeded');
      expect(rec.prediction?.from).toBe('rehearsal');
      expect(rec.prediction?.inputs.dump?.wallMs).toBe(r.dump?.wallMs);
      const c = comparePrediction(rec);
      console.log(`64 MiB/20 ${rec.plan?.transferMode}: predicted ${c?.total.predictedMs} ms, measured ${c?.total.measuredMs} ms (${c?.total.errorPct} %)`);
      await serving();
    } finally {
      await api.context.controller.exec.run('lab-b', ['kill', String(w.pid)]).catch(() => undefined);
      await api.context.controller.exec.run('lab-a', ['kill', String(w.pid)]).catch(() => undefined);
    }
  });
});
