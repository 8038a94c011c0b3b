// Messages on the wire (the same over Electron IPC, WebSocket and the in-memory pair) and the transport seam.
import type { FerryErrorInfo } from '../errors';

export type WireMessage =
  | { kind: 'request'; id: number; method: string; params: unknown }
  | { kind: 'cancel'; id: number }
  | { kind: 'response'; id: number; result: { ok: true; value: unknown } | { ok: false; error: FerryErrorInfo } }
  /** `sentAt` is the server's clock, so clients can map event times onto their own. */
  | { kind: 'event'; name: string; payload: unknown; sentAt: number };

/** Handlers registered on a transport: `add` returns the function that removes one, `emit` calls each. */
export class HandlerSet<A extends unknown[]> {
  private readonly handlers = new Set<(...args: A) => void>();

  add = (h: (...args: A) => void): (() => void) => {
    this.handlers.add(h);
    return () => {
      this.handlers.delete(h);
    };
  };

  emit(...args: A): void {
    for (const h of [...this.handlers]) h(...args);
  }

  clear(): void {
    this.handlers.clear();
  }
}

/** A bidirectional message channel; the RPC layer does not care what carries it. */
export interface Transport {
  send(message: WireMessage): void;
  /** Registers the message handler; returns a function that removes it. */
  onMessage(handler: (message: WireMessage) => void): () => void;
  /** Registers a handler for when the channel closes. */
  onClose(handler: () => void): () => void;
  close(): void;
}

/** Checks that a decoded value has the shape of a wire message (nothing more: params are validated later). */
export function isWireMessage(v: unknown): v is WireMessage {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  switch (m['kind']) {
    case 'request':
      return Number.isSafeInteger(m['id']) && typeof m['method'] === 'string';
    case 'cancel':
      return Number.isSafeInteger(m['id']);
    case 'response':
      return Number.isSafeInteger(m['id']) && typeof m['result'] === 'object' && m['result'] !== null;
    case 'event':
      return typeof m['name'] === 'string' && typeof m['sentAt'] === 'number';
    default:
      return false;
  }
}
