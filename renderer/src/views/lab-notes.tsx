// What the Hosts view says about the lab: that it is down (and how to bring it up), or what its demo runs.
import type { AppInfo, HostEntry } from '../../../app/contract/contract';

/** Nothing without info; a warning when the lab's hosts are listed but the lab is down; the demo when it runs. */
export function LabNotes({ info, hosts }: { info: AppInfo | undefined; hosts: HostEntry[] }) {
  if (!info) return null;
  const { lab } = info;
  if (!lab.up && hosts.some((h) => h.source === 'lab')) {
    return (
      <div className="note warn">
        The lab "{lab.name}" is down, so its hosts cannot answer: bring it up with <code>npx ferry lab up</code>
        {lab.name !== 'ferry' ? (
          <>
            {' '}
            (with <code>FERRY_LAB={lab.name}</code>)
          </>
        ) : null}
        , then press Refresh.
      </div>
    );
  }
  if (lab.up && lab.demo) {
    return (
      <p className="note info">
        Demo workload: PID {lab.demo.pid} with {lab.demo.connections} connections to the lab's witness, service address {lab.serviceAddress} now on{' '}
        {lab.serviceHolder ?? 'no host'}.
      </p>
    );
  }
  return null;
}
