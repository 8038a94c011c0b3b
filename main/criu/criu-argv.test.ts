import { describe, expect, it } from 'vitest';
import { criuDumpArgv, criuDumpRequest, criuLazyDumpConfig, criuRestoreArgv } from './criu-argv';

describe('CRIU command lines', () => {
  it('dumps the tree with its established connections, locked by nftables, logging verbosely', () => {
    const argv = criuDumpArgv({ criu: '/opt/ferry/bin/criu', pid: 4242, imageDir: '/i/d', logFile: '/i/d/dump.log', shellJob: false });
    expect(argv).toEqual([
      '/opt/ferry/bin/criu',
      'dump',
      '--tree',
      '4242',
      '--images-dir',
      '/i/d',
      '--tcp-established',
      '--network-lock',
      'nftables',
      '--file-locks',
      '--log-file',
      '/i/d/dump.log',
      '-v4',
    ]);
    expect(criuDumpArgv({ criu: 'criu', pid: 1, imageDir: 'x', logFile: 'y', shellJob: true })).toContain('--shell-job');
    expect(
      criuDumpArgv({ criu: 'criu', pid: 1, imageDir: 'x', logFile: 'y', shellJob: false, pageServer: { address: '198.18.0.3', port: 27001 } }).slice(-5),
    ).toEqual(['--page-server', '--address', '198.18.0.3', '--port', '27001']);
  });

  it('sends pages over an inherited socket (fd 3), or serves them lazily with TLS; never two of those at once', () => {
    const base = { criu: 'criu', pid: 1, imageDir: '/x', logFile: '/y', shellJob: false };
    expect(criuDumpArgv({ ...base, pageSocketFd3: true }).slice(-3)).toEqual(['--page-server', '--ps-socket', '3']);
    const tls = { ca: '/x/tls/ca.crt', cert: '/x/tls/cert.pem', key: '/x/tls/key.pem' };
    expect(criuDumpArgv({ ...base, lazyPages: { address: '198.18.0.2', port: 27001 }, tls }).slice(-12)).toEqual([
      '--lazy-pages',
      '--address',
      '198.18.0.2',
      '--port',
      '27001',
      '--tls',
      '--tls-cacert',
      '/x/tls/ca.crt',
      '--tls-cert',
      '/x/tls/cert.pem',
      '--tls-key',
      '/x/tls/key.pem',
    ]);
    expect(() => criuDumpArgv({ ...base, pageSocketFd3: true, lazyPages: { address: '198.18.0.2', port: 27001 } })).toThrow(/one of/);
    expect(() => criuDumpArgv({ ...base, tls: { ...tls, key: '--tls-key' } })).toThrow(/key/);
  });

  it('restores detached (criu returns once the tree runs) with a pidfile', () => {
    const argv = criuRestoreArgv({ criu: 'criu', imageDir: '/i/r', logFile: '/i/r/restore.log', pidFile: '/i/r/pid', shellJob: false });
    expect(argv.slice(0, 2)).toEqual(['criu', 'restore']);
    expect(argv).toEqual(expect.arrayContaining(['--restore-detached', '--tcp-established', '--pidfile', '/i/r/pid']));
    expect(argv[argv.indexOf('--network-lock') + 1]).toBe('nftables');
    expect(argv).not.toContain('--shell-job');
    expect(criuRestoreArgv({ criu: 'criu', imageDir: 'r', logFile: 'l', pidFile: 'p', shellJob: false, actionScript: '/r/unlock.sh' }).slice(-2)).toEqual([
      '--action-script',
      '/r/unlock.sh',
    ]);
  });

  it('a lazy dump for a pre-started CRIU: only with its config file (where it serves) and status descriptor', () => {
    const lazy = { criu: 'criu', pid: 9, imageDir: '/i/d', logFile: '/i/d/dump.log', shellJob: false, lazyPages: { address: '2001:2::2', port: 27003 } };
    expect(criuLazyDumpConfig(lazy)).toBe('address 2001:2::2\nport 27003\n');
    expect(criuDumpRequest(lazy, { configFile: '/i/d/criu-rpc.conf', statusFd: 47 }).length).toBeGreaterThan(40);
    expect(() => criuDumpRequest(lazy)).toThrow(/config file and status/);
    expect(() => criuDumpRequest({ ...lazy, lazyPages: undefined }, { configFile: '/i/d/c', statusFd: 47 })).toThrow(/config file and status/);
    expect(() => criuLazyDumpConfig({ ...lazy, lazyPages: { address: '198.18.0.2 x', port: 1 } })).toThrow(/lazy-pages address/);
    expect(() => criuDumpRequest({ ...lazy, lazyPages: undefined, pageServer: { address: '198.18.0.3', port: 1 } })).toThrow(/pre-started/);
  });
});
