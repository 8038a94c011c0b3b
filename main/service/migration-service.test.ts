// The service's cancel rules over a scripted engine run (the engine itself is tested in the lab): a cancel aborts
// the engine's signal until the engine says the destination runs the process; then it is refused, naming the way back.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/errors';
import type { MigrationRecord, MigrationRequest } from '../../app/model/migration';
import { ScriptedExecutor } from '../../test/support/scripted-executor';
import type { Controller } from '../controller/controller';
import type { MigrateDeps } from '../engine/engine-deps';
import type { EventSink } from '../engine/step-runner';
import { openRecordStore } from '../store/record-store';
import { MigrationService } from './migration-service';

const controller: Controller = {
  inventory: () => {
    throw new Error('no inventory in this test');
  },
  exec: new ScriptedExecutor() as unknown as Controller['exec'],
  resolveHost: (name) => ({ name, hostName: `${name}.test`, port: 22, user: 'root', source: 'test' }) as ReturnType<Controller['resolveHost']>,
  criu: ['/opt/ferry/bin/criu'],
  close: async () => {},
};

/** An engine run that starts, reaches the point of no return when told, and ends when told (or when aborted). */
function scriptedRun() {
  let noReturn = () => {};
  let finish = () => {};
  let signal: AbortSignal | undefined;
  const run = (deps: MigrateDeps, request: MigrationRequest, sink: EventSink): Promise<MigrationRecord> => {
    signal = deps.signal;
    const record: MigrationRecord = { id: 'm-svc', request, startedAt: 1, outcome: 'running', steps: [], connections: [], logs: {}, warnings: [] };
    sink({ type: 'step-started', id: record.id, step: 'connect', at: 1 });
    noReturn = () => deps.onNoReturn?.();
    return new Promise<MigrationRecord>((resolve) => {
      finish = () => resolve({ ...record, outcome: 'succeeded' });
      deps.signal?.addEventListener('abort', () => resolve({ ...record, outcome: 'cancelled' }));
    }).then((r) => {
      sink({ type: r.outcome === 'succeeded' ? 'done' : 'failed', id: r.id, record: r });
      return r;
    });
  };
  return { run, noReturn: () => noReturn(), finish: () => finish(), signal: () => signal };
}

const request = { from: 'lab-a', to: 'lab-b', pid: 4242 };
const records = openRecordStore('/nonexistent/ferry-service-test');

describe('MigrationService cancel', () => {
  it("before the point of no return: the engine's signal is aborted", async () => {
    const s = scriptedRun();
    const service = new MigrationService({ controller, records, runMigration: s.run });
    const { id, done } = await service.start(request);
    expect(service.cancel(id)).toEqual({ id, cancelling: true });
    expect(s.signal()?.aborted).toBe(true);
    expect((await done).outcome).toBe('cancelled');
    expect(() => service.cancel(id)).toThrow(/not running/);
  });

  it('past it: refused with CANCEL_REFUSED and the way back, the migration carries on', async () => {
    const s = scriptedRun();
    const service = new MigrationService({ controller, records, runMigration: s.run });
    const { id, done } = await service.start(request);
    s.noReturn();
    let err: unknown;
    try {
      service.cancel(id);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('CANCEL_REFUSED');
    expect((err as FerryError).message).toContain('lab-b already runs the restored process');
    expect((err as FerryError).hint).toContain('ferry migrate --from lab-b --to lab-a --pid 4242');
    expect(s.signal()?.aborted).toBe(false);
    expect(service.active()[0]).toMatchObject({ id, running: true, noReturn: true });
    s.finish();
    expect((await done).outcome).toBe('succeeded');
  });

  it('checks the request with the contract before anything starts', () => {
    const service = new MigrationService({ controller, records, runMigration: scriptedRun().run });
    expect(() => service.start({ ...request, budgetMs: 1 })).toThrow(/budgetMs/);
  });
});
