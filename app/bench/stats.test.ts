import { describe, expect, it } from 'vitest';
import { quantile, summarize } from './stats';

describe('bench statistics', () => {
  it('interpolates quantiles between ranks', () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20], 0.95)).toBeCloseTo(19.5);
    expect(quantile([], 0.5)).toBeNaN();
  });
  it('summarizes', () => {
    expect(summarize([5, 1, 9, 3])).toEqual({ n: 4, median: 4, p95: quantile([1, 3, 5, 9], 0.95), max: 9 });
  });
});
