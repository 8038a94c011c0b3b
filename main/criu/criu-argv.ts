// Builds CRIU command lines (argv arrays) for dump and restore of a process tree with TCP connections.
import { FerryError } from '../../app/errors';
import { parseIpAddress } from '../../app/ip-address';
import { MIGRATION_LIMITS } from '../../app/contract/schemas';
import { criuLazyPagesConfig, criuRpcRequest } from '../../app/criu/criu-rpc';
import path from 'node:path';

export interface CriuDumpArgs {
  criu: string;
  pid: number;
  imageDir: string;
  logFile: string;
  shellJob: boolean;
  /** Send the memory pages to this page server instead of the images folder. */
  pageServer?: { address: string; port: number };
  /** Send the memory pages to a page server over the socket already open as fd 3 (a relay: see page-relay.ts). */
  pageSocketFd3?: boolean;
  /** Leave the memory out and serve it lazily on this address and port after the dump. */
  lazyPages?: { address: string; port: number };
  /** CRIU's own TLS on the page connection (lazy mode): this migration's CA, this side's certificate and key. */
  tls?: CriuTls;
  /** 'skip': the connections are locked by Ferry (app/plan/pre-lock.ts, the source lock); default CRIU's nftables. */
  networkLock?: 'nftables' | 'skip';
}

/** PEM files for CRIU's --tls. */
export interface CriuTls {
  ca: string;
  cert: string;
  key: string;
}

/** CRIU's TLS options (the peer's certificate must come from `ca` and name the listener's address). */
export function criuTlsArgv(t: CriuTls): string[] {
  checkPath('CA file', t.ca);
  checkPath('certificate', t.cert);
  checkPath('key', t.key);
  return ['--tls', '--tls-cacert', t.ca, '--tls-cert', t.cert, '--tls-key', t.key];
}

/** `criu dump` of the tree rooted at pid, established TCP connections included, locked with nftables. */
export function criuDumpArgv(a: CriuDumpArgs): string[] {
  checkPath('CRIU', a.criu);
  checkPath('image folder', a.imageDir);
  checkPath('log file', a.logFile);
  if (!Number.isInteger(a.pid) || a.pid < 1 || a.pid > MIGRATION_LIMITS.pidMax) bad(`PID ${JSON.stringify(a.pid)}`);
  if (a.pageServer) checkEndpoint('page server', a.pageServer);
  if (a.lazyPages) checkEndpoint('lazy-pages', a.lazyPages);
  if ([a.pageServer, a.pageSocketFd3, a.lazyPages].filter(Boolean).length > 1) bad('page transfer: one of page server, page socket, lazy pages');
  return [
    a.criu,
    'dump',
    '--tree',
    String(a.pid),
    '--images-dir',
    a.imageDir,
    '--tcp-established',
    '--network-lock',
    a.networkLock ?? 'nftables',
    '--file-locks',
    '--log-file',
    a.logFile,
    '-v4',
    ...(a.shellJob ? ['--shell-job'] : []),
    ...(a.pageServer ? ['--page-server', '--address', a.pageServer.address, '--port', String(a.pageServer.port)] : []),
    ...(a.pageSocketFd3 ? ['--page-server', '--ps-socket', '3'] : []),
    ...(a.lazyPages ? ['--lazy-pages', '--address', a.lazyPages.address, '--port', String(a.lazyPages.port)] : []),
    ...(a.tls ? criuTlsArgv(a.tls) : []),
  ];
}

export interface CriuRestoreArgs {
  criu: string;
  imageDir: string;
  logFile: string;
  shellJob: boolean;
  pidFile: string;
  /** Script CRIU runs at each action (Ferry's drops the destination pre-lock at post-restore). */
  actionScript?: string;
  /** Restore without memory; a lazy-pages daemon serves the page faults. */
  lazyPages?: boolean;
}

