// One demo-workload connection to the witness: HELLO, a MSG per tick, ACK checks, reconnect after a drop.
import net from 'node:net';
import type { HostPort } from '../../app/lab/host-port';
import { WitnessClientStream } from '../../app/lab/witness-client';

/** Log sink: one event with key=value fields per line. */
export type DemoLog = (event: string, fields?: Record<string, string | number | boolean | undefined>) => void;

export interface DemoConnectionOptions {
  clientId: string;
  connIndex: number;
  payloadBytes: number;
  target: HostPort;
  /** Local address to bind before connecting. */
  bindAddress?: string;
  /** Delay before reconnecting after a disconnect or a failed connect (default 200 ms). */
  reconnectDelayMs?: number;
  log: DemoLog;
  /** Called once, when the first HELLO has been handed to the kernel. */
  onFirstHello?: () => void;
}

/** Failures logged per TCP connection before the rest are only counted. */
const MAX_LOGGED_FAILURES = 20;

/** Keeps one (clientId, connIndex) stream connected; the caller drives tick() from a single timer. */
export class DemoConnection {
  private socket: net.Socket | undefined;
  private stream: WitnessClientStream | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private connects = 0;
  private failedConnects = 0;
  private totalFailures = 0;
  private totalSent = 0;
  private totalAcked = 0;

  constructor(private readonly opts: DemoConnectionOptions) {}

  /** Connects for the first time. */
  start(): void {
    this.connect();
  }

  /** Sends the next MSG if connected and the socket is not backed up. */
  tick(nowMs: number): void {
    const s = this.socket;
    if (!s || !this.stream || s.connecting || !s.writable || s.writableNeedDrain) return;
    s.write(this.stream.nextMessage(nowMs), 'latin1');
  }

  /** Counters over every TCP connection this stream has had. */
  stats() {
    return {
      connIndex: this.opts.connIndex,
      connects: this.connects,
      reconnects: Math.max(0, this.connects - 1),
      sent: this.totalSent + (this.stream?.sentCount ?? 0),
      acked: this.totalAcked + (this.stream?.ackedCount ?? 0),
      failures: this.totalFailures,
    };
  }

  /** Stops reconnecting and closes with FIN; resolves when closed (or after timeoutMs). */
  stop(timeoutMs = 1_000): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const s = this.socket;
    if (!s || s.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        s.destroy();
        resolve();
      }, timeoutMs);
      s.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      s.end();
    });
  }

  private connect(): void {
    const { target, bindAddress, log, connIndex } = this.opts;
    const socket = net.connect({ host: target.host, port: target.port, ...(bindAddress ? { localAddress: bindAddress } : {}) });
    this.socket = socket;
    socket.setEncoding('latin1');
    let connected = false;
    let endReason: string | undefined;
    let loggedHere = 0;

    socket.on('connect', () => {
      connected = true;
      socket.setNoDelay(true);
      this.connects += 1;
      this.failedConnects = 0;
      const stream = new WitnessClientStream(this.opts.clientId, connIndex, this.opts.payloadBytes);
      this.stream = stream;
      const first = this.connects === 1;
      if (!first) log('reconnected', { conn: connIndex, local: `${socket.localAddress}:${socket.localPort}`, connects: this.connects });
      socket.write(stream.hello(), 'latin1', () => {
        if (first) this.opts.onFirstHello?.();
      });
    });
    socket.on('data', (chunk: string) => {
      const stream = this.stream;
      if (!stream) return;
      for (const f of stream.onData(chunk)) {
        loggedHere += 1;
        if (loggedHere <= MAX_LOGGED_FAILURES) log('verify-failed', { conn: connIndex, seq: f.seq, reason: f.reason });
        else if (loggedHere === MAX_LOGGED_FAILURES + 1) log('verify-failed-suppressed', { conn: connIndex });
      }
    });
    socket.on('end', () => {
      endReason ??= 'fin from peer';
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      endReason ??= err.code ?? err.message;
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      const stream = this.stream;
      if (connected && stream) {
        this.stream = undefined;
        this.totalSent += stream.sentCount;
        this.totalAcked += stream.ackedCount;
        this.totalFailures += stream.failures;
        log(this.stopped ? 'closed' : 'disconnected', {
          conn: connIndex,
          reason: endReason ?? 'closed',
          sent: stream.sentCount,
          acked: stream.ackedCount,
          unacked: stream.unacked,
        });
      } else if (!this.stopped) {
        this.failedConnects += 1;
        if (this.failedConnects === 1 || this.failedConnects % 50 === 0) {
          log('connect-failed', { conn: connIndex, reason: endReason ?? 'closed', attempts: this.failedConnects });
        }
      }
      if (this.stopped) return;
      const delay = this.opts.reconnectDelayMs ?? 200;
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        if (this.stopped) return;
        if (this.connects > 0 && this.failedConnects === 0) log('reconnecting', { conn: connIndex });
        this.connect();
      }, delay);
    });
  }
}
