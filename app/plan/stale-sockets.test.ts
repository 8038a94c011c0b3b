import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TcpSocket } from '../model/host';
import { parseSs } from '../parse/ss';
import { describeStates, ssTupleFilters, tupleClashes } from './stale-sockets';

// lab-b's sockets after a killed workload's connections could not finish closing (the address had left).
const orphans = parseSs(readFileSync(new URL('./fixtures/lab-b-ss-orphans.txt', import.meta.url), 'utf8'));
const conn = (local: string, lport: number, remote: string, rport: number): TcpSocket => ({
  state: 'ESTAB',
  recvQ: 0,
  sendQ: 0,
  local: { address: local, port: lport },
  remote: { address: remote, port: rport },
  owners: [{ comm: 'node', pid: 1, fd: 3 }],
  extra: {},
});

describe('four-tuples held on the destination', () => {
  it("finds the leftovers with a migrating connection's four-tuple, IPv4-mapped or not, never a listener", () => {
    const c = tupleClashes(
      [
        conn('198.18.0.100', 34118, '198.18.0.1', 7000),
        conn('::ffff:198.18.0.100', 40488, '::ffff:198.18.0.1', 7000),
        conn('198.18.0.3', 22, '0.0.0.0', 0),
        conn('198.18.0.100', 1, '198.18.0.1', 7000),
      ],
      orphans,
    );
    expect(c.owned).toEqual([]);
    expect(c.stale.map((s) => `${s.state} ${s.local.port}`)).toEqual(['FIN-WAIT-1 34118', 'FIN-WAIT-2 40488']);
    expect(describeStates(orphans)).toBe('20 FIN-WAIT-1, 5 FIN-WAIT-2, 1 LISTEN, 1 TIME-WAIT');
  });

  it('writes ss filters for exactly those four-tuples, in batches, IPv6 in brackets, odd values dropped', () => {
    const f = ssTupleFilters(
      [
        conn('198.18.0.100', 34118, '198.18.0.1', 7000),
        conn('198.18.0.100', 34118, '198.18.0.1', 7000),
        conn('::ffff:198.18.0.100', 40488, '198.18.0.1', 7000),
        conn('2001:2:0::5', 443, '2001:2::1', 50000),
        conn('198.18.0.100; reboot', 1, '198.18.0.1', 7000),
        conn('198.18.0.100', 0, '198.18.0.1', 7000),
      ],
      2,
    );
    expect(f).toEqual([
      '( src 198.18.0.100:34118 and dst 198.18.0.1:7000 ) or ( src 198.18.0.100:40488 and dst 198.18.0.1:7000 )',
      '( src [2001:2::5]:443 and dst [2001:2::1]:50000 )',
    ]);
  });
});
