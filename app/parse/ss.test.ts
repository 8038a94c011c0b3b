import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fourTupleKey, type TcpSocket } from '../model/host';
import { parseEndpoint, parseSs } from './ss';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
// Captured in a throwaway netns: listeners on 127.0.0.1, ::1, [::] (dual stack), 0.0.0.0 and fe80::1%lo,
// connections in every state we could reach; owners are three processes whose comm holds quotes, commas,
// spaces and parentheses (the listening ones are shared by all three after fork).
const all = parseSs(fixture('ss-tinpHOa.txt'));
const find = (list: TcpSocket[], key: string) => {
  const s = list.find((x) => fourTupleKey(x) === key);
  if (!s) throw new Error(`no socket ${key}`);
  return s;
};
const OWNERS = (fd: number) => [
  { comm: 'q"u,o"te x', pid: 6144, fd },
  { comm: "cli 'x' y", pid: 6143, fd },
  // The process is named `srv (a),"b" c`: ss reads it from /proc/PID/stat up to the first ')'.
  { comm: 'srv (a', pid: 6100, fd },
];

describe('parseSs on ss -tinpHOa', () => {
  it('reads every line, in every state', () => {
    expect(all).toHaveLength(33);
    const count = (st: string) => all.filter((s) => s.state === st).length;
    expect(count('LISTEN')).toBe(6);
    expect(count('ESTAB')).toBe(17);
    expect(count('TIME-WAIT')).toBe(2);
    expect(count('SYN-SENT')).toBe(3);
    expect(['CLOSE-WAIT', 'FIN-WAIT-1', 'LAST-ACK'].map(count)).toEqual([1, 1, 1]);
    expect(count('FIN-WAIT-2')).toBe(2);
  });

  it('parses a full established socket exactly', () => {
    expect(find(all, '127.0.0.1:46858>127.0.0.1:5001')).toEqual({
      state: 'ESTAB',
      recvQ: 0,
      sendQ: 0,
      local: { address: '127.0.0.1', port: 46858 },
      remote: { address: '127.0.0.1', port: 5001 },
      owners: OWNERS(8),
      rttMs: 0.036,
      rttVarMs: 0.02,
      rtoMs: 204,
      cwnd: 11,
      lastSendMs: 2752,
      lastRecvMs: 2752,
      lastAckMs: 2752,
      bytesSent: 6,
      bytesReceived: 7,
      extra: {
        congestion: 'bbr',
        wscale: '10,10',
        ato: '40',
        mss: '32768',
        pmtu: '65535',
        rcvmss: '536',
        advmss: '65483',
        bytes_acked: '7',
        segs_out: '4',
        segs_in: '3',
        data_segs_out: '1',
        data_segs_in: '1',
        bbr: '(bw:32768000000bps,mrtt:0.008,pacing_gain:2.88672,cwnd_gain:2.88672)',
        send: '80099555556bps',
        pacing_rate: '182573458280bps',
        delivery_rate: '32768000000bps',
        delivered: '2',
        app_limited: 'true',
        rcv_space: '65495',
        rcv_ssthresh: '65495',
        minrtt: '0.008',
        snd_wnd: '65536',
      },
    });
  });

  it('reads a sender stuck behind a zero window: queue, backoff, retransmits', () => {
    const s = find(all, '127.0.0.1:35158>127.0.0.1:5004');
    expect(s).toMatchObject({ state: 'ESTAB', recvQ: 0, sendQ: 3782144, rttMs: 4.722, rttVarMs: 9.406, rtoMs: 208, cwnd: 16 });
    expect(s).toMatchObject({ retransCurrent: 0, retransTotal: 1, bytesSent: 176128, lastSendMs: 2492, lastAckMs: 992 });
    expect(s.bytesReceived).toBeUndefined();
    expect(s.extra).toMatchObject({
      backoff: '3',
      bytes_retrans: '47616',
      bytes_acked: '128513',
      notsent: '3782144',
      rwnd_limited: '2748ms(100.0%)',
      busy: '2748ms',
    });
    // Its peer never reads: the data sits in its receive queue.
    expect(find(all, '127.0.0.1:5004>127.0.0.1:35158').recvQ).toBe(128512);
  });

  it('reads half-closed states with their queues', () => {
    expect(find(all, '127.0.0.1:35164>127.0.0.1:5004')).toMatchObject({ state: 'FIN-WAIT-1', sendQ: 3782145 });
    expect(find(all, '[::1]:47266>[::1]:5002')).toMatchObject({ state: 'LAST-ACK', recvQ: 1, sendQ: 3782145 });
    expect(find(all, '[::1]:5002>[::1]:47266')).toMatchObject({ state: 'FIN-WAIT-2', recvQ: 128512 });
    expect(find(all, '127.0.0.1:46864>127.0.0.1:5001')).toMatchObject({ state: 'CLOSE-WAIT', recvQ: 1, owners: OWNERS(25) });
  });

  it('keeps owners with quotes and commas in their names, and sockets without owners', () => {
    expect(find(all, '0.0.0.0:5004>0.0.0.0:0')).toMatchObject({ state: 'LISTEN', recvQ: 0, sendQ: 16, owners: OWNERS(6), cwnd: 10 });
    expect(find(all, '127.0.0.1:46872>127.0.0.1:5001').owners).toEqual([{ comm: 'q"u,o"te x', pid: 6144, fd: 32 }]);
    // Accepted by the kernel but not yet by the process: no owner, yet full -i stats.
    const queued = find(all, '127.0.0.1:5001>127.0.0.1:46872');
    expect(queued).toMatchObject({ owners: [], recvQ: 4, bytesReceived: 4 });
    const tw = find(all, '127.0.0.1:46870>127.0.0.1:5001');
    expect(tw).toEqual({
      state: 'TIME-WAIT',
      recvQ: 0,
      sendQ: 0,
      local: { address: '127.0.0.1', port: 46870 },
      remote: { address: '127.0.0.1', port: 5001 },
      owners: [],
      extra: {},
    });
  });

  it('reads IPv6, dual-stack wildcard, link-local scope and IPv4-mapped addresses', () => {
    expect(find(all, '[::1]:5002>[::]:0').state).toBe('LISTEN');
    const dual = all.find((s) => s.local.port === 5003 && s.state === 'LISTEN');
    expect(dual?.local).toEqual({ address: '*', port: 5003 });
    expect(dual?.remote).toEqual({ address: '*', port: 0 });
    const ll = all.filter((s) => s.local.address === 'fe80::1');
    expect(ll.map((s) => [s.state, s.local.scope, s.remote.scope])).toEqual([
      ['LISTEN', 'lo', undefined],
      ['ESTAB', 'lo', undefined],
      ['ESTAB', 'lo', undefined],
    ]);
    expect(find(all, '[::ffff:127.0.0.1]:5003>[::ffff:127.0.0.1]:50710').owners).toEqual(OWNERS(14));
  });

  it('reads SYN-SENT sockets with their retransmitted SYNs', () => {
    const syn = all.filter((s) => s.state === 'SYN-SENT');
    expect(syn.map((s) => [s.sendQ, s.retransCurrent, s.retransTotal, s.rtoMs, s.extra.unacked, s.extra.lost])).toEqual(
      Array(3).fill([1, 1, 2, 1000, '1', '1']),
    );
  });
});

