import { describe, expect, it } from 'vitest';
import type { HostSpec } from '../model/host';
import { duplicateAddresses } from '../ip-address';
import { hostIdentity, sameHostProblem } from './host-identity';

const spec = (name: string, hostName: string, more: Partial<HostSpec> = {}): HostSpec => ({
  name,
  hostName,
  user: 'root',
  port: 22,
  identityFiles: [],
  source: 't',
  ...more,
});

describe('host identity', () => {
  it('is the resolved HostName (case-folded, canonical IP) and port', () => {
    expect(hostIdentity(spec('a', 'Web.Example.'))).toBe('web.example:22');
    expect(hostIdentity(spec('a', '2001:DB8:0:0::1', { port: 2222 }))).toBe('[2001:db8::1]:2222');
    expect(hostIdentity(spec('a', '198.18.0.2'))).toBe(hostIdentity(spec('b', '198.18.0.2', { user: 'other' })));
    expect(hostIdentity(spec('a', '198.18.0.2'))).not.toBe(hostIdentity(spec('a', '198.18.0.2', { port: 2222 })));
  });

  it('includes the route: behind another jump host or ProxyCommand the same address is another machine', () => {
    const viaA = spec('a', '10.0.0.5', { proxyJump: 'bastion-a' });
    expect(hostIdentity(viaA)).toBe(hostIdentity(spec('b', '10.0.0.5', { proxyJump: 'Bastion-A' })));
    expect(hostIdentity(viaA)).not.toBe(hostIdentity(spec('c', '10.0.0.5', { proxyJump: 'bastion-b' })));
    expect(hostIdentity(spec('a', '198.18.0.2', { proxyCommand: 'nsenter --net=/run/netns/x-a nc %h %p' }))).not.toBe(
      hostIdentity(spec('a', '198.18.0.2', { proxyCommand: 'nsenter --net=/run/netns/y-a nc %h %p' })),
    );
  });

  it('refuses one host as source and destination, naming both names and what they reach', () => {
    expect(sameHostProblem(spec('x', '127.0.0.1'), spec('x', '127.0.0.1'), { from: 'x', to: 'X' })?.message).toBe(
      'source and destination are the same host (x)',
    );
    expect(sameHostProblem(spec('x', '127.0.0.1'), spec('x2', '127.0.0.1'), { from: 'x', to: 'x2' })?.message).toBe(
      'source and destination are the same host: x and x2 both reach 127.0.0.1:22',
    );
    expect(sameHostProblem(spec('x', '127.0.0.1'), spec('y', '127.0.0.2'), { from: 'x', to: 'y' })).toBeUndefined();
  });
});

describe('duplicateAddresses', () => {
  it('finds an address given twice, in any spelling', () => {
    expect(duplicateAddresses(['198.18.0.100', '198.18.0.101', '198.18.0.100'])).toEqual(['198.18.0.100']);
    expect(duplicateAddresses(['2001:db8::1', '2001:DB8:0:0::1'])).toEqual(['2001:db8::1']);
    expect(duplicateAddresses(['198.18.0.100', '198.18.0.101'])).toEqual([]);
  });
});
