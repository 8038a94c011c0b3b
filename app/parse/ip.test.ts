import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors';
import { parseIpAddr, parseIpRoute } from './ip';

// Captured in a throwaway netns: veth pair fxv0/fxv1, macvlan fxmv0, bridge fxbr0 (down), addresses from 198.18.0.0/15.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseIpAddr', () => {
  it('lists every address of every interface with its flags and label', () => {
    expect(parseIpAddr(fixture('ip-addr.json'))).toEqual([
      { ifname: 'lo', family: 'inet', address: '127.0.0.1', prefixLen: 8, scope: 'host', label: 'lo' },
      { ifname: 'lo', family: 'inet', address: '198.18.5.5', prefixLen: 32, scope: 'global', label: 'lo' },
      { ifname: 'lo', family: 'inet6', address: '::1', prefixLen: 128, scope: 'host' },
      { ifname: 'fxv1', family: 'inet', address: '198.18.1.1', prefixLen: 24, scope: 'global', label: 'fxv1', flags: ['noprefixroute'] },
      { ifname: 'fxv1', family: 'inet6', address: 'fe80::988b:14ff:fe25:d428', prefixLen: 64, scope: 'link' },
      { ifname: 'fxv0', family: 'inet', address: '198.18.0.1', prefixLen: 24, scope: 'global', label: 'fxv0' },
      { ifname: 'fxv0', family: 'inet', address: '198.18.0.10', prefixLen: 24, scope: 'global', label: 'fxv0:svc', flags: ['secondary'] },
      { ifname: 'fxv0', family: 'inet6', address: 'fe80::865:bcff:feda:5a8f', prefixLen: 64, scope: 'link' },
      { ifname: 'fxbr0', family: 'inet', address: '198.19.255.1', prefixLen: 16, scope: 'global', label: 'fxbr0' },
      { ifname: 'fxmv0', family: 'inet', address: '198.18.2.1', prefixLen: 24, scope: 'global', label: 'fxmv0' },
      { ifname: 'fxmv0', family: 'inet6', address: 'fe80::cc8c:55ff:feae:971c', prefixLen: 64, scope: 'link' },
    ]);
  });

  it('skips the `{}` placeholders `ip -j addr show up` prints for filtered interfaces', () => {
    const up = parseIpAddr(fixture('ip-addr-up.json'));
    expect(up).toHaveLength(10);
    expect(up.some((a) => a.ifname === 'fxbr0')).toBe(false);
  });

  it('reads `ip -j -4 addr` and a link-local address on lo', () => {
    expect(parseIpAddr(fixture('ip-4-addr.json')).map((a) => a.address)).toEqual([
      '127.0.0.1',
      '198.18.5.5',
      '198.18.1.1',
      '198.18.0.1',
      '198.18.0.10',
      '198.19.255.1',
      '198.18.2.1',
    ]);
    expect(parseIpAddr(fixture('ip-addr-lo-link-local.json')).filter((a) => a.scope === 'link')).toEqual([
      { ifname: 'lo', family: 'inet6', address: 'fe80::1', prefixLen: 64, scope: 'link' },
    ]);
  });

  it('treats empty output as no addresses and rejects malformed JSON', () => {
    expect(parseIpAddr('')).toEqual([]);
    expect(parseIpAddr('[]\n')).toEqual([]);
    expect(() => parseIpAddr('{"ifname":"lo"}')).toThrow(FerryError);
  });
});

describe('parseIpRoute', () => {
  const routes = parseIpRoute(fixture('ip-route-table-all.json'));

  it('reads both families from `table all`', () => {
    expect(routes).toHaveLength(31);
    expect(routes.filter((r) => r.family === 'inet6')).toHaveLength(11);
  });

  it('reads main-table routes with gateway, prefsrc, protocol, metric and flags', () => {
    const main = routes.filter((r) => r.family === 'inet' && r.table === undefined);
    expect(main).toEqual([
      { dst: 'default', family: 'inet', type: 'unicast', dev: 'fxv0', gateway: '198.18.0.254', protocol: 'static', metric: 100 },
      { dst: '198.18.0.0/24', family: 'inet', type: 'unicast', dev: 'fxv0', protocol: 'kernel', scope: 'link', prefsrc: '198.18.0.1' },
      { dst: '198.18.2.0/24', family: 'inet', type: 'unicast', dev: 'fxmv0', protocol: 'kernel', scope: 'link', prefsrc: '198.18.2.1' },
      { dst: '198.18.100.0/24', family: 'inet', type: 'unicast', dev: 'fxv0', gateway: '198.18.0.253', prefsrc: '198.18.0.10' },
      { dst: '198.18.200.0/24', family: 'inet', type: 'blackhole' },
      { dst: '198.18.201.0/24', family: 'inet', type: 'unreachable' },
    ]);
  });

  it('reads other tables, the local table and IPv6 routes', () => {
    expect(routes.filter((r) => r.table === '100')).toEqual([
      { dst: 'default', family: 'inet', type: 'unicast', dev: 'fxv1', gateway: '198.18.1.254', table: '100', flags: ['onlink'] },
      { dst: '198.18.50.0/24', family: 'inet', type: 'unicast', dev: 'fxv1', table: '100', scope: 'link' },
    ]);
    expect(routes.find((r) => r.dst === '198.18.0.10')).toEqual({
      dst: '198.18.0.10',
      family: 'inet',
      type: 'local',
      dev: 'fxv0',
      table: 'local',
      protocol: 'kernel',
      scope: 'host',
      prefsrc: '198.18.0.1',
    });
    expect(routes.find((r) => r.family === 'inet6' && r.dst === 'default')).toEqual({
      dst: 'default',
      family: 'inet6',
      type: 'unicast',
      dev: 'fxv0',
      gateway: 'fe80::1',
      metric: 1024,
    });
    expect(routes.filter((r) => r.type === 'multicast').map((r) => [r.family, r.dst, r.dev])).toEqual([
      ['inet6', 'ff00::/8', 'fxv1'],
      ['inet6', 'ff00::/8', 'fxv0'],
      ['inet6', 'ff00::/8', 'fxmv0'],
    ]);
  });

  it('rejects the truncated `[` ip prints when the dump fails, and joins per-family arrays', () => {
    // Real: `ip -j route show table 999` prints "[" then "Error: ipv4: FIB table does not exist." and exits 2.
    expect(() => parseIpRoute('[')).toThrow(/malformed JSON/);
    expect(parseIpRoute('[{"dst":"198.18.0.0/24","dev":"a"}]\n[{"dst":"::/0","dev":"b","pref":"medium"}]').map((r) => [r.dev, r.family])).toEqual([
      ['a', 'inet'],
      ['b', 'inet6'],
    ]);
  });
});
