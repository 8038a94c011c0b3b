// Evacuate from the Hosts view against a stand-in main: the panel opens with the other ready hosts as destinations,
// shows the plan (what moves where, what stays and why), starts the evacuation with the chosen settings, follows
// each tree from its events, cancels, and shows the report.
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { EvacuationPlan } from '../../../app/model/evacuation';
import { emit, handle, requests } from '../../../test/renderer/page-backend';
import { host, hostList, ready } from '../../../test/renderer/fixtures';
import { connectStore, useStore } from '../store/store';
import { HostsView } from './hosts-view';

const plan: EvacuationPlan = {
  request: { host: 'lab-a', to: ['lab-b'], parallel: 2, freezeBudgetMs: 60_000, onFailure: 'continue' },
  moves: [
    {
      pid: 4242,
      comm: 'node',
      args: 'node demo',
      treePids: [4242],
      rssKiB: 51_000,
      connections: 4,
      listeners: 0,
      addresses: ['198.18.0.100'],
      to: 'lab-b',
      mode: 'streamed',
      moves: ['198.18.0.100'],
      predictedFreezeMs: 212.4,
      warnings: [],
    },
  ],
  stays: [
    {
      pid: 5001,
      comm: 'socat',
      args: 'socat',
      treePids: [5001],
      rssKiB: 2000,
      connections: 1,
      listeners: 0,
      addresses: ['198.18.0.2'],
      why: [{ code: 'ADDRESS_IS_MANAGEMENT', host: 'lab-a', message: '198.18.0.2 is the address Ferry manages lab-a through; it cannot move' }],
    },
    {
      pid: 5101,
      comm: 'python3',
      args: 'python3 demo',
      treePids: [5101],
      rssKiB: 300_000,
      connections: 2,
      listeners: 0,
      addresses: ['198.18.0.101'],
      why: [
        {
          code: 'NOT_MOVABLE',
          host: 'lab-b',
          message: 'process 5101 (python3) is predicted to freeze 1840 ms in streamed mode towards lab-b, against the freeze budget of 1000 ms per tree',
          hint: 'raise --freeze-budget',
        },
      ],
    },
  ],
  warnings: [],
  probedMs: 30,
};

describe('Evacuate (Hosts view)', () => {
  it('plans, starts with the chosen settings, follows each tree and shows the report', async () => {
    handle({
      'hosts:list': async () => hostList([host('lab-a'), host('lab-b')]),
      'hosts:check': async ({ host: name }) => ready(name),
      'evacuation:plan': async () => plan,
      'evacuation:start': async () => ({ id: 'e-1' }),
      'evacuation:cancel': async ({ id }) => ({ id, cancelling: true, refused: [] }),
      'evacuation:active': async () => [],
      'migration:active': async () => [],
      'history:list': async () => [],
      'app:info': async () => {
        throw new Error('not needed');
      },
    });
    connectStore();
    await useStore.getState().loadHosts();
    render(<HostsView />);
    await userEvent.click(screen.getByRole('button', { name: 'Evacuate lab-a' }));
    const panel = screen.getByRole('region', { name: 'Evacuate lab-a' });
    expect((within(panel).getByRole('checkbox', { name: 'lab-b' }) as HTMLInputElement).checked).toBe(true);
    const parallel = within(panel).getByRole('spinbutton', { name: 'At a time' });
    await userEvent.clear(parallel);
    await userEvent.type(parallel, '2');
    await userEvent.click(within(panel).getByRole('button', { name: 'Show plan' }));
    const moves = await within(panel).findByRole('table', { name: 'Trees that move' });
    expect(moves.textContent).toContain('4242 (node)');
    expect(within(moves).getByRole('columnheader', { name: 'Predicted freeze' })).toBeTruthy();
    expect(within(within(moves).getByRole('row', { name: /4242/ })).getByText('212 ms')).toBeTruthy();
    const stays = within(panel).getByRole('table', { name: 'Trees that stay' });
    expect(stays.textContent).toContain('ADDRESS_IS_MANAGEMENT');
    expect(stays.textContent).toContain('198.18.0.2 is the address Ferry manages lab-a through');
    expect(stays.textContent).toContain('predicted to freeze 1840 ms in streamed mode towards lab-b, against the freeze budget of 1000 ms per tree');

    await userEvent.click(within(panel).getByRole('button', { name: 'Start evacuation' }));
    expect(requests.find((r) => r.method === 'evacuation:start')?.params).toEqual({
      host: 'lab-a',
      to: ['lab-b'],
      parallel: 2,
      freezeBudgetMs: 60_000,
      onFailure: 'continue',
    });
    act(() => {
      emit('evacuation:event', { type: 'plan', id: 'e-1', at: 1, plan });
      emit('evacuation:event', { type: 'tree-started', id: 'e-1', at: 2, pid: 4242, to: 'lab-b', migrationId: 'm-1' });
      emit('evacuation:event', { type: 'tree-progress', id: 'e-1', at: 3, pid: 4242, migrationId: 'm-1', step: 'freeze', status: 'running' });
    });
    const trees = await screen.findByRole('table', { name: 'Evacuation trees' });
    await within(trees).findByText('frozen');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel evacuation' }));
    expect(requests.some((r) => r.method === 'evacuation:cancel')).toBe(true);
    act(() => {
      emit('evacuation:event', {
        type: 'tree-finished',
        id: 'e-1',
        at: 4,
        outcome: { pid: 4242, comm: 'node', to: 'lab-b', result: 'moved', migrationId: 'm-1', freezeMs: 88 },
      });
      emit('evacuation:event', {
        type: 'done',
        id: 'e-1',
        at: 5,
        report: {
          id: 'e-1',
          host: 'lab-a',
          startedAt: 1,
          endedAt: 5,
          outcome: 'complete',
          moved: [{ pid: 4242, comm: 'node', to: 'lab-b', result: 'moved', migrationId: 'm-1', freezeMs: 88 }],
          stayed: [{ pid: 5001, comm: 'socat', why: plan.stays[0]!.why }],
          failed: [],
          notStarted: [],
        },
      });
    });
    const report = await screen.findByRole('alert', { name: 'Evacuation report' });
    expect(report.textContent).toContain('1 moved, 1 stayed, 0 failed');
    expect(report.textContent).toContain('5001 (socat) stayed: [ADDRESS_IS_MANAGEMENT]');
    expect(within(trees).getByText('88 ms')).toBeTruthy();
    expect(within(trees).getByText('moved')).toBeTruthy();
  });
});
