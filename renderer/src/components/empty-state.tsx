// A placeholder that says why a place is empty and what to do about it.
import type { ReactNode } from 'react';

/** An empty state with a next step. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <strong>{title}</strong>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}
