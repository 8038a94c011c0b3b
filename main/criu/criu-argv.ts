// Builds CRIU command lines (argv arrays) for dump and restore of a process tree with TCP connections.

export interface CriuDumpArgs {
  criu: string;
  pid: number;
  imageDir: string;
  logFile: string;
  shellJob: boolean;
  /** Send the memory pages to this page server instead of the images folder. */
  pageServer?: { address: string; port: number };
  /** Leave the memory out and serve it lazily on this address and port after the dump. */
  lazyPages?: { address: string; port: number };
}

/** `criu dump` of the tree rooted at pid, established TCP connections included, locked with nftables. */
export function criuDumpArgv(a: CriuDumpArgs): string[] {
  return [
    a.criu, 'dump',
    '--tree', String(a.pid),
    '--images-dir', a.imageDir,
    '--tcp-established',
    '--network-lock', 'nftables',
    '--file-locks',
    '--log-file', a.logFile,
    '-v4',
    ...(a.shellJob ? ['--shell-job'] : []),
    ...(a.pageServer ? ['--page-server', '--address', a.pageServer.address, '--port', String(a.pageServer.port)] : []),
    ...(a.lazyPages ? ['--lazy-pages', '--address', a.lazyPages.address, '--port', String(a.lazyPages.port)] : []),
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
  return [
    a.criu, 'restore',
    '--images-dir', a.imageDir,
    '--tcp-established',
    '--network-lock', 'nftables',
    '--file-locks',
    '--restore-detached',
    '--pidfile', a.pidFile,
    '--log-file', a.logFile,
    '-v4',
    ...(a.shellJob ? ['--shell-job'] : []),
    ...(a.actionScript ? ['--action-script', a.actionScript] : []),
    ...(a.lazyPages ? ['--lazy-pages'] : []),
  ];
}