describe('parseSs on other captures', () => {
  it('sees only connected sockets without -a, and no owners without -p', () => {
    const conn = parseSs(fixture('ss-tinpHO.txt'));
    const noP = parseSs(fixture('ss-tinHO.txt'));
    expect(conn).toHaveLength(25);
    expect(conn.some((s) => s.state === 'LISTEN' || s.state === 'TIME-WAIT')).toBe(false);
    expect(noP.map(fourTupleKey)).toEqual(conn.map(fourTupleKey));
    expect(noP.every((s) => s.owners.length === 0)).toBe(true);
    // SYN-SENT sockets have no RTT sample yet.
    expect(noP.filter((s) => s.rttMs === undefined).map((s) => s.state)).toEqual(['SYN-SENT', 'SYN-SENT', 'SYN-SENT']);
  });

  it('reads retransmissions after the path died, owned by a process whose name has a newline', () => {
    // lo was set down in the netns after the handshake, then 3000 bytes were sent.
    const list = parseSs(fixture('ss-tinpHOa-retrans.txt'));
    expect(list).toHaveLength(3);
    expect(list.every((s) => s.owners[0]?.comm === 'nl\nname' && s.owners[0].pid === 6317)).toBe(true);
    expect(find(list, '127.0.0.1:43962>127.0.0.1:6001')).toMatchObject({
      sendQ: 3000,
      rtoMs: 3264,
      cwnd: 1,
      retransCurrent: 1,
      retransTotal: 5,
      bytesSent: 19000,
      extra: expect.objectContaining({ backoff: '4', unacked: '1', lost: '1', bytes_retrans: '15000' }),
    });
  });

  it('drops wrapped-around last* values (SYN-SENT, captured in an earlier run) but keeps them in extra', () => {
    const [s] = parseSs(
      'SYN-SENT   0      1                127.0.0.1:47208          127.0.0.1:5006  users:(("cli \'x\' y",pid=5992,fd=29),("srv (a",pid=5949,fd=29)) bbr rto:1000 mss:524 pmtu:65535 rcvmss:88 advmss:65495 cwnd:1 segs_out:3 bbr:(bw:0bps,mrtt:0) lastsnd:4294962508 lastrcv:4294962508 lastack:4294962508 app_limited unacked:1 retrans:1/2 lost:1 rcv_ssthresh:65495',
    );
    expect(s?.lastSendMs).toBeUndefined();
    expect(s?.lastAckMs).toBeUndefined();
    expect(s?.extra.lastsnd).toBe('4294962508');
    expect(s?.owners.map((o) => o.pid)).toEqual([5992, 5949]);
  });

  it('skips headers, accepts a Netid column, CRLF, unknown states and bracketed scopes', () => {
    const text = [
      'Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process',
      'tcp   SYN-RECV 0   0   [fe80::2%eth0]:22   [fe80::9%eth0]:51000\r',
      'tcp   NEW-THING 0  0   10.0.0.1:1          10.0.0.2:2   timer:(on,200ms,0) uid:0 ino:0 sk:1 <->',
      '',
    ].join('\n');
    const [a, b] = parseSs(text);
    expect(a).toMatchObject({
      state: 'SYN-RECV',
      local: { address: 'fe80::2', port: 22, scope: 'eth0' },
      remote: { address: 'fe80::9', port: 51000, scope: 'eth0' },
    });
    expect(b?.state).toBe('UNKNOWN');
    expect(b?.extra).toMatchObject({ state: 'NEW-THING', timer: '(on,200ms,0)', uid: '0', sk: '1', '<->': 'true' });
    expect(parseSs('')).toEqual([]);
  });
});

