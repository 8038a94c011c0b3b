// ssh2's hostVerifier for one connection: the key checked against known_hosts, a new key offered to the operator.
import type { FerryError } from '../../app/errors';
import type { SshHostSpec } from '../../app/inventory/ssh-config';
import { appendKnownHost, checkHostKey, hostKeyError, type KnownHostEntry } from './known-hosts';

/** A host key seen for the first time, offered to `acceptNewKey`. */
export interface NewHostKey {
  /** Alias the operator used. */
  host: string;
  hostName: string;
  port: number;
  keyType: string;
  /** `SHA256:…` as OpenSSH prints it. */
  fingerprint: string;
  /** known_hosts file the key is appended to when accepted. */
  file: string;
}

/** A verifier and the error it refused the key with (read after the handshake failed). */
export interface HostVerifier {
  verify(key: Buffer, done: (ok: boolean) => void): void;
  error(): FerryError | undefined;
}

/**
 * Accepts a key known_hosts lists for the host; an unknown key only when `acceptNewKey` says so (it is then
 * appended to the first user file); refuses mismatched and revoked keys with HOST_KEY_* errors.
 */
export function hostVerifier(
  spec: SshHostSpec,
  entries: readonly KnownHostEntry[],
  userFiles: readonly string[],
  opts: { acceptNewKey?: (key: NewHostKey) => boolean | Promise<boolean>; debug?: (message: string) => void },
): HostVerifier {
  const where = { label: spec.name, host: spec.hostName, port: spec.port, knownHostsFile: userFiles[0] ?? '~/.ssh/known_hosts' };
  let refused: FerryError | undefined;
  const verify = (key: Buffer, done: (ok: boolean) => void): void => {
    const check = checkHostKey(entries, spec.hostName, spec.port, key);
    if (check.status === 'match') return done(true);
    const accept = opts.acceptNewKey;
    const file = userFiles[0];
    if (check.status !== 'unknown' || !accept || !file) {
      refused = hostKeyError(check, where);
      return done(false);
    }
    const offer: NewHostKey = { host: spec.name, hostName: spec.hostName, port: spec.port, keyType: check.keyType, fingerprint: check.fingerprint, file };
    Promise.resolve()
      .then(() => accept(offer))
      .then((ok) => {
        if (ok) appendKnownHost(file, spec.hostName, spec.port, key);
        else refused = hostKeyError(check, where);
        done(ok);
      })
      .catch((err: unknown) => {
        refused = hostKeyError(check, where);
        opts.debug?.(`acceptNewKey failed: ${String(err)}`);
        done(false);
      });
  };
  return { verify, error: () => refused };
}
