// The page streams of a migration, set up before the freeze and taken down after it: this migration's keys on
// both hosts (0600), the guard on each listening host (only the other host reaches its ports: app/plan/page-guard.ts),
// and in streamed mode the relay pair with the destination's page server behind it, connected before anything is
// frozen. Lazy mode's listeners start later: CRIU's page server with the dump, the direct stream of shared memory
// with the destination's freeze script (main/criu/direct-stream.ts), the page recovery after a break.
import type { MigrationPlan } from '../../app/model/migration';
import { imageStreamOf } from '../../app/plan/image-stream';
import { pageGuardTableText, pageGuards } from '../../app/plan/page-guard';
import type { CriuTls } from '../criu/criu-argv';
import { RELAY_START_SCRIPT, STOP_PIDS_SCRIPT, connectingRelayArgv, listeningRelayArgv, pageStreamPaths, withSocketFd3 } from '../criu/page-relay';
import type { Executor } from '../hosts/executor';
import { FerryError } from '../../app/errors';
import { mustRun } from './freeze-context';
import { makePageTls, pushPageTls } from './page-tls';
import { removeQuickackRoutes } from '../net/quickack-route';

type Side = 'source' | 'destination';

const hostOf = (plan: MigrationPlan, side: Side) => (side === 'source' ? plan.request.from : plan.request.to);
const dirOf = (plan: MigrationPlan, side: Side) => (side === 'source' ? plan.sourceImageDir : plan.destinationImageDir);

/** One side's TLS files, when the plan's stream is encrypted. */
export function pageTlsFiles(plan: MigrationPlan, side: Side): CriuTls | undefined {
  if (!plan.pageServer?.tls) return undefined;
  const p = pageStreamPaths(dirOf(plan, side));
  return { ca: p.ca, cert: p.cert, key: p.key };
}

/**
 * Before the freeze (image folders exist): keys to both hosts, the guard on the listener, in streamed mode
 * the destination's relay and page server and the source's relay, connected (TLS handshake done), and the image
 * stream's relay pair, connected.
 */
export async function preparePageStream(exec: Executor, plan: MigrationPlan): Promise<void> {
  await listenForPageStream(exec, plan);
  await Promise.all([plan.transferMode === 'streamed' ? connectPageStream(exec, plan) : undefined, connectImageStream(exec, plan)]);
}

/**
 * The image stream (app/plan/image-stream.ts): the destination's guard, then both relays at once (the destination's
 * accepts the source's TLS connection first, then listens on its UNIX socket for the destination's freeze script;
 * the source's connects, then listens for the source's freeze script). Keys must be on both hosts.
 */
export async function connectImageStream(exec: Executor, plan: MigrationPlan): Promise<void> {
  if (!imageStreamOf(plan)) return;
  await guardImageStream(exec, plan);
  await Promise.all([startImageRelay(exec, plan, 'destination'), startImageRelay(exec, plan, 'source')]);
}

/** The image stream's guard on the destination: its port open to the source's address only. */
export async function guardImageStream(exec: Executor, plan: MigrationPlan): Promise<void> {
  const is = imageStreamOf(plan);
  if (is) await mustRun(exec, plan.request.to, ['nft', '-f', '-'], pageGuardTableText(is.guardTable, is.listen, [is.port], is.peer));
}

/**
 * One side's image-stream relay. The destination's resolves once the source's relay has connected to it (TLS
 * handshake done) and it listens on its UNIX socket; it fails when what connected first was refused.
 */
export async function startImageRelay(exec: Executor, plan: MigrationPlan, side: Side): Promise<void> {
  const is = imageStreamOf(plan);
  if (!is) return;
  const p = pageStreamPaths(dirOf(plan, side));
  const tls = is.tls ? pageTlsFiles(plan, side) : undefined;
  const relay =
    side === 'destination'
      ? listeningRelayArgv({ socket: p.imageSocket, address: is.listen, port: is.port, remoteFirst: true, ...(tls ? { tls } : {}) })
      : connectingRelayArgv({ socket: p.imageSocket, address: is.listen, port: is.port, bind: is.peer, commonName: is.certName, ...(tls ? { tls } : {}) });
  const files: RelayFiles = { socket: p.imageSocket, pidFile: p.imagePidFile, log: p.imageLog };
  await startRelay(exec, plan, hostOf(plan, side), files, relay, 'image stream', `${is.listen}:${is.port}`);
}

/**
 * The listening half: keys on both hosts, the guards on the listeners, and in streamed mode the destination's
 * relay (listening) with its page server behind it. Lazy mode's listeners start with the freeze scripts.
 */
