// Validation of host aliases, host names and user names before they reach ssh or a shell.
import { FerryError } from '../errors';

const ALIAS = /^[A-Za-z0-9_][A-Za-z0-9._:@+-]*$/;
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9._:%-]*$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]*\$?$/;

/** Why `value` is not a usable host alias, or undefined when it is. */
export function aliasProblem(value: string): string | undefined {
  return problem(value, ALIAS, 'letters, digits and . _ : @ + -');
}

/** Why `value` is not a usable HostName (DNS name, IPv4 or IPv6 literal), or undefined. */
export function hostNameProblem(value: string): string | undefined {
  return problem(value, HOST_NAME, 'letters, digits and . _ : % -');
}

/** Why `value` is not a usable remote user name, or undefined. */
export function userProblem(value: string): string | undefined {
  return problem(value, USER, 'letters, digits and . _ -');
}

/** Throws BAD_INPUT unless `value` is a usable host alias. */
export function assertAlias(value: string): void {
  const why = aliasProblem(value);
  if (why) throw new FerryError({ code: 'BAD_INPUT', message: `Invalid host name ${JSON.stringify(value)}: ${why}` });
}

function problem(value: string, re: RegExp, allowed: string): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value.length > 253) return 'it is longer than 253 characters';
  if (value.startsWith('-')) return 'it starts with "-"';
  if (/\s/.test(value)) return 'it contains whitespace';
  if (!re.test(value)) return `only ${allowed} are allowed`;
  return undefined;
}
