// Lazy mode's direct stream: the page data CRIU cannot leave lazy (shared memory, pages-*.img) goes from the
// source's freeze script straight to the destination's, beside the small images the controller relays. A socat
// listener on the destination (started with its freeze script, before the freeze; one connection) hands what it
// receives to `tar -x`; a socat sender on the source, fed by `tar -c`, connects to it inside the freeze. When the
// page stream is encrypted both are TLS with this migration's keys, both ends verified (the sender checks the
// destination's certificate against the address it connects to; the listener wants a client certificate of this
// migration's CA), and the destination's page guard admits only the source's address (app/plan/page-guard.ts).
// The scripts take each command as one command line (quoted once here, app/shell/quote.ts) and run it with eval.
import type { MigrationPlan } from '../../app/model/migration';
import { quoteArgv } from '../../app/shell/quote';
import { SOCAT_BUFFER, checkAddress, checkSocatPath, pageStreamPaths, tlsOptions, type RelayTls } from './page-relay';

/** The destination's listener: one connection on address:port (TLS: a client certificate required), to stdout. */
export function directListenerArgv(a: { address: string; port: number; log: string; tls?: RelayTls }): string[] {
  const ip = checkAddress(a.address, a.port);
  checkSocatPath('direct-stream log', a.log);
  const common = [`bind=${ip.bracketed}`, 'reuseaddr', `pf=${ip.family === 4 ? 'ip4' : 'ip6'}`];
  const remote = a.tls ? `OPENSSL-LISTEN:${a.port},${[...common, ...tlsOptions(a.tls), 'verify=1'].join(',')}` : `TCP-LISTEN:${a.port},${common.join(',')}`;
  return ['socat', '-u', '-b', SOCAT_BUFFER, '-d', '-d', '-lu', '-lf', a.log, remote, 'STDOUT'];
}

/**
 * The source's sender: stdin to address:port, from `bind` (the one address the destination's guard admits);
 * TLS: the listener's certificate checked against this migration's CA and against `address`. Retries for 2 s
 * while the listener comes up.
 */
export function directSenderArgv(a: { address: string; port: number; bind?: string; log: string; tls?: RelayTls }): string[] {
  const ip = checkAddress(a.address, a.port);
  checkSocatPath('direct-stream log', a.log);
  const bind = a.bind === undefined ? [] : [`bind=${checkAddress(a.bind, 1).bracketed}`];
  const common = [...bind, 'retry=100', 'interval=0.02'];
  const remote = a.tls
    ? `OPENSSL:${ip.bracketed}:${a.port},${[...common, ...tlsOptions(a.tls), 'verify=1', `commonname=${ip.address}`].join(',')}`
    : `TCP:${ip.bracketed}:${a.port},${common.join(',')}`;
  return ['socat', '-u', '-b', SOCAT_BUFFER, '-d', '-d', '-lu', '-lf', a.log, 'STDIN', remote];
}

/** The two command lines of a plan's direct stream (for the lazy freeze scripts), or none without one. */
export function directStreamCommands(
  plan: Pick<MigrationPlan, 'directStream' | 'pageServer' | 'sourceImageDir' | 'destinationImageDir'>,
): { send: string; listen: string } | undefined {
  const ds = plan.directStream;
  if (!ds) return undefined;
  const src = pageStreamPaths(plan.sourceImageDir);
  const dst = pageStreamPaths(plan.destinationImageDir);
  const tls = !!plan.pageServer?.tls;
  return {
    send: quoteArgv(
      directSenderArgv({ address: ds.address, port: ds.port, log: src.directLog, ...(ds.peer ? { bind: ds.peer } : {}), ...(tls ? { tls: src } : {}) }),
    ),
    listen: quoteArgv(directListenerArgv({ address: ds.address, port: ds.port, log: dst.directLog, ...(tls ? { tls: dst } : {}) })),
  };
}
