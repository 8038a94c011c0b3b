// The one implementation of the contract: every domain's handlers over one context. Transports serve it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Handlers } from '../../app/contract/rpc-server';
import { labStatus } from '../lab/lab';
import { LAB_NAME } from '../lab/lab-config';
import { openHistory } from '../store/history-db';
import { stateDir } from '../store/record-store';
import { repoRoot } from '../util/repo-root';
import type { ApiContext } from './api-context';
import { EventHub } from './event-hub';
import { historyHandlers, importFileRecords } from './history-api';
import { hostsHandlers } from './hosts-api';
import { createLiveController } from './live-controller';
import { MigrationTasks, migrationHandlers } from './migration-api';
import { processesHandlers } from './processes-api';

/** The API: its handlers, its events and how to shut it down. */
export interface Api {
  handlers: Handlers;
  events: EventHub;
  context: ApiContext;
  close(): Promise<void>;
}

/** Opens the history and builds every handler. */
export async function createApi(opts: { historyFile?: string; userConfig?: boolean } = {}): Promise<Api> {
  const history = await openHistory(opts.historyFile);
  const ctx: ApiContext = {
    controller: createLiveController(opts.userConfig === undefined ? {} : { userConfig: opts.userConfig }),
    history,
    events: new EventHub(),
    tasks: new MigrationTasks(),
  };
  importFileRecords(ctx);
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
      };
    },
    ...hostsHandlers(ctx),
    ...processesHandlers(ctx),
    ...migrationHandlers(ctx),
    ...historyHandlers(ctx),
  };
  return { handlers, events: ctx.events, context: ctx, close: () => ctx.controller.close() };
}

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