export async function listenForPageStream(exec: Executor, plan: MigrationPlan): Promise<void> {
  const ps = plan.pageServer;
  if (!ps || plan.transferMode === 'staged') return;
  if (ps.tls) {
    const keys = await makePageTls(plan.id, [ps.address, ...(plan.transferMode === 'lazy' && plan.directStream ? [plan.directStream.address] : [])]);
    await Promise.all(
      (['source', 'destination'] as const).map((side) =>
        pushPageTls(exec, hostOf(plan, side), pageStreamPaths(dirOf(plan, side)).tlsDir, { ca: keys.ca, ...keys[side] }),
      ),
    );
  }
  await Promise.all([
    ...pageGuards(plan).map((g) => mustRun(exec, hostOf(plan, g.side), ['nft', '-f', '-'], pageGuardTableText(g.table, g.listen, g.ports, g.peer))),
    // The direct stream's sender logs into the source's image folder while the freeze's tar reads it: the file must
    // exist before (an entry appearing in the folder mid-read fails tar with "file changed as we read it").
    ...(plan.transferMode === 'lazy' && plan.directStream
      ? [mustRun(exec, plan.request.from, ['sh', '-c', 'umask 077 && : >>"$1"', 'ferry-log', pageStreamPaths(plan.sourceImageDir).directLog])]
      : []),
  ]);
  if (plan.transferMode === 'streamed') await startListeningRelay(exec, plan, ps);
}

/** Streamed: the source's relay connects to the destination's (TCP and TLS handshake, before the freeze). */
export async function connectPageStream(exec: Executor, plan: MigrationPlan): Promise<void> {
  const ps = plan.pageServer;
  if (!ps || plan.transferMode !== 'streamed') return;
  const src = pageStreamPaths(plan.sourceImageDir);
  const stls = pageTlsFiles(plan, 'source');
  await startRelay(
    exec,
    plan,
    plan.request.from,
    src,
    connectingRelayArgv({ socket: src.socket, address: ps.address, port: ps.port, ...(ps.peer ? { bind: ps.peer } : {}), ...(stls ? { tls: stls } : {}) }),
  );
}

type PageServer = NonNullable<MigrationPlan['pageServer']>;

/** A relay's files on its host. */
interface RelayFiles {
  pidFile: string;
  log: string;
  socket: string;
}

async function startRelay(
  exec: Executor,
  plan: MigrationPlan,
  host: string,
  p: RelayFiles,
  relay: string[],
  what = `page stream`,
  endpoint = `${plan.pageServer?.address}:${plan.pageServer?.port}`,
): Promise<void> {
  const { to, from } = plan.request;
  const r = await exec.run(host, ['sh', '-c', RELAY_START_SCRIPT, 'ferry-relay', p.pidFile, p.log, p.socket, ...relay], { timeoutMs: 20_000 });
  if (r.code !== 0) {
    throw new FerryError({
      code: 'TRANSFER_FAILED',
      host,
      message: `cannot set up the ${what} ${from} → ${to} (${endpoint}): ${r.stderr.trim() || `exit ${r.code}`}`,
      hint: 'is the port in use, the address not on the destination, or the link between the hosts down? Retry, or use --mode staged',
    });
  }
}

/** Destination: the relay takes the page server's connection first, then listens for the source. */
async function startListeningRelay(exec: Executor, plan: MigrationPlan, ps: PageServer): Promise<void> {
  const to = plan.request.to;
  const dst = pageStreamPaths(plan.destinationImageDir);
  const dtls = pageTlsFiles(plan, 'destination');
  await startRelay(exec, plan, to, dst, listeningRelayArgv({ socket: dst.socket, address: ps.address, port: ps.port, ...(dtls ? { tls: dtls } : {}) }));
  const dir = plan.destinationImageDir;
  const r = await exec.run(
    to,
    withSocketFd3(dst.socket, [
      plan.criu.destination,
      'page-server',
      '--images-dir',
      dir,
      '--ps-socket',
      '3',
      '--daemon',
      '--pidfile',
      `${dir}/page-server.pid`,
      '--log-file',
      `${dir}/page-server.log`,
      '-v4',
    ]),
  );
  if (r.code !== 0) {
    throw new FerryError({
      code: 'TRANSFER_FAILED',
      host: to,
      message: `cannot start a CRIU page server on ${to}: ${r.stderr.trim() || `exit ${r.code}`}`,
      hint: 'retry, or use --mode staged',
    });
  }
}

/**
 * Takes the page streams down (after the migration, in rollback, clean-up and recovery): relays (the image
 * stream's too), page server, the direct stream's listener and the recovery's page source stopped, the guards
 * removed, this migration's keys deleted on both hosts. Never throws; fine when parts were never set up.
 */
export async function endPageStream(exec: Executor, plan: MigrationPlan): Promise<void> {
  const guards = pageGuards(plan);
  const is = imageStreamOf(plan);
  const side = async (s: Side) => {
    const host = hostOf(plan, s);
    const dir = dirOf(plan, s);
    const p = pageStreamPaths(dir);
    const pids =
      s === 'destination' ? [p.pidFile, p.imagePidFile, `${dir}/page-server.pid`, `${dir}/direct.pid`] : [p.pidFile, p.imagePidFile, `${dir}/page-source.pid`];
    await exec.run(host, ['sh', '-c', STOP_PIDS_SCRIPT, 'ferry-stop', ...pids]).catch(() => undefined);
    await exec.run(host, ['rm', '-rf', '--', p.tlsDir, p.socket, p.imageSocket, `${dir}/page-source.token`]).catch(() => undefined);
    for (const g of guards.filter((x) => x.side === s)) await exec.run(host, ['nft', 'delete', 'table', 'inet', g.table]).catch(() => undefined);
    if (is && s === 'destination') await exec.run(host, ['nft', 'delete', 'table', 'inet', is.guardTable]).catch(() => undefined);
  };
  await Promise.all([side('source'), side('destination'), removeQuickackRoutes(exec, plan)]);
}
