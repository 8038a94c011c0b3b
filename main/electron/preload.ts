// The preload: forwards the contract's one channel to the page as window.ferry. Nothing else crosses.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNEL, type PreloadBridge } from '../../app/contract/preload-bridge';
import { isWireMessage, type WireMessage } from '../../app/contract/wire';

const bridge: PreloadBridge = {
  send(message) {
    if (isWireMessage(message) && (message.kind === 'request' || message.kind === 'cancel')) ipcRenderer.send(IPC_CHANNEL, message);
  },
  subscribe(handler) {
    const l = (_e: IpcRendererEvent, m: WireMessage) => handler(m);
    ipcRenderer.on(IPC_CHANNEL, l);
    return () => void ipcRenderer.removeListener(IPC_CHANNEL, l);
  },
};

contextBridge.exposeInMainWorld('ferry', bridge);
