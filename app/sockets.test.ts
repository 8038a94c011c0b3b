import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TcpSocket, TcpState } from './model/host';
import { parsePs } from './parse/ps';
import { parseSs } from './parse/ss';
import { subtreePids } from './process-tree';
import { addressesToMove, isLoopback, isUnspecified, normalizeAddress, parseIpAddress, socketsOfTree } from './sockets';

const fixture = (name: string) => readFileSync(new URL(`./parse/fixtures/${name}`, import.meta.url), 'utf8');
// Both captured at the same moment: pids 6100, 6143 and 6144 own the sockets of the ss capture.
const sockets = parseSs(fixture('ss-tinpHOa.txt'));
const procs = parsePs(fixture('ps.txt'));

const sock = (state: TcpState, local: string, port = 5000): TcpSocket => ({
  state,
  recvQ: 0,
  sendQ: 0,
  local: { address: local, port },
  remote: { address: '198.18.9.9', port: 40000 },
  owners: [{ comm: 'svc', pid: 100, fd: 3 }],
  extra: {},
});

describe('socketsOfTree', () => {
  it('keeps the sockets any process of the tree owns', () => {
    const tree = subtreePids(procs, 6100);
    expect(tree).toEqual([6100, 6143, 6144]);
    const owned = socketsOfTree(sockets, tree);
    expect(owned).toHaveLength(29);
    // Left out: two TIME-WAIT and two accepted-by-kernel-only sockets, which no process holds.
    expect(
      sockets
        .filter((s) => !owned.includes(s))
        .map((s) => s.state)
        .sort(),
    ).toEqual(['ESTAB', 'ESTAB', 'TIME-WAIT', 'TIME-WAIT']);
  });
  it('matches on any owner, and on none for an unrelated tree', () => {
    expect(socketsOfTree(sockets, [6143])).toHaveLength(28);
    expect(socketsOfTree(sockets, [6144])).toHaveLength(29);
    expect(socketsOfTree(sockets, subtreePids(procs, 6991))).toEqual([]);
  });
});

describe('addressesToMove', () => {
  it('finds nothing to move for loopback-only connections but keeps a link-local one', () => {
    const owned = socketsOfTree(sockets, [6100]);
    expect(addressesToMove(owned, [])).toEqual(['fe80::1']);
    expect(
      addressesToMove(
        owned.filter((s) => s.local.scope === undefined),
        [],
      ),
    ).toEqual([]);
  });

  it('lists distinct local addresses of connected sockets, normalized, without management addresses', () => {
    const list = [
      sock('ESTAB', '198.18.0.10'),
      sock('ESTAB', '198.18.0.10', 5001),
      sock('CLOSE-WAIT', '::ffff:198.18.0.11'),
      sock('SYN-SENT', '198.18.0.13'),
      sock('FIN-WAIT-2', '2001:DB8:0:0::1'),
      sock('LISTEN', '198.18.0.12'),
      sock('ESTAB', '127.0.0.5'),
      sock('ESTAB', '::1'),
      sock('ESTAB', '::ffff:127.0.0.1'),
      sock('LISTEN', '*'),
      sock('LISTEN', '0.0.0.0'),
      sock('UNCONN', '198.18.0.14'),
      sock('ESTAB', '198.18.0.1'),
      sock('ESTAB', '198.18.0.2'),
    ];
    expect(addressesToMove(list, ['198.18.0.1', '::ffff:198.18.0.2'])).toEqual(['198.18.0.10', '198.18.0.11', '198.18.0.13', '2001:db8::1']);
    expect(addressesToMove(list, ['198.18.0.1'], { includeListeners: true })).toEqual([
      '198.18.0.10',
      '198.18.0.11',
      '198.18.0.13',
      '2001:db8::1',
      '198.18.0.12',
      '198.18.0.2',
    ]);
  });
});

describe('parseIpAddress', () => {
  it.each([
    ['198.18.0.1', 4, '198.18.0.1'],
    ['0.0.0.0', 4, '0.0.0.0'],
    ['255.255.255.255', 4, '255.255.255.255'],
    ['::1', 6, '::1'],
    ['::', 6, '::'],
    ['0:0:0:0:0:0:0:1', 6, '::1'],
    ['FE80::0001', 6, 'fe80::1'],
    ['1::', 6, '1::'],
    ['1:2:3:4:5:6:7:8', 6, '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', 6, '1:2:3:4:5:6:7:0'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1'],
    ['1:0:0:1:0:0:0:1', 6, '1:0:0:1::1'],
    ['::ffff:7f00:1', 6, '::ffff:127.0.0.1'],
    ['::ffff:1.2.3.4', 6, '::ffff:1.2.3.4'],
    ['1:2:3:4:5:6:1.2.3.4', 6, '1:2:3:4:5:6:102:304'],
    ['64:ff9b::1.2.3.4', 6, '64:ff9b::102:304'],
    ['0:0:0:0:0:0:ffff:1', 6, '::255.255.0.1'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255', 6, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ])('%s is IPv%i %s (as glibc inet_ntop prints it)', (input, family, address) => {
    expect(parseIpAddress(input)).toEqual({ family, address });
  });

  it.each([
    '',
    ' 198.18.0.1',
    '198.18.0.1 ',
    '198.18.0.1\n',
    '198.18.0',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.4/24',
    '-1.2.3.4',
    '-x',
    '--help',
    '1.2.3.4;id',
    '$(id)',
    '`id`',
    "1.2.3.4'",
    'fe80::1%eth0',
    '[::1]',
    ':::',
    '1:::2',
    '1::2::3',
    '12345::',
    ':1::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    '1:2:3:4:5:6:7',
    'g::1',
    'localhost',
    '0x7f.0.0.1',
    '1e1.1.1.1',
    '1.2.3.4::',
    '::1.2.3',
    '::1.2.3.256',
    '١.2.3.4',
    '1.2.3.4\0',
    'a'.repeat(46),
    '0'.repeat(46),
  ])('rejects %j', (input) => {
    expect(parseIpAddress(input)).toBeNull();
  });

  it('rejects non-strings', () => {
    expect(parseIpAddress(undefined as unknown as string)).toBeNull();
    expect(parseIpAddress(123 as unknown as string)).toBeNull();
  });
});

describe('isLoopback / isUnspecified / normalizeAddress', () => {
  it.each(['127.0.0.1', '127.255.255.254', '::1', '0:0::1', '::ffff:127.0.0.1', '::ffff:7f00:2'])('%s is loopback', (a) => {
    expect(isLoopback(a)).toBe(true);
  });
  it.each(['128.0.0.1', '126.255.255.255', '::2', '::127.0.0.1', 'localhost', '198.18.0.1', '*', ''])('%s is not loopback', (a) => {
    expect(isLoopback(a)).toBe(false);
  });
  it('recognizes the wildcards ss prints', () => {
    expect(['*', '0.0.0.0', '::', '::ffff:0.0.0.0'].map(isUnspecified)).toEqual([true, true, true, true]);
    expect(['::1', '198.18.0.1', 'x'].map(isUnspecified)).toEqual([false, false, false]);
  });
  it('maps IPv4-mapped IPv6 to IPv4 and leaves invalid text alone', () => {
    expect(normalizeAddress('::ffff:198.18.0.1')).toBe('198.18.0.1');
    expect(normalizeAddress('2001:DB8::0:1')).toBe('2001:db8::1');
    expect(normalizeAddress('*')).toBe('*');
  });
});
