// The image stream: how the small (page-less) images go from the source to the destination inside the freeze.
// Straight from host to host through a relay pair connected before the freeze (TLS with this migration's keys, the
// port open to the source only), instead of through the controller's two SSH connections (~45 ms measured for the
// demo's ~300 KiB, much of it waiting on acknowledgements). Derived from the plan's page stream, so rollback and
// recovery (which read the plan from the journal) find the same relays and guard.
import type { MigrationPlan } from '../model/migration';

export interface ImageStream {
  /** The destination's address the source's relay connects to. */
  listen: string;
  /** The source's address: the only one the destination's guard admits, and the one its relay binds to. */
  peer: string;
  port: number;
  /** The destination's guard (nft table, inet). */
  guardTable: string;
  tls: boolean;
  /** The name the destination's certificate carries (the page stream's listener address: page-tls.ts). */
  certName: string;
}

/** The image stream's port: the page stream's + 2 (+ 1 is lazy mode's page recovery and direct stream). */
export function imageStreamPort(pageStreamPort: number): number {
  return pageStreamPort + 2;
}

/** Name of a migration's image-stream guard table on the destination. */
export function imageGuardTableName(migrationId: string): string {
  return `ferry-is-${migrationId.replace(/[^A-Za-z0-9-]/g, '')}`.slice(0, 64);
}

/**
 * The plan's image stream; undefined (the images go through the controller) in staged mode, or when no address of
 * the other host in the page stream's family is known.
 */
export function imageStreamOf(plan: Pick<MigrationPlan, 'id' | 'transferMode' | 'pageServer'>): ImageStream | undefined {
  const ps = plan.pageServer;
  if (!ps?.peer || plan.transferMode === 'staged') return undefined;
  // Streamed: the page stream's listener is the destination; lazy: it is the source and `peer` the destination.
  const [listen, peer] = plan.transferMode === 'lazy' ? [ps.peer, ps.address] : [ps.address, ps.peer];
  return { listen, peer, port: imageStreamPort(ps.port), guardTable: imageGuardTableName(plan.id), tls: ps.tls === true, certName: ps.address };
}
