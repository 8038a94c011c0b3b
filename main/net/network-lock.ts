// CRIU's nftables network lock: copy the source's table to the destination before the address arrives,
// and remove every CRIU table left on either host afterwards.
import { FerryError } from '../../app/errors';
import { criuLockTables, type NftTable } from '../../app/parse/nft';
import type { Executor } from '../hosts/executor';

/** CRIU lock tables present on a host. */
export async function listCriuTables(exec: Executor, host: string): Promise<NftTable[]> {
  const r = await exec.run(host, ['nft', 'list', 'ruleset']);
  if (r.code !== 0) throw new FerryError({ code: 'COMMAND_FAILED', host, message: `nft list ruleset: ${r.stderr.trim()}` });
  return criuLockTables(r.stdout);
}

/** Installs tables (text from the source) on a host, so its traffic for them is dropped, not answered with RST. */
export async function installTables(exec: Executor, host: string, tables: NftTable[]): Promise<void> {
  if (!tables.length) return;
  const r = await exec.run(host, ['nft', '-f', '-'], { stdin: tables.map((t) => t.text).join('\n') });
  if (r.code !== 0) throw new FerryError({ code: 'COMMAND_FAILED', host, message: `cannot install the network lock: ${r.stderr.trim()}` });
}

/** Deletes the named tables from a host (tables already gone are fine). */
export async function deleteTables(exec: Executor, host: string, tables: Pick<NftTable, 'family' | 'name'>[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const t of tables) {
    const r = await exec.run(host, ['nft', 'delete', 'table', t.family, t.name]);
    if (r.code === 0) deleted.push(`${t.family} ${t.name}`);
  }
  return deleted;
}

/**
 * Deletes the CRIU lock tables on a host except those in `before` (another migration's, or the operator's):
 * what this migration's dump left. Returns what it deleted.
 */
export async function deleteNewCriuTables(exec: Executor, host: string, before: readonly Pick<NftTable, 'family' | 'name'>[]): Promise<string[]> {
  const known = new Set(before.map((t) => `${t.family} ${t.name}`));
  return deleteTables(
    exec,
    host,
    (await listCriuTables(exec, host)).filter((t) => !known.has(`${t.family} ${t.name}`)),
  );
}
