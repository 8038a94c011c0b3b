// What to do with a migration whose controller died: decided from what the hosts show now, not from what the
// journal hoped would happen.

/** What recovery found on the hosts. */
export interface RecoveryFacts {
  /** The last phase the journal reached. */
  phase: string;
  runningOnSource: boolean;
  runningOnDestination: boolean;
  /** The migrated connections are ESTABLISHED on the destination, owned by the restored tree. */
  destinationConnectionsOk: boolean;
  /** A complete dump is on disk (the source folder, plus the destination's pages in streamed mode). */
  imagesAvailable: boolean;
}

export type RecoveryAction =
  /** The destination runs it with its connections: finish (clean up, announce, drop a leftover source copy). */
  | 'finish'
  /** It still runs on the source: undo the destination side and unlock the source. */
  | 'keep-source'
  /** It runs nowhere: restore it on the source from its dump. */
  | 'restore-source'
  /** It runs nowhere and no dump is left: nothing can bring it back; say so. */
  | 'lost';

/** The one safe action for the facts; exactly one copy survives. */
export function decideRecovery(f: RecoveryFacts): { action: RecoveryAction; why: string } {
  if (f.runningOnDestination && f.destinationConnectionsOk) {
    return {
      action: 'finish',
      why: f.runningOnSource
        ? 'both hosts run it; the destination holds the live connections, so the source copy goes'
        : 'the destination runs it with its connections',
    };
  }
  if (f.runningOnSource) {
    return {
      action: 'keep-source',
      why: f.runningOnDestination ? 'both hosts run it, but only the source copy has its connections' : 'it still runs on the source',
    };
  }
  if (f.imagesAvailable) return { action: 'restore-source', why: `it runs nowhere (the journal reached "${f.phase}"); its dump is complete` };
  return { action: 'lost', why: `it runs nowhere and no complete dump is left (the journal reached "${f.phase}")` };
}
