// The renderer tests' main: window.ferry (as the preload gives it) over an in-memory pair to serveContract, with
// each test's handlers and events. The page's real api client, store and views run against it unchanged.
import type { EventName, EventPayloads } from '../../app/contract/contract';
import { memoryTransportPair } from '../../app/contract/memory-transport';
import { serveContract, type HandlerContext, type Handlers } from '../../app/contract/rpc-server';
import { REQUEST_METHODS } from '../../app/contract/schemas';
import { FerryError } from '../../app/errors';

type Listener = <E extends EventName>(name: E, payload: EventPayloads[E]) => void;

let handlers: Partial<Handlers> = {};
const listeners = new Set<Listener>();

/** What the page asked for, in order, with the parameters as validated. */
export const requests: { method: string; params: unknown }[] = [];

/** Sets the handlers main answers with (added to those already set); any other request fails with INTERNAL. */
export function handle(partial: Partial<Handlers>): void {
  handlers = { ...handlers, ...partial };
}

/** Sends an event from main to the page. */
export function emit<E extends EventName>(name: E, payload: EventPayloads[E]): void {
  for (const l of listeners) l(name, payload);
}

/** Forgets the handlers and the requests seen (between tests). */
export function resetBackend(): void {
  handlers = {};
  requests.length = 0;
}

/** Puts window.ferry in place; call before the page's api client is imported. */
export function installPageBackend(): void {
  const table = Object.fromEntries(
    REQUEST_METHODS.map((method) => [
      method,
      async (params: unknown, ctx: HandlerContext) => {
        requests.push({ method, params });
        const h = handlers[method] as ((p: unknown, c: HandlerContext) => Promise<unknown>) | undefined;
        if (!h) throw new FerryError({ code: 'INTERNAL', message: `${method} not in this test` });
        return h(params, ctx);
      },
    ]),
  ) as Handlers;
  const [page, main] = memoryTransportPair();
  serveContract(main, table, (l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  });
  window.ferry = { send: (m) => page.send(m), subscribe: (h) => page.onMessage(h) };
}
