// The store, and its wiring to the contract's events (lists refetch when an event marks them stale).
import { create } from 'zustand';
import { api } from '../api/client';
import { createEvacuationSlice, onEvacuationEvent } from './evacuation-slice';
import { createHistorySlice } from './history-slice';
import { createHostsSlice } from './hosts-slice';
import { createMigrationSlice, onMigrationEvent } from './migration-slice';
import { createProcessesSlice } from './processes-slice';
import type { Store } from './types';
import { createUiSlice } from './ui-slice';

export const useStore = create<Store>()((set, get) => ({
  ...createUiSlice(set, get),
  ...createHostsSlice(set, get),
  ...createProcessesSlice(set, get),
  ...createMigrationSlice(set, get),
  ...createHistorySlice(set, get),
  ...createEvacuationSlice(set, get),
}));

let historyTimer: ReturnType<typeof setTimeout> | undefined;

/** Subscribes the store to main's events; call once at start. */
export function connectStore(): void {
  const s = useStore;
  api.on('migration:event', (e, sentAt) => {
    s.setState((st) => onMigrationEvent(st, e, sentAt));
    if (e.type === 'done' || e.type === 'failed') void s.getState().loadProcesses();
    const d = s.getState().draft;
    const req = e.type === 'done' ? e.record.request : undefined;
    // After a success the way back is the natural next plan.
    if (req && d.from === req.from && d.to === req.to && d.pid === req.pid) s.getState().setDraft({ from: req.to, to: req.from });
  });
  api.on('evacuation:event', (e) => {
    s.setState((st) => onEvacuationEvent(st, e));
    // The service address may have moved with the trees: the lab notes and the process lists follow.
    if (e.type === 'done') {
      void s.getState().loadInfo();
      void s.getState().loadProcesses();
    }
  });
  api.on('history:changed', () => {
    // Debounced: an import can announce many records at once.
    if (historyTimer) clearTimeout(historyTimer);
    historyTimer = setTimeout(() => void s.getState().loadHistory(), 150);
  });
  api.on('hosts:changed', () => void s.getState().loadHosts());
  api.onDisconnect(() => s.setState({ disconnected: true }));
  void s.getState().loadInfo();
  void s.getState().loadHosts();
  void s.getState().loadHistory();
  void s.getState().loadActive();
  void s.getState().loadActiveEvacuations();
}
