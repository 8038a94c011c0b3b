// Serves the contract's handler table on one transport: validates, runs, answers with a Result, forwards events.
import { toErrorInfo } from '../errors';
import type { EventName, EventPayloads, RequestResults } from './contract';
import { issuesMessage, requestSchemas, type RequestMethod, type ValidParams } from './schemas';
import type { Transport } from './wire';
import { isWireMessage } from './wire';
import { cancellation, type AbortSignalLike } from './cancel';

/** What a handler gets besides its parameters. */
export interface HandlerContext {
  /** Aborted when the client cancels the request or disconnects. */
  signal: AbortSignalLike;
}

/** One handler per request method; a handler may throw (FerryError): the server turns it into `{ok: false}`. */
export type Handlers = {
  [M in RequestMethod]: (params: ValidParams<M>, ctx: HandlerContext) => Promise<RequestResults[M]>;
};

/** A source of events to forward: subscribe returns the unsubscribe. */
export type EventSource = (listener: <E extends EventName>(name: E, payload: EventPayloads[E]) => void) => () => void;

/** Serves `handlers` on `transport` until it closes. Returns a function that stops serving. */
export function serveContract(transport: Transport, handlers: Handlers, events?: EventSource, now: () => number = Date.now): () => void {
  const inflight = new Map<number, { abort(): void }>();
  const offMessage = transport.onMessage((msg) => {
    if (!isWireMessage(msg)) return;
    if (msg.kind === 'cancel') {
      inflight.get(msg.id)?.abort();
      return;
    }
    if (msg.kind !== 'request') return;
    const { id, method } = msg;
    if (!Object.hasOwn(requestSchemas, method)) {
      transport.send({ kind: 'response', id, result: { ok: false, error: { code: 'BAD_INPUT', message: `unknown request "${method}"` } } });
      return;
    }
    const m = method as RequestMethod;
    const parsed = requestSchemas[m].safeParse(msg.params ?? {});
    if (!parsed.success) {
      const message = issuesMessage(parsed.error.issues);
      transport.send({ kind: 'response', id, result: { ok: false, error: { code: 'BAD_INPUT', message } } });
      return;
    }
    const ac = cancellation();
    inflight.set(id, ac);
    const handler = handlers[m] as (p: unknown, c: HandlerContext) => Promise<unknown>;
    Promise.resolve()
      .then(() => handler(parsed.data, { signal: ac.signal }))
      .then(
        (value) => transport.send({ kind: 'response', id, result: { ok: true, value } }),
        (err: unknown) => transport.send({ kind: 'response', id, result: { ok: false, error: toErrorInfo(err) } }),
      )
      .finally(() => inflight.delete(id));
  });
  const offEvents = events?.((name, payload) => transport.send({ kind: 'event', name, payload, sentAt: now() }));
  const stop = () => {
    offMessage();
    offEvents?.();
    offClose();
    for (const ac of inflight.values()) ac.abort();
    inflight.clear();
  };
  const offClose = transport.onClose(stop);
  return stop;
}
