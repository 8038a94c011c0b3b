// Lazy mode's quick-ACK routes on both hosts (app/plan/quickack-route.ts): added before the freeze, deleted when
// the page stream ends. A speed aid only: nothing here fails a migration.
import type { MigrationPlan } from '../../app/model/migration';
import { quickackRouteArgv, quickackRouteDelArgv, quickackRoutes, routeGetArgv } from '../../app/plan/quickack-route';
import type { Executor } from '../hosts/executor';

const hostOf = (plan: MigrationPlan, side: 'source' | 'destination') => (side === 'source' ? plan.request.from : plan.request.to);

/** Adds the plan's quick-ACK routes; returns the ones added (`host → peer`), none when a host already had one. */
export async function addQuickackRoutes(exec: Executor, plan: MigrationPlan): Promise<string[]> {
  const added = await Promise.all(
    quickackRoutes(plan).map(async ({ side, peer }) => {
      const host = hostOf(plan, side);
      const got = await exec.run(host, routeGetArgv(peer)).catch(() => undefined);
      const argv = got?.code === 0 ? quickackRouteArgv(got.stdout, peer) : undefined;
      if (!argv) return undefined;
      const r = await exec.run(host, argv).catch(() => undefined);
      return r?.code === 0 ? `${host} → ${peer}` : undefined;
    }),
  );
  return added.filter((x): x is string => x !== undefined);
}

/** Deletes Ferry's quick-ACK routes of the plan (only routes with Ferry's protocol number; gone ones are fine). */
export async function removeQuickackRoutes(exec: Executor, plan: MigrationPlan): Promise<void> {
  await Promise.all(quickackRoutes(plan).map(({ side, peer }) => exec.run(hostOf(plan, side), quickackRouteDelArgv(peer)).catch(() => undefined)));
}
