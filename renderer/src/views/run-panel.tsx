// A running (or finished) migration: each step's progress, the live countdown, the log, and the result.
import type { MigrationProgress } from '../../../app/review/migration-progress';
import { formatDuration } from '../../../app/countdown/freeze-countdown';
import { formatLazyWindow } from '../../../app/review/lazy-window';
import { ErrorNote } from '../components/error-note';
import { UndoNotes } from '../components/undo-notes';
import { useNow } from '../hooks/use-now';
import { useStore } from '../store/store';
import { CountdownChart } from './countdown-chart';

const OUTCOME_LABEL = { running: 'Running', succeeded: 'Succeeded', refused: 'Refused', failed: 'Failed', cancelled: 'Cancelled' } as const;

const STATUS_LABEL = { pending: 'pending', running: 'running', ok: 'done', failed: 'failed', skipped: 'skipped' } as const;

/** The progress of one migration. */
export function RunPanel({ run, budgetMs }: { run: MigrationProgress; budgetMs: number }) {
  const clockOffsetMs = useStore((s) => s.clockOffsetMs);
  const { setView, openRecord } = useStore.getState();
  const now = useNow(4, !run.finished) + clockOffsetMs;
  const record = run.record;
  const budget = record?.request.budgetMs ?? run.plan?.request.budgetMs ?? budgetMs;

  return (
    <section className="stack" aria-labelledby="run-title">
      <h3 id="run-title">
        Migration <code>{run.id}</code>{' '}
        <span role="status" className={`badge ${record?.outcome === 'succeeded' ? 'ok' : record ? 'bad' : ''}`}>
          {record ? OUTCOME_LABEL[record.outcome] : 'Running'}
        </span>
      </h3>
      {record?.outcome === 'succeeded' && (
        <div className="note ok" role="alert">
          Migrated {record.plan?.comm ?? `PID ${record.request.pid}`} from {record.request.from} to {record.request.to}: freeze window{' '}
          <strong>{record.freeze?.ms ?? '–'} ms</strong> of a {formatDuration(budget)} budget, {record.connections.filter((c) => c.ok).length}/
          {record.connections.length} connections intact.{' '}
          {record.lazyPages?.recovered ? `The page transfer broke and was recovered: ${record.lazyPages.detail ?? ''}. ` : ''}
          <button
            type="button"
            onClick={() => {
              void openRecord(record.id);
              setView('review');
            }}
          >
            Review timings
          </button>
        </div>
      )}
      {record && record.outcome !== 'succeeded' && (
        <>
          <ErrorNote
            error={record.error ?? { code: 'INTERNAL', message: 'the migration failed' }}
            title={record.outcome === 'refused' ? 'Refused before anything was frozen' : record.outcome === 'cancelled' ? 'Cancelled' : 'Migration failed'}
          />
          {record.problems && record.problems.length > 1 && record.problems.slice(1).map((p, i) => <ErrorNote key={i} error={p} />)}
          <UndoNotes record={record} />
        </>
      )}
      {run.lazy && (
        <div className={`note ${run.lazy.ended === 'complete' ? 'ok' : 'warn'}`} role="status" aria-label="Lazy window">
          {formatLazyWindow(run.lazy)}
        </div>
      )}
      <CountdownChart connections={run.plan?.connections ?? []} budgetMs={budget} freeze={run.freeze} clockOffsetMs={clockOffsetMs} />
      <div className="two-col">
        <ol className="steps card" aria-label="Steps">
          {run.steps.map((s) => {
            const ms = s.startedAt === undefined ? undefined : (s.endedAt ?? now) - s.startedAt;
            return (
              <li key={s.name} className={`step ${s.status}`} aria-label={`${s.name}: ${STATUS_LABEL[s.status]}`}>
                <span className="mark" aria-hidden="true">
                  {s.status === 'ok' ? '✓' : s.status === 'failed' ? '✗' : s.status === 'running' ? '…' : '·'}
                </span>
                <span className="name">{s.name}</span>
                <span className="muted small">{ms === undefined ? STATUS_LABEL[s.status] : formatDuration(ms)}</span>
                {s.detail && <div className="small detail">{s.detail}</div>}
                {s.error && <div className="small bad">{s.error.message}</div>}
              </li>
            );
          })}
        </ol>
        <div className="card">
          <h4>Log</h4>
          <div role="log" aria-label="Migration log" className="log">
            {run.logs.length === 0 && <span className="muted small">No log messages.</span>}
            {run.logs.map((l, i) => (
              <div key={i} className={`small ${l.level}`}>
                <span className="muted">{new Date(l.at).toLocaleTimeString()}</span> {l.step ? `[${l.step}] ` : ''}
                {l.host ? `${l.host}: ` : ''}
                {l.message}
              </div>
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}
