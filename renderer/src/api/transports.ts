// The renderer's transports: Electron's preload bridge when present, else the local WebSocket bridge.
import type { PreloadBridge } from '../../../app/contract/preload-bridge';
import { HandlerSet, type Transport, type WireMessage } from '../../../app/contract/wire';

declare global {
  interface Window {
    ferry?: PreloadBridge;
  }
}

/** The transport over Electron's preload (no Node in the page: only window.ferry). */
export function ipcTransport(bridge: PreloadBridge): Transport {
  const closers = new HandlerSet<[]>();
  return {
    send: (m) => bridge.send(m),
    onMessage: (h) => bridge.subscribe(h),
    onClose: closers.add,
    close: () => closers.emit(),
  };
}

/** The transport over the bridge's WebSocket (same origin; the token travels in the HttpOnly cookie). */
export function wsTransport(url: string): Transport {
  const ws = new WebSocket(url);
  const queue: string[] = [];
  const handlers = new HandlerSet<[WireMessage]>();
  const closers = new HandlerSet<[]>();
  ws.addEventListener('open', () => {
    for (const m of queue.splice(0)) ws.send(m);
  });
  ws.addEventListener('message', (ev) => {
    let m: WireMessage;
    try {
      m = JSON.parse(String(ev.data)) as WireMessage;
    } catch {
      return;
    }
    handlers.emit(m);
  });
  ws.addEventListener('close', () => closers.emit());
  return {
    send(m) {
      const text = JSON.stringify(m);
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
      else if (ws.readyState === WebSocket.CONNECTING) queue.push(text);
    },
    onMessage: handlers.add,
    onClose: closers.add,
    close: () => ws.close(),
  };
}

/** Picks the transport this page runs under. */
export function pageTransport(): { transport: Transport; kind: 'electron' | 'bridge' } {
  if (window.ferry) return { transport: ipcTransport(window.ferry), kind: 'electron' };
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return { transport: wsTransport(`${scheme}://${location.host}/api`), kind: 'bridge' };
}
