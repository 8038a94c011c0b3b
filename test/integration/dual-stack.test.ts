// A dual-stack process (two connections over IPv4, two over IPv6, each from its service address) migrates
// lab-a → lab-b → lab-a; the witness on the peer checks both families and the workload checks every answer.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry, ferryOk, sleep } from './cli';
import { labDown, labStatus, labUp, startDemo } from './lab-fixture';

const PID = 4343;
const CLIENT = 'dualstack';

/** Runs a command in a lab host's network namespace (read-only queries). */
const inNet = (host: 'a' | 'b' | 'peer', argv: string[]) =>
  execFileSync('nsenter', [`--net=/run/netns/${process.env.FERRY_LAB ?? 'ferry'}-${host}`, ...argv], { encoding: 'utf8' });

/** The peer's neighbour entry for an address: its link-layer address and state. */
const peerNeighbour = (address: string) => inNet('peer', ['ip', '-6', 'neigh', 'show', address]).trim();

/** A host's eth0 link-layer address. */
const macOf = (host: 'a' | 'b') => (JSON.parse(inNet(host, ['ip', '-j', 'link', 'show', 'eth0'])) as { address: string }[])[0]?.address ?? '?';

/** A host's IPv6 routes to the peer or preferring `src`. */
const routesFrom = (host: 'a' | 'b', src: string) =>
  inNet(host, ['ip', '-6', 'route', 'show'])
    .split('\n')
    .filter((l) => l.includes(`src ${src}`) || /^2001:2::1 /.test(l));

describe('lab: a dual-stack migration', () => {
  let log = '';

  beforeAll(async () => {
    const s = await labUp(0);
    expect(s.up).toBe(true);
    expect(s.serviceAddress.holder).toBe('lab-a');
    expect(s.serviceAddress6.holder).toBe('lab-a');
    const demo = await startDemo(CLIENT, { pid: PID, connections: 2, extra: ['--connect', '[2001:2::1]:7000'], open: 4 });
    log = demo.log;
  });
  afterAll(async () => {
    await labDown();
  });

  async function migrate(from: string, to: string, mode: 'streamed' | 'lazy') {
    const r = await ferry(['migrate', '--from', from, '--pid', String(PID), '--to', to, '--mode', mode, '--json']);
    if (r.code !== 0) throw new Error(`migrate ${from}→${to} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    const rec = r.json.record;
    expect(rec.outcome).toBe('succeeded');
    expect(rec.plan.addresses.map((a: any) => [a.address, a.family, a.routes.map((x: any) => x.dst)])).toEqual([
      ['198.18.0.100', 'inet', ['198.18.0.1']],
      ['2001:2::100', 'inet6', ['2001:2::1']],
    ]);
    expect(rec.connections).toHaveLength(4);
    expect(rec.connections.map((c: any) => c.before.local.address).sort()).toEqual(['198.18.0.100', '198.18.0.100', '2001:2::100', '2001:2::100']);
    expect(rec.connections.every((c: any) => c.ok && c.after.state === 'ESTAB' && c.after.owners.some((o: any) => o.pid === PID))).toBe(true);
    expect(rec.warnings).toEqual([]);
    expect(r.json.witness).toMatchObject({ connections: 4, resets: 0, reconnects: 0, intact: true });
    return rec;
  }

  /** The witness's view of this client's connections per family: open, intact, and still receiving. */
  async function witnessByFamily() {
    const w = (await labStatus()).witness!;
    const mine = w.connections.filter((c) => c.clientId === CLIENT);
    return {
      v4: mine.filter((c) => !c.remote.startsWith('[')),
      v6: mine.filter((c) => c.remote.startsWith('[2001:2::100]:')),
      reconnects: w.clients.filter((c) => c.clientId === CLIENT).reduce((n, c) => n + c.reconnects, 0),
    };
  }

  /** Both families' connections are open, intact and carried messages since `before`. */
  async function expectFlowing(before: Awaited<ReturnType<typeof witnessByFamily>>) {
    await sleep(500);
    const after = await witnessByFamily();
    for (const fam of ['v4', 'v6'] as const) {
      expect(after[fam]).toHaveLength(2);
      for (const c of after[fam]) {
        expect(c.closeReason).toBe('open');
        expect(c.intact).toBe(true);
        const was = before[fam].find((x) => x.id === c.id);
        expect(c.messages, `${fam} ${c.remote}`).toBeGreaterThan((was?.messages ?? 0) + 10);
      }
    }
  }

  it('holds two IPv4 and two IPv6 connections to the witness, from the service addresses', async () => {
    const w = await witnessByFamily();
    expect(w.v4.map((c) => c.remote.split(':')[0])).toEqual(['198.18.0.100', '198.18.0.100']);
    expect(w.v6).toHaveLength(2);
  });

  it('moves lab-a → lab-b: both addresses, the IPv6 one announced (the peer points at lab-b at once)', async () => {
    const before = await witnessByFamily();
    await migrate('lab-a', 'lab-b', 'streamed');
    const s = await labStatus();
    expect(s.serviceAddress.holder).toBe('lab-b');
    expect(s.serviceAddress6.holder).toBe('lab-b');
    // The unsolicited advertisement replaced the peer's entry: lab-b's address, without a probe of lab-a first.
    expect(peerNeighbour('2001:2::100')).toContain(`lladdr ${macOf('b')}`);
    // The source route went with the address; the source keeps no IPv6 route that lost its src.
    expect(routesFrom('a', '2001:2::100')).toEqual([]);
    expect(routesFrom('b', '2001:2::100')).toEqual([expect.stringMatching(/^2001:2::1 dev eth0 src 2001:2::100/)]);
    await expectFlowing(before);
  });

  it('moves it back lab-b → lab-a with lazy pages', async () => {
    await sleep(300);
    const before = await witnessByFamily();
    await migrate('lab-b', 'lab-a', 'lazy');
    expect((await labStatus()).serviceAddress.holder).toBe('lab-a');
    expect(peerNeighbour('2001:2::100')).toContain(`lladdr ${macOf('a')}`);
    expect(routesFrom('b', '2001:2::100')).toEqual([]);
    await expectFlowing(before);
  });

  it('every message on both families was answered once, in order, with the right reply; nothing reset or reconnected', async () => {
    await sleep(500);
    const w = await witnessByFamily();
    expect(w.reconnects).toBe(0);
    for (const c of [...w.v4, ...w.v6]) {
      expect(c.closeReason).toBe('open');
      expect(c.intact).toBe(true);
      expect(c.recentGaps.filter((g) => g.ms >= 20).length).toBeGreaterThanOrEqual(2);
    }
    await ferryOk(['lab', 'exec', 'lab-a', '--', 'kill', '-TERM', String(PID)]);
    let text = '';
    for (let i = 0; i < 50 && !/ stopped /.test(text); i++) {
      await sleep(100);
      text = readFileSync(log, 'utf8');
    }
    expect(text).not.toMatch(/verify-failed|disconnected|reconnecting|reconnected|connect-failed/);
    const summaries = text.split('\n').filter((l) => / summary /.test(l));
    expect(summaries).toHaveLength(4);
    for (const l of summaries) {
      const n = (k: string) => Number(new RegExp(` ${k}=(\\d+)`).exec(l)?.[1]);
      expect(n('sent')).toBeGreaterThan(100);
      expect(n('acked')).toBe(n('sent'));
      expect(n('failures')).toBe(0);
      expect(n('reconnects')).toBe(0);
    }
  });
});
