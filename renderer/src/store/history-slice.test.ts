import { describe, expect, it } from 'vitest';
import type { MigrationRecord } from '../../../app/model/migration';
import { FerryError } from '../../../app/errors';
import { handle, requests } from '../../../test/renderer/page-backend';
import { useStore } from './store';

const flush = () => new Promise((r) => setTimeout(r, 20));
const record = (id: string): MigrationRecord => ({
  id,
  startedAt: 1,
  outcome: 'succeeded',
  steps: [],
  connections: [],
  logs: {},
  warnings: [],
  request: { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60_000, keepImages: false },
});

describe('history slice', () => {
  it('opens a record once and keeps it', async () => {
    handle({ 'history:get': async ({ id }) => record(id) });
    await useStore.getState().openRecord('m1');
    await useStore.getState().openRecord('m1');
    expect(useStore.getState()).toMatchObject({ selectedId: 'm1', records: { m1: { loading: false, value: { id: 'm1' } } } });
    expect(requests.filter((r) => r.method === 'history:get')).toHaveLength(1);
  });

  it('a record that cannot be read shows its error', async () => {
    handle({
      'history:get': async () => {
        throw new FerryError({ code: 'BAD_INPUT', message: 'no migration m9 in the history' });
      },
    });
    await useStore.getState().openRecord('m9');
    expect(useStore.getState().records['m9']).toEqual({ loading: false, error: { code: 'BAD_INPUT', message: 'no migration m9 in the history' } });
  });

  it('compares the last two chosen, fetching what is missing', async () => {
    handle({ 'history:get': async ({ id }) => record(id) });
    const { toggleCompare } = useStore.getState();
    toggleCompare('m1');
    toggleCompare('m2');
    toggleCompare('m3');
    expect(useStore.getState().compareIds).toEqual(['m2', 'm3']);
    toggleCompare('m2');
    expect(useStore.getState().compareIds).toEqual(['m3']);
    await flush();
    expect(Object.keys(useStore.getState().records).sort()).toEqual(['m1', 'm2', 'm3']);
  });

  it('a failed refresh of the list keeps the last list', async () => {
    handle({
      'history:list': async () => [
        { id: 'm1', startedAt: 1, outcome: 'succeeded', from: 'lab-a', to: 'lab-b', pid: 42, budgetMs: 60_000, connections: 2, intactConnections: 2 },
      ],
    });
    await useStore.getState().loadHistory();
    handle({
      'history:list': async () => {
        throw new Error('database is locked');
      },
    });
    await useStore.getState().loadHistory();
    expect(useStore.getState().history).toMatchObject({ loading: false, value: [{ id: 'm1' }], error: { code: 'INTERNAL', message: 'database is locked' } });
  });
});
