import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PlanPreview } from '../../../app/contract/contract';
import type { MigrationRecord, MigrationRequest } from '../../../app/model/migration';
import { handle, requests } from '../../../test/renderer/page-backend';
import { host, hostList } from '../../../test/renderer/fixtures';
import { useStore } from '../store/store';
import { declaredHookNotes } from './hook-options';
import { MigrateView } from './migrate-view';
import { MigrationDetail } from './migration-detail';

const HOOK = '/usr/local/lib/ferry/address-hook';
const request: MigrationRequest = { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60_000, keepImages: false };
const preview: PlanPreview = { request, ok: true, warnings: [], probedMs: 30, problems: [], readiness: { source: [], destination: [] } };

async function drafted(declared: boolean) {
  const hook = declared ? { addressHook: { hook: { path: HOOK, addresses: ['198.19.0.100'], budgetMs: { move: 900 } } } } : {};
  handle({
    'hosts:list': async () => hostList([host('lab-a', hook), host('lab-b', hook), host('lab-c', { addressHook: { problem: 'not absolute' } })]),
    'migration:plan': async () => preview,
  });
  await useStore.getState().loadHosts();
  useStore.getState().setDraft({ from: 'lab-a', to: 'lab-b', pid: 42 });
  render(<MigrateView />);
  await screen.findByRole('heading', { name: 'Plan: ready to migrate' });
}

const lastPlanParams = () => requests.filter((r) => r.method === 'migration:plan').at(-1)?.params as Record<string, unknown> | undefined;

describe('address hook in the Migrate view', () => {
  it('names what the inventory declares for the pair only', () => {
    expect(declaredHookNotes([])).toEqual([]);
    expect(
      declaredHookNotes([
        { name: 'lab-a', addressHook: { hook: { path: HOOK, addresses: ['198.19.0.100'], budgetMs: { move: 900 } } } },
        { name: 'lab-b', addressHook: { problem: 'not absolute' } },
        { name: 'lab-c' },
      ]),
    ).toEqual([`lab-a declares ${HOOK} (for 198.19.0.100, move budget 900 ms)`, 'lab-b: inventory hook refused: not absolute']);
  });

  it("shows the source's and destination's declared hooks under More options, and sends none of its own", async () => {
    await drafted(true);
    const box = screen.getByRole('group', { name: 'Address hook' });
    const note = within(box).getByLabelText('Hooks the inventory declares').textContent ?? '';
    expect(note).toContain(`lab-a declares ${HOOK}`);
    expect(note).toContain(`lab-b declares ${HOOK}`);
    expect(note).not.toContain('lab-c');
    expect(note).toContain('Used when no path is given above.');
    expect(lastPlanParams()).not.toHaveProperty('addressHook');
  });

  it('sends the typed path, addresses and move budget as the request’s hook', async () => {
    await drafted(false);
    const box = screen.getByRole('group', { name: 'Address hook' });
    expect(within(box).queryByLabelText('Hooks the inventory declares')).toBeNull();
    await userEvent.type(within(box).getByLabelText('Address hook'), '/opt/hook');
    await userEvent.type(within(box).getByLabelText('Hook addresses'), '198.19.0.100, 198.19.0.101');
    await userEvent.type(within(box).getByLabelText('Hook budget (ms)'), '1500');
    await userEvent.click(screen.getByRole('button', { name: 'Check again' }));
    expect(lastPlanParams()?.addressHook).toEqual({ path: '/opt/hook', addresses: ['198.19.0.100', '198.19.0.101'], budgetMs: { move: 1500 } });
  });
});

describe('address hook runs in the review', () => {
  const record = (runs: NonNullable<MigrationRecord['addressHook']>['runs']): MigrationRecord => ({
    id: 'm1',
    request,
    startedAt: 1,
    endedAt: 2,
    outcome: 'failed',
    connections: [],
    logs: {},
    warnings: [],
    steps: [],
    ...(runs.length ? { addressHook: { path: HOOK, runs } } : {}),
  });

  it('lists each run with its host, result and time against its budget', () => {
    render(
      <MigrationDetail
        onExport={() => {}}
        record={record([
          { action: 'prepare', side: 'source', host: 'lab-a', ok: true, exit: 0, ms: 12, budgetMs: 10_000, message: 'ready' },
          { action: 'move', side: 'destination', host: 'lab-b', ok: false, exit: 137, budgetMs: 900, problem: 'timeout', message: 'killed at its budget' },
        ])}
      />,
    );
    expect(screen.getByRole('heading', { name: `Address hook ${HOOK}` })).toBeTruthy();
    const rows = within(screen.getByRole('table', { name: 'Address hook runs' })).getAllByRole('row');
    expect(rows.map((r) => r.textContent)).toEqual([
      'ActionHostResultTimeMessage',
      'preparelab-a (source)ok12 ms of 10000 msready',
      'movelab-b (destination)timeout exit 137– of 900 mskilled at its budget',
    ]);
  });

  it('shows nothing without a hook', () => {
    render(<MigrationDetail onExport={() => {}} record={record([])} />);
    expect(screen.queryByRole('table', { name: 'Address hook runs' })).toBeNull();
  });
});
