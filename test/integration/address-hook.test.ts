// The address hook (docs/address-hooks.md) in a lab variant where the service address is reached by routing, not
// on the segment: 198.19.0.100/32 on lab-a's lo, the peer routing to it through lab-a's segment address. The hook
// (docs/examples/address-hooks/lab-route.sh) moves it: each host its own /32, and the router agent on the peer
// (route-agent.sh) points the route at the new host. No ARP, no ip addr del/add by Ferry. Judged from the peer.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ferry, sleep } from './cli';
import { hostProcesses, labDown, labStatus, labUp, startDemo } from './lab-fixture';

const LAB = process.env.FERRY_LAB ?? 'ferry';
const ROUTED = '198.19.0.100';
const CLIENT = 'hook';
const STATE = `/tmp/ferry-address-hook-${LAB}`;
const HOOK = `${STATE}/hook`;
const EXAMPLES = path.join(REPO, 'docs', 'examples', 'address-hooks');

const inNet = (host: string, argv: string[]) => execFileSync('nsenter', [`--net=/run/netns/${LAB}-${host}`, ...argv], { encoding: 'utf8' });
const peerRoute = () => inNet('peer', ['ip', 'route', 'show', `${ROUTED}/32`]).trim();
const holds = (host: string) => inNet(host, ['ip', '-br', 'addr', 'show', 'dev', 'lo']).includes(`${ROUTED}/32`);
const calls = () => readFileSync(`${STATE}/calls`, 'utf8').trim().split('\n');
const fault = (action: string, side: string, what: string) => writeFileSync(`${STATE}/fault-${action}-${side}`, what);

/** The hook's connections as the witness saw them: none reset, none reconnected, every byte stream intact. */
async function witnessClean(): Promise<void> {
  const w = (await labStatus()).witness!;
  const mine = w.connections.filter((c) => c.clientId === CLIENT);
  expect(mine.length).toBe(2);
  for (const c of mine) {
    expect(c.closeReason, `${c.clientId}#${c.connIndex}`).toBe('open');
    expect(c.intact, `${c.clientId}#${c.connIndex}`).toBe(true);
  }
  expect(w.totals.resets).toBe(0);
  expect(w.totals.reconnects).toBe(0);
}

/** Waits until the peer has heard more from every connection of the hook's workload (it serves where it is). */
async function talking(): Promise<void> {
  const count = async () => new Map((await labStatus()).witness!.connections.filter((c) => c.clientId === CLIENT).map((c) => [c.connIndex, c.messages]));
  const before = await count();
  for (let i = 0; i < 100; i++) {
    await sleep(200);
    const now = await count();
    if (before.size === 2 && [...before].every(([k, n]) => (now.get(k) ?? 0) > n + 5)) return;
  }
  throw new Error('the hook workload stopped talking to the witness');
}