/** `criu restore` detached (criu exits once the tree runs), unlocking the network at the end. */
export function criuRestoreArgv(a: CriuRestoreArgs): string[] {
  checkPath('CRIU', a.criu);
  checkPath('image folder', a.imageDir);
  checkPath('log file', a.logFile);
  checkPath('pid file', a.pidFile);
  if (a.actionScript !== undefined) checkPath('action script', a.actionScript);
  return [
    a.criu,
    'restore',
    '--images-dir',
    a.imageDir,
    '--tcp-established',
    '--network-lock',
    'nftables',
    '--file-locks',
    '--restore-detached',
    '--pidfile',
    a.pidFile,
    '--log-file',
    a.logFile,
    '-v4',
    ...(a.shellJob ? ['--shell-job'] : []),
    ...(a.actionScript ? ['--action-script', a.actionScript] : []),
    ...(a.lazyPages ? ['--lazy-pages'] : []),
  ];
}

/**
 * The same dump as criuDumpArgv, as a request for a pre-started CRIU (app/criu/criu-rpc.ts, main/criu/criu-swrk.ts).
 * The log must sit in the images folder (CRIU's work folder in RPC mode). A lazy dump needs `lazy`: the config file
 * giving its page server the address and port (RPC ignores ps.address for lazy pages: criuLazyPagesConfig), and the
 * client's descriptor CRIU writes its ready byte to.
 */
export function criuDumpRequest(a: CriuDumpArgs, lazy?: { configFile: string; statusFd: number }): Uint8Array {
  criuDumpArgv(a);
  if (a.pageServer) bad('pre-started dump: a page socket, lazy pages or the images folder');
  if (!!a.lazyPages !== !!lazy) bad('pre-started lazy dump: its config file and status descriptor');
  if (lazy) checkPath('config file', lazy.configFile);
  return criuRpcRequest('dump', {
    imagesDir: a.imageDir,
    logFile: logName(a.imageDir, a.logFile),
    logLevel: 4,
    pid: a.pid,
    tcpEstablished: true,
    fileLocks: true,
    shellJob: a.shellJob,
    ...(a.pageSocketFd3 ? { pageServerFd: 3 } : {}),
    ...(lazy ? { lazyPages: true, configFile: lazy.configFile, statusFd: lazy.statusFd } : {}),
    ...(a.tls ? { tls: a.tls } : {}),
    networkLock: a.networkLock ?? 'nftables',
  });
}

/** A lazy dump's CRIU configuration file (for its request's config_file): where it serves the pages. */
export function criuLazyDumpConfig(a: CriuDumpArgs): string {
  if (!a.lazyPages) bad('CRIU config file: not a lazy dump');
  criuDumpArgv(a);
  return criuLazyPagesConfig(a.lazyPages.address, a.lazyPages.port);
}

/**
 * The same restore as criuRestoreArgv, as a request for a pre-started CRIU: CRIU's action notifications go to the
 * client, which runs the action script at post-restore and writes the pid file from CRIU's answer.
 */
export function criuRestoreRequest(a: CriuRestoreArgs): Uint8Array {
  criuRestoreArgv(a);
  return criuRpcRequest('restore', {
    imagesDir: a.imageDir,
    logFile: logName(a.imageDir, a.logFile),
    logLevel: 4,
    tcpEstablished: true,
    fileLocks: true,
    shellJob: a.shellJob,
    notifyScripts: true,
    ...(a.lazyPages ? { lazyPages: true } : {}),
  });
}

/** The log's bare name: in RPC mode CRIU writes it in the images folder and refuses any other path. */
function logName(dir: string, logFile: string): string {
  if (path.posix.dirname(logFile) !== dir) bad(`log file ${JSON.stringify(logFile)} outside the images folder (pre-started CRIU)`);
  return path.posix.basename(logFile);
}

/** Paths and the program: never empty, never option-like, one line (quoting keeps every other byte). */
function checkPath(what: string, value: string): void {
  if (typeof value !== 'string' || value === '' || value.startsWith('-') || /[\0\n\r]/.test(value)) bad(`${what} ${JSON.stringify(value)}`);
}

/** An address:port CRIU listens on or connects to: a canonical IP literal and a port number. */
function checkEndpoint(what: string, e: { address: string; port: number }): void {
  if (parseIpAddress(e.address)?.address !== e.address) bad(`${what} address ${JSON.stringify(e.address)}`);
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) bad(`${what} port ${JSON.stringify(e.port)}`);
}

function bad(what: string): never {
  throw new FerryError({ code: 'BAD_INPUT', message: `refusing CRIU command line: invalid ${what}` });
}
