// The live countdown: elapsed freeze against the budget and against each peer's retransmission schedule,
// updating 20 times a second while frozen (only the figures and the bar re-render at that rate).
import { useMemo } from 'react';
import { countdownAt, formatDuration } from '../../../app/countdown/freeze-countdown';
import { remoteSchedule, type RemoteSchedule } from '../../../app/countdown/rto-schedule';
import { fourTupleKey, type TcpSocket } from '../../../app/model/host';
import { useFreezeElapsed, type FreezeWindow } from '../hooks/use-freeze-elapsed';
import { FreezeTimeline, type TimelineRow } from './freeze-timeline';

interface Props {
  connections: TcpSocket[];
  budgetMs: number;
  freeze?: FreezeWindow | undefined;
  /** Server clock minus the page's clock. */
  clockOffsetMs: number;
}

/** Connections that share a schedule (same base RTO) share one timeline row. */
function rowsOf(schedules: RemoteSchedule[]): TimelineRow[] {
  const groups = new Map<number, RemoteSchedule[]>();
  for (const s of schedules) groups.set(s.baseRtoMs, [...(groups.get(s.baseRtoMs) ?? []), s]);
  return [...groups.entries()].map(([base, list]) => ({
    label: `${list.length} conn · RTO ${base} ms`,
    retransmitsMs: (list[0] as RemoteSchedule).retransmitsMs,
  }));
}

/** The figures and the meter: the part that ticks. */
function CountdownFigures({
  schedules,
  budgetMs,
  freeze,
  clockOffsetMs,
}: {
  schedules: RemoteSchedule[];
  budgetMs: number;
  freeze: FreezeWindow | undefined;
  clockOffsetMs: number;
}) {
  const { elapsed, frozen } = useFreezeElapsed(freeze, clockOffsetMs);
  const c = countdownAt(elapsed, budgetMs, schedules);
  const next = c.connections.reduce<number | undefined>((m, x) => (m === undefined || x.nextAtMs < m ? x.nextAtMs : m), undefined);
  const sent = c.connections.reduce((m, x) => Math.max(m, x.retransmitted), 0);
  const state = !freeze ? 'not frozen yet' : frozen ? 'frozen' : 'resumed';
  return (
    <>
      <div className="row wrap figures">
        <div>
          <div className="muted small">Freeze ({state})</div>
          <div className={`big ${c.status !== 'ok' ? 'bad' : ''}`}>{formatDuration(elapsed)}</div>
        </div>
        <div>
          <div className="muted small">Budget left</div>
          <div className="big">{formatDuration(c.budgetLeftMs)}</div>
        </div>
        <div>
          <div className="muted small">{frozen || !freeze ? 'Next peer retransmission' : 'Peer traffic resumes by'}</div>
          <div className="big">{next === undefined ? '–' : `at ${formatDuration(next)}`}</div>
        </div>
        <div>
          <div className="muted small">Retransmissions into the silence</div>
          <div className="big">{schedules.length ? sent : '–'}</div>
        </div>
        <div>
          <div className="muted small">Peers give up (tcp_retries2=15)</div>
          <div className="big">{c.firstDeathMs === undefined ? '–' : `at ${formatDuration(c.firstDeathMs)}`}</div>
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
        data-state={!freeze ? 'idle' : frozen ? 'frozen' : 'resumed'}
        className="meter"
      >
        <div className={`meter-fill ${c.status}`} style={{ width: `${Math.min(100, (elapsed / budgetMs) * 100)}%` }} />
      </div>
    </>
  );
}

/** The countdown card. */
export function CountdownChart({ connections, budgetMs, freeze, clockOffsetMs }: Props) {
  const schedules = useMemo(() => connections.filter((c) => c.state === 'ESTAB').map((c) => remoteSchedule(fourTupleKey(c), c)), [connections]);
  const rows = useMemo(() => rowsOf(schedules), [schedules]);
  const giveUp = schedules.length ? Math.min(...schedules.map((s) => s.deathMs)) : undefined;
  return (
    <section className="card stack" aria-labelledby="countdown-title">
      <h3 id="countdown-title">Freeze countdown</h3>
      <CountdownFigures schedules={schedules} budgetMs={budgetMs} freeze={freeze} clockOffsetMs={clockOffsetMs} />
      {rows.length === 0 ? (
        <p className="muted">No established connection: nothing to count down against but the budget.</p>
      ) : (
        <>
          <FreezeTimeline rows={rows} budgetMs={budgetMs} giveUpMs={giveUp} freeze={freeze} clockOffsetMs={clockOffsetMs} />
          <p className="small muted">
            Diamonds: when each peer retransmits into the silence (RTO estimated from the measured{' '}
            {[...new Set(schedules.map((s) => s.baseRtoMs))].map((b) => `${b} ms`).join(', ')}, doubling, capped at 120 s). A freeze shorter than the first
            retransmission costs nothing beyond itself.
          </p>
        </>
      )}
    </section>
  );
}
