// Test helper: bundles a TypeScript entry with esbuild so a real second Node process can run it.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../../main/util/repo-root';

/** Bundles `entry` (relative to the repository) into node_modules/.cache/ferry-test/ (packages stay external); returns the file. */
export async function bundleForTest(entry: string, name: string): Promise<string> {
  const dir = path.join(repoRoot(), 'node_modules', '.cache', 'ferry-test');
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `${name}-${process.pid}.mjs`);
  await build({
    entryPoints: [path.join(repoRoot(), entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
    banner: { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" },
  });
  return outfile;
}
