import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MigrationRecord } from '../../app/model/migration';
import { openHistory } from './history-db';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (id: string, startedAt: number, outcome: MigrationRecord['outcome'] = 'succeeded'): MigrationRecord => ({
  id,
  startedAt,
  endedAt: startedAt + 2000,
  outcome,
  steps: [],
  connections: [],
  logs: {},
  warnings: [],
  request: { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60_000, keepImages: false },
  freeze: { startedAt: startedAt + 500, endedAt: startedAt + 1700, ms: 1200 },
});

describe('history database (sql.js)', () => {
  it('keeps records across opens, newest first', async () => {
    const file = path.join(dir, 'a.sqlite');
    const h = await openHistory(file);
    h.put(record('m1', 1000));
    h.put(record('m2', 2000));
    const again = await openHistory(file);
    expect(again.list().map((e) => e.id)).toEqual(['m2', 'm1']);
    expect(again.list()[0]).toMatchObject({ from: 'lab-a', to: 'lab-b', freezeMs: 1200, budgetMs: 60_000 });
    expect(again.get('m1')?.freeze?.ms).toBe(1200);
    expect(again.get('nope')).toBeUndefined();
  });

  it('sees what another handle wrote, and imports only missing or still-running records', async () => {
    const file = path.join(dir, 'b.sqlite');
    const one = await openHistory(file);
    const two = await openHistory(file);
    one.put(record('r1', 1000, 'running'));
    expect(two.list().map((e) => e.id)).toEqual(['r1']);
    const all = [record('r1', 1000, 'failed'), record('r2', 3000)];
    expect(two.importMissing(() => all, ['r1', 'r2']).sort()).toEqual(['r1', 'r2']);
    expect(one.importMissing(() => all, ['r1', 'r2'])).toEqual([]);
    expect(one.list().map((e) => [e.id, e.outcome])).toEqual([
      ['r2', 'succeeded'],
      ['r1', 'failed'],
    ]);
  });
});
