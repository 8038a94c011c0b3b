// An error an operator can act on: what failed, where, and what to do.
import type { FerryErrorInfo } from '../../../app/errors';

/** Shows a FerryErrorInfo with its hint. */
export function ErrorNote({ error, title }: { error: FerryErrorInfo; title?: string }) {
  return (
    <div role="alert" className="note error">
      <strong>{title ?? 'Error'}</strong> <code className="code">{error.code}</code>
      {error.host ? <span> on {error.host}</span> : null}: {error.message}
      {error.hint ? <div className="hint">What to do: {error.hint}</div> : null}
    </div>
  );
}
