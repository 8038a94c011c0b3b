import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MigrationRecord } from '../model/migration';
import type { Marker } from '../parse/markers';
import { freezeBreakdown } from './freeze-parts';
import { timingSummary } from './timing';

const fixture = (name: string) => readFileSync(new URL(`../parse/fixtures/${name}`, import.meta.url), 'utf8');
const captured = (name: string) =>
  JSON.parse(fixture(name)) as { mode: 'streamed' | 'lazy'; freezeMs: number; markers: { source: Marker[]; destination: Marker[] } };
const sum = (ps: { ms: number }[]) => ps.reduce((n, p) => n + p.ms, 0);
const part = (ps: { name: string; ms: number; detail?: string }[], name: string) => ps.find((p) => p.name === name);
/** The breakdown of a captured migration (its record's markers and freeze, with its CRIU logs). */
const capturedBreakdown = (record: string, dumpLog: string, restoreLog: string, imagesVia?: 'direct') => {
  const c = captured(record);
  const parts =
    freezeBreakdown({
      mode: c.mode,
      freezeMs: c.freezeMs,
      ...c.markers,
      dumpLog: fixture(dumpLog),
      restoreLog: fixture(restoreLog),
      ...(imagesVia ? { imagesVia } : {}),
    }) ?? [];
  return { c, parts };
};

