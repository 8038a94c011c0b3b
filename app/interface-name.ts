// Validation of network interface names and nft table names before they reach an `ip -batch` line, a script or argv.
import { FerryError } from './errors';

/** Linux allows 15 bytes (IFNAMSIZ - 1); Ferry accepts only the usual characters and no leading dash. */
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/** Why `name` is not an interface name Ferry will pass on, or undefined when it is fine. */
export function interfaceNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'it is empty';
  if (name.length > 15) return 'it is longer than 15 characters';
  if (name === '.' || name === '..') return 'it is "." or ".."';
  if (!IFNAME.test(name)) return 'only letters, digits and _ . - are allowed, not first "-"';
  return undefined;
}

/** Throws BAD_INPUT unless `name` is a safe interface name. */
export function assertInterfaceName(name: unknown, host?: string): asserts name is string {
  const why = interfaceNameProblem(name);
  if (why) {
    throw new FerryError({
      code: 'BAD_INPUT',
      ...(host ? { host } : {}),
      message: `refusing interface name ${JSON.stringify(name)}: ${why}`,
    });
  }
}

/** nft table names Ferry creates or deletes: a letter, then letters, digits, _ and -. */
const TABLE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Throws BAD_INPUT unless `name` is a safe nft table name. */
export function assertTableName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !TABLE.test(name)) {
    throw new FerryError({
      code: 'BAD_INPUT',
      message: `refusing nft table name ${JSON.stringify(name)}: only a letter then letters, digits, _ and - (at most 64)`,
    });
  }
}
