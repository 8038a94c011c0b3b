// Review: the history list, opened records, the pair to compare, and exports.
import { api } from '../api/client';
import type { HistorySlice, SliceCreator } from './types';

export const createHistorySlice: SliceCreator<HistorySlice> = (set, get) => ({
  history: { loading: false },
  records: {},
  compareIds: [],
  async loadHistory() {
    set((s) => ({ history: { ...s.history, loading: true } }));
    const r = await api.request('history:list', {});
    set((s) => ({ history: r.ok ? { value: r.value, loading: false } : { ...s.history, loading: false, error: r.error } }));
  },
  async openRecord(id) {
    set({ selectedId: id });
    if (!id || get().records[id]?.value) return;
    set((s) => ({ records: { ...s.records, [id]: { loading: true } } }));
    const r = await api.request('history:get', { id });
    set((s) => ({ records: { ...s.records, [id]: r.ok ? { value: r.value, loading: false } : { loading: false, error: r.error } } }));
  },
  toggleCompare(id) {
    const cur = get().compareIds;
    const next = cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id].slice(-2);
    set({ compareIds: next });
    for (const x of next) void ensureRecord(x);
    async function ensureRecord(x: string) {
      if (get().records[x]?.value) return;
      const r = await api.request('history:get', { id: x });
      if (r.ok) set((s) => ({ records: { ...s.records, [x]: { value: r.value, loading: false } } }));
    }
  },
  async exportJson(ids) {
    const r = await api.request('history:export', ids ? { ids } : {});
    if (!r.ok) return r.error;
    const url = URL.createObjectURL(new Blob([r.value.json], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = r.value.fileName;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return undefined;
  },
});
