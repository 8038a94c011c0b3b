import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { criuLogErrors, criuSupportsKernel, explainCriuErrors, parseCriuCheck, parseCriuVersion, parseKernelRelease } from './criu';

// Real CRIU 4.2.1 on Linux 6.18.44-fc-v782 (root in a VM whose root lacks CAP_SYS_RESOURCE, hence the rlimit error).
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const RLIMIT = "Error (criu/util.c:1534): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted";

describe('parseCriuVersion', () => {
  it('reads `criu --version` and a log header', () => {
    expect(parseCriuVersion(fixture('criu-version.txt'))).toEqual({ major: 4, minor: 2, patch: 1 });
    expect(parseCriuVersion(fixture('criu-dump-ok.log'))).toEqual({ major: 4, minor: 2, patch: 1 });
  });
  it('reads a git build and a version without patch level', () => {
    expect(parseCriuVersion('Version: 3.17.1\nGitID: v3.17.1-12-gabcdef0\n')).toEqual({ major: 3, minor: 17, patch: 1, gitId: 'v3.17.1-12-gabcdef0' });
    expect(parseCriuVersion('Version: 4.0\n')).toEqual({ major: 4, minor: 0, patch: 0 });
  });
  it('is null for other output', () => {
    expect(parseCriuVersion('')).toBeNull();
    expect(parseCriuVersion('sh: 1: criu: not found')).toBeNull();
    expect(parseCriuVersion('ProtoVersion: 1.2')).toBeNull();
  });
});

describe('criuSupportsKernel', () => {
  it('reads kernel releases', () => {
    expect(parseKernelRelease('6.18.44-fc-v782\n')).toEqual({ major: 6, minor: 18, patch: 44 });
    expect(parseKernelRelease('5.15.0-91-generic')).toEqual({ major: 5, minor: 15, patch: 0 });
    expect(parseKernelRelease('6.1')).toEqual({ major: 6, minor: 1, patch: 0 });
    expect(parseKernelRelease('Linux')).toBeNull();
  });
  it('accepts CRIU 4.2+ on 6.16+ and older CRIU on older kernels', () => {
    expect(criuSupportsKernel({ major: 4, minor: 2, patch: 1 }, '6.18.44-fc-v782')).toEqual({ ok: true });
    expect(criuSupportsKernel({ major: 5, minor: 0, patch: 0 }, '6.20.1')).toEqual({ ok: true });
    expect(criuSupportsKernel({ major: 4, minor: 1, patch: 1 }, '6.15.11-generic')).toEqual({ ok: true });
    expect(criuSupportsKernel({ major: 3, minor: 17, patch: 1 }, '5.10.0-28-amd64')).toEqual({ ok: true });
    expect(criuSupportsKernel('Version: 4.2\n', '6.16.0')).toEqual({ ok: true });
  });
  it('rejects CRIU older than 4.2 on Linux 6.16 and newer, saying why', () => {
    const r = criuSupportsKernel({ major: 4, minor: 1, patch: 1 }, '6.18.44-fc-v782');
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/CRIU 4\.1\.1 cannot dump TCP sockets on Linux 6\.18.*Can't get 1:16 opt.*4\.2/);
    expect(criuSupportsKernel({ major: 3, minor: 19, patch: 0 }, '6.16.0-rc1').ok).toBe(false);
    expect(criuSupportsKernel('Version: 4.1.1', '7.0.0').ok).toBe(false);
  });
  it('rejects what it cannot read', () => {
    expect(criuSupportsKernel({ major: 4, minor: 2, patch: 1 }, '').reason).toMatch(/kernel release/);
    expect(criuSupportsKernel('garbage', '6.18').reason).toMatch(/CRIU version/);
    expect(criuSupportsKernel({ major: 2, minor: 9, patch: 0 }, '4.19').ok).toBe(false);
  });
});

