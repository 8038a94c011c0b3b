// The real Executor: runs argv arrays on inventory hosts over pooled ssh2 connections.
import type { ClientChannel } from 'ssh2';
import { FerryError } from '../../app/errors';
import type { HostSpec } from '../../app/model/host';
import type { Executor, RemoteProcess, RunOptions, RunResult } from './executor';
import { killGroupArgv, PgidMarkerStripper, remoteCommand } from './remote-command';
import { channelExit, type SshConnection } from './ssh-connection';
import { sudoRefusal } from './ssh-errors';
import type { SshPool } from './ssh-pool';

/** What SshExecutor needs: the pool and a name → spec resolver. */
export interface SshExecutorOptions {
  pool: SshPool;
  /** Host name → spec (usually Inventory.resolveHost). */
  resolveHost: (name: string) => HostSpec;
  /** Default cap on each of stdout and stderr collected by run(). Default 64 MiB. */
  maxOutputBytes?: number;
}

/** run() options plus an output cap; exceeding it fails with COMMAND_FAILED. */
export interface SshRunOptions extends RunOptions {
  maxOutputBytes?: number;
}

/** A command started on a channel, with its stderr (minus the pgid marker). */
interface Started {
  spec: HostSpec;
  channel: ClientChannel;
  conn: SshConnection;
  stderr: PgidMarkerStripper;
}

/** How long a kill waits for the command's process-group marker before just closing the channel. */
const MARKER_WAIT_MS = 10_000;

/** Executor over SSH: one pooled connection per host, one channel per command. */
export class SshExecutor implements Executor {
  private readonly maxOutputBytes: number;
  private readonly kills = new Set<Promise<void>>();

  constructor(private readonly opts: SshExecutorOptions) {
    this.maxOutputBytes = opts.maxOutputBytes ?? 64 * 1024 * 1024;
  }

  /** Runs argv to completion and collects its output as UTF-8. */
  run(host: string, argv: readonly string[], opts: SshRunOptions = {}): Promise<RunResult> {
    return this.runOn(this.opts.resolveHost(host), argv, opts);
  }

