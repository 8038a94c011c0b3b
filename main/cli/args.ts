// Validation of command-line values: clear BAD_INPUT errors before anything runs.
import { FerryError } from '../../app/errors';
import { parseIpAddress } from '../../app/sockets';

/** A PID: a positive decimal integer within the kernel's range. */
export function parsePid(text: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > 4194304) {
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

/** A duration in milliseconds within [min, max]. */
export function parseMs(text: string, what: string, min = 1, max = 3_600_000): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < min || n > max) throw new FerryError({ code: 'BAD_INPUT', message: `${what} must be ${min}..${max} ms, got ${JSON.stringify(text)}` });
  return n;
}
