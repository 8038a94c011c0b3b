import { describe, expect, it } from 'vitest';
import type { FreezePart, MigrationRecord } from '../model/migration';
import type { HostCosts, WorkloadFacts } from '../model/prediction';
import { calibrate, type CalibrationSample } from './calibration';
import { comparePrediction, errorPct } from './compare';
import { hostScale, memoryInFreeze, predictMode, REFERENCE_HOST } from './freeze-model';
import { foldParts, PART } from './part-names';

const demo: WorkloadFacts = { processes: 1, threads: 11, connections: 4, privateMiB: 11, sharedMiB: 0, memoryBasis: 'rss-anon' };
const host: HostCosts = { rttMs: 50, criuStartMs: 24, nftMs: 8, ipMs: 8 };
const sum = (ps: { ms: number }[]) => ps.reduce((n, p) => n + p.ms, 0);

describe('freeze model', () => {
  it('the parts add up to the window and carry the names of the measured breakdown', () => {
    for (const mode of ['streamed', 'staged', 'lazy'] as const) {
      const p = predictMode({
        mode,
        workload: demo,
        source: host,
        destination: host,
        link: { bandwidthMiBps: 200 },
        imagesVia: mode === 'staged' ? 'controller' : 'direct',
      });
      expect(sum(p.parts)).toBeCloseTo(p.ms, 0);
      expect(p.parts.map((x) => x.name)).toContain(PART.dump);
      expect(p.parts.map((x) => x.name)).toContain(PART.restore);
      expect(p.parts.some((x) => x.name === PART.lock)).toBe(mode !== 'staged');
      expect(p.parts.some((x) => x.name === PART.lazyDaemon)).toBe(mode === 'lazy');
    }
  });

  it('memory: lazy leaves the private memory out of the freeze but never the shared memory', () => {
    const w = { ...demo, privateMiB: 1024, sharedMiB: 100 };
    expect(memoryInFreeze('lazy', w)).toEqual({ inFreezeMiB: 100, lazyMiB: 1024 });
    expect(memoryInFreeze('streamed', w)).toEqual({ inFreezeMiB: 1124, lazyMiB: 0 });
    const args = { workload: w, source: host, destination: host, link: { bandwidthMiBps: 200 }, imagesVia: 'direct' as const };
    const streamed = predictMode({ ...args, mode: 'streamed' });
    const lazy = predictMode({ ...args, mode: 'lazy' });
    // 1,124 MiB at 200 MiB/s is 5.6 s of the streamed freeze; lazy copies 100 MiB.
    expect(streamed.ms).toBeGreaterThan(5620);
    expect(lazy.ms).toBeLessThan(streamed.ms / 3);
    expect(lazy.memory.ms).toBeGreaterThan(500);
  });

  it('a slower link makes the streamed freeze longer, not the lazy one (without shared memory)', () => {
    const big = { ...demo, privateMiB: 256 };
    const at = (mode: 'streamed' | 'lazy', bw: number) =>
      predictMode({ mode, workload: big, source: host, destination: host, link: { bandwidthMiBps: bw }, imagesVia: 'direct' }).ms;
    expect(at('streamed', 100) - at('streamed', 200)).toBeCloseTo(1280, -1);
    expect(Math.abs(at('lazy', 100) - at('lazy', 200))).toBeLessThan(5);
  });

  it('a loaded host (slow CRIU start) scales the CPU parts', () => {
    expect(hostScale(REFERENCE_HOST)).toBe(1);
    const slow = { ...host, criuStartMs: host.criuStartMs * 3 };
    const a = predictMode({ mode: 'lazy', workload: demo, source: host, destination: host, imagesVia: 'direct' });
    const b = predictMode({ mode: 'lazy', workload: demo, source: slow, destination: slow, imagesVia: 'direct' });
    expect(b.ms).toBeGreaterThan(a.ms * 1.8);
  });

  it('the real dump replaces the dump part: its time without the page writes, plus the mode’s memory', () => {
    const p = predictMode({
      mode: 'streamed',
      workload: demo,
      source: host,
      destination: host,
      link: { bandwidthMiBps: 110 },
      dump: { wallMs: 180, memwriteMs: 30 },
      imagesVia: 'direct',
    });
    const dump = p.parts.find((x) => x.name === PART.dump);
    expect(dump?.baseMs).toBe(150);
    expect(dump?.memoryMs).toBe(100);
    expect(dump?.basis).toMatch(/real dump/);
  });
});

