// One migration in review: figures, the waterfall, freeze against budget, and each connection before and after.
import type { MigrationRecord } from '../../../app/model/migration';
import { formatDuration } from '../../../app/countdown/freeze-countdown';
import { formatBytes, timingSummary } from '../../../app/review/timing';
import { ErrorNote } from '../components/error-note';
import { UndoNotes } from '../components/undo-notes';
import { WaterfallChart } from './waterfall-chart';
import { PredictionTable } from './prediction-table';

/** Key figures of a record. */
export function RecordFacts({ record }: { record: MigrationRecord }) {
  const t = timingSummary(record);
  return (
    <dl className="facts">
      <dt>Outcome</dt>
      <dd>
        <span className={`badge ${record.outcome === 'succeeded' ? 'ok' : 'bad'}`}>{record.outcome}</span>
      </dd>
      <dt>Process</dt>
      <dd>
        PID {record.request.pid} {record.plan ? <code>{record.plan.comm}</code> : null} · {record.request.from} → {record.request.to}
      </dd>
      <dt>Started</dt>
      <dd>{new Date(record.startedAt).toLocaleString()}</dd>
      <dt>Total</dt>
      <dd>{t.totalMs === undefined ? '–' : formatDuration(t.totalMs)}</dd>
      <dt>Freeze window</dt>
      <dd>
        {t.freeze?.ms === undefined ? '–' : `${t.freeze.ms} ms`} of {formatDuration(record.request.budgetMs)} budget
        {t.freeze?.budgetUsed !== undefined ? ` (${(t.freeze.budgetUsed * 100).toFixed(1)}%)` : ''}
      </dd>
      <dt>Images</dt>
      <dd>
        {t.imageBytes === undefined ? '–' : formatBytes(t.imageBytes)}
        {t.transferMs !== undefined ? ` in ${t.transferMs} ms` : ''}
        {t.transferMiBps !== undefined ? ` (${t.transferMiBps.toFixed(1)} MiB/s)` : ''}
      </dd>
      <dt>Connections</dt>
      <dd>
        {record.connections.filter((c) => c.ok).length}/{record.connections.length} intact
      </dd>
    </dl>
  );
}

/** The full review of one migration. */
export function MigrationDetail({ record, onExport }: { record: MigrationRecord; onExport(): void }) {
  const t = timingSummary(record);
  return (
    <section className="stack" aria-labelledby="detail-title">
      <div className="row between">
        <h3 id="detail-title">
          Migration <code>{record.id}</code>
        </h3>
        <button type="button" onClick={onExport}>
          Export JSON
        </button>
      </div>
      <RecordFacts record={record} />
      {record.error && <ErrorNote error={record.error} title={record.outcome === 'refused' ? 'Refused' : 'Failed'} />}
      <UndoNotes record={record} />
      {t.freeze?.ms !== undefined && (
        <div className="stack">
          <div className="small">Freeze against budget</div>
          <div
            role="meter"
            aria-label="Freeze window against budget"
            aria-valuemin={0}
            aria-valuemax={record.request.budgetMs}
            aria-valuenow={t.freeze.ms}
            className="meter"
          >
            <div
              className={`meter-fill ${t.freeze.ms > record.request.budgetMs ? 'over-budget' : 'ok'}`}
              style={{ width: `${Math.min(100, Math.max(0.5, (t.freeze.budgetUsed ?? 0) * 100))}%` }}
            />
          </div>
        </div>
      )}
      <h4>Steps</h4>
      <WaterfallChart timing={t} label={`Waterfall of ${record.id}`} />
      <table className="grid small" aria-label="Step timings">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Start</th>
            <th scope="col">Duration</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {t.rows.map((r) => (
            <tr key={r.name}>
              <th scope="row">{r.name}</th>
              <td>+{r.startMs} ms</td>
              <td>{r.durationMs} ms</td>
              <td>{r.detail ?? (r.status === 'freeze' ? 'network locked → restored process running' : r.status)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {t.freezeParts && (
        <>
          <h4>Freeze, part by part</h4>
          <table className="grid small" aria-label="Freeze parts">
            <thead>
              <tr>
                <th scope="col">Part</th>
                <th scope="col">Where</th>
                <th scope="col">Duration</th>
                <th scope="col">Share</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {t.freezeParts.map((p) => (
                <tr key={p.name}>
                  <th scope="row">{p.name}</th>
                  <td>{p.host}</td>
                  <td>{p.ms} ms</td>
                  <td>{(p.share * 100).toFixed(0)}%</td>
                  <td>{p.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <PredictionTable record={record} />
      <h4>Connections before and after</h4>
      {record.connections.length === 0 ? (
        <p className="muted">No established connections were recorded.</p>
      ) : (
        <table className="grid small" aria-label="Connections before and after">
          <thead>
            <tr>
              <th scope="col">Connection</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {record.connections.map((c, i) => (
              <tr key={c.key || i}>
                <td>
                  <code>
                    {(c.key || `${c.before.local.address}:${c.before.local.port}>${c.before.remote.address}:${c.before.remote.port}`).replace('>', ' → ')}
                  </code>
                </td>
                <td>
                  {c.before.state} rtt {c.before.rttMs ?? '–'} ms, rto {c.before.rtoMs ?? '–'} ms, q {c.before.recvQ}/{c.before.sendQ}
                </td>
                <td>
                  {c.after
                    ? `${c.after.state} rtt ${c.after.rttMs ?? '–'} ms, rto ${c.after.rtoMs ?? '–'} ms, q ${c.after.recvQ}/${c.after.sendQ}, retrans ${c.after.retransTotal ?? 0}`
                    : '–'}
                </td>
                <td>{c.ok ? <span className="badge ok">intact</span> : <span className="badge bad">{c.problem ?? 'not verified'}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
