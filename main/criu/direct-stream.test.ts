import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteArgv } from '../../app/shell/quote';
import { DESTINATION_LAZY_FREEZE_SCRIPT, destinationLazyArgs } from './freeze-scripts';
import type { MigrationPlan } from '../../app/model/migration';
import { directListenerArgv, directSenderArgv, directStreamCommands } from './direct-stream';
import { pageStreamPaths } from './page-relay';
import { IMAGE_STREAM_WORD } from './stream-frame';

/** What `eval "set -- $line"` makes of a command line under the real /bin/sh (as the freeze scripts run it). */
const evaluated = (line: string) => {
  const r = spawnSync('/bin/sh', ['-c', 'eval "set -- $1"; printf "%s\\0" "$@"', 'x', line]);
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout.toString().split('\0').slice(0, -1);
};

describe('lazy mode direct stream argv', () => {
  const src = pageStreamPaths('/var/lib/ferry/images/m-1-dump');
  const dst = pageStreamPaths('/var/lib/ferry/images/m-1-restore');

  it('listens for one TLS client with a certificate of this CA, on the destination address only, to stdout', () => {
    expect(directListenerArgv({ address: '198.18.0.3', port: 27124, log: dst.directLog, tls: dst })).toEqual([
      'socat',
      '-u',
      '-b',
      '1048576',
      '-d',
      '-d',
      '-lu',
      '-lf',
      dst.directLog,
      `OPENSSL-LISTEN:27124,bind=198.18.0.3,reuseaddr,pf=ip4,cafile=${dst.ca},cert=${dst.cert},key=${dst.key},verify=1`,
      'STDOUT',
    ]);
    expect(directListenerArgv({ address: '2001:db8::3', port: 27124, log: dst.directLog })[9]).toBe('TCP-LISTEN:27124,bind=[2001:db8::3],reuseaddr,pf=ip6');
  });

  it("sends stdin from the admitted source address, checking the listener's certificate against its address", () => {
    expect(directSenderArgv({ address: '198.18.0.3', port: 27124, bind: '198.18.0.2', log: src.directLog, tls: src })).toEqual([
      'socat',
      '-u',
      '-b',
      '1048576',
      '-d',
      '-d',
      '-lu',
      '-lf',
      src.directLog,
      'STDIN',
      `OPENSSL:198.18.0.3:27124,bind=198.18.0.2,retry=100,interval=0.02,cafile=${src.ca},cert=${src.cert},key=${src.key},verify=1,commonname=198.18.0.3`,
    ]);
    expect(directSenderArgv({ address: '2001:db8::3', port: 27124, log: src.directLog }).at(-1)).toBe('TCP:[2001:db8::3]:27124,retry=100,interval=0.02');
  });

  it('builds both command lines from the plan (TLS with the page stream), each one argv once evaluated', () => {
    const plan = {
      sourceImageDir: '/var/lib/ferry/images/m-1-dump',
      destinationImageDir: '/var/lib/ferry/images/m-1-restore',
      pageServer: { address: '198.18.0.2', port: 27123, peer: '198.18.0.3', guardTable: 'ferry-ps-m-1', tls: true },
      directStream: { address: '198.18.0.3', port: 27124, token: 't', peer: '198.18.0.2' },
    } satisfies Pick<MigrationPlan, 'directStream' | 'pageServer' | 'sourceImageDir' | 'destinationImageDir'>;
    const c = directStreamCommands(plan)!;
    expect(evaluated(c.send)).toEqual(directSenderArgv({ address: '198.18.0.3', port: 27124, bind: '198.18.0.2', log: src.directLog, tls: src }));
    expect(evaluated(c.listen)).toEqual(directListenerArgv({ address: '198.18.0.3', port: 27124, log: dst.directLog, tls: dst }));
    const plain = directStreamCommands({ ...plan, pageServer: { ...plan.pageServer, tls: false } })!;
    expect(evaluated(plain.send).at(-1)).toBe('TCP:198.18.0.3:27124,bind=198.18.0.2,retry=100,interval=0.02');
    expect(evaluated(plain.listen)[9]).toMatch(/^TCP-LISTEN:27124,/);
    expect(directStreamCommands({ ...plan, directStream: undefined })).toBeUndefined();
  });
});

