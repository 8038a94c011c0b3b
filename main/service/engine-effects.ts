// The engine's effects on this controller: records and logs in the state folder (and the history database, so
// a migration shows there while it runs, whoever started it), the journal beside them, the lock files, the clock
// and the page-server port.
import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { MigrationRecord } from '../../app/model/migration';
import type { EngineStore, MigrateDeps } from '../engine/engine-deps';
import { Journal } from '../engine/journal';
import { acquireMigrationLocks } from '../engine/migration-locks';
import type { Controller } from '../controller/controller';
import type { HistoryStore } from '../store/history-db';
import { openRecordStore, type RecordStore } from '../store/record-store';

/** Ports the page server (or lazy page source) picks from; the direct stream uses the next one. */
export const PAGE_SERVER_PORTS = { first: 27000, count: 1000 } as const;

/** A store writing record files (and, when given, the history) under one state folder. */
export function fileStore(records: RecordStore, history?: HistoryStore, now: () => number = Date.now): EngineStore {
  return {
    saveRecord(record: MigrationRecord) {
      const dir = records.save(record);
      history?.put(record);
      return dir;
    },
    saveLog: (id, name, text) => records.saveLog(id, name, text),
    journal: (id) => new Journal(id, records, now),
  };
}

/** Everything the engine needs from this controller besides the executor and the inventory. */
export function engineEffects(records: RecordStore, history?: HistoryStore): Pick<MigrateDeps, 'store' | 'lock' | 'now' | 'pageServerPort'> {
  const locks = path.join(records.base, 'locks');
  return {
    store: fileStore(records, history),
    lock: (keys, id) => acquireMigrationLocks(keys, id, { dir: locks, base: records.base }),
    now: Date.now,
    pageServerPort: () => PAGE_SERVER_PORTS.first + randomInt(PAGE_SERVER_PORTS.count),
  };
}

/** The engine's whole dependencies for a controller: its executor, inventory and CRIU locations, and these effects. */
export function controllerDeps(
  c: Pick<Controller, 'exec' | 'resolveHost' | 'criu'>,
  extra: Pick<MigrateDeps, 'signal' | 'onNoReturn' | 'pageStreamTls'> = {},
  records: RecordStore = openRecordStore(),
  history?: HistoryStore,
): MigrateDeps {
  return { exec: c.exec, resolveHost: (n) => c.resolveHost(n), criu: c.criu, ...engineEffects(records, history), ...extra };
}
