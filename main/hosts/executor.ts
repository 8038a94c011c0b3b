// The seam between the engine and remote hosts: run an argv on a host, stream one, and close.
import type { Readable, Writable } from 'node:stream';

/** Result of a finished remote command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Bytes written to the command's stdin, then closed. */
  stdin?: string | Buffer;
  /** Kill the command after this long (rejects with a timeout error). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A running remote command with its streams. */
export interface RemoteProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Resolves with the exit code (or -1 when killed by a signal). */
  exit: Promise<number>;
  kill(): void;
}

/** Runs argv arrays on named hosts. Implementations quote argv exactly once. */
export interface Executor {
  run(host: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  spawn(host: string, argv: readonly string[]): Promise<RemoteProcess>;
  close(): Promise<void>;
}