describe('calibration from past migrations', () => {
  const measured = (scale: number): FreezePart[] => {
    const p = predictMode({ mode: 'lazy', workload: demo, source: host, destination: host, link: { bandwidthMiBps: 200 }, imagesVia: 'direct' });
    return p.parts.map((x) => ({
      name: x.name === PART.dump ? 'criu dump: freeze, collect (memory stays)' : x.name,
      ms: x.baseMs * scale + x.memoryMs,
      host: 'source' as const,
    }));
  };
  const sample = (scale: number): CalibrationSample => ({
    mode: 'lazy',
    imagesVia: 'direct',
    workload: demo,
    source: host,
    destination: host,
    link: { bandwidthMiBps: 200 },
    freezeMs: sum(measured(scale)),
    parts: measured(scale),
  });

  it('the median ratio per part corrects the next prediction', () => {
    const f = calibrate([sample(2), sample(2.2), sample(1.8)]);
    expect(f.lazy?.[PART.dump]?.factor).toBeCloseTo(2, 1);
    expect(f.lazy?.[PART.dump]?.records).toBe(3);
    // Streamed has no record of its own: the parts it shares with lazy take lazy's factors, CRIU's parts the load
    // those shared parts show.
    expect(f.streamed?.[PART.signals]?.factor).toBeCloseTo(2, 1);
    expect(f.streamed?.[PART.restore]?.factor).toBeCloseTo(2, 1);
    expect(f.streamed?.[PART.restore]?.records).toBe(15);
    const plain = predictMode({ mode: 'lazy', workload: demo, source: host, destination: host, link: { bandwidthMiBps: 200 }, imagesVia: 'direct' });
    const fixed = predictMode({
      mode: 'lazy',
      workload: demo,
      source: host,
      destination: host,
      link: { bandwidthMiBps: 200 },
      imagesVia: 'direct',
      factors: f,
    });
    expect(fixed.ms).toBeCloseTo(sum(measured(2)), -1);
    expect(fixed.ms).toBeGreaterThan(plain.ms * 1.8);
  });

  it('ratios are bounded (one odd record cannot make the model absurd)', () => {
    const f = calibrate([sample(40)]);
    expect(f.lazy?.[PART.dump]?.factor).toBe(4);
  });

  it('staged calibrates on the whole window', () => {
    const p = predictMode({ mode: 'staged', workload: demo, source: host, destination: host, imagesVia: 'controller' });
    const base = sum(p.parts.map((x) => ({ ms: x.baseMs })));
    const f = calibrate([{ mode: 'staged', imagesVia: 'controller', workload: demo, source: host, destination: host, freezeMs: base * 1.5 + p.memory.ms }]);
    expect(f.staged?.[PART.dump]?.factor).toBeCloseTo(1.5, 1);
    expect(f.lazy).toBeUndefined();
  });
});

describe('predicted against measured', () => {
  it('folds the measured sub-parts into the predicted names', () => {
    expect(
      foldParts([
        { name: 'criu dump: freeze, collect, send pages', ms: 90 },
        { name: 'criu dump: start and exit', ms: 20 },
        { name: 'source: address removed', ms: 5 },
        { name: 'criu restore', ms: 40 },
        { name: 'criu restore: unlock script', ms: 8 },
      ]),
    ).toEqual([
      { name: 'criu dump', ms: 110 },
      { name: 'source: address removed', ms: 5 },
      { name: 'criu restore', ms: 48 },
    ]);
  });

  it('compares per part and in total, keeping measured parts the model does not know', () => {
    const record: Pick<MigrationRecord, 'prediction' | 'freeze' | 'freezeParts'> = {
      freeze: { startedAt: 0, ms: 200 },
      freezeParts: [
        { name: 'criu dump: start and exit', ms: 120, host: 'source' },
        { name: 'address hook: move', ms: 80, host: 'controller' },
      ],
      prediction: {
        at: 0,
        from: 'rehearsal',
        mode: 'lazy',
        ms: 260,
        parts: [{ name: 'criu dump', ms: 150, baseMs: 150, memoryMs: 0, basis: '' }],
        inputs: { workload: demo, source: host, destination: host, calibratedWith: 0 },
      },
    };
    const c = comparePrediction(record);
    expect(c?.total).toEqual({ name: 'freeze', predictedMs: 260, measuredMs: 200, errorPct: 30 });
    expect(c?.parts).toEqual([
      { name: 'criu dump', predictedMs: 150, measuredMs: 120, errorPct: 25 },
      { name: 'address hook: move', measuredMs: 80 },
    ]);
    expect(errorPct(70, 100)).toBe(-30);
    expect(errorPct(70, undefined)).toBeUndefined();
  });
});
