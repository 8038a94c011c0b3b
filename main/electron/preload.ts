// The preload: forwards the contract's one channel to the page as window.ferry. Nothing else crosses.
import { contextBridge, ipcRenderer } from 'electron';
import { exposeBridge } from './preload-bridge';

exposeBridge(contextBridge, ipcRenderer);