describe('address hook: the service address moves by routing', () => {
  let router: ChildProcess | undefined;
  let pid = 0;
  beforeAll(async () => {
    await labUp(1);
    rmSync(STATE, { recursive: true, force: true });
    mkdirSync(STATE, { recursive: true });
    // The hook Ferry runs on both hosts: the lab's example, told where the router is and where to keep its calls.
    writeFileSync(HOOK, `#!/bin/sh\nROUTER=198.18.0.1:7100 HOOK_STATE=${STATE} exec sh ${path.join(EXAMPLES, 'lab-route.sh')} "$@"\n`, { mode: 0o755 });
    writeFileSync(`${STATE}/calls`, '');
    inNet('a', ['ip', 'addr', 'add', `${ROUTED}/32`, 'dev', 'lo']);
    inNet('peer', ['ip', 'route', 'add', `${ROUTED}/32`, 'via', '198.18.0.2']);
    router = spawn(
      'nsenter',
      [`--net=/run/netns/${LAB}-peer`, 'socat', 'TCP-LISTEN:7100,bind=198.18.0.1,reuseaddr,fork', `EXEC:sh ${path.join(EXAMPLES, 'route-agent.sh')}`],
      {
        stdio: 'ignore',
      },
    );
    pid = (await startDemo(CLIENT, { pid: 7100, connections: 2, extra: ['--bind', ROUTED] })).pid;
  }, 180_000);
  afterAll(async () => {
    router?.kill();
    rmSync(STATE, { recursive: true, force: true });
    await labDown();
  });

  const migrate = (from: string, to: string, extra: string[] = []) =>
    ferry(['migrate', '--from', from, '--pid', String(pid), '--to', to, '--ip', ROUTED, '--address-hook', HOOK, '--mode', 'streamed', '--json', ...extra], {
      timeoutMs: 180_000,
    });

  it('the move overruns its budget: killed, rolled back, undo on both hosts, the route back at lab-a, serving there', async () => {
    fault('move', 'destination', 'slow');
    writeFileSync(`${STATE}/calls`, '');
    const r = await migrate('lab-a', 'lab-b', ['--hook-budget-ms', '1500']);
    rmSync(`${STATE}/fault-move-destination`);
    const rec = r.json.record;
    expect(r.code, JSON.stringify(rec.error)).toBe(1);
    expect(rec.error.code).toBe('ADDRESS_HOOK_FAILED');
    expect(rec.error.message).toMatch(/ran past its budget of 1500 ms and was killed/);
    const move = rec.addressHook.runs.find((x: any) => x.action === 'move' && x.side === 'destination');
    expect(move).toMatchObject({ ok: false, problem: 'timeout', exit: 137 });
    expect(rec.rollback.ok, rec.rollback.actions.join('; ')).toBe(true);
    expect(rec.rollback.actions).toEqual(expect.arrayContaining(["ran the address hook's undo on lab-b", "ran the address hook's undo on lab-a"]));
    expect(calls()).toEqual(expect.arrayContaining(['move destination', 'undo destination', 'undo source']));
    expect(peerRoute()).toContain('via 198.18.0.2');
    expect(holds('a')).toBe(true);
    expect(holds('b')).toBe(false);
    expect((await hostProcesses('lab-a')).get(pid)).toBeDefined();
    await talking();
    await witnessClean();
    console.log(`overrun: ${rec.error.message}; rollback: ${rec.rollback.actions.join('; ')}`);
  }, 240_000);

  it('the destination’s move fails after the source’s: undo runs, the source gets the address back, witness clean', async () => {
    fault('move', 'destination', 'fail');
    writeFileSync(`${STATE}/calls`, '');
    const r = await migrate('lab-a', 'lab-b');
    rmSync(`${STATE}/fault-move-destination`);
    const rec = r.json.record;
    expect(rec.error?.code).toBe('ADDRESS_HOOK_FAILED');
    expect(rec.error.message).toMatch(/injected failure of move on the destination/);
    expect(calls()).toEqual(expect.arrayContaining(['move source', 'move destination', 'undo destination', 'undo source']));
    expect(calls().indexOf('undo destination')).toBeLessThan(calls().indexOf('undo source'));
    expect(peerRoute()).toContain('via 198.18.0.2');
    expect(holds('a')).toBe(true);
    expect((await hostProcesses('lab-a')).get(pid)).toBeDefined();
    await talking();
    await witnessClean();
  }, 240_000);

  it('a migration with the hook: the route points at lab-b, the hook’s time is its own part of the freeze, the witness clean', async () => {
    writeFileSync(`${STATE}/calls`, '');
    const r = await migrate('lab-a', 'lab-b');
    const rec = r.json.record;
    expect(r.code, JSON.stringify(rec.error)).toBe(0);
    expect(rec.plan.addressHook).toMatchObject({ path: HOOK, addresses: [ROUTED], ferry: 'none' });
    expect(rec.addressHook.runs.map((x: any) => `${x.action} ${x.side} ${x.ok}`).sort()).toEqual(
      ['move destination true', 'move source true', 'prepare destination true', 'prepare source true'].sort(),
    );
    const parts = rec.freezeParts.map((p: any) => p.name);
    expect(parts).toEqual(expect.arrayContaining(['source: address hook (move)', 'destination: address hook (move)']));
    const hookMs = rec.freezeParts.filter((p: any) => p.name.endsWith('address hook (move)')).map((p: any) => p.ms);
    for (const ms of hookMs) expect(ms).toBeGreaterThan(0);
    expect(peerRoute()).toContain('via 198.18.0.3');
    expect(holds('b')).toBe(true);
    expect(holds('a')).toBe(false);
    expect((await hostProcesses('lab-b')).get(pid)).toBeDefined();
    await talking();
    await witnessClean();
    console.log(`hook migration: freeze ${rec.freeze.ms} ms; ${rec.freezeParts.map((p: any) => `${p.name} ${p.ms}`).join(', ')}`);
  }, 240_000);
});
