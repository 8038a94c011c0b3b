// Cancel's rules in the freeze: a cancel before the point of no return stops the freeze once; after it (the
// destination runs the restored process) it is ignored and the service is told it may refuse.
import { describe, expect, it } from 'vitest';
import { ScriptedExecutor, labPlan, scriptedContext } from '../../test/support/scripted-executor';
import { isCancelled, onCancel, reachNoReturn, throwIfCancelled } from './engine-cancel';

function context() {
  const abort = new AbortController();
  const ctx = scriptedContext(new ScriptedExecutor(), labPlan('streamed'), {});
  let told = 0;
  ctx.deps = { ...ctx.deps, signal: abort.signal, onNoReturn: () => void told++ };
  return { ctx, abort, told: () => told };
}

describe('engine cancel', () => {
  it('a cancel in the freeze stops it once, and the point of no return is then not reached', () => {
    const { ctx, abort, told } = context();
    let stops = 0;
    const c = onCancel(ctx, () => void stops++);
    expect(c.requested).toBe(false);
    abort.abort();
    abort.abort();
    expect(stops).toBe(1);
    expect(c.requested).toBe(true);
    expect(reachNoReturn(ctx)).toBe(false);
    expect(told()).toBe(0);
    expect(() => throwIfCancelled(ctx.deps.signal, 'freeze')).toThrow(/during the freeze/);
  });

  it('past the point of no return a cancel is ignored', () => {
    const { ctx, abort, told } = context();
    let stops = 0;
    const c = onCancel(ctx, () => void stops++);
    expect(reachNoReturn(ctx)).toBe(true);
    expect(told()).toBe(1);
    abort.abort();
    expect(stops).toBe(0);
    expect(c.requested).toBe(false);
    c.off();
  });

  it('a cancelled error is recognised, another is not', () => {
    const abort = new AbortController();
    abort.abort();
    let caught: unknown;
    try {
      throwIfCancelled(abort.signal);
    } catch (e) {
      caught = e;
    }
    expect(isCancelled(caught)).toBe(true);
    expect(isCancelled(new Error('x'))).toBe(false);
  });
});
