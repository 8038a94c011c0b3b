// Cancel as the engine sees it: an AbortSignal checked between the steps before the freeze (nothing is left
// behind), turned into a rollback inside the freeze, and refused once the destination runs the restored process.
import { FerryError } from '../../app/errors';
import type { FreezeContext } from './freeze-context';

/** The error a cancelled migration ends with. */
export function cancelledError(during: 'before-freeze' | 'freeze'): FerryError {
  return new FerryError({
    code: 'CANCELLED',
    message:
      during === 'freeze'
        ? 'cancelled by the operator during the freeze: rolled back to the source'
        : 'cancelled by the operator before the freeze: nothing was frozen, everything prepared was removed',
  });
}

/** True for the error of a cancelled migration. */
export const isCancelled = (err: unknown): boolean => err instanceof FerryError && err.code === 'CANCELLED';

/** Throws CANCELLED when the signal was aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, during: 'before-freeze' | 'freeze' = 'before-freeze'): void {
  if (signal?.aborted) throw cancelledError(during);
}

/**
 * The destination runs the restored process: from here a cancel is refused (the service is told). Returns false
 * when a cancel came first (the freeze then rolls back).
 */
export function reachNoReturn(ctx: FreezeContext): boolean {
  if (ctx.deps.signal?.aborted) return false;
  if (!ctx.state.noReturn) {
    ctx.state.noReturn = true;
    ctx.deps.onNoReturn?.();
  }
  return true;
}

/**
 * Runs `stop` once if the operator cancels before the point of no return; `requested` says whether that
 * happened. `off` detaches (call it when the freeze ended).
 */
export function onCancel(ctx: FreezeContext, stop: () => void): { readonly requested: boolean; off(): void } {
  const signal = ctx.deps.signal;
  let requested = false;
  const listener = () => {
    if (ctx.state.noReturn) return;
    requested = true;
    ctx.run.log('cancelled by the operator during the freeze: stopping it and rolling back', 'warn');
    stop();
  };
  if (signal?.aborted) listener();
  else signal?.addEventListener('abort', listener, { once: true });
  return {
    get requested() {
      return requested;
    },
    off: () => signal?.removeEventListener('abort', listener),
  };
}
