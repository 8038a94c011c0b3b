// The contract's transport over Electron IPC: one channel, one window, messages from any other sender dropped.
import { ipcMain, type IpcMainEvent, type WebContents } from 'electron';
import { IPC_CHANNEL } from '../../app/contract/preload-bridge';
import type { Transport, WireMessage } from '../../app/contract/wire';
import { isWireMessage } from '../../app/contract/wire';

/** Serves one window; `trustedUrl` is the renderer's own page (file://…/index.html). */
export function ipcMainTransport(contents: WebContents, isTrustedUrl: (url: string) => boolean): Transport {
  const handlers = new Set<(m: WireMessage) => void>();
  const closers = new Set<() => void>();
  const listener = (event: IpcMainEvent, message: unknown) => {
    // Unknown senders (another window, a frame that navigated away) are ignored.
    if (event.sender !== contents || !event.senderFrame || !isTrustedUrl(event.senderFrame.url)) return;
    if (!isWireMessage(message) || (message.kind !== 'request' && message.kind !== 'cancel')) return;
    handlers.forEach((h) => h(message));
  };
  ipcMain.on(IPC_CHANNEL, listener);
  const close = () => {
    ipcMain.removeListener(IPC_CHANNEL, listener);
    closers.forEach((h) => h());
    closers.clear();
  };
  contents.once('destroyed', close);
  return {
    send(message) {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message);
    },
    onMessage(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    onClose(h) {
      closers.add(h);
      return () => closers.delete(h);
    },
    close,
  };
}
