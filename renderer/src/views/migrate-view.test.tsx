import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PlanPreview } from '../../../app/contract/contract';
import { FerryError } from '../../../app/errors';
import type { MigrationRecord, MigrationRequest } from '../../../app/model/migration';
import { handle, requests } from '../../../test/renderer/page-backend';
import { host, hostList } from '../../../test/renderer/fixtures';
import { onMigrationEvent } from '../store/migration-slice';
import { useStore } from '../store/store';
import { MigrateView } from './migrate-view';

const request: MigrationRequest = { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60_000, keepImages: false };
const preview = (ok: boolean): PlanPreview => ({
  request,
  ok,
  warnings: [],
  probedMs: 30,
  problems: ok ? [] : [{ code: 'CRIU_MISSING', host: 'lab-b', message: 'criu not found on lab-b', hint: 'install CRIU' }],
  readiness: {
    source: [{ name: 'criu', ok: true, detail: 'CRIU 4.2.1' }],
    destination: [{ name: 'criu', ok: ok, detail: ok ? 'CRIU 4.2.1' : 'criu not found' }],
  },
});

async function drafted(ok = true) {
  handle({
    'hosts:list': async () => hostList([host('lab-a'), host('lab-b')]),
    'hosts:check': async () => {
      throw new Error('not here');
    },
    'migration:plan': async () => preview(ok),
  });
  await useStore.getState().loadHosts();
  useStore.getState().setDraft({ from: 'lab-a', to: 'lab-b', pid: 42 });
  render(<MigrateView />);
  await screen.findByRole('heading', { name: ok ? 'Plan: ready to migrate' : 'Plan: cannot migrate yet' });
}

describe('Migrate view', () => {
  it('with nothing chosen, sends the operator to the Processes view', async () => {
    render(<MigrateView />);
    expect(screen.getByText('No process chosen')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Go to Processes' }));
    expect(useStore.getState().view).toBe('processes');
  });

  it('checks the plan for a complete draft; a blocked plan shows why and cannot start', async () => {
    await drafted(false);
    expect(requests.filter((r) => r.method === 'migration:plan')).toHaveLength(1);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Blocks the migration');
    expect(alert.textContent).toContain('criu not found on lab-b');
    expect((screen.getByRole('button', { name: 'Migrate now' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows a refused start with its code and hint', async () => {
    await drafted(true);
    handle({
      'migration:start': async () => {
        throw new FerryError({ code: 'BUSY', host: 'lab-a', message: 'PID 42 is being migrated already', hint: 'wait for it to end' });
      },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Migrate now' }));
    const alert = await screen.findByText('Could not start');
    const note = alert.closest('[role="alert"]') as HTMLElement;
    expect(note.textContent).toContain('BUSY');
    expect(note.textContent).toContain('PID 42 is being migrated already');
    expect(note.textContent).toContain('What to do: wait for it to end');
  });

  it('follows a started migration through its steps to the failure and what was undone', async () => {
    await drafted(true);
    handle({ 'migration:start': async () => ({ id: 'm1' }) });
    await userEvent.click(screen.getByRole('button', { name: 'Migrate now' }));
    await screen.findByText('Running');
    const send = (e: Parameters<typeof onMigrationEvent>[1]) => useStore.setState((s) => onMigrationEvent(s, e, Date.now()));
    act(() => send({ type: 'step-started', id: 'm1', step: 'connect', at: Date.now() }));
    const steps = screen.getByRole('list', { name: 'Steps' });
    expect(within(steps).getByLabelText('connect: running')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Migrating…' }) as HTMLButtonElement).disabled).toBe(true);
    const rec: MigrationRecord = {
      id: 'm1',
      request,
      startedAt: 1,
      endedAt: 2,
      outcome: 'failed',
      connections: [],
      logs: {},
      warnings: [],
      steps: [
        { name: 'connect', status: 'ok', startedAt: 1, endedAt: 2 },
        { name: 'dump', status: 'failed', startedAt: 2, endedAt: 3, error: { code: 'CRIU_DUMP_FAILED', message: 'dump failed' } },
      ],
      error: { code: 'CRIU_DUMP_FAILED', host: 'lab-a', message: 'criu dump failed: see dump.log', hint: 'read the dump log' },
      rollback: { attempted: true, ok: true, actions: ['unlocked the network on lab-a'] },
    };
    act(() => send({ type: 'failed', id: 'm1', record: rec }));
    expect(screen.getByText('Failed')).toBeTruthy();
    expect(screen.getByText('Migration failed').closest('[role="alert"]')?.textContent).toContain('criu dump failed: see dump.log');
    expect(within(steps).getByLabelText('dump: failed')).toBeTruthy();
    expect(within(steps).getByLabelText('restore: pending')).toBeTruthy();
    expect(screen.getByRole('note', { name: 'Rollback' }).textContent).toContain('unlocked the network on lab-a');
  });
});