describe('parseCriuCheck', () => {
  it('passes `criu check` with its warnings', () => {
    expect(parseCriuCheck(fixture('criu-check.txt'), 0)).toEqual({
      ok: true,
      warnings: ["Hardware breakpoints don't seem to work (status=137f)", "Hardware breakpoints don't seem to work"],
      errors: [],
    });
  });
  it('passes `criu check --all`, which exits 1 when only optional features are missing', () => {
    const r = parseCriuCheck(fixture('criu-check-all.txt'), 1);
    expect(r.ok).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toContain('Dirty tracking is OFF. Memory snapshot will not work.');
    expect(r.warnings).toContain('compat_cr is not supported. Requires kernel >= v4.12');
    expect(r.warnings).toContain('some kernel features are missing');
  });
  it("fails an unprivileged check with CRIU's own explanation", () => {
    expect(parseCriuCheck(fixture('criu-check-nonroot.txt'), 1)).toEqual({
      ok: false,
      warnings: [],
      errors: [
        'CRIU needs to have the CAP_SYS_ADMIN or the CAP_CHECKPOINT_RESTORE capability:',
        'setcap cap_checkpoint_restore+eip /tmp/criuprobe/prefix/usr/sbin/criu',
      ],
    });
  });
  it('fails on errors or "Does not look good", whatever the exit code', () => {
    // Format of CRIU 3.x on a kernel without the needed config (as reported upstream).
    const text = [
      'Warn (criu/autofs.c:99): Failed to find pipe_ino option (old kernel?)',
      'Error (criu/cr-check.c:157): sys/kernel/ns_last_pid sysctl is inaccessible: No such file or directory',
      'Warn (criu/cr-check.c:1442): Does not look good.',
    ].join('\n');
    expect(parseCriuCheck(text, 0)).toEqual({
      ok: false,
      warnings: ['Failed to find pipe_ino option (old kernel?)'],
      errors: ['sys/kernel/ns_last_pid sysctl is inaccessible: No such file or directory'],
    });
    expect(parseCriuCheck('Does not look good.\n', 1)).toEqual({ ok: false, warnings: [], errors: ['criu check exited with 1'] });
    expect(parseCriuCheck('', 127).ok).toBe(false);
  });
});

describe('criuLogErrors', () => {
  it('extracts the Error lines of a dump log, without time stamps', () => {
    expect(criuLogErrors(fixture('criu-dump-tcp-not-established.log'))).toEqual([
      RLIMIT,
      'Error (criu/sk-inet.c:200): inet: Connected TCP socket, consider using --tcp-established option.',
      'Error (criu/cr-dump.c:1545): Dump files (pid: 7863) failed with -1',
      'Error (criu/cr-dump.c:1975): Dumping FAILED.',
    ]);
  });
  it('extracts errors a restored task logs under its PID', () => {
    expect(criuLogErrors(fixture('criu-restore-bind-address.log'))).toEqual([
      RLIMIT,
      "Error (criu/sk-inet.c:1059): inet: Can't bind inet socket (id 11): Cannot assign requested address",
      'Error (criu/files.c:1221): Unable to open fd=3 id=0xb',
      'Error (criu/cr-restore.c:2331): Restoring FAILED.',
      'Error (criu/cr-restore.c:1269): 8684 killed by signal 9: Killed',
    ]);
  });
  it('ignores Warn lines and finds parasite (`pie:`) and plain stderr errors', () => {
    expect(criuLogErrors(fixture('criu-dump-ok.log'))).toEqual([RLIMIT]);
    expect(criuLogErrors(fixture('criu-dump-no-such-pid.log'))).toEqual([
      RLIMIT,
      'Error (compel/src/lib/infect.c:417): Unable to detach from 3999999: No such process',
      'Error (criu/cr-dump.c:1975): Dumping FAILED.',
    ]);
    expect(criuLogErrors('pie: 81: Error (criu/pie/parasite.c:200): Oops\nError (criu/mem.c:44): BUG at criu/mem.c:44\n')).toEqual([
      'Error (criu/pie/parasite.c:200): Oops',
      'Error (criu/mem.c:44): BUG at criu/mem.c:44',
    ]);
  });
});

