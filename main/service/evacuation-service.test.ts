// The evacuation service over the real migration service with a scripted engine run per tree (the engine is tested
// in the lab): N at a time but never two trees sharing an address, the failure policy, cancel of the whole
// evacuation by the migration service's rules, and the report.
import { describe, expect, it } from 'vitest';
import type { EvacuationEvent, EvacuationMove, EvacuationPlan } from '../../app/model/evacuation';
import type { MigrationRecord, MigrationRequest } from '../../app/model/migration';
import { ScriptedExecutor } from '../../test/support/scripted-executor';
import type { Controller } from '../controller/controller';
import type { MigrateDeps } from '../engine/engine-deps';
import type { EventSink } from '../engine/step-runner';
import { openRecordStore } from '../store/record-store';
import { EvacuationService } from './evacuation-service';
import { MigrationService } from './migration-service';
import { evacuationRequest as request } from '../../test/support/evacuation-request';

const controller: Controller = {
  inventory: () => {
    throw new Error('no inventory in this test');
  },
  exec: new ScriptedExecutor() as unknown as Controller['exec'],
  resolveHost: (name) => ({ name, hostName: `${name}.test`, port: 22, user: 'root', source: 'test' }) as ReturnType<Controller['resolveHost']>,
  criu: ['/opt/ferry/bin/criu'],
  close: async () => {},
};

const move = (pid: number, address: string): EvacuationMove => ({
  pid,
  comm: `p${pid}`,
  args: '',
  treePids: [pid],
  rssKiB: 1,
  connections: 1,
  listeners: 0,
  addresses: [address],
  to: 'lab-b',
  mode: 'streamed',
  moves: [address],
  warnings: [],
});

/** Scripted engine runs: each tree's migration waits until the test ends it (or a cancel aborts it). */
function engine() {
  const live = new Map<number, { finish: (outcome: MigrationRecord['outcome']) => void; noReturn: () => void; signal?: AbortSignal }>();
  const started: number[] = [];
  let concurrent = 0;
  let most = 0;
  const together: number[][] = [];
  const run = (deps: MigrateDeps, req: MigrationRequest, sink: EventSink): Promise<MigrationRecord> => {
    const record: MigrationRecord = { id: `m-${req.pid}`, request: req, startedAt: 1, outcome: 'running', steps: [], connections: [], logs: {}, warnings: [] };
    started.push(req.pid);
    concurrent++;
    most = Math.max(most, concurrent);
    together.push([...live.keys(), req.pid].sort());
    sink({ type: 'step-started', id: record.id, step: 'connect', at: 1 });
    return new Promise<MigrationRecord>((resolve) => {
      const end = (outcome: MigrationRecord['outcome']) => {
        live.delete(req.pid);
        concurrent--;
        resolve({
          ...record,
          outcome,
          ...(outcome === 'succeeded'
            ? { freeze: { startedAt: 2, ms: 50 + req.pid } }
            : { error: { code: 'CRIU_DUMP_FAILED', message: `dump of ${req.pid} failed` } }),
        });
      };
      live.set(req.pid, { finish: end, noReturn: () => deps.onNoReturn?.(), ...(deps.signal ? { signal: deps.signal } : {}) });
      deps.signal?.addEventListener('abort', () => end('cancelled'));
    });
  };
  const tick = () => new Promise((r) => setTimeout(r, 5));
  return { run, live, started, most: () => most, together, tick };
}

function evacuation(plan: EvacuationPlan, e: ReturnType<typeof engine>) {
  const migrations = new MigrationService({ controller, records: openRecordStore('/nonexistent/ferry-evac-test'), runMigration: e.run });
  const events: EvacuationEvent[] = [];
  const service = new EvacuationService({ controller, migrations, planner: async () => plan, onEvent: (x) => events.push(x) });
  return { service, events };
}

async function until(cond: () => boolean, tick: () => Promise<unknown>) {
  for (let i = 0; i < 200 && !cond(); i++) await tick();
  if (!cond()) throw new Error('timed out');
}

