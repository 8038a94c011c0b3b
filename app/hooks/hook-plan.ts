// The plan's address hook, from the request: which of the plan's addresses it moves and its budgets. Pure.
import type { FerryErrorInfo } from '../errors';
import type { AddressHookPlan, AddressMove, MigrationRequest } from '../model/migration';
import { parseIpAddress } from '../ip-address';
import { HOOK_DEFAULT_BUDGET_MS } from './address-hook';

/** The hook as the plan holds it, or the problems that refuse it (undefined hook: the request has none). */
export function planAddressHook(req: MigrationRequest, moves: readonly AddressMove[]): { hook?: AddressHookPlan; problems: FerryErrorInfo[] } {
  const h = req.addressHook;
  if (!h) return { problems: [] };
  const problems: FerryErrorInfo[] = [];
  const moving = moves.map((m) => m.address);
  let addresses = moving;
  if (h.addresses?.length) {
    addresses = [];
    for (const a of h.addresses) {
      const p = parseIpAddress(a)?.address;
      if (!p) problems.push({ code: 'BAD_INPUT', message: `address hook: not an IP address: ${JSON.stringify(a)}` });
      else if (!moving.includes(p))
        problems.push({
          code: 'BAD_INPUT',
          message: `address hook: ${p} is not one of the addresses that move (${moving.join(', ') || 'none'})`,
          hint: 'name with --hook-address only addresses the migration moves (--ip, or the local addresses of its connections)',
        });
      else if (!addresses.includes(p)) addresses.push(p);
    }
  }
  if (!addresses.length && !problems.length)
    problems.push({ code: 'BAD_INPUT', message: 'an address hook was given but no address moves', hint: 'name the service address with --ip' });
  const budgetMs = { ...HOOK_DEFAULT_BUDGET_MS, ...(h.budgetMs ?? {}) };
  if (budgetMs.move >= req.budgetMs)
    problems.push({
      code: 'BAD_INPUT',
      message: `the address hook's move budget (${budgetMs.move} ms) is not below the freeze budget (${req.budgetMs} ms)`,
      hint: 'give the hook a shorter --hook-budget-ms, or the freeze a longer --budget-ms',
    });
  if (problems.length) return { problems };
  return { hook: { path: h.path, addresses, budgetMs }, problems };
}
