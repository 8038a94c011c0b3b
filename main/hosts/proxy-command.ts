// Runs an ssh_config ProxyCommand and exposes its stdin/stdout as the Duplex ssh2 uses as its socket.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Duplex } from 'node:stream';

const STDERR_TAIL_BYTES = 2048;

/** A running ProxyCommand. */
export interface ProxyProcess {
  /** Pass as ssh2's `sock`. */
  sock: Duplex;
  /** The last bytes the command wrote to stderr, trimmed. */
  stderrTail(): string;
  /** Resolves once the process has exited and its stdio closed. */
  closed: Promise<void>;
  /** Terminates the process (SIGTERM) if it is still running. */
  kill(): void;
}

class ProcessDuplex extends Duplex {
  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    super();
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stdout.on('end', () => this.push(null));
    child.stdin.on('error', (err) => this.destroy(err));
  }
  override _read(): void {
    this.child.stdout.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.child.stdin.write(chunk, cb);
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin.end(cb);
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    cb(err);
  }
}

/** Starts `/bin/sh -c 'exec <command>'` (the command already has its %-tokens expanded). */
export function startProxyCommand(command: string): ProxyProcess {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let tail = Buffer.alloc(0);
  child.stderr.on('data', (chunk: Buffer) => {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > STDERR_TAIL_BYTES) tail = tail.subarray(tail.length - STDERR_TAIL_BYTES);
  });
  const sock = new ProcessDuplex(child);
  const closed = new Promise<void>((resolve) => {
    child.on('close', () => resolve());
    child.on('error', (err) => {
      tail = Buffer.from(`cannot start /bin/sh: ${err.message}`);
      sock.destroy(err);
      resolve();
    });
  });
  return {
    sock,
    closed,
    stderrTail: () => tail.toString('utf8').trim().split('\n').slice(-3).join(' | '),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
