// Validation of every request's parameters, applied once where requests enter main (both transports).
import { z } from 'zod';
import { FerryError } from '../errors';
import { aliasProblem, hostNameProblem, userProblem } from '../inventory/host-name';
import { duplicateAddresses } from '../ip-address';
import { TRANSFER_MODES, type MigrationRequest } from '../model/migration';
import { imageBaseProblem, normalizeImageBase } from '../plan/image-base';

/** Limits of a migration request: the schema below applies them, the CLI's options are checked by it (main/cli/args.ts). */
export const MIGRATION_LIMITS = {
  /** Highest PID the kernel hands out (PID_MAX_LIMIT). */
  pidMax: 4_194_304,
  /** Addresses one migration may move. */
  maxAddresses: 16,
  /** Longest text accepted as one address (the engine then parses it strictly). */
  maxAddressLength: 64,
  budgetMsMin: 100,
  budgetMsMax: 3_600_000,
  budgetMsDefault: 60_000,
  /** Longest image folder accepted. */
  maxImageBaseLength: 201,
} as const;

const alias = z.string().superRefine((v, ctx) => {
  const why = aliasProblem(v);
  if (why) ctx.addIssue({ code: 'custom', message: `invalid host name: ${why}` });
});

const migrationId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/, 'invalid migration id');

/** What the operator asks a migration or a plan for. */
export const migrationRequestSchema = z.object({
  from: alias,
  to: alias,
  pid: z.number().int().min(1).max(MIGRATION_LIMITS.pidMax),
  addresses: z
    .array(z.string().max(MIGRATION_LIMITS.maxAddressLength))
    .max(MIGRATION_LIMITS.maxAddresses)
    .default([])
    .superRefine((list, ctx) => {
      const twice = duplicateAddresses(list);
      if (twice.length) ctx.addIssue({ code: 'custom', message: `${twice.join(', ')} given more than once` });
    }),
  budgetMs: z.number().int().min(MIGRATION_LIMITS.budgetMsMin).max(MIGRATION_LIMITS.budgetMsMax).default(MIGRATION_LIMITS.budgetMsDefault),
  keepImages: z.boolean().default(false),
  /** Absent: the engine picks the fastest safe mode. */
  mode: z.enum(TRANSFER_MODES).optional(),
  /** Move addresses that processes outside the tree also use (their connections break). */
  allowSharedAddress: z.boolean().optional(),
  /** Folder for the CRIU images on both hosts (a trailing slash is dropped); absent: the engine picks. */
  imageBase: z
    .string()
    .max(MIGRATION_LIMITS.maxImageBaseLength)
    .transform((text, ctx) => {
      const base = normalizeImageBase(text);
      const why = imageBaseProblem(base);
      if (why) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} refused: ${why}` });
      return base;
    })
    .optional(),
});

/** One line naming every problem of a request's parameters. */
export function issuesMessage(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || 'params'}: ${i.message}`).join('; ');
}

/** A migration request as every client sends it, checked and completed with the defaults (BAD_INPUT otherwise). */
export function parseMigrationRequest(input: z.input<typeof migrationRequestSchema>): MigrationRequest {
  const r = migrationRequestSchema.safeParse(input);
  if (!r.success) throw new FerryError({ code: 'BAD_INPUT', message: issuesMessage(r.error.issues) });
  return r.data;
}

/**
 * A host added by hand (an ssh_config Host block Ferry keeps in its state folder). No IdentityFile: a client of
 * the dashboard must not choose which file on the controller is read as a private key (it would be any file,
 * a FIFO or a device); such hosts use the default keys and the agent, and anything else belongs in ~/.ssh/config.
 * Strict: an unknown field (identityFile included) is refused, not dropped.
 */
export const newHostSchema = z.strictObject({
  name: alias,
  hostName: z.string().superRefine((v, ctx) => {
    const why = hostNameProblem(v);
    if (why) ctx.addIssue({ code: 'custom', message: `invalid address: ${why}` });
  }),
  user: z
    .string()
    .superRefine((v, ctx) => {
      const why = userProblem(v);
      if (why) ctx.addIssue({ code: 'custom', message: `invalid user: ${why}` });
    })
    .default('root'),
  port: z.number().int().min(1).max(65_535).default(22),
  proxyJump: alias.optional(),
});

const empty = z.object({}).strict().default({});

/** Parameter schemas, one per request method. */
export const requestSchemas = {
  'app:info': empty,
  'hosts:list': empty,
  'hosts:check': z.object({ host: alias }),
  'hosts:add': newHostSchema,
  'hosts:prepare': z.object({ host: alias }),
  'processes:list': z.object({ host: alias }),
  'migration:plan': migrationRequestSchema,
  'migration:start': migrationRequestSchema,
  /** A rehearsal; `dump`: also a real `criu dump --leave-running` (one short freeze of the process). */
  'migration:rehearse': migrationRequestSchema.extend({ dump: z.boolean().default(false) }),
  'migration:active': empty,
  'migration:cancel': z.object({ id: migrationId }),
  'history:list': empty,
  'history:get': z.object({ id: migrationId }),
  'history:export': z.object({ ids: z.array(migrationId).max(10_000).optional() }),
} as const;

/** Names of every request. */
export type RequestMethod = keyof typeof requestSchemas;
/** Parameters of a request as a client sends them (defaults may be left out). */
export type RequestParams<M extends RequestMethod> = z.input<(typeof requestSchemas)[M]>;
/** Parameters as a handler receives them (validated, defaults filled in). */
export type ValidParams<M extends RequestMethod> = z.output<(typeof requestSchemas)[M]>;

export const REQUEST_METHODS = Object.keys(requestSchemas) as RequestMethod[];