describe('freeze breakdown (markers + CRIU log times)', () => {
  it('streamed through the relays: no stall at the page-server close, and the parts add up to the window', () => {
    const c = captured('freeze-streamed-relay.json');
    const parts = freezeBreakdown({
      mode: c.mode,
      freezeMs: c.freezeMs,
      ...c.markers,
      dumpLog: fixture('criu-dump-streamed-relay.log'),
      restoreLog: fixture('criu-restore-streamed-relay.log'),
    });
    expect(parts?.map((p) => p.name)).toEqual([
      'criu dump: freeze, collect, send pages',
      'criu dump: page-server close',
      'criu dump: unfreeze, finish',
      'criu dump: start and exit',
      'source: address removed',
      'images through the controller',
      'destination: address added',
      'criu restore',
      'criu restore: start and exit',
      'signals (controller ↔ hosts)',
    ]);
    expect(sum(parts ?? [])).toBeCloseTo(c.freezeMs, 0);
    const close = part(parts ?? [], 'criu dump: page-server close');
    expect(close?.ms).toBeLessThan(20);
    expect(close?.detail).not.toMatch(/stall/);
    // The dump's parts are the dump script's span (dump-start → dump-done on the source's clock).
    const span = (c.markers.source.find((m) => m.name === 'dump-done')?.atMs ?? 0) - (c.markers.source.find((m) => m.name === 'dump-start')?.atMs ?? 0);
    expect(sum((parts ?? []).filter((p) => p.name.startsWith('criu dump')))).toBeCloseTo(span, 0);
  });

  it('a pre-started CRIU (criu swrk): its request, its log, its set-up and its answer as parts; the parts add up', () => {
    // A real streamed migration of the demo workload with both CRIUs started before the freeze (load ~10).
    const { c, parts } = capturedBreakdown('freeze-streamed-swrk.json', 'criu-dump-swrk.log', 'criu-restore-swrk.log', 'direct');
    expect(parts.map((p) => p.name)).toEqual([
      'source: connections locked',
      'criu dump: request to the pre-started CRIU',
      'criu dump: freeze, collect, send pages',
      'criu dump: page-server close',
      'criu dump: unfreeze, finish',
      'criu dump: reads the request, opens its log',
      'criu dump: answer and client exit',
      'source: address removed',
      'images to the destination',
      'destination: address added',
      'criu restore: request to the pre-started CRIU',
      'criu restore',
      'criu restore: unlock script',
      'criu restore: CRIU network unlock',
      'criu restore: reads the request, opens its log',
      'criu restore: answer and client exit',
      'signals (controller ↔ hosts)',
    ]);
    expect(parts.some((p) => p.name.endsWith('start and exit'))).toBe(false);
    // The client runs the unlock script while CRIU waits on its post-restore notification (`RPC` in the log).
    expect(part(parts, 'criu restore: unlock script')?.ms).toBeCloseTo(2.9, 1);
    const at = (side: Marker[], n: string) => side.find((m) => m.name === n)?.atMs ?? NaN;
    expect(part(parts, 'criu dump: request to the pre-started CRIU')?.ms).toBeCloseTo(
      at(c.markers.source, 'dump-requested') - at(c.markers.source, 'locked'),
      0,
    );
    expect(sum(parts)).toBeCloseTo(c.freezeMs, 0);
    expect(parts.every((p) => p.ms >= 0)).toBe(true);
  });

  it('lazy, both CRIUs pre-started: the dump up to its ready byte, the daemon fed while the address moves; the parts add up', () => {
    // A real lazy migration of the demo (lazy dump through criu swrk, daemon started before the freeze, load ~19).
    const { c, parts } = capturedBreakdown('freeze-lazy-swrk.json', 'criu-dump-lazy-swrk.log', 'criu-restore-lazy-swrk.log', 'direct');
    expect(parts.map((p) => p.name)).toEqual([
      'source: connections locked',
      'criu dump: request to the pre-started CRIU',
      'criu dump: freeze, collect (memory stays)',
      'criu dump: reads the request, opens its log',
      'criu dump: ready signal and client exit',
      'source: address removed',
      'images to the destination',
      'destination: address added',
      'lazy-pages daemon start',
      'criu restore: request to the pre-started CRIU',
      'criu restore',
      'criu restore: unlock script',
      'criu restore: CRIU network unlock',
      'criu restore: reads the request, opens its log',
      'criu restore: answer and client exit',
      'signals (controller ↔ hosts)',
    ]);
    const at = (side: Marker[], n: string) => side.find((m) => m.name === n)?.atMs ?? NaN;
    const d = c.markers.destination;
    // CRIU's own part ends at its status-ready line (146.1 ms into its log), not at its answer (after the pages).
    expect(part(parts, 'criu dump: freeze, collect (memory stays)')?.ms).toBeCloseTo(146.1, 1);
    expect(part(parts, 'criu dump: ready signal and client exit')?.ms).toBeCloseTo(at(c.markers.source, 'dump-done') - at(c.markers.source, 'dump-ready'), 0);
    // The address move starts at `received`; the daemon's part is only what the move did not cover.
    expect(part(parts, 'destination: address added')?.ms).toBeCloseTo(at(d, 'address-added') - at(d, 'received'), 0);
    expect(part(parts, 'lazy-pages daemon start')?.ms).toBeCloseTo(at(d, 'lazy-pages-started') - at(d, 'address-added'), 0);
    expect(part(parts, 'criu restore: request to the pre-started CRIU')?.ms).toBeCloseTo(at(d, 'restore-requested') - at(d, 'lazy-pages-started'), 0);
    expect(parts.some((p) => p.name.endsWith('start and exit'))).toBe(false);
    expect(parts.every((p) => p.ms >= 0)).toBe(true);
    expect(sum(parts)).toBeCloseTo(c.freezeMs, 0);
  });

  it("the restore's unlock as its own parts (the action script, CRIU's own nft unlock), the images host to host", () => {
    // A real restore log (demo workload, streamed, lab-b; the pre-lock deleted by the action script: 26 ms).
    const m = (name: string, atMs: number): Marker => ({ name, atMs: 1_000_000 + atMs });
    const source = [m('armed', -50), m('dump-start', 0), m('dump-done', 60), m('address-removed', 64)];
    const destination = [m('armed', -60), m('received', 70), m('address-added', 74), m('restored', 144)];
    const parts =
      freezeBreakdown({ mode: 'streamed', freezeMs: 150, source, destination, restoreLog: fixture('criu-restore-streamed-unlock.log'), imagesVia: 'direct' }) ??
      [];
    expect(parts.map((p) => p.name)).toEqual([
      'criu dump',
      'source: address removed',
      'images to the destination',
      'destination: address added',
      'criu restore',
      'criu restore: unlock script',
      'criu restore: CRIU network unlock',
      'criu restore: start and exit',
      'signals (controller ↔ hosts)',
    ]);
    expect(part(parts, 'criu restore: unlock script')?.ms).toBeCloseTo(26.0, 1);
    expect(part(parts, 'criu restore: CRIU network unlock')?.ms).toBeCloseTo(7.4, 1);
    expect(part(parts, 'images to the destination')?.ms).toBe(6);
    expect(sum(parts.filter((p) => p.name.startsWith('criu restore')))).toBeCloseTo(70, 0);
    expect(sum(parts)).toBeCloseTo(150, 0);
  });

  it("Ferry's source lock (the locked marker) is its own part, before the dump's", () => {
    const m = (name: string, atMs: number): Marker => ({ name, atMs: 1_000_000 + atMs });
    const source = [m('dump-start', 0), m('locked', 4), m('dump-done', 60), m('address-removed', 64)];
    const destination = [m('received', 70), m('address-added', 74), m('restored', 144)];
    const parts = freezeBreakdown({ mode: 'streamed', freezeMs: 150, source, destination }) ?? [];
    expect(parts.slice(0, 2)).toMatchObject([
      { name: 'source: connections locked', ms: 4 },
      { name: 'criu dump', ms: 56 },
    ]);
    expect(sum(parts)).toBeCloseTo(150, 0);
  });

  it("the address hook's move is its own part on each side, beside the address's own remove and add", () => {
    const m = (name: string, atMs: number): Marker => ({ name, atMs: 1_000_000 + atMs });
    const source = [m('dump-start', 0), m('dump-done', 60), m('hook-start', 61), m('hook-done', 101), m('address-removed', 102)];
    const destination = [m('received', 110), m('hook-start', 112), m('hook-done', 182), m('address-added', 183), m('restored', 250)];
    const parts = freezeBreakdown({ mode: 'streamed', freezeMs: 260, source, destination }) ?? [];
    expect(parts.map((p) => [p.name, p.ms])).toEqual([
      ['criu dump', 60],
      ['source: address removed', 2],
      ['source: address hook (move)', 40],
      ['images through the controller', 8],
      ['destination: address added', 3],
      ['destination: address hook (move)', 70],
      ['criu restore', 67],
      ['signals (controller ↔ hosts)', 10],
    ]);
    expect(sum(parts)).toBeCloseTo(260, 0);
  });

  it('a dump straight to a TCP page server shows the ~200 ms cork stall as its own part', () => {
    // The log is from a real dump over TCP (before the relays); the markers follow that run's step times
    // (dump 242 ms, images 7, address 3, restore 62; freeze 317 ms).
    const m = (name: string, atMs: number): Marker => ({ name, atMs: 1_000_000 + atMs });
    const source = [m('armed', -50), m('dump-start', 0), m('dump-done', 242), m('address-removed', 244)];
    const destination = [m('armed', -60), m('received', 249), m('address-added', 252), m('restored', 314)];
    const parts = freezeBreakdown({ mode: 'streamed', freezeMs: 317, source, destination, dumpLog: fixture('criu-dump-streamed-cork-stall.log') }) ?? [];
    const close = part(parts, 'criu dump: page-server close');
    expect(close?.ms).toBeCloseTo(207.7, 1);
    expect(close?.detail).toMatch(/cork stall/);
    expect(part(parts, 'criu dump: freeze, collect, send pages')?.ms).toBeCloseTo(25.7, 1);
    expect(part(parts, 'criu restore')?.ms).toBe(62);
    expect(sum(parts)).toBeCloseTo(317, 0);
  });

  it('lazy with TLS: the dump without memory, the lazy-pages daemon start, and the parts add up', () => {
    const { c, parts } = capturedBreakdown('freeze-lazy-tls.json', 'criu-dump-lazy-tls.log', 'criu-restore-lazy-tls.log');
    expect(parts.map((p) => p.name)).toContain('lazy-pages daemon start');
    expect(part(parts, 'criu dump: freeze, collect (memory stays)')?.ms).toBeCloseTo(30.5, 1);
    expect(part(parts, 'criu dump: page-server close')).toBeUndefined();
    expect(sum(parts)).toBeCloseTo(c.freezeMs, 0);
    expect(parts.every((p) => p.ms >= 0)).toBe(true);
  });

  it('lazy at 1 GiB: the dump’s memory steps are parts of their own, carved out of the dump, and the parts add up', () => {
    const c = captured('freeze-lazy-1g.json');
    const parts = freezeBreakdown({ mode: c.mode, freezeMs: c.freezeMs, ...c.markers, dumpLog: fixture('criu-dump-lazy-1g-memory.log') }) ?? [];
    const dump = parts.filter((p) => p.name.startsWith('criu dump')).map((p) => [p.name, p.ms]);
    expect(dump).toEqual([
      ['criu dump: freeze, collect (memory stays)', 24.7],
      ['criu dump: memory: mappings (smaps)', 20.3],
      ['criu dump: memory: pagemap scan', 32.7],
      ['criu dump: memory: pages pinned in pipes', 55.3],
      ['criu dump: start and exit', 11.5],
    ]);
    expect(part(parts, 'criu dump: memory: pagemap scan')?.detail).toMatch(/266,096 resident pages/);
    expect(sum(parts)).toBeCloseTo(c.freezeMs, 0);
    expect(parts.every((p) => p.ms >= 0)).toBe(true);
  });

  it('without logs the dump and restore are one part each; a missing marker gives no breakdown', () => {
    const c = captured('freeze-streamed-relay.json');
    const parts = freezeBreakdown({ mode: 'streamed', freezeMs: c.freezeMs, ...c.markers }) ?? [];
    expect(parts.filter((p) => p.name.startsWith('criu dump')).map((p) => p.name)).toEqual(['criu dump']);
    expect(sum(parts)).toBeCloseTo(c.freezeMs, 0);
    expect(
      freezeBreakdown({ mode: 'streamed', freezeMs: 100, source: c.markers.source, destination: c.markers.destination.filter((x) => x.name !== 'restored') }),
    ).toBeUndefined();
    expect(freezeBreakdown({ mode: 'lazy', freezeMs: 100, ...c.markers })).toBeUndefined();
  });

  it('the review lays the parts end to end from the freeze start, with their share of the window', () => {
    const c = captured('freeze-streamed-relay.json');
    const freezeParts = freezeBreakdown({ mode: 'streamed', freezeMs: c.freezeMs, ...c.markers }) ?? [];
    const r = {
      id: 'm',
      request: { from: 'a', to: 'b', pid: 1, addresses: [], budgetMs: 60_000, keepImages: false },
      startedAt: 0,
      endedAt: 1000,
      outcome: 'succeeded',
      steps: [],
      connections: [],
      logs: {},
      warnings: [],
      freeze: { startedAt: 500, endedAt: 500 + c.freezeMs, ms: c.freezeMs },
      freezeParts,
    } satisfies MigrationRecord;
    const t = timingSummary(r);
    expect(t.freezeParts?.[0]?.startMs).toBe(500);
    const last = t.freezeParts?.at(-1);
    expect((last?.startMs ?? 0) + (last?.ms ?? 0)).toBeCloseTo(500 + c.freezeMs, -1);
    expect(sum((t.freezeParts ?? []).map((p) => ({ ms: p.share })))).toBeCloseTo(1, 2);
  });
});
