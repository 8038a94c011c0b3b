// Maps ssh2 and remote-command failures to FerryError codes an operator can act on.
import { FerryError } from '../../app/errors';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'EHOSTDOWN',
  'ENETDOWN',
  'ECONNABORTED',
]);

/** What is known about a failed connection attempt, for the message. */
export interface ConnectFailure {
  /** Alias the operator used. */
  label: string;
  /** `user@host:port` actually dialled. */
  target: string;
  /** `via ProxyCommand …` / `via jump host …`, if any. */
  route?: string;
  /** Identity files (and `ssh-agent`) offered, in order. */
  tried: string[];
  /** Identity files that could not be used, with why. */
  skipped: string[];
  /** Last lines a ProxyCommand wrote to stderr. */
  proxyStderr?: string;
}

/** Converts an error emitted by ssh2's Client before `ready` into a FerryError. */
export function connectError(err: Error & { code?: unknown; level?: unknown }, f: ConnectFailure): FerryError {
  const where = `${f.label} (${f.target}${f.route ? ` ${f.route}` : ''})`;
  const proxy = f.proxyStderr ? `; proxy said: ${f.proxyStderr}` : '';
  if (err.level === 'client-authentication' || /authentication/i.test(err.message)) {
    const tried = f.tried.length ? f.tried.join(', ') : 'nothing (no usable identity file and no ssh-agent)';
    const skipped = f.skipped.length ? `; skipped ${f.skipped.join(', ')}` : '';
    return new FerryError(
      {
        code: 'SSH_AUTH',
        host: f.label,
        message: `SSH authentication to ${where} failed: ${err.message}`,
        hint: `Tried ${tried}${skipped}. Put the matching public key in the remote user's authorized_keys, or set IdentityFile for this host.`,
      },
      { cause: err },
    );
  }
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (code && UNREACHABLE_CODES.has(code)) {
    return unreachable(f, `cannot connect to ${where}: ${code === 'ENOTFOUND' ? 'name not found' : err.message}${proxy}`, err);
  }
  if (err.level === 'client-timeout') {
    return unreachable(f, `no SSH handshake from ${where} in time (${err.message})${proxy}`, err);
  }
  return unreachable(f, `SSH connection to ${where} failed: ${err.message}${proxy}`, err);
}

/** HOST_UNREACHABLE for the host in `f`. */
export function unreachable(f: Pick<ConnectFailure, 'label'>, message: string, cause?: unknown): FerryError {
  return new FerryError(
    {
      code: 'HOST_UNREACHABLE',
      host: f.label,
      message: message.charAt(0).toUpperCase() + message.slice(1),
      hint: 'Check that the host is up, that sshd listens on that address and port, and the HostName/Port/Proxy settings.',
    },
    cause === undefined ? undefined : { cause },
  );
}

const SUDO_REFUSALS = [
  /sudo: a (password|terminal) is required/,
  /is not in the sudoers file/,
  /is not allowed to (execute|run sudo)/,
  /sudo: (command )?not found/,
];

/** NO_PRIVILEGES when stderr shows that `sudo -n` refused (or is missing); undefined otherwise. */
export function sudoRefusal(stderr: string, host: string, user: string): FerryError | undefined {
  const line = stderr.split('\n').find((l) => SUDO_REFUSALS.some((re) => re.test(l)));
  if (line === undefined) return undefined;
  return new FerryError({
    code: 'NO_PRIVILEGES',
    host,
    message: `${user}@${host} cannot run commands as root: ${line.trim()}`,
    hint: `Connect as root (User root), or allow ${user} passwordless sudo (e.g. "${user} ALL=(root) NOPASSWD: ALL" in /etc/sudoers.d/ferry).`,
  });
}
