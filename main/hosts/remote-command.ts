// The command line sent over SSH for an argv, and the process-group marker it prints so the command can be killed.
import { Transform, type TransformCallback } from 'node:stream';
import { FerryError } from '../../app/errors';
import { quoteArgv } from '../../app/shell/quote';

/**
 * Fixed sh script placed before the argv: prints the session's process group id to stderr, then execs the argv.
 * sshd ignores "signal" requests for root logins (no privilege separation after a root login), so timeouts
 * and kill() use this id to run `kill -KILL -- -PGID` on a second channel instead.
 */
const PGID_SCRIPT = 'p() { read -r s </proc/$$/stat && s=${s##*) } && set -- $s && printf "ferry-pgid=%s\\n" "$3" >&2; }; p; exec "$@"';

/** MAX_ARG_STRLEN (32 pages) less the terminating NUL: the longest single argument execve takes. */
export const MAX_COMMAND_LINE = 131_071;

const MARKER = /(?:^|\n)ferry-pgid=(\d+)\n/;
/** Shell start-up files may print before the marker; give up looking after this much stderr. */
const MAX_MARKER_SEARCH = 8192;

/** The single remote command line for argv: `sudo -n --` first unless the user is root, behind the pgid script, quoted once. */
export function remoteCommand(user: string, argv: readonly string[]): string {
  if (argv.length === 0) throw new FerryError({ code: 'BAD_INPUT', message: 'Empty command' });
  if (argv.some((a) => a.includes('\0'))) {
    throw new FerryError({ code: 'BAD_INPUT', message: 'Command arguments cannot contain NUL bytes' });
  }
  const privileged = user === 'root' ? argv : ['sudo', '-n', '--', ...argv];
  const line = quoteArgv(['sh', '-c', PGID_SCRIPT, 'ferry', ...privileged]);
  // sshd runs the line as one argument of the user's shell: Linux refuses longer ones (E2BIG) after the connect.
  if (Buffer.byteLength(line) > MAX_COMMAND_LINE) {
    throw new FerryError({
      code: 'BAD_INPUT',
      message: `command line of ${Buffer.byteLength(line)} bytes is longer than a remote shell accepts (${MAX_COMMAND_LINE}): ${JSON.stringify(argv[0])}`,
    });
  }
  return line;
}

/** The argv that kills a remote process group (run through remoteCommand). */
export function killGroupArgv(pgid: number): string[] {
  return ['kill', '-KILL', '--', `-${pgid}`];
}

/** Passes stderr through minus the `ferry-pgid=N` line (the first such line only), resolving `pgid` (undefined if absent). */
export class PgidMarkerStripper extends Transform {
  /** The remote process group, once the marker line has arrived. */
  readonly pgid: Promise<number | undefined>;
  private resolvePgid!: (pgid: number | undefined) => void;
  private head: Buffer | null = Buffer.alloc(0);

  constructor() {
    super();
    this.pgid = new Promise((resolve) => {
      this.resolvePgid = resolve;
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.head === null) return cb(null, chunk);
    this.head = Buffer.concat([this.head, chunk]);
    const m = MARKER.exec(this.head.toString('latin1'));
    if (!m && this.head.length < MAX_MARKER_SEARCH) return cb();
    const head = this.head;
    this.head = null;
    if (!m) {
      this.resolvePgid(undefined);
      return cb(null, head);
    }
    this.resolvePgid(Number(m[1]));
    // Keep what came before the marker line (start-up noise, with its newline) and everything after it.
    const start = m.index + (m[0].startsWith('\n') ? 1 : 0);
    const rest = Buffer.concat([head.subarray(0, start), head.subarray(m.index + m[0].length)]);
    cb(null, rest.length ? rest : undefined);
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.head;
    this.head = null;
    this.resolvePgid(undefined);
    cb(null, rest?.length ? rest : undefined);
  }
}
