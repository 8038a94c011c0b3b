// Requests of the Hosts view's Evacuate: plan, start, cancel, and the snapshot a late client replays. All of it is
// the evacuation service's (main/service/evacuation-service.ts), shared with `ferry evacuate`.
import type { Handlers } from '../../app/contract/rpc-server';
import type { ApiContext } from './api-context';

/** The Evacuate dialog's handlers. */
export function evacuationHandlers(ctx: ApiContext): Pick<Handlers, 'evacuation:plan' | 'evacuation:start' | 'evacuation:active' | 'evacuation:cancel'> {
  return {
    'evacuation:plan': async (request) => ctx.evacuations.plan(request),
    'evacuation:start': async (request) => {
      const { id } = await ctx.evacuations.start(request);
      return { id };
    },
    'evacuation:active': async () => ctx.evacuations.active(),
    'evacuation:cancel': async ({ id }) => ctx.evacuations.cancel(id),
  };
}
