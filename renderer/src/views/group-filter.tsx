// The Hosts view's group filter: a choice among the inventory's groups (Ansible inventories), hidden without any.
import type { HostEntry } from '../../../app/contract/contract';
import { inventoryGroups } from '../../../app/inventory/host-groups';

/** A select of the inventory's groups; '' is every host. */
export function GroupFilter({ hosts, value, onChange }: { hosts: readonly HostEntry[]; value: string; onChange: (group: string) => void }) {
  const groups = inventoryGroups(hosts);
  if (groups.length === 0) return null;
  return (
    <label className="row">
      <span>Group</span>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All hosts ({hosts.length})</option>
        {groups.map((g) => (
          <option key={g.name} value={g.name}>{`${g.name} (${g.hosts})`}</option>
        ))}
      </select>
    </label>
  );
}
