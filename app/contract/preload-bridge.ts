// What the Electron preload exposes to the page (window.ferry): one channel of wire messages, nothing else.
import type { WireMessage } from './wire';

/** The page's only door to main inside Electron. */
export interface PreloadBridge {
  send(message: WireMessage): void;
  /** Subscribes to messages from main; returns the unsubscribe. */
  subscribe(handler: (message: WireMessage) => void): () => void;
}

/** The IPC channel the preload and main use. */
export const IPC_CHANNEL = 'ferry:rpc';
