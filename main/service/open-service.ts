// The migration service as a command-line client opens it: the same history the dashboard reads (so its runs
// show there as they happen); a history that cannot be opened only costs that, with a warning.
import { toErrorInfo } from '../../app/errors';
import type { Controller } from '../controller/controller';
import { openHistory, type HistoryStore } from '../store/history-db';
import { MigrationService, type MigrationServiceOptions } from './migration-service';

/** Opens the history and builds the service for `controller`. */
export async function openMigrationService(
  controller: Controller,
  warn: (message: string) => void,
  opts: Pick<MigrationServiceOptions, 'engine'> = {},
): Promise<MigrationService> {
  let history: HistoryStore | undefined;
  try {
    history = await openHistory();
  } catch (err) {
    warn(`the history cannot be opened, this migration is kept as files only: ${toErrorInfo(err).message}`);
  }
  return new MigrationService({ controller, ...(history ? { history } : {}), ...opts });
}