  /** Starts argv and hands back its streams; `exit` rejects with NO_PRIVILEGES when sudo refused. */
  async spawn(host: string, argv: readonly string[]): Promise<RemoteProcess> {
    const spec = this.opts.resolveHost(host);
    const started = await this.start(spec, argv);
    const { channel, conn, stderr } = started;
    let stderrHead = '';
    channel.stderr.on('data', (chunk: Buffer) => {
      if (stderrHead.length < 4096) stderrHead += chunk.toString('utf8');
    });
    const exit = new Promise<number>((resolve, reject) => {
      let code: number | undefined;
      const settle = () => {
        const c = code ?? -1;
        const refusal = c !== 0 && spec.user !== 'root' ? sudoRefusal(stderrHead, spec.name, spec.user) : undefined;
        if (refusal) reject(refusal);
        else if (code === undefined && conn.closed) reject(lost(spec, argv));
        else resolve(c);
      };
      void channelExit(channel).then((e) => {
        if (e) code = e.code ?? -1;
        settle();
      });
    });
    exit.catch(() => undefined);
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      this.terminate(started, false);
    };
    return { stdin: channel, stdout: channel, stderr, exit, kill };
  }

  /** Waits for pending kills, then ends every pooled connection. */
  async close(): Promise<void> {
    await Promise.all([...this.kills]);
    await this.opts.pool.close();
  }

  /** Milliseconds for the fastest of `samples` runs of `true` on an open connection (command round trip, not ICMP RTT). */
  async measureRoundTrip(host: string, samples = 3): Promise<number> {
    const spec = this.opts.resolveHost(host);
    await this.runOn(spec, ['true']);
    let best = Infinity;
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await this.runOn(spec, ['true']);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  }

  private runOn(spec: HostSpec, argv: readonly string[], opts: SshRunOptions = {}): Promise<RunResult> {
    const limit = opts.maxOutputBytes ?? this.maxOutputBytes;
    const what = `${argv[0]} on ${spec.name}`;
    return new Promise<RunResult>((resolve, reject) => {
      let done = false;
      let started: Started | undefined;
      const finish = (err: unknown, result?: RunResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(result!);
      };
      const stop = (err: unknown) => {
        if (done) return;
        if (started) this.terminate(started, true);
        finish(err);
      };
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              stop(new FerryError({ code: 'TIMEOUT', host: spec.name, message: `${what} timed out after ${opts.timeoutMs} ms` }));
            }, opts.timeoutMs);
      const onAbort = () => stop(opts.signal?.reason ?? new Error('aborted'));
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      this.start(spec, argv)
        .then((s) => {
          if (done) return this.terminate(s, true);
          started = s;
          const { channel, conn, stderr } = s;
          const out: Buffer[] = [];
          const err: Buffer[] = [];
          const sizes = { stdout: 0, stderr: 0 };
          const collect = (into: Buffer[], which: 'stdout' | 'stderr') => (chunk: Buffer) => {
            if (done) return;
            sizes[which] += chunk.length;
            if (sizes[which] > limit) {
              stop(new FerryError({ code: 'COMMAND_FAILED', host: spec.name, message: `${what}: ${which} exceeded ${limit} bytes` }));
            } else into.push(chunk);
          };
          let exitCode: number | undefined;
          channel.on('data', collect(out, 'stdout'));
          stderr.on('data', collect(err, 'stderr'));
          const exited = channelExit(channel).then((e) => {
            if (e) exitCode = e.code ?? -1;
          });
          channel.on('error', (e: Error) => stop(e));
          const closed = new Promise<void>((r) => channel.once('close', () => r()));
          const stderrEnded = new Promise<void>((r) => stderr.once('end', () => r()));
          void Promise.all([closed, stderrEnded, exited]).then(() => {
            if (exitCode === undefined && conn.closed) return finish(lost(spec, argv));
            const code = exitCode ?? -1;
            const stderrText = Buffer.concat(err).toString('utf8');
            const refusal = code !== 0 && spec.user !== 'root' ? sudoRefusal(stderrText, spec.name, spec.user) : undefined;
            if (refusal) return finish(refusal);
            finish(undefined, { code, stdout: Buffer.concat(out).toString('utf8'), stderr: stderrText });
          });
          if (opts.stdin === undefined) channel.end();
          else channel.end(opts.stdin);
        })
        .catch(finish);
    });
  }

  private async start(spec: HostSpec, argv: readonly string[]): Promise<Started> {
    const command = remoteCommand(spec.user, argv);
    for (let attempt = 0; ; attempt++) {
      const conn = await this.opts.pool.connect(spec);
      let channel: ClientChannel;
      try {
        channel = await conn.exec(command);
      } catch (err) {
        // The pooled connection died just before this call: retry once on a fresh one.
        if (attempt === 0 && conn.closed) continue;
        throw new FerryError(
          { code: 'COMMAND_FAILED', host: spec.name, message: `Cannot start ${argv[0]} on ${spec.name}: ${(err as Error).message}` },
          { cause: err },
        );
      }
      const stderr = new PgidMarkerStripper();
      channel.stderr.pipe(stderr);
      return { spec, channel, conn, stderr };
    }
  }

  /**
   * Kills a started command: waits for its process-group marker, runs `kill -KILL -- -PGID` on a second
   * channel (through sudo for non-root users), then closes the channel. Runs in the background.
   */
  private terminate(s: Started, drain: boolean): void {
    if (drain) {
      s.channel.resume();
      s.stderr.resume();
    }
    const done = Promise.race([s.stderr.pgid, delay(MARKER_WAIT_MS)])
      .then(async (pgid) => {
        if (pgid && pgid > 1 && !s.conn.closed) {
          // No timeoutMs here: a timed-out kill would itself be killed, and so on.
          const killer = this.runOn(s.spec, killGroupArgv(pgid)).catch(() => undefined);
          await Promise.race([killer, delay(MARKER_WAIT_MS)]);
        }
      })
      .finally(() => {
        s.channel.close();
        this.kills.delete(done);
      });
    this.kills.add(done);
  }
}

function lost(spec: HostSpec, argv: readonly string[]): FerryError {
  return new FerryError({
    code: 'HOST_UNREACHABLE',
    host: spec.name,
    message: `Connection to ${spec.name} was lost while running ${argv[0]}`,
  });
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
