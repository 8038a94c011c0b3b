// Evacuate a host (Hosts view): destinations, parallelism, freeze budget per tree and failure policy; the plan (what
// moves where, what stays and why); then the evacuation as one task with each tree's progress and the report.
import { EVACUATION_LIMITS, MIGRATION_LIMITS } from '../../../app/contract/schemas';
import type { EvacuationProgress, TreeProgress } from '../../../app/evacuate/evacuation-progress';
import { ON_FAILURE, type EvacuationPlan } from '../../../app/model/evacuation';
import { ErrorNote } from '../components/error-note';
import { selectHostList } from '../store/hosts-slice';
import { useStore } from '../store/store';

const STATE_LABEL: Record<TreeProgress['state'], string> = {
  waiting: 'waiting',
  running: 'running',
  moved: 'moved',
  failed: 'failed',
  'not-started': 'not started',
};

/** The request's fields. */
function EvacuationForm({ host }: { host: string }) {
  const d = useStore((s) => s.evacDraft);
  const hosts = useStore(selectHostList);
  const set = useStore((s) => s.setEvacDraft);
  const others = hosts.filter((h) => h.name !== host);
  return (
    <div className="stack">
      <fieldset>
        <legend>Destinations</legend>
        {others.map((h) => (
          <label key={h.name} className="inline">
            <input
              type="checkbox"
              checked={d.to.includes(h.name)}
              onChange={(e) => set({ to: e.target.checked ? [...d.to, h.name] : d.to.filter((x) => x !== h.name) })}
            />
            {h.name}
          </label>
        ))}
      </fieldset>
      <div className="row wrap">
        <label className="inline">
          At a time
          <input
            className="narrow"
            type="number"
            min={1}
            max={EVACUATION_LIMITS.parallelMax}
            value={d.parallel}
            onChange={(e) => set({ parallel: Number(e.target.value) })}
          />
        </label>
        <label className="inline">
          Freeze budget per tree (ms)
          <input
            className="narrow"
            type="number"
            min={MIGRATION_LIMITS.budgetMsMin}
            max={MIGRATION_LIMITS.budgetMsMax}
            value={d.freezeBudgetMs}
            onChange={(e) => set({ freezeBudgetMs: Number(e.target.value) })}
          />
        </label>
        <label className="inline">
          When a tree fails
          <select value={d.onFailure} onChange={(e) => set({ onFailure: ON_FAILURE.find((p) => p === e.target.value) ?? 'continue' })}>
            {ON_FAILURE.map((p) => (
              <option key={p} value={p}>
                {p === 'continue' ? 'roll it back and go on' : 'roll it back and stop'}
              </option>
            ))}
          </select>
        </label>
      </div>
    </div>
  );
}

