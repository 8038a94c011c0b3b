// Lazy mode's window in words: how long since the restore, how much memory is still on the source, and that the
// source must stay up until the last page has arrived (the CLI and the Migrate view say the same).
export interface LazyWindow {
  at: number;
  restoredAt: number;
  source: string;
  missingKiB?: number;
  totalKiB: number;
  ended?: 'complete' | 'broken';
}

const mib = (kib: number) => `${(kib / 1024).toFixed(kib < 10 * 1024 ? 1 : 0)} MiB`;

/** One line for the lazy window as last reported. */
export function formatLazyWindow(w: LazyWindow): string {
  const s = ((w.at - w.restoredAt) / 1000).toFixed(1);
  if (w.ended === 'complete') return `lazy window closed: every page arrived ${s} s after the restore; ${w.source} is no longer needed`;
  if (w.ended === 'broken') return `lazy window: the page transfer broke ${s} s after the restore; ${w.source} still holds the missing pages`;
  const left = w.missingKiB === undefined ? 'pages still coming' : `${mib(w.missingKiB)} of ${mib(w.totalKiB)} still to come`;
  return `lazy window: ${s} s since the restore, ${left} from ${w.source}; ${w.source} must stay up`;
}
