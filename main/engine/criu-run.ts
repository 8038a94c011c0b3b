// Runs CRIU dump and restore on a host, keeps their logs and turns their errors into readable messages.
import path from 'node:path';
import { FerryError } from '../../app/errors';
import type { MigrationPlan } from '../../app/model/migration';
import { criuLogErrors, explainCriuErrors } from '../../app/parse/criu';
import { SOURCE_LOCK_FILES, openPreLockArgs, usesSourceLock } from '../../app/plan/pre-lock';
import {
  criuDumpArgv,
  criuDumpRequest,
  criuLazyDumpConfig,
  criuRestoreArgv,
  criuRestoreRequest,
  type CriuDumpArgs,
  type CriuRestoreArgs,
} from '../criu/criu-argv';
import { CRIU_WORKER_FILES, CRIU_WORKER_FLAG, CRIU_WORKER_STATUS_FD, criuWorkerArgv } from '../criu/criu-swrk';
import { LAZY_DUMP_FILES } from '../criu/freeze-scripts';
import type { Executor } from '../hosts/executor';
import { pageTlsFiles } from './page-stream';

export interface CriuRunResult {
  ok: boolean;
  ms: number;
  /** When the CRIU command returned (controller clock). */
  endedAt: number;
  /** The log file on the host. */
  logFile: string;
  /** The log text: read only on failure (reading it is kept off the freeze window on success). */
  log: string;
  error?: FerryError;
}

/** Reads a remote text file ('' when it cannot be read). */
export async function readRemoteFile(exec: Executor, host: string, file: string): Promise<string> {
  const r = await exec.run(host, ['cat', '--', file]).catch(() => undefined);
  return r && r.code === 0 ? r.stdout : '';
}

/** The `criu dump` argv of a plan (pages to the page server in streamed mode). */
export function planDumpArgv(plan: MigrationPlan): string[] {
  return criuDumpArgv(planDumpArgs(plan));
}

/** What a plan's dump is, for its argv or its request to a pre-started CRIU. */
function planDumpArgs(plan: MigrationPlan): CriuDumpArgs {
  const tls = pageTlsFiles(plan, 'source');
  return {
    criu: plan.criu.source,
    pid: plan.request.pid,
    imageDir: plan.sourceImageDir,
    logFile: path.posix.join(plan.sourceImageDir, 'dump.log'),
    shellJob: plan.shellJob,
    // Streamed: the pages go to the source's page-stream relay, open as fd 3 (see page-relay.ts).
    ...(plan.transferMode === 'streamed' && plan.pageServer ? { pageSocketFd3: true } : {}),
    ...(plan.transferMode === 'lazy' && plan.pageServer ? { lazyPages: { address: plan.pageServer.address, port: plan.pageServer.port } } : {}),
    ...(plan.transferMode === 'lazy' && tls ? { tls } : {}),
    // The freeze script locks the connections itself, in one nft call (app/plan/pre-lock.ts: the source lock).
    ...(usesSourceLock(plan.transferMode) ? { networkLock: 'skip' as const } : {}),
  };
}

/**
 * The `criu restore` argv of a plan's images in `dir`, with the script that opens the lock at CRIU's unlock: the
 * destination's pre-lock, or (a rollback on the source) the source lock when the dump used it.
 */
export function planRestoreArgv(plan: MigrationPlan, where: 'destination' | 'source'): string[] {
  return criuRestoreArgv(planRestoreArgs(plan, where));
}

function planRestoreArgs(plan: MigrationPlan, where: 'destination' | 'source'): CriuRestoreArgs {
  const dir = where === 'destination' ? plan.destinationImageDir : plan.sourceImageDir;
  return {
    criu: where === 'destination' ? plan.criu.destination : plan.criu.source,
    imageDir: dir,
    logFile: path.posix.join(dir, 'restore.log'),
    pidFile: path.posix.join(dir, 'restore.pid'),
    shellJob: plan.shellJob,
    ...(where === 'destination' ? { actionScript: plan.preLock.actionScript } : {}),
    ...(where === 'source' && usesSourceLock(plan.transferMode) ? { actionScript: path.posix.join(plan.sourceImageDir, SOURCE_LOCK_FILES.actionScript) } : {}),
    lazyPages: where === 'destination' && plan.transferMode === 'lazy',
  };
}

/**
 * The freeze scripts' CRIU for the dump: with a pre-started CRIU (plan.criuWorker) `--criu-worker CLIENT-ARGV…`
 * (main/criu/criu-swrk.ts), else the `criu dump` argv. A lazy dump's client leaves a holder behind that keeps CRIU's
 * RPC socket while CRIU serves the pages, and writes `dump.pid` and `dump-exit` as the script's CLI dump does.
 */
