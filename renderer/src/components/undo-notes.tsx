// What a failed migration undid: the rollback's steps and, in lazy mode, which copy was kept after a failed
// page transfer (and why).
import type { MigrationRecord } from '../../../app/model/migration';

/** Nothing for a migration that undid nothing. */
export function UndoNotes({ record }: { record: MigrationRecord }) {
  const sb = record.splitBrain;
  const host = (side: 'source' | 'destination') => (side === 'source' ? record.request.from : record.request.to);
  return (
    <>
      {sb && (
        <div role="note" aria-label="Copies after the failed page transfer" className={`note ${sb.ok ? 'warn' : 'error'}`}>
          <strong>{sb.splitBrain ? 'Split brain: both copies ran. ' : 'The lazy page transfer failed. '}</strong>
          {sb.keep === 'none' ? 'Neither copy runs' : `Kept the copy on ${host(sb.keep)}`}
          {sb.stop.length ? `, stopped the one on ${sb.stop.map(host).join(' and ')} (its packets dropped first)` : ''}: {sb.why}.
          {sb.warning ? <div className="hint">{sb.warning}</div> : null}
          {sb.connectionsEnded?.length && sb.end ? (
            <div className="hint" aria-label="Connections ended">
              Connections ended (reset from {host(sb.end)}, so the peers see them end):{' '}
              {sb.connectionsEnded.map((c) => `${c.connection} (${c.streams})`).join(', ')}.
            </div>
          ) : null}
          {!record.rollback && sb.actions.length ? (
            <ul>
              {sb.actions.map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ul>
          ) : null}
        </div>
      )}
      {record.rollback && (
        <div role="note" aria-label="Rollback" className={`note ${record.rollback.ok ? 'warn' : 'error'}`}>
          <strong>Rollback {record.rollback.ok ? 'complete' : 'INCOMPLETE'}:</strong>
          <ul>
            {record.rollback.actions.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
