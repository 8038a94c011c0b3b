import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors';
import { lazyRecoveryPort, pageGuardTableName, pageGuardTableText, pageGuards } from './page-guard';

describe('page-stream guard (nft)', () => {
  it('admits the one peer to the listener port and drops every other source', () => {
    const t = pageGuardTableText(pageGuardTableName('m-20261201-194118-2276d8'), '198.18.0.3', 27123, '198.18.0.2');
    expect(t).toContain('table inet ferry-ps-m-20261201-194118-2276d8 {');
    const rules = t
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /accept$|drop$/.test(l) && !l.startsWith('type'));
    expect(rules).toEqual(['ip daddr 198.18.0.3 tcp dport 27123 ip saddr 198.18.0.2 accept', 'tcp dport 27123 drop']);
  });

  it('guards several ports at once (lazy: the page stream and the page recovery)', () => {
    const t = pageGuardTableText('ferry-ps-x', '198.18.0.2', [27123, lazyRecoveryPort(27123)], '198.18.0.3');
    expect(t).toContain('ip daddr 198.18.0.2 tcp dport { 27123, 27124 } ip saddr 198.18.0.3 accept');
    expect(t).toContain('tcp dport { 27123, 27124 } drop');
    expect(() => pageGuardTableText('ferry-ps-x', '198.18.0.2', [], '198.18.0.3')).toThrow(FerryError);
    expect(() => pageGuardTableText('ferry-ps-x', '198.18.0.2', [1, 70000], '198.18.0.3')).toThrow(FerryError);
  });

  it('speaks IPv6 for IPv6 listeners', () => {
    expect(pageGuardTableText('ferry-ps-x', '2001:db8::3', 27001, '2001:db8::2')).toContain(
      'ip6 daddr 2001:db8::3 tcp dport 27001 ip6 saddr 2001:db8::2 accept',
    );
  });

  it('refuses anything that is not two canonical addresses of one family and a port', () => {
    for (const [l, p, port] of [
      ['198.18.0.3', '2001:db8::2', 1],
      ['198.18.0.3 ', '198.18.0.2', 1],
      ['198.18.0.3', '198.18.0.2; flush ruleset', 1],
      ['2001:DB8::3', '2001:db8::2', 1],
      ['198.18.0.3', '198.18.0.2', 0],
      ['198.18.0.3', '198.18.0.2', 65536],
    ] as const) {
      expect(() => pageGuardTableText('ferry-ps-x', l, port, p)).toThrow(FerryError);
    }
    expect(() => pageGuardTableText('x y', '198.18.0.3', 1, '198.18.0.2')).toThrow(FerryError);
  });

  describe('the guards a plan needs (one per listening host)', () => {
    const lazy = {
      transferMode: 'lazy' as const,
      pageServer: { address: '198.18.0.2', port: 27123, peer: '198.18.0.3', guardTable: 'ferry-ps-m-1', tls: true },
    };
    it("streamed: the destination's page-stream port, from the source", () => {
      expect(
        pageGuards({ transferMode: 'streamed', pageServer: { address: '198.18.0.3', port: 27123, peer: '198.18.0.2', guardTable: 'ferry-ps-m-1' } }),
      ).toEqual([{ side: 'destination', table: 'ferry-ps-m-1', listen: '198.18.0.3', ports: [27123], peer: '198.18.0.2' }]);
    });
    it("lazy: the source's page-stream and recovery ports; with shared memory also the destination's direct-stream port", () => {
      const source = { side: 'source', table: 'ferry-ps-m-1', listen: '198.18.0.2', ports: [27123, 27124], peer: '198.18.0.3' };
      expect(pageGuards(lazy)).toEqual([source]);
      expect(pageGuards({ ...lazy, directStream: { address: '198.18.0.3', port: 27124, token: 't', peer: '198.18.0.2' } })).toEqual([
        source,
        { side: 'destination', table: 'ferry-ps-m-1', listen: '198.18.0.3', ports: [27124], peer: '198.18.0.2' },
      ]);
      // Each guard's nft text is valid for its own listener.
      for (const g of pageGuards({ ...lazy, directStream: { address: '198.18.0.3', port: 27124, token: 't', peer: '198.18.0.2' } })) {
        expect(pageGuardTableText(g.table, g.listen, g.ports, g.peer)).toContain(`ip daddr ${g.listen} tcp dport`);
      }
    });
    it('none without a peer address, a table or a page stream', () => {
      expect(
        pageGuards({ ...lazy, pageServer: { ...lazy.pageServer, peer: undefined }, directStream: { address: '198.18.0.3', port: 27124, token: 't' } }),
      ).toEqual([]);
      expect(pageGuards({ ...lazy, pageServer: { address: '198.18.0.2', port: 27123 } })).toEqual([]);
      expect(pageGuards({ transferMode: 'staged', pageServer: lazy.pageServer })).toEqual([]);
      expect(pageGuards({ transferMode: 'lazy' })).toEqual([]);
    });
  });
});
