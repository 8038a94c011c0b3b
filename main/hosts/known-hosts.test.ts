import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  entryMatchesHost,
  fingerprintSha256,
  hostKeyError,
  keyTypeOf,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
} from './known-hosts';

const hasKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status !== undefined; // ran, printed usage, exited non-zero
  }
})();

describe.skipIf(!hasKeygen)('known_hosts (with real ssh-keygen)', () => {
  let dir: string;
  const pub: Record<string, { line: string; blob: Buffer; fp: string }> = {};

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-kh-'));
    for (const [name, type] of [
      ['k1', 'ed25519'],
      ['k2', 'ed25519'],
      ['r1', 'rsa'],
    ] as const) {
      const file = path.join(dir, name);
      execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', file]);
      const line = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
      const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`], { encoding: 'utf8' }).split(/\s+/)[1]!;
      pub[name] = { line, blob: Buffer.from(line.split(' ')[1]!, 'base64'), fp };
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('formats fingerprints exactly like ssh-keygen -l', () => {
    for (const k of Object.values(pub)) expect(fingerprintSha256(k.blob)).toBe(k.fp);
    expect(keyTypeOf(pub.k1!.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(pub.r1!.blob)).toBe('ssh-rsa');
  });

  const table = (withGarbage = true) =>
    [
      `# comment`,
      `lab-a,10.0.0.1 ${pub.k1!.line} op@box`,
      `[10.0.0.2]:2222 ${pub.k1!.line}`,
      `*.example.com,!evil.example.com ${pub.k1!.line}`,
      `@revoked 10.0.0.9 ${pub.k2!.line}`,
      `@cert-authority *.ca.test ${pub.k1!.line}`,
      `10.0.0.3 ${pub.r1!.line}`,
      ...(withGarbage ? ['garbage'] : []),
    ].join('\n');

  it('matches plain, comma-listed, [host]:port and wildcard entries', () => {
    const entries = parseKnownHosts(table(), 'kh');
    expect(entries).toHaveLength(6);
    const k1 = pub.k1!.blob;
    expect(checkHostKey(entries, 'lab-a', 22, k1)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, '10.0.0.1', 22, k1)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, '10.0.0.2', 2222, k1)).toEqual({ status: 'match' });
    // A non-22 port is only found under [host]:port.
    expect(checkHostKey(entries, '10.0.0.1', 2222, k1).status).toBe('unknown');
    expect(checkHostKey(entries, '10.0.0.2', 22, k1).status).toBe('unknown');
    expect(checkHostKey(entries, 'a.example.com', 22, k1)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, 'evil.example.com', 22, k1).status).toBe('unknown');
  });

  it('reports mismatches with both fingerprints, revoked keys, and ignores @cert-authority', () => {
    const entries = parseKnownHosts(table(), 'kh');
    expect(checkHostKey(entries, 'lab-a', 22, pub.k2!.blob)).toEqual({
      status: 'mismatch',
      expected: [pub.k1!.fp],
      actual: pub.k2!.fp,
      keyType: 'ssh-ed25519',
    });
    // Only an RSA key is known for 10.0.0.3: an ed25519 key is a mismatch, not a new key.
    expect(checkHostKey(entries, '10.0.0.3', 22, pub.k1!.blob)).toMatchObject({ status: 'mismatch', expected: [pub.r1!.fp] });
    expect(checkHostKey(entries, '10.0.0.9', 22, pub.k2!.blob)).toEqual({ status: 'revoked', fingerprint: pub.k2!.fp });
    expect(checkHostKey(entries, 'x.ca.test', 22, pub.k1!.blob)).toEqual({
      status: 'unknown',
      fingerprint: pub.k1!.fp,
      keyType: 'ssh-ed25519',
    });
  });

  it('matches entries hashed by ssh-keygen -H, including [host]:port', () => {
    const file = path.join(dir, 'hashed');
    writeFileSync(file, `${table(false)}\n`); // ssh-keygen -H refuses files with invalid lines
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\|1\|/m);
    expect(text).not.toContain('lab-a');
    const entries = parseKnownHosts(text, file);
    const k1 = pub.k1!.blob;
    expect(checkHostKey(entries, 'lab-a', 22, k1)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, '10.0.0.1', 22, k1)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, '10.0.0.2', 2222, k1)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, '10.0.0.2', 22, k1).status).toBe('unknown');
    expect(checkHostKey(entries, 'lab-a', 22, pub.k2!.blob)).toMatchObject({ status: 'mismatch', expected: [pub.k1!.fp] });
    expect(entryMatchesHost({ hosts: '|1|bad' }, 'lab-a')).toBe(false);
  });

  it('appends new keys in a form OpenSSH finds', () => {
    const file = path.join(dir, 'sub', 'known_hosts');
    appendKnownHost(file, '127.0.0.1', 2222, pub.k1!.blob);
    appendKnownHost(file, 'lab-b', 22, pub.r1!.blob);
    const entries = parseKnownHosts(readFileSync(file, 'utf8'));
    expect(checkHostKey(entries, '127.0.0.1', 2222, pub.k1!.blob)).toEqual({ status: 'match' });
    expect(checkHostKey(entries, 'lab-b', 22, pub.r1!.blob)).toEqual({ status: 'match' });
    const found = execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(pub.k1!.line);
  });

  it('orders host key algorithms by the key types already known', () => {
    const entries = parseKnownHosts(table());
    expect(preferredHostKeyAlgorithms(entries, '10.0.0.3', 22)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(preferredHostKeyAlgorithms(entries, 'lab-a', 22)).toEqual(['ssh-ed25519']);
    expect(preferredHostKeyAlgorithms(entries, 'nowhere', 22)).toEqual([]);
  });

  it('turns results into operator-facing errors', () => {
    const where = { label: 'lab-a', host: '10.0.0.1', port: 2222, knownHostsFile: '/root/.ssh/known_hosts' };
    const unknown = hostKeyError({ status: 'unknown', fingerprint: pub.k1!.fp, keyType: 'ssh-ed25519' }, where)!;
    expect(unknown.code).toBe('HOST_KEY_UNKNOWN');
    expect(unknown.message).toContain(pub.k1!.fp);
    expect(unknown.hint).toContain('ssh-keyscan -p 2222 -t ed25519 10.0.0.1 >> /root/.ssh/known_hosts');
    const mismatch = hostKeyError({ status: 'mismatch', expected: [pub.k1!.fp], actual: pub.k2!.fp, keyType: 'ssh-ed25519' }, where)!;
    expect(mismatch.code).toBe('HOST_KEY_MISMATCH');
    expect(mismatch.message).toContain(pub.k1!.fp);
    expect(mismatch.message).toContain(pub.k2!.fp);
    expect(hostKeyError({ status: 'match' }, where)).toBeUndefined();
  });
});
