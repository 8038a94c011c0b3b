import { describe, expect, it } from 'vitest';
import { hostsInGroup, inventoryGroups } from './host-groups';

const hosts = [{ name: 'web1', groups: ['prod', 'web'] }, { name: 'db1', groups: ['db', 'prod'] }, { name: 'lab-a' }];

describe('host groups', () => {
  it('lists the groups with their host counts, sorted', () => {
    expect(inventoryGroups(hosts)).toEqual([
      { name: 'db', hosts: 1 },
      { name: 'prod', hosts: 2 },
      { name: 'web', hosts: 1 },
    ]);
    expect(inventoryGroups([{}])).toEqual([]);
  });
  it('filters by group; an empty group is everything', () => {
    expect(hostsInGroup(hosts, 'prod').map((h) => h.name)).toEqual(['web1', 'db1']);
    expect(hostsInGroup(hosts, 'web').map((h) => h.name)).toEqual(['web1']);
    expect(hostsInGroup(hosts, 'none')).toEqual([]);
    expect(hostsInGroup(hosts, '')).toHaveLength(3);
  });
});
