import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PlanPreview, Rehearsal } from '../../../app/contract/contract';
import type { MigrationRecord, MigrationRequest } from '../../../app/model/migration';
import { handle, requests } from '../../../test/renderer/page-backend';
import { host, hostList } from '../../../test/renderer/fixtures';
import { useStore } from '../store/store';
import { MigrateView } from './migrate-view';
import { PredictionTable } from './prediction-table';

const request: MigrationRequest = { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60_000, keepImages: false };
const preview: PlanPreview = { request, ok: true, warnings: [], probedMs: 30, problems: [], readiness: { source: [], destination: [] } };
const hosts = { rttMs: 3, criuStartMs: 20, nftMs: 6, ipMs: 5 };
const part = (name: string, ms: number) => ({ name, ms, baseMs: ms, memoryMs: 0, basis: 'prior' });
const rehearsal: Rehearsal = {
  id: 'r-1',
  request,
  startedAt: 1,
  ms: 2400,
  ok: true,
  preview,
  findings: [
    { severity: 'ok', check: 'unix sockets', host: 'lab-a', message: '0 UNIX socket(s), none connected outside the tree' },
    { severity: 'warning', check: 'mappings', host: 'lab-a', message: 'mappings of deleted files' },
  ],
  mode: 'streamed',
  workload: { processes: 1, threads: 11, connections: 4, privateMiB: 11, sharedMiB: 0, memoryBasis: 'rss-anon' },
  memory: { lazyMiB: 11, notLazyMiB: 0 },
  hosts: { source: hosts, destination: hosts },
  link: { bandwidthMiBps: 180 },
  dump: { wallMs: 150, frozenMs: 120 },
  calibratedWith: 3,
  predictions: [
    { mode: 'streamed', ok: true, ms: 250, parts: [part('criu dump', 150), part('criu restore', 100)], memory: { inFreezeMiB: 11, lazyMiB: 0, ms: 60 } },
    { mode: 'staged', ok: true, ms: 400, parts: [part('criu dump', 300), part('criu restore', 100)], memory: { inFreezeMiB: 11, lazyMiB: 0, ms: 90 } },
    { mode: 'lazy', ok: false, problem: 'lazy mode needs python3', ms: 0, parts: [], memory: { inFreezeMiB: 0, lazyMiB: 11, ms: 0 } },
  ],
  cleanedUp: ['link measurement'],
};

describe('Rehearse in the Migrate view', () => {
  it('rehearses the draft (with the real dump when ticked) and shows the findings and the freeze per mode', async () => {
    handle({
      'hosts:list': async () => hostList([host('lab-a'), host('lab-b')]),
      'migration:plan': async () => preview,
      'migration:rehearse': async () => rehearsal,
    });
    await useStore.getState().loadHosts();
    useStore.getState().setDraft({ from: 'lab-a', to: 'lab-b', pid: 42 });
    render(<MigrateView />);
    await screen.findByRole('heading', { name: 'Plan: ready to migrate' });
    await userEvent.click(screen.getByRole('checkbox', { name: /with a real dump/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Rehearse' }));
    await screen.findByRole('heading', { name: 'Rehearsal: the migration would start' });
    expect(requests.find((r) => r.method === 'migration:rehearse')?.params).toMatchObject({ from: 'lab-a', to: 'lab-b', pid: 42, dump: true });
    expect(screen.getByRole('list', { name: 'Rehearsal findings' }).textContent).toContain('mappings of deleted files');
    const table = screen.getByRole('table', { name: 'Predicted freeze per mode' });
    expect(within(table).getByText('streamed (plan)')).toBeTruthy();
    expect(within(table).getByText('250 ms')).toBeTruthy();
    expect(within(table).getByText(/refused: lazy mode needs python3/)).toBeTruthy();
    expect(screen.getByText(/one short freeze for the real dump/)).toBeTruthy();
  });
});

describe('Review: predicted and measured', () => {
  it('shows the prediction beside the measured parts, with the error', () => {
    const record = {
      freeze: { startedAt: 0, ms: 200 },
      freezeParts: [
        { name: 'criu dump: freeze, collect, send pages', ms: 100, host: 'source' },
        { name: 'criu dump: start and exit', ms: 20, host: 'source' },
        { name: 'criu restore', ms: 80, host: 'destination' },
      ],
      prediction: { at: 0, from: 'rehearsal', mode: 'streamed', ms: 250, parts: [part('criu dump', 150), part('criu restore', 100)], inputs: {} },
    } as unknown as MigrationRecord;
    render(<PredictionTable record={record} />);
    const rows = within(screen.getByRole('table', { name: 'Predicted and measured freeze' }))
      .getAllByRole('row')
      .map((r) => r.textContent);
    expect(rows).toEqual(['partpredictedmeasurederror', 'freeze (streamed)250 ms200 ms+25 %', 'criu dump150 ms120 ms+25 %', 'criu restore100 ms80 ms+25 %']);
  });
});
