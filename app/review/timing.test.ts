import { describe, expect, it } from 'vitest';
import type { MigrationEvent, MigrationRecord } from '../model/migration';
import { historyEntry } from './history-entry';
import { applyMigrationEvent, initialProgress, progressFromEvents } from './migration-progress';
import { formatBytes, timingSummary } from './timing';

const t0 = 1_000_000;
const record: MigrationRecord = {
  id: 'm1',
  startedAt: t0,
  endedAt: t0 + 3000,
  outcome: 'succeeded',
  logs: {},
  warnings: [],
  request: { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60_000, keepImages: false },
  steps: [
    { name: 'connect', status: 'ok', startedAt: t0, endedAt: t0 + 400 },
    { name: 'dump', status: 'ok', startedAt: t0 + 500, endedAt: t0 + 700, detail: 'criu dump 200 ms' },
    { name: 'transfer', status: 'ok', startedAt: t0 + 700, endedAt: t0 + 1700 },
    { name: 'restore', status: 'failed', startedAt: t0 + 1700, endedAt: t0 + 1900 },
  ],
  freeze: { startedAt: t0 + 500, endedAt: t0 + 1900, ms: 1400 },
  imageBytes: 10 * 1048576,
  transferMs: 1000,
  connections: [
    {
      key: 'a>b',
      ok: true,
      before: {
        state: 'ESTAB',
        recvQ: 0,
        sendQ: 0,
        local: { address: '198.18.0.100', port: 1 },
        remote: { address: '198.18.0.1', port: 7000 },
        owners: [],
        extra: {},
      },
    },
    {
      key: 'c>d',
      ok: false,
      problem: 'gone',
      before: {
        state: 'ESTAB',
        recvQ: 0,
        sendQ: 0,
        local: { address: '198.18.0.100', port: 2 },
        remote: { address: '198.18.0.1', port: 7000 },
        owners: [],
        extra: {},
      },
    },
  ],
};

describe('timing summary', () => {
  it('lays the steps out as a waterfall with the freeze window as its own bar', () => {
    const t = timingSummary(record);
    expect(t.totalMs).toBe(3000);
    expect(t.rows.map((r) => [r.name, r.startMs, r.durationMs, r.status])).toEqual([
      ['connect', 0, 400, 'ok'],
      ['dump', 500, 200, 'ok'],
      ['transfer', 700, 1000, 'ok'],
      ['restore', 1700, 200, 'failed'],
      ['freeze', 500, 1400, 'freeze'],
    ]);
    expect(t.freeze).toEqual({ startMs: 500, ms: 1400, budgetMs: 60_000, budgetUsed: 1400 / 60_000 });
    expect(t.transferMiBps).toBeCloseTo(10);
  });

  it('measures a running migration up to now', () => {
    const running: MigrationRecord = {
      ...record,
      endedAt: undefined,
      outcome: 'running',
      freeze: { startedAt: t0 + 500 },
      steps: [{ name: 'dump', status: 'running', startedAt: t0 + 500 }],
    };
    const t = timingSummary(running, t0 + 900);
    expect(t.totalMs).toBe(900);
    expect(t.rows).toEqual([
      { name: 'dump', startMs: 500, durationMs: 400, status: 'running' },
      { name: 'freeze', startMs: 500, durationMs: 400, status: 'freeze' },
    ]);
  });

  it('formats sizes and summarizes a history line', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(11.2 * 1048576)).toBe('11.2 MiB');
    expect(historyEntry(record)).toMatchObject({
      id: 'm1',
      from: 'lab-a',
      to: 'lab-b',
      freezeMs: 1400,
      connections: 2,
      intactConnections: 1,
      outcome: 'succeeded',
    });
  });
});

describe('migration progress from events', () => {
  const events: MigrationEvent[] = [
    { type: 'step-started', id: 'm1', step: 'connect', at: t0 },
    { type: 'step-finished', id: 'm1', step: 'connect', at: t0 + 400, status: 'ok', detail: 'both hosts' },
    { type: 'freeze-started', id: 'm1', at: t0 + 500 },
    { type: 'step-started', id: 'm1', step: 'dump', at: t0 + 500 },
    { type: 'log', id: 'm1', at: t0 + 600, level: 'warn', message: 'slow disk', host: 'lab-a' },
  ];

  it('folds steps, logs and the freeze; ignores other migrations’ events', () => {
    const p = progressFromEvents('m1', [...events, { type: 'freeze-started', id: 'other', at: 0 }]);
    expect(p.steps.find((s) => s.name === 'connect')).toMatchObject({ status: 'ok', startedAt: t0, endedAt: t0 + 400, detail: 'both hosts' });
    expect(p.current).toBe('dump');
    expect(p.freeze).toEqual({ startedAt: t0 + 500 });
    expect(p.logs).toEqual([{ at: t0 + 600, level: 'warn', message: 'slow disk', host: 'lab-a', step: 'dump' }]);
    expect(p.steps.find((s) => s.name === 'cleanup')?.status).toBe('pending');
    const ended = applyMigrationEvent(p, { type: 'freeze-ended', id: 'm1', at: t0 + 1900, ms: 1400 });
    expect(ended.freeze).toEqual({ startedAt: t0 + 500, endedAt: t0 + 1900, ms: 1400 });
  });

  it('takes the final record as the truth', () => {
    const p = applyMigrationEvent(progressFromEvents('m1', events), { type: 'done', id: 'm1', record });
    expect(p.finished).toBe(true);
    expect(p.record?.id).toBe('m1');
    expect(p.steps.find((s) => s.name === 'restore')?.status).toBe('failed');
    expect(p.freeze?.ms).toBe(1400);
    expect(initialProgress('x').steps.every((s) => s.status === 'pending')).toBe(true);
  });
});
