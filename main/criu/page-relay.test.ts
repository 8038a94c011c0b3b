import { describe, expect, it } from 'vitest';
import { connectingRelayArgv, listeningRelayArgv, pageStreamPaths, withSocketFd3 } from './page-relay';

describe('page-stream relay argv', () => {
  const p = pageStreamPaths('/var/lib/ferry/images/m-1-restore');
  const tls = { ca: p.ca, cert: p.cert, key: p.key };

  it('listens: the page server\'s UNIX connection first, then one TLS client with a certificate of this CA', () => {
    expect(listeningRelayArgv({ socket: p.socket, address: '198.18.0.3', port: 27001, tls })).toEqual([
      'socat', '-b', '1048576', `UNIX-LISTEN:${p.socket},unlink-early,umask=077`,
      `OPENSSL-LISTEN:27001,bind=198.18.0.3,reuseaddr,nodelay,pf=ip4,cafile=${p.ca},cert=${p.cert},key=${p.key},verify=1`,
    ]);
    expect(listeningRelayArgv({ socket: p.socket, address: '2001:db8::3', port: 27001 })[4]).toBe('TCP-LISTEN:27001,bind=[2001:db8::3],reuseaddr,nodelay,pf=ip6');
  });

  it('connects first (TLS, checking the listener\'s certificate names its address), then waits for the dump', () => {
    expect(connectingRelayArgv({ socket: p.socket, address: '198.18.0.3', port: 27001, bind: '198.18.0.2', tls })).toEqual([
      'socat', '-b', '1048576',
      `OPENSSL:198.18.0.3:27001,bind=198.18.0.2,nodelay,retry=150,interval=0.02,cafile=${p.ca},cert=${p.cert},key=${p.key},verify=1,commonname=198.18.0.3`,
      `UNIX-LISTEN:${p.socket},unlink-early,umask=077`,
    ]);
  });

  it('runs a program with the socket as fd 3', () => {
    expect(withSocketFd3(p.socket, ['criu', 'dump']).slice(0, 2)).toEqual(['perl', '-e']);
    expect(withSocketFd3(p.socket, ['criu', 'dump']).slice(3)).toEqual([p.socket, 'criu', 'dump']);
  });
});
