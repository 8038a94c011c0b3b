// The bench's command line: options, their checks and the usage text (no stack trace for a typo).
import { parseArgs } from 'node:util';
import type { TransferMode } from '../../app/model/migration';

/**
 * hand: the plain recipe; expert: the strongest plain recipe (ControlMaster, nftables lock, page server);
 * `streamed-plain` and `lazy-plain`: the page stream without TLS, to measure what TLS costs.
 */
export type Method = 'hand' | 'expert' | TransferMode | 'streamed-plain' | 'lazy-plain';
const METHODS: readonly Method[] = ['hand', 'expert', 'streamed', 'staged', 'lazy'];
const EXTRA_METHODS: readonly Method[] = ['streamed-plain', 'lazy-plain'];
const MODES: readonly TransferMode[] = ['streamed', 'staged', 'lazy'];

/** The transfer mode a Ferry method runs. */
export const modeOf = (m: Exclude<Method, 'hand' | 'expert'>): TransferMode => (m === 'streamed-plain' ? 'streamed' : m === 'lazy-plain' ? 'lazy' : m);

/** demo: the demo workload (RSS × connections); shm: shm-workload.py (RSS MiB of MAP_SHARED memory, 1 connection). */
export type Kind = 'demo' | 'shm';

/** One cell of the table: a workload, the methods measured on it, and how many times. */
export interface Cell {
  rssMib: number;
  connections: number;
  kind: Kind;
  methods: Method[];
  reps: number;
}

/** Where results go unless `--out` says otherwise: an ignored folder, so a bench run leaves the work tree as it was. */
export const DEFAULT_BENCH_OUT = '.ferry/bench/benchmarks';

export const BENCH_USAGE = `Usage: npm run bench -- [options]   (as root; runs in its own lab, FERRY_LAB=bench unless set)

Measures the freeze window of the hand recipe and of each Ferry mode on a grid of memory sizes and connection
counts, plus the controller's own costs; prints a table and writes <out>.json, <out>.svg and <out>-table.md.

Options:
  --reps N            repetitions per cell and method (default 3)
  --rss LIST          memory sizes in MiB, comma-separated (default 16,256,1024)
  --conns LIST        connection counts, comma-separated (default 1,100,1000)
  --cells LIST        explicit cells RSSxCONNS,… instead of the grid (e.g. 16x1,1024x100)
  --methods LIST      any of ${METHODS.join(',')} (default hand,streamed,staged,lazy), or ${EXTRA_METHODS.join(', ')}
                      (the page stream without TLS, to measure what TLS costs)
  --shm LIST          shared-memory cells: MiB of MAP_SHARED memory with one connection (e.g. 400), every method but hand
  --pingpong N        the demo workload (4 connections) lab-a ⇄ lab-b N times per mode first (its own table)
  --pingpong-modes L  modes of the ping-pong (default streamed,lazy)
  --suite issue11     the cells of issue 11: ping-pong ×20 streamed and lazy; 16 MiB/1 and 1 GiB/100 with hand,
                      expert, streamed, lazy; 16 MiB/100 and 16 MiB/1,000 ×10 streamed, lazy; 400 MiB MAP_SHARED
                      with expert, streamed, lazy (--reps for the cells without their own count)
  --out PATH          output path without extension, relative to the repository (default ${DEFAULT_BENCH_OUT});
                      --out docs/benchmarks refreshes the published figures
  --skip-costs        do not measure the controller's costs
  --predict           rehearse before every Ferry run (ferry migrate --rehearse) and print predicted vs measured
  --predict-dump      with --predict: the rehearsal's real dump too (one short freeze before each run)
  --keep              keep the lab up afterwards
  -h, --help          this text`;

export interface BenchOptions {
  reps: number;
  rssList: number[];
  connList: number[];
  cells: Cell[];
  methods: Method[];
  pingpong: number;
  pingpongModes: TransferMode[];
  suite?: 'issue11';
  out: string;
  skipCosts: boolean;
  /** Rehearse before every Ferry run; `'dump'`: with the real dump. */
  predict: false | true | 'dump';
  keep: boolean;
}

export type BenchArgs = { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'run'; options: BenchOptions };

