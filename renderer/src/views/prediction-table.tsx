// The Review's predicted-against-measured table: the record's prediction (a rehearsal's or the preflight's) beside
// the freeze it measured, part by part.
import type { MigrationRecord } from '../../../app/model/migration';
import { comparePrediction } from '../../../app/rehearsal/compare';

const ms = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)} ms`);
const pct = (v: number | undefined) => (v === undefined ? '–' : `${v > 0 ? '+' : ''}${v.toFixed(0)} %`);

/** Predicted vs measured freeze of one record (nothing when it kept no prediction). */
export function PredictionTable({ record }: { record: MigrationRecord }) {
  const c = comparePrediction(record);
  if (!c) return null;
  return (
    <div className="card">
      <h4>Predicted and measured freeze ({c.from === 'rehearsal' ? 'from the rehearsal' : "from the preflight's facts"})</h4>
      <table className="grid small" aria-label="Predicted and measured freeze">
        <thead>
          <tr>
            <th>part</th>
            <th>predicted</th>
            <th>measured</th>
            <th>error</th>
          </tr>
        </thead>
        <tbody>
          {[c.total, ...c.parts].map((p) => (
            <tr key={p.name}>
              <td>{p.name === 'freeze' ? <strong>freeze ({c.mode})</strong> : p.name}</td>
              <td>{ms(p.predictedMs)}</td>
              <td>{ms(p.measuredMs)}</td>
              <td>{pct(p.errorPct)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