export function freezeDumpCommand(plan: MigrationPlan): string[] {
  if (!plan.criuWorker?.source) return planDumpArgv(plan);
  const a = planDumpArgs(plan);
  const dir = plan.sourceImageDir;
  const config = path.posix.join(dir, CRIU_WORKER_FILES.config);
  const lazy = a.lazyPages ? { configFile: config, statusFd: CRIU_WORKER_STATUS_FD } : undefined;
  return [
    CRIU_WORKER_FLAG,
    ...criuWorkerArgv({
      kind: 'dump',
      ready: path.posix.join(a.imageDir, CRIU_WORKER_FILES.ready),
      criu: a.criu,
      request: criuDumpRequest(a, lazy),
      // The source lock (app/plan/pre-lock.ts), applied by the client in-process just before the request.
      ...(a.networkLock === 'skip' ? { lockFile: path.posix.join(dir, SOURCE_LOCK_FILES.lock) } : {}),
      ...(lazy
        ? {
            config: { path: config, text: criuLazyDumpConfig(a) },
            lazy: { pidFile: path.posix.join(dir, LAZY_DUMP_FILES.pid), exitFile: path.posix.join(dir, LAZY_DUMP_FILES.exit) },
          }
        : {}),
    }),
  ];
}

/** The freeze scripts' CRIU for the restore on the destination: pre-started (plan.criuWorker) or `criu restore`. */
export function freezeRestoreCommand(plan: MigrationPlan): string[] {
  if (!plan.criuWorker?.destination) return planRestoreArgv(plan, 'destination');
  const a = planRestoreArgs(plan, 'destination');
  return [
    CRIU_WORKER_FLAG,
    ...criuWorkerArgv({
      kind: 'restore',
      ready: path.posix.join(a.imageDir, CRIU_WORKER_FILES.ready),
      criu: a.criu,
      request: criuRestoreRequest(a),
      pidFile: a.pidFile,
      ...(a.actionScript ? { actionScript: a.actionScript } : {}),
      // The action script's one job (opening the destination's pre-lock), in-process at post-restore.
      postRestoreNft: openPreLockArgs(plan.preLock.table).join(' '),
    }),
  ];
}

/** `criu dump` of the plan's tree on the source. */
export async function criuDump(exec: Executor, host: string, plan: MigrationPlan): Promise<CriuRunResult> {
  return runCriu(exec, host, planDumpArgv(plan), path.posix.join(plan.sourceImageDir, 'dump.log'), 'CRIU_DUMP_FAILED', 'dump');
}

/** `criu restore` of the plan's images on the destination, or on the source for a rollback (detached). */
export async function criuRestore(exec: Executor, host: string, plan: MigrationPlan, where: 'destination' | 'source' = 'destination'): Promise<CriuRunResult> {
  const dir = where === 'destination' ? plan.destinationImageDir : plan.sourceImageDir;
  return runCriu(exec, host, planRestoreArgv(plan, where), path.posix.join(dir, 'restore.log'), 'CRIU_RESTORE_FAILED', 'restore');
}

/** Turns a failed CRIU run's log (or stderr) into an operator-readable error. */
export function criuError(
  code: 'CRIU_DUMP_FAILED' | 'CRIU_RESTORE_FAILED',
  host: string,
  what: string,
  log: string,
  stderr: string,
  logFile: string,
): FerryError {
  const errors = criuLogErrors(log);
  const explained = explainCriuErrors(errors.length ? errors : [stderr.trim()]);
  return new FerryError({
    code,
    host,
    message: `criu ${what} failed: ${explained.message}${errors.length ? ` [${errors.slice(-3).join(' | ')}]` : stderr.trim() ? ` [${stderr.trim()}]` : ''}`,
    hint: explained.hint ?? `see the full log: ${host}:${logFile}`,
  });
}

async function runCriu(
  exec: Executor,
  host: string,
  argv: string[],
  logFile: string,
  code: 'CRIU_DUMP_FAILED' | 'CRIU_RESTORE_FAILED',
  what: string,
): Promise<CriuRunResult> {
  const started = Date.now();
  const r = await exec.run(host, argv, { timeoutMs: 600_000 });
  const endedAt = Date.now();
  const ms = endedAt - started;
  if (r.code === 0) return { ok: true, ms, endedAt, logFile, log: '' };
  const log = await readRemoteFile(exec, host, logFile);
  return { ok: false, ms, endedAt, logFile, log, error: criuError(code, host, what, log, r.stderr, logFile) };
}

/** Size of the image files (pages included) that arrived on a host, or undefined. */
export async function imageBytes(exec: Executor, host: string, dir: string): Promise<number | undefined> {
  const r = await exec.run(host, ['du', '-sb', '--exclude=*.log', '--', dir]).catch(() => undefined);
  const n = r && r.code === 0 ? Number(r.stdout.split(/\s/)[0]) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
