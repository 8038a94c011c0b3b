// The migration history in an embedded SQLite (sql.js: SQLite compiled to WebAssembly, so no native module
// and no Electron rebuild). The database is a single file; every write takes a lock file, re-reads the file if
// another process (the CLI, another dashboard) changed it, and replaces it atomically.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { FerryError } from '../../app/errors';
import type { HistoryEntry } from '../../app/contract/contract';
import type { MigrationRecord } from '../../app/model/migration';
import { historyEntry } from '../../app/review/history-entry';
import { createPrivateFileExclusive, ensurePrivateDir, writePrivateFileAtomic } from './private-files';
import { stateDir } from './record-store';

/** The history of migrations. */
export interface HistoryStore {
  readonly file: string;
  /** Inserts or replaces a record. */
  put(record: MigrationRecord): void;
  /** Inserts records whose ids are not stored yet, or whose stored copy is still running; returns their ids. */
  importMissing(records: () => Iterable<MigrationRecord>, ids: readonly string[]): string[];
  get(id: string): MigrationRecord | undefined;
  /** Newest first. */
  list(): HistoryEntry[];
  ids(): Map<string, HistoryEntry['outcome']>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS migrations (
  id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  source TEXT NOT NULL,
  destination TEXT NOT NULL,
  summary TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS migrations_by_start ON migrations (started_at DESC);
PRAGMA user_version = 1;
`;

let sqlPromise: Promise<SqlJsStatic> | undefined;

function loadSql(): Promise<SqlJsStatic> {
  const require = createRequire(import.meta.url);
  const wasm = require.resolve('sql.js/dist/sql-wasm.wasm');
  sqlPromise ??= initSqlJs({ locateFile: () => wasm });
  return sqlPromise;
}

/** The default database file in the state folder. */
export function historyFile(): string {
  return path.join(stateDir(), 'history.sqlite');
}

/** Opens (creating if needed) the history database. */
export async function openHistory(file = historyFile()): Promise<HistoryStore> {
  const SQL = await loadSql();
  ensurePrivateDir(path.dirname(file));
  let db: Database;
  let seen = '';
  const stamp = () => {
    try {
      const s = statSync(file);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return '';
    }
  };
  const load = () => {
    const now = stamp();
    if (db && now === seen) return;
    db?.close();
    db = now ? new SQL.Database(readFileSync(file)) : new SQL.Database();
    db.exec(SCHEMA);
    seen = now;
  };
  const save = () => {
    writePrivateFileAtomic(file, db.export());
    seen = stamp();
  };
  const write = <T>(fn: () => T): T =>
    withLock(`${file}.lock`, () => {
      load();
      const out = fn();
      save();
      return out;
    });
  const insert = (r: MigrationRecord) => {
    db.run('INSERT OR REPLACE INTO migrations (id, started_at, outcome, source, destination, summary, record) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      r.id,
      r.startedAt,
      r.outcome,
      r.request.from,
      r.request.to,
      JSON.stringify(historyEntry(r)),
      JSON.stringify(r),
    ]);
  };
  const ids = () => {
    load();
    const out = new Map<string, HistoryEntry['outcome']>();
    const st = db.prepare('SELECT id, outcome FROM migrations');
    while (st.step()) {
      const [id, outcome] = st.get() as [string, HistoryEntry['outcome']];
      out.set(id, outcome);
    }
    st.free();
    return out;
  };
  load();
  return {
    file,
    put: (record) => write(() => insert(record)),
    importMissing(records, candidates) {
      const have = ids();
      const wanted = candidates.filter((id) => !have.has(id) || have.get(id) === 'running');
      if (!wanted.length) return [];
      const set = new Set(wanted);
      return write(() => {
        const done: string[] = [];
        for (const r of records()) {
          if (!set.has(r.id)) continue;
          insert(r);
          done.push(r.id);
        }
        return done;
      });
    },
    get(id) {
      load();
      const st = db.prepare('SELECT record FROM migrations WHERE id = ?', [id]);
      const row = st.step() ? (st.get()[0] as string) : undefined;
      st.free();
      return row === undefined ? undefined : (JSON.parse(row) as MigrationRecord);
    },
    list() {
      load();
      const out: HistoryEntry[] = [];
      const st = db.prepare('SELECT summary FROM migrations ORDER BY started_at DESC');
      while (st.step()) out.push(JSON.parse(st.get()[0] as string) as HistoryEntry);
      st.free();
      return out;
    },
    ids,
  };
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Runs fn holding an exclusive lock file; a lock older than 30 s is taken as stale (its holder died). */
function withLock<T>(lock: string, fn: () => T): T {
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      createPrivateFileExclusive(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmSync(lock, { force: true });
      } catch {
        /* removed meanwhile */
      }
      if (Date.now() > until)
        throw new FerryError({ code: 'BUSY', message: `the history database is locked (${lock})`, hint: 'if no other Ferry is running, remove the lock file' });
      Atomics.wait(sleeper, 0, 0, 20);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Whether a history database exists yet. */
export function historyExists(file = historyFile()): boolean {
  return existsSync(file);
}
