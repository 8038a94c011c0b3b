import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectingRelayArgv, listeningRelayArgv, pageStreamPaths, withSocketFd3, withSockets } from './page-relay';

describe('page-stream relay argv', () => {
  const p = pageStreamPaths('/var/lib/ferry/images/m-1-restore');
  const tls = { ca: p.ca, cert: p.cert, key: p.key };

  it("listens: the page server's UNIX connection first, then one TLS client with a certificate of this CA", () => {
    expect(listeningRelayArgv({ socket: p.socket, address: '198.18.0.3', port: 27001, tls })).toEqual([
      'socat',
      '-b',
      '1048576',
      `UNIX-LISTEN:${p.socket},unlink-early,umask=077`,
      `OPENSSL-LISTEN:27001,bind=198.18.0.3,reuseaddr,nodelay,pf=ip4,cafile=${p.ca},cert=${p.cert},key=${p.key},verify=1`,
    ]);
    expect(listeningRelayArgv({ socket: p.socket, address: '2001:db8::3', port: 27001 })[4]).toBe(
      'TCP-LISTEN:27001,bind=[2001:db8::3],reuseaddr,nodelay,pf=ip6',
    );
  });

  it("connects first (TLS, checking the listener's certificate names its address), then waits for the dump", () => {
    expect(connectingRelayArgv({ socket: p.socket, address: '198.18.0.3', port: 27001, bind: '198.18.0.2', tls })).toEqual([
      'socat',
      '-b',
      '1048576',
      `OPENSSL:198.18.0.3:27001,bind=198.18.0.2,nodelay,retry=150,interval=0.02,cafile=${p.ca},cert=${p.cert},key=${p.key},verify=1,commonname=198.18.0.3`,
      `UNIX-LISTEN:${p.socket},unlink-early,umask=077`,
    ]);
  });

  it('runs a program with the socket as fd 3', () => {
    expect(withSocketFd3(p.socket, ['criu', 'dump']).slice(0, 2)).toEqual(['perl', '-e']);
    expect(withSocketFd3(p.socket, ['criu', 'dump']).slice(3)).toEqual(['3', p.socket, '--', 'criu', 'dump']);
  });

  it("the image stream: the listener takes the remote relay first; the connector checks the certificate's own name", () => {
    expect(listeningRelayArgv({ socket: p.imageSocket, address: '198.18.0.3', port: 27003, tls, remoteFirst: true }).slice(3)).toEqual([
      `OPENSSL-LISTEN:27003,bind=198.18.0.3,reuseaddr,nodelay,pf=ip4,cafile=${p.ca},cert=${p.cert},key=${p.key},verify=1`,
      `UNIX-LISTEN:${p.imageSocket},unlink-early,umask=077`,
    ]);
    expect(connectingRelayArgv({ socket: p.imageSocket, address: '198.18.0.3', port: 27003, bind: '198.18.0.2', tls, commonName: '198.18.0.2' })[3]).toMatch(
      /,commonname=198\.18\.0\.2$/,
    );
  });

  it('connects several sockets to their descriptors, keeping no other copy open (real perl and sockets)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-fds-'));
    try {
      const listen = (name: string) => spawn('socat', ['-u', `UNIX-LISTEN:${path.join(dir, name)}`, `CREATE:${path.join(dir, `${name}.out`)}`]);
      const servers = [listen('a.sock'), listen('b.sock')];
      const argv = withSockets(
        [
          [3, path.join(dir, 'a.sock')],
          [1, path.join(dir, 'b.sock')],
        ],
        ['sh', '-c', 'echo three >&3; echo one; for f in /proc/$$/fd/*; do [ "${f##*/}" -gt 3 ] && readlink "$f"; done | grep -c "^socket:"; true'],
      );
      const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      await Promise.all(servers.map((s) => new Promise((res) => s.on('exit', res))));
      expect(readFileSync(path.join(dir, 'a.sock.out'), 'utf8')).toBe('three\n');
      // No socket beyond fd 3 in the program: no other copy of either.
      expect(readFileSync(path.join(dir, 'b.sock.out'), 'utf8')).toBe('one\n0\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
