// One live SSH connection shared by every command to a host: exec and forwarding channels over it.
import type { Client, ClientChannel } from 'ssh2';

/** SSH_OPEN_CONNECT_FAILED: what sshd answers when it has no free session. */
const CONNECT_FAILED = 2;
/** Retries of a refused channel open (20 ms doubling: about 2.5 s in all). */
const OPEN_RETRIES = 7;

/** How a remote command ended: an exit code, or the signal that killed it. */
export interface ChannelExit {
  code: number | null;
  signal?: string;
}

const exits = new WeakMap<ClientChannel, Promise<ChannelExit | undefined>>();

/**
 * The exit status of an exec channel, or undefined when the channel closed without one.
 * Recorded from the moment the channel opened: ssh2 can parse the open confirmation, the output, the exit status
 * and the close from one TCP read, emitting 'exit' before any listener added after an await would exist.
 */
export function channelExit(channel: ClientChannel): Promise<ChannelExit | undefined> {
  return exits.get(channel) ?? Promise.resolve(undefined);
}

function watchExit(channel: ClientChannel): void {
  exits.set(
    channel,
    new Promise((resolve) => {
      channel.once('exit', (code: number | null, signal?: string) => resolve({ code, ...(signal ? { signal } : {}) }));
      channel.once('close', () => resolve(undefined));
    }),
  );
}

/** A ready ssh2 Client plus a cap on concurrent session channels (sshd's MaxSessions). */
export class SshConnection {
  /** True once the underlying connection has closed; the pool then opens a new one. */
  closed = false;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    /** Pool key (`user@host:port` plus the proxy route). */
    readonly key: string,
    readonly client: Client,
    private readonly maxSessions: number,
  ) {
    client.on('close', () => this.markClosed());
  }

  /**
   * Opens an exec channel for an already-quoted command line, waiting for a free session slot.
   * sshd frees a finished session only after its main loop's channel garbage collection, so an open
   * right after a close can still hit MaxSessions ("open failed"): such opens are retried with backoff.
   */
  async exec(command: string): Promise<ClientChannel> {
    await this.acquire();
    for (let attempt = 0; ; attempt++) {
      try {
        const channel = await this.execOnce(command);
        channel.once('close', () => this.release());
        return channel;
      } catch (err) {
        const refused = (err as { reason?: unknown }).reason === CONNECT_FAILED;
        if (!refused || attempt >= OPEN_RETRIES || this.closed) {
          this.release();
          throw err;
        }
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    }
  }

  private execOnce(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      try {
        this.client.exec(command, (err, channel) => {
          if (err) return reject(err);
          watchExit(channel);
          resolve(channel);
        });
      } catch (err) {
        reject(err);
      }
    });
  }

  /** Opens a direct-tcpip channel to host:port as seen from the remote side (ProxyJump). */
  forwardOut(host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      try {
        this.client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => (err ? reject(err) : resolve(channel)));
      } catch (err) {
        reject(err);
      }
    });
  }

  /** Ends the connection politely, destroying it after `graceMs`. */
  end(graceMs = 2000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, graceMs);
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
  }

  private markClosed(): void {
    this.closed = true;
    // Waiters wake up, find the client gone and retry through the pool.
    for (const wake of this.waiting.splice(0)) wake();
  }

  private acquire(): Promise<void> {
    if (this.closed || this.active < this.maxSessions) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting.push(() => {
        this.active++;
        resolve();
      });
    });
  }

  private release(): void {
    this.active--;
    const next = this.waiting.shift();
    if (next) next();
  }
}