describe('EvacuationService', () => {
  const shared = [move(10, '198.18.0.100'), move(20, '198.18.0.100'), move(30, '198.18.0.101')];

  it('runs N at a time, never two trees sharing an address, and reports each freeze', async () => {
    const e = engine();
    const plan: EvacuationPlan = { request: request({ parallel: 2 }), moves: shared, stays: [], warnings: [], probedMs: 0 };
    const { service, events } = evacuation(plan, e);
    const { done } = await service.start(plan.request);
    await until(() => e.live.size === 2, e.tick);
    expect([...e.live.keys()].sort()).toEqual([10, 30]);
    e.live.get(30)?.finish('succeeded');
    await e.tick();
    expect(e.live.has(20)).toBe(false);
    e.live.get(10)?.finish('succeeded');
    await until(() => e.live.has(20), e.tick);
    e.live.get(20)?.finish('succeeded');
    const report = await done;
    expect(report.outcome).toBe('complete');
    // In the plan's order, whichever finished first.
    expect(report.moved.map((m) => [m.pid, m.freezeMs])).toEqual([
      [10, 60],
      [20, 70],
      [30, 80],
    ]);
    expect(e.together.some((t) => t.includes(10) && t.includes(20))).toBe(false);
    expect(events.filter((x) => x.type === 'tree-started').map((x) => (x.type === 'tree-started' ? x.migrationId : ''))).toEqual(['m-10', 'm-30', 'm-20']);
    expect(events.at(-1)?.type).toBe('done');
  });

  it('one at a time by default; --on-failure stop starts nothing after a failure', async () => {
    const e = engine();
    const plan: EvacuationPlan = { request: request({ onFailure: 'stop' }), moves: shared, stays: [], warnings: [], probedMs: 0 };
    const { service } = evacuation(plan, e);
    const { done } = await service.start(plan.request);
    await until(() => e.live.size === 1, e.tick);
    e.live.get(10)?.finish('failed');
    const report = await done;
    expect(e.most()).toBe(1);
    expect(report.outcome).toBe('stopped');
    expect(report.failed).toEqual([expect.objectContaining({ pid: 10, error: expect.objectContaining({ code: 'CRIU_DUMP_FAILED' }) })]);
    expect(report.notStarted.map((n) => n.pid)).toEqual([20, 30]);
  });

  it('--on-failure continue goes on with the others', async () => {
    const e = engine();
    const plan: EvacuationPlan = { request: request(), moves: shared, stays: [], warnings: [], probedMs: 0 };
    const { service } = evacuation(plan, e);
    const { done } = await service.start(plan.request);
    for (const [pid, outcome] of [
      [10, 'failed'],
      [20, 'succeeded'],
      [30, 'succeeded'],
    ] as const) {
      await until(() => e.live.has(pid), e.tick);
      e.live.get(pid)?.finish(outcome);
    }
    const report = await done;
    expect(report.outcome).toBe('partial');
    expect(report.moved.map((m) => m.pid)).toEqual([20, 30]);
  });

  it('cancel: no new tree starts, running ones are cancelled, one past its point of no return finishes and is named', async () => {
    const e = engine();
    const plan: EvacuationPlan = { request: request({ parallel: 2 }), moves: shared, stays: [], warnings: [], probedMs: 0 };
    const { service } = evacuation(plan, e);
    const { id, done } = await service.start(plan.request);
    await until(() => e.live.size === 2, e.tick);
    e.live.get(30)?.noReturn();
    const c = service.cancel(id);
    expect(c).toEqual({ id, cancelling: true, refused: ['m-30'] });
    expect(e.live.has(10)).toBe(false);
    e.live.get(30)?.finish('succeeded');
    const report = await done;
    expect(report.outcome).toBe('cancelled');
    expect(report.moved.map((m) => m.pid)).toEqual([30]);
    expect(report.failed.map((f) => [f.pid, f.outcome])).toEqual([[10, 'cancelled']]);
    expect(report.notStarted.map((n) => n.pid)).toEqual([20]);
    expect(e.started).toEqual([10, 30]);
    expect(() => service.cancel(id)).toThrow(/not running/);
  });
});
