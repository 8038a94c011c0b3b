// The evacuation planner on the captured lab (demo workload 4242 on lab-a) plus trees added to the capture: which
// trees it finds, where each goes, what stays and why, and which may run side by side.
import { describe, expect, it } from 'vitest';
import type { EvacuationMove, EvacuationTree } from '../model/evacuation';
import type { HostSnapshot } from '../model/snapshot';
import { parseSs } from '../parse/ss';
import { buildPlan } from '../plan/build-plan';
import { labSnapshot } from '../../test/support/lab-snapshots';
import { budgetRefusal, conflicts, nextToStart, planEvacuation } from './evacuation-plan';
import { evacuationTrees, treeRoot } from './evacuation-trees';
import { evacuationRequest as request } from '../../test/support/evacuation-request';

/** A process on lab-a with one connection from `local` to the witness (one line of `ss -tainpHO`). */
function addClient(src: HostSnapshot, pid: number, local: string, port = 40000 + pid, state = 'ESTAB') {
  src.processes?.push({ pid, ppid: 1, user: 'root', comm: 'socat', args: `socat ${pid}`, rssKiB: 2048 });
  const peer = state === 'LISTEN' ? '0.0.0.0:*' : '198.18.0.1:7000';
  src.sockets?.push(
    ...parseSs(`${state}  0      0     ${local}:${port} ${peer}  users:(("socat",pid=${pid},fd=5)) cubic rto:204 rtt:0.7/0.3 mss:1448 cwnd:10\n`),
  );
}

/** lab-a with the demo, a client on a second service address (movable) and one from the management address. */
function source(): HostSnapshot {
  const src = labSnapshot('a');
  src.addresses.push({ ...src.addresses.find((a) => a.address === '198.18.0.100')!, address: '198.18.0.101' });
  addClient(src, 5101, '198.18.0.101');
  addClient(src, 5001, '198.18.0.2');
  return src;
}

/** The preflight of one tree towards a destination, as the service runs it (buildPlan, the one movability rule). */
function judgeWith(src: HostSnapshot, dests: Record<string, HostSnapshot>) {
  return (tree: EvacuationTree, to: string) =>
    buildPlan({
      id: `e-${tree.pid}`,
      request: { from: 'lab-a', to, pid: tree.pid, addresses: [], budgetMs: 60_000, keepImages: false },
      source: src,
      destination: dests[to]!,
      sourceHostName: '198.18.0.2',
      destinationHostName: to === 'lab-b' ? '198.18.0.3' : '198.18.0.4',
      sourceSshPort: 22,
      destinationSshPort: 22,
      imageBase: '/var/lib/ferry/images',
      pageServerPort: 27123,
    });
}

describe('evacuationTrees', () => {
  it('finds every tree with a connection or a listener on a specific address, by its root below init', () => {
    const trees = evacuationTrees(source());
    expect(trees.map((t) => [t.pid, t.comm, t.connections, t.listeners, t.addresses])).toEqual([
      [2, 'sshd', 0, 1, ['198.18.0.2']],
      [4242, 'node', 4, 0, ['198.18.0.100']],
      [5001, 'socat', 1, 0, ['198.18.0.2']],
      [5101, 'socat', 1, 0, ['198.18.0.101']],
    ]);
  });

  it('leaves out loopback-only and wildcard listeners, and the probe itself', () => {
    const src = labSnapshot('a');
    addClient(src, 6001, '0.0.0.0', 8080, 'LISTEN');
    addClient(src, 6002, '127.0.0.1');
    expect(evacuationTrees(src).map((t) => t.pid)).toEqual([2, 4242]);
  });

  it("a worker's tree is its topmost ancestor below init", () => {
    const procs = [
      { pid: 1, ppid: 0, user: 'root', comm: 'init', args: 'init', rssKiB: 1 },
      { pid: 10, ppid: 1, user: 'root', comm: 'sup', args: 'sup', rssKiB: 1 },
      { pid: 11, ppid: 10, user: 'root', comm: 'worker', args: 'worker', rssKiB: 1 },
    ];
    expect(treeRoot(procs, 11)).toBe(10);
    expect(treeRoot(procs, 10)).toBe(10);
  });
});

