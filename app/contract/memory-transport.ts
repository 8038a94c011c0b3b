// Two connected in-memory transports: the contract's tests run client and server over it, without Electron or sockets.
import { HandlerSet, type Transport, type WireMessage } from './wire';

/** Creates a connected pair; messages are delivered asynchronously and copied through JSON, like a real channel. */
export function memoryTransportPair(): [Transport, Transport] {
  const make = () => ({ handlers: new HandlerSet<[WireMessage]>(), closers: new HandlerSet<[]>(), closed: false });
  const a = make();
  const b = make();
  const side = (self: typeof a, other: typeof a): Transport => ({
    send(message) {
      if (self.closed) return;
      const copy = JSON.parse(JSON.stringify(message)) as WireMessage;
      void Promise.resolve().then(() => {
        if (!other.closed) other.handlers.emit(copy);
      });
    },
    onMessage: self.handlers.add,
    onClose: self.closers.add,
    close() {
      for (const s of [self, other]) {
        if (s.closed) continue;
        s.closed = true;
        s.closers.emit();
      }
    },
  });
  return [side(a, b), side(b, a)];
}
