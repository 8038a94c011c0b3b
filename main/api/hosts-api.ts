// Requests of the Hosts view: the inventory, each host's readiness, adding a host by hand, preparing one.
import type { HostEntry } from '../../app/contract/contract';
import type { Handlers } from '../../app/contract/rpc-server';
import { prepareHost } from '../hosts/prepare-host';
import type { ApiContext } from './api-context';
import { addManualHost, manualHostsFile } from '../hosts/manual-hosts';

/** The Hosts view's handlers. */
export function hostsHandlers(ctx: ApiContext): Pick<Handlers, 'hosts:list' | 'hosts:check' | 'hosts:add' | 'hosts:prepare'> {
  const entries = (): HostEntry[] => {
    const manual = manualHostsFile();
    return ctx.controller.inventory().hosts.map((h) => ({ ...h, manual: h.source === manual }));
  };
  return {
    'hosts:list': async () => {
      const inv = ctx.controller.inventory();
      return { hosts: entries(), warnings: inv.warnings, manualFile: manualHostsFile() };
    },
    'hosts:check': async ({ host }) => ctx.service.checkHost(host),
    'hosts:prepare': async ({ host }) => {
      ctx.controller.resolveHost(host);
      return prepareHost(ctx.controller.exec, host, { criu: ctx.controller.criu });
    },
    'hosts:add': async (params) => {
      addManualHost(
        params,
        ctx.controller.inventory().hosts.map((h) => h.name),
      );
      const added = entries().find((h) => h.name === params.name);
      if (!added) throw new Error(`the host "${params.name}" was written but did not resolve`);
      ctx.events.emit('hosts:changed', {});
      return added;
    },
  };
}
