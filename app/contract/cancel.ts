// Cancellation without DOM or Node types: a structural AbortSignal and a small controller for the server.

/** The part of AbortSignal the contract needs; a real AbortSignal satisfies it. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A signal the server aborts when the client cancels or disconnects. */
export function cancellation(): { signal: AbortSignalLike; abort(): void } {
  const listeners = new Set<() => void>();
  const signal = {
    aborted: false,
    addEventListener: (_: 'abort', l: () => void) => void listeners.add(l),
    removeEventListener: (_: 'abort', l: () => void) => void listeners.delete(l),
  };
  return {
    signal,
    abort() {
      if (signal.aborted) return;
      signal.aborted = true;
      for (const l of [...listeners]) l();
      listeners.clear();
    },
  };
}
