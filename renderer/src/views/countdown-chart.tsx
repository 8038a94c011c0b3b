// The live countdown: the freeze bar growing across each peer's retransmission schedule (log time axis),
// with the budget and the tcp_retries2 give-up point, redrawn 20 times a second while frozen.
import { useMemo } from 'react';
import { ReferenceArea, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { countdownAt, formatDuration } from '../../../app/countdown/freeze-countdown';
import { remoteSchedule, type RemoteSchedule } from '../../../app/countdown/rto-schedule';
import { fourTupleKey, type TcpSocket } from '../../../app/model/host';
import { useNow } from '../hooks/use-now';

const MIN_S = 0.1;
const TICKS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 900];

interface Props {
  connections: TcpSocket[];
  budgetMs: number;
  freeze?: { startedAt: number; endedAt?: number; ms?: number } | undefined;
  /** Server clock minus the page's clock. */
  clockOffsetMs: number;
}

/** Groups connections that share a schedule (same base RTO) into one timeline row. */
function rowsOf(schedules: RemoteSchedule[]) {
  const groups = new Map<number, RemoteSchedule[]>();
  for (const s of schedules) groups.set(s.baseRtoMs, [...(groups.get(s.baseRtoMs) ?? []), s]);
  return [...groups.entries()].map(([base, list]) => ({
    label: `${list.length} conn · RTO ${base} ms`,
    schedule: list[0] as RemoteSchedule,
    keys: list.map((s) => s.key),
  }));
}

/** The countdown: figures, a meter and the timeline. */
export function CountdownChart({ connections, budgetMs, freeze, clockOffsetMs }: Props) {
  const frozen = !!freeze && freeze.endedAt === undefined;
  const now = useNow(20, frozen);
  const schedules = useMemo(() => connections.filter((c) => c.state === 'ESTAB').map((c) => remoteSchedule(fourTupleKey(c), c)), [connections]);
  const rows = useMemo(() => rowsOf(schedules), [schedules]);
  const elapsed = !freeze ? 0 : freeze.ms ?? (freeze.endedAt !== undefined ? freeze.endedAt - freeze.startedAt : now + clockOffsetMs - freeze.startedAt);
  const c = countdownAt(elapsed, budgetMs, schedules);
  const first = c.connections.reduce<number | undefined>((m, x) => (m === undefined || x.nextAtMs < m ? x.nextAtMs : m), undefined);
  const giveUp = c.firstDeathMs;
  const maxS = Math.max(budgetMs / 1000, (giveUp ?? 0) / 1000) * 1.15;
  const points = rows.flatMap((r) => r.schedule.retransmitsMs.filter((t) => t / 1000 >= MIN_S).map((t) => ({ t: t / 1000, row: r.label, passed: t <= elapsed })));
  const state = !freeze ? 'not frozen yet' : frozen ? 'frozen' : 'resumed';

  return (
    <section className="card stack" aria-labelledby="countdown-title">
      <h3 id="countdown-title">Freeze countdown</h3>
      <div className="row wrap figures">
        <div>
          <div className="muted small">Freeze ({state})</div>
          <div className={`big ${c.status !== 'ok' ? 'bad' : ''}`} aria-live="off" data-testid="freeze-elapsed">{formatDuration(elapsed)}</div>
        </div>
        <div>
          <div className="muted small">Budget left</div>
          <div className="big">{formatDuration(c.budgetLeftMs)}</div>
        </div>
        <div>
          <div className="muted small">{frozen ? 'Next peer retransmission' : 'Expected resume of peer traffic'}</div>
          <div className="big">{first === undefined ? '–' : `at ${formatDuration(first)}`}</div>
        </div>
        <div>
          <div className="muted small">Peers give up (tcp_retries2=15)</div>
          <div className="big">{giveUp === undefined ? '–' : `at ${formatDuration(giveUp)}`}</div>
        </div>
      </div>
      <div
        role="meter"
        aria-label="Freeze time against budget"
        aria-valuemin={0}
        aria-valuemax={budgetMs}
        aria-valuenow={Math.round(Math.min(elapsed, budgetMs))}
        aria-valuetext={`${formatDuration(elapsed)} of ${formatDuration(budgetMs)}`}
        data-elapsed-ms={Math.round(elapsed)}
        className="meter"
      >
        <div className={`meter-fill ${c.status}`} style={{ width: `${Math.min(100, (elapsed / budgetMs) * 100)}%` }} />
      </div>
      {rows.length === 0 ? (
        <p className="muted">No established connection: nothing to count down against but the budget.</p>
      ) : (
        <div className="chart" style={{ height: 70 + rows.length * 36 }}>
          <ResponsiveContainer width="100%" height="100%">
            <ScatterChart margin={{ top: 18, right: 24, bottom: 16, left: 8 }}>
              <XAxis
                type="number"
                dataKey="t"
                scale="log"
                domain={[MIN_S, maxS]}
                ticks={TICKS.filter((t) => t <= maxS)}
                allowDataOverflow
                tickFormatter={(t: number) => (t < 60 ? `${t}s` : `${Math.round(t / 60)}m`)}
                label={{ value: 'seconds since the freeze started (log scale)', position: 'insideBottom', offset: -8, fontSize: 11 }}
              />
              <YAxis type="category" dataKey="row" width={150} allowDuplicatedCategory={false} tick={{ fontSize: 11 }} />
              <Tooltip formatter={(v) => `${v} s`} />
              <ReferenceArea x1={MIN_S} x2={Math.max(MIN_S * 1.01, elapsed / 1000)} className="freeze-bar" fill="var(--freeze)" fillOpacity={0.55} ifOverflow="hidden" />
              <ReferenceLine x={budgetMs / 1000} stroke="var(--warn)" strokeDasharray="4 3" label={{ value: `budget ${formatDuration(budgetMs)}`, position: 'top', fontSize: 11, fill: 'var(--fg)' }} />
              {giveUp !== undefined && <ReferenceLine x={giveUp / 1000} stroke="var(--bad)" label={{ value: 'peer gives up', position: 'top', fontSize: 11, fill: 'var(--fg)' }} />}
              <Scatter name="peer retransmissions" data={points} fill="var(--accent)" isAnimationActive={false} shape="diamond" />
            </ScatterChart>
          </ResponsiveContainer>
        </div>
      )}
      {rows.length > 0 && (
        <p className="small muted">
          Diamonds: when each peer retransmits into the silence (its RTO estimated from the measured {rows.map((r) => `${r.schedule.baseRtoMs} ms`).join(', ')}, doubling, capped at 120 s).
          A freeze shorter than the first retransmission costs nothing beyond itself.
        </p>
      )}
    </section>
  );
}
