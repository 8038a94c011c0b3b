// Turns CRIU error lines into one operator-readable explanation with a fix.
import type { ErrorCode } from '../errors';

/** What went wrong, in operator terms, and what to do about it. */
export interface CriuExplanation {
  message: string;
  hint?: string;
  /** The Ferry error code this failure maps to, when it is a known one. */
  code?: ErrorCode;
  /** The CRIU error line the explanation is based on. */
  line?: string;
}

/** Errors CRIU logs on runs that go on to succeed (seen: every run as root in a container without CAP_SYS_RESOURCE). */
const BENIGN = [/rlimit: Can't setup RLIMIT_NOFILE/];

/** Summaries and knock-on errors that say that something failed, not what. */
const GENERIC = [
  /Dumping FAILED/,
  /Restoring FAILED/,
  /Dump files \(pid: \d+\) failed/,
  /Unable to open fd=\d+ id=/,
  /\d+ killed by signal/,
  /Pre-dump FAILED/,
  /Unable to dump/,
];

interface Rule {
  re: RegExp;
  explain: (m: RegExpExecArray) => Omit<CriuExplanation, 'line'>;
}

/** Known failures, most specific first. */
const RULES: Rule[] = [
  {
    re: /Can't get \d+:\d+ opt: Operation not supported/,
    explain: () => ({
      code: 'CRIU_TOO_OLD',
      message: 'CRIU is too old for this kernel: it cannot read socket options on Linux 6.16 and newer',
      hint: 'install CRIU 4.2 or newer on both hosts',
    }),
  },
  {
    re: /Can't fork for (\d+): File exists|Can't set ns_last_pid|Pids? do not match|PID (\d+) is (?:busy|in use|taken)/,
    explain: (m) => ({
      code: 'PID_TAKEN',
      message: `${(m[1] ?? m[2]) ? `PID ${m[1] ?? m[2]}` : 'a PID of the process'} is already in use on the destination; CRIU must restore every process with its original PID`,
      hint: 'stop the process holding that PID on the destination (or wait for it to exit), then retry',
    }),
  },
  {
    re: /Can't connect inet socket back: Cannot assign requested address/,
    explain: () => ({
      code: 'ADDRESS_CONFLICT',
      message:
        'the destination still holds a socket with the four-tuple of a connection being restored (a leftover of a connection closed there, e.g. an orphan in FIN-WAIT-1 or LAST-ACK), so CRIU could not connect the restored socket back',
      hint: 'find it with `ss -tan state all` on the destination and destroy it with `ss -K` (Ferry does this before the freeze for the leftovers its probe sees), or wait until it times out, then retry',
    }),
  },
  {
    re: /Can't bind inet socket.*Cannot assign requested address|Cannot assign requested address/,
    explain: () => ({
      code: 'ADDRESS_NOT_LOCAL',
      message: 'a socket address of the process is not present on the destination, so CRIU could not bind it',
      hint: 'add the service address to an interface on the destination before restoring (Ferry moves the addresses it detects; pass --ip for others)',
    }),
  },
  {
    re: /Can't bind inet socket.*Address already in use|Address already in use/,
    explain: () => ({
      code: 'ADDRESS_CONFLICT',
      message: 'a port of the process is already bound on the destination',
      hint: 'stop whatever listens on that address and port on the destination, then retry',
    }),
  },
  {
    re: /Connected TCP socket, consider using --tcp-established/,
    explain: () => ({
      code: 'CRIU_DUMP_FAILED',
      message: 'CRIU was run without --tcp-established and refused to dump the established TCP connections',
      hint: 'dump with --tcp-established (Ferry always passes it; seeing this from Ferry is a bug)',
    }),
  },
  {
    re: /External socket is used|Can't dump half of stream unix connection|ext-unix-sk/,
    explain: () => ({
      code: 'CRIU_DUMP_FAILED',
      message: "the process has a Unix socket connected to a process outside the migrated tree (for example syslog's /dev/log, D-Bus or a database socket)",
      hint: 'migrate a common parent so both ends move together, or make the process close that connection before migrating',
    }),
  },
  {
    re: /CAP_SYS_ADMIN|CAP_CHECKPOINT_RESTORE|tcp_repair|TCP_REPAIR|Permission denied|Operation not permitted|Effective capability \d+ missing/,
    explain: () => ({
      code: 'NO_PRIVILEGES',
      message: 'CRIU lacks privileges (it needs root or CAP_CHECKPOINT_RESTORE, and TCP repair mode needs CAP_NET_ADMIN)',
      hint: 'run CRIU as root on both hosts (log in as root or allow passwordless sudo)',
    }),
  },
  {
    re: /Dirty tracking is OFF/,
    explain: () => ({
      code: 'CRIU_CHECK_FAILED',
      message: 'the kernel does not track dirty memory pages, so iterative pre-copy migration is not possible',
      hint: 'use a plain (single) dump, or a kernel built with CONFIG_MEM_SOFT_DIRTY',
    }),
  },
  {
    re: /has unreachable sharing|--enable-external-masters/,
    explain: () => ({
      code: 'CRIU_DUMP_FAILED',
      message: 'CRIU ran in a different mount namespace than the process (for example under `ip netns exec`, which makes its own)',
      hint: "run criu in the process's mount namespace (use `nsenter --net=...` instead of `ip netns exec`)",
    }),
  },
  {
    re: /Unable to open \/proc\/|Can't open \/proc\/\d+|Unable to (?:detach from|seize|interrupt task:?) \d+.*No such process|No such process/,
    explain: () => ({
      code: 'NO_SUCH_PROCESS',
      message: 'the process exited (or never existed) before CRIU could checkpoint it',
      hint: 'check the PID with `ferry ps` and retry',
    }),
  },
  {
    re: /Unexpected EOF on \(empty-image\)|Can't open image|\.img.*No such file or directory/,
    explain: () => ({
      code: 'CRIU_RESTORE_FAILED',
      message: 'the image directory holds no complete checkpoint (the dump failed or its files were not copied)',
      hint: 'check the dump log and that the image transfer completed',
    }),
  },
  {
    re: /BUG at/,
    explain: () => ({ message: 'CRIU hit an internal bug', hint: 'keep the log and report it to the CRIU project' }),
  },
];

/** Explains the most telling error: the first known one, else the first specific one, else a generic failure. */
export function explainCriuErrors(errors: readonly string[]): CriuExplanation {
  const relevant = errors.map((e) => e.trim()).filter((e) => e && !BENIGN.some((re) => re.test(e)));
  for (const rule of RULES) {
    for (const line of relevant) {
      const m = rule.re.exec(line);
      if (m) return { ...rule.explain(m), line };
    }
  }
  const specific = relevant.find((e) => !GENERIC.some((re) => re.test(e)));
  const line = specific ?? relevant[0];
  if (line === undefined) return { message: 'CRIU failed without logging an error' };
  return { message: stripPrefix(line), line };
}

/** `Error (criu/x.c:1): inet: msg` → `msg`'s readable part: `inet: msg`. */
function stripPrefix(line: string): string {
  return line.replace(/^Error\s*\([^)]*\):\s*/, '');
}
