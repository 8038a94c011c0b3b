// CLI output helpers: JSON or human text, and errors an operator can act on.
import type { Command } from 'commander';
import { FerryError, toErrorInfo, type FerryErrorInfo } from '../../app/errors';

/** Prints a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Formats an error for the terminal: code, host, message, hint. */
export function formatError(info: FerryErrorInfo): string {
  const where = info.host ? ` (${info.host})` : '';
  return `ferry: error [${info.code}]${where}: ${info.message}${info.hint ? `\n  hint: ${info.hint}` : ''}`;
}

/** Exit status for an error: 2 for bad input, 1 otherwise. */
export function exitCodeFor(info: FerryErrorInfo): number {
  return info.code === 'BAD_INPUT' || info.code === 'UNKNOWN_HOST' ? 2 : 1;
}

/**
 * Makes the command's own usage errors (unknown option or command, missing or extra argument) read and exit like
 * every other bad input: `ferry: error [BAD_INPUT]: …` and status 2; help and --version still exit 0. Set on the
 * program before its subcommands are added: they inherit it.
 */
export function usageErrorsAsBadInput(program: Command): void {
  program
    .configureOutput({
      outputError: (str, write) => write(`${formatError({ code: 'BAD_INPUT', message: str.replace(/^error: /, '').trim() })}\n`),
    })
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    });
}

/** Wraps a command action: errors become a readable message (or JSON with --json) and an exit status. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const info = toErrorInfo(err);
      const json = process.argv.includes('--json');
      if (json) printJson({ ok: false, error: info });
      else process.stderr.write(`${formatError(info)}\n`);
      if (!(err instanceof FerryError) && process.env.FERRY_DEBUG) console.error(err);
      process.exitCode = exitCodeFor(info);
    }
  };
}

/** Left-pads/right-pads a table of strings into aligned columns. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}
