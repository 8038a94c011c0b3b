// What the freeze phase of a migration shares: the executor, the step runner, the plan, and what has
// changed so far (so a failure knows what to undo).
import { FerryError } from '../../app/errors';
import type { AddressMove, MigrationPlan } from '../../app/model/migration';
import type { Executor } from '../hosts/executor';
import type { JournalWriter, MigrateDeps } from './engine-deps';
import type { StepRunner } from './step-runner';

export type { MigrateDeps } from './engine-deps';

/** What the freeze has changed, for clean-up and rollback. */
export interface FreezeState {
  /** The dump succeeded: the process no longer runs on the source. */
  dumped: boolean;
  /** The addresses left the source. */
  addressRemoved: boolean;
  /** The addresses arrived on the destination. */
  addressAdded: boolean;
  /** The add failed part-way: what it had put on the destination (`certain` false: it may have put any). */
  partialAdd?: { moves: AddressMove[]; certain: boolean };
  /** `criu restore` was started on the destination (a failure may leave a partial tree there). */
  restoreStarted?: boolean;
  /** Log files on the hosts. */
  dumpLog?: string;
  restoreLog?: string;
  /** Lazy mode: the SIGSTOP that keeps the source copy stopped whatever CRIU does with it after the dump. */
  sourceHeld?: Promise<void>;
  /** Announcements in flight (arping takes a second): their problems. */
  announcements: Promise<string[]>[];
  /** The address hook's move started on a host: a rollback runs its undo (app/hooks/address-hook.ts). */
  hookMoveStarted?: boolean;
  /** The destination runs the restored process: a cancel is refused from here on (engine-cancel.ts). */
  noReturn?: boolean;
}

export interface FreezeContext {
  deps: MigrateDeps;
  run: StepRunner;
  plan: MigrationPlan;
  state: FreezeState;
  /** Written before each phase. */
  journal?: JournalWriter;
  /** CRIU lock tables on the source before this migration (not ours to remove). */
  tablesBefore?: { family: string; name: string }[];
}

/** The destination device of an address move. */
export const destinationDevice = (m: AddressMove) => m.destinationDevice;
/** The source device of an address move. */
export const sourceDevice = (m: AddressMove) => m.sourceDevice;

/** Stores a log next to the record on the controller (the deps' store); returns its path. */
export function persistLog(deps: MigrateDeps, id: string, name: string, text: string): string | undefined {
  if (!text) return undefined;
  try {
    return deps.store.saveLog(id, name, text);
  } catch {
    return undefined;
  }
}

/** Runs argv and throws COMMAND_FAILED when it exits non-zero. */
export async function mustRun(exec: Executor, host: string, argv: string[], stdin?: string): Promise<string> {
  const r = await exec.run(host, argv, stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new FerryError({ code: 'COMMAND_FAILED', host, message: `${argv[0]} exited ${r.code}: ${r.stderr.trim()}` });
  return r.stdout;
}
