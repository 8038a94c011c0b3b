import { describe, expect, it } from 'vitest';
import type { TcpSocket } from '../model/host';
import { verifyConnections } from './verify';

function sock(localPort: number, state: TcpSocket['state'], pid?: number): TcpSocket {
  return {
    state,
    recvQ: 0,
    sendQ: 0,
    local: { address: '198.18.0.100', port: localPort },
    remote: { address: '198.18.0.1', port: 7000 },
    owners: pid ? [{ comm: 'node', pid, fd: 20 }] : [],
    extra: {},
  };
}

describe('verifyConnections', () => {
  it('accepts connections ESTAB on the destination, owned by the tree and gone from the source', () => {
    const out = verifyConnections([sock(1, 'ESTAB', 9)], [sock(1, 'ESTAB', 9)], [9], []);
    expect(out).toHaveLength(1);
    expect(out[0]?.ok).toBe(true);
    expect(out[0]?.key).toBe('198.18.0.100:1>198.18.0.1:7000');
  });
  it('names each kind of failure', () => {
    const before = [sock(1, 'ESTAB', 9), sock(2, 'ESTAB', 9), sock(3, 'ESTAB', 9), sock(4, 'ESTAB', 9)];
    const dst = [sock(2, 'CLOSE-WAIT', 9), sock(3, 'ESTAB', 77), sock(4, 'ESTAB', 9)];
    const out = verifyConnections(before, dst, [9], [sock(4, 'ESTAB')]);
    expect(out.map((o) => o.problem)).toEqual([
      'missing on the destination',
      'CLOSE-WAIT on the destination',
      'not owned by the restored process (owners: 77)',
      'still present on the source',
    ]);
    expect(out.every((o) => !o.ok)).toBe(true);
  });
  it('ignores listening sockets and TIME-WAIT leftovers on the source', () => {
    const out = verifyConnections([sock(1, 'LISTEN', 9), sock(5, 'ESTAB', 9)], [sock(5, 'ESTAB', 9)], [9], [sock(5, 'TIME-WAIT')]);
    expect(out).toHaveLength(1);
    expect(out[0]?.ok).toBe(true);
  });
});
