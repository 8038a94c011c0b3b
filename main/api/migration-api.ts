// Requests of the Migrate view: plan without running, start, cancel, and the snapshot a late client replays.
// All of it is the migration service's (main/service/migration-service.ts), shared with the CLI.
import type { Handlers } from '../../app/contract/rpc-server';
import type { ApiContext } from './api-context';

/** The Migrate view's handlers. */
export function migrationHandlers(
  ctx: ApiContext,
): Pick<Handlers, 'migration:plan' | 'migration:rehearse' | 'migration:start' | 'migration:active' | 'migration:cancel'> {
  return {
    'migration:plan': async (request) => ctx.service.plan(request),
    'migration:rehearse': async (request) => ctx.service.rehearse(request),
    'migration:start': async (request) => {
      const { id } = await ctx.service.start(request);
      return { id };
    },
    'migration:active': async () => ctx.service.active(),
    'migration:cancel': async ({ id }) => ctx.service.cancel(id),
  };
}
