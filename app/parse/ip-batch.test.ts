import { describe, expect, it } from 'vitest';
import { failedBatchLine, linesApplied } from './ip-batch';

describe('ip -batch failures', () => {
  // Captured from iproute2 6.x: an address added, then a route whose prefsrc is not local.
  const partial = 'Error: Invalid prefsrc address.\nCommand failed -:2\n';
  const exists = 'RTNETLINK answers: File exists\nCommand failed -:1\n';

  it('finds the failed line', () => {
    expect(failedBatchLine(partial)).toBe(2);
    expect(failedBatchLine(exists)).toBe(1);
    expect(failedBatchLine('Cannot find device "eth9"\n')).toBeUndefined();
    expect(failedBatchLine('')).toBeUndefined();
  });

  it('lines before the failed one took effect, none after', () => {
    expect(linesApplied(['a', 'r', 'b'], partial)).toEqual({ applied: ['a'], certain: true });
    expect(linesApplied(['a', 'r'], exists)).toEqual({ applied: [], certain: true });
  });

  it('an unknown or impossible line number means: assume every line may have run', () => {
    expect(linesApplied(['a', 'b'], 'ssh: connection lost')).toEqual({ applied: ['a', 'b'], certain: false });
    expect(linesApplied(['a'], 'Command failed -:7\n')).toEqual({ applied: ['a'], certain: false });
  });
});
