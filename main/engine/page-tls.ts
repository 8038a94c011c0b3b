// Keys for one migration's page stream, made on the controller: a CA that exists for this migration only (its
// key is deleted as soon as it has signed), and a key pair for each side, both naming the listeners' addresses
// (CRIU checks the peer's certificate against its --address on both ends; lazy mode's direct stream of shared
// memory listens on the destination, and its sender checks the destination's certificate against that address).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FerryError } from '../../app/errors';
import { parseIpAddress } from '../../app/ip-address';
import type { Executor } from '../hosts/executor';
import { mustRun } from './freeze-context';

const run = promisify(execFile);

/** PEM text: the migration's CA certificate and each side's certificate and key. */
export interface PageTlsBundle {
  ca: string;
  source: { cert: string; key: string };
  destination: { cert: string; key: string };
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** Makes the CA and both key pairs naming `listenAddresses` (the first is the subject; openssl on the controller; ~0.1 s). */
export async function makePageTls(migrationId: string, listenAddresses: readonly string[]): Promise<PageTlsBundle> {
  const ips = [...new Set(listenAddresses)].map((a) => {
    const ip = parseIpAddress(a);
    if (!ip || ip.address !== a) throw new FerryError({ code: 'BAD_INPUT', message: `refusing a certificate for ${JSON.stringify(a)}` });
    return ip.address;
  });
  if (!ips.length) throw new FerryError({ code: 'BAD_INPUT', message: 'refusing a certificate for no address' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-pki-'));
  const f = (n: string) => path.join(dir, n);
  const cn = `/CN=ferry ${migrationId.replace(/[^A-Za-z0-9-]/g, '')}`;
  try {
    await run('openssl', [
      'req',
      '-x509',
      ...KEY,
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.crt'),
      '-days',
      '2',
      '-subj',
      `${cn} CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    ]);
    await Promise.all(
      ['source', 'destination'].map((side) =>
        run('openssl', [
          'req',
          '-x509',
          '-CA',
          f('ca.crt'),
          '-CAkey',
          f('ca.key'),
          ...KEY,
          '-keyout',
          f(`${side}.key`),
          '-out',
          f(`${side}.crt`),
          '-days',
          '2',
          '-subj',
          `/CN=${ips[0]}`,
          '-addext',
          `subjectAltName=${ips.map((a) => `IP:${a}`).join(',')}`,
          '-addext',
          'extendedKeyUsage=serverAuth,clientAuth',
          '-addext',
          'basicConstraints=critical,CA:FALSE',
        ]),
      ),
    );
    const read = (n: string) => readFileSync(f(n), 'utf8');
    return {
      ca: read('ca.crt'),
      source: { cert: read('source.crt'), key: read('source.key') },
      destination: { cert: read('destination.crt'), key: read('destination.key') },
    };
  } catch (err) {
    throw new FerryError({
      code: 'COMMAND_FAILED',
      message: `cannot make this migration's page-stream keys with openssl: ${err instanceof Error ? err.message : String(err)}`,
      hint: 'install openssl on the controller (scripts/setup.sh does)',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Writes a side's CA certificate, certificate and key into `tlsDir` on a host (created 0700, files 0600) in
 * one round trip: stdin carries the three PEM blocks in that order.
 */
export async function pushPageTls(exec: Executor, host: string, tlsDir: string, pem: { ca: string; cert: string; key: string }): Promise<void> {
  await mustRun(
    exec,
    host,
    [
      'sh',
      '-c',
      'umask 077 && mkdir -p "$1" && cd "$1" && awk \'/^-----BEGIN CERTIFICATE-----/ { n++ } /^-----BEGIN .*PRIVATE KEY-----/ { k = 1 } ' +
        '{ print > (k ? "key.pem" : n == 1 ? "ca.crt" : "cert.pem") }\' && [ -s ca.crt ] && [ -s cert.pem ] && [ -s key.pem ]',
      'ferry-tls',
      tlsDir,
    ],
    `${pem.ca.trim()}\n${pem.cert.trim()}\n${pem.key.trim()}\n`,
  );
}
