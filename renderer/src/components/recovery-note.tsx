// What main found and did at start for migrations a dead controller left half-way (`ferry recover`).
import type { RecoveryStatus } from '../../../app/contract/contract';

/** Nothing when there was nothing to recover; else one line per interrupted migration. */
export function RecoveryNote({ recovery }: { recovery: RecoveryStatus }) {
  const found = recovery.reports.filter((r) => !r.skipped);
  if (!recovery.running && !found.length && !recovery.error) return null;
  const bad = !!recovery.error || found.some((r) => !r.ok);
  return (
    <section role="status" aria-label="Recovery" className={`note ${recovery.running ? 'info' : bad ? 'error' : 'warn'}`}>
      <strong>{recovery.running ? 'Recovering interrupted migrations…' : 'Interrupted migrations recovered at start'}</strong>
      {recovery.error ? <div>Recovery could not run: {recovery.error}</div> : null}
      <ul className="small">
        {found.map((r) => (
          <li key={r.id}>
            <code className="code">{r.id}</code> (stopped at “{r.phase}”): {r.action ?? 'nothing decided'}
            {r.why ? ` — ${r.why}` : ''}. {r.ok ? 'Done' : 'INCOMPLETE'}: {r.actions.join('; ') || 'nothing to do'}.
          </li>
        ))}
      </ul>
    </section>
  );
}
