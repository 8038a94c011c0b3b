// The preload's bridge: the page sends requests and cancels on the contract's one channel and hears main's
// messages, never the IPC event (no sender, no ports). ipcRenderer comes in as a parameter, so this is unit-tested.
import { IPC_CHANNEL, type PreloadBridge } from '../../app/contract/preload-bridge';
import { isWireMessage, type WireMessage } from '../../app/contract/wire';

/** A listener on the renderer's side of the channel (the first argument is Electron's IpcRendererEvent). */
export type IpcRendererListener = (event: unknown, message: WireMessage) => void;

/** The parts of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  send(channel: string, message: WireMessage): void;
  on(channel: string, listener: IpcRendererListener): unknown;
  removeListener(channel: string, listener: IpcRendererListener): unknown;
}

/** window.ferry over `ipc`: only well-formed requests and cancels leave the page. */
export function createPreloadBridge(ipc: IpcRendererLike): PreloadBridge {
  return {
    send(message) {
      if (isWireMessage(message) && (message.kind === 'request' || message.kind === 'cancel')) ipc.send(IPC_CHANNEL, message);
    },
    subscribe(handler) {
      const l: IpcRendererListener = (_e, m) => handler(m);
      ipc.on(IPC_CHANNEL, l);
      return () => void ipc.removeListener(IPC_CHANNEL, l);
    },
  };
}

/** The parts of Electron's contextBridge the preload uses. */
export interface ContextBridgeLike {
  exposeInMainWorld(key: string, api: PreloadBridge): void;
}

/** What the preload does: exposes the bridge over `ipc` as window.ferry, and nothing else. */
export function exposeBridge(contextBridge: ContextBridgeLike, ipc: IpcRendererLike): void {
  contextBridge.exposeInMainWorld('ferry', createPreloadBridge(ipc));
}
