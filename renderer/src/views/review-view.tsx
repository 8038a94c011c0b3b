// Review: the persisted history, one migration's timings, two side by side, and JSON exports.
import { useEffect, useState } from 'react';
import type { FerryErrorInfo } from '../../../app/errors';
import { formatDuration } from '../../../app/countdown/freeze-countdown';
import { EmptyState } from '../components/empty-state';
import { ErrorNote } from '../components/error-note';
import { useStore } from '../store/store';
import { MigrationDetail } from './migration-detail';
import { CompareView } from './compare-view';

/** The Review view. */
export function ReviewView() {
  const history = useStore((s) => s.history);
  const records = useStore((s) => s.records);
  const selectedId = useStore((s) => s.selectedId);
  const compareIds = useStore((s) => s.compareIds);
  const { loadHistory, openRecord, toggleCompare, exportJson } = useStore.getState();
  const [exportError, setExportError] = useState<FerryErrorInfo>();
  const list = history.value ?? [];
  const selected = selectedId ? records[selectedId] : undefined;

  useEffect(() => {
    void loadHistory();
  }, [loadHistory]);

  const doExport = async (ids?: string[]) => setExportError(await exportJson(ids));

  return (
    <section className="stack" aria-labelledby="review-title">
      <div className="row between">
        <h2 id="review-title">Review</h2>
        <div className="row">
          <button type="button" onClick={() => void loadHistory()} disabled={history.loading}>
            Refresh
          </button>
          <button type="button" onClick={() => void doExport()} disabled={!list.length}>
            Export all as JSON
          </button>
        </div>
      </div>
      {history.error && <ErrorNote error={history.error} title="Could not read the history" />}
      {exportError && <ErrorNote error={exportError} title="Export failed" />}
      {history.value && list.length === 0 && (
        <EmptyState title="No migrations yet">
          Migrate a process (Processes → Migrate this process…); every migration, from here or from the CLI, is kept here.
        </EmptyState>
      )}
      {list.length > 0 && (
        <div className="scroll-y short">
          <table className="grid small" aria-label="Migration history">
            <thead>
              <tr>
                <th scope="col">Compare</th>
                <th scope="col">Migration</th>
                <th scope="col">When</th>
                <th scope="col">Process</th>
                <th scope="col">Route</th>
                <th scope="col">Outcome</th>
                <th scope="col">Freeze</th>
                <th scope="col">Connections</th>
                <th scope="col">
                  <span className="sr-only">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((e) => (
                <tr key={e.id} className={e.id === selectedId ? 'selected' : ''}>
                  <td>
                    <input type="checkbox" checked={compareIds.includes(e.id)} onChange={() => toggleCompare(e.id)} aria-label={`Compare ${e.id}`} />
                  </td>
                  <td>
                    <code>{e.id}</code>
                  </td>
                  <td>{new Date(e.startedAt).toLocaleString()}</td>
                  <td>
                    PID {e.pid} {e.comm ? <code>{e.comm}</code> : null}
                  </td>
                  <td>
                    {e.from} → {e.to}
                  </td>
                  <td>
                    <span className={`badge ${e.outcome === 'succeeded' ? 'ok' : 'bad'}`}>{e.outcome}</span>
                  </td>
                  <td>
                    {e.freezeMs === undefined ? '–' : `${e.freezeMs} ms`} <span className="muted">/ {formatDuration(e.budgetMs)}</span>
                  </td>
                  <td>
                    {e.intactConnections}/{e.connections}
                  </td>
                  <td>
                    <button type="button" onClick={() => void openRecord(e.id)} aria-label={`Open ${e.id}`}>
                      Open
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {compareIds.length === 2 && <CompareView ids={compareIds as [string, string]} />}
      {compareIds.length === 1 && <p className="muted small">Tick a second migration to compare the two side by side.</p>}
      {selected?.loading && <p role="status">Loading {selectedId}…</p>}
      {selected?.error && <ErrorNote error={selected.error} />}
      {selected?.value && <MigrationDetail record={selected.value} onExport={() => void doExport([selected.value!.id])} />}
    </section>
  );
}
