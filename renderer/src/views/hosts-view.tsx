// Hosts: the inventory (lab and ~/.ssh/config), each host's readiness with what is wrong and how to fix it.
import { useState } from 'react';
import { hostsInGroup } from '../../../app/inventory/host-groups';
import { CheckList } from '../components/check-list';
import { EmptyState } from '../components/empty-state';
import { ErrorNote } from '../components/error-note';
import { useStore } from '../store/store';
import { AddHostForm } from './add-host-form';
import { GroupFilter } from './group-filter';
import { PrepareHost } from './prepare-host';

/** The Hosts view. */
export function HostsView() {
  const hosts = useStore((s) => s.hosts);
  const readiness = useStore((s) => s.readiness);
  const loadHosts = useStore((s) => s.loadHosts);
  const checkHost = useStore((s) => s.checkHost);
  const selectHost = useStore((s) => s.selectHost);
  const setView = useStore((s) => s.setView);
  const info = useStore((s) => s.info);
  const loadInfo = useStore((s) => s.loadInfo);
  const all = hosts.value?.hosts ?? [];
  const [group, setGroup] = useState('');
  const list = hostsInGroup(all, group);

  return (
    <section aria-labelledby="hosts-title" className="stack">
      <div className="row between">
        <h2 id="hosts-title">Hosts</h2>
        <button type="button" onClick={() => { void loadHosts(); void loadInfo(); }} disabled={hosts.loading}>
          {hosts.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {info && !info.lab.up && list.some((h) => h.source === 'lab') && (
        <div className="note warn">
          The lab "{info.lab.name}" is down, so its hosts cannot answer: bring it up with <code>npx ferry lab up</code>
          {info.lab.name !== 'ferry' ? <> (with <code>FERRY_LAB={info.lab.name}</code>)</> : null}, then press Refresh.
        </div>
      )}
      {info?.lab.up && info.lab.demo && (
        <p className="note info">
          Demo workload: PID {info.lab.demo.pid} with {info.lab.demo.connections} connections to the lab's witness, service address{' '}
          {info.lab.serviceAddress} now on {info.lab.serviceHolder ?? 'no host'}.
        </p>
      )}
      <GroupFilter hosts={all} value={group} onChange={setGroup} />
      {hosts.error && <ErrorNote error={hosts.error} title="Could not read the inventory" />}
      {!hosts.loading && hosts.value && all.length === 0 && (
        <EmptyState title="No hosts yet">
          Bring up the lab (<code>npx ferry lab up</code>), add <code>Host</code> entries to <code>~/.ssh/config</code>, or add a host below.
        </EmptyState>
      )}
      {list.length > 0 && (
        <table className="grid" aria-label="Inventory">
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">Address</th>
              <th scope="col">From</th>
              <th scope="col">Readiness</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {list.map((h) => {
              const r = readiness[h.name];
              const status = r?.loading && !r.value ? 'Checking…' : r?.error ? 'Check failed' : r?.value ? (r.value.ready ? 'Ready' : 'Not ready') : '—';
              const failing = r?.value?.checks.filter((c) => !c.ok) ?? [];
              return (
                <tr key={h.name}>
                  <th scope="row">{h.name}</th>
                  <td>
                    <code>{`${h.user}@${h.hostName}:${h.port}`}</code>
                    {h.proxyJump ? <span className="muted small"> via {h.proxyJump}</span> : h.proxyCommand ? <span className="muted small"> via ProxyCommand</span> : null}
                  </td>
                  <td className="small">{h.manual ? 'added here' : h.source}</td>
                  <td>
                    <span className={`badge ${status === 'Ready' ? 'ok' : status === 'Checking…' || status === '—' ? '' : 'bad'}`}>{status}</span>
                    {r?.value?.kernel ? <span className="muted small"> {r.value.kernel}</span> : null}
                    {r?.error && <ErrorNote error={r.error} />}
                    {failing.length > 0 && <CheckList checks={failing} label={`Problems on ${h.name}`} />}
                    <PrepareHost host={h.name} failing={failing} />
                    {r?.value && (
                      <details>
                        <summary>All checks ({r.value.checks.length})</summary>
                        <CheckList checks={r.value.checks} label={`Checks of ${h.name}`} />
                      </details>
                    )}
                  </td>
                  <td className="actions">
                    <button type="button" onClick={() => void checkHost(h.name)} disabled={r?.loading} aria-label={`Re-check ${h.name}`}>
                      {r?.loading ? 'Checking…' : 'Re-check'}
                    </button>
                    <button
                      type="button"
                      aria-label={`Processes on ${h.name}`}
                      onClick={() => {
                        selectHost(h.name);
                        setView('processes');
                      }}
                    >
                      Processes
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {hosts.value && hosts.value.warnings.length > 0 && (
        <details>
          <summary>{hosts.value.warnings.length} inventory warning(s)</summary>
          <ul>{hosts.value.warnings.map((w) => <li key={w}>{w}</li>)}</ul>
        </details>
      )}
      <AddHostForm manualFile={hosts.value?.manualFile} />
    </section>
  );
}
