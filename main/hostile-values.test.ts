// Hostile values never reach a shell unquoted: every remote-command builder the engine uses, fed quotes, `;`,
// `$()`, backticks, newlines, option-like and glob values, very long strings and NUL, run through the real /bin/sh.
// Each value either arrives byte-exact as one argument (the program replaced by printf '%s\0') or is refused
// with BAD_INPUT before anything runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../app/errors';
import type { TcpSocket } from '../app/model/host';
import type { AddressMove } from '../app/model/migration';
import { preLockTableName, preLockTableText, unlockActionScript } from '../app/plan/pre-lock';
import { criuDumpArgv, criuRestoreArgv } from './criu/criu-argv';
import { connectingRelayArgv, listeningRelayArgv, withSocketFd3 } from './criu/page-relay';
import { directListenerArgv, directSenderArgv } from './criu/direct-stream';
import { quoteArgv } from '../app/shell/quote';
import { UFFD_HOLDER_PY } from './criu/uffd-holder';
import {
  DESTINATION_FREEZE_SCRIPT,
  DESTINATION_LAZY_FREEZE_SCRIPT,
  SOURCE_FREEZE_SCRIPT,
  go,
  SOURCE_LAZY_FREEZE_SCRIPT,
  destinationLazyArgs,
  sourceLazyArgs,
  startFreeze,
} from './criu/freeze-scripts';
import { LocalShellExecutor } from '../test/support/local-executor';
import { MAX_COMMAND_LINE, remoteCommand } from './hosts/remote-command';
import { addBatch, announceAddresses, removeBatch } from './net/address-move';
import { unsolicitedNaArgv } from './net/neighbour-advert';
import { criuCandidates, probeHost } from './net/host-probe';

/** Values that break naive quoting; none contains NUL. */
const HOSTILE = [
  "it's",
  '"double"',
  'a;reboot',
  '$(touch /tmp/ferry-pwned)',
  '`touch /tmp/ferry-pwned`',
  'line1\nline2',
  '\r\n',
  '-x',
  '--help',
  '*',
  '/etc/*',
  '?',
  '[ab]',
  '{a,b}',
  '~root',
  '$HOME',
  '${IFS}',
  '!!',
  '#comment',
  'tab\there',
  '|&<>',
  "''",
  '\\',
  '\\n',
  ' lead',
  'trail ',
  '',
  '%s%n%d',
  'ünïcødé ✓',
  '\u001b[31mred',
  'A=b',
  'x'.repeat(20_000),
];
/** Hostile values that are also usable as a path (not option-like, one line). */
const HOSTILE_PATHS = HOSTILE.filter((v) => v !== '' && !v.startsWith('-') && !/[\n\r]/.test(v)).map((v) => `/tmp/${v.slice(0, 2000)}`);
const NUL = 'a\0b';
const PWNED = '/tmp/ferry-pwned';

/** Runs the command line remoteCommand builds for argv with the program replaced by printf '%s\0'; the args as received. */
function received(argv: readonly string[]): string[] {
  const r = spawnSync('/bin/sh', ['-c', remoteCommand('root', ['printf', '%s\\0', ...argv])], { maxBuffer: 64 << 20 });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout.toString('utf8').split('\0').slice(0, -1);
}

function expectByteExact(argv: readonly string[]): void {
  expect(received(argv)).toEqual(argv);
}

function badInput(fn: () => unknown, fragment?: string | RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected BAD_INPUT').toBeInstanceOf(FerryError);
  expect((err as FerryError).code).toBe('BAD_INPUT');
  if (fragment) expect((err as FerryError).message).toMatch(fragment);
}

async function badInputAsync(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerryError);
  expect((err as FerryError).code).toBe('BAD_INPUT');
}

