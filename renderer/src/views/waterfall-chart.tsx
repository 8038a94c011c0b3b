// The steps of one migration as a waterfall (offset + duration bars), with the freeze window as its own bar.
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { TimingSummary } from '../../../app/review/timing';

const COLOR: Record<string, string> = {
  ok: 'var(--ok)',
  failed: 'var(--bad)',
  running: 'var(--accent)',
  skipped: 'var(--muted)',
  freeze: 'var(--freeze)',
  part: 'var(--accent)',
};

/** Waterfall of a timing summary; the freeze's parts (when known) follow the freeze bar, end to end. */
export function WaterfallChart({ timing, label }: { timing: TimingSummary; label: string }) {
  const data = [
    ...timing.rows.map((r) => ({
      name: r.name as string,
      offset: r.startMs / 1000,
      duration: Math.max(r.durationMs, 1) / 1000,
      ms: r.durationMs,
      status: r.status as string,
    })),
    ...(timing.freezeParts ?? []).map((p) => ({ name: `· ${p.name}`, offset: p.startMs / 1000, duration: Math.max(p.ms, 1) / 1000, ms: p.ms, status: 'part' })),
  ];
  return (
    <figure className="chart" style={{ height: 60 + data.length * 26 }} aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 24, bottom: 16, left: 8 }} barCategoryGap={4}>
          <CartesianGrid horizontal={false} stroke="var(--line)" />
          <XAxis type="number" unit=" s" tick={{ fontSize: 11 }} />
          <YAxis type="category" dataKey="name" width={timing.freezeParts?.length ? 220 : 120} tick={{ fontSize: 11 }} />
          <Tooltip formatter={(_v, _n, item) => [`${(item.payload as { ms: number }).ms} ms`, 'duration']} />
          <Bar dataKey="offset" stackId="w" fill="transparent" isAnimationActive={false} />
          <Bar dataKey="duration" stackId="w" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.name} fill={COLOR[d.status] ?? 'var(--accent)'} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
