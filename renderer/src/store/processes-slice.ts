// Processes: one host's listing, refreshed in place (selection, collapse state and search survive a refresh).
import { api } from '../api/client';
import type { ProcessesSlice, SliceCreator } from './types';

export const createProcessesSlice: SliceCreator<ProcessesSlice> = (set, get) => ({
  listing: { loading: false },
  collapsed: new Set(),
  query: '',
  selectHost(host) {
    if (get().procHost === host) return;
    set({ procHost: host, listing: { loading: false }, selectedPid: undefined, collapsed: new Set() });
    void get().loadProcesses();
  },
  async loadProcesses() {
    const host = get().procHost;
    if (!host) return;
    set((s) => ({ listing: { ...s.listing, loading: true } }));
    const r = await api.request('processes:list', { host });
    if (get().procHost !== host) return;
    // A failed refresh keeps the last listing on screen, with the error beside it.
    set((s) => ({ listing: r.ok ? { value: r.value, loading: false } : { ...s.listing, loading: false, error: r.error } }));
  },
  selectPid: (pid) => set({ selectedPid: pid }),
  toggleCollapsed(pid) {
    const next = new Set(get().collapsed);
    if (next.has(pid)) next.delete(pid);
    else next.add(pid);
    set({ collapsed: next });
  },
  setQuery: (query) => set({ query }),
});
