import { describe, expect, it } from 'vitest';
import { allocateResident, parseDemoArgs } from './demo-workload';
import { parseWitnessArgs } from './witness';

describe('parseWitnessArgs', () => {
  it('takes repeated --listen and one --state', () => {
    expect(parseWitnessArgs(['--listen', '127.0.0.1:7000', '--listen', '[::1]:0', '--state', '/tmp/w.json'])).toEqual({
      listen: [
        { host: '127.0.0.1', port: 7000 },
        { host: '::1', port: 0 },
      ],
      state: '/tmp/w.json',
    });
  });

  it.each([
    [['--state', 'f']],
    [['--listen', '127.0.0.1:1']],
    [['--listen', 'nope', '--state', 'f']],
    [['--listen', '127.0.0.1:1', '--state', 'f', '--bogus']],
    [['--listen', '127.0.0.1:1', '--state', 'f', 'extra']],
  ])('rejects %j with a UsageError', (argv) => {
    expect(() => parseWitnessArgs(argv)).toThrow(expect.objectContaining({ name: 'UsageError' }));
  });
});

describe('parseDemoArgs', () => {
  it('applies the documented defaults', () => {
    expect(parseDemoArgs(['--connect', '198.18.0.1:7000'], 42)).toMatchObject({
      connect: [{ host: '198.18.0.1', port: 7000 }],
      connections: 4,
      intervalMs: 10,
      payloadBytes: 32,
      rssMib: 0,
      clientId: expect.stringMatching(/^demo-42-/),
    });
  });

  it('reads every option', () => {
    const a = parseDemoArgs([
      '--connect',
      '[::1]:9',
      '--connect',
      '198.18.0.1:7000',
      '--bind',
      '198.18.0.100',
      '--bind',
      '2001:2::100',
      '--connections',
      '2',
      '--interval-ms',
      '50',
      '--payload-bytes',
      '0',
      '--rss-mib',
      '16',
      '--client-id',
      'svc.a',
      '--log',
      '/tmp/d.log',
    ]);
    expect(a).toEqual({
      connect: [
        { host: '::1', port: 9 },
        { host: '198.18.0.1', port: 7000 },
      ],
      bind: ['198.18.0.100', '2001:2::100'],
      connections: 2,
      intervalMs: 50,
      payloadBytes: 0,
      rssMib: 16,
      clientId: 'svc.a',
      log: '/tmp/d.log',
    });
  });

  it.each([
    [[]],
    [['--connect', '1.2.3.4']],
    [['--connect', '1.2.3.4:0']],
    [['--connect', '1.2.3.4:1', '--connections', '0']],
    [['--connect', '1.2.3.4:1', '--interval-ms', '1.5']],
    [['--connect', '1.2.3.4:1', '--payload-bytes', '70000']],
    [['--connect', '1.2.3.4:1', '--client-id', 'a b']],
    [['--connect', '1.2.3.4:1', '--bind', 'eth0; rm']],
    [['--connect', '1.2.3.4:1', '--bind', '1.2.3.5', '--bind', '1.2.3.6']],
    [['--connect', '1.2.3.4:1', '--connect', 'nope']],
  ])('rejects %j with a UsageError', (argv) => {
    expect(() => parseDemoArgs(argv)).toThrow(expect.objectContaining({ name: 'UsageError' }));
  });
});

describe('allocateResident', () => {
  it('fills every byte with non-zero data that differs from page to page', () => {
    const [a, b] = allocateResident(2, 7);
    expect(a).toHaveLength(1 << 20);
    expect(a?.includes(0)).toBe(false);
    expect(b?.includes(0)).toBe(false);
    expect(a?.subarray(0, 4096).equals(a.subarray(4096, 8192))).toBe(false);
    expect(a?.equals(b ?? Buffer.alloc(0))).toBe(false);
  });
});
