// One timeline of the peers' retransmission schedules (log time axis, recharts) with the freeze bar growing across
// it. The chart itself renders only when the plan changes; the bar is a small child that ticks on its own.
import { memo } from 'react';
import { ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, usePlotArea, useXAxisScale } from 'recharts';
import { formatDuration } from '../../../app/countdown/freeze-countdown';
import { useFreezeElapsed, type FreezeWindow } from '../hooks/use-freeze-elapsed';

export const MIN_S = 0.1;
const TICKS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 900];

export interface TimelineRow {
  label: string;
  retransmitsMs: number[];
}

interface Props {
  rows: TimelineRow[];
  budgetMs: number;
  giveUpMs: number | undefined;
  freeze: FreezeWindow | undefined;
  clockOffsetMs: number;
}

/** The growing freeze bar, drawn inside the chart's plot area with the chart's own x scale. */
function FreezeBar({ freeze, clockOffsetMs }: { freeze: FreezeWindow | undefined; clockOffsetMs: number }) {
  const { elapsed } = useFreezeElapsed(freeze, clockOffsetMs);
  const scale = useXAxisScale();
  const area = usePlotArea();
  if (!scale || !area || !freeze) return null;
  const x1 = scale(MIN_S) ?? area.x;
  const x2 = Math.min(area.x + area.width, Math.max(x1 + 1, scale(Math.max(MIN_S, elapsed / 1000)) ?? x1));
  return <rect className="freeze-bar" x={x1} y={area.y} width={x2 - x1} height={area.height} fill="var(--freeze)" fillOpacity={0.5} pointerEvents="none" />;
}

/** The timeline chart (memoized: props change only with the plan, the budget or the freeze events). */
export const FreezeTimeline = memo(function FreezeTimeline({ rows, budgetMs, giveUpMs, freeze, clockOffsetMs }: Props) {
  const maxS = Math.max(budgetMs / 1000, (giveUpMs ?? 0) / 1000) * 1.15;
  const points = rows.flatMap((r) => r.retransmitsMs.filter((t) => t / 1000 >= MIN_S).map((t) => ({ t: t / 1000, row: r.label })));
  return (
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
          <ReferenceLine
            x={budgetMs / 1000}
            stroke="var(--warn)"
            strokeDasharray="4 3"
            label={{ value: `budget ${formatDuration(budgetMs)}`, position: 'top', fontSize: 11, fill: 'var(--fg)' }}
          />
          {giveUpMs !== undefined && (
            <ReferenceLine x={giveUpMs / 1000} stroke="var(--bad)" label={{ value: 'peer gives up', position: 'top', fontSize: 11, fill: 'var(--fg)' }} />
          )}
          <Scatter name="peer retransmissions" data={points} fill="var(--accent)" isAnimationActive={false} shape="diamond" />
          <FreezeBar freeze={freeze} clockOffsetMs={clockOffsetMs} />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
});
