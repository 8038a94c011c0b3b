// A migration onto a host that still holds leftover sockets with the migrating connections' four-tuples: CRIU
// cannot connect a restored socket back onto a four-tuple the kernel holds (EADDRNOTAVAIL, "Can't connect inet
// socket back"). The leftovers are made for real: orphans in FIN-WAIT-1 on lab-b (connections from the service
// address closed while their ACKs were dropped, then the address moved away), and a workload on lab-a whose
// ephemeral ports are the same ones (lab-a's ip_local_port_range narrowed to those ports while it connects).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ferry, sleep } from './cli';
import { labDown, labStatus, labUp, startDemo } from './lab-fixture';

const LAB = process.env.FERRY_LAB ?? 'ferry';
const SERVICE = '198.18.0.100';
const FIRST = 40100;
const LAST = 40107;
const inNs = (host: string, argv: string[], input?: string) =>
  execFileSync('nsenter', [`--net=/run/netns/${LAB}-${host}`, '--', ...argv], { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
const finWait1 = () => inNs('b', ['ss', '-tanH', 'state', 'fin-wait-1', 'src', SERVICE]).split('\n').filter(Boolean);

/** Moves the service address (with the lab's route to the peer that prefers it) from one host to the other. */
function moveService(from: string, to: string) {
  inNs(from, ['ip', 'addr', 'del', `${SERVICE}/32`, 'dev', 'eth0']);
  inNs(to, ['ip', 'addr', 'add', `${SERVICE}/32`, 'dev', 'eth0']);
  inNs(to, ['ip', 'route', 'replace', '198.18.0.1/32', 'dev', 'eth0', 'src', SERVICE]);
  inNs(to, ['arping', '-U', '-c', '1', '-I', 'eth0', SERVICE]);
}

describe('leftover sockets on the destination', () => {
  let pid: number;
  beforeAll(async () => {
    await labUp(0);
    // lab-b: eight connections from the service address, closed with their ACKs dropped; the address leaves.
    moveService('a', 'b');
    const made = inNs('b', [
      'python3',
      path.join(REPO, 'test/integration/orphan-sockets.py'),
      SERVICE,
      String(FIRST),
      String(LAST),
      '198.18.0.1',
      '7000',
      'orphan-test',
    ]);
    expect(made.trim().split('\n')).toHaveLength(8);
    await sleep(200);
    moveService('b', 'a');
    inNs('b', ['nft', 'delete', 'table', 'inet', 'orphan-test']);
    // The peer forgets its side (its FIN would reach lab-a now and be reset anyway).
    inNs('peer', ['ss', '-K', '-tH', 'state', 'all', 'dst', SERVICE, `( dport >= :${FIRST} and dport <= :${LAST} )`]);
    // lab-a: a workload whose ephemeral ports can only be those eight.
    const range = inNs('a', ['sysctl', '-n', 'net.ipv4.ip_local_port_range']).trim();
    inNs('a', ['sysctl', '-w', `net.ipv4.ip_local_port_range=${FIRST} ${LAST}`]);
    try {
      pid = (await startDemo('reused-ports', { pid: 4300, connections: 4 })).pid;
    } finally {
      inNs('a', ['sysctl', '-w', `net.ipv4.ip_local_port_range=${range.replace(/\s+/, ' ')}`]);
    }
  });
  afterAll(async () => {
    await labDown();
  });

  it('destroys them before the freeze and restores every connection', async () => {
    const mine = inNs('a', ['ss', '-tanH', 'state', 'established', 'dst', '198.18.0.1:7000']).split('\n').filter(Boolean);
    expect(mine).toHaveLength(4);
    const ports = mine.map((l) => Number(/198\.18\.0\.100:(\d+)/.exec(l)?.[1]));
    expect(ports.every((p) => p >= FIRST && p <= LAST)).toBe(true);
    // Each of the workload's four-tuples is held on lab-b by an orphan that retransmits into nowhere for minutes.
    const held = finWait1();
    expect(ports.every((p) => held.some((l) => l.includes(`${SERVICE}:${p} `)))).toBe(true);

    const r = await ferry(['migrate', '--from', 'lab-a', '--pid', String(pid), '--to', 'lab-b', '--json']);
    const rec = r.json?.record;
    expect(rec?.outcome, `${r.stdout}\n${r.stderr}`).toBe('succeeded');
    expect(rec.plan.staleOnDestination.map((s: any) => s.state)).toEqual(['FIN-WAIT-1', 'FIN-WAIT-1', 'FIN-WAIT-1', 'FIN-WAIT-1']);
    expect(rec.warnings.join('\n')).toMatch(/lab-b still holds 4 leftover socket\(s\).*4 FIN-WAIT-1/);
    expect(rec.connections.every((c: any) => c.ok)).toBe(true);
    expect(r.json.witness).toMatchObject({ connections: 4, resets: 0, reconnects: 0, intact: true });
    // Exactly the four that stood in the way (the other orphans die by themselves once the address is back:
    // their FINs reach the peer, which answers with a reset).
    expect(rec.plan.staleOnDestination.map((s: any) => s.local.port).sort()).toEqual([...ports].sort());
    await sleep(500);
    const after = (await labStatus()).witness!.connections.filter((c) => c.clientId === 'reused-ports');
    expect(after.every((c) => c.closeReason === 'open' && c.intact === true)).toBe(true);
  });
});
