// ferry-demo: the process the lab migrates. N witness connections, a MSG every interval, verified ACKs.
//
//   ferry-demo --connect HOST:PORT [--connect HOST:PORT ...] [--bind LOCALADDR ...] [--connections 4]
//              [--interval-ms 10] [--payload-bytes 32] [--rss-mib 0] [--client-id ID] [--log FILE]
//
// N connections to each --connect target (an IPv4 and an IPv6 target make a dual-stack workload), numbered
// across targets; each binds the --bind address of its target's family, if one is given.
// Prints `ready` once every connection has sent HELLO. Logs (to --log, appended line by line, else
// stderr) verification failures, disconnects, reconnects and pauses; reconnects 200 ms after a drop
// with the same clientId/connIndex, which the witness counts as a reconnect.
//
// Built to be checkpointed and restored by CRIU: single thread (no workers, no child processes), no
// stdin, no fs watchers, no fd kept open for the log (each line is an appendFileSync). A freeze is only
// a pause: the one interval timer fires again on resume and sending continues from the next seq, with no
// catch-up burst; there are no ACK deadlines to expire. The pause is logged with the wall and monotonic
// time that passed, so a monotonic clock that jumped across hosts shows up as a difference between them.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { HostPort } from '../../app/lab/host-port';
import { formatHostPort, parseHostPort } from '../../app/lab/host-port';
import { isValidClientId, MAX_PAYLOAD_BYTES } from '../../app/lab/witness-protocol';
import type { DemoLog } from './demo-connection';
import { DemoConnection } from './demo-connection';
import { isEntryPoint, UsageError } from './entry-point';

export const DEMO_USAGE =
  'usage: ferry-demo --connect HOST:PORT [--connect HOST:PORT ...] [--bind LOCALADDR ...] [--connections N] [--interval-ms MS] ' +
  '[--payload-bytes N] [--rss-mib N] [--client-id ID] [--log FILE]';

export interface DemoArgs {
  /** One or more targets; `connections` to each. */
  connect: HostPort[];
  /** Local addresses to bind, at most one per family. */
  bind?: string[];
  /** Connections per target. */
  connections: number;
  intervalMs: number;
  payloadBytes: number;
  rssMib: number;
  clientId: string;
  log?: string;
}