/** Parses and checks the bench's arguments. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        reps: { type: 'string', default: '3' },
        rss: { type: 'string', default: '16,256,1024' },
        conns: { type: 'string', default: '1,100,1000' },
        methods: { type: 'string', default: 'hand,streamed,staged,lazy' },
        out: { type: 'string', default: DEFAULT_BENCH_OUT },
        'skip-costs': { type: 'boolean', default: false },
        predict: { type: 'boolean', default: false },
        'predict-dump': { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        cells: { type: 'string' },
        shm: { type: 'string' },
        pingpong: { type: 'string', default: '0' },
        'pingpong-modes': { type: 'string', default: 'streamed,lazy' },
        suite: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) return { kind: 'error', message: `--reps takes a whole number ≥ 1, got ${JSON.stringify(values.reps)}` };
  const rssList = positiveList(values.rss);
  if (!rssList) return { kind: 'error', message: `--rss takes MiB values like 16,256, got ${JSON.stringify(values.rss)}` };
  const connList = positiveList(values.conns);
  if (!connList) return { kind: 'error', message: `--conns takes counts like 1,100, got ${JSON.stringify(values.conns)}` };
  const methods = values.methods.split(',');
  const unknown = methods.filter((m) => ![...METHODS, ...EXTRA_METHODS].includes(m as Method));
  if (unknown.length || methods.length === 0) return { kind: 'error', message: `--methods takes ${METHODS.join(', ')}; unknown: ${unknown.join(', ')}` };
  const pingpongModes = values['pingpong-modes'].split(',');
  if (pingpongModes.some((m) => !(MODES as readonly string[]).includes(m)))
    return { kind: 'error', message: `--pingpong-modes takes ${MODES.join(', ')}, got ${JSON.stringify(values['pingpong-modes'])}` };
  let pingpong = /^\d+$/.test(values.pingpong) ? Number(values.pingpong) : NaN;
  if (!Number.isInteger(pingpong)) return { kind: 'error', message: `--pingpong takes a whole number, got ${JSON.stringify(values.pingpong)}` };
  const shm = values.shm === undefined ? [] : positiveList(values.shm);
  if (!shm) return { kind: 'error', message: `--shm takes MiB values like 400, got ${JSON.stringify(values.shm)}` };
  const cells: Cell[] = [];
  const ms = methods as Method[];
  if (values.suite !== undefined) {
    if (values.suite !== 'issue11') return { kind: 'error', message: `--suite: only issue11 is defined, got ${JSON.stringify(values.suite)}` };
    const all: Method[] = ['hand', 'expert', 'streamed', 'lazy'];
    pingpong = 20;
    pingpongModes.splice(0, pingpongModes.length, 'streamed', 'lazy');
    cells.push(
      { rssMib: 16, connections: 1, kind: 'demo', methods: all, reps },
      { rssMib: 1024, connections: 100, kind: 'demo', methods: all, reps },
      { rssMib: 16, connections: 100, kind: 'demo', methods: ['streamed', 'lazy'], reps },
      { rssMib: 16, connections: 1000, kind: 'demo', methods: ['streamed', 'lazy'], reps: 10 },
      { rssMib: 400, connections: 1, kind: 'shm', methods: ['expert', 'streamed', 'lazy'], reps },
    );
  } else if (values.cells !== undefined) {
    for (const c of values.cells.split(',')) {
      const m = /^(\d+)x(\d+)$/.exec(c);
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1)
        return { kind: 'error', message: `--cells takes RSSxCONNS,… (e.g. 16x1,1024x100), got ${JSON.stringify(c)}` };
      cells.push({ rssMib: Number(m[1]), connections: Number(m[2]), kind: 'demo', methods: ms, reps });
    }
  } else if (shm.length === 0 && pingpong === 0) {
    for (const r of rssList) for (const n of connList) cells.push({ rssMib: r, connections: n, kind: 'demo', methods: ms, reps });
  }
  for (const m of shm) cells.push({ rssMib: m, connections: 1, kind: 'shm', methods: ms.filter((x) => x !== 'hand'), reps });
  if (!values.out || values.out.startsWith('-')) return { kind: 'error', message: `--out takes a path, got ${JSON.stringify(values.out)}` };
  return {
    kind: 'run',
    options: {
      reps,
      rssList,
      connList,
      cells,
      methods: ms,
      pingpong,
      pingpongModes: pingpongModes as TransferMode[],
      ...(values.suite ? { suite: 'issue11' as const } : {}),
      out: values.out,
      skipCosts: values['skip-costs'],
      predict: values['predict-dump'] ? 'dump' : values.predict,
      keep: values.keep,
    },
  };
}

function positiveList(s: string): number[] | undefined {
  const out = s.split(',').map((x) => (/^\d+$/.test(x) ? Number(x) : NaN));
  return out.length > 0 && out.every((n) => Number.isInteger(n) && n >= 1) ? out : undefined;
}
