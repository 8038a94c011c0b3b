// Requests of the Review view: the history (with migrations the CLI made imported on the way), one record, exports.
import { FerryError } from '../../app/errors';
import type { Handlers } from '../../app/contract/rpc-server';
import type { MigrationRecord } from '../../app/model/migration';
import { listRecordIds, loadRecord } from '../store/record-store';
import type { ApiContext } from './api-context';

/** Imports records the CLI (or an older Ferry) wrote as files and the database does not have yet. */
export function importFileRecords(ctx: ApiContext): string[] {
  const ids = listRecordIds();
  const imported = ctx.history.importMissing(function* () {
    for (const id of ids) {
      const r = loadRecord(id);
      if (r) yield r;
    }
  }, ids);
  for (const id of imported) ctx.events.emit('history:changed', { id });
  return imported;
}

/** The Review view's handlers. */
export function historyHandlers(ctx: ApiContext): Pick<Handlers, 'history:list' | 'history:get' | 'history:export'> {
  const get = (id: string): MigrationRecord => {
    const r = ctx.history.get(id) ?? loadRecord(id);
    if (!r) throw new FerryError({ code: 'BAD_INPUT', message: `no migration ${id} in the history`, hint: 'pick one from the list' });
    return r;
  };
  return {
    'history:list': async () => {
      importFileRecords(ctx);
      return ctx.history.list();
    },
    'history:get': async ({ id }) => get(id),
    'history:export': async ({ ids }) => {
      const wanted = ids ?? ctx.history.list().map((e) => e.id);
      const records = wanted.map(get);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      // One requested record exports as itself; "all" (or several) as a wrapper, even when there is one.
      const one = ids?.length === 1 ? records[0] : undefined;
      return {
        fileName: one ? `ferry-${one.id}.json` : `ferry-history-${stamp}.json`,
        json: JSON.stringify(one ?? { exportedAt: new Date().toISOString(), migrations: records }, null, 2),
      };
    },
  };
}
