// Processes: a host's process tree, searchable and refreshed live, with the selected process's connections.
import { useCallback, useEffect, useMemo } from 'react';
import { buildProcessTree, findProcess } from '../../../app/process-tree';
import { socketsByPid, visibleRows } from '../../../app/process-view/tree-rows';
import { EmptyState } from '../components/empty-state';
import { ErrorNote } from '../components/error-note';
import { usePoll } from '../hooks/use-poll';
import { selectHostList } from '../store/hosts-slice';
import { useStore } from '../store/store';
import { ConnectionsPanel } from './connections-table';
import { ProcessTree } from './process-tree';

const REFRESH_MS = 3000;

/** The Processes view. */
export function ProcessesView() {
  const hosts = useStore(selectHostList);
  const host = useStore((s) => s.procHost);
  const listing = useStore((s) => s.listing);
  const selectedPid = useStore((s) => s.selectedPid);
  const collapsed = useStore((s) => s.collapsed);
  const query = useStore((s) => s.query);
  const { selectHost, loadProcesses, selectPid, toggleCollapsed, setQuery, setDraft, setView } = useStore.getState();

  useEffect(() => {
    if (!host && hosts[0]) selectHost(hosts[0].name);
  }, [host, hosts, selectHost]);
  usePoll(loadProcesses, REFRESH_MS, !!host);

  const data = listing.value;
  const roots = useMemo(() => buildProcessTree(data?.processes ?? []), [data]);
  const sockets = useMemo(() => socketsByPid(data?.sockets ?? []), [data]);
  const rows = useMemo(() => visibleRows(roots, collapsed, { query, sockets }), [roots, collapsed, query, sockets]);
  const selected = useMemo(() => (selectedPid === undefined ? undefined : findProcess(roots, selectedPid)), [roots, selectedPid]);
  const migrateSelected = useCallback(() => {
    if (!data || !selected) return;
    setDraft({ from: data.host, pid: selected.pid, to: hosts.find((h) => h.name !== data.host)?.name });
    setView('migrate');
  }, [data, selected, hosts, setDraft, setView]);

  return (
    <section aria-labelledby="proc-title" className="stack">
      <div className="row between wrap">
        <h2 id="proc-title">Processes</h2>
        <div className="row wrap">
          <label className="inline">
            Host{' '}
            <select value={host ?? ''} onChange={(e) => selectHost(e.target.value)}>
              {!host && <option value="">choose…</option>}
              {hosts.map((h) => (
                <option key={h.name} value={h.name}>
                  {h.name}
                </option>
              ))}
            </select>
          </label>
          <label className="inline">
            Search{' '}
            <input
              type="search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="name, PID, port or address"
              aria-label="Search processes"
            />
          </label>
          <span className="muted small" role="status" aria-live="polite">
            {data ? `${data.processes.length} processes · ${new Date(data.takenAt).toLocaleTimeString()}` : listing.loading ? 'Loading…' : ''}
            {listing.loading && data ? ' · refreshing' : ''}
          </span>
        </div>
      </div>
      {hosts.length === 0 && <EmptyState title="No hosts">Add a host in the Hosts view, or bring up the lab.</EmptyState>}
      {listing.error && <ErrorNote error={listing.error} title={`Could not list the processes of ${host}`} />}
      {data && (
        <div className="split">
          <div className="stack">
            {rows.length === 0 ? (
              <EmptyState title="No process matches">Search by name, PID, port (7000) or address (198.18.0.100).</EmptyState>
            ) : (
              <ProcessTree host={data.host} rows={rows} sockets={sockets} selectedPid={selectedPid} onSelect={selectPid} onToggle={toggleCollapsed} />
            )}
          </div>
          <div className="detail">
            {selected ? (
              <ConnectionsPanel node={selected} listing={data} onMigrate={migrateSelected} />
            ) : (
              <EmptyState title="Select a process">
                Its TCP connections (state, queues, RTT, RTO, cwnd, retransmits) and the addresses that would move show here.
              </EmptyState>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
