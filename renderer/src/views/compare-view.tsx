// Two migrations side by side: figures, waterfalls, and each step's difference.
import { timingSummary } from '../../../app/review/timing';
import { useStore } from '../store/store';
import { RecordFacts } from './migration-detail';
import { WaterfallChart } from './waterfall-chart';

/** Side-by-side comparison of two records. */
export function CompareView({ ids }: { ids: [string, string] }) {
  const records = useStore((s) => s.records);
  const a = records[ids[0]]?.value;
  const b = records[ids[1]]?.value;
  if (!a || !b) return <p role="status">Loading the two migrations…</p>;
  const ta = timingSummary(a);
  const tb = timingSummary(b);
  const names = [...new Set([...ta.rows, ...tb.rows].map((r) => r.name))];
  const dur = (t: typeof ta, n: string) => t.rows.find((r) => r.name === n)?.durationMs;
  return (
    <section className="stack" aria-labelledby="compare-title">
      <h3 id="compare-title">Comparison</h3>
      <div className="two-col">
        {[a, b].map((r, i) => (
          <div key={r.id} className="card">
            <h4>
              <code>{r.id}</code>
            </h4>
            <RecordFacts record={r} />
            <WaterfallChart timing={i === 0 ? ta : tb} label={`Waterfall of ${r.id}`} />
          </div>
        ))}
      </div>
      <table className="grid small" aria-label="Step durations compared">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">{a.id}</th>
            <th scope="col">{b.id}</th>
            <th scope="col">Difference</th>
          </tr>
        </thead>
        <tbody>
          {names.map((n) => {
            const x = dur(ta, n);
            const y = dur(tb, n);
            return (
              <tr key={n}>
                <th scope="row">{n}</th>
                <td>{x ?? '–'} ms</td>
                <td>{y ?? '–'} ms</td>
                <td>{x !== undefined && y !== undefined ? `${y - x > 0 ? '+' : ''}${y - x} ms` : '–'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
