// Summary statistics for benchmark samples.

/** The q-quantile (0..1) by linear interpolation between closest ranks; NaN for no samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (!samples.length) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] ?? NaN) + ((s[hi] ?? NaN) - (s[lo] ?? NaN)) * (pos - lo);
}

/** Median, 95th percentile and maximum. */
export function summarize(samples: readonly number[]): { n: number; median: number; p95: number; max: number } {
  return { n: samples.length, median: quantile(samples, 0.5), p95: quantile(samples, 0.95), max: samples.length ? Math.max(...samples) : NaN };
}