describe("the destination's lazy freeze script takes the direct stream only when it is complete", () => {
  // A stand-in for the lazy-pages guard (uffd-holder.ts): detaches (gone after 10 s without a go), answers the
  // script's go with "ready".
  const GUARD = [
    'import os, signal, sys',
    'if os.fork(): sys.exit(0)',
    'n = os.open(os.devnull, os.O_RDWR)',
    'for fd in (0, 1, 2): os.dup2(n, fd)',
    'signal.alarm(10)',
    'd = sys.argv[1]',
    "open(os.path.join(d, 'guard.go')).read()",
    "open(os.path.join(d, 'guard.ready'), 'w').write('1')",
  ].join('\n');
  let tmp = '';
  /** The complete archive's size: the byte count the source announces (stream-frame.ts). */
  let fullSize = 0;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-direct-'));
    mkdirSync(path.join(tmp, 'in'));
    writeFileSync(path.join(tmp, 'in', 'pages-1.img'), randomBytes(8192));
    writeFileSync(path.join(tmp, 'in', 'pages-2.img'), randomBytes(8192));
    execFileSync('tar', ['-C', path.join(tmp, 'in'), '-cf', path.join(tmp, 'full.tar'), 'pages-1.img', 'pages-2.img']);
    fullSize = readFileSync(path.join(tmp, 'full.tar')).length;
    // Cut after the first member: a clean end of a valid tar to `tar -x`, which then exits 0.
    writeFileSync(path.join(tmp, 'cut.tar'), readFileSync(path.join(tmp, 'full.tar')).subarray(0, 512 + 8192));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** Runs the script with a listener that prints `head` then the file `tarFile` and exits `code`. */
  const receive = (head: string, tarFile: string, code = 0) => {
    const dir = mkdtempSync(path.join(tmp, 'dst-'));
    const listen = quoteArgv(['sh', '-c', 'printf "%s\\n" "$1"; cat "$2"; exit "$3"', 'listener', head, path.join(tmp, tarFile), String(code)]);
    const r = spawnSync(
      '/bin/sh',
      [
        '-c',
        DESTINATION_LAZY_FREEZE_SCRIPT,
        'ferry-restore',
        ...destinationLazyArgs(dir, '', 'criu', { address: '198.18.0.2', port: 1 }, { guard: GUARD, pids: [] }, '', { send: '', listen, token: 'tok' }, [
          'true',
        ]),
      ],
      // The small images: an empty archive, framed as the source sends it.
      { input: Buffer.concat([Buffer.from(`${IMAGE_STREAM_WORD} 10240\n`), Buffer.alloc(10240)]), timeout: 20_000 },
    );
    return {
      status: r.status,
      err: r.stderr.toString(),
      pages: readdirSync(dir)
        .filter((f) => f.startsWith('pages-'))
        .sort(),
    };
  };

  it('complete: the token, the announced byte count, a clean end', () => {
    const r = receive(`tok ${fullSize}`, 'full.tar');
    expect(r.status, r.err).toBe(0);
    expect(r.err).toContain('@@FERRY-AT restored');
    expect(r.pages).toEqual(['pages-1.img', 'pages-2.img']);
  });

  it.each([
    ['cut at a tar member boundary', 'tok SIZE', 'cut.tar', 0],
    ['a wrong token', 'other SIZE', 'full.tar', 0],
    ['no byte count', 'tok', 'full.tar', 0],
    ['a listener that failed (a TLS error after the data)', 'tok SIZE', 'full.tar', 1],
  ] as const)('refused: %s (exit 24, nothing restored)', (_what, head, file, code) => {
    const r = receive(head.replace('SIZE', String(fullSize)), file, code);
    expect(r.status, r.err).toBe(24);
    expect(r.err).toContain('@@FERRY-AT direct-failed');
    expect(r.err).not.toContain('@@FERRY-AT restored');
  });
});
