// Requests of the Processes view: one host's processes and TCP sockets.
import type { Handlers } from '../../app/contract/rpc-server';
import { managementAddresses } from '../../app/plan/build-plan';
import { operatorProcesses } from '../../app/process-view/operator-processes';
import { probeHost } from '../net/host-probe';
import type { ApiContext } from './api-context';

/** The Processes view's handlers. */
export function processesHandlers(ctx: ApiContext): Pick<Handlers, 'processes:list'> {
  return {
    'processes:list': async ({ host }) => {
      const spec = ctx.controller.resolveHost(host);
      const snap = await probeHost(ctx.controller.exec, host, { criu: false, processes: true, sockets: 'brief' });
      return {
        host,
        takenAt: snap.takenAt,
        processes: operatorProcesses(snap.processes ?? []),
        sockets: snap.sockets ?? [],
        managementAddresses: managementAddresses(snap, spec.hostName, spec.port),
      };
    },
  };
}
