// The address hook's runs in one migration's review (record.addressHook.runs: docs/address-hooks.md).
import type { MigrationRecord } from '../../../app/model/migration';

/** One row per run of the hook (action, host, result, time against its budget); nothing without a hook. */
export function HookRuns({ record }: { record: MigrationRecord }) {
  const hook = record.addressHook;
  if (!hook?.runs.length) return null;
  return (
    <>
      <h4>
        Address hook <code>{hook.path}</code>
      </h4>
      <table className="grid small" aria-label="Address hook runs">
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">Host</th>
            <th scope="col">Result</th>
            <th scope="col">Time</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {hook.runs.map((r, i) => (
            <tr key={`${r.action}-${r.side}-${i}`}>
              <th scope="row">{r.action}</th>
              <td>
                {r.host} ({r.side})
              </td>
              <td>
                {r.ok ? <span className="badge ok">ok</span> : <span className="badge bad">{r.problem ?? 'failed'}</span>}
                {r.exit !== undefined && r.exit !== 0 ? ` exit ${r.exit}` : ''}
              </td>
              <td>
                {r.ms === undefined ? '–' : `${r.ms} ms`} of {r.budgetMs} ms
              </td>
              <td title={r.stderr}>{r.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
