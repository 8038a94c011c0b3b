import { describe, expect, it } from 'vitest';
import type { AddressMove } from '../../app/model/migration';
import type { Executor, RunResult } from '../hosts/executor';
import { AddressAddError, addAddresses, addBatch, addedBeforeFailure, removeBatch } from './address-move';

const v4: AddressMove = {
  address: '198.18.0.100',
  prefixLen: 32,
  family: 'inet',
  sourceDevice: 'eth0',
  destinationDevice: 'eth1',
  routes: [
    { dst: '198.18.0.1', dev: 'eth0' },
    { dst: 'default', dev: 'eth0', gateway: '198.18.0.254' },
  ],
};
const v6: AddressMove = { address: '2001:db8::100', prefixLen: 128, family: 'inet6', sourceDevice: 'eth0', destinationDevice: 'eth0', routes: [] };
const v6routed: AddressMove = {
  ...v6,
  routes: [
    { dst: '2001:db8::1', dev: 'eth0' },
    { dst: 'default', dev: 'eth0', gateway: 'fe80::1' },
  ],
};

describe('address move batches', () => {
  it('removes on the source device', () => {
    expect(removeBatch([v4, v6], (m) => m.sourceDevice)).toBe('addr del 198.18.0.100/32 dev eth0\naddr del 2001:db8::100/128 dev eth0\n');
  });
  it("deletes an IPv6 address's source routes before it (the kernel would keep them without their src)", () => {
    expect(removeBatch([v4, v6routed], (m) => m.sourceDevice)).toBe(
      'addr del 198.18.0.100/32 dev eth0\n' +
        'route del 2001:db8::1 dev eth0 src 2001:db8::100\n' +
        'route del default via fe80::1 dev eth0 src 2001:db8::100\n' +
        'addr del 2001:db8::100/128 dev eth0\n',
    );
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

  it('knows which addresses a failed add had already put there (ip stops at the failed line)', () => {
    const dst = (m: AddressMove) => m.destinationDevice;
    // Line 2 is v4's first route: v4 is on the host, v6 is not.
    expect(addedBeforeFailure([v4, v6], dst, 'Error: Invalid prefsrc address.\nCommand failed -:2\n')).toEqual({ moves: [v4], certain: true });
    // Line 1 is v4's address itself (someone else holds it): nothing of ours is there.
    expect(addedBeforeFailure([v4, v6], dst, 'RTNETLINK answers: File exists\nCommand failed -:1\n')).toEqual({ moves: [], certain: true });
    // Line 4 is v6's address: v4 and its two routes went in.
    expect(addedBeforeFailure([v4, v6], dst, 'Command failed -:4\n')).toEqual({ moves: [v4], certain: true });
    // No line named: any may be there.
    expect(addedBeforeFailure([v4, v6], dst, 'Connection reset')).toEqual({ moves: [v4, v6], certain: false });
  });
  it('addAddresses throws AddressAddError saying what it added', async () => {
    const calls: { argv: readonly string[]; stdin: unknown }[] = [];
    const exec: Executor = {
      run: async (_h, argv, opts) => {
        calls.push({ argv, stdin: opts?.stdin });
        return { code: 1, stdout: '', stderr: 'Error: Nexthop device is not up.\nCommand failed -:2\n' } satisfies RunResult;
      },
      spawn: () => Promise.reject(new Error('unused')),
      close: async () => {},
    };
    const err = await addAddresses(exec, 'lab-b', [v4], (m) => m.destinationDevice).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AddressAddError);
    expect((err as AddressAddError).code).toBe('ADDRESS_MOVE_FAILED');
    expect((err as AddressAddError).message).toContain('Nexthop device is not up');
    expect((err as AddressAddError).added).toEqual({ moves: [v4], certain: true });
    expect(calls[0]?.argv).toEqual(['ip', '-batch', '-']);
  });
});
