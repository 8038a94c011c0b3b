import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QUICKACK_ROUTE_PROTO, quickackRouteArgv, quickackRouteDelArgv, quickackRoutes, routeGetArgv } from './quickack-route';

const got = JSON.parse(readFileSync(new URL('../parse/fixtures/ip-route-get.json', import.meta.url), 'utf8')) as Record<string, string>;
const out = (k: string) => got[k] ?? '';

describe('lazy mode’s quick-ACK routes', () => {
  it('lazy only: the destination’s route to the page server, the source’s to the admitted peer', () => {
    const pageServer = { address: '198.18.0.2', port: 27672, peer: '198.18.0.3' };
    expect(quickackRoutes({ transferMode: 'lazy', pageServer })).toEqual([
      { side: 'destination', peer: '198.18.0.2' },
      { side: 'source', peer: '198.18.0.3' },
    ]);
    expect(quickackRoutes({ transferMode: 'lazy', pageServer: { address: '198.18.0.2', port: 1 } })).toEqual([{ side: 'destination', peer: '198.18.0.2' }]);
    expect(quickackRoutes({ transferMode: 'streamed', pageServer })).toEqual([]);
    expect(quickackRoutes({ transferMode: 'lazy' })).toEqual([]);
  });

  it('a host route with the same next hop, quick ACKs on and Ferry’s protocol (IPv4 on link, via a gateway, IPv6)', () => {
    expect(routeGetArgv('198.18.0.2')).toEqual(['ip', '-j', 'route', 'get', '198.18.0.2']);
    expect(quickackRouteArgv(out('onLink'), '198.18.0.2')).toEqual([
      'ip',
      'route',
      'add',
      '198.18.0.2/32',
      'dev',
      'eth0',
      'src',
      '198.18.0.3',
      'quickack',
      '1',
      'proto',
      QUICKACK_ROUTE_PROTO,
    ]);
    expect(quickackRouteArgv(out('viaGateway'), '8.8.8.8')).toEqual([
      'ip',
      'route',
      'add',
      '8.8.8.8/32',
      'via',
      '192.0.2.1',
      'dev',
      'eth0',
      'src',
      '192.0.2.2',
      'quickack',
      '1',
      'proto',
      QUICKACK_ROUTE_PROTO,
    ]);
    expect(routeGetArgv('2001:2::2')).toEqual(['ip', '-j', '-6', 'route', 'get', '2001:2::2']);
    expect(quickackRouteArgv(out('v6OnLink'), '2001:2::2')).toEqual([
      'ip',
      '-6',
      'route',
      'add',
      '2001:2::2/128',
      'dev',
      'eth0',
      'src',
      '2001:2::3',
      'quickack',
      '1',
      'proto',
      QUICKACK_ROUTE_PROTO,
    ]);
  });

  it('nothing to add: quick ACKs already on, a local route, a policy table, garbage, a non-canonical address', () => {
    expect(quickackRouteArgv(out('onLinkQuickack'), '198.18.0.2')).toBeUndefined();
    expect(quickackRouteArgv(out('local'), '198.18.0.3')).toBeUndefined();
    expect(quickackRouteArgv(out('onLink').replace('"dev"', '"table":"100","dev"'), '198.18.0.2')).toBeUndefined();
    expect(quickackRouteArgv('not json', '198.18.0.2')).toBeUndefined();
    expect(quickackRouteArgv(out('v6OnLink'), '2001:0002::2')).toBeUndefined();
  });

  it('deletes only a route with Ferry’s protocol number', () => {
    expect(quickackRouteDelArgv('198.18.0.2')).toEqual(['ip', 'route', 'del', '198.18.0.2/32', 'proto', QUICKACK_ROUTE_PROTO]);
    expect(quickackRouteDelArgv('2001:2::2')).toEqual(['ip', '-6', 'route', 'del', '2001:2::2/128', 'proto', QUICKACK_ROUTE_PROTO]);
  });
});
