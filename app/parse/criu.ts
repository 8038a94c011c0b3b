// CRIU's version, `criu check` output, kernel compatibility and log errors.

export { explainCriuErrors, type CriuExplanation } from './criu-explain';

/** A CRIU version (`criu --version`). */
export interface CriuVersion {
  major: number;
  minor: number;
  patch: number;
  /** `GitID:` of a build from git, when printed. */
  gitId?: string;
}

/** Result of `criu check` (or `check --all`). */
export interface CriuCheck {
  ok: boolean;
  warnings: string[];
  errors: string[];
}

/** A kernel release (`uname -r`) reduced to its numbers. */
export interface KernelVersion {
  major: number;
  minor: number;
  patch: number;
}

/** Parses `Version: 4.2.1` (also the `Version: 4.2.1 (gitid 0)` line at the top of a log); null when absent. */
export function parseCriuVersion(text: string): CriuVersion | null {
  const m = /(?:^|[\s)])Version:\s*(\d+)\.(\d+)(?:\.(\d+))?/m.exec(text);
  if (!m) return null;
  const v: CriuVersion = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
  const g = /^GitID:\s*(\S+)/m.exec(text);
  if (g?.[1]) v.gitId = g[1];
  return v;
}

/** Parses `uname -r` (`6.18.44-fc-v782`, `5.15.0-91-generic`, `6.1`); null when it does not start with numbers. */
export function parseKernelRelease(release: string): KernelVersion | null {
  const m = /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

const atLeast = (v: { major: number; minor: number }, major: number, minor: number) => v.major > major || (v.major === major && v.minor >= minor);

/** Whether this CRIU can checkpoint TCP connections on this kernel, and why not. */
export function criuSupportsKernel(criuVersion: CriuVersion | string, kernelRelease: string): { ok: boolean; reason?: string } {
  const criu = typeof criuVersion === 'string' ? parseCriuVersion(criuVersion) : criuVersion;
  if (!criu) return { ok: false, reason: 'cannot read the CRIU version' };
  const kernel = parseKernelRelease(kernelRelease);
  if (!kernel) return { ok: false, reason: `cannot read the kernel release ${JSON.stringify(kernelRelease.trim())}` };
  const cv = `${criu.major}.${criu.minor}.${criu.patch}`;
  const kv = `${kernel.major}.${kernel.minor}`;
  if (!atLeast(criu, 3, 0)) return { ok: false, reason: `CRIU ${cv} is too old; Ferry needs CRIU 3.0 or newer` };
  if (atLeast(kernel, 6, 16) && !atLeast(criu, 4, 2)) {
    return {
      ok: false,
      reason: `CRIU ${cv} cannot dump TCP sockets on Linux ${kv} (6.16 changed socket option handling: "Can't get 1:16 opt: Operation not supported"); CRIU 4.2 or newer is needed`,
    };
  }
  return { ok: true };
}

/** A `Warn  (file:line): msg` / `Error (file:line): msg` line, with optional `(00.012345)` time and `123:` pid. */
const LEVEL_LINE = /^(?:\(\s*[\d.]+\)\s*)?(?:pie:\s*)?(?:\d+:\s+)?(Warn|Error)\s*\(([^)]*)\):\s?(.*)$/;

/** Summary lines `criu check` prints on stdout. */
const CHECK_SUMMARY =
  /^(Looks good\.?|Looks good but some kernel features are missing|which, depending on your process tree, may cause|dump or restore failure\.|Does not look good\.?)$/;

/**
 * Parses `criu check [--all]` output (stdout and stderr together). `check --all` exits 1 while saying
 * "Looks good but some kernel features are missing": that is ok, with warnings.
 */
export function parseCriuCheck(text: string, exitCode: number): CriuCheck {
  const warnings: string[] = [];
  const errors: string[] = [];
  const other: string[] = [];
  let good = false;
  let bad = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = LEVEL_LINE.exec(line);
    if (m) {
      const msg = m[3] ?? '';
      // Some versions print the verdict as `Warn (...): Does not look good.`
      if (/^Does not look good/.test(msg)) bad = true;
      else (m[1] === 'Warn' ? warnings : errors).push(msg);
    } else if (CHECK_SUMMARY.test(line)) {
      if (line.startsWith('Looks good')) good = true;
      if (line.startsWith('Does not look good')) bad = true;
      if (line.startsWith('Looks good but')) warnings.push('some kernel features are missing');
    } else {
      other.push(line);
    }
  }
  const ok = !bad && errors.length === 0 && (exitCode === 0 || good);
  // Unprefixed lines (`CRIU needs to have the CAP_SYS_ADMIN ...`) explain a failure or are mere notes.
  (ok ? warnings : errors).push(...other);
  if (!ok && errors.length === 0) errors.push(`criu check exited with ${exitCode}`);
  return { ok, warnings: dedupe(warnings), errors: dedupe(errors) };
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** `Error (file:line): msg` lines of a CRIU log (`-v4`, `-o file`) or stderr, without time and pid prefixes. */
export function criuLogErrors(logText: string): string[] {
  const out: string[] = [];
  for (const raw of logText.split('\n')) {
    const m = LEVEL_LINE.exec(raw.trim());
    if (m && m[1] === 'Error') out.push(`Error (${m[2] ?? ''}): ${m[3] ?? ''}`);
  }
  return out;
}

/** One timed line of a CRIU log (`(00.025747) text`): seconds since CRIU started, as ms. */
export interface CriuLogLine {
  ms: number;
  text: string;
}

const TIMED_LINE = /^\(\s*(\d+\.\d+)\)\s?(.*)$/;

/** The timed lines of a CRIU `-v4` log, in order (untimed lines, e.g. a leading config warning, skipped). */
export function criuLogLines(logText: string): CriuLogLine[] {
  const out: CriuLogLine[] = [];
  for (const raw of logText.split('\n')) {
    const m = TIMED_LINE.exec(raw);
    if (m?.[1] !== undefined) out.push({ ms: Number(m[1]) * 1000, text: (m[2] ?? '').trim() });
  }
  return out;
}
