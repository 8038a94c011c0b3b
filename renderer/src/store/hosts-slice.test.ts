import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../app/errors';
import { handle, requests } from '../../../test/renderer/page-backend';
import { host, hostList, notReady, ready } from '../../../test/renderer/fixtures';
import { useStore } from './store';

describe('hosts slice', () => {
  it('loads the inventory, then checks every host, each on its own', async () => {
    handle({
      'hosts:list': async () => hostList([host('lab-a'), host('lab-b')]),
      'hosts:check': async ({ host: name }) => (name === 'lab-a' ? ready(name) : notReady(name)),
    });
    const done = useStore.getState().loadHosts();
    expect(useStore.getState().hosts.loading).toBe(true);
    await done;
    const s = useStore.getState();
    expect(s.hosts).toMatchObject({ loading: false, value: { hosts: [{ name: 'lab-a' }, { name: 'lab-b' }] } });
    expect(s.readiness['lab-a']).toMatchObject({ loading: false, value: { ready: true } });
    expect(s.readiness['lab-b']).toMatchObject({ loading: false, value: { ready: false } });
    expect(requests.map((r) => r.method).sort()).toEqual(['hosts:check', 'hosts:check', 'hosts:list']);
  });

  it("keeps the inventory's error, and a host's failed check, as errors an operator can read", async () => {
    handle({
      'hosts:list': async () => {
        throw new FerryError({ code: 'BAD_INPUT', message: 'bad ~/.ssh/config line 3', hint: 'fix the line' });
      },
    });
    await useStore.getState().loadHosts();
    expect(useStore.getState().hosts).toEqual({ loading: false, error: { code: 'BAD_INPUT', message: 'bad ~/.ssh/config line 3', hint: 'fix the line' } });

    handle({
      'hosts:check': async () => {
        throw new FerryError({ code: 'SSH_AUTH', host: 'lab-a', message: 'no key accepted' });
      },
    });
    await useStore.getState().checkHost('lab-a');
    expect(useStore.getState().readiness['lab-a']).toEqual({ loading: false, error: { code: 'SSH_AUTH', host: 'lab-a', message: 'no key accepted' } });
  });

  it('a re-check keeps the last result on screen while it runs', async () => {
    let answer: (() => void) | undefined;
    handle({ 'hosts:check': async ({ host: name }) => ready(name) });
    await useStore.getState().checkHost('lab-a');
    handle({
      'hosts:check': ({ host: name }) =>
        new Promise((resolve) => {
          answer = () => resolve(notReady(name));
        }),
    });
    const again = useStore.getState().checkHost('lab-a');
    expect(useStore.getState().readiness['lab-a']).toMatchObject({ loading: true, value: { ready: true } });
    await new Promise((r) => setTimeout(r, 10));
    answer?.();
    await again;
    expect(useStore.getState().readiness['lab-a']).toMatchObject({ loading: false, value: { ready: false } });
  });

  it('adding a host returns the refusal, or reloads the inventory', async () => {
    handle({
      'hosts:add': async () => {
        throw new FerryError({ code: 'BAD_INPUT', message: 'name taken' });
      },
    });
    expect(await useStore.getState().addHost({ name: 'lab-a', hostName: '198.18.0.9', user: 'root', port: 22 })).toMatchObject({
      code: 'BAD_INPUT',
      message: 'name taken',
    });
    handle({
      'hosts:add': async () => host('lab-c', { manual: true }),
      'hosts:list': async () => hostList([host('lab-c', { manual: true })]),
      'hosts:check': async ({ host: n }) => ready(n),
    });
    expect(await useStore.getState().addHost({ name: 'lab-c', hostName: '198.18.0.9', user: 'root', port: 22 })).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    expect(useStore.getState().hosts.value?.hosts.map((h) => h.name)).toEqual(['lab-c']);
  });
});
