import { describe, expect, it } from 'vitest';
import type { MigrationRecord, MigrationRequest } from '../../../app/model/migration';
import { FerryError } from '../../../app/errors';
import { handle, requests } from '../../../test/renderer/page-backend';
import { onMigrationEvent } from './migration-slice';
import { useStore } from './store';

const flush = () => new Promise((r) => setTimeout(r, 20));
const request: MigrationRequest = { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 5000, keepImages: false };
const record = (outcome: MigrationRecord['outcome']): MigrationRecord => ({
  id: 'm1',
  request,
  startedAt: 1000,
  endedAt: 3000,
  outcome,
  connections: [],
  logs: {},
  warnings: [],
  freeze: { startedAt: 2000, endedAt: 2040, ms: 40 },
  steps: [
    { name: 'connect', status: 'ok', startedAt: 1000, endedAt: 1100 },
    { name: 'dump', status: outcome === 'succeeded' ? 'ok' : 'failed', startedAt: 2000, endedAt: 2020 },
  ],
});
const apply = (...events: Parameters<typeof onMigrationEvent>[1][]) => {
  for (const e of events) useStore.setState((s) => onMigrationEvent(s, e, Date.now()));
};

describe('migration slice', () => {
  it('a draft change drops the stale preview and start error', () => {
    useStore.setState({ preview: { loading: false, error: { code: 'INTERNAL', message: 'x' } }, startError: { code: 'INTERNAL', message: 'y' } });
    useStore.getState().setDraft({ from: 'lab-a', pid: 42 });
    expect(useStore.getState()).toMatchObject({ draft: { from: 'lab-a', pid: 42, budgetMs: 60_000 }, preview: { loading: false } });
    expect(useStore.getState().startError).toBeUndefined();
    expect(useStore.getState().preview.error).toBeUndefined();
  });

  it('starts with only the options the operator set, and follows the new run', async () => {
    handle({ 'migration:start': async () => ({ id: 'm1' }) });
    useStore.getState().setDraft({ from: 'lab-a', to: 'lab-b', pid: 42, budgetMs: 5000, mode: 'staged' });
    await useStore.getState().startMigration();
    // The contract's defaults are filled in by its schema on the way in.
    expect(requests.at(-1)).toEqual({ method: 'migration:start', params: { ...request, mode: 'staged' } });
    const s = useStore.getState();
    expect(s.starting).toBe(false);
    expect(s.activeId).toBe('m1');
    expect(s.runs['m1']?.steps.every((x) => x.status === 'pending')).toBe(true);
  });

  it('keeps a refused start as the error to show', async () => {
    handle({
      'migration:start': async () => {
        throw new FerryError({ code: 'BUSY', host: 'lab-a', message: 'lab-a is busy', hint: 'wait for it' });
      },
    });
    useStore.getState().setDraft({ from: 'lab-a', to: 'lab-b', pid: 42 });
    await useStore.getState().startMigration();
    expect(useStore.getState()).toMatchObject({ starting: false, startError: { code: 'BUSY', message: 'lab-a is busy' } });
    expect(useStore.getState().activeId).toBeUndefined();
  });

  it('ignores a plan answered for a draft the operator has since changed', async () => {
    let answer: (() => void) | undefined;
    handle({
      'migration:plan': (p) =>
        new Promise((resolve) => {
          answer = () => resolve({ request: p, ok: true, problems: [], warnings: [], readiness: { source: [], destination: [] }, probedMs: 1 });
        }),
    });
    useStore.getState().setDraft({ from: 'lab-a', to: 'lab-b', pid: 42 });
    const pending = useStore.getState().checkPlan();
    expect(useStore.getState().preview.loading).toBe(true);
    await flush();
    useStore.getState().setDraft({ pid: 43 });
    answer?.();
    await pending;
    expect(useStore.getState().preview).toEqual({ loading: false });
  });

  it('folds the event stream: steps start and finish, the freeze opens and closes, the record ends it', () => {
    apply({ type: 'step-started', id: 'm1', step: 'connect', at: 1000 });
    expect(useStore.getState().runs['m1']?.steps[0]).toMatchObject({ name: 'connect', status: 'running', startedAt: 1000 });
    apply(
      { type: 'step-finished', id: 'm1', step: 'connect', at: 1100, status: 'ok' },
      { type: 'log', id: 'm1', at: 1200, level: 'warn', message: 'slow', host: 'lab-b' },
    );
    apply({ type: 'freeze-started', id: 'm1', at: 2000 });
    expect(useStore.getState().runs['m1']).toMatchObject({
      freeze: { startedAt: 2000 },
      finished: false,
      logs: [{ level: 'warn', message: 'slow', host: 'lab-b' }],
    });
    apply({ type: 'freeze-ended', id: 'm1', at: 2040, ms: 40 }, { type: 'failed', id: 'm1', record: record('failed') });
    const run = useStore.getState().runs['m1']!;
    expect(run).toMatchObject({ finished: true, freeze: { ms: 40 }, record: { outcome: 'failed' } });
    expect(run.steps.find((x) => x.name === 'dump')?.status).toBe('failed');
    expect(run.steps.find((x) => x.name === 'restore')?.status).toBe('pending');
  });

  it('estimates the server clock from the largest send-time sample', () => {
    const s0 = useStore.getState();
    const e = { type: 'log' as const, id: 'm1', at: 1, level: 'info' as const, message: 'x' };
    const s1 = { ...s0, ...onMigrationEvent(s0, e, Date.now() + 5000) };
    expect(s1.clockOffsetMs).toBeGreaterThan(4900);
    const s2 = { ...s1, ...onMigrationEvent(s1, e, Date.now() + 1000) };
    expect(s2.clockOffsetMs).toBe(s1.clockOffsetMs);
    expect(s2.clockSamples).toBe(2);
  });

  it('a page opened during a migration adopts it from the snapshot', async () => {
    handle({ 'migration:active': async () => [{ id: 'm1', request, running: true, events: [{ type: 'step-started', id: 'm1', step: 'dump', at: 2000 }] }] });
    await useStore.getState().loadActive();
    const s = useStore.getState();
    expect(s).toMatchObject({ activeId: 'm1', view: 'migrate', draft: { from: 'lab-a', to: 'lab-b', pid: 42, budgetMs: 5000 } });
    expect(s.runs['m1']?.current).toBe('dump');
  });
});
