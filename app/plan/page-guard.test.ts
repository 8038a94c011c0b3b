import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors';
import { lazyRecoveryPort, pageGuardTableName, pageGuardTableText } from './page-guard';

describe('page-stream guard (nft)', () => {
  it('admits the one peer to the listener port and drops every other source', () => {
    const t = pageGuardTableText(pageGuardTableName('m-20261201-194118-2276d8'), '198.18.0.3', 27123, '198.18.0.2');
    expect(t).toContain('table inet ferry-ps-m-20261201-194118-2276d8 {');
    const rules = t.split('\n').map((l) => l.trim()).filter((l) => /accept$|drop$/.test(l) && !l.startsWith('type'));
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
    expect(pageGuardTableText('ferry-ps-x', '2001:db8::3', 27001, '2001:db8::2')).toContain('ip6 daddr 2001:db8::3 tcp dport 27001 ip6 saddr 2001:db8::2 accept');
  });

  it('refuses anything that is not two canonical addresses of one family and a port', () => {
    for (const [l, p, port] of [
      ['198.18.0.3', '2001:db8::2', 1], ['198.18.0.3 ', '198.18.0.2', 1], ['198.18.0.3', '198.18.0.2; flush ruleset', 1],
      ['2001:DB8::3', '2001:db8::2', 1], ['198.18.0.3', '198.18.0.2', 0], ['198.18.0.3', '198.18.0.2', 65536],
    ] as const) {
      expect(() => pageGuardTableText('ferry-ps-x', l, port, p)).toThrow(FerryError);
    }
    expect(() => pageGuardTableText('x y', '198.18.0.3', 1, '198.18.0.2')).toThrow(FerryError);
  });
});
