// Host key checking against OpenSSH known_hosts files (plain, wildcard, [host]:port, hashed, @revoked).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FerryError } from '../../app/errors';
import { matchPatternList } from '../../app/inventory/ssh-pattern';
import { readBoundedFile } from '../util/bounded-read';

/** Largest known_hosts file read. */
export const MAX_KNOWN_HOSTS_BYTES = 16 << 20;

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: a comma list of patterns, or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  key: Buffer;
  source: string;
  line: number;
}

/** Outcome of checking a presented host key. */
export type HostKeyCheck =
  | { status: 'match' }
  | { status: 'unknown'; fingerprint: string; keyType: string }
  | { status: 'mismatch'; expected: string[]; actual: string; keyType: string }
  | { status: 'revoked'; fingerprint: string };

/** OpenSSH's SHA256 fingerprint of a public key blob: `SHA256:` + unpadded base64. */
export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return len > 0 && len < 64 && key.length >= 4 + len ? key.subarray(4, 4 + len).toString('latin1') : 'unknown';
}

/** The name known_hosts uses for a host: `host`, or `[host]:port` when the port is not 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Parses known_hosts text; malformed lines are skipped. */
export function parseKnownHosts(text: string, source = '<known_hosts>'): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    } else if (fields[0].startsWith('@')) return;
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    const entry: KnownHostEntry = { hosts, keyType, key: Buffer.from(b64, 'base64'), source, line: i + 1 };
    if (marker) entry.marker = marker;
    out.push(entry);
  });
  return out;
}

/** True when the entry's host field covers `name` (as built by knownHostsName). */
export function entryMatchesHost(entry: Pick<KnownHostEntry, 'hosts'>, name: string): boolean {
  if (entry.hosts.startsWith('|1|')) {
    const [, , salt, hash] = entry.hosts.split('|');
    if (!salt || !hash) return false;
    const want = Buffer.from(hash, 'base64');
    const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name.toLowerCase()).digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
  return matchPatternList(entry.hosts.split(','), name);
}

/** Checks `key` presented by host:port against parsed entries. */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyCheck {
  const name = knownHostsName(host, port);
  const matching = entries.filter((e) => entryMatchesHost(e, name));
  const fingerprint = fingerprintSha256(key);
  if (matching.some((e) => e.marker === 'revoked' && e.key.equals(key))) return { status: 'revoked', fingerprint };
  const plain = matching.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(key))) return { status: 'match' };
  const keyType = keyTypeOf(key);
  if (plain.length === 0) return { status: 'unknown', fingerprint, keyType };
  return { status: 'mismatch', expected: [...new Set(plain.map((e) => fingerprintSha256(e.key)))], actual: fingerprint, keyType };
}

/** Reads and parses known_hosts files; missing files count as empty. */
export function readKnownHosts(files: readonly string[]): KnownHostEntry[] {
  // Bounded: a known_hosts that is a FIFO or a device is refused instead of hanging or exhausting memory.
  return files.flatMap((f) => (existsSync(f) ? parseKnownHosts(readBoundedFile(f, MAX_KNOWN_HOSTS_BYTES, 'known_hosts file').toString('utf8'), f) : []));
}

/** Appends a plain `name keytype base64` line for host:port to `file` (created 0600, its folder 0700). */
export function appendKnownHost(file: string, host: string, port: number, key: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const line = `${knownHostsName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
  const needsNewline = existsSync(file) && !/(^|\n)$/.test(readBoundedFile(file, MAX_KNOWN_HOSTS_BYTES, 'known_hosts file').toString('utf8'));
  appendFileSync(file, (needsNewline ? '\n' : '') + line, { mode: 0o600 });
}

const ALGORITHMS_BY_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * Host key algorithms for the key types already known for host:port, so the server is asked for
 * a key we can check (as OpenSSH orders HostKeyAlgorithms). Empty when nothing is known.
 */
export function preferredHostKeyAlgorithms(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types = entries.filter((e) => e.marker === undefined && entryMatchesHost(e, name)).map((e) => e.keyType);
  return [...new Set(types.flatMap((t) => ALGORITHMS_BY_KEY_TYPE[t] ?? []))];
}

/** The FerryError for a refused host key (undefined for a match). */
export function hostKeyError(check: HostKeyCheck, where: { label: string; host: string; port: number; knownHostsFile: string }): FerryError | undefined {
  const keyscan = `ssh-keyscan${where.port === 22 ? '' : ` -p ${where.port}`}`;
  switch (check.status) {
    case 'match':
      return undefined;
    case 'unknown':
      return new FerryError({
        code: 'HOST_KEY_UNKNOWN',
        host: where.label,
        message: `Host key of ${where.label} (${knownHostsName(where.host, where.port)}) is not in known_hosts: ${check.keyType} ${check.fingerprint}`,
        hint:
          `Check on the host that its key has fingerprint ${check.fingerprint} (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), ` +
          `then add it: ${keyscan} -t ${check.keyType.replace(/^ssh-/, '')} ${where.host} >> ${where.knownHostsFile}`,
      });
    case 'mismatch':
      return new FerryError({
        code: 'HOST_KEY_MISMATCH',
        host: where.label,
        message:
          `HOST KEY MISMATCH for ${where.label} (${knownHostsName(where.host, where.port)}): known_hosts expects ` +
          `${check.expected.join(' or ')}, the server presented ${check.keyType} ${check.actual}. Connection refused.`,
        hint:
          'Someone may be intercepting the connection, or the host was reinstalled. If you are sure the new key is right, ' +
          `remove the old entry (ssh-keygen -R '${knownHostsName(where.host, where.port)}' -f ${where.knownHostsFile}) and add the new one.`,
      });
    case 'revoked':
      return new FerryError({
        code: 'HOST_KEY_MISMATCH',
        host: where.label,
        message: `Host key of ${where.label} (${check.fingerprint}) is marked @revoked in known_hosts. Connection refused.`,
        hint: 'The host must be given a new host key before Ferry will connect to it.',
      });
  }
}
