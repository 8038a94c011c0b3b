import { describe, expect, it } from 'vitest';
import { decideRecovery, type RecoveryFacts } from './recovery';

const base: RecoveryFacts = { phase: 'dumped', runningOnSource: false, runningOnDestination: false, destinationConnectionsOk: false, imagesAvailable: true };

describe('decideRecovery', () => {
  it('finishes when the destination runs it with its connections, even if a source copy survived', () => {
    expect(decideRecovery({ ...base, runningOnDestination: true, destinationConnectionsOk: true }).action).toBe('finish');
    const both = decideRecovery({ ...base, runningOnDestination: true, destinationConnectionsOk: true, runningOnSource: true });
    expect(both.action).toBe('finish');
    expect(both.why).toContain('source copy goes');
  });
  it('keeps the source copy when the destination has no live connections', () => {
    expect(decideRecovery({ ...base, runningOnSource: true }).action).toBe('keep-source');
    expect(decideRecovery({ ...base, runningOnSource: true, runningOnDestination: true }).why).toContain('only the source copy');
  });
  it('restores from the dump when it runs nowhere, and says when nothing is left', () => {
    expect(decideRecovery(base).action).toBe('restore-source');
    expect(decideRecovery({ ...base, imagesAvailable: false }).action).toBe('lost');
  });
});