describe("parseSs brief (the process views' listing)", () => {
  /** What a brief parse keeps of a socket. */
  const typed = (s: TcpSocket) => ({
    ...{ state: s.state, recvQ: s.recvQ, sendQ: s.sendQ, local: s.local, remote: s.remote, owners: s.owners },
    ...{ rttMs: s.rttMs, rttVarMs: s.rttVarMs, rtoMs: s.rtoMs, cwnd: s.cwnd, retransCurrent: s.retransCurrent, retransTotal: s.retransTotal },
  });

  it('reads the same state, queues, owners, rtt, rto, cwnd and retransmits as a full parse, and only backoff in extra', () => {
    for (const name of ['ss-tinpHOa.txt', 'ss-tinpHOa-retrans.txt']) {
      const full = parseSs(fixture(name));
      const brief = parseSs(fixture(name), { brief: true });
      expect(brief.map(typed)).toEqual(full.map(typed));
      expect(brief.some((s) => s.lastSendMs !== undefined || s.bytesSent !== undefined)).toBe(false);
      expect(brief.map((s) => s.extra)).toEqual(full.map((s) => (s.extra.backoff === undefined ? {} : { backoff: s.extra.backoff })));
    }
    // The zero-window receiver's sender backs off: the rto schedule reads it.
    expect(parseSs(fixture('ss-tinpHOa.txt'), { brief: true }).some((s) => s.extra.backoff !== undefined)).toBe(true);
  });

  it('reads ss -tainpHO with its padding squeezed (tr -s, captured on the lab under main/bench/ps-load.py)', () => {
    const socks = parseSs(fixture('ss-tainpHO-squeezed.txt'), { brief: true });
    expect(socks).toHaveLength(12);
    expect(socks[0]).toEqual({
      state: 'LISTEN',
      recvQ: 0,
      sendQ: 128,
      local: { address: '198.18.0.2', port: 22 },
      remote: { address: '0.0.0.0', port: 0 },
      owners: [{ comm: 'sshd', pid: 2, fd: 3 }],
      cwnd: 10,
      extra: {},
    });
    expect(socks[2]).toEqual({
      state: 'ESTAB',
      recvQ: 0,
      sendQ: 0,
      local: { address: '127.0.0.1', port: 59509 },
      remote: { address: '127.0.0.1', port: 54074 },
      owners: [{ comm: 'python3', pid: 6793, fd: 725 }],
      rtoMs: 200,
      rttMs: 0.006,
      rttVarMs: 0.003,
      cwnd: 10,
      extra: {},
    });
    // Squeezing changes no figure: the same text padded as ss prints it parses alike.
    const padded = fixture('ss-tainpHO-squeezed.txt').replace(/ /g, '      ');
    expect(parseSs(padded, { brief: true })).toEqual(socks);
  });

  it('rejects malformed figures rather than guessing', () => {
    const [s] = parseSs('ESTAB 0 0 10.0.0.1:1 10.0.0.2:2 rto:2.0.4 rtt:1/ cwnd:.5 retrans:0/3 lastsnd:4294962508 backoff:2', { brief: true });
    expect(s).toMatchObject({ retransCurrent: 0, retransTotal: 3, extra: { backoff: '2' } });
    expect([s?.rtoMs, s?.rttMs, s?.cwnd, s?.lastSendMs]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('parseEndpoint', () => {
  it.each([
    ['127.0.0.1:80', { address: '127.0.0.1', port: 80 }],
    ['[::1]:443', { address: '::1', port: 443 }],
    ['[fe80::1]%lo:5005', { address: 'fe80::1', port: 5005, scope: 'lo' }],
    ['[fe80::1%eth0]:22', { address: 'fe80::1', port: 22, scope: 'eth0' }],
    ['[::ffff:1.2.3.4]:9', { address: '::ffff:1.2.3.4', port: 9 }],
    ['*:*', { address: '*', port: 0 }],
    ['0.0.0.0:*', { address: '0.0.0.0', port: 0 }],
  ])('%s', (text, want) => {
    expect(parseEndpoint(text)).toEqual(want);
  });
  it.each(['', ':80', '[::1:80', '1.2.3.4:http', '[::1]x:1', '1.2.3.4:123456'])('rejects %j', (text) => {
    expect(parseEndpoint(text)).toBeNull();
  });
});
