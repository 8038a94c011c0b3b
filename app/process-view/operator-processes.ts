// The processes an operator sees: a host's list without the shell (and its ps) that Ferry's probe ran to read it.
import type { ProcessInfo } from '../model/host';
import { subtreePids } from '../process-tree';

/** The probe's `$0` (`sh -c SCRIPT ferry-probe …`): how its own shell is recognised in the list it produced. */
export const PROBE_ARGV0 = 'ferry-probe';

/** The list minus every probe shell and its descendants (the dashboard's Processes view and `ferry ps` show this). */
export function operatorProcesses<T extends ProcessInfo>(all: readonly T[]): T[] {
  const probes = all.filter((p) => p.comm === 'sh' && p.args.includes(` ${PROBE_ARGV0} `));
  const hidden = new Set(probes.flatMap((p) => subtreePids(all, p.pid)));
  return all.filter((p) => !hidden.has(p.pid));
}
