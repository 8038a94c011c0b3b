import { describe, expect, it } from 'vitest';
import { BENCH_USAGE, DEFAULT_BENCH_OUT, parseBenchArgs } from './bench-args';

describe('parseBenchArgs', () => {
  it('asks for the usage on --help and -h', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseBenchArgs(['-h'])).toEqual({ kind: 'help' });
    expect(BENCH_USAGE).toContain('--cells');
  });

  it('refuses an unknown option with a message, not a throw', () => {
    const r = parseBenchArgs(['--bogus']);
    expect(r.kind).toBe('error');
    expect(r.kind === 'error' && r.message).toContain("'--bogus'");
  });

  it.each([
    [['--reps', '0'], '--reps'],
    [['--reps', 'x'], '--reps'],
    [['--rss', '16,,256'], '--rss'],
    [['--conns', '-1'], '--conns'],
    [['--methods', 'streamed,fast'], 'unknown: fast'],
    [['--cells', '16x'], '--cells'],
    [['--cells', '0x1'], '--cells'],
    [['--shm', '400,x'], '--shm'],
    [['--pingpong', 'many'], '--pingpong'],
    [['--pingpong-modes', 'streamed,hand'], '--pingpong-modes'],
    [['--suite', 'issue12'], 'only issue11'],
  ])('refuses %j', (argv, text) => {
    const r = parseBenchArgs(argv);
    expect(r.kind === 'error' && r.message).toContain(text);
  });

  it('defaults to the grid, all methods and an ignored output folder', () => {
    const r = parseBenchArgs([]);
    if (r.kind !== 'run') throw new Error(JSON.stringify(r));
    expect(r.options.cells).toHaveLength(9);
    expect(r.options.methods).toEqual(['hand', 'streamed', 'staged', 'lazy']);
    expect(r.options.out).toBe(DEFAULT_BENCH_OUT);
    expect(DEFAULT_BENCH_OUT.startsWith('.ferry/')).toBe(true);
  });

  it('takes explicit cells', () => {
    const r = parseBenchArgs(['--cells', '16x1,1024x100', '--reps', '2', '--methods', 'lazy']);
    if (r.kind !== 'run') throw new Error(JSON.stringify(r));
    expect(r.options).toMatchObject({
      reps: 2,
      methods: ['lazy'],
      cells: [
        { rssMib: 16, connections: 1 },
        { rssMib: 1024, connections: 100 },
      ],
    });
  });

  it('adds shared-memory cells (every method but hand), a ping-pong, and the issue 11 suite', () => {
    const r = parseBenchArgs(['--shm', '400', '--pingpong', '4', '--methods', 'hand,expert,lazy']);
    if (r.kind !== 'run') throw new Error(JSON.stringify(r));
    expect(r.options).toMatchObject({
      pingpong: 4,
      pingpongModes: ['streamed', 'lazy'],
      cells: [{ rssMib: 400, connections: 1, kind: 'shm', methods: ['expert', 'lazy'], reps: 3 }],
    });
    const suite = parseBenchArgs(['--suite', 'issue11', '--reps', '2']);
    if (suite.kind !== 'run') throw new Error(JSON.stringify(suite));
    expect(suite.options.pingpong).toBe(20);
    expect(suite.options.cells.map((c) => `${c.kind} ${c.rssMib}x${c.connections} ${c.methods.join('/')} ×${c.reps}`)).toEqual([
      'demo 16x1 hand/expert/streamed/lazy ×2',
      'demo 1024x100 hand/expert/streamed/lazy ×2',
      'demo 16x100 streamed/lazy ×2',
      'demo 16x1000 streamed/lazy ×10',
      'shm 400x1 expert/streamed/lazy ×2',
    ]);
  });
});