let tmp: string;
let fakebin: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-hostile-'));
  fakebin = path.join(tmp, 'bin');
  execFileSync('mkdir', ['-p', fakebin, path.join(tmp, 'rec')]);
  rmSync(PWNED, { force: true });
});
afterAll(() => {
  // Nothing the values said was ever executed.
  expect(existsSync(PWNED)).toBe(false);
  rmSync(tmp, { recursive: true, force: true });
});

/** A fake tool in fakebin that records its argv (NUL-separated) and, when asked, its stdin. */
function fakeTool(name: string, body = ''): string {
  const file = path.join(fakebin, name);
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\0' "$@" > "$REC/$(basename "$0").argv"\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}
const recorded = (name: string, what = 'argv') => readFileSync(path.join(tmp, 'rec', `${name}.${what}`));
const recordedArgv = (name: string) => recorded(name).toString('utf8').split('\0').slice(0, -1);

describe('remoteCommand (every command the engine runs goes through it)', { timeout: 60_000 }, () => {
  it('delivers each hostile value byte-exact as one argument', () => {
    for (const v of HOSTILE) expectByteExact([v]);
    expectByteExact(HOSTILE.filter((v) => v.length < 1000));
  });

  it('refuses NUL, an empty argv and a line longer than a remote shell takes, before anything runs', () => {
    badInput(() => remoteCommand('root', ['echo', NUL]), /NUL/);
    badInput(() => remoteCommand('root', []));
    badInput(() => remoteCommand('root', ['echo', 'x'.repeat(MAX_COMMAND_LINE)]), /longer than a remote shell accepts/);
    // The limit is the kernel's: one byte more and sh -c cannot even be started.
    const tooLong = spawnSync('/bin/sh', ['-c', `: ${'x'.repeat(MAX_COMMAND_LINE)}`]);
    expect((tooLong.error as NodeJS.ErrnoException | undefined)?.code).toBe('E2BIG');
  });
});

describe('CRIU argv (criu-argv.ts)', { timeout: 60_000 }, () => {
  it('passes hostile paths byte-exact', () => {
    for (const p of HOSTILE_PATHS) {
      expectByteExact(
        criuDumpArgv({ criu: p, pid: 4242, imageDir: p, logFile: `${p}/dump.log`, shellJob: true, pageServer: { address: '2001:db8::1', port: 27001 } }),
      );
      expectByteExact(criuRestoreArgv({ criu: p, imageDir: p, logFile: p, pidFile: p, shellJob: false, actionScript: p }));
    }
  });

  it('refuses option-like, multi-line and empty paths, bad PIDs, ports and page server addresses', () => {
    const dump = { criu: '/opt/ferry/bin/criu', pid: 4242, imageDir: '/i', logFile: '/i/l', shellJob: false };
    for (const v of ['-x', '--help', 'a\nb', '', NUL]) {
      badInput(() => criuDumpArgv({ ...dump, imageDir: v }));
      badInput(() => criuDumpArgv({ ...dump, criu: v }));
      badInput(() => criuRestoreArgv({ criu: '/c', imageDir: '/i', logFile: '/l', pidFile: v, shellJob: false }));
      badInput(() => criuRestoreArgv({ criu: '/c', imageDir: '/i', logFile: '/l', pidFile: '/p', shellJob: false, actionScript: v }));
    }
    for (const pid of [0, -1, 1.5, NaN, 2 ** 31, Number('4242;reboot')]) badInput(() => criuDumpArgv({ ...dump, pid }));
    for (const address of ['198.18.0.3 --port 1', '198.18.0.3;id', '::FFFF:1.2.3.4x', '']) {
      badInput(() => criuDumpArgv({ ...dump, pageServer: { address, port: 27001 } }));
    }
    for (const port of [0, 65536, 1.5, NaN]) badInput(() => criuDumpArgv({ ...dump, pageServer: { address: '198.18.0.3', port } }));
    badInput(() => criuDumpArgv({ ...dump, lazyPages: { address: '198.18.0.2 --tree 1', port: 27001 } }));
    badInput(() => criuDumpArgv({ ...dump, lazyPages: { address: '198.18.0.2', port: -1 } }));
  });
});

describe('page-stream relay (page-relay.ts: socat address strings, the fd-3 connector)', { timeout: 60_000 }, () => {
  const tls = { ca: '/i/tls/ca.crt', cert: '/i/tls/cert.pem', key: '/i/tls/key.pem' };
  it('passes safe values byte-exact and refuses every path socat would parse as options or addresses', () => {
    expectByteExact(listeningRelayArgv({ socket: '/var/lib/ferry/images/m-1-restore/page-stream.sock', address: '198.18.0.3', port: 27001, tls }));
    expectByteExact(connectingRelayArgv({ socket: '/i/page-stream.sock', address: '2001:db8::3', port: 27001, bind: '2001:db8::2', tls }));
    expectByteExact(
      withSocketFd3(
        '/i/page-stream.sock',
        HOSTILE.filter((v) => v.length < 1000),
      ),
    );
    for (const v of [...HOSTILE_PATHS.filter((p) => !/^\/tmp\/[A-Za-z0-9._-]*$/.test(p)), '/i/a,fork', '/i/a:b', '/i/../etc/x', 'relative', '/i/x!!y']) {
      badInput(() => listeningRelayArgv({ socket: v, address: '198.18.0.3', port: 27001 }));
      badInput(() => connectingRelayArgv({ socket: '/i/s', address: '198.18.0.3', port: 27001, tls: { ...tls, key: v } }));
      badInput(() => withSocketFd3(v, ['criu']));
    }
    for (const [address, port] of [
      ['198.18.0.3,fork', 1],
      ['198.18.0.3', 0],
      ['198.18.0.3', 65536],
      ['x', 1],
      ['2001:DB8::1', 1],
    ] as const) {
      badInput(() => connectingRelayArgv({ socket: '/i/s', address, port }));
      badInput(() => listeningRelayArgv({ socket: '/i/s', address, port }));
    }
    badInput(() => connectingRelayArgv({ socket: '/i/s', address: '198.18.0.3', port: 1, bind: '198.18.0.2,reuseaddr' }));
  });

  it('direct stream (direct-stream.ts): the same checks on its socat addresses and log', () => {
    const log = '/i/direct-stream.log';
    expectByteExact(directListenerArgv({ address: '198.18.0.3', port: 27001, log, tls }));
    expectByteExact(directSenderArgv({ address: '2001:db8::3', port: 27001, bind: '2001:db8::2', log, tls }));
    for (const v of [...HOSTILE_PATHS.filter((p) => !/^\/tmp\/[A-Za-z0-9._-]*$/.test(p)), '/i/a,fork', '/i/a:b', '/i/../etc/x', 'relative']) {
      badInput(() => directListenerArgv({ address: '198.18.0.3', port: 27001, log: v }));
      badInput(() => directSenderArgv({ address: '198.18.0.3', port: 27001, log, tls: { ...tls, cert: v } }));
    }
    for (const [address, port] of [
      ['198.18.0.3,fork', 1],
      ['198.18.0.3', 0],
      ['198.18.0.3', 65536],
      ['x', 1],
      ['2001:DB8::1', 1],
    ] as const) {
      badInput(() => directListenerArgv({ address, port, log }));
      badInput(() => directSenderArgv({ address, port, log }));
    }
    badInput(() => directSenderArgv({ address: '198.18.0.3', port: 1, bind: '198.18.0.2,fork', log }));
  });
});

describe('freeze scripts (freeze-scripts.ts: positional arguments)', { timeout: 60_000 }, () => {
  it.each([
    ['streamed and staged', false, false],
    ['lazy-pages', true, false],
    ['lazy-pages with a direct stream', true, true],
  ])(
    '%s: every hostile value reaches criu, ip, tar and the direct stream byte-exact, through startFreeze and the real /bin/sh',
    async (_mode, lazy, withDirect) => {
      fakeTool('date', 'echo 1');
      fakeTool('ip', 'cat > "$REC/ip.stdin"');
      // The source lock (nft -f FILE before the dump), recorded.
      fakeTool('nft');
      // tar -C DIR -xf - (destination: the images, and the direct stream's, after their header), tar -C DIR
      // -cf - --exclude=… . (source) or tar -C DIR -cf - -T /dev/null FILES… (the direct stream's), and the byte
      // counts before them (tar -C DIR -cf /dev/null --totals …: 0 here), recorded apart.
      fakeTool(
        'tar',
        [
          'if [ "$3" = -xf ]; then printf \'%s\\0\' "$@" > "$REC/tar-x.argv"; d=$(cat); printf %s "$d" > "$REC/tar.stdin.$d"',
          'elif [ "$4" = /dev/null ] && [ "$6" = -T ]; then printf \'%s\\0\' "$@" > "$REC/tar-nd.argv"; echo "Total bytes written: 6 (x)" >&2',
          'elif [ "$4" = /dev/null ]; then printf \'%s\\0\' "$@" > "$REC/tar-n.argv"; echo "Total bytes written: 6 (x)" >&2',
          'elif [ "$5" = -T ]; then printf \'%s\\0\' "$@" > "$REC/tar-cd.argv"; printf direct',
          'else printf \'%s\\0\' "$@" > "$REC/tar-c.argv"; printf images; fi',
        ].join('\n'),
      );
      // The direct stream's two ends (direct-stream.ts builds socat command lines; the scripts eval them): a FIFO
      // between them, and hostile arguments that must arrive as given.
      const fifo = path.join(tmp, 'rec', 'direct.fifo');
      rmSync(fifo, { force: true });
      execFileSync('mkfifo', [fifo]);
      const sendArgs = HOSTILE.filter((v) => v.length < 1000);
      const listenArgs = [...sendArgs].reverse();
      const direct = withDirect
        ? {
            send: quoteArgv([fakeTool("send $(x) 'q'", `cat > "$REC/direct.fifo"`), ...sendArgs]),
            listen: quoteArgv([fakeTool('listen `y` "q"', `cat "$REC/direct.fifo"`), ...listenArgs]),
            token: 'tok\'$(x)"',
          }
        : undefined;
      // CRIU, under a hostile file name: records its argv per verb; a lazy dump reports on --status-fd 3.
      const criuBody =
        'printf \'%s\\0\' "$@" > "$REC/criu.$1.argv"; n=; p=; for a; do [ "$p" = --status-fd ] && n=$a; p=$a; done; [ -z "$n" ] || eval "printf x >&$n"';
      const criu = fakeTool("cr iu;$(x)`y`'q'", criuBody);
      const lazyCriu = fakeTool('criu-lazy $(z)', criuBody);
      const exec = new LocalShellExecutor({ PATH: `${fakebin}:/usr/bin:/bin`, REC: path.join(tmp, 'rec') });
      const criuArgs = HOSTILE.filter((v) => v.length < 1000);
      const move: AddressMove = { address: '198.18.0.100', prefixLen: 32, family: 'inet', sourceDevice: 'eth0', destinationDevice: 'eth0', routes: [] };
      const srcBatch = removeBatch([move], (m) => m.sourceDevice);
      const dstBatch = addBatch([move], (m) => m.destinationDevice);
      for (const name of ['imgs;$(touch /tmp/ferry-pwned)`id` *', '-x', 'line\nbreak', 'it\'s "q"']) {
        const dir = path.join(tmp, name);
        mkdirSync(dir, { recursive: true });
        // The received images (the fake tar unpacks nothing): the guard hands the inventory to the daemon.
        if (lazy) writeFileSync(path.join(dir, 'inventory.img'), 'inventory');
        const streams = await startFreeze(
          exec,
          lazy
            ? { host: 'a', script: SOURCE_LAZY_FREEZE_SCRIPT, args: sourceLazyArgs(dir, srcBatch, direct, [criu, 'dump', ...criuArgs]), bash: true }
            : { host: 'a', script: SOURCE_FREEZE_SCRIPT, args: [dir, srcBatch, criu, 'dump', ...criuArgs], bash: true },
          lazy
            ? {
                host: 'b',
                script: DESTINATION_LAZY_FREEZE_SCRIPT,
                // Under bash, as the engine runs every freeze script (freeze-streamed.ts).
                bash: true,
                args: destinationLazyArgs(
                  dir,
                  dstBatch,
                  lazyCriu,
                  { address: '2001:db8::1', port: 27001 },
                  { guard: UFFD_HOLDER_PY, pids: [1234] },
                  `${dir}/tls`,
                  direct,
                  [criu, 'restore', ...criuArgs],
                ),
              }
            : { host: 'b', script: DESTINATION_FREEZE_SCRIPT, args: [dir, dstBatch, criu, 'restore', ...criuArgs], bash: true },
        );
        go(streams);
        let err = '';
        streams.source.stderr.on('data', (d: Buffer) => (err += d.toString()));
        streams.destination.stderr.on('data', (d: Buffer) => (err += d.toString()));
        streams.destination.stdout.resume();
        expect([await streams.source.exit, await streams.destination.exit], err).toEqual([0, 0]);
        expect(err).toContain('@@FERRY-AT sent');
        expect(err).toContain('@@FERRY-AT restored');
        expect(recordedArgv('criu.dump')).toEqual(['dump', ...criuArgs, ...(lazy ? ['--status-fd', '3'] : [])]);
        expect(recordedArgv('criu.restore')).toEqual(['restore', ...criuArgs]);
        expect(recordedArgv('nft')).toEqual(['-f', `${dir}/source-lock.nft`]);
        expect(err).toContain('@@FERRY-AT locked');
        if (lazy) {
          // Run by the guard (main/criu/uffd-holder.ts), which adds its own status pipe.
          for (let i = 0; i < 100 && !existsSync(path.join(tmp, 'rec', 'criu.lazy-pages.argv')); i++) await new Promise((r) => setTimeout(r, 20));
          const lazyArgv = recordedArgv('criu.lazy-pages');
          expect(lazyArgv.slice(0, -6)).toEqual([
            'lazy-pages',
            '--page-server',
            '--address',
            '2001:db8::1',
            '--port',
            '27001',
            '--log-file',
            `${dir}/lazy-pages.log`,
            '-v4',
            '--tls',
            '--tls-cacert',
            `${dir}/tls/ca.crt`,
            '--tls-cert',
            `${dir}/tls/cert.pem`,
            '--tls-key',
            `${dir}/tls/key.pem`,
          ]);
          // The guard's own: the stage it feeds the images through, the work folder (the restore's socket), its pipe.
          expect(lazyArgv.slice(-6, -1)).toEqual(['--images-dir', `${dir}/lazy-stage`, '--work-dir', dir, '--status-fd']);
        }
        expect(recorded('ip', 'stdin').toString()).toBe(dstBatch);
        expect(recordedArgv('tar-x')).toEqual(['-C', dir, '-xf', '-']);
        const ownFiles = [
          '--exclude=./page-stream.sock',
          '--exclude=./page-relay.pid',
          '--exclude=./page-relay.log',
          '--exclude=./tls',
          '--exclude=./direct-stream.log',
          '--exclude=./image-stream.sock',
          '--exclude=./image-relay.pid',
          '--exclude=./image-relay.log',
          '--exclude=./source-lock.nft',
          '--exclude=./source-unlock.nft',
          '--exclude=./source-unlock.sh',
          // The address hook's files: each side has its own.
          '--exclude=./hook-move.sh',
          '--exclude=./hook-move.json',
          '--exclude=./hook-move.out',
          '--exclude=./hook-move.err',
          '--exclude=./hook-move.exit',
          '--exclude=./criu-worker.ready',
          '--exclude=./criu-worker.ready.tmp',
          '--exclude=./criu-rpc.conf',
          '--exclude=./criu-rpc.conf.tmp',
        ];
        const sent = [
          '--exclude=./dump.log',
          ...(lazy ? ['--exclude=./status', '--exclude=./dump-exit.tmp', '--exclude=./dump-exit', '--exclude=./dump.pid'] : []),
          ...ownFiles,
          ...(withDirect ? ['--exclude=./pages-*.img'] : []),
          '.',
        ];
        expect(recordedArgv('tar-c')).toEqual(['-C', dir, '-cf', '-', ...sent]);
        // The byte count announced before the images: tar's count of the same archive (stream-frame.ts).
        expect(recordedArgv('tar-n')).toEqual(['-C', dir, '-cf', '/dev/null', '--totals', ...sent]);
        expect(recorded('tar', 'stdin.images').toString()).toBe('images');
        if (withDirect) {
          // Both ends got their arguments as given; the receiver took the stream after the token, to tar -x.
          expect(recordedArgv("send $(x) 'q'")).toEqual(sendArgs);
          expect(recordedArgv('listen `y` "q"')).toEqual(listenArgs);
          expect(recordedArgv('tar-cd')).toEqual(['-C', dir, '-cf', '-', '-T', '/dev/null']);
          expect(recordedArgv('tar-nd')).toEqual(['-C', dir, '-cf', '/dev/null', '--totals', '-T', '/dev/null']);
          expect(recorded('tar', 'stdin.direct').toString()).toBe('direct');
          expect(readFileSync(path.join(dir, 'direct.exit'), 'utf8').trim()).toBe('0');
          expect(err).toMatch(/@@FERRY-DIRECT 6/);
        }
        for (const f of ['criu.dump', 'criu.restore', 'criu.lazy-pages', 'tar-x', 'tar-c', 'tar-cd', 'tar-n', 'tar-nd', 'nft'])
          rmSync(path.join(tmp, 'rec', `${f}.argv`), { force: true });
        for (const f of ['tar.stdin.images', 'tar.stdin.direct']) rmSync(path.join(tmp, 'rec', f), { force: true });
      }
    },
  );
});

describe('address moves (address-move.ts: ip -batch lines and arping/neighbour-advertisement argv)', { timeout: 60_000 }, () => {
  const ok: AddressMove = {
    address: '198.18.0.100',
    prefixLen: 24,
    family: 'inet',
    sourceDevice: 'eth0',
    destinationDevice: 'eth1',
    routes: [
      { dst: '198.18.1.0/24', dev: 'eth0', gateway: '198.18.0.1' },
      { dst: 'default', dev: 'eth0' },
    ],
  };
  const hostileMoves: Array<[string, Partial<AddressMove>]> = [
    ['device with a newline and a second command', { destinationDevice: 'eth1\naddr flush dev eth0' }],
    ['device with a space', { destinationDevice: 'eth1 label x' }],
    ['option-like device', { destinationDevice: '-x' }],
    ['device with $()', { destinationDevice: '$(id)' }],
    ['device too long', { destinationDevice: 'a'.repeat(16) }],
    ['device ..', { destinationDevice: '..' }],
    ['device with NUL', { destinationDevice: NUL }],
    ['address with a second line', { address: '198.18.0.100/32 dev lo\naddr flush dev eth0' }],
    ['address with ;', { address: '198.18.0.100;' }],
    ['option-like address', { address: '-h' }],
    ['empty address', { address: '' }],
    ['address of the other family', { address: '2001:db8::1' }],
    ['non-canonical address', { address: '2001:DB8::1', family: 'inet6' }],
    ['prefix with words', { prefixLen: '24 dev lo' as unknown as number }],
    ['prefix too long', { prefixLen: 33 }],
    ['negative prefix', { prefixLen: -1 }],
    ['route destination with a second line', { routes: [{ dst: 'default\nroute flush all', dev: 'eth0' }] }],
    ['route destination with a word', { routes: [{ dst: '198.18.1.0/24 table 5', dev: 'eth0' }] }],
    ['route gateway hostile', { routes: [{ dst: 'default', dev: 'eth0', gateway: '198.18.0.1 onlink' }] }],
    ['route device hostile', { routes: [{ dst: 'default', dev: 'eth0;x' }] }],
  ];

  it.each(hostileMoves)('refuses a %s with BAD_INPUT before anything runs', async (_what, over) => {
    const move = { ...ok, ...over } as AddressMove;
    const exec = new LocalShellExecutor();
    badInput(() => addBatch([move], (m) => m.destinationDevice));
    if (over.address !== undefined || over.prefixLen !== undefined || over.sourceDevice !== undefined)
      badInput(() => removeBatch([move], (m) => m.sourceDevice));
    if (!over.routes) await badInputAsync(announceAddresses(exec, 'b', [move], (m) => m.destinationDevice));
    expect(exec.calls).toEqual([]);
  });

  it('writes exactly the intended ip -batch tokens, which ip accepts (in a private network namespace)', () => {
    const add = addBatch([ok], (m) => m.destinationDevice);
    expect(
      add
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')),
    ).toEqual([
      ['addr', 'add', '198.18.0.100/24', 'dev', 'eth1'],
      ['route', 'replace', '198.18.1.0/24', 'via', '198.18.0.1', 'dev', 'eth1', 'src', '198.18.0.100'],
      ['route', 'replace', 'default', 'dev', 'eth1', 'src', '198.18.0.100'],
    ]);
    if (process.getuid?.() !== 0) return;
    const script = `ip link add eth1 type veth peer name eth2 && ip link set eth1 up && ip link set eth2 up && ip link set lo up && ip -batch - && ip -j addr show dev eth1 && ip -j route`;
    const out = execFileSync('unshare', ['--net', 'sh', '-c', script], { input: add, encoding: 'utf8' });
    expect(out).toContain('"local":"198.18.0.100"');
    expect(out).toContain('"dst":"198.18.1.0/24","gateway":"198.18.0.1"');
  });

  it('announces with argv that arrive byte-exact', async () => {
    const exec = new LocalShellExecutor();
    const v6: AddressMove = { address: '2001:db8::100', prefixLen: 128, family: 'inet6', sourceDevice: 'eth0', destinationDevice: 'e-1.x_2', routes: [] };
    await announceAddresses(exec, 'b', [ok, v6], (m) => m.destinationDevice, 1);
    expect(exec.calls).toEqual(
      expect.arrayContaining([['arping', '-U', '-c', '1', '-I', 'eth1', '198.18.0.100'], unsolicitedNaArgv('2001:db8::100', 'e-1.x_2', 1)]),
    );
    for (const argv of exec.calls) expectByteExact(argv);
  });
});

describe('host probe (host-probe.ts: a fixed script with positional arguments)', { timeout: 60_000 }, () => {
  const saved = process.env.FERRY_CRIU;
  afterAll(() => {
    if (saved === undefined) delete process.env.FERRY_CRIU;
    else process.env.FERRY_CRIU = saved;
  });

  it('refuses a hostile FERRY_CRIU or PID before anything runs', async () => {
    const exec = new LocalShellExecutor();
    for (const v of ['criu', './criu', '/opt/criu;id', '/opt/$(id)', '/opt/cr iu', '/opt/criu\n/x', '/opt/*', '-x', '/a:/b']) {
      badInput(() => criuCandidates({ FERRY_CRIU: v }), /FERRY_CRIU must be an absolute path/);
      // The probe is given its candidates (the controller reads FERRY_CRIU) and refuses odd ones too.
      if (v !== 'criu') await badInputAsync(probeHost(exec, 'a', { criu: [v] }));
    }
    for (const pid of [0, -1, 1.5, NaN, 2 ** 40]) await badInputAsync(probeHost(exec, 'a', { statPid: pid }));
    expect(exec.calls).toEqual([]);
  });

  it('runs for real with its positional arguments intact', async () => {
    process.env.FERRY_CRIU = '/nonexistent/ferry-criu+x_1.2';
    const exec = new LocalShellExecutor();
    const snap = await probeHost(exec, 'local', { criu: criuCandidates(), statPid: process.pid, processes: true });
    delete process.env.FERRY_CRIU;
    expect(snap.stat?.pid).toBe(process.pid);
    expect(snap.criu).toBeUndefined();
    expect(snap.processes?.some((p) => p.pid === process.pid)).toBe(true);
    const argv = exec.calls[0]!;
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[4]).toBe('/nonexistent/ferry-criu+x_1.2');
    expectByteExact(argv);
  });
});

