// The contract's transport over Electron IPC: one channel, one window, messages from any other sender (another
// window, an iframe, a frame that navigated away) dropped. Electron's objects come in as parameters (no runtime
// electron import), so the message flow is unit-tested with stand-ins.
import { IPC_CHANNEL } from '../../app/contract/preload-bridge';
import { HandlerSet, isWireMessage, type Transport, type WireMessage } from '../../app/contract/wire';
import { isTrustedSender, type IpcEventLike } from './sender-check';

/** A listener on main's IPC channel. */
export type IpcMainListener = (event: IpcEventLike, message: unknown) => void;

/** The parts of Electron's ipcMain the transport uses. */
export interface IpcMainLike {
  on(channel: string, listener: IpcMainListener): unknown;
  removeListener(channel: string, listener: IpcMainListener): unknown;
}

/** The parts of a window's WebContents the transport uses. */
export interface WebContentsLike {
  send(channel: string, message: WireMessage): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** Serves one window over `ipc` (Electron's ipcMain); `isTrustedUrl` accepts the renderer's own page (file://…/index.html). */
export function ipcMainTransport(ipc: IpcMainLike, contents: WebContentsLike, isTrustedUrl: (url: string) => boolean): Transport {
  const handlers = new HandlerSet<[WireMessage]>();
  const closers = new HandlerSet<[]>();
  const listener: IpcMainListener = (event, message) => {
    if (!isTrustedSender(event, contents, isTrustedUrl)) return;
    if (!isWireMessage(message) || (message.kind !== 'request' && message.kind !== 'cancel')) return;
    handlers.emit(message);
  };
  ipc.on(IPC_CHANNEL, listener);
  const close = () => {
    ipc.removeListener(IPC_CHANNEL, listener);
    closers.emit();
    closers.clear();
  };
  contents.once('destroyed', close);
  return {
    send(message) {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message);
    },
    onMessage: handlers.add,
    onClose: closers.add,
    close,
  };
}
