// The plan before anything is frozen: preflight on both hosts, addresses to move, transfer mode, budget, connections.
import type { PlanPreview } from '../../../app/contract/contract';
import { formatDuration } from '../../../app/countdown/freeze-countdown';
import { remoteSchedule } from '../../../app/countdown/rto-schedule';
import { fourTupleKey } from '../../../app/model/host';
import { CheckList } from '../components/check-list';
import { ErrorNote } from '../components/error-note';

/** Shows a plan preview. */
export function PlanPanel({ preview }: { preview: PlanPreview }) {
  const { plan, request } = preview;
  const estab = plan?.connections.filter((c) => c.state === 'ESTAB') ?? [];
  return (
    <section className="stack" aria-labelledby="plan-title">
      <h3 id="plan-title">{preview.ok ? 'Plan: ready to migrate' : 'Plan: cannot migrate yet'}</h3>
      <div className="two-col">
        <div className="card">
          <h4>Preflight on {request.from} (source)</h4>
          <CheckList checks={preview.readiness.source} label={`Preflight on ${request.from}`} />
        </div>
        <div className="card">
          <h4>Preflight on {request.to} (destination)</h4>
          <CheckList checks={preview.readiness.destination} label={`Preflight on ${request.to}`} />
        </div>
      </div>
      {preview.problems.map((p, i) => (
        <ErrorNote key={`${p.code}-${i}`} error={p} title="Blocks the migration" />
      ))}
      {preview.warnings.map((w) => (
        <div key={w} className="note warn">
          {w}
        </div>
      ))}
      {plan && (
        <div className="card stack">
          <dl className="facts">
            <dt>Process</dt>
            <dd>
              PID {request.pid} <code>{plan.comm}</code> · {plan.treePids.length} process(es) · {Math.round(plan.rssKiB / 1024)} MiB
              {plan.shellJob ? ' · shell job' : ''}
            </dd>
            <dt>Addresses to move</dt>
            <dd>
              {plan.addresses.length
                ? plan.addresses.map((a) => (
                    <code key={a.address} className="chip">{`${a.address}/${a.prefixLen} ${a.sourceDevice} → ${a.destinationDevice}`}</code>
                  ))
                : 'none'}
            </dd>
            <dt>Transfer</dt>
            <dd>
              {plan.transferMode}
              {plan.transferReason ? ` — ${plan.transferReason}` : ''}
            </dd>
            <dt>Budget</dt>
            <dd>{formatDuration(request.budgetMs)} of freeze</dd>
            <dt>Connections</dt>
            <dd>{estab.length} established</dd>
          </dl>
          {estab.length > 0 && (
            <table className="grid small" aria-label="Connections in the plan">
              <thead>
                <tr>
                  <th scope="col">Connection</th>
                  <th scope="col">RTT</th>
                  <th scope="col">RTO</th>
                  <th scope="col">Peer's first retransmission</th>
                  <th scope="col">Peer gives up</th>
                </tr>
              </thead>
              <tbody>
                {estab.map((c) => {
                  const s = remoteSchedule(fourTupleKey(c), c);
                  return (
                    <tr key={s.key}>
                      <td>
                        <code>{s.key.replace('>', ' → ')}</code>
                      </td>
                      <td>{c.rttMs === undefined ? '–' : `${c.rttMs} ms`}</td>
                      <td>{c.rtoMs === undefined ? '–' : `${c.rtoMs} ms`}</td>
                      <td>{formatDuration(s.retransmitsMs[0] ?? s.baseRtoMs)}</td>
                      <td>{formatDuration(s.deathMs)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
