// A rehearsal's result in the Migrate view: the verdict, whether CRIU can dump the tree, what was measured, and the
// predicted freeze of every mode with its parts.
import type { Rehearsal } from '../../../app/contract/contract';

const MARK = { ok: '✓', warning: '!', problem: '✗' } as const;

/** Shows one rehearsal. */
export function RehearsalPanel({ rehearsal: r }: { rehearsal: Rehearsal }) {
  const q = r.request;
  return (
    <section className="card stack" aria-labelledby="rehearsal-title">
      <h3 id="rehearsal-title">{r.ok ? 'Rehearsal: the migration would start' : 'Rehearsal: the migration would be refused'}</h3>
      <p className="muted">
        {q.from} → {q.to}, PID {q.pid}: {Math.round(r.ms)} ms, {r.dump ? 'one short freeze for the real dump' : 'nothing frozen'}, nothing left behind.
      </p>
      <ul aria-label="Rehearsal findings" className="checks">
        {r.findings.map((f, i) => (
          <li key={`${f.check}-${i}`} className={f.severity === 'ok' ? 'ok' : f.severity === 'warning' ? 'warn' : 'bad'}>
            {MARK[f.severity]} <strong>{f.check}</strong>: {f.host ? `${f.host}: ` : ''}
            {f.message}
            {f.hint ? <span className="muted"> ({f.hint})</span> : null}
          </li>
        ))}
      </ul>
      <dl className="facts">
        {r.workload && (
          <>
            <dt>Memory</dt>
            <dd>
              {r.workload.privateMiB} MiB can be lazy, {r.workload.sharedMiB} MiB cannot (shared) · {r.workload.threads ?? '?'} thread(s) ·{' '}
              {r.workload.connections} connection(s)
            </dd>
          </>
        )}
        {r.link && (
          <>
            <dt>Link</dt>
            <dd>
              {q.from} → {q.to}: {r.link.bandwidthMiBps} MiB/s (TLS)
            </dd>
          </>
        )}
        {r.hosts && (
          <>
            <dt>Hosts</dt>
            <dd>
              SSH {r.hosts.source.rttMs} / {r.hosts.destination.rttMs} ms · CRIU start {r.hosts.source.criuStartMs} / {r.hosts.destination.criuStartMs} ms
            </dd>
          </>
        )}
        {r.dump && (
          <>
            <dt>Real dump</dt>
            <dd>
              {r.dump.wallMs} ms (frozen {r.dump.frozenMs ?? '?'} ms), the process kept running
            </dd>
          </>
        )}
        {r.dumpError && (
          <>
            <dt>Real dump</dt>
            <dd>{r.dumpError}</dd>
          </>
        )}
      </dl>
      <table className="grid small" aria-label="Predicted freeze per mode">
        <thead>
          <tr>
            <th>mode</th>
            <th>predicted freeze</th>
            <th>memory in the freeze</th>
            <th>parts</th>
          </tr>
        </thead>
        <tbody>
          {r.predictions.map((p) => (
            <tr key={p.mode} aria-current={p.mode === r.mode ? 'true' : undefined}>
              <td>
                {p.mode}
                {p.mode === r.mode ? ' (plan)' : ''}
              </td>
              <td>{p.ok ? `${Math.round(p.ms)} ms` : `refused: ${p.problem ?? ''}`}</td>
              <td>{p.ok ? `${p.memory.inFreezeMiB.toFixed(1)} MiB${p.memory.lazyMiB ? ` (${p.memory.lazyMiB.toFixed(1)} MiB after)` : ''}` : '–'}</td>
              <td className="muted">{p.ok ? p.parts.map((x) => `${x.name} ${Math.round(x.ms)}`).join(' · ') : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Calibrated with {r.calibratedWith} past migration(s) between these hosts. The migration that follows keeps this prediction beside its measurement.
      </p>
    </section>
  );
}
