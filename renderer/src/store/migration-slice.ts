// Migrate: the draft request, its plan preview, and every migration's progress folded from the event stream.
import { api } from '../api/client';
import { MIGRATION_LIMITS } from '../../../app/contract/schemas';
import { applyMigrationEvent, initialProgress, progressFromEvents } from '../../../app/review/migration-progress';
import type { MigrationEvent } from '../../../app/model/migration';
import type { MigrationDraft, MigrationSlice, SliceCreator, Store } from './types';

export const createMigrationSlice: SliceCreator<MigrationSlice> = (set, get) => ({
  draft: { budgetMs: MIGRATION_LIMITS.budgetMsDefault },
  preview: { loading: false },
  rehearsal: { loading: false },
  runs: {},
  starting: false,
  cancelling: false,
  clockOffsetMs: 0,
  clockSamples: 0,
  setDraft(d) {
    if (onlyDumpOption(d)) return set((s) => ({ draft: { ...s.draft, ...d } }));
    set((s) => ({ draft: { ...s.draft, ...d }, preview: { loading: false }, rehearsal: { loading: false }, startError: undefined }));
  },
  async checkPlan() {
    const { from, to, pid } = get().draft;
    if (!from || !to || !pid) return;
    set({ preview: { loading: true } });
    const r = await api.request('migration:plan', requestOf(get().draft, from, to, pid));
    const d = get().draft;
    if (d.from !== from || d.to !== to || d.pid !== pid) return;
    set({ preview: r.ok ? { value: r.value, loading: false } : { loading: false, error: r.error } });
  },
  async rehearse() {
    const { from, to, pid } = get().draft;
    if (!from || !to || !pid) return;
    set({ rehearsal: { loading: true } });
    const r = await api.request('migration:rehearse', { ...requestOf(get().draft, from, to, pid), dump: !!get().draft.rehearseDump });
    const d = get().draft;
    if (d.from !== from || d.to !== to || d.pid !== pid) return;
    set({ rehearsal: r.ok ? { value: r.value, loading: false } : { loading: false, error: r.error } });
  },
  async startMigration() {
    const { from, to, pid } = get().draft;
    if (!from || !to || !pid) return;
    set({ starting: true, startError: undefined, cancelError: undefined });
    const r = await api.request('migration:start', requestOf(get().draft, from, to, pid));
    if (!r.ok) return set({ starting: false, startError: r.error });
    set((s) => ({ starting: false, activeId: r.value.id, runs: s.runs[r.value.id] ? s.runs : { ...s.runs, [r.value.id]: initialProgress(r.value.id) } }));
  },
  async cancelMigration() {
    const id = get().activeId;
    if (!id) return;
    set({ cancelling: true, cancelError: undefined });
    const r = await api.request('migration:cancel', { id });
    set(r.ok ? { cancelling: false } : { cancelling: false, cancelError: r.error });
  },
  async loadActive() {
    const r = await api.request('migration:active', {});
    if (!r.ok) return;
    set((s) => {
      const runs = { ...s.runs };
      for (const snap of r.value) runs[snap.id] = progressFromEvents(snap.id, snap.events);
      const running = r.value.find((x) => x.running);
      return {
        runs,
        ...(running && !s.activeId
          ? {
              activeId: running.id,
              view: 'migrate' as const,
              draft: { ...s.draft, from: running.request.from, to: running.request.to, pid: running.request.pid, budgetMs: running.request.budgetMs },
            }
          : {}),
      };
    });
  },
});

/** Applies one event from main; returns what the store should change. */
export function onMigrationEvent(s: Store, e: MigrationEvent, sentAt: number): Partial<Store> {
  const run = s.runs[e.id] ?? initialProgress(e.id);
  // sentAt − receivedAt = true offset − delivery delay: the largest sample is the best estimate.
  const sample = sentAt - Date.now();
  const clockOffsetMs = s.clockSamples === 0 ? sample : Math.max(s.clockOffsetMs, sample);
  return { runs: { ...s.runs, [e.id]: applyMigrationEvent(run, e) }, clockOffsetMs, clockSamples: s.clockSamples + 1 };
}

/** A change of the rehearsal's dump option only (it keeps the last rehearsal). */
function onlyDumpOption(d: Partial<MigrationDraft>): boolean {
  return Object.keys(d).every((k) => k === 'rehearseDump');
}

/** The request a complete draft stands for (only the options the operator set); main checks it with the contract's schema. */
function requestOf(d: MigrationDraft, from: string, to: string, pid: number) {
  const addresses = (d.addresses ?? '').split(/[\s,]+/).filter(Boolean);
  const imageBase = d.imageBase?.trim();
  return {
    from,
    to,
    pid,
    budgetMs: d.budgetMs,
    addresses,
    ...(d.mode ? { mode: d.mode } : {}),
    ...(d.allowSharedAddress ? { allowSharedAddress: true } : {}),
    ...(imageBase ? { imageBase } : {}),
    ...(d.keepImages ? { keepImages: true } : {}),
  };
}
