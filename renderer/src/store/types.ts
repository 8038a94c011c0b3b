// The renderer's store: one zustand store made of slices fed by the contract's calls and events.
import type { FerryErrorInfo } from '../../../app/errors';
import type {
  AppInfo,
  HistoryEntry,
  HostEntry,
  HostPrepared,
  HostReadiness,
  PlanPreview,
  ProcessListing,
  Rehearsal,
  RequestParams,
} from '../../../app/contract/contract';
import type { MigrationRecord, TransferMode } from '../../../app/model/migration';
import type { MigrationProgress } from '../../../app/review/migration-progress';

export type ViewName = 'hosts' | 'processes' | 'migrate' | 'review';
export type Theme = 'light' | 'dark';

/** A value being loaded from main. */
export interface Loadable<T> {
  value?: T;
  loading: boolean;
  error?: FerryErrorInfo;
}

export interface UiSlice {
  view: ViewName;
  theme: Theme;
  info?: AppInfo;
  disconnected: boolean;
  setView(v: ViewName): void;
  setTheme(t: Theme): void;
  loadInfo(): Promise<void>;
}

export interface HostsSlice {
  hosts: Loadable<{ hosts: HostEntry[]; warnings: string[]; manualFile: string }>;
  readiness: Record<string, Loadable<HostReadiness>>;
  /** `hosts:prepare` per host: Ferry's CRIU pushed there, then its readiness checked again. */
  prepared: Record<string, Loadable<HostPrepared>>;
  loadHosts(): Promise<void>;
  checkHost(name: string): Promise<void>;
  prepareHost(name: string): Promise<void>;
  addHost(h: RequestParams<'hosts:add'>): Promise<FerryErrorInfo | undefined>;
}

export interface ProcessesSlice {
  procHost?: string;
  listing: Loadable<ProcessListing>;
  selectedPid?: number;
  collapsed: Set<number>;
  query: string;
  selectHost(host: string): void;
  loadProcesses(): Promise<void>;
  selectPid(pid: number | undefined): void;
  toggleCollapsed(pid: number): void;
  setQuery(q: string): void;
}

export interface MigrationDraft {
  from?: string;
  pid?: number;
  to?: string;
  budgetMs: number;
  /** Transfer mode; undefined lets the engine choose. */
  mode?: TransferMode;
  /** Move the addresses even though processes outside the tree use them. */
  allowSharedAddress?: boolean;
  /** Addresses to move, as typed (space or comma separated); empty: detected from the connections. */
  addresses?: string;
  /** Folder for the CRIU images on both hosts; empty: the engine's choice. */
  imageBase?: string;
  /** Keep the CRIU images on both hosts after success. */
  keepImages?: boolean;
  /** The rehearsal also runs one real dump (--leave-running: one short freeze). */
  rehearseDump?: boolean;
}

export interface MigrationSlice {
  draft: MigrationDraft;
  preview: Loadable<PlanPreview>;
  /** The last rehearsal of the draft (nothing frozen unless its real dump was asked for). */
  rehearsal: Loadable<Rehearsal>;
  runs: Record<string, MigrationProgress>;
  activeId?: string;
  starting: boolean;
  startError?: FerryErrorInfo;
  /** A cancel was sent for the active migration and not answered yet. */
  cancelling: boolean;
  cancelError?: FerryErrorInfo;
  /** Server clock minus this page's clock, estimated from the events' send times. */
  clockOffsetMs: number;
  clockSamples: number;
  setDraft(d: Partial<MigrationDraft>): void;
  checkPlan(): Promise<void>;
  rehearse(): Promise<void>;
  startMigration(): Promise<void>;
  /** Cancels the active migration (refused once the destination runs the restored process). */
  cancelMigration(): Promise<void>;
  loadActive(): Promise<void>;
}

export interface HistorySlice {
  history: Loadable<HistoryEntry[]>;
  records: Record<string, Loadable<MigrationRecord>>;
  selectedId?: string;
  compareIds: string[];
  loadHistory(): Promise<void>;
  openRecord(id: string | undefined): Promise<void>;
  toggleCompare(id: string): void;
  exportJson(ids?: string[]): Promise<FerryErrorInfo | undefined>;
}

export type Store = UiSlice & HostsSlice & ProcessesSlice & MigrationSlice & HistorySlice;
export type SliceCreator<T> = (set: (partial: Partial<Store> | ((s: Store) => Partial<Store>)) => void, get: () => Store) => T;
