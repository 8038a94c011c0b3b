// Runs CRIU dump and restore on a host, keeps their logs and turns their errors into readable messages.
import path from 'node:path';
import { FerryError } from '../../app/errors';
import type { MigrationPlan } from '../../app/model/migration';
import { criuLogErrors, explainCriuErrors } from '../../app/parse/criu';
import { criuDumpArgv, criuRestoreArgv } from '../criu/criu-argv';
import type { Executor } from '../hosts/executor';

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

/** `criu dump` of the plan's tree on the source. */
export async function criuDump(exec: Executor, host: string, plan: MigrationPlan): Promise<CriuRunResult> {
  const logFile = path.posix.join(plan.sourceImageDir, 'dump.log');
  const argv = criuDumpArgv({ criu: plan.criu.source, pid: plan.request.pid, imageDir: plan.sourceImageDir, logFile, shellJob: plan.shellJob });
  return runCriu(exec, host, argv, logFile, 'CRIU_DUMP_FAILED', 'dump');
}

/** `criu restore` of the plan's images on the destination (detached: returns once the tree runs). */
export async function criuRestore(exec: Executor, host: string, plan: MigrationPlan): Promise<CriuRunResult> {
  const dir = plan.destinationImageDir;
  const logFile = path.posix.join(dir, 'restore.log');
  const pidFile = path.posix.join(dir, 'restore.pid');
  const argv = criuRestoreArgv({ criu: plan.criu.destination, imageDir: dir, logFile, shellJob: plan.shellJob, pidFile });
  return runCriu(exec, host, argv, logFile, 'CRIU_RESTORE_FAILED', 'restore');
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
  const errors = criuLogErrors(log);
  const explained = explainCriuErrors(errors.length ? errors : [r.stderr.trim()]);
  const error = new FerryError({
    code,
    host,
    message: `criu ${what} failed: ${explained.message}${errors.length ? ` [${errors.slice(-3).join(' | ')}]` : r.stderr.trim() ? ` [${r.stderr.trim()}]` : ''}`,
    hint: explained.hint ?? `see the full log: ${host}:${logFile}`,
  });
  return { ok: false, ms, endedAt, logFile, log, error };
}
