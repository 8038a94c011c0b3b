// The freeze scripts' protocol, in one place for the scripts (main/criu/freeze-scripts.ts builds them from it) and
// the code that reads them (the engine, the freeze breakdown): the markers they print and the exit codes they end with.

/** Markers (`@@FERRY-AT <name> <ns>` on stderr): progress, in the order a freeze passes them. */
export const FREEZE_MARK = {
  /** The script runs and waits (the source for its start line, the destination for the images). */
  armed: 'armed',
  dumpStart: 'dump-start',
  /** Source: Ferry's lock is on the connections (streamed and lazy modes; app/plan/pre-lock.ts). */
  locked: 'locked',
  dumpDone: 'dump-done',
  addressRemoved: 'address-removed',
  /** Source: the images have left. */
  sent: 'sent',
  /** Destination: the images are in. */
  received: 'received',
  lazyPagesStarted: 'lazy-pages-started',
  addressAdded: 'address-added',
  restored: 'restored',
} as const;

export type FreezeMark = (typeof FREEZE_MARK)[keyof typeof FREEZE_MARK];

/** How a freeze script fails: the marker it prints, its exit status and what that means to an operator. */
export const FREEZE_FAILURE = {
  dump: { mark: 'dump-failed', exit: 10, meaning: 'criu dump failed' },
  addressRemove: { mark: 'address-remove-failed', exit: 11, meaning: 'removing the address from the source failed' },
  send: { mark: 'send-failed', exit: 12, meaning: 'sending the images failed' },
  notStarted: { mark: 'not-started', exit: 13, meaning: 'the freeze was never started (the controller went away)' },
  lock: { mark: 'lock-failed', exit: 14, meaning: 'locking the connections on the source failed (nft)' },
  receive: { mark: 'receive-failed', exit: 20, meaning: 'receiving the images failed' },
  addressAdd: { mark: 'address-add-failed', exit: 21, meaning: 'adding the address on the destination failed' },
  restore: { mark: 'restore-failed', exit: 22, meaning: 'criu restore failed' },
  lazyPages: { mark: 'lazy-pages-failed', exit: 23, meaning: 'the lazy-pages daemon did not start on the destination' },
  direct: { mark: 'direct-failed', exit: 24, meaning: 'receiving the memory sent straight from the source failed (direct stream)' },
  /** The controller asked the destination to stop before its restore (a cancel, a freeze past its budget). */
  stopped: { mark: 'stopped', exit: 25, meaning: 'stopped by the controller before the restore (cancel or budget)' },
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
