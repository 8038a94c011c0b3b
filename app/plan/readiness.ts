// Turns a host snapshot into readiness checks (root, CRIU, kernel, tools), each failure with a fix.
import type { ErrorCode } from '../errors';
import type { HostSnapshot } from '../model/snapshot';
import { criuSupportsKernel } from '../parse/criu';

/** One readiness check of a host. */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** Error code when this check blocks a migration. */
  code?: ErrorCode;
  /** A failed check that only warns. */
  warning?: boolean;
}

/** Tools and what installs them (Debian package names). */
export const TOOL_PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  ss: 'iproute2',
  nft: 'nftables',
  arping: 'iputils-arping',
  tar: 'tar',
  ps: 'procps',
  socat: 'socat',
  perl: 'perl-base',
};

/** The fix for a missing or too old CRIU: Ferry's own prefix pushed by `ferry hosts prepare` (or the dashboard's Prepare). */
const installCriu = (host: string) =>
  `run \`ferry hosts prepare ${host}\` (copies Ferry's own CRIU 4.2 build with its loader and libraries to /opt/ferry there; the Hosts view's Prepare does the same), or install CRIU >= 4.2 yourself`;

/** Checks a host snapshot taken with the CRIU check enabled. */
export function hostReadiness(s: HostSnapshot): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [];
  checks.push(
    s.uid === 0
      ? { name: 'privileges', ok: true, detail: 'root' }
      : { name: 'privileges', ok: false, detail: `uid ${s.uid}`, fix: 'log in as root or allow passwordless sudo for this user', code: 'NO_PRIVILEGES' },
  );
  checks.push({ name: 'kernel', ok: s.kernel !== '', detail: s.kernel || 'unknown' });
  if (!s.criu) {
    checks.push({ name: 'criu', ok: false, detail: 'not found', fix: installCriu(s.host), code: 'CRIU_MISSING' });
  } else {
    const v = s.criu.version;
    const vtext = v ? `${v.major}.${v.minor}.${v.patch}` : 'unknown version';
    const support = v ? criuSupportsKernel(v, s.kernel) : { ok: false, reason: `cannot read its version: ${s.criu.versionText.trim()}` };
    checks.push(
      support.ok
        ? { name: 'criu', ok: true, detail: `${s.criu.path} ${vtext}` }
        : { name: 'criu', ok: false, detail: `${s.criu.path} ${vtext}: ${support.reason ?? 'unsupported'}`, fix: installCriu(s.host), code: 'CRIU_TOO_OLD' },
    );
    if (s.criuCheck) {
      checks.push(
        s.criuCheck.ok
          ? { name: 'criu check', ok: true, detail: s.criuCheck.warnings.length ? `looks good (${s.criuCheck.warnings.length} warnings)` : 'looks good' }
          : {
              name: 'criu check',
              ok: false,
              detail: s.criuCheck.errors.join('; ') || 'failed',
              fix: 'run `criu check` on the host and fix what it reports (kernel config, privileges)',
              code: 'CRIU_CHECK_FAILED',
            },
      );
    }
  }
  for (const [tool, pkg] of Object.entries(TOOL_PACKAGES)) {
    const path = s.tools[tool];
    checks.push(
      path ? { name: tool, ok: true, detail: path } : { name: tool, ok: false, detail: 'not found', fix: `apt-get install ${pkg}`, code: 'TOOL_MISSING' },
    );
  }
  return checks;
}
