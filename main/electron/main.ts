// The Electron shell: one sandboxed window on the built renderer, the contract served over IPC.
import { app, BrowserWindow, ipcMain, session } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serveContract } from '../../app/contract/rpc-server';
import { createApi, type Api } from '../api/create-api';
import { ipcMainTransport } from './ipc-transport';
import { pageUrlCheck } from './sender-check';

const here = path.dirname(fileURLToPath(import.meta.url));
const INDEX = path.join(here, '..', 'renderer', 'index.html');
const PRELOAD = path.join(here, 'preload.cjs');
const INDEX_URL = pathToFileURL(INDEX).href;

app.enableSandbox();
let api: Api | undefined;

async function openWindow(): Promise<void> {
  api ??= await createApi();
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Ferry',
    webPreferences: { preload: PRELOAD, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false },
  });
  const wc = win.webContents;
  // Only our page, ever: no navigation, no new windows, no permissions.
  wc.on('will-navigate', (e) => e.preventDefault());
  wc.on('will-redirect', (e) => e.preventDefault());
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
  serveContract(ipcMainTransport(ipcMain, wc, pageUrlCheck(INDEX_URL)), api.handlers, api.events.source);
  win.once('ready-to-show', () => win.show());
  await win.loadFile(INDEX);
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
});

void app.whenReady().then(async () => {
  // No permission for anything: not asked (request), not assumed (check), no devices (USB, HID, serial).
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, _permission, done) => done(false));
  s.setPermissionCheckHandler(() => false);
  s.setDevicePermissionHandler(() => false);
  await openWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void openWindow();
  });
});

app.on('window-all-closed', () => {
  void (api?.close() ?? Promise.resolve()).finally(() => app.quit());
});
