import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../app/errors';
import { handle, requests } from '../../../test/renderer/page-backend';
import { appInfo, host, hostList, notReady, ready } from '../../../test/renderer/fixtures';
import { useStore } from '../store/store';
import { HostsView } from './hosts-view';

async function loaded(hosts = [host('lab-a'), host('lab-b', { proxyJump: 'bastion' })]) {
  handle({
    'hosts:list': async () => hostList(hosts, ['~/.ssh/config line 9: Match is not supported']),
    'hosts:check': async ({ host: name }) => (name === 'lab-a' ? ready(name) : notReady(name)),
  });
  await useStore.getState().loadHosts();
}

describe('Hosts view', () => {
  it('lists each host with its address, route and readiness, and what is wrong where', async () => {
    await loaded();
    render(<HostsView />);
    const table = screen.getByRole('table', { name: 'Inventory' });
    const [rowA, rowB] = within(table).getAllByRole('row').slice(1);
    expect(within(rowA!).getByRole('rowheader').textContent).toBe('lab-a');
    expect(rowA!.textContent).toContain('root@198.18.0.2:22');
    expect(within(rowA!).getByText('Ready')).toBeTruthy();
    expect(within(rowA!).queryByRole('list', { name: 'Problems on lab-a' })).toBeNull();
    expect(rowB!.textContent).toContain('via bastion');
    expect(within(rowB!).getByText('Not ready')).toBeTruthy();
    const problems = within(rowB!).getByRole('list', { name: 'Problems on lab-b' });
    expect(problems.textContent).toContain('failed: criu not found');
    expect(problems.textContent).toContain('Fix: install CRIU 4.2.1 in /opt/ferry');
    expect(screen.getByText('1 inventory warning(s)')).toBeTruthy();
  });

  it('re-checks one host and shows it checking meanwhile', async () => {
    await loaded();
    render(<HostsView />);
    let answer: (() => void) | undefined;
    handle({
      'hosts:check': ({ host: name }) =>
        new Promise((resolve) => {
          answer = () => resolve(ready(name));
        }),
    });
    const before = requests.length;
    await userEvent.click(screen.getByRole('button', { name: 'Re-check lab-b' }));
    const button = await screen.findByRole('button', { name: 'Re-check lab-b' });
    expect(button.textContent).toBe('Checking…');
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(requests.slice(before)).toEqual([{ method: 'hosts:check', params: { host: 'lab-b' } }]);
    answer?.();
    await screen.findAllByText('Ready');
    expect(screen.getAllByText('Ready')).toHaveLength(2);
  });

  it("opens a host's processes", async () => {
    await loaded();
    handle({
      'processes:list': async () => {
        throw new FerryError({ code: 'HOST_UNREACHABLE', message: 'x' });
      },
    });
    render(<HostsView />);
    await userEvent.click(screen.getByRole('button', { name: 'Processes on lab-b' }));
    expect(useStore.getState()).toMatchObject({ view: 'processes', procHost: 'lab-b' });
  });

  it('shows a failed check as the error with its hint', async () => {
    handle({
      'hosts:list': async () => hostList([host('lab-a')]),
      'hosts:check': async () => {
        throw new FerryError({ code: 'HOST_KEY_MISMATCH', host: 'lab-a', message: 'HOST KEY MISMATCH', hint: "check the host's key" });
      },
    });
    await useStore.getState().loadHosts();
    render(<HostsView />);
    expect(screen.getByText('Check failed')).toBeTruthy();
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('HOST_KEY_MISMATCH');
    expect(alert.textContent).toContain('on lab-a');
    expect(alert.textContent).toContain("What to do: check the host's key");
  });

  it('says how to bring the lab up when its hosts are listed but it is down', async () => {
    await loaded();
    useStore.setState({ info: appInfo({ name: 'h13tidy', up: false }) });
    render(<HostsView />);
    expect(screen.getByText(/The lab "h13tidy" is down/).textContent).toContain('FERRY_LAB=h13tidy');
  });

  it('shows the demo workload when the lab is up', async () => {
    await loaded();
    useStore.setState({ info: appInfo({ demo: { pid: 4242, host: 'lab-a', connections: 2 }, serviceAddress: '198.18.0.100', serviceHolder: 'lab-a' }) });
    render(<HostsView />);
    expect(screen.getByText(/Demo workload/).textContent).toBe(
      "Demo workload: PID 4242 with 2 connections to the lab's witness, service address 198.18.0.100 now on lab-a.",
    );
  });

  it('with no host, says where hosts come from', async () => {
    handle({ 'hosts:list': async () => hostList([]) });
    await useStore.getState().loadHosts();
    render(<HostsView />);
    expect(screen.getByRole('status').textContent).toContain('No hosts yet');
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('shows why the inventory could not be read', async () => {
    handle({
      'hosts:list': async () => {
        throw new FerryError({ code: 'BAD_INPUT', message: 'unreadable ~/.ssh/config', hint: 'check its permissions' });
      },
    });
    await useStore.getState().loadHosts();
    render(<HostsView />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Could not read the inventory');
    expect(alert.textContent).toContain('unreadable ~/.ssh/config');
  });
});
