// One host of the inventory: its address, where it comes from, its readiness and what can be done with it.
import type { HostEntry, HostReadiness } from '../../../app/contract/contract';
import { CheckList } from '../components/check-list';
import { ErrorNote } from '../components/error-note';
import { useStore } from '../store/store';
import type { Loadable } from '../store/types';
import { PrepareHost } from './prepare-host';

/** The readiness badge's text for a host's check state. */
export function readinessStatus(r: Loadable<HostReadiness> | undefined): string {
  if (r?.loading && !r.value) return 'Checking…';
  if (r?.error) return 'Check failed';
  if (r?.value) return r.value.ready ? 'Ready' : 'Not ready';
  return '—';
}

/** user@host:port and the jump that reaches it. */
function HostAddress({ host: h }: { host: HostEntry }) {
  return (
    <>
      <code>{`${h.user}@${h.hostName}:${h.port}`}</code>
      {h.proxyJump ? <span className="muted small"> via {h.proxyJump}</span> : h.proxyCommand ? <span className="muted small"> via ProxyCommand</span> : null}
    </>
  );
}

/** The readiness badge, the failing checks and, folded, all checks. */
function ReadinessCell({ name, readiness: r }: { name: string; readiness: Loadable<HostReadiness> | undefined }) {
  const status = readinessStatus(r);
  const failing = r?.value?.checks.filter((c) => !c.ok) ?? [];
  return (
    <>
      <span className={`badge ${status === 'Ready' ? 'ok' : status === 'Checking…' || status === '—' ? '' : 'bad'}`}>{status}</span>
      {r?.value?.kernel ? <span className="muted small"> {r.value.kernel}</span> : null}
      {r?.error && <ErrorNote error={r.error} />}
      {failing.length > 0 && <CheckList checks={failing} label={`Problems on ${name}`} />}
      <PrepareHost host={name} failing={failing} />
      {r?.value && (
        <details>
          <summary>All checks ({r.value.checks.length})</summary>
          <CheckList checks={r.value.checks} label={`Checks of ${name}`} />
        </details>
      )}
    </>
  );
}

/** Re-check the host, go to its processes, or evacuate it. */
function HostActions({ name, checking }: { name: string; checking: boolean }) {
  const checkHost = useStore((s) => s.checkHost);
  const selectHost = useStore((s) => s.selectHost);
  const setView = useStore((s) => s.setView);
  const openEvacuation = useStore((s) => s.openEvacuation);
  return (
    <>
      <button type="button" onClick={() => void checkHost(name)} disabled={checking} aria-label={`Re-check ${name}`}>
        {checking ? 'Checking…' : 'Re-check'}
      </button>
      <button
        type="button"
        aria-label={`Processes on ${name}`}
        onClick={() => {
          selectHost(name);
          setView('processes');
        }}
      >
        Processes
      </button>
      <button type="button" aria-label={`Evacuate ${name}`} onClick={() => openEvacuation(name)}>
        Evacuate
      </button>
    </>
  );
}

/** One row of the inventory table. */
export function HostRow({ host: h }: { host: HostEntry }) {
  const r = useStore((s) => s.readiness[h.name]);
  return (
    <tr>
      <th scope="row">{h.name}</th>
      <td>
        <HostAddress host={h} />
      </td>
      <td className="small">{h.manual ? 'added here' : h.source}</td>
      <td>
        <ReadinessCell name={h.name} readiness={r} />
      </td>
      <td className="actions">
        <HostActions name={h.name} checking={!!r?.loading} />
      </td>
    </tr>
  );
}

/** The inventory as a table, one row per host. */
export function HostsTable({ hosts }: { hosts: HostEntry[] }) {
  return (
    <table className="grid" aria-label="Inventory">
      <thead>
        <tr>
          <th scope="col">Host</th>
          <th scope="col">Address</th>
          <th scope="col">From</th>
          <th scope="col">Readiness</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {hosts.map((h) => (
          <HostRow key={h.name} host={h} />
        ))}
      </tbody>
    </table>
  );
}
