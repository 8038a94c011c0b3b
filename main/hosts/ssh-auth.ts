// Builds the list of ssh2 authentication methods for a host: its IdentityFiles, then the ssh-agent.
import { existsSync } from 'node:fs';
import path from 'node:path';
import ssh2, { type AnyAuthMethod } from 'ssh2';
import type { HostSpec } from '../../app/model/host';
import { readBoundedFile } from '../util/bounded-read';

/** Largest private key file read (an RSA-16384 key is about 13 KiB). */
export const MAX_KEY_FILE_BYTES = 256 * 1024;

/** Auth methods plus what went into them (for the SSH_AUTH hint). */
export interface AuthPlan {
  methods: AnyAuthMethod[];
  /** Identity files offered, and `ssh-agent (path)` when used. */
  tried: string[];
  /** Identity files left out, with the reason. */
  skipped: string[];
}

/** Agent socket and fallback identity files for planAuth. */
export interface AuthOptions {
  /** ssh-agent socket, or null for none. */
  agentSocket: string | null;
  /** Used when the host lists no IdentityFile (missing ones are skipped silently, as OpenSSH does). */
  defaultIdentityFiles: readonly string[];
}

/** OpenSSH's default identity files under `home`. */
export function defaultIdentityFiles(home: string): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(home, '.ssh', f));
}

/** Reads and parses the host's private keys; unusable ones are listed in `skipped`. */
export function planAuth(spec: Pick<HostSpec, 'user' | 'identityFiles'>, opts: AuthOptions): AuthPlan {
  const plan: AuthPlan = { methods: [], tried: [], skipped: [] };
  const explicit = spec.identityFiles.length > 0;
  const files = explicit ? spec.identityFiles : opts.defaultIdentityFiles.filter((f) => existsSync(f));
  for (const file of files) {
    let text: Buffer;
    try {
      text = readBoundedFile(file, MAX_KEY_FILE_BYTES, 'IdentityFile');
    } catch (err) {
      // `ENOENT` for a file that cannot be opened, else why it is not a key file (a FIFO, a device, too large).
      const why = String((err as Error).message ?? err)
        .replace(`IdentityFile ${file} `, '')
        .replace(/^cannot be opened \((\w+)\)$/, '$1');
      plan.skipped.push(`${file} (${why})`);
      continue;
    }
    const parsed = ssh2.utils.parseKey(text);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error) {
      plan.skipped.push(`${file} (${key instanceof Error ? key.message : 'no key'})`);
      continue;
    }
    if (!key.isPrivateKey()) {
      plan.skipped.push(`${file} (not a private key)`);
      continue;
    }
    plan.methods.push({ type: 'publickey', username: spec.user, key });
    plan.tried.push(file);
  }
  if (opts.agentSocket) {
    plan.methods.push({ type: 'agent', username: spec.user, agent: opts.agentSocket });
    plan.tried.push(`ssh-agent (${opts.agentSocket})`);
  }
  return plan;
}
