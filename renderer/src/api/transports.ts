// The renderer's transports: Electron's preload bridge when present, else the local WebSocket bridge.
import { clientSubprotocols, TOKEN_STORAGE_KEY, tokenFromUrl } from '../../../app/contract/bridge-token';
import { bridgeTransport, type PreloadBridge } from '../../../app/contract/preload-bridge';
import { HandlerSet, type Transport, type WireMessage } from '../../../app/contract/wire';

declare global {
  interface Window {
    ferry?: PreloadBridge;
  }
}

/**
 * The bridge's token for this tab: a token in the address (the URL `ferry dashboard` printed) replaces the one
 * kept from an earlier start and leaves the address bar; it is kept in sessionStorage (this origin and tab only).
 */
export function bridgeToken(): string | undefined {
  const fresh = tokenFromUrl(location.hash, location.search);
  if (fresh) {
    sessionStorage.setItem(TOKEN_STORAGE_KEY, fresh);
    history.replaceState(null, '', location.pathname);
    return fresh;
  }
  return sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? undefined;
}

/** The transport over the bridge's WebSocket (same origin; the token travels as a subprotocol, never a cookie). */
export function wsTransport(url: string, token: string | undefined): Transport {
  const ws = new WebSocket(url, token ? clientSubprotocols(token) : []);
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
  if (window.ferry) return { transport: bridgeTransport(window.ferry), kind: 'electron' };
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  // A new URL pasted into this tab (only its fragment differs): take its token and start over.
  window.addEventListener('hashchange', () => {
    if (tokenFromUrl(location.hash, '')) location.reload();
  });
  return { transport: wsTransport(`${scheme}://${location.host}/api`, bridgeToken()), kind: 'bridge' };
}