describe('destination pre-lock (pre-lock.ts: nft text and the CRIU action script)', { timeout: 60_000 }, () => {
  it('refuses hostile table names, and the migration id cannot make one', () => {
    for (const name of ['x; flush ruleset', 'a\nb', '-x', '', '$(id)', 'a b', '1abc', 'a'.repeat(65), NUL]) {
      badInput(() => preLockTableText(name, []));
      badInput(() => unlockActionScript(name));
    }
    for (const id of ['m-1; flush ruleset', '$(id)`id`\n', '../../x', '-x']) {
      const name = preLockTableName(id);
      expect(name).toMatch(/^ferry-[A-Za-z0-9-]*$/);
      expect(() => unlockActionScript(name)).not.toThrow();
    }
  });

  it('leaves out sockets whose addresses or ports are not clean', () => {
    const sock = (local: string, lport: unknown, remote = '198.18.0.1'): TcpSocket => ({
      state: 'ESTAB',
      recvQ: 0,
      sendQ: 0,
      local: { address: local, port: lport as number },
      remote: { address: remote, port: 7000 },
      owners: [],
      extra: {},
    });
    const text = preLockTableText('ferry-m-1', [
      sock('198.18.0.100 } ; flush ruleset ; table ip x {', 1),
      sock('198.18.0.100', '1 . 2' as unknown),
      sock('198.18.0.100', 70000),
      sock('198.18.0.100', 5000, '2001:db8::1'),
      sock('198.18.0.100', 5001),
    ]);
    expect(text).not.toContain('flush');
    expect(/elements = \{ (.*) \}/.exec(text)?.[1]).toBe('198.18.0.100 . 5001 . 198.18.0.1 . 7000, 198.18.0.1 . 7000 . 198.18.0.100 . 5001');
    if (process.getuid?.() === 0) execFileSync('unshare', ['--net', 'nft', '-c', '-f', '-'], { input: text });
  });

  it('the action script opens exactly its table, and only at post-restore', () => {
    fakeTool('nft');
    const name = preLockTableName('m-20260101-000000-abcdef');
    const script = path.join(tmp, 'unlock.sh');
    writeFileSync(script, unlockActionScript(name));
    chmodSync(script, 0o700);
    const env = { PATH: `${fakebin}:/usr/bin:/bin`, REC: path.join(tmp, 'rec') };
    rmSync(path.join(tmp, 'rec', 'nft.argv'), { force: true });
    execFileSync(script, { env: { ...env, CRTOOLS_SCRIPT_ACTION: 'network-unlock' } });
    expect(existsSync(path.join(tmp, 'rec', 'nft.argv'))).toBe(false);
    execFileSync(script, { env: { ...env, CRTOOLS_SCRIPT_ACTION: 'post-restore' } });
    expect(recordedArgv('nft')).toEqual(['add', 'element', 'inet', name, 'open', '{ tcp }']);
  });
});
