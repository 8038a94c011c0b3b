// Keeps every migration's record and CRIU logs on the controller (one folder per migration), private to the
// controller's user (private-files.ts). The engine receives a RecordStore; the free functions below are the
// default store (the state folder) for callers that are not the engine.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MigrationRecord } from '../../app/model/migration';
import { redactText, redactValue } from '../../app/redact';
import { ensurePrivateDirs, writePrivateFile, writePrivateFileAtomic } from './private-files';

/** The controller's state folder (records, journal). */
export function stateDir(): string {
  return process.env.FERRY_STATE_DIR ?? path.join(os.homedir(), '.local', 'state', 'ferry');
}

/** Records and logs of migrations under one state folder. */
export interface RecordStore {
  /** The state folder. */
  readonly base: string;
  /** The folder of one migration (not created). */
  migrationDir(id: string): string;
  /** Creates (0700 from the state folder down) and returns the folder of one migration. */
  ensureMigrationDir(id: string): string;
  /** Writes the record atomically (temp file + rename), secrets redacted; returns its folder. */
  save(record: MigrationRecord): string;
  /** Stores a log (CRIU dump/restore) next to the record, secrets redacted; returns its path. */
  saveLog(id: string, name: string, text: string): string;
  load(id: string): MigrationRecord | undefined;
  /** Ids of every stored migration folder with a record (cheap: no record is read). */
  ids(): string[];
}

/** The record store of a state folder. */
export function openRecordStore(base: string = stateDir()): RecordStore {
  const migrations = path.join(base, 'migrations');
  const migrationDir = (id: string) => path.join(migrations, id);
  const ensureMigrationDir = (id: string) => ensurePrivateDirs(base, 'migrations', id);
  return {
    base,
    migrationDir,
    ensureMigrationDir,
    save(record) {
      const dir = ensureMigrationDir(record.id);
      const file = path.join(dir, 'record.json');
      writePrivateFileAtomic(file, JSON.stringify(redactValue(record), null, 2), `${file}.tmp`);
      return dir;
    },
    saveLog(id, name, text) {
      const file = path.join(ensureMigrationDir(id), name);
      writePrivateFile(file, redactText(text));
      return file;
    },
    load(id) {
      const file = path.join(migrationDir(id), 'record.json');
      if (!existsSync(file)) return undefined;
      return JSON.parse(readFileSync(file, 'utf8')) as MigrationRecord;
    },
    ids() {
      if (!existsSync(migrations)) return [];
      return readdirSync(migrations).filter((id) => existsSync(path.join(migrations, id, 'record.json')));
    },
  };
}

/** The folder of one migration in the default store. */
export const migrationDir = (id: string): string => openRecordStore().migrationDir(id);
/** Creates the folder of one migration in the default store. */
export const ensureMigrationDir = (id: string): string => openRecordStore().ensureMigrationDir(id);
/** Saves a record in the default store. */
export const saveRecord = (record: MigrationRecord): string => openRecordStore().save(record);
/** Saves a log in the default store. */
export const saveLog = (id: string, name: string, text: string): string => openRecordStore().saveLog(id, name, text);
/** Loads one record from the default store, or undefined. */
export const loadRecord = (id: string): MigrationRecord | undefined => openRecordStore().load(id);
/** Ids of every record in the default store. */
export const listRecordIds = (): string[] => openRecordStore().ids();
