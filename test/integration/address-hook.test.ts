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

  // The same hook declared per host in an Ansible inventory (FERRY_INVENTORY, after the lab's own ssh_config), no
  // --address-hook: the preflight takes it when both hosts declare it, and refuses one host declaring it alone.
  const inventory = (name: string, text: string) => {
    writeFileSync(`${STATE}/${name}.ini`, text);
    return { FERRY_INVENTORY: `${STATE}/${name}.ini` };
  };
  const migrateDeclared = (from: string, to: string, env: NodeJS.ProcessEnv) =>
    ferry(['migrate', '--from', from, '--pid', String(pid), '--to', to, '--ip', ROUTED, '--mode', 'streamed', '--json'], { timeoutMs: 180_000, env });

  it('a hook only the destination declares in the inventory is refused before anything runs', async () => {
    writeFileSync(`${STATE}/calls`, '');
    const r = await migrateDeclared('lab-b', 'lab-a', inventory('one-sided', `[lab]\nlab-b\nlab-a ferry_address_hook=${HOOK}\n`));
    const rec = r.json.record;
    expect(r.code).not.toBe(0);
    expect(rec.outcome).toBe('refused');
    expect(JSON.stringify(rec.error)).toMatch(/lab-a declares an address hook in the inventory but lab-b does not/);
    expect(readFileSync(`${STATE}/calls`, 'utf8').trim()).toBe('');
    expect(holds('b')).toBe(true);
    expect((await hostProcesses('lab-b')).get(pid)).toBeDefined();
  }, 240_000);

  it('the hook declared for both hosts in an Ansible inventory moves the address back to lab-a, witness clean', async () => {
    writeFileSync(`${STATE}/calls`, '');
    const r = await migrateDeclared('lab-b', 'lab-a', inventory('declared', `[lab]\nlab-a\nlab-b\n[lab:vars]\nferry_address_hook=${HOOK}\n`));
    const rec = r.json.record;
    expect(r.code, JSON.stringify(rec.error)).toBe(0);
    expect(rec.request.addressHook).toBeUndefined();
    expect(rec.plan.addressHook).toMatchObject({ path: HOOK, addresses: [ROUTED] });
    expect(rec.plan.warnings).toContain(`address hook ${HOOK} from the inventory (both hosts declare it)`);
    expect(rec.addressHook.runs.map((x: any) => `${x.action} ${x.side} ${x.ok}`).sort()).toEqual(
      ['move destination true', 'move source true', 'prepare destination true', 'prepare source true'].sort(),
    );
    expect(peerRoute()).toContain('via 198.18.0.2');
    expect(holds('a')).toBe(true);
    expect(holds('b')).toBe(false);
    expect((await hostProcesses('lab-a')).get(pid)).toBeDefined();
    await talking();
    await witnessClean();
    console.log(`inventory hook migration: freeze ${rec.freeze.ms} ms`);
  }, 240_000);
});