function intOption(name: string, text: string | undefined, dflt: number, min: number, max: number): number {
  if (text === undefined) return dflt;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}`);
  return n;
}

/** Parses the command line (without node and script); throws UsageError. */
export function parseDemoArgs(argv: readonly string[], pid = process.pid): DemoArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        connect: { type: 'string', multiple: true },
        bind: { type: 'string', multiple: true },
        connections: { type: 'string' },
        'interval-ms': { type: 'string' },
        'payload-bytes': { type: 'string' },
        'rss-mib': { type: 'string' },
        'client-id': { type: 'string' },
        log: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (!values.connect?.length) throw new UsageError('--connect is required');
  const connect = values.connect.map((text) => {
    const hp = parseHostPort(text);
    if (typeof hp === 'string') throw new UsageError(`--connect: ${hp}`);
    return hp;
  });
  const clientId = values['client-id'] ?? `demo-${pid}-${Date.now().toString(36)}`;
  if (!isValidClientId(clientId)) throw new UsageError('--client-id must be 1-64 of A-Z a-z 0-9 . _ : -');
  if (values.bind?.some((b) => !/^[0-9A-Fa-f.:]+$/.test(b))) throw new UsageError('--bind must be an IP address');
  if (values.bind && new Set(values.bind.map(isV6)).size < values.bind.length) throw new UsageError('--bind: at most one address per family');
  const args: DemoArgs = {
    connect,
    connections: intOption('connections', values.connections, 4, 1, 10_000),
    intervalMs: intOption('interval-ms', values['interval-ms'], 10, 1, 3_600_000),
    payloadBytes: intOption('payload-bytes', values['payload-bytes'], 32, 0, MAX_PAYLOAD_BYTES),
    rssMib: intOption('rss-mib', values['rss-mib'], 0, 0, 1_048_576),
    clientId,
  };
  if (values.bind !== undefined) args.bind = values.bind;
  if (values.log !== undefined) args.log = values.log;
  return args;
}

const isV6 = (host: string) => host.includes(':');

/** Memory held for the process lifetime by --rss-mib. */
const ballast: Buffer[] = [];

/** Allocates `mib` MiB of pseudo-random bytes (none zero, no two pages alike) and keeps them resident. */
export function allocateResident(mib: number, seed = 0x2545f491): Buffer[] {
  let x = seed >>> 0 || 1;
  const out: Buffer[] = [];
  for (let i = 0; i < mib; i++) {
    const buf = Buffer.allocUnsafeSlow(1 << 20);
    const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
    for (let j = 0; j < words.length; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[j] = (x | 0x01010101) >>> 0;
    }
    out.push(buf);
  }
  return out;
}

function formatFields(fields: Record<string, string | number | boolean | undefined> = {}): string {
  let s = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const text = String(v);
    s += ` ${k}=${/^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)}`;
  }
  return s;
}

/** A line logger: `<ISO time> <event> key=value ...`, appended to file (or stderr) one write per line. */
export function makeDemoLog(file: string | undefined): DemoLog {
  return (event, fields) => {
    const line = `${new Date().toISOString()} ${event}${formatFields(fields)}\n`;
    try {
      if (file) appendFileSync(file, line);
      else process.stderr.write(line);
    } catch {
      // A log that cannot be written must not stop the workload.
    }
  };
}

/** Runs the workload until SIGTERM/SIGINT. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(argv);
  } catch (err) {
    process.stderr.write(`ferry-demo: ${err instanceof Error ? err.message : String(err)}\n${DEMO_USAGE}\n`);
    process.exit(2);
  }
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  const log = makeDemoLog(args.log);
  log('start', {
    pid: process.pid,
    clientId: args.clientId,
    connect: args.connect.map((c) => formatHostPort(c.host, c.port)).join(','),
    bind: args.bind?.join(','),
    connections: args.connections,
    intervalMs: args.intervalMs,
    payloadBytes: args.payloadBytes,
    rssMib: args.rssMib,
  });
  if (args.rssMib > 0) {
    ballast.push(...allocateResident(args.rssMib, process.pid));
    log('rss-allocated', { mib: args.rssMib });
  }

  let helloCount = 0;
  const conns: DemoConnection[] = [];
  const total = args.connections * args.connect.length;
  const targets = args.connect.flatMap((t) => new Array<HostPort>(args.connections).fill(t));
  for (const [i, target] of targets.entries()) {
    const bindAddress = args.bind?.find((b) => isV6(b) === isV6(target.host));
    conns.push(
      new DemoConnection({
        clientId: args.clientId,
        connIndex: i,
        payloadBytes: args.payloadBytes,
        target,
        ...(bindAddress ? { bindAddress } : {}),
        log,
        onFirstHello: () => {
          helloCount += 1;
          if (helloCount === total) {
            process.stdout.write('ready\n');
            log('ready');
          }
        },
      }),
    );
  }
  for (const c of conns) c.start();

  const pauseMs = Math.max(250, args.intervalMs * 10);
  let lastWall = Date.now();
  let lastMono = performance.now();
  const timer = setInterval(() => {
    const wall = Date.now();
    const mono = performance.now();
    if (wall - lastWall > pauseMs || Math.abs(mono - lastMono) > pauseMs) {
      log('pause', { wallMs: wall - lastWall, monoMs: Math.round(mono - lastMono) });
    }
    lastWall = wall;
    lastMono = mono;
    for (const c of conns) c.tick(wall);
  }, args.intervalMs);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    void Promise.all(conns.map((c) => c.stop())).then(() => {
      for (const c of conns) log('summary', c.stats());
      log('stopped', { signal });
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (isEntryPoint(import.meta.url)) main();
