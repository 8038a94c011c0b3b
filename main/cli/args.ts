// Validation of command-line values: clear BAD_INPUT errors before anything runs.
import { MIGRATION_LIMITS } from '../../app/contract/schemas';
import { FerryError } from '../../app/errors';
import { duplicateAddresses } from '../../app/ip-address';
import { parseIpAddress } from '../../app/sockets';

/** A PID: a positive decimal integer within the kernel's range. */
export function parsePid(text: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > MIGRATION_LIMITS.pidMax) {
    throw new FerryError({ code: 'BAD_INPUT', message: `not a PID: ${JSON.stringify(text)}`, hint: 'a PID is a positive whole number (see ferry ps HOST)' });
  }
  return Number(text);
}

/** An IPv4/IPv6 address, normalized. */
export function parseAddressArg(text: string): string {
  const p = parseIpAddress(text);
  if (!p) throw new FerryError({ code: 'BAD_INPUT', message: `not an IP address: ${JSON.stringify(text)}` });
  return p.address;
}

/** The addresses to move (`--ip`, repeatable): each valid, none twice, at most the contract's number. */
export function parseAddressArgs(texts: readonly string[]): string[] {
  if (texts.length > MIGRATION_LIMITS.maxAddresses) {
    throw new FerryError({ code: 'BAD_INPUT', message: `at most ${MIGRATION_LIMITS.maxAddresses} --ip addresses per migration, got ${texts.length}`, hint: 'split the move into several migrations' });
  }
  const out = texts.map(parseAddressArg);
  const twice = duplicateAddresses(out);
  if (twice.length) throw new FerryError({ code: 'BAD_INPUT', message: `--ip ${twice.join(', ')} given more than once` });
  return out;
}

/** The freeze budget (`--budget-ms`) within the contract's limits. */
export function parseBudgetMs(text: string): number {
  return parseMs(text, '--budget-ms', MIGRATION_LIMITS.budgetMsMin, MIGRATION_LIMITS.budgetMsMax);
}

/** A duration in milliseconds within [min, max]. */
export function parseMs(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < min || n > max) throw new FerryError({ code: 'BAD_INPUT', message: `${what} must be ${min}..${max} ms, got ${JSON.stringify(text)}` });
  return n;
}
