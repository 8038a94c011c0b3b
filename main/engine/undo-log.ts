// The undo steps of a rollback, a recovery or a split-brain resolution: each one tried even when an earlier
// one failed, and each one said, with its failure when it failed.
import { toErrorInfo } from '../../app/errors';

/** Runs undo steps and keeps what each did. */
export class UndoLog {
  readonly actions: string[] = [];
  ok = true;

  constructor(private readonly into?: { actions: string[]; ok: boolean }) {}

  /** Runs one step; a failure is recorded, not thrown. */
  attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
      this.say(what);
    } catch (e) {
      this.fail(`${what}: FAILED (${toErrorInfo(e).message})`);
    }
  };

  /** Records a step that failed outside `attempt`. */
  fail(what: string): void {
    this.ok = false;
    if (this.into) this.into.ok = false;
    this.say(what);
  }

  private say(what: string): void {
    (this.into?.actions ?? this.actions).push(what);
  }
}
