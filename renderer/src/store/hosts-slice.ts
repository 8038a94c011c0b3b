// Hosts: the inventory and each host's readiness (checked in parallel, one request per host).
import type { HostEntry } from '../../../app/contract/contract';
import { api } from '../api/client';
import type { HostsSlice, SliceCreator, Store } from './types';

const NO_HOSTS: HostEntry[] = [];

/**
 * The inventory's hosts, [] before it is read (or when it could not be): one stable empty list, since a selector
 * that returns a new [] on every call makes React re-render forever.
 */
export const selectHostList = (s: Store): HostEntry[] => s.hosts.value?.hosts ?? NO_HOSTS;

export const createHostsSlice: SliceCreator<HostsSlice> = (set, get) => ({
  hosts: { loading: false },
  readiness: {},
  prepared: {},
  async loadHosts() {
    set((s) => ({ hosts: { ...s.hosts, loading: true } }));
    const r = await api.request('hosts:list', {});
    if (!r.ok) return set((s) => ({ hosts: { ...s.hosts, loading: false, error: r.error } }));
    set({ hosts: { value: r.value, loading: false } });
    await Promise.all(r.value.hosts.map((h) => get().checkHost(h.name)));
  },
  async checkHost(name) {
    set((s) => ({ readiness: { ...s.readiness, [name]: { ...s.readiness[name], loading: true } } }));
    const r = await api.request('hosts:check', { host: name });
    set((s) => ({ readiness: { ...s.readiness, [name]: r.ok ? { value: r.value, loading: false } : { loading: false, error: r.error } } }));
  },
  async prepareHost(name) {
    set((s) => ({ prepared: { ...s.prepared, [name]: { ...s.prepared[name], loading: true } } }));
    const r = await api.request('hosts:prepare', { host: name });
    set((s) => ({ prepared: { ...s.prepared, [name]: r.ok ? { value: r.value, loading: false } : { loading: false, error: r.error } } }));
    if (r.ok) await get().checkHost(name);
  },
  async addHost(h) {
    const r = await api.request('hosts:add', h);
    if (!r.ok) return r.error;
    void get().loadHosts();
    return undefined;
  },
});
