// "Does this process still run?" for remote sh scripts: one definition, so a zombie is gone everywhere.

/**
 * Defines `running PID` in a sh script: true while the process exists and is neither a zombie (exited, not yet
 * reaped: `kill -0` still succeeds) nor dead (being torn down). Reads /proc, so it needs nothing but sh and cat.
 */
export const RUNNING_FN = 'running() { s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*") "}; case $s in [ZXx]*) return 1;; esac; return 0; }';

/**
 * argv that SIGKILLs the given PIDs and waits (up to `timeoutMs`) until none of them runs; exit 1 with a message
 * when one still does. PIDs that are already gone are fine.
 */
export function killAndWaitArgv(pids: readonly number[], timeoutMs = 5000): string[] {
  const rounds = Math.max(1, Math.ceil(timeoutMs / 20));
  return [
    'sh',
    '-c',
    `${RUNNING_FN}; n=$1; shift; kill -KILL "$@" 2>/dev/null; i=0; while [ $i -lt "$n" ]; do a=0; ` +
      'for p; do running "$p" && a=1; done; [ $a = 0 ] && exit 0; sleep 0.02; i=$((i+1)); done; ' +
      'echo "still running after the kill: $*" >&2; exit 1',
    'ferry-stop',
    String(rounds),
    ...pids.map(String),
  ];
}

/** argv that waits, without a deadline of its own, while the process whose PID is in `pidFile` runs. */
export function waitWhileRunningArgv(pidFile: string): string[] {
  return ['sh', '-c', `${RUNNING_FN}; p=$(cat "$1" 2>/dev/null) || exit 0; while running "$p"; do sleep 0.02; done`, 'ferry-wait', pidFile];
}
