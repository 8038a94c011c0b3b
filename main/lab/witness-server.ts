// The witness's TCP servers: one ConnectionTracker per accepted socket, the report written to a state file.
import { rename, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { HostPort } from '../../app/lab/host-port';
import { formatHostPort } from '../../app/lab/host-port';
import { ConnectionTracker, buildWitnessReport } from '../../app/lab/witness-tracker';
import { HELLO_TIMEOUT_MS } from '../../app/lab/witness-protocol';
import { WitnessReportCache, witnessReportText, type ReportEntry } from '../../app/lab/witness-report-text';
import type { WitnessReport } from '../../app/model/witness';
import { writeFileAtomic } from './entry-point';

export interface WitnessServerOptions {
  listen: readonly HostPort[];
  /** Where the report goes; none: only report() */
  stateFile?: string;
  /** How often the state file is rewritten (default 250 ms). */
  writeIntervalMs?: number;
  /** How long a connection may stay silent before it is recorded as raw (default 2 s). */
  helloTimeoutMs?: number;
  /** Called when writing the state file fails (default: print to stderr). */
  onWriteError?: (err: unknown) => void;
}

/** Epoch ms from the monotonic clock: immune to wall-clock steps while the witness runs. */
const now = () => performance.timeOrigin + performance.now();
const iso = (ms: number) => new Date(ms).toISOString();
/** A rewrite serializes connections for at most this long before it lets the reads in (the gaps stay exact to ~this). */
const SLICE_MS = 3;

/** Accepts connections on every listen address and records what each peer sends. */
export class WitnessServer {
  private readonly servers: net.Server[] = [];
  private readonly trackers = new Map<number, ConnectionTracker>();
  private readonly sockets = new Set<net.Socket>();
  private readonly startedMs = now();
  private bound: string[] = [];
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private readonly cache = new WitnessReportCache();
  private writing: Promise<void> | undefined;
  private writeAgain = false;

  constructor(private readonly opts: WitnessServerOptions) {}

  /** Bound addresses (`addr:port`), available after start(). */
  get addresses(): readonly string[] {
    return this.bound;
  }

  /** Binds every listen address (port 0 picks a free port) and starts writing the state file. */
  async start(): Promise<string[]> {
    for (const hp of this.opts.listen) {
      const server = net.createServer((socket) => this.onConnection(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: hp.host, port: hp.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address();
      this.bound.push(addr && typeof addr === 'object' ? formatHostPort(addr.address, addr.port) : formatHostPort(hp.host, hp.port));
      this.servers.push(server);
    }
    this.writeState();
    if (this.opts.stateFile) {
      // Every interval, but never more than a fifth of the time writing: with thousands of connections in the
      // report (a 1,000-connection bench, ten times) back-to-back writes starved the accept loop.
      // The rewrite itself runs in slices between the reads (requestWrite), so the timestamps stay right.
      const interval = this.opts.writeIntervalMs ?? 250;
      const tick = () => {
        const t = now();
        void this.requestWrite().then(() => {
          if (this.timer === undefined) return;
          this.timer = setTimeout(tick, Math.max(interval, (now() - t) * 4));
          this.timer.unref();
        });
      };
      this.timer = setTimeout(tick, interval);
      this.timer.unref();
    }
    return [...this.bound];
  }

  /** The report as of now. */
  report(): WitnessReport {
    return buildWitnessReport(this.startedMs, this.bound, this.trackers.values(), now());
  }

  /** Rewrites the state file atomically, at once (no-op without one): the last write before an exit. */
  writeState(): void {
    if (!this.opts.stateFile) return;
    try {
      const nowMs = now();
      const entries = this.sortedTrackers().map((t) => this.entryOf(t, nowMs));
      writeFileAtomic(this.opts.stateFile, witnessReportText(iso(this.startedMs), iso(nowMs), this.bound, entries));
    } catch (err) {
      this.writeFailed(err);
    }
  }

  /**
   * Rewrites the state file atomically without holding up the reads: the connections are serialized in slices of
   * SLICE_MS between which the event loop handles what arrived, and the file is written asynchronously. A request
   * while a rewrite runs makes one more after it. Resolves when the file is written (never rejects).
   */
  requestWrite(): Promise<void> {
    if (!this.opts.stateFile) return Promise.resolve();
    if (this.writing) {
      this.writeAgain = true;
      return this.writing;
    }
    const file = this.opts.stateFile;
    this.writing = (async () => {
      do {
        this.writeAgain = false;
        try {
          const entries: ReportEntry[] = [];
          let slice = now();
          for (const t of this.sortedTrackers()) {
            entries.push(this.entryOf(t, now()));
            if (now() - slice > SLICE_MS) {
              await new Promise((r) => setImmediate(r));
              slice = now();
            }
          }
          const tmp = `${file}.${process.pid}.tmp`;
          await writeFile(tmp, witnessReportText(iso(this.startedMs), iso(now()), this.bound, entries));
          await rename(tmp, file);
        } catch (err) {
          this.writeFailed(err);
        }
      } while (this.writeAgain);
    })().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /** Writes the final state (open connections stay `open`), then drops every socket and server. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    this.writeState();
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private sortedTrackers(): ConnectionTracker[] {
    return [...this.trackers.values()].sort((a, b) => a.id - b.id);
  }

  private entryOf(t: ConnectionTracker, nowMs: number): ReportEntry {
    return this.cache.entry(t.id, t.closed, () => t.snapshot(nowMs));
  }

  private writeFailed(err: unknown): void {
    (this.opts.onWriteError ?? ((e) => process.stderr.write(`ferry-witness: cannot write state: ${String(e)}\n`)))(err);
  }

  private onConnection(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    const tracker = new ConnectionTracker({
      id: this.nextId++,
      remote: formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0),
      local: formatHostPort(socket.localAddress ?? '?', socket.localPort ?? 0),
      nowMs: now(),
    });
    this.trackers.set(tracker.id, tracker);
    this.sockets.add(socket);
    const helloTimer = setTimeout(() => tracker.onHelloTimeout(), this.opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS);
    helloTimer.unref();
    socket.on('data', (chunk: string) => {
      const reply = tracker.onData(chunk, now());
      if (reply && socket.writable) socket.write(reply, 'latin1');
    });
    socket.on('end', () => tracker.onClose('fin', now()));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const reset = err.code === 'ECONNRESET' || err.code === 'EPIPE';
      tracker.onClose(reset ? 'reset' : 'error', now(), err.code ?? err.message);
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      tracker.onClose('error', now(), 'closed without FIN or error');
      this.sockets.delete(socket);
    });
  }
}
