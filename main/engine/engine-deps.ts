// What the engine is given instead of reaching for it: the executor, host names, where records, logs and the
// journal go, the locks, the clock, the page-server port, where CRIU is on the hosts, and the cancel signal.
// main/service/engine-effects.ts builds the real ones; unit tests pass their own.
import type { HostSpec } from '../../app/model/host';
import type { MigrationRecord } from '../../app/model/migration';
import type { Executor } from '../hosts/executor';
import type { JournalEntry } from './journal';

/** Where the engine keeps a migration's record, logs and journal on the controller. */
export interface EngineStore {
  /** Saves the record (as it is now: also while it runs); returns its folder, if it has one. */
  saveRecord(record: MigrationRecord): string | undefined;
  /** Saves a log next to the record; returns its path, if kept. */
  saveLog(id: string, name: string, text: string): string | undefined;
  /** The migration's journal: written before each phase, read by recovery. */
  journal(id: string): JournalWriter;
}

/** A migration's journal as the engine writes it. */
export interface JournalWriter {
  write(entry: Omit<JournalEntry, 'at'>): void;
  /** The first entry: the plan, the CRIU tables that were there before, and this controller as owner. */
  start(plan: NonNullable<JournalEntry['plan']>, tablesBefore: NonNullable<JournalEntry['tablesBefore']>): void;
}

export interface MigrateDeps {
  exec: Executor;
  /** Resolves an inventory name (throws UNKNOWN_HOST). */
  resolveHost: (name: string) => HostSpec;
  store: EngineStore;
  /** Takes every lock of `keys` for the migration or none (throws BUSY); returns the release. */
  lock: (keys: readonly string[], migrationId: string) => () => void;
  /** The controller's clock (ms since the epoch). */
  now: () => number;
  /** A port for this migration's page server (or lazy page source). */
  pageServerPort: () => number;
  /** Where to look for CRIU on the hosts, in order. */
  criu: readonly string[];
  /** Aborted when the operator cancels: before the freeze nothing is left behind; in it, the migration rolls back. */
  signal?: AbortSignal;
  /** Called once the destination runs the restored process: from then on a cancel is refused. */
  onNoReturn?: () => void;
  /** Encrypt the page stream (default true; false only to measure what TLS costs: the bench). */
  pageStreamTls?: boolean;
}
