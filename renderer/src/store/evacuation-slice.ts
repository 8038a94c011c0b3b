// Evacuate (Hosts view): the draft request, its plan, and each evacuation's progress folded from its events.
import { api } from '../api/client';
import { MIGRATION_LIMITS } from '../../../app/contract/schemas';
import { applyEvacuationEvent, evacuationFromEvents, initialEvacuation } from '../../../app/evacuate/evacuation-progress';
import type { EvacuationEvent } from '../../../app/model/evacuation';
import type { EvacuationDraft, EvacuationSlice, SliceCreator, Store } from './types';

const DRAFT: EvacuationDraft = { to: [], parallel: 1, freezeBudgetMs: MIGRATION_LIMITS.budgetMsDefault, onFailure: 'continue' };

export const createEvacuationSlice: SliceCreator<EvacuationSlice> = (set, get) => ({
  evacDraft: DRAFT,
  evacPlan: { loading: false },
  evacuations: {},
  evacStarting: false,
  openEvacuation(host) {
    const s = get();
    const others = (s.hosts.value?.hosts ?? []).map((h) => h.name).filter((n) => n !== host && s.readiness[n]?.value?.ready);
    set({ evacDraft: { ...DRAFT, host, to: others }, evacPlan: { loading: false }, evacError: undefined, evacId: undefined });
  },
  closeEvacuation() {
    set({ evacDraft: DRAFT, evacPlan: { loading: false }, evacError: undefined, evacId: undefined });
  },
  setEvacDraft(d) {
    set((s) => ({ evacDraft: { ...s.evacDraft, ...d }, evacPlan: { loading: false }, evacError: undefined }));
  },
  async planEvacuation() {
    const d = get().evacDraft;
    if (!d.host || !d.to.length) return;
    set({ evacPlan: { loading: true } });
    const r = await api.request('evacuation:plan', requestOf(d, d.host));
    if (get().evacDraft !== d) return;
    set({ evacPlan: r.ok ? { value: r.value, loading: false } : { loading: false, error: r.error } });
  },
  async startEvacuation() {
    const d = get().evacDraft;
    if (!d.host || !d.to.length) return;
    set({ evacStarting: true, evacError: undefined });
    const r = await api.request('evacuation:start', requestOf(d, d.host));
    if (!r.ok) return set({ evacStarting: false, evacError: r.error });
    set((s) => ({
      evacStarting: false,
      evacId: r.value.id,
      evacuations: s.evacuations[r.value.id] ? s.evacuations : { ...s.evacuations, [r.value.id]: initialEvacuation(r.value.id) },
    }));
  },
  async cancelEvacuation() {
    const id = get().evacId;
    if (!id) return;
    const r = await api.request('evacuation:cancel', { id });
    if (!r.ok) set({ evacError: r.error });
  },
  async loadActiveEvacuations() {
    const r = await api.request('evacuation:active', {});
    if (!r.ok) return;
    set((s) => {
      const evacuations = { ...s.evacuations };
      for (const snap of r.value) evacuations[snap.id] = evacuationFromEvents(snap.id, snap.events);
      const running = r.value.find((x) => x.running);
      return running ? { evacuations, evacId: running.id, evacDraft: { ...s.evacDraft, ...running.request } } : { evacuations };
    });
  },
});

/** The store after one evacuation event (events of evacuations this page did not start are kept too). */
export function onEvacuationEvent(s: Store, e: EvacuationEvent): Partial<Store> {
  const before = s.evacuations[e.id] ?? initialEvacuation(e.id);
  return { evacuations: { ...s.evacuations, [e.id]: applyEvacuationEvent(before, e) } };
}

function requestOf(d: EvacuationDraft, host: string) {
  return { host, to: d.to, parallel: d.parallel, freezeBudgetMs: d.freezeBudgetMs, onFailure: d.onFailure };
}
