// Runs the operator's address hook (app/hooks/address-hook.ts) on the hosts: `prepare` in the prepare step,
// `move` from the freeze scripts (here: its files written before the freeze and its result read after) or through
// the executor where there is no script (staged mode, recovery), `undo` on rollback and recovery.
import path from 'node:path';
import { FerryError } from '../../app/errors';
import {
  HOOK_FILES,
  agreedFerryMoves,
  hookArgv,
  hookMoveWrapper,
  hookRequest,
  judgeHookRun,
  type HookAction,
  type HookHosts,
  type HookRun,
  type HookSide,
} from '../../app/hooks/address-hook';
import type { AddressHookPlan, MigrationPlan, MigrationRecord } from '../../app/model/migration';
import type { Executor } from '../hosts/executor';

/** Slack past a hook's own budget before the controller gives up on the SSH command itself. */
const TRANSPORT_SLACK_MS = 10_000;

/** The hosts' own addresses as the plan knows them (the page stream's ends), for the hook's request. */
export function hookHosts(plan: MigrationPlan): HookHosts {
  const ps = plan.pageServer;
  if (!ps) return {};
  return plan.transferMode === 'lazy'
    ? { source: ps.address, ...(ps.peer ? { destination: ps.peer } : {}) }
    : { destination: ps.address, ...(ps.peer ? { source: ps.peer } : {}) };
}

const hostOf = (plan: MigrationPlan, side: HookSide) => (side === 'source' ? plan.request.from : plan.request.to);

/** Keeps a run in the record. */
export function keepRun(record: MigrationRecord | undefined, hook: AddressHookPlan, run: HookRun): HookRun {
  if (record) (record.addressHook ??= { path: hook.path, runs: [] }).runs.push(run);
  return run;
}

/** Runs one action on one side through the executor; never throws (the run says what happened). */
export async function runHook(exec: Executor, plan: MigrationPlan, action: HookAction, side: HookSide, record?: MigrationRecord): Promise<HookRun> {
  const hook = plan.addressHook;
  if (!hook) throw new FerryError({ code: 'INTERNAL', message: 'no address hook in the plan' });
  const host = hostOf(plan, side);
  const budget = hook.budgetMs[action];
  const request = hookRequest(plan, hook, action, side, hookHosts(plan));
  const started = Date.now();
  const out = await exec
    .run(host, hookArgv(hook.path, action, budget), { stdin: `${JSON.stringify(request)}\n`, timeoutMs: budget + TRANSPORT_SLACK_MS })
    .then((r) => ({ exit: r.code, stdout: r.stdout, stderr: r.stderr }))
    .catch((e: unknown) => ({ exit: -1, stdout: '', stderr: String(e), timedOut: true }));
  return keepRun(record, hook, judgeHookRun(action, side, host, budget, out, Date.now() - started));
}

/** Runs an action and throws ADDRESS_HOOK_FAILED when it failed (for undo steps: UndoLog.attempt records it). */
export async function mustRunHook(exec: Executor, plan: MigrationPlan, action: HookAction, side: HookSide, record?: MigrationRecord): Promise<HookRun> {
  const run = await runHook(exec, plan, action, side, record);
  if (!run.ok) throw hookFailed(run);
  return run;
}

export const hookFailed = (run: HookRun) =>
  new FerryError({
    code: 'ADDRESS_HOOK_FAILED',
    host: run.host,
    message: run.message,
    hint:
      run.problem === 'malformed'
        ? 'the hook must print one JSON reply on stdout and log to stderr (docs/address-hooks.md)'
        : "see the hook's stderr in the record (addressHook.runs)",
  });

/**
 * prepare: both sides' `prepare` (they must agree on what Ferry moves itself, which goes into the plan), then each
 * host's `move` wrapper and request written into its image folder, where the freeze script finds them.
 */
