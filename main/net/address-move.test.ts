import { describe, expect, it } from 'vitest';
import type { AddressMove } from '../../app/model/migration';
import { addBatch, removeBatch } from './address-move';

const v4: AddressMove = { address: '198.18.0.100', prefixLen: 32, family: 'inet', sourceDevice: 'eth0', destinationDevice: 'eth1', routes: [{ dst: '198.18.0.1', dev: 'eth0' }, { dst: 'default', dev: 'eth0', gateway: '198.18.0.254' }] };
const v6: AddressMove = { address: '2001:db8::100', prefixLen: 128, family: 'inet6', sourceDevice: 'eth0', destinationDevice: 'eth0', routes: [] };

describe('address move batches', () => {
  it('removes on the source device', () => {
    expect(removeBatch([v4, v6], (m) => m.sourceDevice)).toBe('addr del 198.18.0.100/32 dev eth0\naddr del 2001:db8::100/128 dev eth0\n');
  });
  it('adds on the destination device with the routes that prefer the address, IPv6 without DAD', () => {
    expect(addBatch([v4, v6], (m) => m.destinationDevice)).toBe(
      'addr add 198.18.0.100/32 dev eth1\n' +
        'route replace 198.18.0.1 dev eth1 src 198.18.0.100\n' +
        'route replace default via 198.18.0.254 dev eth1 src 198.18.0.100\n' +
        'addr add 2001:db8::100/128 dev eth0 nodad\n',
    );
  });
  it('is empty without addresses', () => {
    expect(addBatch([], (m) => m.destinationDevice)).toBe('');
  });
});
