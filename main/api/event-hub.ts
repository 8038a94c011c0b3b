// Fans the contract's events out to every connected client (each transport subscribes once).
import type { EventName, EventPayloads } from '../../app/contract/contract';
import type { EventSource } from '../../app/contract/rpc-server';

type Listener = <E extends EventName>(name: E, payload: EventPayloads[E]) => void;

/** A typed broadcast of contract events. */
export class EventHub {
  private readonly listeners = new Set<Listener>();

  emit<E extends EventName>(name: E, payload: EventPayloads[E]): void {
    for (const l of [...this.listeners]) {
      try {
        l(name, payload);
      } catch {
        /* one broken client must not stop the others */
      }
    }
  }

  /** The contract server's event source. */
  readonly source: EventSource = (listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
