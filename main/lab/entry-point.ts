// Helpers shared by the lab's standalone programs (witness, demo workload).
import { realpathSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * True when the module at metaUrl is the script node was started with (`node dist/lab/witness.mjs`),
 * false when it is imported (tests). Each program must be its own bundle: a bundle that merely imports
 * an entry module shares its import.meta.url and would start it.
 */
export function isEntryPoint(metaUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(fileURLToPath(metaUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}

/** Writes a file so readers see the old or the new content, never a partial one. */
export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Usage errors: the message goes to stderr and the program exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
