// Requests of the Hosts view: the inventory, each host's readiness, adding a host by hand, preparing one.
import { toErrorInfo } from '../../app/errors';
import type { HostEntry, HostReadiness } from '../../app/contract/contract';
import type { Handlers } from '../../app/contract/rpc-server';
import { hostReadiness, type ReadinessCheck } from '../../app/plan/readiness';
import { prepareHost } from '../hosts/prepare-host';
import { probeHost } from '../net/host-probe';
import type { ApiContext } from './api-context';
import { addManualHost, manualHostsFile } from './manual-hosts';

/** Probes a host with the CRIU check and turns it into readiness checks; SSH failures become the first check. */
export async function checkHost(ctx: ApiContext, host: string): Promise<HostReadiness> {
  ctx.controller.resolveHost(host);
  const started = Date.now();
  let checks: ReadinessCheck[];
  let kernel: string | undefined;
  try {
    const snap = await probeHost(ctx.controller.exec, host, { criuCheck: true });
    kernel = snap.kernel;
    checks = [{ name: 'ssh', ok: true, detail: `connected and probed in ${Date.now() - started} ms` }, ...hostReadiness(snap)];
  } catch (err) {
    const info = toErrorInfo(err);
    checks = [{ name: 'ssh', ok: false, detail: `[${info.code}] ${info.message}`, code: info.code, ...(info.hint ? { fix: info.hint } : {}) }];
  }
  return { host, ready: checks.every((c) => c.ok || c.warning), checks, probedMs: Date.now() - started, ...(kernel ? { kernel } : {}) };
}

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
    'hosts:check': async ({ host }) => checkHost(ctx, host),
    'hosts:prepare': async ({ host }) => {
      ctx.controller.resolveHost(host);
      return prepareHost(ctx.controller.exec, host);
    },
    'hosts:add': async (params) => {
      addManualHost(params, ctx.controller.inventory().hosts.map((h) => h.name));
      const added = entries().find((h) => h.name === params.name);
      if (!added) throw new Error(`the host "${params.name}" was written but did not resolve`);
      ctx.events.emit('hosts:changed', {});
      return added;
    },
  };
}
