// The streamed mode's page stream: CRIU on each side talks to a local socat relay over a UNIX socket, and the
// two relays talk TLS (or plain TCP) to each other with TCP_NODELAY.
//
// Why a relay, and why UNIX sockets (read in CRIU 4.2's criu/page-xfer.c): connect_to_page_server() corks the
// page-server socket (tcp_cork(sk, true)), and disconnect_from_page_server() sends its close request without
// uncorking or pushing, then waits for the answer: the request waits for the kernel's 200 ms cork ceiling while
// the process is still frozen (measured: 200-210 ms in every streamed dump). CRIU corks a socket handed to it with
// --ps-socket too, and TCP_CORK wins over TCP_NODELAY: a TCP socket connected with TCP_NODELAY and passed as
// --ps-socket stalled the same 203 ms. On a UNIX socket TCP_CORK fails (CRIU only warns) and nothing waits: the
// gap measured 0.2 ms. CRIU's own --tls cannot help: with --ps-socket the dump skips its TLS set-up, over a TCP
// socket of its own the stall stays (206 ms with --tls), and its TLS page server expects record boundaries that
// only CRIU's own sender produces (a socat TLS client stalls it). So the relays do the TLS, with keys made for
// this migration, and their connection (TCP connect and TLS handshake) is made before the freeze.
// Streamed mode only: CRIU's lazy page server takes a clean end of its stream for the end of the session, and a
// relay turns every broken link into a clean close, so lazy mode keeps CRIU's own TCP (and --tls).
import { FerryError } from '../../app/errors';
import { parseIpAddress } from '../../app/ip-address';

/**
 * The page-stream files' names inside an image folder: each side's own, never sent with the images. `image*`: the
 * image stream's relay (the small images, source → destination, beside the page stream: see image-stream.ts).
 */
export const PAGE_STREAM_FILES = {
  socket: 'page-stream.sock',
  pidFile: 'page-relay.pid',
  log: 'page-relay.log',
  tlsDir: 'tls',
  directLog: 'direct-stream.log',
  imageSocket: 'image-stream.sock',
  imagePidFile: 'image-relay.pid',
  imageLog: 'image-relay.log',
} as const;

/** Where one side keeps its page-stream files (inside its image folder, 0700). */
export function pageStreamPaths(dir: string) {
  const f = PAGE_STREAM_FILES;
  return {
    socket: `${dir}/${f.socket}`,
    pidFile: `${dir}/${f.pidFile}`,
    log: `${dir}/${f.log}`,
    tlsDir: `${dir}/${f.tlsDir}`,
    /** Lazy mode's direct stream of shared memory: its socat log (main/criu/direct-stream.ts). */
    directLog: `${dir}/${f.directLog}`,
    ca: `${dir}/tls/ca.crt`,
    cert: `${dir}/tls/cert.pem`,
    key: `${dir}/tls/key.pem`,
    imageSocket: `${dir}/${f.imageSocket}`,
    imagePidFile: `${dir}/${f.imagePidFile}`,
    imageLog: `${dir}/${f.imageLog}`,
  };
}

/**
 * Connects UNIX sockets (each retried for up to 3 s while its listener comes up) and runs argv with each one as
 * the given descriptor (perl-base is on every Debian system; the sockets are made inheritable, fds up to 255 are,
 * and no other copy of them stays open).
 * `perl -e CONNECT_FDS FD SOCKET [FD SOCKET…] -- PROGRAM ARGS…`
 */
export const CONNECT_FDS = [
  'BEGIN { $^F = 255 } use Socket; use POSIX ();',
  'my @pairs; while (@ARGV && $ARGV[0] ne "--") { my $fd = shift @ARGV; my $path = shift @ARGV; push @pairs, [$fd, $path] } shift @ARGV;',
  // @keep holds each handle until exec (a lexical going out of scope would close its descriptor).
  'my @keep; for my $p (@pairs) { my ($fd, $path) = @$p; my $s; my $ok; push @keep, \\$s;',
  '  for (1 .. 300) { socket($s, AF_UNIX, SOCK_STREAM, 0) or die "ferry-connect: socket: $!\\n";',
  '    if (connect($s, pack_sockaddr_un($path))) { $ok = 1; last } close($s); select(undef, undef, undef, 0.01) }',
  '  $ok or die "ferry-connect: cannot connect to $path: $!\\n";',
  '  if (fileno($s) != $fd) { POSIX::dup2(fileno($s), $fd) or die "ferry-connect: dup2: $!\\n"; close($s) } }',
  'exec { $ARGV[0] } @ARGV or die "ferry-connect: cannot run $ARGV[0]: $!\\n";',
].join('\n');

/** argv run with each descriptor connected to its UNIX socket (in order), e.g. [[3, page socket], [1, image socket]]. */
export function withSockets(fds: readonly (readonly [number, string])[], argv: string[]): string[] {
  const pairs: string[] = [];
  for (const [fd, socket] of fds) {
    checkSocatPath('page-stream socket', socket);
    if (!Number.isInteger(fd) || fd < 0 || fd > 9)
      throw new FerryError({ code: 'BAD_INPUT', message: `refusing descriptor ${JSON.stringify(fd)} for a page-stream socket` });
    pairs.push(String(fd), socket);
  }
  return ['perl', '-e', CONNECT_FDS, ...pairs, '--', ...argv];
}

/** argv run with fd 3 connected to the UNIX socket at `socket`. */
export function withSocketFd3(socket: string, argv: string[]): string[] {
  return withSockets([[3, socket]], argv);
}

