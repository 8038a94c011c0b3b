// CRIU's RPC requests (images/rpc.proto, proto2), hand-encoded: the few fields Ferry's dump and restore need, for
// a CRIU started before the freeze in `criu swrk FD` mode (main/criu/criu-swrk.ts) that waits for one request on
// a SOCK_SEQPACKET socket. Only what rpc.proto gives a number to below is encoded; every field is written
// explicitly, so CRIU's defaults (log level 2, the iptables network lock) never apply by omission.

/** criu_req_type (rpc.proto). */
export const CRIU_REQ_TYPE = { dump: 1, restore: 2, notify: 6, version: 10 } as const;

/** criu_network_lock_method (rpc.proto). */
const NETWORK_LOCK = { iptables: 1, nftables: 2, skip: 3 } as const;

/** The options of one request (criu_opts): what Ferry's `criu dump` / `criu restore` command lines say. */
export interface CriuRpcOptions {
  /** Images folder (criu_opts.images_dir, with images_dir_fd -1); also CRIU's work folder, where the log goes. */
  imagesDir: string;
  /** The log's file name inside the images folder (CRIU refuses a path with a '/'). */
  logFile: string;
  /** CRIU's -v level (criu_opts.log_level). */
  logLevel: number;
  /** dump: the tree's root (without it CRIU would dump the requesting process). */
  pid?: number;
  tcpEstablished: boolean;
  fileLocks: boolean;
  shellJob: boolean;
  /** dump: pages to a page server over this descriptor of CRIU's own (criu_opts.ps.fd, swrk only: `--ps-socket`). */
  pageServerFd?: number;
  /** dump: how the connections are locked (`--network-lock`). A restore takes the dump's method from the images. */
  networkLock?: keyof typeof NETWORK_LOCK;
  /**
   * Memory left out (`--lazy-pages`): restore, served by a lazy-pages daemon; dump, served by CRIU itself after
   * the dump, on the address and port of the request's config file (RPC drops `ps.address` for lazy pages:
   * criu/cr-service.c, setup_opts_from_req).
   */
  lazyPages?: boolean;
  /**
   * A CRIU configuration file (criu_opts.config_file) read after the request's options and overriding them
   * (cr-service.c, PARSING_RPC_CONF): how a lazy dump gets its page server's address.
   */
  configFile?: string;
  /** A descriptor of the requesting process CRIU writes one byte to when it is ready (criu_opts.status_fd; CRIU reopens it through /proc). */
  statusFd?: number;
  /** CRIU's own TLS on the page connection (`--tls`, `--tls-cacert`, `--tls-cert`, `--tls-key`). */
  tls?: { ca: string; cert: string; key: string };
  /** Action scripts as notifications on the RPC socket, answered by the client (criu_opts.notify_scripts). */
  notifyScripts?: boolean;
}

/** A `criu_req` of `type` with these options, as the bytes of one SOCK_SEQPACKET message. */
export function criuRpcRequest(type: 'dump' | 'restore', o: CriuRpcOptions): Uint8Array {
  if (o.logFile === '' || o.logFile.includes('/')) throw new RangeError(`CRIU RPC log file must be a bare file name: ${JSON.stringify(o.logFile)}`);
  if (!o.imagesDir.startsWith('/')) throw new RangeError(`CRIU RPC images folder must be absolute: ${JSON.stringify(o.imagesDir)}`);
  if (type === 'dump' && !(Number.isInteger(o.pid) && (o.pid ?? 0) > 0)) throw new RangeError('a CRIU RPC dump needs the PID of the tree');
  const opts = new Writer();
  opts.int(1, -1); // images_dir_fd (required): none, the path below
  opts.string(68, o.imagesDir);
  if (o.pid !== undefined) opts.int(2, o.pid);
  opts.bool(5, o.tcpEstablished);
  opts.bool(7, o.shellJob);
  opts.bool(8, o.fileLocks);
  opts.int(9, o.logLevel);
  opts.string(10, o.logFile);
  if (o.pageServerFd !== undefined) opts.message(11, new Writer().int(4, o.pageServerFd)); // ps { fd }
  if (o.notifyScripts) opts.bool(12, true);
  if (o.lazyPages) opts.bool(48, true);
  if (o.statusFd !== undefined) opts.int(49, o.statusFd);
  if (o.configFile !== undefined) opts.string(51, absolute('config file', o.configFile));
  if (o.tls) {
    opts.string(54, absolute('TLS CA file', o.tls.ca));
    opts.string(56, absolute('TLS certificate', o.tls.cert));
    opts.string(57, absolute('TLS key', o.tls.key));
    opts.bool(58, true);
  }
  if (o.networkLock) opts.int(64, NETWORK_LOCK[o.networkLock]);
  return new Writer().int(1, CRIU_REQ_TYPE[type]).message(2, opts).bytes();
}

/** A path CRIU opens: absolute (CRIU's work folder is the images folder), one line. */
function absolute(what: string, p: string): string {
  if (!p.startsWith('/') || /[\0\n\r]/.test(p)) throw new RangeError(`CRIU RPC ${what} must be an absolute path on one line: ${JSON.stringify(p)}`);
  return p;
}

/**
 * The text of a CRIU configuration file (criu/config.c: one `option value` per line, read as `--option value`)
 * giving a lazy dump's page server its address and port. `address` must be an IP literal (no space, no quote).
 */
export function criuLazyPagesConfig(address: string, port: number): string {
  if (!/^[0-9A-Fa-f.:]+$/.test(address)) throw new RangeError(`CRIU config: not an IP literal: ${JSON.stringify(address)}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`CRIU config: bad port ${port}`);
  return `address ${address}\nport ${port}\n`;
}

/** `criu_req { type: VERSION, keep_open: true }`: proves the worker runs and reads requests, and keeps it waiting. */
export function criuRpcVersionProbe(): Uint8Array {
  return new Writer().int(1, CRIU_REQ_TYPE.version).bool(4, true).bytes();
}

/** Hex of a message, for a command line. */
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** UTF-8 bytes of a string (app/ has neither Node's Buffer nor the DOM's TextEncoder). */
function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** Protobuf's wire format, the three shapes rpc.proto's fields here need: varint, length-delimited, nested. */
class Writer {
  private readonly out: number[] = [];

  int(field: number, v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new RangeError(`CRIU RPC field ${field}: ${v} is not a 32-bit integer`);
    this.tag(field, 0);
    // int32 negatives are sign-extended to 64 bits (10 bytes on the wire).
    this.varint(v < 0 ? (1n << 64n) + BigInt(v) : BigInt(v));
    return this;
  }

  bool(field: number, v: boolean): this {
    this.tag(field, 0);
    this.out.push(v ? 1 : 0);
    return this;
  }

  string(field: number, s: string): this {
    return this.raw(field, utf8(s));
  }

  message(field: number, w: Writer): this {
    return this.raw(field, w.bytes());
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }

  private raw(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(BigInt(b.length));
    this.out.push(...b);
    return this;
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  private varint(v: bigint): void {
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      this.out.push(v > 0n ? low | 0x80 : low);
    } while (v > 0n);
  }
}