describe('planEvacuation', () => {
  it('moves the movable trees, smallest first; the management session and address stay, with the preflight’s reasons', () => {
    const src = source();
    const plan = planEvacuation({ request: request(), trees: evacuationTrees(src), judge: judgeWith(src, { 'lab-b': labSnapshot('b') }) });
    expect(plan.moves.map((m) => [m.pid, m.to, m.moves])).toEqual([
      [5101, 'lab-b', ['198.18.0.101']],
      [4242, 'lab-b', ['198.18.0.100']],
    ]);
    // sshd (2) holds Ferry's own session (and its PID is taken on every host); 5001 connects from the management address.
    expect(plan.stays.map((s) => [s.pid, s.why.map((w) => w.code)])).toEqual([
      [2, ['ADDRESS_IS_MANAGEMENT', 'ADDRESS_IS_MANAGEMENT', 'PID_TAKEN']],
      [5001, ['ADDRESS_IS_MANAGEMENT']],
    ]);
    expect(plan.stays[0]?.why[0]?.message).toContain('holds the SSH connection Ferry manages lab-a through');
    expect(plan.stays[1]?.why[0]?.message).toContain('198.18.0.2 is the address Ferry manages lab-a through');
  });

  it('spreads the trees over the destinations, and sends a tree whose PIDs one destination holds to another', () => {
    const src = source();
    const b = labSnapshot('b');
    const c = { ...labSnapshot('b'), host: 'lab-c' };
    const judge = judgeWith(src, { 'lab-b': b, 'lab-c': c });
    const spread = planEvacuation({ request: request({ to: ['lab-b', 'lab-c'] }), trees: evacuationTrees(src), judge });
    expect(spread.moves.map((m) => [m.pid, m.to])).toEqual([
      [5101, 'lab-b'],
      [4242, 'lab-c'],
    ]);
    c.processes?.push({ pid: 4242, ppid: 1, user: 'root', comm: 'sleep', args: 'sleep 1000', rssKiB: 1 });
    const clash = planEvacuation({ request: request({ to: ['lab-b', 'lab-c'] }), trees: evacuationTrees(src), judge });
    expect(clash.moves.map((m) => [m.pid, m.to])).toEqual([
      [5101, 'lab-b'],
      [4242, 'lab-b'],
    ]);
    const only = planEvacuation({ request: request({ to: ['lab-c'] }), trees: evacuationTrees(src), judge });
    expect(only.stays.find((s) => s.pid === 4242)?.why).toEqual([expect.objectContaining({ code: 'PID_TAKEN', host: 'lab-c' })]);
  });

  it('trees sharing an address stay (moving one breaks the other), naming each other', () => {
    const src = labSnapshot('a');
    addClient(src, 5201, '198.18.0.100');
    const plan = planEvacuation({ request: request(), trees: evacuationTrees(src), judge: judgeWith(src, { 'lab-b': labSnapshot('b') }) });
    expect(plan.moves).toEqual([]);
    const demo = plan.stays.find((s) => s.pid === 4242);
    expect(demo?.why).toEqual([expect.objectContaining({ code: 'ADDRESS_CONFLICT', message: expect.stringContaining('5201 (socat)') })]);
  });

  it('refuses up front a tree whose predicted freeze is past the budget per tree', () => {
    const src = source();
    const plan = planEvacuation({
      request: request({ freezeBudgetMs: 500 }),
      trees: evacuationTrees(src),
      judge: judgeWith(src, { 'lab-b': labSnapshot('b') }),
      predictFreezeMs: (t) => (t.pid === 4242 ? 900 : 120),
    });
    expect(plan.moves.map((m) => [m.pid, m.predictedFreezeMs])).toEqual([[5101, 120]]);
    expect(plan.stays.find((s) => s.pid === 4242)?.why[0]).toMatchObject({
      code: 'NOT_MOVABLE',
      host: 'lab-b',
      message: 'process 4242 (node) is predicted to freeze 900 ms in streamed mode towards lab-b, against the freeze budget of 500 ms per tree',
      hint: expect.stringContaining('--freeze-budget'),
    });
  });

  it('a prediction at the budget passes (the budget is the most a tree may freeze)', () => {
    const src = source();
    const plan = planEvacuation({
      request: request({ freezeBudgetMs: 500 }),
      trees: evacuationTrees(src),
      judge: judgeWith(src, { 'lab-b': labSnapshot('b') }),
      predictFreezeMs: () => 500,
    });
    expect(plan.moves.map((m) => [m.pid, m.predictedFreezeMs])).toEqual([
      [5101, 500],
      [4242, 500],
    ]);
  });
});

describe('budgetRefusal', () => {
  it('names the prediction, the budget, the mode and the destination', () => {
    expect(budgetRefusal({ pid: 7, comm: 'demo' }, 'lab-c', 'lazy', 245.6, 200)).toBe(
      'process 7 (demo) is predicted to freeze 246 ms in lazy mode towards lab-c, against the freeze budget of 200 ms per tree',
    );
  });
});

describe('nextToStart', () => {
  const move = (pid: number, addresses: string[]): EvacuationMove => ({
    pid,
    comm: 'x',
    args: 'x',
    treePids: [pid],
    rssKiB: 1,
    connections: 1,
    listeners: 0,
    addresses,
    to: 'lab-b',
    mode: 'streamed',
    moves: addresses,
    warnings: [],
  });
  const a = move(1, ['198.18.0.100']);
  const b = move(2, ['198.18.0.100']);
  const c = move(3, ['198.18.0.101']);

  it('starts at most `parallel` trees, never two sharing an address', () => {
    expect(conflicts(a, b)).toBe(true);
    expect(conflicts(a, c)).toBe(false);
    expect(nextToStart([a, b, c], [], 1)).toBe(a);
    expect(nextToStart([b, c], [a], 1)).toBeUndefined();
    expect(nextToStart([b, c], [a], 2)).toBe(c);
    expect(nextToStart([b], [a, c], 3)).toBeUndefined();
  });
});
