// The contract's transport over one WebSocket (JSON text frames).
import type { WebSocket } from 'ws';
import type { Transport, WireMessage } from '../../app/contract/wire';

/** Wraps a server-side WebSocket. Malformed frames are dropped. */
export function wsTransport(ws: WebSocket): Transport {
  return {
    send(message: WireMessage) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    },
    onMessage(handler) {
      const l = (data: unknown, isBinary: boolean) => {
        if (isBinary) return;
        try {
          handler(JSON.parse(String(data)) as WireMessage);
        } catch {
          /* not JSON: ignore */
        }
      };
      ws.on('message', l);
      return () => ws.off('message', l);
    },
    onClose(handler) {
      ws.on('close', handler);
      return () => ws.off('close', handler);
    },
    close: () => ws.close(),
  };
}
