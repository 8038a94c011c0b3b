// The migration journal on the controller: written before each phase, so that `ferry recover` can find a
// migration whose controller died and finish it or roll it back. Private (0600 in a 0700 folder) and redacted
// like the records (app/redact.ts): the plan holds the process's command line.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MigrationPlan } from '../../app/model/migration';
import type { NftTable } from '../../app/parse/nft';
import { redactValue } from '../../app/redact';
import { appendPrivateFile } from '../store/private-files';
import { openRecordStore, type RecordStore } from '../store/record-store';
import { isAlive, processStartTicks } from '../util/process-alive';

/** Phases in the order a migration passes them. */
export type JournalPhase =
  | 'planned'
  | 'prepared'
  | 'freeze-started'
  | 'dumped'
  | 'address-removed'
  | 'hook-move-started'
  | 'address-added'
  | 'restored'
  | 'verified'
  | 'rolled-back'
  | 'split-brain'
  | 'recovered'
  | 'ended';

export interface JournalEntry {
  at: number;
  phase: JournalPhase;
  /** On `planned`: everything recovery needs. */
  plan?: MigrationPlan;
  owner?: { pid: number; host: string; startTicks?: number };
  /** CRIU lock tables that existed on the source before the dump (not ours to delete). */
  tablesBefore?: Pick<NftTable, 'family' | 'name'>[];
  outcome?: string;
}

/** Appends phases to one migration's journal, synced to disk before the phase starts. */
export class Journal {
  private readonly file: string;

  constructor(
    readonly id: string,
    private readonly store: RecordStore = openRecordStore(),
    private readonly now: () => number = Date.now,
  ) {
    this.file = path.join(store.migrationDir(id), 'journal.jsonl');
  }

  /** Writes an entry (secrets redacted) and waits until it is on disk. */
  write(entry: Omit<JournalEntry, 'at'>): void {
    this.store.ensureMigrationDir(this.id);
    appendPrivateFile(this.file, `${JSON.stringify(redactValue({ at: this.now(), ...entry }))}\n`, { sync: true });
  }

  /** Opens the journal with the plan and this controller as its owner. */
  start(plan: MigrationPlan, tablesBefore: Pick<NftTable, 'family' | 'name'>[]): void {
    this.write({ phase: 'planned', plan, tablesBefore, owner: { pid: process.pid, host: os.hostname(), startTicks: processStartTicks(process.pid) } });
  }
}

/** A journal that never reached `ended`. */
export interface OpenJournal {
  id: string;
  entries: JournalEntry[];
  plan: MigrationPlan;
  tablesBefore: Pick<NftTable, 'family' | 'name'>[];
  /** The last phase reached. */
  phase: JournalPhase;
  /** The controller that ran it is still alive (on this machine): not ours to recover. */
  ownerAlive: boolean;
}

/** Reads one journal file's entries (a torn last line is ignored). */
export function readJournal(id: string, store: RecordStore = openRecordStore()): JournalEntry[] {
  const file = path.join(store.migrationDir(id), 'journal.jsonl');
  if (!existsSync(file)) return [];
  const out: JournalEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JournalEntry);
    } catch {
      /* torn write at a crash */
    }
  }
  return out;
}

/** Every migration whose journal has no `ended` entry. */
export function openJournals(store: RecordStore = openRecordStore()): OpenJournal[] {
  const base = path.join(store.base, 'migrations');
  if (!existsSync(base)) return [];
  const out: OpenJournal[] = [];
  for (const id of readdirSync(base)) {
    const entries = readJournal(id, store);
    const planned = entries.find((e) => e.phase === 'planned');
    if (!planned?.plan || entries.some((e) => e.phase === 'ended')) continue;
    const owner = planned.owner;
    out.push({
      id,
      entries,
      plan: planned.plan,
      tablesBefore: planned.tablesBefore ?? [],
      phase: entries[entries.length - 1]?.phase ?? 'planned',
      ownerAlive: !!owner && owner.host === os.hostname() && owner.pid !== process.pid && isAlive(owner.pid, owner.startTicks),
    });
  }
  return out;
}
