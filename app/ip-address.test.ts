import { describe, expect, it } from 'vitest';
import { isLinkLocal, sameSubnet } from './ip-address';

describe('sameSubnet', () => {
  it.each([
    ['198.18.0.2', '198.18.0.100', 24, true],
    ['198.18.0.2', '198.18.1.100', 24, false],
    ['198.18.0.2', '198.19.0.2', 16, false],
    ['198.18.0.2', '198.19.0.2', 15, true],
    ['2001:2::2', '2001:2::100', 64, true],
    ['2001:2::2', '2001:2:0:1::100', 64, false],
    ['2001:2::2', '2001:2:0:1::100', 48, true],
    ['2001:2::100', '2001:2::100', 128, true],
    ['2001:2::100', '2001:2::101', 128, false],
    ['::ffff:198.18.0.2', '::ffff:198.18.0.9', 120, true],
    ['198.18.0.2', '2001:2::2', 0, false],
    ['198.18.0.2', '198.18.0.3', 33, false],
    ['not', '198.18.0.3', 24, false],
  ])('%s and %s in a /%d: %s', (a, b, len, want) => {
    expect(sameSubnet(a, b, len)).toBe(want);
  });
});

describe('isLinkLocal', () => {
  it.each([
    ['fe80::1', true],
    ['fe80::a02d:86ff:fe6a:caf5', true],
    ['febf::1', true],
    ['fec0::1', false],
    ['2001:2::100', false],
    ['198.18.0.100', false],
    ['fe80::1%eth0', false],
  ])('%s: %s', (a, want) => {
    expect(isLinkLocal(a)).toBe(want);
  });
});
