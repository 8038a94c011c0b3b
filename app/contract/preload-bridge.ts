// What the Electron preload exposes to the page (window.ferry): one channel of wire messages, nothing else.
import { HandlerSet, type Transport, type WireMessage } from './wire';

/** The page's only door to main inside Electron. */
export interface PreloadBridge {
  send(message: WireMessage): void;
  /** Subscribes to messages from main; returns the unsubscribe. */
  subscribe(handler: (message: WireMessage) => void): () => void;
}

/** The IPC channel the preload and main use. */
export const IPC_CHANNEL = 'ferry:rpc';

/** The page's transport over the preload's bridge (no Node in the page: only window.ferry). */
export function bridgeTransport(bridge: PreloadBridge): Transport {
  const closers = new HandlerSet<[]>();
  return {
    send: (m) => bridge.send(m),
    onMessage: (h) => bridge.subscribe(h),
    onClose: closers.add,
    close: () => closers.emit(),
  };
}
