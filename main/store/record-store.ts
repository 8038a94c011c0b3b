// Keeps every migration's record and CRIU logs on the controller (one folder per migration), private to the
// controller's user (private-files.ts).
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

/** The folder of one migration. */
export function migrationDir(id: string): string {
  return path.join(stateDir(), 'migrations', id);
}

/** Creates (0700 from the state folder down) and returns the folder of one migration. */
export function ensureMigrationDir(id: string): string {
  return ensurePrivateDirs(stateDir(), 'migrations', id);
}

/** Writes the record atomically (temp file + rename), secrets redacted. */
export function saveRecord(record: MigrationRecord): string {
  const dir = ensureMigrationDir(record.id);
  const file = path.join(dir, 'record.json');
  writePrivateFileAtomic(file, JSON.stringify(redactValue(record), null, 2), `${file}.tmp`);
  return dir;
}

/** Stores a log (CRIU dump/restore) next to the record, secrets redacted; returns its path. */
export function saveLog(id: string, name: string, text: string): string {
  const file = path.join(ensureMigrationDir(id), name);
  writePrivateFile(file, redactText(text));
  return file;
}

/** Loads one record, or undefined. */
export function loadRecord(id: string): MigrationRecord | undefined {
  const file = path.join(migrationDir(id), 'record.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as MigrationRecord;
}

/** All records, newest first. */
export function listRecords(): MigrationRecord[] {
  const base = path.join(stateDir(), 'migrations');
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .map((id) => loadRecord(id))
    .filter((r): r is MigrationRecord => r !== undefined)
    .sort((a, b) => b.startedAt - a.startedAt);
}

/** Ids of every stored migration folder (cheap: no record is read). */
export function listRecordIds(): string[] {
  const base = path.join(stateDir(), 'migrations');
  if (!existsSync(base)) return [];
  return readdirSync(base).filter((id) => existsSync(path.join(base, id, 'record.json')));
}
