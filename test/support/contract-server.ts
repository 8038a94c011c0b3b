// Test helpers for serving the contract: a handler table from the few handlers a test needs, and an event hub.
import type { EventName, EventPayloads } from '../../app/contract/contract';
import type { EventSource, Handlers } from '../../app/contract/rpc-server';
import { REQUEST_METHODS } from '../../app/contract/schemas';

/** Emits one event to every subscribed server. */
export type Emit = <E extends EventName>(name: E, payload: EventPayloads[E]) => void;

/** The named handlers; every other method answers INTERNAL "… not in this test". */
export function handlerTable(partial: Partial<Handlers>): Handlers {
  const all = Object.fromEntries(
    REQUEST_METHODS.map((m) => [
      m,
      async () => {
        throw new Error(`${m} not in this test`);
      },
    ]),
  );
  return { ...all, ...partial } as Handlers;
}

/** An EventSource for serveContract and the `emit` that feeds it. */
export function eventHub(): { source: EventSource; emit: Emit; subscribers(): number } {
  const listeners = new Set<Emit>();
  const source: EventSource = (l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  const emit: Emit = (name, payload) => listeners.forEach((l) => l(name, payload));
  return { source, emit, subscribers: () => listeners.size };
}
