// Test helper: an Executor that runs the exact remote command line (remoteCommand) with the local /bin/sh -c, as
// sshd does on a host, and records every argv it was asked to run.
import { spawn, spawnSync } from 'node:child_process';
import type { Executor, RemoteProcess, RunOptions, RunResult } from '../../main/hosts/executor';
import { remoteCommand } from '../../main/hosts/remote-command';

const MARKER_LINE = /(^|\n)ferry-pgid=\d+\n/;

/** Runs argv arrays on this machine through remoteCommand + `/bin/sh -c`; `calls` lists what it ran. */
export class LocalShellExecutor implements Executor {
  /** Every argv run or spawned, in order. */
  readonly calls: string[][] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async run(_host: string, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const line = remoteCommand('root', argv);
    this.calls.push([...argv]);
    const r = spawnSync('/bin/sh', ['-c', line], {
      input: opts.stdin ?? '',
      env: this.env,
      maxBuffer: 256 * 1024 * 1024,
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    });
    if (r.error) throw r.error;
    return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8').replace(MARKER_LINE, '$1') };
  }

  async spawn(_host: string, argv: readonly string[]): Promise<RemoteProcess> {
    const line = remoteCommand('root', argv);
    this.calls.push([...argv]);
    const child = spawn('/bin/sh', ['-c', line], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const exit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    return { stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, exit, kill: () => child.kill('SIGKILL') };
  }

  async close(): Promise<void> {}
}
