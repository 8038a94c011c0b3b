// Requests of the Migrate view: plan without running, start, and the snapshot a late client replays.
import { FerryError } from '../../app/errors';
import type { MigrationSnapshot } from '../../app/contract/contract';
import type { Handlers } from '../../app/contract/rpc-server';
import type { MigrationEvent, MigrationRecord } from '../../app/model/migration';
import { migrate } from '../engine/migrate';
import { planOnly } from '../engine/plan-only';
import type { ApiContext } from './api-context';

const KEEP_FINISHED = 5;

/** Keeps running and recent migrations with their events, and refuses a second one on a busy host. */
export class MigrationTasks {
  private readonly tasks: MigrationSnapshot[] = [];

  snapshots(): MigrationSnapshot[] {
    return this.tasks.map((t) => ({ ...t, events: [...t.events] }));
  }

  busyHosts(): Set<string> {
    return new Set(this.tasks.filter((t) => t.running).flatMap((t) => [t.request.from, t.request.to]));
  }

  /** Starts a migration; resolves with its id as soon as the engine emitted its first event. */
  start(ctx: ApiContext, request: MigrationSnapshot['request']): Promise<{ id: string; done: Promise<MigrationRecord> }> {
    const busy = this.busyHosts();
    for (const h of [request.from, request.to]) {
      if (busy.has(h)) throw new FerryError({ code: 'BUSY', host: h, message: `a migration involving ${h} is already running`, hint: 'wait for it to finish' });
    }
    ctx.controller.resolveHost(request.from);
    ctx.controller.resolveHost(request.to);
    let task: MigrationSnapshot | undefined;
    let started: (id: string) => void = () => {};
    const first = new Promise<string>((resolve) => (started = resolve));
    // The engine calls the sink synchronously: nothing here may throw into it.
    const sink = (e: MigrationEvent) => {
      try {
        if (!task) {
          task = { id: e.id, request, events: [], running: true };
          this.tasks.push(task);
          started(e.id);
        }
        task.events.push(e);
        if (e.type === 'done' || e.type === 'failed') task.running = false;
        ctx.events.emit('migration:event', e);
      } catch {
        /* a broken consumer must not break the migration */
      }
    };
    const done = migrate({ exec: ctx.controller.exec, resolveHost: ctx.controller.resolveHost }, request, sink).then((record) => {
      if (task) task.running = false;
      try {
        ctx.history.put(record);
        ctx.events.emit('history:changed', { id: record.id });
      } catch (err) {
        ctx.events.emit('migration:event', { type: 'log', id: record.id, at: Date.now(), level: 'error', message: `could not store the record in the history: ${String(err)}` });
      }
      const finished = this.tasks.filter((t) => !t.running);
      for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.tasks.splice(this.tasks.indexOf(old), 1);
      return record;
    });
    return first.then((id) => ({ id, done }));
  }
}

/** The Migrate view's handlers. */
export function migrationHandlers(ctx: ApiContext): Pick<Handlers, 'migration:plan' | 'migration:start' | 'migration:active'> {
  return {
    'migration:plan': async (request) => planOnly({ exec: ctx.controller.exec, resolveHost: ctx.controller.resolveHost }, request),
    'migration:start': async (request) => {
      const { id } = await ctx.tasks.start(ctx, request);
      return { id };
    },
    'migration:active': async () => ctx.tasks.snapshots(),
  };
}
