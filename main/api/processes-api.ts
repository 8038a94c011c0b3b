// Requests of the Processes view: one host's processes and TCP sockets.
import type { Handlers } from '../../app/contract/rpc-server';
import { managementAddresses } from '../../app/plan/build-plan';
import { subtreePids } from '../../app/process-tree';
import { probeHost } from '../net/host-probe';
import type { ApiContext } from './api-context';

/** The Processes view's handlers. */
export function processesHandlers(ctx: ApiContext): Pick<Handlers, 'processes:list'> {
  return {
    'processes:list': async ({ host }) => {
      const spec = ctx.controller.resolveHost(host);
      const snap = await probeHost(ctx.controller.exec, host, { criu: false, processes: true, sockets: true });
      const all = snap.processes ?? [];
      // The probe's own shell and its ps are not the operator's processes.
      const probe = all.filter((p) => p.comm === 'sh' && p.args.includes(' ferry-probe ')).flatMap((p) => subtreePids(all, p.pid));
      const hidden = new Set(probe);
      return {
        host,
        takenAt: snap.takenAt,
        processes: all.filter((p) => !hidden.has(p.pid)),
        sockets: snap.sockets ?? [],
        managementAddresses: managementAddresses(snap, spec.hostName, spec.port),
      };
    },
  };
}
