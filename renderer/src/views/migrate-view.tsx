// Migrate: pick the destination and budget, see the plan and the preflight on both hosts, run with one button.
import { useEffect } from 'react';
import { EmptyState } from '../components/empty-state';
import { ErrorNote } from '../components/error-note';
import { TRANSFER_MODES } from '../../../app/model/migration';
import { MIGRATION_LIMITS } from '../../../app/contract/schemas';
import { selectHostList } from '../store/hosts-slice';
import { useStore } from '../store/store';
import type { MigrationDraft } from '../store/types';
import { PlanPanel } from './plan-panel';
import { RunPanel } from './run-panel';
import { RehearsalPanel } from './rehearsal-panel';
import { HookOptions } from './hook-options';
import { DraftTextField } from '../components/draft-text-field';

/** The Migrate view. */
export function MigrateView() {
  const hosts = useStore(selectHostList);
  const draft = useStore((s) => s.draft);
  const preview = useStore((s) => s.preview);
  const rehearsal = useStore((s) => s.rehearsal);
  const runs = useStore((s) => s.runs);
  const activeId = useStore((s) => s.activeId);
  const starting = useStore((s) => s.starting);
  const startError = useStore((s) => s.startError);
  const cancelling = useStore((s) => s.cancelling);
  const cancelError = useStore((s) => s.cancelError);
  const { setDraft, checkPlan, rehearse, startMigration, cancelMigration, setView } = useStore.getState();
  const run = activeId ? runs[activeId] : undefined;
  const running = !!run && !run.finished;
  // Once the restore finished the destination runs the process: main refuses a cancel from then on.
  const restored = !!run?.freeze?.endedAt || run?.steps.find((s) => s.name === 'restore')?.status === 'ok';
  const complete = !!draft.from && !!draft.to && !!draft.pid;

  useEffect(() => {
    if (complete && !preview.value && !preview.loading && !preview.error && !running) void checkPlan();
  }, [complete, preview, running, checkPlan]);

  if (!draft.from && !run) {
    return (
      <section className="stack" aria-labelledby="mig-title">
        <h2 id="mig-title">Migrate</h2>
        <EmptyState title="No process chosen">
          Pick a process in the Processes view and press “Migrate this process…”.{' '}
          <button type="button" onClick={() => setView('processes')}>
            Go to Processes
          </button>
        </EmptyState>
      </section>
    );
  }

  return (
    <section className="stack" aria-labelledby="mig-title">
      <h2 id="mig-title">Migrate</h2>
      <form
        className="card row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          void checkPlan();
        }}
      >
        <label className="inline">
          Source
          <select value={draft.from ?? ''} onChange={(e) => setDraft({ from: e.target.value })} disabled={running}>
            {hosts.map((h) => (
              <option key={h.name} value={h.name}>
                {h.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          PID
          <input
            type="number"
            min={1}
            value={draft.pid ?? ''}
            onChange={(e) => setDraft({ pid: Number(e.target.value) || undefined })}
            disabled={running}
            className="narrow"
          />
        </label>
        <label className="inline">
          Destination
          <select value={draft.to ?? ''} onChange={(e) => setDraft({ to: e.target.value || undefined })} disabled={running}>
            <option value="">choose…</option>
            {hosts
              .filter((h) => h.name !== draft.from)
              .map((h) => (
                <option key={h.name} value={h.name}>
                  {h.name}
                </option>
              ))}
          </select>
        </label>
        <label className="inline">
          Budget (s)
          <input
            type="number"
            min={1}
            max={MIGRATION_LIMITS.budgetMsMax / 1000}
            step={1}
            value={Math.round(draft.budgetMs / 1000)}
            onChange={(e) => setDraft({ budgetMs: Math.max(1, Number(e.target.value) || MIGRATION_LIMITS.budgetMsDefault / 1000) * 1000 })}
            disabled={running}
            className="narrow"
          />
        </label>
        <label className="inline">
          Transfer
          <select value={draft.mode ?? ''} onChange={(e) => setDraft({ mode: (e.target.value || undefined) as MigrationDraft['mode'] })} disabled={running}>
            <option value="">automatic</option>
            {TRANSFER_MODES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label className="inline" title="Other processes that use the address lose it: their connections break">
          <input type="checkbox" checked={!!draft.allowSharedAddress} onChange={(e) => setDraft({ allowSharedAddress: e.target.checked })} disabled={running} />
          Move a shared address
        </label>
        <details className="options">
          <summary>More options</summary>
          <DraftTextField
            label="Addresses to move"
            title="Space or comma separated; empty: the local addresses of its connections"
            field="addresses"
            placeholder="detected"
            draft={draft}
            setDraft={setDraft}
            disabled={running}
          />
          <DraftTextField
            label="Image folder"
            title="Root's folder on both hosts, closed to other users, outside the system's folders"
            field="imageBase"
            placeholder="automatic"
            draft={draft}
            setDraft={setDraft}
            disabled={running}
          />
          <label className="inline">
            <input type="checkbox" checked={!!draft.keepImages} onChange={(e) => setDraft({ keepImages: e.target.checked })} disabled={running} />
            Keep images
          </label>
          <HookOptions draft={draft} setDraft={setDraft} disabled={running} pair={hosts.filter((h) => h.name === draft.from || h.name === draft.to)} />
        </details>
        <button type="submit" disabled={!complete || preview.loading || running}>
          {preview.loading ? 'Checking…' : 'Check again'}
        </button>
        <button
          type="button"
          disabled={!complete || rehearsal.loading || running || starting}
          onClick={() => void rehearse()}
          title="Everything up to the freeze and nothing after: checks, measurements and the predicted freeze per mode"
        >
          {rehearsal.loading ? 'Rehearsing…' : 'Rehearse'}
        </button>
        <label className="inline" title="A real criu dump --leave-running of the tree: it freezes the process once, briefly, and improves the prediction">
          <input type="checkbox" checked={!!draft.rehearseDump} onChange={(e) => setDraft({ rehearseDump: e.target.checked })} disabled={running} />
          with a real dump (one short freeze)
        </label>
        <button type="button" className="primary" disabled={!preview.value?.ok || running || starting} onClick={() => void startMigration()}>
          {starting ? 'Starting…' : running ? 'Migrating…' : 'Migrate now'}
        </button>
        {running && (
          <button
            type="button"
            disabled={cancelling || restored}
            onClick={() => void cancelMigration()}
            title={
              restored
                ? 'The destination runs the process: too late to cancel'
                : 'Before the freeze nothing is left behind; during it the process goes back to the source'
            }
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </form>
      {startError && <ErrorNote error={startError} title="Could not start" />}
      {cancelError && <ErrorNote error={cancelError} title="Could not cancel" />}
      {preview.loading && (
        <p role="status" className="muted">
          Probing {draft.from} and {draft.to} (criu check, processes, sockets)… nothing is frozen.
        </p>
      )}
      {preview.error && <ErrorNote error={preview.error} title="Could not plan" />}
      {rehearsal.loading && (
        <p role="status" className="muted">
          Rehearsing on {draft.from} and {draft.to}: preflights, the tree, the link for a second
          {draft.rehearseDump ? ', one real dump (a short freeze)' : ', nothing frozen'}…
        </p>
      )}
      {rehearsal.error && <ErrorNote error={rehearsal.error} title="Could not rehearse" />}
      {rehearsal.value && !running && <RehearsalPanel rehearsal={rehearsal.value} />}
      {run && <RunPanel run={run} budgetMs={draft.budgetMs} />}
      {preview.value && !running && !run?.record && <PlanPanel preview={preview.value} />}
      {preview.value && run?.record && (
        <details>
          <summary>Plan for the next migration</summary>
          <PlanPanel preview={preview.value} />
        </details>
      )}
    </section>
  );
}
