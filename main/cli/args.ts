// Validation of command-line values: clear BAD_INPUT errors naming the option, before anything runs. The limits
// are the contract's: each value is checked by its field of the request schema (app/contract/schemas.ts).
import { MIGRATION_LIMITS, migrationRequestSchema } from '../../app/contract/schemas';
import { FerryError } from '../../app/errors';
import { duplicateAddresses } from '../../app/ip-address';
import { TRANSFER_MODES, type MigrationRequest, type TransferMode } from '../../app/model/migration';
import { parseIpAddress } from '../../app/sockets';

/** A PID: a positive decimal integer within the kernel's range. */
export function parsePid(text: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text) || !migrationRequestSchema.shape.pid.safeParse(Number(text)).success) {
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
    throw new FerryError({
      code: 'BAD_INPUT',
      message: `at most ${MIGRATION_LIMITS.maxAddresses} --ip addresses per migration, got ${texts.length}`,
      hint: 'split the move into several migrations',
    });
  }
  const out = texts.map(parseAddressArg);
  const twice = duplicateAddresses(out);
  if (twice.length) throw new FerryError({ code: 'BAD_INPUT', message: `--ip ${twice.join(', ')} given more than once` });
  return out;
}

/** The freeze budget (`--budget-ms`) within the contract's limits. */
export function parseBudgetMs(text: string): number {
  if (!/^[0-9]+$/.test(text) || !migrationRequestSchema.shape.budgetMs.safeParse(Number(text)).success) {
    throw new FerryError({
      code: 'BAD_INPUT',
      message: `--budget-ms must be ${MIGRATION_LIMITS.budgetMsMin}..${MIGRATION_LIMITS.budgetMsMax} ms, got ${JSON.stringify(text)}`,
    });
  }
  return Number(text);
}

/** The address hook's options (`--address-hook`, `--hook-address`, `--hook-budget-ms`), checked by the contract's schema. */
export function parseAddressHook(path: string | undefined, addresses: string[], moveBudget: string | undefined): MigrationRequest['addressHook'] {
  if (path === undefined) {
    if (addresses.length || moveBudget !== undefined)
      throw new FerryError({ code: 'BAD_INPUT', message: '--hook-address and --hook-budget-ms need --address-hook' });
    return undefined;
  }
  if (moveBudget !== undefined && !/^[0-9]+$/.test(moveBudget))
    throw new FerryError({ code: 'BAD_INPUT', message: `--hook-budget-ms must be a number of ms, got ${JSON.stringify(moveBudget)}` });
  const hook = { path, ...(addresses.length ? { addresses } : {}), ...(moveBudget !== undefined ? { budgetMs: { move: Number(moveBudget) } } : {}) };
  const r = migrationRequestSchema.shape.addressHook.safeParse(hook);
  if (!r.success)
    throw new FerryError({
      code: 'BAD_INPUT',
      message: `--address-hook: ${r.error.issues.map((i) => `${i.path.join('.') || 'path'}: ${i.message}`).join('; ')}`,
    });
  return r.data;
}

/** A transfer mode (`--mode`), one of the contract's. */
export function parseMode(text: string): TransferMode {
  const m = migrationRequestSchema.shape.mode.safeParse(text);
  if (!m.success || m.data === undefined) {
    throw new FerryError({ code: 'BAD_INPUT', message: `--mode must be one of ${TRANSFER_MODES.join(', ')}, got ${JSON.stringify(text)}` });
  }
  return m.data;
}
