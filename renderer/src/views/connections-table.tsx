// The selected process's TCP four-tuples with their kernel statistics, and the addresses that would move.
import { memo, useMemo } from 'react';
import type { ProcessNode, TcpSocket } from '../../../app/model/host';
import { fourTupleKey } from '../../../app/model/host';
import { subtreePids } from '../../../app/process-tree';
import { addressesToMove, socketsOfTree } from '../../../app/sockets';
import type { ProcessListing } from '../../../app/contract/contract';
import { EmptyState } from '../components/empty-state';

const v = (x: number | undefined, unit = '') => (x === undefined ? '–' : `${x}${unit}`);
const ep = (e: TcpSocket['local']) => (e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);

/**
 * Rows drawn at most: a table of 10,000 sockets took seconds to draw and to refresh every 3 s (main/bench/view-bench.ts);
 * the rest are counted below it.
 */
export const CONNECTION_ROWS = 200;

/**
 * Connections of a process tree (the process and its descendants: CRIU moves them together). Drawn again only when
 * the listing or the process changes (not on a search keystroke).
 */
export const ConnectionsPanel = memo(function ConnectionsPanel({
  node,
  listing,
  onMigrate,
}: {
  node: ProcessNode;
  listing: ProcessListing;
  onMigrate(): void;
}) {
  const { pids, sockets, moving, blocked } = useMemo(() => {
    const pids = subtreePids(listing.processes, node.pid);
    const sockets = socketsOfTree(listing.sockets, pids);
    const moving = addressesToMove(sockets, listing.managementAddresses, { includeListeners: true });
    const blocked = addressesToMove(sockets, [], { includeListeners: true }).filter((a) => !moving.includes(a));
    return { pids, sockets, moving, blocked };
  }, [listing, node.pid]);
  const shown = sockets.length > CONNECTION_ROWS ? sockets.slice(0, CONNECTION_ROWS) : sockets;
  return (
    <section className="stack" aria-labelledby="conn-title">
      <div className="row between">
        <h3 id="conn-title">
          PID {node.pid} <code>{node.comm}</code>
        </h3>
        <button type="button" className="primary" onClick={onMigrate}>
          Migrate this process…
        </button>
      </div>
      <p className="small args-full">{node.args}</p>
      <p className="small muted">
        user {node.user} · {Math.round(node.rssKiB / 1024)} MiB resident · {pids.length} process(es) in its tree · {sockets.length} TCP socket(s)
      </p>
      <div className="card">
        <strong>Addresses that would move: </strong>
        {moving.length ? (
          moving.map((a) => (
            <code key={a} className="chip">
              {a}
            </code>
          ))
        ) : (
          <span className="muted">none (no connection from a movable address)</span>
        )}
        {blocked.length > 0 && (
          <div className="note warn small">
            {blocked.join(', ')} {blocked.length === 1 ? 'is' : 'are'} the address Ferry manages {listing.host} through and cannot move: give the service its
            own address (how: <code>docs/movable-services.md</code>).
          </div>
        )}
      </div>
      {sockets.length === 0 ? (
        <EmptyState title="No TCP sockets">This process tree has no TCP connections: it would migrate without any.</EmptyState>
      ) : (
        <div className="scroll-x">
          <table className="grid small" aria-label={`Connections of PID ${node.pid}`}>
            <thead>
              <tr>
                <th scope="col">Local</th>
                <th scope="col">Remote</th>
                <th scope="col">State</th>
                <th scope="col" title="receive queue / send queue (bytes)">
                  Queues r/s
                </th>
                <th scope="col">RTT ms</th>
                <th scope="col">RTO ms</th>
                <th scope="col">cwnd</th>
                <th scope="col" title="unacknowledged retransmissions now / total">
                  Retrans
                </th>
                <th scope="col">PID</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((s) => (
                <tr key={`${fourTupleKey(s)}-${s.state}`}>
                  <td>
                    <code>{ep(s.local)}</code>
                  </td>
                  <td>
                    <code>{s.state === 'LISTEN' ? '*' : ep(s.remote)}</code>
                  </td>
                  <td>{s.state}</td>
                  <td>
                    {s.recvQ} / {s.sendQ}
                  </td>
                  <td>{s.rttMs === undefined ? '–' : `${s.rttMs}${s.rttVarMs !== undefined ? ` ±${s.rttVarMs}` : ''}`}</td>
                  <td>{v(s.rtoMs)}</td>
                  <td>{v(s.cwnd)}</td>
                  <td>
                    {v(s.retransCurrent)} / {v(s.retransTotal)}
                  </td>
                  <td>{[...new Set(s.owners.map((o) => o.pid))].join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length < sockets.length && (
            <p className="small muted">
              The first {shown.length} of {sockets.length} TCP sockets; all of them: <code>ferry ps {listing.host} --json</code>.
            </p>
          )}
        </div>
      )}
    </section>
  );
});
