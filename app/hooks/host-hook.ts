// Address hooks declared per host in the inventory (Ansible host vars `ferry_address_hook`, `ferry_hook_addresses`,
// `ferry_address_hook_budget_ms`), and the rule that picks the migration's hook from the request and both hosts.
// Pure. docs/address-hooks.md ("Where it is declared").
import { migrationRequestSchema } from '../contract/schemas';
import type { FerryErrorInfo } from '../errors';
import type { HostHookDeclaration, HostSpec } from '../model/host';
import type { AddressHookRequest } from '../model/migration';

/** The Ansible host variables of a per-host hook. */
export const HOST_HOOK_VARS = { path: 'ferry_address_hook', addresses: 'ferry_hook_addresses', budgetMs: 'ferry_address_hook_budget_ms' } as const;

export type { HostHookDeclaration };

/**
 * A host's hook from its variables (undefined: it declares none). `ferry_hook_addresses` is a list separated by
 * commas or spaces; `ferry_address_hook_budget_ms` is the move budget. A declaration that does not pass the
 * contract's checks is kept as a problem, so a migration that would use it is refused rather than done the L2 way.
 */
export function hostHookFromVars(vars: Readonly<Record<string, string>>): HostHookDeclaration | undefined {
  const path = vars[HOST_HOOK_VARS.path];
  const addressText = vars[HOST_HOOK_VARS.addresses];
  const budgetText = vars[HOST_HOOK_VARS.budgetMs];
  if (path === undefined || path === '') {
    if (addressText !== undefined || budgetText !== undefined)
      return { problem: `${HOST_HOOK_VARS.addresses} and ${HOST_HOOK_VARS.budgetMs} need ${HOST_HOOK_VARS.path}` };
    return undefined;
  }
  if (budgetText !== undefined && !/^[0-9]+$/.test(budgetText.trim()))
    return { problem: `${HOST_HOOK_VARS.budgetMs} must be a number of ms, got ${JSON.stringify(budgetText)}` };
  const addresses = (addressText ?? '').split(/[\s,]+/).filter(Boolean);
  const candidate = {
    path,
    ...(addresses.length ? { addresses } : {}),
    ...(budgetText !== undefined ? { budgetMs: { move: Number(budgetText.trim()) } } : {}),
  };
  const r = migrationRequestSchema.shape.addressHook.safeParse(candidate);
  if (!r.success || !r.data)
    return { problem: `${HOST_HOOK_VARS.path}: ${(r.error?.issues ?? []).map((i) => `${i.path.join('.') || 'path'}: ${i.message}`).join('; ')}` };
  return { hook: r.data };
}

/** Where the migration's hook came from. */
export type HookOrigin = 'request' | 'inventory' | 'none';

/** One canonical text of a hook, to compare two hosts' declarations. */
function hookKey(h: AddressHookRequest): string {
  const b = h.budgetMs ?? {};
  return JSON.stringify([h.path, [...(h.addresses ?? [])].sort(), b.prepare ?? null, b.move ?? null, b.undo ?? null]);
}

/**
 * The migration's hook. The request's wins when it names one (the operator said so for this migration). Otherwise
 * both hosts must declare the same hook (path, addresses, budgets) — the hook runs on both, so a host without it
 * would fail its `prepare`, and two different declarations leave no single hook to follow: both are refused, as is
 * a host's declaration that does not pass the contract's checks. Neither declaring one: no hook.
 */
export function effectiveAddressHook(
  request: AddressHookRequest | undefined,
  source: Pick<HostSpec, 'name' | 'addressHook'>,
  destination: Pick<HostSpec, 'name' | 'addressHook'>,
): { hook?: AddressHookRequest; origin: HookOrigin; problems: FerryErrorInfo[] } {
  if (request) return { hook: request, origin: 'request', problems: [] };
  const s = source.addressHook;
  const d = destination.addressHook;
  if (!s && !d) return { origin: 'none', problems: [] };
  const hint = `declare the same ${HOST_HOOK_VARS.path} (and ${HOST_HOOK_VARS.addresses}, ${HOST_HOOK_VARS.budgetMs}) on both hosts, or name the hook for this migration with --address-hook`;
  const problems: FerryErrorInfo[] = [];
  for (const [h, decl] of [
    [source, s],
    [destination, d],
  ] as const)
    if (decl && 'problem' in decl) problems.push({ code: 'BAD_INPUT', message: `host ${h.name}: inventory address hook refused: ${decl.problem}`, hint });
  if (problems.length) return { origin: 'inventory', problems };
  const sh = s && 'hook' in s ? s.hook : undefined;
  const dh = d && 'hook' in d ? d.hook : undefined;
  if (!sh || !dh) {
    const [has, lacks] = sh ? [source.name, destination.name] : [destination.name, source.name];
    return {
      origin: 'inventory',
      problems: [{ code: 'BAD_INPUT', message: `host ${has} declares an address hook in the inventory but ${lacks} does not`, hint }],
    };
  }
  if (hookKey(sh) !== hookKey(dh))
    return {
      origin: 'inventory',
      problems: [
        {
          code: 'BAD_INPUT',
          message: `hosts ${source.name} and ${destination.name} declare different address hooks (${sh.path} and ${dh.path}${sh.path === dh.path ? ', with different addresses or budgets' : ''})`,
          hint,
        },
      ],
    };
  return { hook: sh, origin: 'inventory', problems: [] };
}
