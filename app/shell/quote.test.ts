import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors';
import { quoteArg, quoteArgv } from './quote';

// Verified with real shells: the quoted line must give the program exactly the argv we meant.
const SHELLS = [['/bin/sh'], ['/bin/bash'], ['/bin/bash', '--posix'], ['/bin/zsh'], ['/bin/dash']].filter(([sh]) => existsSync(sh as string));
const PRINT_ARGV = 'process.stdout.write(JSON.stringify(process.argv.slice(1)))';

/** Runs `sh -c <quoted argv>` and returns its stdout. */
function runQuoted(shell: string[], argv: readonly string[]): string {
  const [sh = '', ...shArgs] = shell;
  const r = spawnSync(sh, [...shArgs, '-c', quoteArgv(argv)], { encoding: 'utf8', cwd: '/', env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' } });
  if (r.status !== 0) throw new Error(`${shell.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The argv a program receives from `sh -c <quoted argv>` (node prints it as JSON). */
function roundTrip(shell: string[], values: readonly string[]): unknown {
  return JSON.parse(runQuoted(shell, [process.execPath, '-e', PRINT_ARGV, '--', ...values]));
}

/** The same through coreutils printf, one NUL-terminated word per argument: cheap enough to run per value. */
function roundTripPrintf(shell: string[], values: readonly string[]): string[] {
  return runQuoted(shell, ['/usr/bin/printf', '%s\\0', ...values])
    .split('\0')
    .slice(0, -1);
}

const HOSTILE = [
  "it's",
  'a"b',
  ';',
  'a; touch /tmp/ferry-quote-pwned',
  '$(touch /tmp/ferry-quote-pwned)',
  '`touch /tmp/ferry-quote-pwned`',
  '$HOME',
  '${PATH}',
  '$1',
  '$@',
  'a\nb',
  '\n',
  '\r\n',
  '-x',
  '--',
  '-',
  '-e',
  '--help',
  '*',
  '?',
  '[a-z]*',
  '/*',
  '~',
  '~root',
  '!',
  '!!',
  '#comment',
  '&',
  '&&',
  '|',
  '||',
  '>',
  '>>/tmp/ferry-quote-pwned',
  '<',
  '(',
  ')',
  '{}',
  '{a,b}',
  '\\',
  "\\'",
  "''",
  '""',
  ' ',
  '  leading',
  'trailing  ',
  '\t',
  '\x01\x02\x1b[31m\x7f',
  'é',
  '日本語',
  '🎉',
  'a=b',
  'A=1',
  '%',
  '',
  "'\\''",
  "a'b'c''d",
  'x'.repeat(20_000),
  "'".repeat(5_000),
  `${'\'$`\\"'.repeat(500)}\n`,
  '\u00a0',
  '\u202e',
  'IFS=x',
];

describe('quoteArg', () => {
  it('leaves safe words bare and single-quotes the rest', () => {
    expect(quoteArg('198.18.0.1')).toBe('198.18.0.1');
    expect(quoteArg('--tcp-established')).toBe('--tcp-established');
    expect(quoteArg('/var/lib/ferry/m-1/dump.log')).toBe('/var/lib/ferry/m-1/dump.log');
    expect(quoteArg('user@host:22,a+b=c%')).toBe('user@host:22,a+b=c%');
    expect(quoteArg('')).toBe("''");
    expect(quoteArg('a b')).toBe("'a b'");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
    expect(quoteArg('~')).toBe("'~'");
    expect(quoteArg('é')).toBe("'é'");
  });

  it('rejects NUL bytes and unpaired surrogates with BAD_INPUT', () => {
    for (const bad of ['a\0b', '\0', 'x\uD800', '\uDC00y']) {
      const err = (() => {
        try {
          quoteArg(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(FerryError);
      expect((err as FerryError).code).toBe('BAD_INPUT');
    }
    expect(quoteArg('🎉')).toBe("'🎉'"); // a proper surrogate pair is fine
  });
});

describe('quoteArgv', () => {
  it('joins quoted words and refuses an empty command or NUL anywhere', () => {
    expect(quoteArgv(['ip', 'addr', 'add', '198.18.0.10/24', 'dev', 'eth 0'])).toBe("ip addr add 198.18.0.10/24 dev 'eth 0'");
    expect(() => quoteArgv([])).toThrow(FerryError);
    expect(() => quoteArgv(['echo', 'a\0'])).toThrow(/NUL/);
    expect(() => quoteArgv(['A=\0'])).toThrow(/NUL/);
  });

  it.each(SHELLS.map((s) => [s.join(' '), s]))(
    'round-trips hostile arguments through %s',
    (_name, shell) => {
      expect(roundTrip(shell as string[], HOSTILE)).toEqual(HOSTILE);
      expect(existsSync('/tmp/ferry-quote-pwned')).toBe(false);
      for (const v of HOSTILE) expect(roundTripPrintf(shell as string[], [v, v])).toEqual([v, v]);
    },
    30_000,
  );

  it.each(SHELLS.map((s) => [s.join(' '), s]))('round-trips random strings through %s', (_name, shell) => {
    let seed = 0x5eed;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const pool = [...Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)), 'é', '日', '🎉', '\u00a0', "'", "'", '\\', '$'];
    const values = Array.from({ length: 300 }, () => Array.from({ length: rand(12) }, () => pool[rand(pool.length)]).join(''));
    expect(roundTrip(shell as string[], values)).toEqual(values);
  });

  it('quotes a first word with `=` so the shell runs it instead of assigning it', () => {
    const run = (argv: string[]) => spawnSync('/bin/sh', ['-c', quoteArgv(argv)], { encoding: 'utf8' });
    expect(quoteArgv(['FERRY_T=1', 'true'])).toBe("'FERRY_T=1' true");
    expect(run(['FERRY_T=1', 'true']).status).toBe(127);
    expect(spawnSync('/bin/sh', ['-c', 'FERRY_T=1 true']).status).toBe(0);
  });
});
