// Hosts: the inventory (lab and ~/.ssh/config), each host's readiness with what is wrong and how to fix it.
import { useState } from 'react';
import { hostsInGroup } from '../../../app/inventory/host-groups';
import { EmptyState } from '../components/empty-state';
import { ErrorNote } from '../components/error-note';
import { useStore } from '../store/store';
import { AddHostForm } from './add-host-form';
import { EvacuatePanel } from './evacuate-panel';
import { GroupFilter } from './group-filter';
import { HostsTable } from './host-row';
import { LabNotes } from './lab-notes';

/** Reloads the inventory (and with it every host's readiness) and the app's info. */
function RefreshButton() {
  const loading = useStore((s) => s.hosts.loading);
  const loadHosts = useStore((s) => s.loadHosts);
  const loadInfo = useStore((s) => s.loadInfo);
  return (
    <button
      type="button"
      onClick={() => {
        void loadHosts();
        void loadInfo();
      }}
      disabled={loading}
    >
      {loading ? 'Refreshing…' : 'Refresh'}
    </button>
  );
}

/** What the inventory's sources warned about (unreadable files, skipped entries), folded. */
function InventoryWarnings({ warnings }: { warnings: string[] }) {
  if (!warnings.length) return null;
  return (
    <details>
      <summary>{warnings.length} inventory warning(s)</summary>
      <ul>
        {warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </details>
  );
}

/** The Hosts view. */
export function HostsView() {
  const hosts = useStore((s) => s.hosts);
  const info = useStore((s) => s.info);
  const all = hosts.value?.hosts ?? [];
  const [group, setGroup] = useState('');
  const list = hostsInGroup(all, group);

  return (
    <section aria-labelledby="hosts-title" className="stack">
      <div className="row between">
        <h2 id="hosts-title">Hosts</h2>
        <RefreshButton />
      </div>
      <LabNotes info={info} hosts={all} />
      <GroupFilter hosts={all} value={group} onChange={setGroup} />
      {hosts.error && <ErrorNote error={hosts.error} title="Could not read the inventory" />}
      {!hosts.loading && hosts.value && all.length === 0 && (
        <EmptyState title="No hosts yet">
          Bring up the lab (<code>npx ferry lab up</code>), add <code>Host</code> entries to <code>~/.ssh/config</code>, or add a host below.
        </EmptyState>
      )}
      {list.length > 0 && <HostsTable hosts={list} />}
      <EvacuatePanel />
      <InventoryWarnings warnings={hosts.value?.warnings ?? []} />
      <AddHostForm manualFile={hosts.value?.manualFile} />
    </section>
  );
}
