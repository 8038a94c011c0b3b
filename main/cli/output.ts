// CLI output helpers: JSON or human text, and errors an operator can act on.
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
