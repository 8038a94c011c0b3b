// The real Executor: runs argv arrays on inventory hosts over pooled ssh2 connections.
import { PassThrough } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { FerryError } from '../../app/errors';
import type { HostSpec } from '../../app/model/host';
import { quoteArgv } from '../../app/shell/quote';
import type { Executor, RemoteProcess, RunOptions, RunResult } from './executor';
import { sudoRefusal } from './ssh-errors';
import type { SshConnection } from './ssh-connection';
import type { SshPool } from './ssh-pool';

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

/** The single remote command line for argv: `sudo -n --` first unless the user is root, then quoted once. */
export function remoteCommand(user: string, argv: readonly string[]): string {
  if (argv.length === 0) throw new FerryError({ code: 'BAD_INPUT', message: 'Empty command' });
  if (argv.some((a) => a.includes('\0'))) throw new FerryError({ code: 'BAD_INPUT', message: 'Command arguments cannot contain NUL bytes' });
  return quoteArgv(user === 'root' ? argv : ['sudo', '-n', '--', ...argv]);
}

/** Executor over SSH: one pooled connection per host, one channel per command. */
export class SshExecutor implements Executor {
  private readonly maxOutputBytes: number;

  constructor(private readonly opts: SshExecutorOptions) {
    this.maxOutputBytes = opts.maxOutputBytes ?? 64 * 1024 * 1024;
  }

  /** Runs argv to completion and collects its output as UTF-8. */
  run(host: string, argv: readonly string[], opts: SshRunOptions = {}): Promise<RunResult> {
    const spec = this.opts.resolveHost(host);
    const command = remoteCommand(spec.user, argv);
    const limit = opts.maxOutputBytes ?? this.maxOutputBytes;
    const what = `${argv[0]} on ${spec.name}`;
    return new Promise<RunResult>((resolve, reject) => {
      let done = false;
      let channel: ClientChannel | undefined;
      let conn: SshConnection | undefined;
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
        if (channel) killChannel(channel, spec.user, true);
        finish(err);
      };
      const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
        stop(new FerryError({ code: 'TIMEOUT', host: spec.name, message: `${what} timed out after ${opts.timeoutMs} ms` }));
      }, opts.timeoutMs);
      const onAbort = () => stop(opts.signal?.reason ?? new Error('aborted'));
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      this.openExec(spec, command).then(([ch, c]) => {
        if (done) return killChannel(ch, spec.user, true);
        channel = ch;
        conn = c;
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        const sizes = { out: 0, err: 0 };
        const collect = (into: Buffer[], which: 'out' | 'err') => (chunk: Buffer) => {
          sizes[which] += chunk.length;
          if (sizes[which] > limit) {
            stop(new FerryError({ code: 'COMMAND_FAILED', host: spec.name, message: `${what}: std${which} exceeded ${limit} bytes` }));
          } else into.push(chunk);
        };
        let exitCode: number | undefined;
        ch.on('data', collect(stdout, 'out'));
        ch.stderr.on('data', collect(stderr, 'err'));
        ch.on('exit', (code: number | null) => {
          exitCode = code ?? -1;
        });
        ch.on('error', (err: Error) => stop(err));
        ch.on('close', () => {
          const err = Buffer.concat(stderr).toString('utf8');
          if (exitCode === undefined && conn?.closed) {
            return finish(new FerryError({ code: 'HOST_UNREACHABLE', host: spec.name, message: `Connection to ${spec.name} lost while running ${argv[0]}` }));
          }
          const code = exitCode ?? -1;
          const refusal = code !== 0 && spec.user !== 'root' ? sudoRefusal(err, spec.name, spec.user) : undefined;
          if (refusal) return finish(refusal);
          finish(undefined, { code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: err });
        });
        if (opts.stdin === undefined) ch.end();
        else ch.end(opts.stdin);
      }, finish).catch(finish);
    });
  }

  /** Starts argv and hands back its streams; `exit` rejects with NO_PRIVILEGES when sudo refused. */
  async spawn(host: string, argv: readonly string[]): Promise<RemoteProcess> {
    const spec = this.opts.resolveHost(host);
    const [channel, conn] = await this.openExec(spec, remoteCommand(spec.user, argv));
    const stderr = new PassThrough();
    let stderrHead = '';
    channel.stderr.on('data', (chunk: Buffer) => {
      if (stderrHead.length < 4096) stderrHead += chunk.toString('utf8');
    });
    channel.stderr.pipe(stderr);
    const exit = new Promise<number>((resolve, reject) => {
      let code: number | undefined;
      const settle = () => {
        const c = code ?? -1;
        const refusal = c !== 0 && spec.user !== 'root' ? sudoRefusal(stderrHead, spec.name, spec.user) : undefined;
        if (refusal) reject(refusal);
        else if (code === undefined && conn.closed) {
          reject(new FerryError({ code: 'HOST_UNREACHABLE', host: spec.name, message: `Connection to ${spec.name} lost while running ${argv[0]}` }));
        } else resolve(c);
      };
      channel.on('exit', (c: number | null) => {
        code = c ?? -1;
        settle();
      });
      channel.on('close', settle);
    });
    exit.catch(() => undefined);
    return { stdin: channel, stdout: channel, stderr, exit, kill: () => killChannel(channel, spec.user) };
  }

  /** Ends every pooled connection. */
  close(): Promise<void> {
    return this.opts.pool.close();
  }

  /** Milliseconds for the fastest of `samples` runs of `true` on an open connection (command round trip, not ICMP RTT). */
  async measureRoundTrip(host: string, samples = 3): Promise<number> {
    await this.run(host, ['true']);
    let best = Infinity;
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await this.run(host, ['true']);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  }

  /** Opens an exec channel, retrying once on a fresh connection if the pooled one had just died. */
  private async openExec(spec: HostSpec, command: string): Promise<[ClientChannel, SshConnection]> {
    for (let attempt = 0; ; attempt++) {
      const conn = await this.opts.pool.connect(spec);
      try {
        return [await conn.exec(command), conn];
      } catch (err) {
        if (attempt === 0 && conn.closed) continue;
        throw new FerryError(
          { code: 'COMMAND_FAILED', host: spec.name, message: `Cannot start a command on ${spec.name}: ${(err as Error).message}` },
          { cause: err },
        );
      }
    }
  }
}

/**
 * Stops a remote command: signal its process group (TERM through sudo, which relays it; KILL as root), then close.
 * With `drain`, unread output is discarded so the channel can finish closing and free its session slot.
 */
function killChannel(channel: ClientChannel, user: string, drain = false): void {
  try {
    channel.signal(user === 'root' ? 'KILL' : 'TERM');
  } catch {
    // the channel may already be closing
  }
  channel.close();
  if (drain) {
    channel.resume();
    channel.stderr.resume();
  }
}
