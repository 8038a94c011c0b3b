import { describe, expect, it } from 'vitest';
import { criuLazyPagesConfig, criuRpcRequest, criuRpcVersionProbe, toHex } from './criu-rpc';

/** A reader of protobuf's wire format, for the test: field → values (varints as bigint, the rest as bytes). */
function decode(b: Uint8Array): Map<number, (bigint | Uint8Array)[]> {
  const out = new Map<number, (bigint | Uint8Array)[]>();
  let i = 0;
  const varint = () => {
    let n = 0n;
    let shift = 0n;
    for (;;) {
      const x = b[i++];
      if (x === undefined) throw new Error('truncated');
      n |= BigInt(x & 0x7f) << shift;
      shift += 7n;
      if (x < 0x80) return n;
    }
  };
  while (i < b.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    let v: bigint | Uint8Array;
    if (wire === 0) v = varint();
    else if (wire === 2) {
      const n = Number(varint());
      v = b.slice(i, i + n);
      i += n;
    } else throw new Error(`wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), v]);
  }
  return out;
}
const one = (m: Map<number, (bigint | Uint8Array)[]>, f: number) => m.get(f)?.[0];
const text = (v: unknown) => new TextDecoder().decode(v as Uint8Array);

describe("CRIU's RPC requests (images/rpc.proto)", () => {
  const base = { imagesDir: '/run/ferry/m-1-dump', logFile: 'dump.log', logLevel: 4, tcpEstablished: true, fileLocks: true, shellJob: false };

  it('a streamed dump: type DUMP, the tree, the folder by path, the log, the page socket as ps.fd, the lock skipped', () => {
    const req = decode(criuRpcRequest('dump', { ...base, pid: 4242, pageServerFd: 3, networkLock: 'skip' }));
    expect(one(req, 1)).toBe(1n);
    const opts = decode(one(req, 2) as Uint8Array);
    // images_dir_fd is proto2 `required`: -1 (no descriptor), sign-extended to 64 bits as int32 negatives are.
    expect(one(opts, 1)).toBe((1n << 64n) - 1n);
    expect(text(one(opts, 68))).toBe('/run/ferry/m-1-dump');
    expect(one(opts, 2)).toBe(4242n);
    expect([one(opts, 5), one(opts, 7), one(opts, 8), one(opts, 9)]).toEqual([1n, 0n, 1n, 4n]);
    expect(text(one(opts, 10))).toBe('dump.log');
    expect(one(decode(one(opts, 11) as Uint8Array), 4)).toBe(3n);
    expect(one(opts, 64)).toBe(3n);
    expect(opts.has(12)).toBe(false);
    expect(opts.has(48)).toBe(false);
  });

  it('a lazy restore: type RESTORE, no PID, notifications to the client, lazy pages, no lock method (the dump says)', () => {
    const req = decode(criuRpcRequest('restore', { ...base, logFile: 'restore.log', shellJob: true, lazyPages: true, notifyScripts: true }));
    expect(one(req, 1)).toBe(2n);
    const opts = decode(one(req, 2) as Uint8Array);
    expect(opts.has(2)).toBe(false);
    expect([one(opts, 7), one(opts, 12), one(opts, 48)]).toEqual([1n, 1n, 1n]);
    expect(opts.has(64)).toBe(false);
  });

  it('exact bytes: field numbers above 15 take two-byte tags, lengths are varints', () => {
    const hex = toHex(criuRpcRequest('restore', { ...base, imagesDir: '/d', logFile: 'r', lazyPages: true }));
    expect(hex).toBe(
      '0802' + // type 2
        '121e' + // opts: field 2, length-delimited, 30 bytes
        '08ffffffffffffffffff01' + // images_dir_fd -1
        'a204022f64' + // images_dir (68) "/d"
        '2801' +
        '3800' +
        '4001' +
        '4804' + // tcp_established, shell_job, file_locks, log_level 4
        '520172' + // log_file "r"
        '800301', // lazy_pages (48)
    );
    expect(toHex(criuRpcVersionProbe())).toBe('080a2001');
  });

  it('refuses what CRIU would refuse or misread: a log path, a relative folder, a dump without its tree', () => {
    expect(() => criuRpcRequest('dump', { ...base, pid: 1, logFile: '/x/dump.log' })).toThrow(/bare file name/);
    expect(() => criuRpcRequest('dump', { ...base, pid: 1, imagesDir: 'rel' })).toThrow(/absolute/);
    expect(() => criuRpcRequest('dump', base)).toThrow(/PID/);
    expect(() => criuRpcRequest('dump', { ...base, pid: 1, pageServerFd: 2 ** 40 })).toThrow(/32-bit/);
  });

  it('a lazy dump: lazy pages, the config file that gives the address, the status descriptor, TLS, no ps (RPC drops its address)', () => {
    const tls = { ca: '/d/tls/ca.crt', cert: '/d/tls/cert.pem', key: '/d/tls/key.pem' };
    const opts = decode(
      one(
        decode(criuRpcRequest('dump', { ...base, pid: 7, lazyPages: true, configFile: '/d/criu-rpc.conf', statusFd: 47, tls, networkLock: 'skip' })),
        2,
      ) as Uint8Array,
    );
    expect([one(opts, 48), one(opts, 49), one(opts, 58)]).toEqual([1n, 47n, 1n]);
    expect(text(one(opts, 51))).toBe('/d/criu-rpc.conf');
    expect([54, 56, 57].map((f) => text(one(opts, f)))).toEqual([tls.ca, tls.cert, tls.key]);
    expect(opts.has(11)).toBe(false);
    expect(() => criuRpcRequest('dump', { ...base, pid: 7, configFile: 'rel.conf' })).toThrow(/absolute/);
    expect(() => criuRpcRequest('dump', { ...base, pid: 7, tls: { ...tls, key: '/k\n--x' } })).toThrow(/one line/);
  });

  it("a lazy dump's config file: `option value` lines (criu/config.c), an IP literal and a port only", () => {
    expect(criuLazyPagesConfig('198.18.0.2', 27001)).toBe('address 198.18.0.2\nport 27001\n');
    expect(criuLazyPagesConfig('2001:2::2', 1)).toBe('address 2001:2::2\nport 1\n');
    expect(() => criuLazyPagesConfig('198.18.0.2\nlazy-pages', 27001)).toThrow(/IP literal/);
    expect(() => criuLazyPagesConfig('"x y"', 27001)).toThrow(/IP literal/);
    expect(() => criuLazyPagesConfig('198.18.0.2', 0)).toThrow(/port/);
  });

  it('UTF-8 strings', () => {
    const opts = decode(one(decode(criuRpcRequest('restore', { ...base, imagesDir: '/é/日本' })), 2) as Uint8Array);
    expect(text(one(opts, 68))).toBe('/é/日本');
  });
});