describe('explainCriuErrors', () => {
  const explain = (name: string) => explainCriuErrors(criuLogErrors(fixture(name)));

  it.each([
    ['criu-dump-tcp-not-established.log', 'CRIU_DUMP_FAILED', /without --tcp-established/, /sk-inet\.c:200/],
    ['criu-dump-no-such-pid.log', 'NO_SUCH_PROCESS', /exited \(or never existed\)/, /Unable to detach from 3999999/],
    ['criu-restore-pid-taken.log', 'PID_TAKEN', /^PID 7863 is already in use on the destination/, /Can't fork for 7863: File exists/],
    ['criu-restore-bind-address.log', 'ADDRESS_NOT_LOCAL', /not present on the destination/, /Can't bind inet socket/],
    ['criu-restore-tuple-held.log', 'ADDRESS_CONFLICT', /still holds a socket with the four-tuple/, /Can't connect inet socket back/],
    ['criu-dump-external-unix.log', 'CRIU_DUMP_FAILED', /Unix socket connected to a process outside/, /External socket is used/],
    ['criu-dump-half-unix.log', 'CRIU_DUMP_FAILED', /Unix socket connected to a process outside/, /Can't dump half of stream unix connection/],
    ['criu-dump-mnt-sharing.log', 'CRIU_DUMP_FAILED', /different mount namespace/, /unreachable sharing/],
  ])('%s → %s', (name, code, message, line) => {
    const e = explain(name);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.hint).toBeTruthy();
    expect(e.line).toMatch(line);
  });

  it('explains an unprivileged run from its stderr (which has no Error lines)', () => {
    const stderr = fixture('criu-dump-nonroot.txt');
    expect(criuLogErrors(stderr)).toEqual([]);
    expect(explainCriuErrors([stderr.trim()])).toMatchObject({ code: 'NO_PRIVILEGES', hint: expect.stringMatching(/root/) });
  });

  it.each([
    ["Error (criu/sockets.c:628): sockets: Can't get 1:16 opt: Operation not supported", 'CRIU_TOO_OLD', /too old for this kernel/],
    ["Error (criu/cr-restore.c:1400): Can't set ns_last_pid", 'PID_TAKEN', /a PID of the process is already in use/],
    ["Error (criu/sk-inet.c:1059): inet: Can't bind inet socket (id 3): Address already in use", 'ADDRESS_CONFLICT', /already bound/],
    ["Error (criu/sk-tcp.c:80): Can't turn TCP repair mode on: Operation not permitted", 'NO_PRIVILEGES', /privileges/],
    ['Warn  (criu/cr-check.c:824): Dirty tracking is OFF. Memory snapshot will not work.', 'CRIU_CHECK_FAILED', /dirty memory/],
    ['Error (criu/seize.c:600): Unable to open /proc/4242/status', 'NO_SUCH_PROCESS', /exited/],
    ['Error (criu/protobuf.c:72): Unexpected EOF on (empty-image)', 'CRIU_RESTORE_FAILED', /no complete checkpoint/],
  ])('%s → %s', (line, code, message) => {
    const e = explainCriuErrors(['Error (criu/cr-dump.c:1): Dumping FAILED.', line]);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it('falls back to the first specific unknown error, then to a generic message', () => {
    expect(explainCriuErrors([RLIMIT, 'Error (criu/x.c:1): Dumping FAILED.', "Error (criu/files.c:9): fsnotify: Can't find handle"])).toEqual({
      message: "fsnotify: Can't find handle",
      line: "Error (criu/files.c:9): fsnotify: Can't find handle",
    });
    expect(explainCriuErrors(['Error (criu/cr-restore.c:2331): Restoring FAILED.']).message).toBe('Restoring FAILED.');
    expect(explainCriuErrors([RLIMIT]).message).toBe('CRIU failed without logging an error');
    expect(explainCriuErrors([]).message).toBe('CRIU failed without logging an error');
  });
});