/** What moves where, and what stays and why. */
function PlanTables({ plan }: { plan: EvacuationPlan }) {
  return (
    <div className="stack">
      <table className="grid" aria-label="Trees that move">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Process tree</th>
            <th scope="col">To</th>
            <th scope="col">Connections</th>
            <th scope="col">Addresses</th>
            <th scope="col">Mode</th>
            <th scope="col">Predicted freeze</th>
          </tr>
        </thead>
        <tbody>
          {plan.moves.map((m, i) => (
            <tr key={m.pid}>
              <td>{i + 1}</td>
              <th scope="row">
                {m.pid} ({m.comm})
              </th>
              <td>{m.to}</td>
              <td>
                {m.connections}
                {m.listeners ? ` + ${m.listeners} listening` : ''}
              </td>
              <td>{m.moves.join(', ') || '—'}</td>
              <td>{m.mode}</td>
              <td>{m.predictedFreezeMs === undefined ? '—' : `${Math.round(m.predictedFreezeMs)} ms`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {plan.moves.length === 0 && <p className="muted">Nothing on this host can move.</p>}
      {plan.stays.length > 0 && (
        <table className="grid" aria-label="Trees that stay">
          <thead>
            <tr>
              <th scope="col">Process tree</th>
              <th scope="col">Why it stays</th>
            </tr>
          </thead>
          <tbody>
            {plan.stays.map((s) => (
              <tr key={s.pid}>
                <th scope="row">
                  {s.pid} ({s.comm})
                </th>
                <td>
                  <ul>
                    {s.why.map((w, i) => (
                      <li key={i}>
                        <code className="code">{w.code}</code>
                        {w.host ? ` (${w.host})` : ''} {w.message}
                        {w.hint ? <div className="muted small">What to do: {w.hint}</div> : null}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {plan.warnings.map((w) => (
        <div key={w} className="note warn">
          {w}
        </div>
      ))}
    </div>
  );
}

/** The evacuation as one task: each tree's state, step and freeze; the report at the end. */
function EvacuationRun({ run }: { run: EvacuationProgress }) {
  const cancel = useStore((s) => s.cancelEvacuation);
  const r = run.report;
  return (
    <section className="stack" aria-label="Evacuation progress">
      <h4>
        Evacuation <code>{run.id}</code>{' '}
        <span role="status" className={`badge ${r?.outcome === 'complete' ? 'ok' : r ? 'bad' : ''}`}>
          {r ? r.outcome : run.cancelling ? 'cancelling' : 'running'}
        </span>
      </h4>
      <table className="grid" aria-label="Evacuation trees">
        <thead>
          <tr>
            <th scope="col">Process tree</th>
            <th scope="col">To</th>
            <th scope="col">State</th>
            <th scope="col">Step</th>
            <th scope="col">Freeze</th>
          </tr>
        </thead>
        <tbody>
          {run.trees.map((t) => (
            <tr key={t.pid}>
              <th scope="row">
                {t.pid} ({t.comm})
              </th>
              <td>{t.to}</td>
              <td>
                <span className={`badge ${t.state === 'moved' ? 'ok' : t.state === 'failed' || t.state === 'not-started' ? 'bad' : ''}`}>
                  {STATE_LABEL[t.state]}
                </span>
                {t.error ? <div className="small">{t.error}</div> : null}
              </td>
              <td>{t.step ?? '—'}</td>
              <td>{t.freezeMs === undefined ? '—' : `${t.freezeMs} ms`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {run.refused.length > 0 && <div className="note warn">Past their point of no return, these finish: {run.refused.join(', ')}</div>}
      {run.running && (
        <button type="button" onClick={() => void cancel()} disabled={run.cancelling}>
          {run.cancelling ? 'Cancelling…' : 'Cancel evacuation'}
        </button>
      )}
      {r && (
        <div className={`note ${r.outcome === 'complete' ? 'ok' : 'warn'}`} role="alert" aria-label="Evacuation report">
          {r.moved.length} moved, {r.stayed.length} stayed, {r.failed.length} failed, {r.notStarted.length} not started ({r.endedAt - r.startedAt} ms).
          {r.stayed.length > 0 && (
            <ul>
              {r.stayed.map((s) => (
                <li key={s.pid}>
                  {s.pid} ({s.comm}) stayed: {s.why.map((w) => `[${w.code}] ${w.message}`).join('; ')}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

/** The panel, open for one host. */
export function EvacuatePanel() {
  const d = useStore((s) => s.evacDraft);
  const plan = useStore((s) => s.evacPlan);
  const run = useStore((s) => (s.evacId ? s.evacuations[s.evacId] : undefined));
  const starting = useStore((s) => s.evacStarting);
  const error = useStore((s) => s.evacError);
  const { planEvacuation, startEvacuation, closeEvacuation } = useStore.getState();
  if (!d.host) return null;
  const busy = !!run?.running || starting;
  return (
    <section className="card stack" aria-labelledby="evacuate-title">
      <div className="row between">
        <h3 id="evacuate-title">Evacuate {d.host}</h3>
        <button type="button" className="ghost" onClick={closeEvacuation} disabled={busy}>
          Close
        </button>
      </div>
      {!run && <EvacuationForm host={d.host} />}
      {!run && (
        <div className="row">
          <button type="button" onClick={() => void planEvacuation()} disabled={plan.loading || !d.to.length}>
            {plan.loading ? 'Planning…' : 'Show plan'}
          </button>
          <button type="button" className="primary" onClick={() => void startEvacuation()} disabled={!plan.value || busy || !plan.value.moves.length}>
            {starting ? 'Starting…' : 'Start evacuation'}
          </button>
        </div>
      )}
      {plan.error && <ErrorNote error={plan.error} title="Could not plan the evacuation" />}
      {error && <ErrorNote error={error} title="Evacuation" />}
      {!run && plan.value && <PlanTables plan={plan.value} />}
      {run && <EvacuationRun run={run} />}
    </section>
  );
}