/** TLS material of one side (PEM files), or none for a plain TCP stream. */
export interface RelayTls {
  ca: string;
  cert: string;
  key: string;
}

/** socat's buffer for the page streams (1 MiB). */
export const SOCAT_BUFFER = String(1 << 20);

/**
 * The listening relay (streamed: on the destination). It first accepts the local page server's connection on
 * `socket` (CRIU is started with --ps-socket on it), then listens on address:port for the source's relay (one
 * connection; TLS with a client certificate from this migration's CA when `tls`), then relays both ways.
 * `remoteFirst` (the image stream): the other way round, the remote relay first, then the local socket.
 */
export function listeningRelayArgv(a: { socket: string; address: string; port: number; tls?: RelayTls; remoteFirst?: boolean }): string[] {
  checkSocatPath('page-stream socket', a.socket);
  const ip = checkAddress(a.address, a.port);
  const common = [`bind=${ip.bracketed}`, 'reuseaddr', 'nodelay', `pf=${ip.family === 4 ? 'ip4' : 'ip6'}`];
  const remote = a.tls ? `OPENSSL-LISTEN:${a.port},${[...common, ...tlsOptions(a.tls), 'verify=1'].join(',')}` : `TCP-LISTEN:${a.port},${common.join(',')}`;
  const local = `UNIX-LISTEN:${a.socket},unlink-early,umask=077`;
  return ['socat', '-b', SOCAT_BUFFER, ...(a.remoteFirst ? [remote, local] : [local, remote])];
}

/**
 * The connecting relay (streamed: on the source). It first connects to the listening relay (retrying while it
 * comes up; TLS, checking the listener's certificate and address against this migration's CA), then listens
 * on `socket` for the dump (`criu dump --ps-socket 3`), then relays both ways.
 */
export function connectingRelayArgv(a: { socket: string; address: string; port: number; bind?: string; tls?: RelayTls; commonName?: string }): string[] {
  checkSocatPath('page-stream socket', a.socket);
  const ip = checkAddress(a.address, a.port);
  const bind = a.bind === undefined ? [] : [`bind=${checkAddress(a.bind, 1).bracketed}`];
  const common = [...bind, 'nodelay', 'retry=150', 'interval=0.02'];
  const remote = a.tls
    ? `OPENSSL:${ip.bracketed}:${a.port},${[...common, ...tlsOptions(a.tls), 'verify=1', `commonname=${a.commonName === undefined ? ip.address : checkAddress(a.commonName, 1).address}`].join(',')}`
    : `TCP:${ip.bracketed}:${a.port},${common.join(',')}`;
  return ['socat', '-b', SOCAT_BUFFER, remote, `UNIX-LISTEN:${a.socket},unlink-early,umask=077`];
}

/** socat's TLS options of one side (this migration's CA, certificate and key). */
export function tlsOptions(t: RelayTls): string[] {
  checkSocatPath('CA file', t.ca);
  checkSocatPath('certificate', t.cert);
  checkSocatPath('key', t.key);
  return [`cafile=${t.ca}`, `cert=${t.cert}`, `key=${t.key}`];
}

/** socat parses its address strings (`,` `:` `!` `[` and spaces mean something): paths must avoid them. */
export function checkSocatPath(what: string, p: string): void {
  if (typeof p !== 'string' || !/^\/[A-Za-z0-9._/-]{1,200}$/.test(p) || p.includes('..')) {
    throw new FerryError({
      code: 'BAD_INPUT',
      message: `refusing ${what} path ${JSON.stringify(p)} for the page-stream relay: an absolute path of letters, digits, '.', '_', '-' and '/'`,
      hint: 'choose an --image-base without spaces or punctuation',
    });
  }
}

/** A canonical address and a port for a socat address string (IPv6 bracketed); refuses anything else. */
export function checkAddress(address: string, port: number): { address: string; family: 4 | 6; bracketed: string } {
  const ip = parseIpAddress(address);
  if (!ip || ip.address !== address || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new FerryError({ code: 'BAD_INPUT', message: `refusing page-stream endpoint ${JSON.stringify(address)}:${JSON.stringify(port)}` });
  }
  return { address: ip.address, family: ip.family, bracketed: ip.family === 6 ? `[${ip.address}]` : ip.address };
}

/**
 * Starts a relay detached (own session, no descriptor of the SSH session) and waits until it listens on its
 * UNIX socket, or fails with its log when it exits first or after 5 s:
 * $1 pid file, $2 log file, $3 the relay's UNIX socket, $4.. the relay argv.
 */
export const RELAY_START_SCRIPT = [
  'pidf=$1; log=$2; sock=$3; shift 3',
  'rm -f "$sock"',
  'setsid "$@" </dev/null >>"$log" 2>&1 &',
  'p=$!; echo "$p" >"$pidf"',
  'i=0; while [ ! -S "$sock" ]; do',
  '  case $(cut -d" " -f3 "/proc/$p/stat" 2>/dev/null) in ""|Z) echo "the page-stream relay exited: $(tail -n 3 "$log")" >&2; exit 1;; esac',
  '  [ $i -lt 500 ] || { echo "the page-stream relay did not come up in 5 s: $(tail -n 3 "$log")" >&2; kill "$p"; exit 1; }',
  '  sleep 0.01; i=$((i+1))',
  'done',
].join('\n');

/** Stops what the pid files name (relays, a page server), fine when they already exited: $@ the pid files. */
export const STOP_PIDS_SCRIPT = 'for f; do p=$(cat "$f" 2>/dev/null) && kill "$p" 2>/dev/null; done; exit 0';
