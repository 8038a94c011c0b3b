import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort } from './host-port';

describe('parseHostPort', () => {
  it('parses IPv4, IPv6 in brackets and names', () => {
    expect(parseHostPort('127.0.0.1:7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseHostPort('lab-peer:1')).toEqual({ host: 'lab-peer', port: 1 });
  });

  it('allows port 0 only when asked', () => {
    expect(typeof parseHostPort('127.0.0.1:0')).toBe('string');
    expect(parseHostPort('127.0.0.1:0', { allowZero: true })).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it.each(['127.0.0.1', '::1:80', '127.0.0.1:65536', ':80', 'a b:1', '[::1]80', '1.2.3.4:-1'])('rejects %j', (s) => {
    expect(typeof parseHostPort(s)).toBe('string');
  });
});

describe('formatHostPort', () => {
  it('brackets IPv6', () => {
    expect(formatHostPort('10.0.0.1', 5)).toBe('10.0.0.1:5');
    expect(formatHostPort('::ffff:10.0.0.1', 5)).toBe('[::ffff:10.0.0.1]:5');
  });
});
