// Runs a local command from an argv array (no shell) and returns its output.
import { execFile, spawn } from 'node:child_process';
import { FerryError, type ErrorCode } from '../../app/errors';

export interface LocalResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs argv locally; resolves with the exit code instead of throwing on failure. */
export function runLocal(argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<LocalResult> {
  const [file, ...args] = argv;
  if (!file) throw new FerryError({ code: 'INTERNAL', message: 'runLocal: empty argv' });
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        reject(new FerryError({ code: 'COMMAND_FAILED', message: `${file}: ${err.message}` }, { cause: err }));
        return;
      }
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs argv locally and throws a FerryError (with stderr) when it exits non-zero. */
export async function mustRunLocal(argv: readonly string[], opts: { input?: string; timeoutMs?: number; code?: ErrorCode } = {}): Promise<string> {
  const r = await runLocal(argv, opts);
  if (r.code !== 0) {
    throw new FerryError({
      code: opts.code ?? 'COMMAND_FAILED',
      message: `${argv.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`,
    });
  }
  return r.stdout;
}

/** Starts argv detached from this process (own session, stdio to a file descriptor); returns its PID. */
export function spawnDetached(argv: readonly string[], logFd: number, env?: NodeJS.ProcessEnv): number {
  const [file, ...args] = argv;
  if (!file) throw new FerryError({ code: 'INTERNAL', message: 'spawnDetached: empty argv' });
  const child = spawn(file, args, { detached: true, stdio: ['ignore', logFd, logFd], env: env ?? process.env });
  if (child.pid === undefined) throw new FerryError({ code: 'LAB', message: `cannot start ${file}` });
  child.unref();
  return child.pid;
}
