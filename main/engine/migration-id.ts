// Migration identifiers: sortable by time, safe in paths and shell arguments.
import { randomBytes } from 'node:crypto';

/** A new id like `m-20261129-105012-3fa9c1`. */
export function newMigrationId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `m-${t}-${randomBytes(3).toString('hex')}`;
}
