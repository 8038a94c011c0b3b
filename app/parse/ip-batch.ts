// What `ip -batch` reports when a line fails: it stops there ("Command failed -:N", N counted from 1), so
// every line before N took effect and none after it ran.

/** The 1-based line that failed, or undefined when the output names none. */
export function failedBatchLine(stderr: string): number | undefined {
  const all = [...stderr.matchAll(/^Command failed -:(\d+)\s*$/gm)];
  const last = all[all.length - 1];
  return last ? Number(last[1]) : undefined;
}

/**
 * Which of `lines` took effect before a failure. When the failed line is unknown, every line may have:
 * a rollback must then assume the worst and check.
 */
export function linesApplied<T>(lines: readonly T[], stderr: string): { applied: T[]; certain: boolean } {
  const n = failedBatchLine(stderr);
  if (n === undefined || n < 1 || n > lines.length) return { applied: [...lines], certain: false };
  return { applied: lines.slice(0, n - 1), certain: true };
}
