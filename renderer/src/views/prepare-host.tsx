// "Prepare" beside a failed CRIU readiness check: pushes Ferry's own CRIU to the host, then shows what was done.
import type { ReadinessCheck } from '../../../app/plan/readiness';
import { ErrorNote } from '../components/error-note';
import { useStore } from '../store/store';

/** Checks that `hosts:prepare` fixes: CRIU missing or too old. */
const PREPARABLE = new Set(['CRIU_MISSING', 'CRIU_TOO_OLD']);

/** The button and the outcome of the last prepare of `host`; nothing when no failed check calls for it. */
export function PrepareHost({ host, failing }: { host: string; failing: readonly ReadinessCheck[] }) {
  const prepared = useStore((s) => s.prepared[host]);
  const prepareHost = useStore((s) => s.prepareHost);
  const wanted = failing.some((c) => c.code !== undefined && PREPARABLE.has(c.code));
  if (!wanted && !prepared) return null;
  return (
    <div className="stack small">
      {wanted && (
        <button type="button" onClick={() => void prepareHost(host)} disabled={prepared?.loading} aria-label={`Prepare ${host}`}>
          {prepared?.loading ? 'Preparing…' : 'Prepare'}
        </button>
      )}
      {prepared?.error && <ErrorNote error={prepared.error} title={`Could not prepare ${host}`} />}
      {prepared?.value && (
        <ul aria-label={`Prepared ${host}`}>
          {[...prepared.value.steps, ...prepared.value.notes].map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
