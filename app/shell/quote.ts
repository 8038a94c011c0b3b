// POSIX sh quoting: the one place an argv array becomes a command string (for ssh, which runs it with sh -c).
import { FerryError } from '../errors';

/** Characters that never need quoting in any argument position. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one argument for POSIX sh: bare when only safe characters, else single-quoted; rejects NUL bytes. */
export function quoteArg(s: string): string {
  check(s);
  if (s === '') return "''";
  if (SAFE.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Quotes an argv array into one sh command line that runs exactly that argv. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new FerryError({ code: 'BAD_INPUT', message: 'cannot run an empty command' });
  return argv
    .map((a, i) => {
      // As the first word, `A=b` would be a variable assignment, not a command.
      if (i === 0 && a.includes('=')) {
        check(a);
        return `'${a.replaceAll("'", `'\\''`)}'`;
      }
      return quoteArg(a);
    })
    .join(' ');
}

function check(s: string): void {
  if (typeof s !== 'string') {
    throw new FerryError({ code: 'BAD_INPUT', message: `command argument is not a string: ${String(s)}` });
  }
  if (s.includes('\0')) {
    throw new FerryError({
      code: 'BAD_INPUT',
      message: `command argument contains a NUL byte, which no command can receive: ${JSON.stringify(s.slice(0, 60))}`,
    });
  }
  // A lone UTF-16 surrogate cannot be encoded, so it would reach the host as U+FFFD, not as given.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)) {
    throw new FerryError({ code: 'BAD_INPUT', message: `command argument is not valid Unicode: ${JSON.stringify(s.slice(0, 60))}` });
  }
}
