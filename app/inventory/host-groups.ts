// The inventory's groups and the hosts of one group (the Hosts view's filter, `ferry hosts --group`).
import type { HostSpec } from '../model/host';

/** Every group any host is in, sorted, with how many hosts it has. */
export function inventoryGroups(hosts: readonly Pick<HostSpec, 'groups'>[]): { name: string; hosts: number }[] {
  const counts = new Map<string, number>();
  for (const h of hosts) for (const g of h.groups ?? []) counts.set(g, (counts.get(g) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, n]) => ({ name, hosts: n }));
}

/** The hosts of `group`; all of them when `group` is empty. */
export function hostsInGroup<T extends Pick<HostSpec, 'groups'>>(hosts: readonly T[], group: string): T[] {
  return group === '' ? [...hosts] : hosts.filter((h) => h.groups?.includes(group));
}
