// Two connected in-memory transports: the contract's tests run client and server over it, without Electron or sockets.
import type { Transport, WireMessage } from './wire';

/** Creates a connected pair; messages are delivered asynchronously and copied through JSON, like a real channel. */
export function memoryTransportPair(): [Transport, Transport] {
  const make = () => ({ handlers: new Set<(m: WireMessage) => void>(), closers: new Set<() => void>(), closed: false });
  const a = make();
  const b = make();
  const side = (self: typeof a, other: typeof a): Transport => ({
    send(message) {
      if (self.closed) return;
      const copy = JSON.parse(JSON.stringify(message)) as WireMessage;
      void Promise.resolve().then(() => {
        if (!other.closed) for (const h of other.handlers) h(copy);
      });
    },
    onMessage(h) {
      self.handlers.add(h);
      return () => self.handlers.delete(h);
    },
    onClose(h) {
      self.closers.add(h);
      return () => self.closers.delete(h);
    },
    close() {
      for (const s of [self, other]) {
        if (s.closed) continue;
        s.closed = true;
        for (const h of s.closers) h();
      }
    },
  });
  return [side(a, b), side(b, a)];
}
