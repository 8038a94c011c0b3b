// docs/movable-services.md, tried in the lab: a connection from the management address is refused (the hint names
// the document); one bound to the service address moves; an unmodified client moves when a source route prefers
// the service address; a process in a network namespace of its own is refused before anything is frozen.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry, sleep } from './cli';
import { hostProcesses, labDown, labExec, labUp } from './lab-fixture';

let inA: (script: string) => string;

async function migrate(from: string, pid: number, to: string) {
  return ferry(['migrate', '--from', from, '--pid', String(pid), '--to', to, '--json']);
}

describe('lab: what makes a service movable', () => {
  beforeAll(async () => {
    const s = await labUp(0);
    const initPid = s.hosts.find((h) => h.name === 'lab-a')?.initPid;
    inA = (script) => execFileSync('nsenter', ['-t', String(initPid), '--net', '--pid', '--mount', '--uts', '--', 'sh', '-c', script], { encoding: 'utf8' });
  });
  afterAll(async () => {
    await labDown();
  });

  it('a client connected from the management address cannot move: refused, with the document named', async () => {
    const pid = await labExec('lab-a', ['socat', '-u', 'EXEC:sleep 600', 'TCP:198.18.0.1:7000,bind=198.18.0.2'], 5001);
    await sleep(500);
    const r = await migrate('lab-a', pid, 'lab-b');
    expect(r.code).not.toBe(0);
    expect(r.json.record.error).toMatchObject({ code: 'ADDRESS_IS_MANAGEMENT', hint: expect.stringMatching(/docs\/movable-services\.md/) });
    expect((await hostProcesses('lab-a')).has(pid)).toBe(true);
    await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(pid)]);
  });

  it('a client bound to the service address moves with it', async () => {
    const pid = await labExec('lab-a', ['socat', '-u', 'EXEC:sleep 600', 'TCP:198.18.0.1:7000,bind=198.18.0.100'], 5101);
    await sleep(500);
    const r = await migrate('lab-a', pid, 'lab-b');
    if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
    expect(r.json.record.plan.addresses.map((a: any) => a.address)).toEqual(['198.18.0.100']);
    expect(r.json.witness).toMatchObject({ connections: 1, resets: 0, reconnects: 0 });
    await ferry(['lab', 'exec', 'lab-b', '--', 'kill', String(pid)]);
  });

  it('an unmodified client moves when a source route prefers the service address (the route moves too)', async () => {
    // The service address and its route to the peer are on lab-b now: a client started there without any
    // binding leaves from the service address.
    const pid = await labExec('lab-b', ['socat', '-u', 'EXEC:sleep 600', 'TCP:198.18.0.1:7000'], 5201);
    await sleep(500);
    const r = await migrate('lab-b', pid, 'lab-a');
    if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
    expect(r.json.record.connections[0].before.local.address).toBe('198.18.0.100');
    expect(r.json.record.plan.addresses[0].routes).toEqual([{ dst: '198.18.0.1', dev: 'eth0' }]);
    expect(r.json.witness).toMatchObject({ connections: 1, resets: 0, reconnects: 0 });
  });

  it('a process in a network namespace of its own is refused before the freeze, and keeps running', async () => {
    // Its own namespace with a macvlan on lab-a's eth0 and an address of its own: it reaches the peer directly.
    inA(
      'ip netns add svc && ip link add mv0 link eth0 type macvlan mode bridge && ip link set mv0 netns svc && ' +
        'ip netns exec svc ip link set lo up && ip netns exec svc ip link set mv0 up && ip netns exec svc ip addr add 198.18.0.101/24 dev mv0',
    );
    const pid = await labExec('lab-a', ['nsenter', '--net=/run/netns/svc', 'socat', '-u', 'EXEC:sleep 600', 'TCP:198.18.0.1:7000'], 5301);
    await sleep(500);
    const r = await migrate('lab-a', pid, 'lab-b');
    expect(r.code).not.toBe(0);
    expect(r.json.record.error).toMatchObject({
      code: 'NOT_MOVABLE',
      message: expect.stringMatching(/network namespace of (its|their) own/),
      hint: expect.stringMatching(/movable-services/),
    });
    expect(r.json.record.steps.find((s: any) => s.name === 'dump')).toBeUndefined();
    expect((await hostProcesses('lab-a')).has(pid)).toBe(true);
  });
});
