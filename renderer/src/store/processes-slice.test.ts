import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../app/errors';
import { handle } from '../../../test/renderer/page-backend';
import { listing, proc } from '../../../test/renderer/fixtures';
import { useStore } from './store';

const flush = () => new Promise((r) => setTimeout(r, 20));

describe('processes slice', () => {
  it('choosing a host starts from a clean selection and loads its listing', async () => {
    handle({ 'processes:list': async ({ host }) => listing(host, [proc(1, 0, 'tini')]) });
    useStore.setState({ selectedPid: 7, collapsed: new Set([1]) });
    useStore.getState().selectHost('lab-a');
    expect(useStore.getState()).toMatchObject({ procHost: 'lab-a', selectedPid: undefined, listing: { loading: true } });
    expect(useStore.getState().collapsed.size).toBe(0);
    await flush();
    expect(useStore.getState().listing).toMatchObject({ loading: false, value: { host: 'lab-a', processes: [{ pid: 1 }] } });
  });

  it('a failed refresh keeps the last listing on screen, with the error beside it', async () => {
    handle({ 'processes:list': async ({ host }) => listing(host, [proc(1, 0, 'tini')]) });
    useStore.getState().selectHost('lab-a');
    await flush();
    handle({
      'processes:list': async () => {
        throw new FerryError({ code: 'HOST_UNREACHABLE', host: 'lab-a', message: 'timed out' });
      },
    });
    await useStore.getState().loadProcesses();
    expect(useStore.getState().listing).toMatchObject({ loading: false, value: { host: 'lab-a' }, error: { code: 'HOST_UNREACHABLE' } });
  });

  it('drops the answer for a host the operator has left', async () => {
    const answers: Record<string, () => void> = {};
    handle({
      'processes:list': ({ host }) =>
        new Promise((resolve) => {
          answers[host] = () => resolve(listing(host, [proc(1, 0, host)]));
        }),
    });
    useStore.getState().selectHost('lab-a');
    useStore.getState().selectHost('lab-b');
    await flush();
    answers['lab-b']?.();
    await flush();
    answers['lab-a']?.();
    await flush();
    expect(useStore.getState().listing.value?.host).toBe('lab-b');
  });

  it('folds and unfolds a process, and keeps the search', () => {
    const { toggleCollapsed, setQuery } = useStore.getState();
    toggleCollapsed(20);
    expect([...useStore.getState().collapsed]).toEqual([20]);
    toggleCollapsed(20);
    expect(useStore.getState().collapsed.size).toBe(0);
    setQuery('7000');
    expect(useStore.getState().query).toBe('7000');
  });
});
