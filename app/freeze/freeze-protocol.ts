// The freeze scripts' protocol, in one place for the scripts (main/criu/freeze-scripts.ts builds them from it) and
// the code that reads them (the engine, the freeze breakdown): the markers they print and the exit codes they end with.

/** Markers (`@@FERRY-AT <name> <ns>` on stderr): progress, in the order a freeze passes them. */
export const FREEZE_MARK = {
  /** The script runs and waits (the source for its start line, the destination for the images). */
  armed: 'armed',
  dumpStart: 'dump-start',
  /** Source: the pre-started CRIU was sent its dump request, and answered (main/criu/criu-swrk.ts prints them). */
  dumpRequested: 'dump-requested',
  dumpAnswered: 'dump-answered',
  /** Source: Ferry's lock is on the connections (streamed and lazy modes; app/plan/pre-lock.ts). */
  locked: 'locked',
  dumpDone: 'dump-done',
  addressRemoved: 'address-removed',
  /** Source: the images have left. */
  sent: 'sent',
  /** Destination: the images are in. */
  received: 'received',
  lazyPagesStarted: 'lazy-pages-started',
  /** Destination: the pre-started CRIU was sent its restore request, and answered (main/criu/criu-swrk.ts). */
  restoreRequested: 'restore-requested',
  restoreAnswered: 'restore-answered',
  addressAdded: 'address-added',
  restored: 'restored',
  /** The address hook's `move` (app/hooks/address-hook.ts) started and ended well (either side's script). */
  hookStart: 'hook-start',
  hookDone: 'hook-done',
  /** Source, lazy: the pre-started CRIU said everything but the memory is dumped (its status byte; criu-swrk.ts). */
  dumpReady: 'dump-ready',
} as const;

export type FreezeMark = (typeof FREEZE_MARK)[keyof typeof FREEZE_MARK];

/** How a freeze script fails: the marker it prints, its exit status and what that means to an operator. */
export const FREEZE_FAILURE = {
  dump: { mark: 'dump-failed', exit: 10, meaning: 'criu dump failed' },
  addressRemove: { mark: 'address-remove-failed', exit: 11, meaning: 'removing the address from the source failed' },
  send: { mark: 'send-failed', exit: 12, meaning: 'sending the images failed' },
  notStarted: { mark: 'not-started', exit: 13, meaning: 'the freeze was never started (the controller went away)' },
  lock: { mark: 'lock-failed', exit: 14, meaning: 'locking the connections on the source failed (nft)' },
  hookSource: { mark: 'hook-failed', exit: 15, meaning: "the address hook's move failed on the source (or ran past its budget)" },
  dumpWorker: { mark: 'dump-worker-failed', exit: 16, meaning: 'the pre-started CRIU (criu swrk) did not start on the source' },
  receive: { mark: 'receive-failed', exit: 20, meaning: 'receiving the images failed' },
  addressAdd: { mark: 'address-add-failed', exit: 21, meaning: 'adding the address on the destination failed' },
  restore: { mark: 'restore-failed', exit: 22, meaning: 'criu restore failed' },
  lazyPages: { mark: 'lazy-pages-failed', exit: 23, meaning: 'the lazy-pages daemon did not start on the destination' },
  direct: { mark: 'direct-failed', exit: 24, meaning: 'receiving the memory sent straight from the source failed (direct stream)' },
  hookDestination: { mark: 'hook-failed', exit: 25, meaning: "the address hook's move failed on the destination (or ran past its budget)" },
  restoreWorker: { mark: 'restore-worker-failed', exit: 26, meaning: 'the pre-started CRIU (criu swrk) did not start on the destination' },
  /** The controller asked the destination to stop before its restore (a cancel, a freeze past its budget). */
  stopped: { mark: 'stopped', exit: 27, meaning: 'stopped by the controller before the restore (cancel or budget)' },
} as const;

export type FreezeFailure = keyof typeof FREEZE_FAILURE;

/** The exit statuses, by name (the source's are 10–19, the destination's 20–29). */
export const FREEZE_EXIT = Object.fromEntries(Object.entries(FREEZE_FAILURE).map(([k, v]) => [k, v.exit])) as {
  [K in FreezeFailure]: (typeof FREEZE_FAILURE)[K]['exit'];
};

/** What an exit status of a freeze script means (undefined: not one of the scripts' own). */
export function freezeExitMeaning(code: number): string | undefined {
  return Object.values(FREEZE_FAILURE).find((f) => f.exit === code)?.meaning;
}

/** An exit status the destination's script chose (its failures are 20–29). */
export function isDestinationFailure(code: number): boolean {
  return code >= 20 && code < 30;
}
