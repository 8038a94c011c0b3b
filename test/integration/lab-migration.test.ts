// The demo workload migrates lab-a → lab-b → lab-a with its connections intact, as the witness on the peer sees them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry, sleep } from './cli';
import { hostProcesses, labDown, labStatus, labUp, type LabStatusJson } from './lab-fixture';

describe('lab: demo workload round trip', () => {
  let demoPid: number;
  const freezes: number[] = [];

  beforeAll(async () => {
    const s = await labUp(4);
    expect(s.up).toBe(true);
    expect(s.serviceAddress.holder).toBe('lab-a');
    demoPid = s.demo!.pid;
    await sleep(500);
  });
  afterAll(async () => {
    await labDown();
  });

  async function migrateDemo(from: string, to: string, mode: 'streamed' | 'staged' | 'lazy') {
    const r = await ferry(['migrate', '--from', from, '--pid', String(demoPid), '--to', to, '--mode', mode, '--json']);
    if (r.code !== 0) throw new Error(`migrate ${from}→${to} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    const rec = r.json.record;
    expect(rec.outcome).toBe('succeeded');
    expect(rec.steps.map((s: any) => s.status).every((x: string) => x === 'ok')).toBe(true);
    expect(rec.freeze.ms).toBeGreaterThan(0);
    expect(rec.freeze.ms).toBeLessThan(rec.request.budgetMs);
    expect(rec.connections).toHaveLength(4);
    expect(rec.connections.every((c: any) => c.ok && c.after.state === 'ESTAB' && c.after.owners.some((o: any) => o.pid === demoPid))).toBe(true);
    // Lazy mode moves the pages after the restore, straight into memory: only the other images are stored.
    expect(rec.imageBytes).toBeGreaterThan(mode === 'lazy' ? 10_000 : 1024 * 1024);
    expect(rec.plan.addresses.map((a: any) => a.address)).toEqual(['198.18.0.100']);
    expect(rec.plan.transferMode).toBe(mode);
    expect(rec.steps.map((s: any) => s.name)).toEqual([
      'connect',
      'preflight',
      'prepare',
      'lock-destination',
      'dump',
      'transfer',
      'move-address',
      'restore',
      'verify',
      'cleanup',
    ]);
    expect(rec.warnings).toEqual([]);
    if (mode === 'lazy') expect(rec.lazyPages).toMatchObject({ ok: true, msAfterRestore: expect.any(Number) });
    expect(r.json.witness).toMatchObject({ connections: 4, resets: 0, reconnects: 0, intact: true });
    freezes.push(rec.freeze.ms);
    return r.json;
  }

  it('moves lab-a → lab-b (pages streamed to a page server): process, connections and service address', async () => {
    const out = await migrateDemo('lab-a', 'lab-b', 'streamed');
    const s = await labStatus();
    expect(s.serviceAddress.holder).toBe('lab-b');
    const onB = await hostProcesses('lab-b');
    expect(onB.get(demoPid)?.args).toContain('demo-workload');
    const onA = await hostProcesses('lab-a');
    expect(onA.has(demoPid)).toBe(false);
    // The peer saw one pause: the freeze (measured on the controller, so a little longer than what the peer saw).
    expect(out.witness.maxGapMs).toBeGreaterThan(out.record.freeze.ms / 2);
    expect(out.witness.maxGapMs).toBeLessThan(out.record.freeze.ms + 100);
  });

  it('moves it back lab-b → lab-a (images staged on disk and copied)', async () => {
    await sleep(300);
    await migrateDemo('lab-b', 'lab-a', 'staged');
    expect((await labStatus()).serviceAddress.holder).toBe('lab-a');
  });

  it('moves it lab-a → lab-b with lazy pages, and back streamed', async () => {
    await sleep(300);
    await migrateDemo('lab-a', 'lab-b', 'lazy');
    await sleep(300);
    await migrateDemo('lab-b', 'lab-a', 'streamed');
    expect((await labStatus()).serviceAddress.holder).toBe('lab-a');
  });

  it('the witness saw no reset, no reconnect and intact streams, with the largest gap per connection', async () => {
    await sleep(500);
    const s: LabStatusJson = await labStatus();
    const w = s.witness!;
    const demo = w.connections.filter((c) => c.clientId === 'demo');
    expect(demo).toHaveLength(4);
    for (const c of demo) {
      expect(c.closeReason).toBe('open');
      expect(c.intact).toBe(true);
      // Four freezes, each a gap the witness recorded.
      expect(c.recentGaps.filter((g) => g.ms >= 50).length).toBeGreaterThanOrEqual(4);
      expect(c.maxGapMs).toBeGreaterThanOrEqual(Math.min(...freezes) / 2);
      expect(c.maxGapMs).toBeLessThan(60_000);
      console.log(`witness ${c.remote}: largest gap ${c.maxGapMs} ms, gaps ${c.recentGaps.map((g) => g.ms).join('/')} ms, ${c.messages} messages`);
    }
    expect(w.clients.filter((c) => c.clientId === 'demo').every((c) => c.reconnects === 0)).toBe(true);
    expect(w.totals.resets).toBe(0);
    expect(w.totals.brokenStreams).toBe(0);
    console.log(`freeze windows: ${freezes.join(', ')} ms`);
  });

  it('refuses a second migration of the same process while the first runs', async () => {
    const first = ferry(['migrate', '--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b', '--json']);
    await sleep(400);
    const second = await ferry(['migrate', '--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b', '--json']);
    expect(second.code).toBe(1);
    const err = second.json.error ?? second.json.record?.error;
    expect(err.code).toBe('BUSY');
    expect(err.message).toContain('m-');
    const r = await first;
    expect(r.json.record.outcome).toBe('succeeded');
    await migrateDemo('lab-b', 'lab-a', 'streamed');
  });
});
