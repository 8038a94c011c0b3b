// The one implementation of the contract: every domain's handlers over one context. Transports serve it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Handlers } from '../../app/contract/rpc-server';
import { labStatus } from '../lab/lab';
import { LAB_NAME } from '../lab/lab-config';
import { openHistory } from '../store/history-db';
import { loadRecord, stateDir } from '../store/record-store';
import { toErrorInfo } from '../../app/errors';
import type { RecoveryStatus } from '../../app/contract/contract';
import { recoverAll } from '../engine/recover';
import { repoRoot } from '../util/repo-root';
import type { ApiContext } from './api-context';
import { EventHub } from './event-hub';
import { historyHandlers, importFileRecords } from './history-api';
import { hostsHandlers } from './hosts-api';
import { createController } from '../controller/controller';
import { EvacuationService } from '../service/evacuation-service';
import { MigrationService } from '../service/migration-service';
import { evacuationHandlers } from './evacuation-api';
import { migrationHandlers } from './migration-api';
import { processesHandlers } from './processes-api';

/** The API: its handlers, its events and how to shut it down. */
export interface Api {
  handlers: Handlers;
  events: EventHub;
  context: ApiContext;
  close(): Promise<void>;
}

/** Opens the history and builds every handler. */
export async function createApi(opts: { historyFile?: string; userConfig?: boolean; recoverOnStart?: boolean } = {}): Promise<Api> {
  const history = await openHistory(opts.historyFile);
  const controller = createController(opts.userConfig === undefined ? {} : { userConfig: opts.userConfig });
  const events = new EventHub();
  const service = new MigrationService({
    controller,
    history,
    onEvent: (e) => events.emit('migration:event', e),
    onRecord: (id) => events.emit('history:changed', { id }),
  });
  const evacuations = new EvacuationService({ controller, migrations: service, onEvent: (e) => events.emit('evacuation:event', e) });
  const ctx: ApiContext = { controller, history, events, service, evacuations };
  importFileRecords(ctx);
  // Migrations another controller (the CLI) runs write the same history: their changes are announced here.
  const stopWatching = watchHistory(ctx);
  // Migrations a dead controller left half-way are brought to one safe end before anyone starts a new one.
  const recovery: RecoveryStatus = { running: opts.recoverOnStart !== false, reports: [] };
  const recovering = opts.recoverOnStart === false ? Promise.resolve() : recoverOnStart(ctx, recovery);
  const version = readVersion();
  const handlers: Handlers = {
    'app:info': async () => {
      const s = await labStatus();
      return {
        version,
        stateDir: stateDir(),
        lab: {
          name: LAB_NAME,
          up: s.up,
          serviceAddress: s.serviceAddress.address,
          ...(s.serviceAddress.holder ? { serviceHolder: s.serviceAddress.holder } : {}),
          ...(s.demo ? { demo: { pid: s.demo.pid, host: s.demo.host, connections: s.demo.connections } } : {}),
        },
        recovery: { ...recovery, reports: recovery.reports.map((r) => ({ ...r, actions: [...r.actions] })) },
      };
    },
    ...hostsHandlers(ctx),
    ...processesHandlers(ctx),
    ...migrationHandlers(ctx),
    ...evacuationHandlers(ctx),
    ...historyHandlers(ctx),
  };
  return {
    handlers,
    events: ctx.events,
    context: ctx,
    close: async () => {
      stopWatching();
      await recovering;
      await ctx.controller.close();
    },
  };
}

/** Runs `ferry recover` for every open journal; each recovered record replaces its history entry. */
async function recoverOnStart(ctx: ApiContext, status: RecoveryStatus): Promise<void> {
  try {
    for (const r of await recoverAll(ctx.controller.exec)) {
      status.reports.push({
        id: r.id,
        phase: r.phase,
        actions: r.actions,
        ok: r.ok,
        ...(r.action ? { action: r.action } : {}),
        ...(r.why ? { why: r.why } : {}),
        ...(r.skipped ? { skipped: r.skipped } : {}),
      });
      const record = loadRecord(r.id);
      if (record && !r.skipped) {
        ctx.history.put(record);
        ctx.events.emit('history:changed', { id: r.id });
      }
    }
  } catch (e) {
    status.error = toErrorInfo(e).message;
  } finally {
    status.running = false;
  }
}

/** How often the history file is looked at for changes another process made. */
const HISTORY_POLL_MS = 1000;

/** Emits `history:changed` for every migration whose stored outcome another process added or changed. */
function watchHistory(ctx: ApiContext): () => void {
  let seen = ctx.history.ids();
  const timer = setInterval(() => {
    try {
      const now = ctx.history.ids();
      for (const [id, outcome] of now) if (seen.get(id) !== outcome) ctx.events.emit('history:changed', { id });
      seen = now;
    } catch {
      /* the file is being replaced: next time */
    }
  }, HISTORY_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
