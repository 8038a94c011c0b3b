// A list of readiness checks: each with its state, detail and, when failed, how to fix it.
import type { ReadinessCheck } from '../../../app/plan/readiness';

/** Readiness checks as a list. */
export function CheckList({ checks, label }: { checks: ReadinessCheck[]; label: string }) {
  return (
    <ul className="checks" aria-label={label}>
      {checks.map((c) => (
        <li key={c.name} className={c.ok ? 'ok' : c.warning ? 'warn' : 'bad'}>
          <span className="mark" aria-hidden="true">
            {c.ok ? '✓' : c.warning ? '!' : '✗'}
          </span>
          <span className="name">{c.name}</span>
          <span className="detail">{c.ok ? c.detail : `${c.warning ? 'warning' : 'failed'}: ${c.detail}`}</span>
          {!c.ok && c.fix ? <span className="fix">Fix: {c.fix}</span> : null}
        </li>
      ))}
    </ul>
  );
}
