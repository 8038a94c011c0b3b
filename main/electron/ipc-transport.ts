// The contract's transport over Electron IPC: one channel, one window, messages from any other sender (another
// window, an iframe, a frame that navigated away) dropped.
import { ipcMain, type IpcMainEvent, type WebContents } from 'electron';
import { IPC_CHANNEL } from '../../app/contract/preload-bridge';
import { HandlerSet, isWireMessage, type Transport, type WireMessage } from '../../app/contract/wire';
import { isTrustedSender } from './sender-check';

/** Serves one window; `trustedUrl` is the renderer's own page (file://…/index.html). */
export function ipcMainTransport(contents: WebContents, isTrustedUrl: (url: string) => boolean): Transport {
  const handlers = new HandlerSet<[WireMessage]>();
  const closers = new HandlerSet<[]>();
  const listener = (event: IpcMainEvent, message: unknown) => {
    if (!isTrustedSender(event, contents, isTrustedUrl)) return;
    if (!isWireMessage(message) || (message.kind !== 'request' && message.kind !== 'cancel')) return;
    handlers.emit(message);
  };
  ipcMain.on(IPC_CHANNEL, listener);
  const close = () => {
    ipcMain.removeListener(IPC_CHANNEL, listener);
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
