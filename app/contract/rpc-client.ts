// The client side of the contract: the `api` object the renderer (and tests) use, whatever the transport.
import { FerryError, type FerryErrorInfo } from '../errors';
import type { EventName, EventPayloads, RequestResults } from './contract';
import type { Result } from './result';
import type { RequestMethod, RequestParams } from './schemas';
import type { Transport } from './wire';
import { isWireMessage } from './wire';
import type { AbortSignalLike } from './cancel';

/** The typed API over one transport. */
export interface ApiClient {
  /** Sends a request; resolves with its Result (never rejects for a server-side failure). */
  request<M extends RequestMethod>(method: M, params: RequestParams<M>, opts?: { signal?: AbortSignalLike }): Promise<Result<RequestResults[M]>>;
  /** Like request, but rejects with a FerryError when the result is an error. */
  call<M extends RequestMethod>(method: M, params: RequestParams<M>, opts?: { signal?: AbortSignalLike }): Promise<RequestResults[M]>;
  /** Subscribes to one event; the handler also gets the server's send time. Returns the unsubscribe. */
  on<E extends EventName>(name: E, handler: (payload: EventPayloads[E], sentAt: number) => void): () => void;
  /** Registers a handler for when the connection is lost. */
  onDisconnect(handler: () => void): () => void;
  close(): void;
}

const DISCONNECTED: FerryErrorInfo = {
  code: 'HOST_UNREACHABLE',
  message: 'lost the connection to Ferry',
  hint: 'restart `ferry dashboard` and reload the page',
};

/** Creates the client over a transport. */
export function createApiClient(transport: Transport): ApiClient {
  let nextId = 1;
  let closed = false;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown, sentAt: number) => void>>();
  const disconnects = new Set<() => void>();

  transport.onMessage((msg) => {
    if (!isWireMessage(msg)) return;
    if (msg.kind === 'response') {
      const done = pending.get(msg.id);
      pending.delete(msg.id);
      done?.(msg.result as Result<unknown>);
    } else if (msg.kind === 'event') {
      for (const h of listeners.get(msg.name) ?? []) h(msg.payload, msg.sentAt);
    }
  });
  transport.onClose(() => {
    closed = true;
    for (const done of pending.values()) done({ ok: false, error: DISCONNECTED });
    pending.clear();
    for (const h of disconnects) h();
  });

  const request: ApiClient['request'] = (method, params, opts = {}) => {
    if (closed) return Promise.resolve({ ok: false, error: DISCONNECTED });
    const id = nextId++;
    return new Promise((resolve) => {
      const signal = opts.signal;
      const onAbort = () => {
        if (!pending.has(id)) return;
        pending.delete(id);
        transport.send({ kind: 'cancel', id });
        resolve({ ok: false, error: { code: 'BAD_INPUT', message: 'cancelled' } });
      };
      pending.set(id, (r) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(r as never);
      });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      transport.send({ kind: 'request', id, method, params });
    });
  };

  return {
    request,
    async call(method, params, opts) {
      const r = await request(method, params, opts);
      if (!r.ok) throw new FerryError(r.error);
      return r.value;
    },
    on(name, handler) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const h = handler as (payload: unknown, sentAt: number) => void;
      set.add(h);
      return () => set.delete(h);
    },
    onDisconnect(h) {
      disconnects.add(h);
      return () => disconnects.delete(h);
    },
    close: () => transport.close(),
  };
}
