import { describe, expect, it } from 'vitest';
import { ansibleHosts } from '../inventory/ansible-inventory';
import { parseAnsibleIni } from '../inventory/ansible-ini';
import { parseAnsibleYaml } from '../inventory/ansible-yaml';
import { readAnsibleInventory } from '../inventory/inventory-format';
import { effectiveAddressHook, hostHookFromVars } from './host-hook';

const HOOK = '/usr/local/lib/ferry/address-hook';

describe('hostHookFromVars', () => {
  it('reads the path, the addresses (commas or spaces) and the move budget', () => {
    expect(hostHookFromVars({})).toBeUndefined();
    expect(hostHookFromVars({ ferry_address_hook: HOOK })).toEqual({ hook: { path: HOOK } });
    expect(
      hostHookFromVars({ ferry_address_hook: HOOK, ferry_hook_addresses: '198.19.0.100, 2001:2::5 198.19.0.101', ferry_address_hook_budget_ms: '1500' }),
    ).toEqual({ hook: { path: HOOK, addresses: ['198.19.0.100', '2001:2::5', '198.19.0.101'], budgetMs: { move: 1500 } } });
  });

  it('keeps a declaration the contract refuses as a problem, not as no hook', () => {
    expect(hostHookFromVars({ ferry_address_hook: 'relative/hook' })).toEqual({ problem: expect.stringMatching(/absolute path/) });
    expect(hostHookFromVars({ ferry_address_hook: '/a/../b' })).toEqual({ problem: expect.stringMatching(/\.\./) });
    expect(hostHookFromVars({ ferry_address_hook: HOOK, ferry_address_hook_budget_ms: 'soon' })).toEqual({ problem: expect.stringMatching(/number of ms/) });
    expect(hostHookFromVars({ ferry_address_hook: HOOK, ferry_address_hook_budget_ms: '0' })).toEqual({ problem: expect.stringMatching(/budgetMs/) });
    expect(hostHookFromVars({ ferry_hook_addresses: '198.19.0.100' })).toEqual({ problem: expect.stringMatching(/need ferry_address_hook/) });
  });
});

describe('per-host hooks in Ansible inventories', () => {
  const ini = [
    '[routed]',
    'lab-a ansible_host=198.18.0.2',
    'lab-b ansible_host=198.18.0.3 ferry_address_hook_budget_ms=900',
    'lab-c ansible_host=198.18.0.4 ferry_address_hook="{{ hook_path }}"',
    '[routed:vars]',
    `ferry_address_hook=${HOOK}`,
    'ferry_hook_addresses=198.19.0.100',
    '[plain]',
    'lab-d',
  ].join('\n');

  it('takes them from host and group vars, with Ansible precedence (INI)', () => {
    const { hosts } = ansibleHosts(parseAnsibleIni(ini, 'hosts.ini'));
    const by = new Map(hosts.map((h) => [h.name, h.addressHook]));
    expect(by.get('lab-a')).toEqual({ hook: { path: HOOK, addresses: ['198.19.0.100'] } });
    expect(by.get('lab-b')).toEqual({ hook: { path: HOOK, addresses: ['198.19.0.100'], budgetMs: { move: 900 } } });
    expect(by.get('lab-c')).toEqual({ problem: expect.stringMatching(/template/) });
    expect(by.get('lab-d')).toBeUndefined();
    expect(readAnsibleInventory(ini, 'hosts.ini', 'ansible-ini').hooks.get('lab-b')).toEqual(by.get('lab-b'));
  });

  it('reads YAML the same way (numbers stringified)', () => {
    const yml = `all:\n  hosts:\n    web1:\n      ferry_address_hook: ${HOOK}\n      ferry_address_hook_budget_ms: 1200\n    web2: {}\n`;
    const { hosts } = ansibleHosts(parseAnsibleYaml(yml, 'hosts.yml'));
    expect(hosts.find((h) => h.name === 'web1')?.addressHook).toEqual({ hook: { path: HOOK, budgetMs: { move: 1200 } } });
    expect(hosts.find((h) => h.name === 'web2')?.addressHook).toBeUndefined();
  });
});

describe('effectiveAddressHook', () => {
  const declared = (path: string, extra: object = {}) => ({ hook: { path, ...extra } });
  const a = (addressHook?: ReturnType<typeof declared> | { problem: string }) => ({ name: 'lab-a', ...(addressHook ? { addressHook } : {}) });
  const b = (addressHook?: ReturnType<typeof declared> | { problem: string }) => ({ name: 'lab-b', ...(addressHook ? { addressHook } : {}) });

  it("uses the request's hook over the hosts' (even when they disagree)", () => {
    const r = effectiveAddressHook({ path: '/x/hook' }, a(declared(HOOK)), b(declared('/other')));
    expect(r).toEqual({ hook: { path: '/x/hook' }, origin: 'request', problems: [] });
  });

  it('uses no hook when neither host declares one', () => {
    expect(effectiveAddressHook(undefined, a(), b())).toEqual({ origin: 'none', problems: [] });
  });

  it('uses the hook both hosts declare alike (addresses in any order)', () => {
    const r = effectiveAddressHook(
      undefined,
      a(declared(HOOK, { addresses: ['1.1.1.1', '2.2.2.2'] })),
      b(declared(HOOK, { addresses: ['2.2.2.2', '1.1.1.1'] })),
    );
    expect(r.origin).toBe('inventory');
    expect(r.problems).toEqual([]);
    expect(r.hook?.path).toBe(HOOK);
  });

  it('refuses one host declaring a hook the other does not, naming both', () => {
    const r = effectiveAddressHook(undefined, a(), b(declared(HOOK)));
    expect(r.hook).toBeUndefined();
    expect(r.problems).toEqual([
      expect.objectContaining({ code: 'BAD_INPUT', message: 'host lab-b declares an address hook in the inventory but lab-a does not' }),
    ]);
    expect(r.problems[0]?.hint).toMatch(/--address-hook/);
  });

  it('refuses two different declarations: path, or the same path with other budgets', () => {
    expect(effectiveAddressHook(undefined, a(declared(HOOK)), b(declared('/opt/hook'))).problems[0]?.message).toMatch(
      /lab-a and lab-b declare different address hooks \(\/usr\/local\/lib\/ferry\/address-hook and \/opt\/hook\)/,
    );
    expect(effectiveAddressHook(undefined, a(declared(HOOK)), b(declared(HOOK, { budgetMs: { move: 900 } }))).problems[0]?.message).toMatch(
      /different addresses or budgets/,
    );
  });

  it("refuses a host's declaration that has a problem", () => {
    const r = effectiveAddressHook(undefined, a({ problem: 'ferry_address_hook: not absolute' }), b(declared(HOOK)));
    expect(r.hook).toBeUndefined();
    expect(r.problems[0]?.message).toBe('host lab-a: inventory address hook refused: ferry_address_hook: not absolute');
  });
});
