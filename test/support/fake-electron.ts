// Test stand-ins for Electron's IPC (there is no Electron binary here): one ipcMain, windows each with a
// webContents and the ipcRenderer of its page. Messages are structured-cloned and delivered asynchronously, and
// main's listeners get the sender's webContents and frame, as in Electron.
import type { IpcMainLike, IpcMainListener, WebContentsLike } from '../../main/electron/ipc-transport';
import type { IpcRendererLike, IpcRendererListener } from '../../main/electron/preload-bridge';
import type { FrameLike } from '../../main/electron/sender-check';
import type { WireMessage } from '../../app/contract/wire';

/** Listeners by channel, with Electron's on/removeListener and a count (to see a closed transport let go). */
class Channels<L> {
  readonly listeners = new Map<string, Set<L>>();
  on(channel: string, l: L) {
    const set = this.listeners.get(channel) ?? new Set<L>();
    set.add(l);
    this.listeners.set(channel, set);
    return this;
  }
  removeListener(channel: string, l: L) {
    this.listeners.get(channel)?.delete(l);
    return this;
  }
  listenerCount(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }
}

/** Electron's ipcMain. */
export class FakeIpcMain extends Channels<IpcMainListener> implements IpcMainLike {}

/** A page's ipcRenderer: what it sends reaches ipcMain as coming from `contents` and `frame`. */
export class FakeIpcRenderer extends Channels<IpcRendererListener> implements IpcRendererLike {
  /** Everything the page's side sent, as sent. */
  readonly sent: unknown[] = [];
  constructor(
    private readonly main: FakeIpcMain,
    private readonly contents: unknown,
    private readonly frame: FrameLike | null,
  ) {
    super();
  }
  send(channel: string, message: WireMessage): void {
    this.sendRaw(channel, message);
  }
  /** What a compromised page could put on the channel directly, bypassing the bridge. */
  sendRaw(channel: string, message: unknown): void {
    this.sent.push(message);
    const copy = structuredClone(message);
    setImmediate(() => {
      for (const l of [...(this.main.listeners.get(channel) ?? [])]) l({ sender: this.contents, senderFrame: this.frame }, copy);
    });
  }
}

/** A window: its webContents (main's side) and the ipcRenderer of its main frame (and of an iframe in it). */
export class FakeWindow {
  readonly frame: FrameLike;
  readonly renderer: FakeIpcRenderer;
  readonly iframeRenderer: FakeIpcRenderer;
  readonly contents: WebContentsLike & { destroy(): void; sends: number };

  constructor(main: FakeIpcMain, url: string) {
    this.frame = { url, parent: null };
    const destroyed = new Set<() => void>();
    let isDestroyed = false;
    const deliver = (channel: string, message: WireMessage) => {
      const copy = structuredClone(message);
      setImmediate(() => {
        for (const l of [...(this.renderer.listeners.get(channel) ?? [])]) l({ sender: 'ipcRenderer-event' }, copy);
      });
    };
    const contents = {
      sends: 0,
      send(channel: string, message: WireMessage) {
        contents.sends++;
        deliver(channel, message);
      },
      isDestroyed: () => isDestroyed,
      once(_event: 'destroyed', l: () => void) {
        destroyed.add(l);
        return contents;
      },
      destroy() {
        isDestroyed = true;
        for (const l of [...destroyed]) l();
        destroyed.clear();
      },
    };
    this.contents = contents;
    this.renderer = new FakeIpcRenderer(main, contents, this.frame);
    this.iframeRenderer = new FakeIpcRenderer(main, contents, { url, parent: this.frame });
  }
}
