import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { handle } from '../../../test/renderer/page-backend';
import { estab, host, hostList, listing, proc } from '../../../test/renderer/fixtures';
import { useStore } from '../store/store';
import { ProcessesView } from './processes-view';

const PROCS = [proc(1, 0, 'tini'), proc(10, 1, 'sshd', 'sshd -D'), proc(20, 1, 'node', 'node demo-workload.mjs'), proc(21, 20, 'worker')];

async function shown() {
  handle({
    'hosts:list': async () => hostList([host('lab-a'), host('lab-b')]),
    'hosts:check': async () => {
      throw new Error('not checked here');
    },
    'processes:list': async ({ host: h }) => listing(h, PROCS, [estab(20, 40001), estab(20, 40002)]),
  });
  await useStore.getState().loadHosts();
  render(<ProcessesView />);
  return screen.findByRole('tree', { name: 'Process tree of lab-a' });
}

const items = (tree: HTMLElement) =>
  within(tree)
    .getAllByRole('treeitem')
    .map((i) => i.id);

describe('Processes view', () => {
  it("shows the first host's tree, with connection counts", async () => {
    const tree = await shown();
    expect(items(tree)).toEqual(['proc-1', 'proc-10', 'proc-20', 'proc-21']);
    const node = tree.querySelector('#proc-20') as HTMLElement;
    expect(node.getAttribute('aria-level')).toBe('2');
    expect(within(node).getByText('2 TCP')).toBeTruthy();
    expect(screen.getByText(/^4 processes · /)).toBeTruthy();
  });

  it('moves the selection with the keyboard and folds with left/right', async () => {
    const tree = await shown();
    act(() => tree.focus());
    expect(tree.getAttribute('aria-activedescendant')).toBe('proc-1');
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(tree.getAttribute('aria-activedescendant')).toBe('proc-20');
    await userEvent.keyboard('{ArrowLeft}');
    expect(items(tree)).toEqual(['proc-1', 'proc-10', 'proc-20']);
    expect(tree.querySelector('#proc-20')?.getAttribute('aria-expanded')).toBe('false');
    await userEvent.keyboard('{ArrowRight}');
    expect(items(tree)).toContain('proc-21');
  });

  it('filters by port, keeping the ancestors', async () => {
    await shown();
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search processes' }), '7000');
    // (the tree is re-created: '7' alone matched nothing)
    const tree = screen.getByRole('tree', { name: 'Process tree of lab-a' });
    expect(items(tree)).toEqual(['proc-1', 'proc-20', 'proc-21']);
    expect(tree.querySelector('#proc-20')?.className).toContain('match');
  });

  it('a search without a match says how to search', async () => {
    await shown();
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search processes' }), 'nothing-like-this');
    expect(screen.queryByRole('tree')).toBeNull();
    expect(screen.getByText('No process matches')).toBeTruthy();
  });

  it('selecting a process shows its connections, and "Migrate" drafts the move to the other host', async () => {
    const tree = await shown();
    await userEvent.click(within(tree).getByText('demo-workload.mjs', { exact: false }));
    expect(screen.getByRole('heading', { name: /PID 20/ })).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Migrate this process…' }));
    expect(useStore.getState()).toMatchObject({ view: 'migrate', draft: { from: 'lab-a', pid: 20, to: 'lab-b' } });
  });
});

describe('Processes view before the inventory', () => {
  it('says there is no host (and renders once) when the inventory could not be read', async () => {
    handle({
      'hosts:list': async () => {
        throw new Error('unreadable');
      },
    });
    await useStore.getState().loadHosts();
    render(<ProcessesView />);
    expect(screen.getByText('No hosts')).toBeTruthy();
  });
});
