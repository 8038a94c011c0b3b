import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../app/errors';
import { handle, requests } from '../../../test/renderer/page-backend';
import { host, hostList, notReady, ready } from '../../../test/renderer/fixtures';
import { useStore } from '../store/store';
import { HostsView } from './hosts-view';

const rowNames = () =>
  within(screen.getByRole('table', { name: 'Inventory' }))
    .getAllByRole('rowheader')
    .map((r) => r.textContent);

describe('Hosts view: groups and Prepare', () => {
  it('filters by inventory group', async () => {
    handle({
      'hosts:list': async () => hostList([host('web1', { groups: ['prod', 'web'] }), host('db1', { groups: ['db', 'prod'] }), host('lab-a')]),
      'hosts:check': async ({ host: name }) => ready(name),
    });
    await useStore.getState().loadHosts();
    render(<HostsView />);
    const select = screen.getByLabelText('Group');
    expect(
      within(select)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['All hosts (3)', 'db (1)', 'prod (2)', 'web (1)']);
    expect(rowNames()).toEqual(['web1', 'db1', 'lab-a']);
    await userEvent.selectOptions(select, 'prod');
    expect(rowNames()).toEqual(['web1', 'db1']);
    await userEvent.selectOptions(select, 'web');
    expect(rowNames()).toEqual(['web1']);
    await userEvent.selectOptions(select, '');
    expect(rowNames()).toHaveLength(3);
  });

  it('has no group filter when no host has a group', async () => {
    handle({ 'hosts:list': async () => hostList([host('lab-a')]), 'hosts:check': async ({ host: name }) => ready(name) });
    await useStore.getState().loadHosts();
    render(<HostsView />);
    expect(screen.queryByLabelText('Group')).toBeNull();
  });

  it('offers Prepare beside a missing CRIU only; Prepare runs hosts:prepare, shows what it did and re-checks', async () => {
    let prepared = false;
    handle({
      'hosts:list': async () => hostList([host('lab-a'), host('lab-b')]),
      'hosts:check': async ({ host: name }) => (name === 'lab-a' || prepared ? ready(name) : notReady(name)),
      'hosts:prepare': async ({ host: name }) => {
        prepared = true;
        return {
          host: name,
          copied: true,
          bytes: 28e6,
          manifest: 'a'.repeat(64),
          steps: ['copied 26.7 MiB; checksum verified on lab-b (aaaaaaaaaaaa…)'],
          notes: [],
          ready: true,
          checks: [],
        };
      },
    });
    await useStore.getState().loadHosts();
    render(<HostsView />);
    expect(screen.queryByRole('button', { name: 'Prepare lab-a' })).toBeNull();
    const before = requests.length;
    await userEvent.click(screen.getByRole('button', { name: 'Prepare lab-b' }));
    const done = await screen.findByRole('list', { name: 'Prepared lab-b' });
    expect(done.textContent).toContain('checksum verified on lab-b');
    expect(requests.slice(before).map((r) => r.method)).toEqual(['hosts:prepare', 'hosts:check']);
    await screen.findAllByText('Ready');
    expect(screen.queryByRole('button', { name: 'Prepare lab-b' })).toBeNull();
  });

  it('shows a refused prepare with its reason', async () => {
    handle({
      'hosts:list': async () => hostList([host('lab-b')]),
      'hosts:check': async ({ host: name }) => notReady(name),
      'hosts:prepare': async () => {
        throw new FerryError({
          code: 'PREPARE_REFUSED',
          host: 'lab-b',
          message: "lab-b is aarch64, Ferry's CRIU prefix is built for x86_64",
          hint: 'install CRIU',
        });
      },
    });
    await useStore.getState().loadHosts();
    render(<HostsView />);
    await userEvent.click(screen.getByRole('button', { name: 'Prepare lab-b' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not prepare lab-b');
    expect(alert.textContent).toContain('aarch64');
  });
});
