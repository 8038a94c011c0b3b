// The rehearsal's opt-in real dump: `criu dump --leave-running` of the tree into a scratch folder on the source, its
// connections locked the way the freeze locks them (Ferry's one-table nft lock, CRIU with --network-lock skip) for the
// dump's duration. It costs one short freeze of the process; it leaves it running with its connections, and leaves
// nothing behind (the lock table and the folder go in the same remote script, which ignores a lost SSH session).
import path from 'node:path';
import { FerryError } from '../../app/errors';
import type { MigrationPlan } from '../../app/model/migration';
import type { DumpProbe } from '../../app/model/prediction';
import { parseDumpStats } from '../../app/parse/criu-stats';
import { criuLogLines, criuLogErrors } from '../../app/parse/criu';
import { preLockTableText, sourceLockTableName } from '../../app/plan/pre-lock';
import { criuDumpArgv } from '../criu/criu-argv';
import type { Executor } from '../hosts/executor';
import { makeImageDirArgv } from './prepare-hosts';

// $1 folder, $2 lock table, $3 budget (s); $4.. the criu dump argv. stdin: the lock's nft text. Prints `rc=N us=N`,
// then the stats and the log between markers; removes the lock and the folder whatever happened.
const DUMP_SCRIPT = `
trap '' HUP PIPE
dir=$1; table=$2; budget=$3; shift 3
cat >"$dir/lock.nft" || exit 1
end() { nft delete table inet "$table" 2>/dev/null; rm -rf -- "$dir"; }
nft -f "$dir/lock.nft" || { rc=$?; end; echo "rc=lock$rc"; exit 0; }
s=$(date +%s%N)
timeout -s KILL "$budget" "$@" --leave-running --display-stats >"$dir/stats.txt" 2>&1; rc=$?
e=$(date +%s%N)
nft delete table inet "$table" 2>/dev/null
echo "rc=$rc us=$(( (e - s) / 1000 ))"
echo "@@stats"; cat "$dir/stats.txt" 2>/dev/null
echo "@@log"; cat "$dir/dump.log" 2>/dev/null
end
exit 0
`;

/** Dumps the plan's tree with --leave-running (its connections locked for the dump), then removes everything. */
export async function rehearseDump(exec: Executor, plan: MigrationPlan, id: string): Promise<DumpProbe & { log: string }> {
  const host = plan.request.from;
  const dir = path.posix.join(path.posix.dirname(plan.sourceImageDir), `rehearse-${id}`);
  const made = await exec.run(host, makeImageDirArgv(dir));
  if (made.code !== 0) throw new FerryError({ code: 'COMMAND_FAILED', host, message: `scratch folder ${dir}: ${made.stderr.trim()}` });
  const table = sourceLockTableName(`r${id}`);
  const argv = criuDumpArgv({
    criu: plan.criu.source,
    pid: plan.request.pid,
    imageDir: dir,
    logFile: path.posix.join(dir, 'dump.log'),
    shellJob: plan.shellJob,
    networkLock: 'skip',
  });
  const budget = String(Math.max(1, Math.ceil(plan.request.budgetMs / 1000)));
  const r = await exec.run(host, ['sh', '-c', DUMP_SCRIPT, 'ferry-rehearse-dump', dir, table, budget, ...argv], {
    stdin: preLockTableText(table, plan.connections),
    timeoutMs: plan.request.budgetMs + 60_000,
  });
  const head = /rc=(\w+)(?: us=(\d+))?/.exec(r.stdout);
  const stats = r.stdout.split('@@stats\n')[1]?.split('@@log\n')[0] ?? '';
  const log = r.stdout.split('@@log\n')[1] ?? '';
  if (!head || head[1] !== '0') {
    const errs = criuLogErrors(log);
    throw new FerryError({
      code: 'CRIU_DUMP_FAILED',
      host,
      message: `the rehearsal's dump failed (${head?.[1] === undefined ? `exit ${r.code}` : `rc ${head[1]}`}): ${errs.slice(-3).join(' | ') || r.stderr.trim() || stats.trim().slice(-300)}`,
      hint: 'the real migration would fail the same way; the process kept running',
    });
  }
  const st = parseDumpStats(stats) ?? parseDumpStats(log);
  const lines = criuLogLines(log);
  const first = lines[0]?.ms;
  const last = lines.at(-1)?.ms;
  const out: DumpProbe & { log: string } = { wallMs: Number(head[2]) / 1000, log };
  if (first !== undefined && last !== undefined) out.logMs = Math.round((last - first) * 10) / 10;
  if (st?.frozenMs !== undefined) out.frozenMs = st.frozenMs;
  if (st?.memdumpMs !== undefined) out.memdumpMs = st.memdumpMs;
  if (st?.memwriteMs !== undefined) out.memwriteMs = st.memwriteMs;
  if (st?.pagesWritten !== undefined) out.pagesWritten = st.pagesWritten;
  out.wallMs = Math.round(out.wallMs * 10) / 10;
  return out;
}