export async function prepareAddressHook(exec: Executor, plan: MigrationPlan, record: MigrationRecord): Promise<string> {
  const hook = plan.addressHook;
  if (!hook) return '';
  const runs = await Promise.all((['source', 'destination'] as const).map((side) => runHook(exec, plan, 'prepare', side, record)));
  const bad = runs.find((r) => !r.ok);
  if (bad) throw hookFailed(bad);
  const agreed = agreedFerryMoves(runs);
  if ('error' in agreed)
    throw new FerryError({ code: 'ADDRESS_HOOK_FAILED', message: agreed.error, hint: 'both hosts\' hooks must say the same "ferry" in their prepare reply' });
  hook.ferry = agreed.ferry;
  if (plan.transferMode !== 'staged') {
    await Promise.all(
      (['source', 'destination'] as const).map(async (side) => {
        const dir = side === 'source' ? plan.sourceImageDir : plan.destinationImageDir;
        const request = hookRequest(plan, hook, 'move', side, hookHosts(plan));
        const reqFile = path.posix.join(dir, HOOK_FILES.request);
        const r = await exec.run(hostOf(plan, side), [
          'sh',
          '-c',
          'umask 077 && printf %s "$2" >"$1/$3" && printf %s "$4" >"$1/$5"',
          'ferry-hook-files',
          dir,
          `${JSON.stringify(request)}\n`,
          HOOK_FILES.request,
          hookMoveWrapper(hook.path, hook.budgetMs.move, reqFile),
          HOOK_FILES.move,
        ]);
        if (r.code !== 0)
          throw new FerryError({ code: 'COMMAND_FAILED', host: hostOf(plan, side), message: `cannot write the address hook's files: ${r.stderr.trim()}` });
      }),
    );
  }
  return `address hook ${hook.path} for ${hook.addresses.join(', ')} (move budget ${hook.budgetMs.move} ms; Ferry moves ${hook.ferry === 'none' ? 'nothing itself' : hook.ferry === 'address' ? 'the address itself, announces nothing' : 'and announces the address itself too'})`;
}

/**
 * After a scripted freeze: each side's `move` result from its image folder (the scripts ran it), judged, with the
 * time between its markers. Sides whose script never reached the hook are left out.
 */
export async function collectMoveRuns(
  exec: Executor,
  plan: MigrationPlan,
  record: MigrationRecord,
  spans: Record<HookSide, { started: boolean; ms?: number }>,
): Promise<HookRun[]> {
  const hook = plan.addressHook;
  if (!hook) return [];
  const sides = (['source', 'destination'] as const).filter((s) => spans[s].started);
  return Promise.all(
    sides.map(async (side) => {
      const host = hostOf(plan, side);
      const dir = side === 'source' ? plan.sourceImageDir : plan.destinationImageDir;
      const r = await exec
        .run(host, [
          'sh',
          '-c',
          // exit status, then stdout and stderr, each after a separator line (a hook killed by its budget wrote no exit file… the script did).
          'cat "$1/$2" 2>/dev/null || echo -1; echo @@FERRY-HOOK-OUT; head -c 65537 "$1/$3" 2>/dev/null; echo; echo @@FERRY-HOOK-ERR; tail -c 4000 "$1/$4" 2>/dev/null',
          'ferry-hook-result',
          dir,
          HOOK_FILES.exit,
          HOOK_FILES.out,
          HOOK_FILES.err,
        ])
        .catch((e: unknown) => ({ code: -1, stdout: `-1\n@@FERRY-HOOK-OUT\n\n@@FERRY-HOOK-ERR\n${String(e)}`, stderr: '' }));
      const [exitPart = '-1', rest = ''] = r.stdout.split('\n@@FERRY-HOOK-OUT\n');
      const [stdout = '', stderr = ''] = rest.split('\n@@FERRY-HOOK-ERR\n');
      const exit = Number.parseInt(exitPart.trim(), 10);
      const out = { exit: Number.isFinite(exit) ? exit : -1, stdout, stderr };
      return keepRun(record, hook, judgeHookRun('move', side, host, hook.budgetMs.move, out, spans[side].ms));
    }),
  );
}
